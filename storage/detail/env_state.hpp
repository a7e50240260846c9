// Internal to storage/: the state shared by an environment and its
// transactions. This is the only header that includes lmdb.h.
#pragma once

#include "storage/sealer.hpp"
#include "storage/tables.hpp"
#include "storage/transaction.hpp"

#include <caf/error.hpp>

#include <lmdb.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace tropos::storage::detail {

/// The LMDB handles, the sealer, and the gate that lets a map growth run
/// while no transaction is open. Lives on the heap so that transactions
/// keep a stable pointer when the environment object moves.
struct env_state {
  env_state(sealer values, std::string path,
            std::chrono::milliseconds grow_timeout) noexcept;
  env_state(const env_state&) = delete;
  env_state& operator=(const env_state&) = delete;
  ~env_state();

  /// Waits while the map grows, then counts one more open transaction.
  void enter();

  /// Counts one transaction fewer, waking a waiting map growth.
  void leave() noexcept;

  /// Waits up to `grow_timeout` until no transaction is open and keeps new
  /// ones out. Returns false on timeout.
  bool close_gate();

  /// Lets new transactions in again after `close_gate` returned true.
  void open_gate() noexcept;

  MDB_env* env = nullptr;
  std::array<MDB_dbi, table_count> dbis{};
  storage::sealer values;
  std::string path;
  std::chrono::milliseconds grow_timeout;

  /// The thread that has the write transaction open, or a default id. Only
  /// that thread stores its own id here, so a thread that reads its own id
  /// has the write transaction open.
  std::atomic<std::thread::id> writer{};

  std::mutex gate_mutex;
  std::condition_variable gate_changed;
  /// Transactions begun and not yet ended, read and write.
  size_t open_txns = 0;
  /// Whether a map growth is waiting for or holding the gate.
  bool growing = false;
};

inline MDB_txn* native(txn_handle* handle) noexcept {
  return reinterpret_cast<MDB_txn*>(handle);
}

inline txn_handle* opaque(MDB_txn* txn) noexcept {
  return reinterpret_cast<txn_handle*>(txn);
}

inline MDB_dbi dbi_of(const env_state& state, table tbl) noexcept {
  return state.dbis[static_cast<size_t>(tbl)];
}

/// Builds an `ec::storage_error` naming the LMDB call, the table and the
/// LMDB error text.
caf::error lmdb_error(std::string_view operation, table tbl, int rc);

/// Builds an `ec::storage_error` naming the LMDB call and its error text,
/// for calls that concern no single table.
caf::error lmdb_error(std::string_view operation, int rc);

} // namespace tropos::storage::detail
