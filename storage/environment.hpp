// The LMDB environment: one directory with one data file, the named tables
// of storage/tables.hpp, and the schema version check at open.
//
// Threads: one writer at a time (the batching writer actor calls `commit`)
// and any number of readers on other threads. Reads never wait for the
// writer because LMDB readers see the last committed snapshot, except
// during a map growth (see `commit`).
#pragma once

#include "storage/batch.hpp"
#include "storage/sealer.hpp"
#include "storage/transaction.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tropos::storage {

/// The schema version this build reads and writes.
inline constexpr uint64_t current_schema_version = 1;

/// The key of the schema version (8 bytes, big-endian) in `table::meta`.
inline constexpr std::string_view schema_version_key = "schema_version";

/// Settings of an environment.
struct options {
  /// The data directory, created with mode 0700 when missing.
  std::string path;

  /// The initial size of the memory map in bytes, rounded up to whole pages.
  /// `environment::commit` doubles it when it runs full.
  size_t map_size = size_t{1} << 30;

  /// The maximum number of read transactions open at once.
  unsigned max_readers = 126;

  /// Skips the fsync at commit (MDB_NOSYNC), so a crash may lose or corrupt
  /// recent commits. Off unless requested, and the caller logs a warning.
  bool no_sync = false;

  /// Skips the fsync of the meta page (MDB_NOMETASYNC), so a crash may undo
  /// the last commit. Off unless requested, and the caller logs a warning.
  bool no_meta_sync = false;

  /// Writes through a writable memory map (MDB_WRITEMAP), so a stray write
  /// through a pointer can corrupt the file. Off unless requested.
  bool write_map = false;

  /// How long a map growth waits for open transactions to end before the
  /// commit fails.
  std::chrono::milliseconds grow_timeout{2000};
};

/// An open LMDB environment and the sealer of its values. Move-only.
/// Transactions keep a pointer to its state, so end them all before the
/// environment is destroyed.
class environment {
public:
  /// Opens or creates the environment at `opts.path`, opens every table and
  /// checks the schema version: a missing one is written, an older one is
  /// migrated, and a newer one fails with `ec::storage_error`.
  static caf::expected<environment> open(options opts, sealer values);

  environment(environment&& other) noexcept;
  environment& operator=(environment&& other) noexcept;
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;
  ~environment();

  /// Begins a read transaction on the last committed state. Waits only
  /// while a map growth is under way.
  caf::expected<read_txn> begin_read() const;

  /// Begins the write transaction, waiting while another thread has it
  /// open. Fails when the calling thread has one open already, because LMDB
  /// would deadlock.
  caf::expected<write_txn> begin_write();

  /// Applies every change of every batch in one write transaction with one
  /// commit (group commit). When any change fails, nothing is applied and
  /// the error names the batch and change index. When the map is full, the
  /// map size is doubled once and the batches retried. The growth waits up
  /// to `grow_timeout` for every open transaction to end, and new
  /// transactions wait for the growth.
  caf::error commit(std::span<const batch> batches);

  /// Applies one batch as `commit` does.
  caf::error commit(const batch& changes);

  /// Returns the current size of the memory map in bytes.
  size_t map_size() const;

  /// Returns the data directory.
  const std::string& path() const noexcept;

  /// Returns the sealer, for blinding lookup keys.
  const sealer& value_sealer() const noexcept;

private:
  explicit environment(std::unique_ptr<detail::env_state> state) noexcept;

  caf::error open_tables();

  caf::error check_schema();

  caf::error apply(std::span<const batch> batches, int& rc);

  caf::error grow_map();

  std::unique_ptr<detail::env_state> state_;
};

} // namespace tropos::storage
