#include "domain/schedule/time_window.hpp"

#include "domain/error.hpp"
#include "tests/unit/domain/schedule/schedule_test_support.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

using namespace tropos::schedule;
using namespace tropos::schedule::testing;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

std::bitset<7> days_of(std::initializer_list<date::weekday> days) {
  std::bitset<7> result;
  for (auto day : days)
    result.set(day.c_encoding());
  return result;
}

const std::bitset<7> every_day{0x7f};

time_window business_hours() {
  return {every_day, hours{8} + minutes{30}, hours{17} + minutes{30}};
}

} // namespace

TEST(TimeWindow, ContainsLocalHoursAcrossDstChanges) {
  const auto& london = zone("Europe/London");
  auto window = business_hours();

  // 08:45 and 17:45 BST in July and April, 07:45 to 17:30 GMT in November.
  EXPECT_TRUE(contains(window, london, at("2023-07-04T07:45:00Z")));
  EXPECT_FALSE(contains(window, london, at("2023-07-04T16:45:00Z")));
  EXPECT_FALSE(contains(window, london, at("2023-11-01T07:45:00Z")));
  EXPECT_TRUE(contains(window, london, at("2023-11-01T08:45:00Z")));
  EXPECT_TRUE(contains(window, london, at("2023-11-01T17:15:00Z")));
  EXPECT_FALSE(contains(window, london, at("2023-11-01T17:30:00Z")));
  EXPECT_TRUE(contains(window, london, at("2024-04-02T07:45:00Z")));
  EXPECT_FALSE(contains(window, london, at("2024-04-02T16:45:00Z")));
}

TEST(TimeWindow, EscalationConditionUsesWinterHours) {
  const auto& london = zone("Europe/London");
  auto window = business_hours();

  // 08:00 GMT is before 08:30 local, 17:15 GMT is inside the window.
  EXPECT_FALSE(contains(window, london, at("2023-11-01T08:00:00Z")));
  EXPECT_TRUE(contains(window, london, at("2023-11-01T17:15:00Z")));
}

TEST(TimeWindow, IntervalsKeepLocalHoursAcrossDstEnd) {
  time_window weekdays{days_of({date::Monday, date::Tuesday, date::Wednesday,
                                date::Thursday, date::Friday}),
                       hours{8} + minutes{30}, hours{17} + minutes{30}};

  auto found = intervals(weekdays, zone("Europe/London"),
                         at("2023-10-26T00:00:00Z"), at("2023-11-01T00:00:00Z"));

  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2023-10-26T07:30:00Z, 2023-10-26T16:30:00Z)",
                               "[2023-10-27T07:30:00Z, 2023-10-27T16:30:00Z)",
                               "[2023-10-30T08:30:00Z, 2023-10-30T17:30:00Z)",
                               "[2023-10-31T08:30:00Z, 2023-10-31T17:30:00Z)",
                             }));
}

TEST(TimeWindow, IntervalsAreNotClippedToRange) {
  auto found = intervals(business_hours(), zone("Europe/London"),
                         at("2023-11-01T12:00:00Z"), at("2023-11-01T13:00:00Z"));

  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2023-11-01T08:30:00Z, 2023-11-01T17:30:00Z)",
                             }));
}

TEST(TimeWindow, WrappedWindowBelongsToOpeningDay) {
  const auto& berlin = zone("Europe/Berlin");
  // Saturday 22:00 CET to Sunday 06:00 CEST, the night clocks go forward.
  time_window night{days_of({date::Saturday}), hours{22}, hours{6}};

  EXPECT_FALSE(contains(night, berlin, at("2024-03-30T20:59:59Z")));
  EXPECT_TRUE(contains(night, berlin, at("2024-03-30T21:00:00Z")));
  EXPECT_TRUE(contains(night, berlin, at("2024-03-31T03:59:59Z")));
  EXPECT_FALSE(contains(night, berlin, at("2024-03-31T04:00:00Z")));
  // Friday and Sunday nights are not listed.
  EXPECT_FALSE(contains(night, berlin, at("2024-03-29T22:00:00Z")));
  EXPECT_FALSE(contains(night, berlin, at("2024-03-31T21:30:00Z")));

  auto found = intervals(night, berlin, at("2024-03-25T00:00:00Z"),
                         at("2024-04-08T00:00:00Z"));
  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2024-03-30T21:00:00Z, 2024-03-31T04:00:00Z)",
                               "[2024-04-06T20:00:00Z, 2024-04-07T04:00:00Z)",
                             }));
}

TEST(TimeWindow, NonexistentOpeningMapsToClockJump) {
  const auto& new_york = zone("America/New_York");
  // 02:30 does not exist on 2024-03-10; clocks jump to 03:00 EDT at 07:00Z.
  time_window early{days_of({date::Sunday}), hours{2} + minutes{30}, hours{4}};

  auto found = intervals(early, new_york, at("2024-03-09T00:00:00Z"),
                         at("2024-03-18T00:00:00Z"));

  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2024-03-10T07:00:00Z, 2024-03-10T08:00:00Z)",
                               "[2024-03-17T06:30:00Z, 2024-03-17T08:00:00Z)",
                             }));
}

TEST(TimeWindow, WindowInsideClockJumpIsEmpty) {
  time_window skipped{days_of({date::Sunday}), hours{2}, hours{2} + minutes{45}};

  auto found = intervals(skipped, zone("America/New_York"),
                         at("2024-03-09T00:00:00Z"), at("2024-03-12T00:00:00Z"));

  EXPECT_TRUE(found.empty()) << describe(found).size() << " intervals";
}

TEST(TimeWindow, AmbiguousOpeningUsesFirstOccurrence) {
  // 01:30 occurs twice on 2024-11-03 in New York: 05:30Z (EDT), 06:30Z (EST).
  time_window early{days_of({date::Sunday}), hours{1} + minutes{30}, hours{3}};

  auto found = intervals(early, zone("America/New_York"),
                         at("2024-11-02T00:00:00Z"), at("2024-11-04T00:00:00Z"));

  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2024-11-03T05:30:00Z, 2024-11-03T08:00:00Z)",
                             }));
}

TEST(TimeWindow, FullDaysMergeIntoOneInterval) {
  const auto& berlin = zone("Europe/Berlin");
  time_window weekend{days_of({date::Saturday, date::Sunday}), hours{0},
                      hours{0}};

  auto found = intervals(weekend, berlin, at("2024-06-03T00:00:00Z"),
                         at("2024-06-17T00:00:00Z"));

  EXPECT_EQ(describe(found), (std::vector<std::string>{
                               "[2024-06-07T22:00:00Z, 2024-06-09T22:00:00Z)",
                               "[2024-06-14T22:00:00Z, 2024-06-16T22:00:00Z)",
                             }));
}

TEST(TimeWindow, NextAndLastEdge) {
  const auto& berlin = zone("Europe/Berlin");
  time_window weekend{days_of({date::Saturday, date::Sunday}), hours{0},
                      hours{0}};

  auto next_closed = next_edge(weekend, berlin, at("2024-06-05T12:00:00Z"));
  auto next_open = next_edge(weekend, berlin, at("2024-06-08T12:00:00Z"));
  auto last_open = last_edge(weekend, berlin, at("2024-06-08T12:00:00Z"));
  auto last_closed = last_edge(weekend, berlin, at("2024-06-12T12:00:00Z"));
  auto last_exact = last_edge(weekend, berlin, at("2024-06-07T22:00:00Z"));

  ASSERT_TRUE(next_closed);
  EXPECT_EQ(iso(*next_closed), "2024-06-07T22:00:00Z");
  ASSERT_TRUE(next_open);
  EXPECT_EQ(iso(*next_open), "2024-06-09T22:00:00Z");
  ASSERT_TRUE(last_open);
  EXPECT_EQ(iso(*last_open), "2024-06-07T22:00:00Z");
  ASSERT_TRUE(last_closed);
  EXPECT_EQ(iso(*last_closed), "2024-06-09T22:00:00Z");
  ASSERT_TRUE(last_exact);
  EXPECT_EQ(iso(*last_exact), "2024-06-07T22:00:00Z");
}

TEST(TimeWindow, AlwaysOpenWindowHasNoEdges) {
  const auto& berlin = zone("Europe/Berlin");
  time_window always{every_day, hours{0}, hours{0}};
  auto t = at("2024-10-27T01:30:00Z");

  EXPECT_TRUE(contains(always, berlin, t));
  EXPECT_FALSE(next_edge(always, berlin, t));
  EXPECT_FALSE(last_edge(always, berlin, t));
  EXPECT_EQ(intervals(always, berlin, t, t + hours{1}).size(), 1u);
}

TEST(TimeWindow, ValidateNamesField) {
  time_window no_days{{}, hours{8}, hours{17}};
  time_window late_start{every_day, hours{24}, hours{6}};
  time_window negative_end{every_day, hours{8}, minutes{-1}};

  auto no_days_error = validate(no_days, "restriction");
  auto late_start_error = validate(late_start, "restriction");
  auto negative_end_error = validate(negative_end, "restriction");

  EXPECT_FALSE(validate(business_hours(), "restriction"));
  EXPECT_EQ(tropos::code_of(no_days_error), tropos::ec::invalid_argument);
  EXPECT_EQ(tropos::detail_of(no_days_error),
            "restriction.weekdays: must list at least one weekday");
  EXPECT_EQ(tropos::detail_of(late_start_error),
            "restriction.start: must be between 00:00 and 23:59, got 1440 "
            "minutes");
  EXPECT_EQ(tropos::detail_of(negative_end_error),
            "restriction.end: must be between 00:00 and 23:59, got -1 minutes");
}

TEST(TimeZone, UnknownNameIsInvalidArgument) {
  auto missing = find_time_zone("Mars/Olympus_Mons", "schedules[0].time_zone");
  auto empty = find_time_zone("");

  ASSERT_FALSE(missing);
  EXPECT_EQ(tropos::code_of(missing.error()), tropos::ec::invalid_argument);
  EXPECT_EQ(tropos::detail_of(missing.error()),
            "schedules[0].time_zone: unknown time zone \"Mars/Olympus_Mons\", "
            "expected an IANA name such as Europe/London");
  ASSERT_FALSE(empty);
  EXPECT_EQ(tropos::code_of(empty.error()), tropos::ec::invalid_argument);
}

TEST(TimeZone, KnownNameResolves) {
  auto found = find_time_zone("America/Chicago");

  ASSERT_TRUE(found);
  EXPECT_EQ((*found)->name(), "America/Chicago");
}
