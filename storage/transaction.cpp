#include "storage/transaction.hpp"

#include "domain/error.hpp"
#include "storage/detail/env_state.hpp"

#include <lmdb.h>

namespace tropos::storage {

using detail::dbi_of;
using detail::lmdb_error;
using detail::native;

namespace {

MDB_val to_val(std::string_view bytes) noexcept {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view to_view(const MDB_val& val) noexcept {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

/// Builds the associated data of a sealed value: the table name, a 0x00
/// byte and the key. Table names contain no 0x00, so no two places share it.
std::string associated_data(table tbl, std::string_view key) {
  std::string out{name(tbl)};
  out += '\0';
  out += key;
  return out;
}

caf::error ended_error(std::string_view operation, table tbl) {
  return make_error(ec::storage_error,
                    std::string{operation} + " on table '"
                      + std::string{name(tbl)}
                      + "' failed: the transaction already ended");
}

caf::error check_key(const detail::env_state& state, std::string_view operation,
                     table tbl, std::string_view key) {
  auto max = static_cast<size_t>(mdb_env_get_maxkeysize(state.env));
  if (!key.empty() && key.size() <= max)
    return {};
  return make_error(ec::invalid_argument,
                    std::string{operation} + " on table '"
                      + std::string{name(tbl)} + "' failed: key has "
                      + std::to_string(key.size())
                      + " bytes; LMDB keys have 1 to "
                      + std::to_string(max) + " bytes");
}

/// Returns the plaintext of a stored value: opened when the table is
/// sealed, copied otherwise.
caf::expected<std::string> open_value(const detail::env_state& state,
                                      table tbl, std::string_view key,
                                      std::string_view stored) {
  if (!is_sealed(tbl))
    return std::string{stored};
  auto plain = state.values.open(stored, associated_data(tbl, key));
  if (!plain)
    return make_error(ec::crypto_error,
                      "opening a value of table '" + std::string{name(tbl)}
                        + "' failed: " + detail_of(plain.error()));
  return plain;
}

/// Closes a cursor when it goes out of scope.
struct cursor_guard {
  MDB_cursor* cursor = nullptr;
  ~cursor_guard() {
    if (cursor != nullptr)
      mdb_cursor_close(cursor);
  }
};

} // namespace

// -- basic_txn ----------------------------------------------------------------

basic_txn::basic_txn(detail::env_state* env, detail::txn_handle* handle,
                     bool writes) noexcept
  : env_(env), handle_(handle), writes_(writes) {
}

basic_txn::basic_txn(basic_txn&& other) noexcept
  : env_(other.env_), handle_(other.handle_), writes_(other.writes_) {
  other.handle_ = nullptr;
}

basic_txn& basic_txn::operator=(basic_txn&& other) noexcept {
  if (this != &other) {
    abort();
    env_ = other.env_;
    handle_ = other.handle_;
    writes_ = other.writes_;
    other.handle_ = nullptr;
  }
  return *this;
}

basic_txn::~basic_txn() {
  abort();
}

void basic_txn::abort() noexcept {
  if (handle_ == nullptr)
    return;
  mdb_txn_abort(native(handle_));
  finish();
}

void basic_txn::finish() noexcept {
  handle_ = nullptr;
  if (writes_)
    env_->writer.store(std::thread::id{});
  env_->leave();
}

caf::expected<std::optional<std::string>>
basic_txn::get(table tbl, std::string_view key) const {
  if (handle_ == nullptr)
    return ended_error("mdb_get", tbl);
  if (auto err = check_key(*env_, "mdb_get", tbl, key))
    return err;

  auto key_val = to_val(key);
  MDB_val data{};
  auto rc = mdb_get(native(handle_), dbi_of(*env_, tbl), &key_val, &data);
  if (rc == MDB_NOTFOUND)
    return std::optional<std::string>{};
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_get", tbl, rc);

  auto plain = open_value(*env_, tbl, key, to_view(data));
  if (!plain)
    return plain.error();
  return std::optional<std::string>{std::move(*plain)};
}

caf::error basic_txn::for_each(table tbl, std::string_view prefix,
                               const visitor& visit) const {
  if (handle_ == nullptr)
    return ended_error("mdb_cursor_get", tbl);
  cursor_guard guard;
  auto rc = mdb_cursor_open(native(handle_), dbi_of(*env_, tbl),
                            &guard.cursor);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_cursor_open", tbl, rc);

  // Position at the first key >= prefix. LMDB rejects an empty search key,
  // so an empty prefix starts at the first key instead.
  auto key = to_val(prefix);
  MDB_val data{};
  rc = prefix.empty() ? mdb_cursor_get(guard.cursor, &key, &data, MDB_FIRST)
                      : mdb_cursor_get(guard.cursor, &key, &data,
                                       MDB_SET_RANGE);

  while (rc == MDB_SUCCESS) {
    auto key_view = to_view(key);
    if (!key_view.starts_with(prefix))
      return {};
    if (is_sealed(tbl)) {
      auto plain = open_value(*env_, tbl, key_view, to_view(data));
      if (!plain)
        return plain.error();
      if (!visit(key_view, *plain))
        return {};
    } else if (!visit(key_view, to_view(data))) {
      return {};
    }
    rc = mdb_cursor_get(guard.cursor, &key, &data, MDB_NEXT);
  }

  if (rc != MDB_NOTFOUND)
    return lmdb_error("mdb_cursor_get", tbl, rc);
  return {};
}

caf::expected<std::optional<std::pair<std::string, std::string>>>
basic_txn::last(table tbl) const {
  using entry = std::pair<std::string, std::string>;
  if (handle_ == nullptr)
    return ended_error("mdb_cursor_get", tbl);
  cursor_guard guard;
  auto rc = mdb_cursor_open(native(handle_), dbi_of(*env_, tbl),
                            &guard.cursor);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_cursor_open", tbl, rc);

  MDB_val key{};
  MDB_val data{};
  rc = mdb_cursor_get(guard.cursor, &key, &data, MDB_LAST);
  if (rc == MDB_NOTFOUND)
    return std::optional<entry>{};
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_cursor_get", tbl, rc);

  auto plain = open_value(*env_, tbl, to_view(key), to_view(data));
  if (!plain)
    return plain.error();
  return std::optional<entry>{entry{std::string{to_view(key)},
                                    std::move(*plain)}};
}

// -- write_txn ----------------------------------------------------------------

namespace {

/// Stores a value, sealed if the table is sealed; returns the LMDB code.
int store(detail::env_state& state, MDB_txn* txn, table tbl,
          std::string_view key, std::string_view value, unsigned flags) {
  std::string sealed;
  if (is_sealed(tbl)) {
    sealed = state.values.seal(value, associated_data(tbl, key));
    value = sealed;
  }
  auto key_val = to_val(key);
  auto data = to_val(value);
  return mdb_put(txn, dbi_of(state, tbl), &key_val, &data, flags);
}

} // namespace

caf::error write_txn::put(table tbl, std::string_view key,
                          std::string_view value) {
  if (handle_ == nullptr)
    return ended_error("mdb_put", tbl);
  if (auto err = check_key(*env_, "mdb_put", tbl, key))
    return err;
  auto rc = store(*env_, native(handle_), tbl, key, value, 0);
  if (rc != MDB_SUCCESS) {
    last_rc_ = rc;
    return lmdb_error("mdb_put", tbl, rc);
  }
  return {};
}

caf::error write_txn::put_append(table tbl, std::string_view key,
                                 std::string_view value) {
  if (handle_ == nullptr)
    return ended_error("mdb_put", tbl);
  if (auto err = check_key(*env_, "mdb_put", tbl, key))
    return err;

  // LMDB returns MDB_KEYEXIST, without marking the transaction failed, when
  // the key is not above the last one. Such a key takes the normal path.
  auto rc = store(*env_, native(handle_), tbl, key, value, MDB_APPEND);
  if (rc == MDB_KEYEXIST)
    rc = store(*env_, native(handle_), tbl, key, value, 0);
  if (rc != MDB_SUCCESS) {
    last_rc_ = rc;
    return lmdb_error("mdb_put(MDB_APPEND)", tbl, rc);
  }
  return {};
}

caf::expected<bool> write_txn::erase(table tbl, std::string_view key) {
  if (handle_ == nullptr)
    return ended_error("mdb_del", tbl);
  if (auto err = check_key(*env_, "mdb_del", tbl, key))
    return err;
  auto key_val = to_val(key);
  auto rc = mdb_del(native(handle_), dbi_of(*env_, tbl), &key_val, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc != MDB_SUCCESS) {
    last_rc_ = rc;
    return lmdb_error("mdb_del", tbl, rc);
  }
  return true;
}

caf::error write_txn::commit() {
  if (handle_ == nullptr)
    return make_error(ec::storage_error,
                      "mdb_txn_commit failed: the transaction already ended");

  // LMDB frees the transaction whether the commit succeeds or not.
  auto rc = mdb_txn_commit(native(handle_));
  finish();
  if (rc != MDB_SUCCESS) {
    last_rc_ = rc;
    return lmdb_error("mdb_txn_commit", rc);
  }
  return {};
}

} // namespace tropos::storage
