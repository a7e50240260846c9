#include "domain/ingest/timestamp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace std::chrono_literals;
using tropos::ingest::is_go_zero_time;
using tropos::ingest::parse_timestamp;

date::sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return date::sys_days{date::year{y} / m / d} + std::chrono::hours{hh}
         + std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

TEST(Timestamp, ParsesUtcWithoutFraction) {
  auto t = parse_timestamp("2025-04-10T10:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, utc(2025, 4, 10, 10, 0, 0));
}

TEST(Timestamp, DropsNanosecondFraction) {
  auto t = parse_timestamp("2025-04-10T10:00:00.999999999Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, utc(2025, 4, 10, 10, 0, 0));
}

TEST(Timestamp, AppliesColonAndCompactOffsets) {
  auto east = parse_timestamp("2025-04-10T12:30:00+02:30");
  ASSERT_TRUE(east.has_value());
  EXPECT_EQ(*east, utc(2025, 4, 10, 10, 0, 0));
  auto west = parse_timestamp("2025-04-10T05:00:00.5-0500");
  ASSERT_TRUE(west.has_value());
  EXPECT_EQ(*west, utc(2025, 4, 10, 10, 0, 0));
  auto zero = parse_timestamp("2015-07-17T08:42:58.315+0000");
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(*zero, utc(2015, 7, 17, 8, 42, 58));
}

TEST(Timestamp, OffsetCrossesDayBoundary) {
  auto t = parse_timestamp("2025-01-01T01:00:00+03:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, utc(2024, 12, 31, 22, 0, 0));
}

TEST(Timestamp, AcceptsLowercaseSeparators) {
  auto t = parse_timestamp("2025-04-10t10:00:00z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, utc(2025, 4, 10, 10, 0, 0));
}

TEST(Timestamp, AcceptsLeapDay) {
  auto t = parse_timestamp("2024-02-29T00:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, utc(2024, 2, 29, 0, 0, 0));
}

TEST(Timestamp, RejectsMalformedText) {
  for (std::string text :
       {"", "2025-04-10", "2025-04-10T10:00:00", "2025-04-10 10:00:00Z",
        "2025-4-10T10:00:00Z", "2025-04-10T10:00Z", "2025-04-10T10:00:00.Z",
        "2025-04-10T10:00:00Z ", " 2025-04-10T10:00:00Z",
        "2025-04-10T10:00:00+2:00", "2025-04-10T10:00:00+02:0",
        "2025-04-10T10:00:00+24:00", "2025-04-10T10:00:00+02:60",
        "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z",
        "2025-04-31T00:00:00Z", "2025-04-10T24:00:00Z", "2025-04-10T10:60:00Z",
        "2025-04-10T10:00:60Z", "2025-04-10T10:00:00UTC",
        "+2025-04-10T10:00:00Z", "１２３４-04-10T10:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << "input: " << text;
  }
}

TEST(Timestamp, RecognizesGoZeroTime) {
  auto zero = parse_timestamp("0001-01-01T00:00:00Z");
  ASSERT_TRUE(zero.has_value());
  EXPECT_TRUE(is_go_zero_time(*zero));
  EXPECT_FALSE(is_go_zero_time(*zero + 1s));
  EXPECT_FALSE(is_go_zero_time(utc(1970, 1, 1, 0, 0, 0)));
}

} // namespace
