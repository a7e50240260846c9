#include "domain/time.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace std::chrono_literals;

TEST(Time, ParsesOffsetsAndFractions) {
  auto a = parse_rfc3339("2024-11-04T09:00:00-06:00");
  ASSERT_TRUE(a);
  EXPECT_EQ(format_rfc3339(*a), "2024-11-04T15:00:00Z");
  auto b = parse_rfc3339("2025-04-10T10:00:00.123456789Z");
  ASSERT_TRUE(b);
  EXPECT_EQ(format_rfc3339(*b), "2025-04-10T10:00:00.123Z");
}

TEST(Time, RejectsMalformedTimestamps) {
  for (auto text : {"2024-11-04", "2024-11-04T09:00:00", "2024-13-01T00:00:00Z",
                    "2024-02-30T00:00:00Z", "2024-11-04T09:00:00Zjunk",
                    "2024-11-04T09:00:00+0600"})
    EXPECT_FALSE(parse_rfc3339(text)) << text;
}

TEST(Time, ParsesDurationsWithUnits) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("5m"), 5min);
  EXPECT_EQ(*parse_duration("1h"), 1h);
  EXPECT_EQ(*parse_duration("7d"), 168h);
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  for (auto text : {"", "5", "m", "-5m", "5 m", "1w", "5M"})
    EXPECT_FALSE(parse_duration(text)) << text;
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(120s), "2m");
}

TEST(Time, ManualClockMovesOnlyWhenSet) {
  auto start = *parse_rfc3339("2025-01-01T10:00:00Z");
  manual_clock clk{start};
  EXPECT_TRUE(clk.is_manual());
  EXPECT_EQ(clk.now(), start);
  clk.set(start + 15min);
  EXPECT_EQ(clk.now(), start + 15min);
}

} // namespace
