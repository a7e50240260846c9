#include "storage/tables.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tropos::storage {
namespace {

TEST(Tables, NamesMatchOnDiskFormat) {
  EXPECT_EQ(name(table::meta), "meta");
  EXPECT_EQ(name(table::resources), "resources");
  EXPECT_EQ(name(table::incidents), "incidents");
  EXPECT_EQ(name(table::dedup), "dedup");
  EXPECT_EQ(name(table::alerts), "alerts");
  EXPECT_EQ(name(table::outbox), "outbox");
  EXPECT_EQ(name(table::reply_codes), "reply_codes");
  EXPECT_EQ(name(table::contacts), "contacts");
  EXPECT_EQ(name(table::sequences), "sequences");
  EXPECT_EQ(name(table::audit), "audit");
  EXPECT_EQ(name(table::sessions), "sessions");
}

TEST(Tables, AllTablesListsEachOnceInEnumOrder) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < all_tables.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(all_tables[i]), i);
    names.insert(name(all_tables[i]));
  }
  EXPECT_EQ(names.size(), table_count);
}

TEST(Tables, OnlyMetaDedupAndSequencesArePlain) {
  std::set<table> plain;
  for (auto tbl : all_tables)
    if (!is_sealed(tbl))
      plain.insert(tbl);
  EXPECT_EQ(plain,
            (std::set<table>{table::meta, table::dedup, table::sequences}));
}

} // namespace
} // namespace tropos::storage
