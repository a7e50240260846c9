#include "storage/environment.hpp"

#include "domain/error.hpp"
#include "storage/detail/env_state.hpp"
#include "storage/keys.hpp"
#include "storage/migrations.hpp"

#include <lmdb.h>

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace tropos::storage {

// -- detail -------------------------------------------------------------------

namespace detail {

env_state::env_state(sealer values, std::string path,
                     std::chrono::milliseconds grow_timeout) noexcept
  : values(std::move(values)), path(std::move(path)),
    grow_timeout(grow_timeout) {
}

env_state::~env_state() {
  if (env != nullptr)
    mdb_env_close(env);
}

void env_state::enter() {
  std::unique_lock lock{gate_mutex};
  gate_changed.wait(lock, [this] { return !growing; });
  ++open_txns;
}

void env_state::leave() noexcept {
  std::lock_guard lock{gate_mutex};
  --open_txns;
  if (open_txns == 0 && growing)
    gate_changed.notify_all();
}

bool env_state::close_gate() {
  std::unique_lock lock{gate_mutex};
  growing = true;
  if (gate_changed.wait_for(lock, grow_timeout,
                            [this] { return open_txns == 0; }))
    return true;
  growing = false;
  gate_changed.notify_all();
  return false;
}

void env_state::open_gate() noexcept {
  std::lock_guard lock{gate_mutex};
  growing = false;
  gate_changed.notify_all();
}

caf::error lmdb_error(std::string_view operation, table tbl, int rc) {
  return make_error(ec::storage_error,
                    std::string{operation} + " on table '"
                      + std::string{name(tbl)} + "' failed: "
                      + mdb_strerror(rc));
}

caf::error lmdb_error(std::string_view operation, int rc) {
  return make_error(ec::storage_error, std::string{operation}
                                         + " failed: " + mdb_strerror(rc));
}

} // namespace detail

using detail::lmdb_error;
using detail::native;
using detail::opaque;

namespace {

/// Creates the data directory with mode 0700 when it is missing. An
/// existing directory keeps its mode.
caf::error ensure_directory(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error))
    return {};
  if (fs::create_directories(path, error)) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace,
                    error);
  }
  if (error)
    return make_error(ec::io_error, "cannot create data directory " + path
                                      + ": " + error.message());
  return {};
}

size_t round_to_pages(size_t bytes) {
  auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

unsigned env_flags(const options& opts) {
  // MDB_NOTLS ties reader slots to transactions instead of threads, so a
  // read transaction can move between threads and one thread can hold
  // several.
  unsigned flags = MDB_NOTLS;
  if (opts.no_sync)
    flags |= MDB_NOSYNC;
  if (opts.no_meta_sync)
    flags |= MDB_NOMETASYNC;
  if (opts.write_map)
    flags |= MDB_WRITEMAP;
  return flags;
}

} // namespace

// -- environment --------------------------------------------------------------

environment::environment(std::unique_ptr<detail::env_state> state) noexcept
  : state_(std::move(state)) {
}

environment::environment(environment&& other) noexcept = default;

environment& environment::operator=(environment&& other) noexcept = default;

environment::~environment() = default;

caf::expected<environment> environment::open(options opts, sealer values) {
  if (opts.path.empty())
    return make_error(ec::config_error,
                      "storage path is missing: set [storage] path in the config");
  if (auto err = ensure_directory(opts.path))
    return err;

  auto state = std::make_unique<detail::env_state>(std::move(values),
                                                   opts.path,
                                                   opts.grow_timeout);
  auto rc = mdb_env_create(&state->env);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_env_create", rc);

  rc = mdb_env_set_mapsize(state->env, round_to_pages(opts.map_size));
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_env_set_mapsize", rc);
  rc = mdb_env_set_maxreaders(state->env, opts.max_readers);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_env_set_maxreaders", rc);
  rc = mdb_env_set_maxdbs(state->env, table_count);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_env_set_maxdbs", rc);

  rc = mdb_env_open(state->env, opts.path.c_str(), env_flags(opts), 0600);
  if (rc != MDB_SUCCESS)
    return make_error(ec::storage_error, "mdb_env_open of " + opts.path
                                           + " failed: " + mdb_strerror(rc));

  // Free the reader slots that a crashed earlier process left behind, which
  // would otherwise pin old pages and count against max_readers.
  int stale = 0;
  rc = mdb_reader_check(state->env, &stale);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_reader_check", rc);

  environment result{std::move(state)};
  if (auto err = result.open_tables())
    return err;
  if (auto err = result.check_schema())
    return err;
  return result;
}

caf::error environment::open_tables() {
  MDB_txn* txn = nullptr;
  auto rc = mdb_txn_begin(state_->env, nullptr, 0, &txn);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_txn_begin", rc);

  for (auto tbl : all_tables) {
    std::string db_name{name(tbl)};
    rc = mdb_dbi_open(txn, db_name.c_str(), MDB_CREATE,
                      &state_->dbis[static_cast<size_t>(tbl)]);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return lmdb_error("mdb_dbi_open", tbl, rc);
    }
  }

  // The handles become usable by other transactions once this commits.
  rc = mdb_txn_commit(txn);
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_txn_commit", rc);
  return {};
}

caf::error environment::check_schema() {
  auto txn = begin_write();
  if (!txn)
    return txn.error();
  auto stored = txn->get(table::meta, schema_version_key);
  if (!stored)
    return stored.error();

  // A fresh environment starts at the current version.
  if (!*stored) {
    if (auto err = txn->put(table::meta, schema_version_key,
                            encode_u64(current_schema_version)))
      return err;
    return txn->commit();
  }

  auto version = decode_u64(**stored);
  if (!version)
    return make_error(ec::storage_error,
                      "schema version in the meta table of " + state_->path
                        + " has " + std::to_string((*stored)->size())
                        + " bytes; expected 8");
  if (*version > current_schema_version)
    return make_error(ec::storage_error,
                      "data directory " + state_->path
                        + " has schema version " + std::to_string(*version)
                        + ", newer than version "
                        + std::to_string(current_schema_version)
                        + " of this build; run a newer troposd");
  if (*version == current_schema_version)
    return {};

  if (auto err = migrate(*txn, *version, current_schema_version,
                         registered_migrations()))
    return err;
  return txn->commit();
}

caf::expected<read_txn> environment::begin_read() const {
  state_->enter();
  MDB_txn* txn = nullptr;
  auto rc = mdb_txn_begin(state_->env, nullptr, MDB_RDONLY, &txn);
  if (rc != MDB_SUCCESS) {
    state_->leave();
    return lmdb_error("mdb_txn_begin(MDB_RDONLY)", rc);
  }
  return read_txn{state_.get(), opaque(txn)};
}

caf::expected<write_txn> environment::begin_write() {
  if (state_->writer.load() == std::this_thread::get_id())
    return make_error(ec::storage_error,
                      "mdb_txn_begin failed: this thread already holds the "
                      "write transaction, and a second one would deadlock");

  state_->enter();
  MDB_txn* txn = nullptr;
  auto rc = mdb_txn_begin(state_->env, nullptr, 0, &txn);
  if (rc != MDB_SUCCESS) {
    state_->leave();
    return lmdb_error("mdb_txn_begin", rc);
  }
  state_->writer.store(std::this_thread::get_id());
  return write_txn{state_.get(), opaque(txn)};
}

caf::error environment::apply(std::span<const batch> batches, int& rc) {
  rc = MDB_SUCCESS;
  auto txn = begin_write();
  if (!txn)
    return txn.error();

  for (size_t i = 0; i < batches.size(); ++i) {
    const auto& changes = batches[i];
    for (size_t j = 0; j < changes.size(); ++j) {
      const auto& item = changes[j];
      caf::error err;
      if (!item.value) {
        if (auto erased = txn->erase(item.tbl, item.key); !erased)
          err = std::move(erased.error());
      } else if (item.append) {
        err = txn->put_append(item.tbl, item.key, *item.value);
      } else {
        err = txn->put(item.tbl, item.key, *item.value);
      }
      if (err) {
        rc = txn->last_rc_;
        return make_error(code_of(err),
                          "batch " + std::to_string(i) + ", change "
                            + std::to_string(j) + ": " + detail_of(err));
      }
    }
  }

  auto err = txn->commit();
  rc = txn->last_rc_;
  return err;
}

caf::error environment::commit(std::span<const batch> batches) {
  int rc = MDB_SUCCESS;
  auto err = apply(batches, rc);
  if (!err || rc != MDB_MAP_FULL)
    return err;

  // The transaction that ran full has ended, so the map can grow.
  if (auto grow_err = grow_map())
    return grow_err;
  return apply(batches, rc);
}

caf::error environment::commit(const batch& changes) {
  return commit(std::span{&changes, 1});
}

caf::error environment::grow_map() {
  auto old_size = map_size();
  if (!state_->close_gate())
    return make_error(ec::storage_error,
                      "map of " + state_->path + " is full at "
                        + std::to_string(old_size)
                        + " bytes and cannot grow while transactions stay "
                          "open; end long read transactions or raise "
                          "map_size");

  // No transaction is open and none can begin, as mdb_env_set_mapsize
  // requires.
  auto rc = mdb_env_set_mapsize(state_->env, old_size * 2);
  state_->open_gate();
  if (rc != MDB_SUCCESS)
    return lmdb_error("mdb_env_set_mapsize", rc);
  return {};
}

size_t environment::map_size() const {
  MDB_envinfo info{};
  mdb_env_info(state_->env, &info);
  return info.me_mapsize;
}

const std::string& environment::path() const noexcept {
  return state_->path;
}

const sealer& environment::value_sealer() const noexcept {
  return state_->values;
}

} // namespace tropos::storage
