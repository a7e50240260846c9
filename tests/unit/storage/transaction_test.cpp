#include "storage/transaction.hpp"

#include "storage/keys.hpp"
#include "storage_test_support.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace tropos::storage {
namespace {

using namespace std::chrono_literals;
using testing::open_test_env;
using testing::temp_dir;
using testing::test_options;

/// A fresh environment in a fresh directory for each test.
class Transaction : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = open_test_env(test_options(dir_));
    ASSERT_TRUE(opened) << describe(opened.error());
    env_.emplace(std::move(*opened));
  }

  void TearDown() override {
    env_.reset();
  }

  environment& env() {
    return *env_;
  }

  /// Puts one value in its own committed transaction.
  void put_committed(table tbl, std::string_view key, std::string_view value) {
    auto txn = env().begin_write();
    ASSERT_TRUE(txn) << describe(txn.error());
    ASSERT_FALSE(txn->put(tbl, key, value));
    ASSERT_FALSE(txn->commit());
  }

  /// Reads one value in a fresh read transaction.
  std::optional<std::string> read(table tbl, std::string_view key) {
    auto txn = env().begin_read();
    EXPECT_TRUE(txn) << describe(txn.error());
    if (!txn)
      return std::nullopt;
    auto value = txn->get(tbl, key);
    EXPECT_TRUE(value) << describe(value.error());
    return value ? *value : std::nullopt;
  }

  /// Returns every key and value of a walk, in visiting order.
  std::vector<std::pair<std::string, std::string>>
  walk(const basic_txn& txn, table tbl, std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> seen;
    auto err = txn.for_each(tbl, prefix,
                            [&](std::string_view key, std::string_view value) {
                              seen.emplace_back(key, value);
                              return true;
                            });
    EXPECT_FALSE(err) << describe(err);
    return seen;
  }

  temp_dir dir_;
  std::optional<environment> env_;
};

TEST_F(Transaction, PutGetErase) {
  for (auto tbl : {table::incidents, table::dedup}) {
    SCOPED_TRACE(std::string{name(tbl)});
    put_committed(tbl, "k1", "v1");
    EXPECT_EQ(read(tbl, "k1"), "v1");

    put_committed(tbl, "k1", "v2");
    EXPECT_EQ(read(tbl, "k1"), "v2");

    auto txn = env().begin_write();
    ASSERT_TRUE(txn);
    auto erased = txn->erase(tbl, "k1");
    ASSERT_TRUE(erased) << describe(erased.error());
    EXPECT_TRUE(*erased);
    auto again = txn->erase(tbl, "k1");
    ASSERT_TRUE(again) << describe(again.error());
    EXPECT_FALSE(*again);
    ASSERT_FALSE(txn->commit());
    EXPECT_EQ(read(tbl, "k1"), std::nullopt);
  }
}

TEST_F(Transaction, TablesAreSeparate) {
  put_committed(table::alerts, "same", "in alerts");
  put_committed(table::outbox, "same", "in outbox");
  EXPECT_EQ(read(table::alerts, "same"), "in alerts");
  EXPECT_EQ(read(table::outbox, "same"), "in outbox");
  EXPECT_EQ(read(table::incidents, "same"), std::nullopt);
}

TEST_F(Transaction, WriteSeesItsOwnChanges) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  ASSERT_FALSE(txn->put(table::contacts, "k", "v"));
  auto value = txn->get(table::contacts, "k");
  ASSERT_TRUE(value) << describe(value.error());
  EXPECT_EQ(*value, "v");
}

TEST_F(Transaction, BinaryKeysAndValuesRoundTrip) {
  std::string key("\0\x01\xff", 3);
  std::string value("\0zero\0inside\xff", 13);
  put_committed(table::sessions, key, value);
  EXPECT_EQ(read(table::sessions, key), value);
}

TEST_F(Transaction, EmptyKeyIsInvalid) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  auto err = txn->put(table::alerts, "", "v");
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::invalid_argument);
  EXPECT_NE(detail_of(err).find("alerts"), std::string::npos);

  auto value = txn->get(table::alerts, "");
  ASSERT_FALSE(value);
  EXPECT_EQ(code_of(value.error()), ec::invalid_argument);
}

TEST_F(Transaction, KeyOver511BytesIsInvalid) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  EXPECT_FALSE(txn->put(table::dedup, std::string(511, 'k'), "v"));
  auto err = txn->put(table::dedup, std::string(512, 'k'), "v");
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::invalid_argument);
}

TEST_F(Transaction, PrefixWalkVisitsKeysInOrder) {
  auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random{seed};

  // Keys under three users, written in random order.
  std::vector<std::string> keys;
  for (std::string user : {"a", "ab", "b"})
    for (uint64_t id = 0; id < 50; ++id)
      keys.push_back(join_key({user, encode_u64(id * 7919 % 1000)}));
  auto shuffled = keys;
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  for (const auto& key : shuffled)
    ASSERT_FALSE(txn->put(table::incidents, key, "value of " + key));
  ASSERT_FALSE(txn->commit());

  auto reader = env().begin_read();
  ASSERT_TRUE(reader);
  auto seen = walk(*reader, table::incidents, join_key({"a", ""}));
  std::vector<std::string> expected(keys.begin(), keys.begin() + 50);
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(seen[i].first, expected[i]) << "index " << i;
    EXPECT_EQ(seen[i].second, "value of " + expected[i]) << "index " << i;
  }

  auto everything = walk(*reader, table::incidents, "");
  std::sort(keys.begin(), keys.end());
  ASSERT_EQ(everything.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ(everything[i].first, keys[i]) << "index " << i;
}

TEST_F(Transaction, PrefixWalkWithoutMatchesVisitsNothing) {
  put_committed(table::dedup, "m", "1");
  auto reader = env().begin_read();
  ASSERT_TRUE(reader);
  EXPECT_TRUE(walk(*reader, table::dedup, "n").empty());
  EXPECT_TRUE(walk(*reader, table::dedup, "z").empty());
  EXPECT_TRUE(walk(*reader, table::alerts, "").empty());
}

TEST_F(Transaction, PrefixWalkStopsWhenVisitorReturnsFalse) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  for (uint64_t id = 1; id <= 10; ++id)
    ASSERT_FALSE(txn->put(table::alerts, encode_u64(id), "v"));

  std::vector<uint64_t> seen;
  auto err = txn->for_each(table::alerts, "",
                           [&](std::string_view key, std::string_view) {
                             seen.push_back(*decode_u64(key));
                             return seen.size() < 3;
                           });
  ASSERT_FALSE(err) << describe(err);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(Transaction, AppendedKeysAreStoredInOrder) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  for (uint64_t id = 1; id <= 100; ++id)
    ASSERT_FALSE(txn->put_append(table::alerts, encode_u64(id),
                                 "alert " + std::to_string(id)));
  ASSERT_FALSE(txn->commit());

  auto reader = env().begin_read();
  ASSERT_TRUE(reader);
  auto seen = walk(*reader, table::alerts, "");
  ASSERT_EQ(seen.size(), 100u);
  for (uint64_t id = 1; id <= 100; ++id) {
    EXPECT_EQ(seen[id - 1].first, encode_u64(id));
    EXPECT_EQ(seen[id - 1].second, "alert " + std::to_string(id));
  }
}

TEST_F(Transaction, AppendOfLowerKeyFallsBackToPut) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  ASSERT_FALSE(txn->put_append(table::sequences, encode_u64(10), "ten"));
  // Lower than the last key, then equal to an existing one.
  ASSERT_FALSE(txn->put_append(table::sequences, encode_u64(5), "five"));
  ASSERT_FALSE(txn->put_append(table::sequences, encode_u64(10), "TEN"));
  ASSERT_FALSE(txn->commit());

  EXPECT_EQ(read(table::sequences, encode_u64(5)), "five");
  EXPECT_EQ(read(table::sequences, encode_u64(10)), "TEN");
  auto reader = env().begin_read();
  ASSERT_TRUE(reader);
  EXPECT_EQ(walk(*reader, table::sequences, "").size(), 2u);
}

TEST_F(Transaction, LastReturnsHighestKey) {
  auto reader = env().begin_read();
  ASSERT_TRUE(reader);
  auto empty = reader->last(table::incidents);
  ASSERT_TRUE(empty) << describe(empty.error());
  EXPECT_EQ(*empty, std::nullopt);
  reader->abort();

  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  for (uint64_t id : {3, 300, 42, 299})
    ASSERT_FALSE(txn->put(table::incidents, encode_u64(id),
                          "incident " + std::to_string(id)));
  ASSERT_FALSE(txn->commit());

  reader = env().begin_read();
  ASSERT_TRUE(reader);
  auto highest = reader->last(table::incidents);
  ASSERT_TRUE(highest) << describe(highest.error());
  ASSERT_TRUE(*highest);
  EXPECT_EQ((*highest)->first, encode_u64(300));
  EXPECT_EQ((*highest)->second, "incident 300");
}

TEST_F(Transaction, DestructorAbortsUncommittedWrite) {
  put_committed(table::incidents, "kept", "before");
  {
    auto txn = env().begin_write();
    ASSERT_TRUE(txn);
    ASSERT_FALSE(txn->put(table::incidents, "kept", "after"));
    ASSERT_FALSE(txn->put(table::incidents, "new", "value"));
    auto erased = txn->erase(table::meta, schema_version_key);
    ASSERT_TRUE(erased) << describe(erased.error());
    ASSERT_TRUE(*erased);
  }
  EXPECT_EQ(read(table::incidents, "kept"), "before");
  EXPECT_EQ(read(table::incidents, "new"), std::nullopt);
  EXPECT_EQ(read(table::meta, schema_version_key),
            encode_u64(current_schema_version));
}

TEST_F(Transaction, EndedTransactionRejectsUse) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  ASSERT_FALSE(txn->commit());
  EXPECT_FALSE(txn->is_open());
  EXPECT_EQ(code_of(txn->put(table::alerts, "k", "v")), ec::storage_error);
  EXPECT_EQ(code_of(txn->commit()), ec::storage_error);
  auto value = txn->get(table::alerts, "k");
  ASSERT_FALSE(value);
  EXPECT_EQ(code_of(value.error()), ec::storage_error);
}

TEST_F(Transaction, MovedFromTransactionIsEnded) {
  auto txn = env().begin_write();
  ASSERT_TRUE(txn);
  write_txn moved{std::move(*txn)};
  EXPECT_FALSE(txn->is_open());
  EXPECT_TRUE(moved.is_open());
  ASSERT_FALSE(moved.put(table::alerts, "k", "v"));
  ASSERT_FALSE(moved.commit());
  EXPECT_EQ(read(table::alerts, "k"), "v");
}

TEST_F(Transaction, SecondWriteOnSameThreadFails) {
  auto first = env().begin_write();
  ASSERT_TRUE(first);
  auto second = env().begin_write();
  ASSERT_FALSE(second);
  EXPECT_EQ(code_of(second.error()), ec::storage_error);

  // Once the first ends, the thread may begin another.
  first->abort();
  auto third = env().begin_write();
  EXPECT_TRUE(third) << describe(third.error());
}

TEST_F(Transaction, ReadDuringWriteSeesCommittedState) {
  put_committed(table::incidents, "k", "committed");
  auto writer = env().begin_write();
  ASSERT_TRUE(writer);
  ASSERT_FALSE(writer->put(table::incidents, "k", "pending"));

  std::promise<std::optional<std::string>> seen;
  auto result = seen.get_future();
  std::thread reader{[&] {
    auto txn = env().begin_read();
    if (!txn) {
      seen.set_value(std::string{"begin_read failed"});
      return;
    }
    auto value = txn->get(table::incidents, "k");
    seen.set_value(value ? *value : std::string{"get failed"});
  }};

  // The reader must finish while the write transaction is still open.
  auto finished = result.wait_for(5s) == std::future_status::ready;
  if (!finished)
    writer->abort();
  reader.join();
  ASSERT_TRUE(finished) << "the reader waited for the writer";
  EXPECT_EQ(result.get(), "committed");

  ASSERT_FALSE(writer->commit());
  EXPECT_EQ(read(table::incidents, "k"), "pending");
}

TEST_F(Transaction, ReadTransactionMovesAcrossThreads) {
  put_committed(table::contacts, "k", "v");
  auto txn = env().begin_read();
  ASSERT_TRUE(txn);

  std::optional<std::string> seen;
  std::thread other{[&seen, moved = std::move(*txn)]() mutable {
    auto value = moved.get(table::contacts, "k");
    if (value)
      seen = *value;
    moved.abort();
  }};
  other.join();
  EXPECT_EQ(seen, "v");

  // The transaction ended on the other thread, and a write can still begin.
  auto writer = env().begin_write();
  EXPECT_TRUE(writer) << describe(writer.error());
}

TEST_F(Transaction, ParallelReadsOnOneThreadKeepTheirSnapshots) {
  put_committed(table::dedup, "k", "old");
  auto older = env().begin_read();
  ASSERT_TRUE(older);
  put_committed(table::dedup, "k", "new");
  auto newer = env().begin_read();
  ASSERT_TRUE(newer) << describe(newer.error());

  auto old_value = older->get(table::dedup, "k");
  auto new_value = newer->get(table::dedup, "k");
  ASSERT_TRUE(old_value) << describe(old_value.error());
  ASSERT_TRUE(new_value) << describe(new_value.error());
  EXPECT_EQ(*old_value, "old");
  EXPECT_EQ(*new_value, "new");
}

TEST_F(Transaction, ReadersOnManyThreadsSeeWholeCommits) {
  // Each commit writes the same counter under two keys, so a reader that
  // sees them differ has seen half a commit.
  constexpr int commits = 200;
  std::atomic<bool> done{false};
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  put_committed(table::sequences, "a", encode_u64(0));
  put_committed(table::sequences, "b", encode_u64(0));
  for (int i = 0; i < 4; ++i)
    readers.emplace_back([&] {
      while (!done.load()) {
        auto txn = env().begin_read();
        if (!txn) {
          ++failures;
          continue;
        }
        auto a = txn->get(table::sequences, "a");
        auto b = txn->get(table::sequences, "b");
        if (!a || !b || !*a || !*b)
          ++failures;
        else if (**a != **b)
          ++mismatches;
      }
    });

  caf::error err;
  for (int i = 1; i <= commits && !err; ++i)
    err = env().commit(batch{
      {table::sequences, "a", encode_u64(i)},
      {table::sequences, "b", encode_u64(i)},
    });
  done = true;
  for (auto& reader : readers)
    reader.join();
  ASSERT_FALSE(err) << describe(err);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(read(table::sequences, "a"), encode_u64(commits));
}

} // namespace
} // namespace tropos::storage
