#include "storage/migrations.hpp"

#include "storage/keys.hpp"
#include "storage/transaction.hpp"
#include "storage_test_support.hpp"

#include <string>

namespace tropos::storage {
namespace {

using testing::open_test_env;
using testing::temp_dir;
using testing::test_options;

caf::error add_step_one(write_txn& txn) {
  return txn.put(table::resources, "steps", "1");
}

caf::error add_step_two(write_txn& txn) {
  auto value = txn.get(table::resources, "steps");
  if (!value)
    return value.error();
  return txn.put(table::resources, "steps", value->value_or("") + ",2");
}

caf::error fail_step(write_txn&) {
  return make_error(ec::invalid_argument, "bad row");
}

TEST(Migrations, NoneRegisteredForFirstSchema) {
  EXPECT_TRUE(registered_migrations().empty());
}

TEST(Migrations, StepsRunInOrderAndStoreTargetVersion) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env) << describe(env.error());
  // Listed out of order: migrate picks each step by its version.
  const migration steps[] = {
    {1, "append step two", add_step_two},
    {0, "write step one", add_step_one},
  };

  auto txn = env->begin_write();
  ASSERT_TRUE(txn);
  auto err = migrate(*txn, 0, 2, steps);
  ASSERT_FALSE(err) << describe(err);
  ASSERT_FALSE(txn->commit());

  auto reader = env->begin_read();
  ASSERT_TRUE(reader);
  auto steps_value = reader->get(table::resources, "steps");
  ASSERT_TRUE(steps_value) << describe(steps_value.error());
  ASSERT_TRUE(*steps_value);
  EXPECT_EQ(**steps_value, "1,2");
  auto version = reader->get(table::meta, schema_version_key);
  ASSERT_TRUE(version) << describe(version.error());
  ASSERT_TRUE(*version);
  EXPECT_EQ(decode_u64(**version), 2u);
}

TEST(Migrations, MissingStepFails) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env);
  const migration steps[] = {{0, "write step one", add_step_one}};

  auto txn = env->begin_write();
  ASSERT_TRUE(txn);
  auto err = migrate(*txn, 0, 2, steps);
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::storage_error);
  EXPECT_NE(detail_of(err).find("no migration from schema version 1 to 2"),
            std::string::npos)
    << describe(err);
}

TEST(Migrations, FailingStepNamesItself) {
  temp_dir dir;
  auto env = open_test_env(test_options(dir));
  ASSERT_TRUE(env);
  const migration steps[] = {{0, "rewrite contacts", fail_step}};

  auto txn = env->begin_write();
  ASSERT_TRUE(txn);
  auto err = migrate(*txn, 0, 1, steps);
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::storage_error);
  auto detail = detail_of(err);
  EXPECT_NE(detail.find("rewrite contacts"), std::string::npos) << detail;
  EXPECT_NE(detail.find("bad row"), std::string::npos) << detail;
}

} // namespace
} // namespace tropos::storage
