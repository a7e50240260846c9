// RAII transactions over the environment's tables.
//
// Both kinds are move-only and abort in the destructor unless committed, so
// an early return never leaves a transaction open. Values of sealed tables
// are sealed by `put` and opened by `get`, `for_each` and `last`, with the
// table name and key as associated data. Every read returns owned copies,
// except the views given to a `for_each` visitor, which are valid only
// during that call.
#pragma once

#include "storage/tables.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tropos::storage {

class environment;

namespace detail {

struct env_state;

/// Opaque stand-in for the LMDB transaction type, converted back only
/// inside storage/.
struct txn_handle;

} // namespace detail

/// Receives each key and value of a walk; returns false to stop the walk.
using visitor
  = std::function<bool(std::string_view key, std::string_view value)>;

/// The read operations shared by read and write transactions.
class basic_txn {
public:
  basic_txn(const basic_txn&) = delete;
  basic_txn& operator=(const basic_txn&) = delete;

  /// Returns an owned copy of the value under `key`, opened if the table is
  /// sealed, or nullopt when the key is absent. A stored value that fails to
  /// open is an `ec::crypto_error`.
  caf::expected<std::optional<std::string>> get(table tbl,
                                                std::string_view key) const;

  /// Calls `visit` for every key that starts with `prefix`, in ascending
  /// byte order, until `visit` returns false. An empty prefix walks the
  /// whole table. In a write transaction, `visit` must not change `tbl`.
  caf::error for_each(table tbl, std::string_view prefix,
                      const visitor& visit) const;

  /// Returns the highest key of a table with its value, or nullopt when the
  /// table is empty. Id sequences resume from it.
  caf::expected<std::optional<std::pair<std::string, std::string>>>
  last(table tbl) const;

  /// Returns whether the transaction is still open.
  bool is_open() const noexcept {
    return handle_ != nullptr;
  }

  /// Ends the transaction without committing, or does nothing when it has
  /// ended already. The destructor calls this.
  void abort() noexcept;

protected:
  basic_txn(detail::env_state* env, detail::txn_handle* handle,
            bool writes) noexcept;
  basic_txn(basic_txn&& other) noexcept;
  basic_txn& operator=(basic_txn&& other) noexcept;
  ~basic_txn();

  /// Releases the environment's count of open transactions, after the
  /// LMDB transaction has ended.
  void finish() noexcept;

  detail::env_state* env_ = nullptr;
  detail::txn_handle* handle_ = nullptr;
  bool writes_ = false;
};

/// A read-only snapshot of the committed state. With the environment opened
/// with MDB_NOTLS, a read transaction may be moved to and used from any
/// thread, but by one thread at a time.
class read_txn : public basic_txn {
public:
  read_txn(read_txn&&) noexcept = default;
  read_txn& operator=(read_txn&&) noexcept = default;
  ~read_txn() = default;

private:
  friend class environment;

  read_txn(detail::env_state* env, detail::txn_handle* handle) noexcept
    : basic_txn(env, handle, false) {
  }
};

/// The single write transaction of the environment. LMDB ties its write
/// lock to the thread that began it, so begin, use, commit and destroy a
/// write transaction on one thread.
class write_txn : public basic_txn {
public:
  write_txn(write_txn&&) noexcept = default;
  write_txn& operator=(write_txn&&) noexcept = default;
  ~write_txn() = default;

  /// Stores `value` under `key`, replacing any previous value. Keys must be
  /// 1 to 511 bytes (`ec::invalid_argument` otherwise).
  caf::error put(table tbl, std::string_view key, std::string_view value);

  /// Stores `value` under a key expected to be above every key of the table
  /// (a growing id), which skips the tree search. Falls back to `put` when
  /// the key is not the highest.
  caf::error put_append(table tbl, std::string_view key,
                        std::string_view value);

  /// Removes `key` and returns whether it was present.
  caf::expected<bool> erase(table tbl, std::string_view key);

  /// Makes every change of this transaction durable (one fsync unless the
  /// environment was opened with `no_sync`). The transaction ends either
  /// way, and on failure none of its changes were applied.
  caf::error commit();

private:
  friend class environment;

  write_txn(detail::env_state* env, detail::txn_handle* handle) noexcept
    : basic_txn(env, handle, true) {
  }

  /// The LMDB return code of the last failed call, for the map growth in
  /// `environment::commit`.
  int last_rc_ = 0;
};

} // namespace tropos::storage
