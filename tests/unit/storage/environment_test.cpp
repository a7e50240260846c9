#include "storage/environment.hpp"

#include "storage/keys.hpp"
#include "storage_test_support.hpp"

#include <lmdb.h>
#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

namespace tropos::storage {
namespace {

using testing::open_test_env;
using testing::read_file;
using testing::temp_dir;
using testing::test_options;

/// Counts the keys of a table.
size_t count_keys(const environment& env, table tbl) {
  auto txn = env.begin_read();
  EXPECT_TRUE(txn) << describe(txn.error());
  if (!txn)
    return 0;
  size_t count = 0;
  auto err = txn->for_each(tbl, "", [&](std::string_view, std::string_view) {
    ++count;
    return true;
  });
  EXPECT_FALSE(err) << describe(err);
  return count;
}

std::optional<std::string> read(const environment& env, table tbl,
                                std::string_view key) {
  auto txn = env.begin_read();
  EXPECT_TRUE(txn) << describe(txn.error());
  if (!txn)
    return std::nullopt;
  auto value = txn->get(tbl, key);
  EXPECT_TRUE(value) << describe(value.error());
  return value ? *value : std::nullopt;
}

/// Stores a schema version as a later or earlier build would have.
void store_schema_version(const options& opts, uint64_t version) {
  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());
  auto err = env->commit(batch{
    {table::meta, std::string{schema_version_key}, encode_u64(version)}});
  ASSERT_FALSE(err) << describe(err);
}

TEST(Options, DefaultsAreDurable) {
  options opts;
  EXPECT_EQ(opts.map_size, size_t{1} << 30);
  EXPECT_EQ(opts.max_readers, 126u);
  EXPECT_FALSE(opts.no_sync);
  EXPECT_FALSE(opts.no_meta_sync);
  EXPECT_FALSE(opts.write_map);
}

TEST(Environment, CreatesDataDirectoryWithMode0700) {
  temp_dir dir;
  auto opts = test_options(dir);
  opts.path = dir.file("nested/data");
  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());

  struct stat info {};
  ASSERT_EQ(::stat(opts.path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((opts.path + "/data.mdb").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 077, 0u);
  EXPECT_EQ(env->path(), opts.path);
}

TEST(Environment, PathThatIsAFileIsRejected) {
  temp_dir dir;
  auto opts = test_options(dir);
  opts.path = dir.file("file");
  { std::ofstream{opts.path} << "x"; }
  auto env = open_test_env(opts);
  ASSERT_FALSE(env);
  EXPECT_NE(detail_of(env.error()).find(opts.path), std::string::npos)
    << describe(env.error());
}

TEST(Environment, EmptyPathIsRejected) {
  temp_dir dir;
  auto opts = test_options(dir);
  opts.path.clear();
  auto env = open_test_env(opts);
  ASSERT_FALSE(env);
  EXPECT_EQ(code_of(env.error()), ec::config_error);
}

TEST(Environment, WritesSchemaVersionOnFirstOpen) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env) << describe(env.error());
  auto stored = read(*env, table::meta, schema_version_key);
  ASSERT_TRUE(stored);
  EXPECT_EQ(decode_u64(*stored), current_schema_version);
  EXPECT_EQ(current_schema_version, 1u);
}

TEST(Environment, NewerSchemaVersionIsRejected) {
  temp_dir dir;
  auto opts = test_options(dir);
  store_schema_version(opts, 2);

  auto env = open_test_env(opts);
  ASSERT_FALSE(env);
  EXPECT_EQ(code_of(env.error()), ec::storage_error);
  auto detail = detail_of(env.error());
  EXPECT_NE(detail.find("schema version 2"), std::string::npos) << detail;
  EXPECT_NE(detail.find("version 1"), std::string::npos) << detail;
  EXPECT_NE(detail.find(opts.path), std::string::npos) << detail;
}

TEST(Environment, OlderSchemaVersionWithoutMigrationIsRejected) {
  temp_dir dir;
  auto opts = test_options(dir);
  store_schema_version(opts, 0);

  auto env = open_test_env(opts);
  ASSERT_FALSE(env);
  EXPECT_EQ(code_of(env.error()), ec::storage_error);
  EXPECT_NE(detail_of(env.error()).find("no migration from schema version 0"),
            std::string::npos)
    << describe(env.error());
}

TEST(Environment, MalformedSchemaVersionIsRejected) {
  temp_dir dir;
  auto opts = test_options(dir);
  {
    auto env = open_test_env(opts);
    ASSERT_TRUE(env);
    ASSERT_FALSE(env->commit(
      batch{{table::meta, std::string{schema_version_key}, "one"}}));
  }
  auto env = open_test_env(opts);
  ASSERT_FALSE(env);
  EXPECT_NE(detail_of(env.error()).find("3 bytes"), std::string::npos)
    << describe(env.error());
}

TEST(Environment, CommittedDataSurvivesReopen) {
  temp_dir dir;
  auto opts = test_options(dir);
  {
    auto env = open_test_env(opts);
    ASSERT_TRUE(env) << describe(env.error());
    ASSERT_FALSE(env->commit(batch{
      {table::incidents, encode_u64(1), "incident one"},
      {table::dedup, "fingerprint", encode_u64(1)},
    }));
  }
  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());
  EXPECT_EQ(read(*env, table::incidents, encode_u64(1)), "incident one");
  EXPECT_EQ(read(*env, table::dedup, "fingerprint"), encode_u64(1));
}

TEST(Environment, ReopenWithWrongKeyFailsToOpenValues) {
  temp_dir dir;
  auto opts = test_options(dir);
  {
    auto env = open_test_env(opts, 1);
    ASSERT_TRUE(env);
    ASSERT_FALSE(env->commit(batch{{table::contacts, "c", "+15550001234"}}));
  }
  auto env = open_test_env(opts, 2);
  ASSERT_TRUE(env) << describe(env.error());
  auto txn = env->begin_read();
  ASSERT_TRUE(txn);
  auto value = txn->get(table::contacts, "c");
  ASSERT_FALSE(value);
  EXPECT_EQ(code_of(value.error()), ec::crypto_error);
  EXPECT_NE(detail_of(value.error()).find("contacts"), std::string::npos);

  auto err = txn->for_each(table::contacts, "",
                           [](std::string_view, std::string_view) {
                             ADD_FAILURE() << "visited a value that failed "
                                              "to open";
                             return true;
                           });
  EXPECT_EQ(code_of(err), ec::crypto_error);
}

TEST(Environment, GroupCommitAppliesAllBatches) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env) << describe(env.error());

  std::vector<batch> batches;
  for (uint64_t i = 0; i < 1000; ++i)
    batches.push_back({
      {table::alerts, encode_u64(i), "alert " + std::to_string(i), true},
      {table::dedup, "fp-" + std::to_string(i), encode_u64(i)},
    });
  auto err = env->commit(batches);
  ASSERT_FALSE(err) << describe(err);

  EXPECT_EQ(count_keys(*env, table::alerts), 1000u);
  EXPECT_EQ(count_keys(*env, table::dedup), 1000u);
  auto txn = env->begin_read();
  ASSERT_TRUE(txn);
  for (uint64_t i = 0; i < 1000; ++i) {
    auto alert = txn->get(table::alerts, encode_u64(i));
    ASSERT_TRUE(alert) << describe(alert.error());
    ASSERT_TRUE(*alert) << "alert " << i;
    EXPECT_EQ(**alert, "alert " + std::to_string(i));
    auto id = txn->get(table::dedup, "fp-" + std::to_string(i));
    ASSERT_TRUE(id) << describe(id.error());
    ASSERT_TRUE(*id) << "fingerprint " << i;
    EXPECT_EQ(**id, encode_u64(i));
  }
}

TEST(Environment, GroupCommitWithOneBadChangeAppliesNothing) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env) << describe(env.error());
  ASSERT_FALSE(env->commit(batch{{table::dedup, "existing", "before"}}));

  std::vector<batch> batches;
  for (uint64_t i = 0; i < 1000; ++i)
    batches.push_back({
      {table::alerts, encode_u64(i), "alert " + std::to_string(i), true},
      {table::dedup, "fp-" + std::to_string(i), encode_u64(i)},
    });
  batches[0].push_back({table::dedup, "existing", std::nullopt});
  batches[999].push_back({table::incidents, "", "empty key"});

  auto err = env->commit(batches);
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::invalid_argument);
  auto detail = detail_of(err);
  EXPECT_NE(detail.find("batch 999, change 2"), std::string::npos) << detail;

  EXPECT_EQ(count_keys(*env, table::alerts), 0u);
  EXPECT_EQ(count_keys(*env, table::dedup), 1u);
  EXPECT_EQ(count_keys(*env, table::incidents), 0u);
  EXPECT_EQ(read(*env, table::dedup, "existing"), "before");

  // The environment stays usable: the same batches without the bad change
  // apply in full.
  batches[999].pop_back();
  err = env->commit(batches);
  ASSERT_FALSE(err) << describe(err);
  EXPECT_EQ(count_keys(*env, table::alerts), 1000u);
  EXPECT_EQ(count_keys(*env, table::dedup), 1000u);
  EXPECT_EQ(read(*env, table::dedup, "existing"), std::nullopt);
}

TEST(Environment, GroupCommitAppliesChangesInOrder) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env) << describe(env.error());
  std::vector<batch> batches{
    {{table::outbox, "k", "first"}, {table::outbox, "gone", "x"}},
    {{table::outbox, "k", "second"}, {table::outbox, "gone", std::nullopt}},
    {{table::outbox, "absent", std::nullopt}},
  };
  ASSERT_FALSE(env->commit(batches));
  EXPECT_EQ(read(*env, table::outbox, "k"), "second");
  EXPECT_EQ(read(*env, table::outbox, "gone"), std::nullopt);
}

TEST(Environment, SealedValueIsNotPlaintextOnDisk) {
  temp_dir dir;
  auto opts = test_options(dir);
  const std::string sealed_marker = "SEALED-MARKER-+15550001234";
  const std::string plain_marker = "PLAIN-MARKER-fingerprint";
  {
    auto env = open_test_env(opts);
    ASSERT_TRUE(env) << describe(env.error());
    auto key = env->value_sealer().blind("+15550001234");
    ASSERT_FALSE(env->commit(batch{
      {table::contacts, key, sealed_marker},
      {table::dedup, "fp", plain_marker},
    }));
    EXPECT_EQ(read(*env, table::contacts, key), sealed_marker);
  }

  auto bytes = read_file(opts.path + "/data.mdb");
  ASSERT_FALSE(bytes.empty());
  // The plain table shows that the scan would find a stored marker.
  EXPECT_NE(bytes.find(plain_marker), std::string::npos);
  EXPECT_EQ(bytes.find(sealed_marker), std::string::npos);
  EXPECT_EQ(bytes.find("+15550001234"), std::string::npos);
}

/// Changes the stored bytes of the contacts table behind the environment's
/// back with the LMDB C API: copies the value of "a" to "b" and flips one
/// byte of the value of "c".
void tamper_with_contacts(const std::string& path) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, table_count), 0);
  ASSERT_EQ(mdb_env_open(env, path.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi = 0;
  ASSERT_EQ(mdb_dbi_open(txn, "contacts", 0, &dbi), 0);

  MDB_val key{1, const_cast<char*>("a")};
  MDB_val data{};
  ASSERT_EQ(mdb_get(txn, dbi, &key, &data), 0);
  std::string copied{static_cast<char*>(data.mv_data), data.mv_size};
  MDB_val other{1, const_cast<char*>("b")};
  MDB_val copy{copied.size(), copied.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &other, &copy, 0), 0);

  MDB_val third{1, const_cast<char*>("c")};
  ASSERT_EQ(mdb_get(txn, dbi, &third, &data), 0);
  std::string flipped{static_cast<char*>(data.mv_data), data.mv_size};
  flipped[flipped.size() / 2] ^= 0x01;
  MDB_val changed{flipped.size(), flipped.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &third, &changed, 0), 0);

  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST(Environment, TamperedOrMovedValueFailsToOpen) {
  temp_dir dir;
  auto opts = test_options(dir);
  {
    auto env = open_test_env(opts);
    ASSERT_TRUE(env) << describe(env.error());
    ASSERT_FALSE(env->commit(batch{
      {table::contacts, "a", "alice"},
      {table::contacts, "c", "carol"},
    }));
  }
  tamper_with_contacts(opts.path);

  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());
  EXPECT_EQ(read(*env, table::contacts, "a"), "alice");
  auto txn = env->begin_read();
  ASSERT_TRUE(txn);
  for (const char* key : {"b", "c"}) {
    auto value = txn->get(table::contacts, key);
    ASSERT_FALSE(value) << "key " << key << " opened";
    EXPECT_EQ(code_of(value.error()), ec::crypto_error) << "key " << key;
  }
}

TEST(Environment, MapGrowsWhenFull) {
  temp_dir dir;
  auto opts = test_options(dir);
  opts.map_size = 64 << 10;
  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());
  auto initial = env->map_size();
  EXPECT_EQ(initial, size_t{64} << 10);

  // About 1.3 MB of sealed values, far over the initial map.
  const std::string value(1000, 'v');
  uint64_t id = 0;
  for (int commit = 0; commit < 300; ++commit) {
    batch changes;
    for (int i = 0; i < 4; ++i, ++id)
      changes.push_back({table::alerts, encode_u64(id), value, true});
    auto err = env->commit(changes);
    ASSERT_FALSE(err) << "commit " << commit << ": " << describe(err);
  }

  EXPECT_GE(env->map_size(), initial * 16);
  EXPECT_EQ(count_keys(*env, table::alerts), 1200u);
  EXPECT_EQ(read(*env, table::alerts, encode_u64(1199)), value);
}

TEST(Environment, MapGrowthWaitsForOpenReaders) {
  temp_dir dir;
  auto opts = test_options(dir);
  opts.map_size = 64 << 10;
  opts.grow_timeout = std::chrono::milliseconds{100};
  auto env = open_test_env(opts);
  ASSERT_TRUE(env) << describe(env.error());

  batch large;
  for (uint64_t id = 0; id < 100; ++id)
    large.push_back({table::alerts, encode_u64(id), std::string(1000, 'v')});

  // A reader held open through the commit keeps the map from growing.
  auto reader = env->begin_read();
  ASSERT_TRUE(reader);
  auto err = env->commit(large);
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::storage_error);
  EXPECT_NE(detail_of(err).find("cannot grow"), std::string::npos)
    << describe(err);
  EXPECT_EQ(env->map_size(), size_t{64} << 10);
  reader->abort();
  EXPECT_EQ(count_keys(*env, table::alerts), 0u);

  // A batch too large for one doubling still fails, and applies nothing.
  err = env->commit(large);
  ASSERT_TRUE(err);
  EXPECT_NE(detail_of(err).find("MDB_MAP_FULL"), std::string::npos)
    << describe(err);
  EXPECT_EQ(env->map_size(), size_t{128} << 10);
  EXPECT_EQ(count_keys(*env, table::alerts), 0u);
}

TEST(Environment, MovedEnvironmentKeepsOpenTransactionsValid) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env);
  ASSERT_FALSE(env->commit(batch{{table::audit, "k", "v"}}));
  auto txn = env->begin_read();
  ASSERT_TRUE(txn);
  environment moved{std::move(*env)};
  auto value = txn->get(table::audit, "k");
  // End the transaction before `moved` closes the environment.
  txn->abort();
  ASSERT_TRUE(value) << describe(value.error());
  EXPECT_EQ(*value, "v");
}

} // namespace
} // namespace tropos::storage
