#include "domain/schedule/schedule.hpp"

#include "domain/error.hpp"
#include "tests/unit/domain/schedule/schedule_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace tropos::schedule;
using namespace tropos::schedule::testing;
using std::chrono::hours;
using std::chrono::minutes;
using strings = std::vector<std::string>;

namespace {

const std::bitset<7> every_day{0x7f};

layer make_layer(std::string name, rotation_unit unit, std::string_view handoff,
                 strings participants) {
  layer result;
  result.name = std::move(name);
  result.unit = unit;
  result.handoff = at(handoff);
  result.participants = std::move(participants);
  return result;
}

// Weekly rotation, Monday 09:00 America/Chicago, from 2024-09-30 with Ava.
schedule db_primary() {
  schedule result;
  result.id = "db-primary";
  result.name = "Database primary";
  result.time_zone = "America/Chicago";
  result.layers.push_back(make_layer("weekly", rotation_unit::weekly,
                                     "2024-09-30T09:00:00-05:00",
                                     {"ava", "ben", "cleo"}));
  return result;
}

// Dana every day 08:30-17:30 Europe/London, set up in summer time.
schedule support_hours() {
  schedule result;
  result.id = "support-hours";
  result.time_zone = "Europe/London";
  auto daily = make_layer("daily", rotation_unit::daily,
                          "2023-07-03T08:30:00+01:00", {"dana"});
  daily.restriction = time_window{every_day, hours{8} + minutes{30},
                                  hours{17} + minutes{30}};
  result.layers.push_back(daily);
  return result;
}

// Weekly UTC rotation from Monday 2024-06-03 09:00: ava, then ben.
schedule weekly_utc() {
  schedule result;
  result.id = "weekly-utc";
  result.time_zone = "Etc/UTC";
  result.layers.push_back(make_layer("weekly", rotation_unit::weekly,
                                     "2024-06-03T09:00:00Z", {"ava", "ben"}));
  return result;
}

schedule_override make_override(std::string user,
                                std::optional<std::string> replaces,
                                std::string_view start, std::string_view end) {
  return {std::move(user), std::move(replaces), at(start), at(end)};
}

strings who(const schedule& plan, std::string_view t) {
  return on_call(plan, at(t));
}

} // namespace

// --- Weekly rotation across DST end and start -------------------------------

TEST(Schedule, WeeklyHandsOffAtLocalTimeAcrossDst) {
  auto plan = db_primary();

  EXPECT_EQ(who(plan, "2024-11-04T13:59:59Z"), strings{"ben"});
  EXPECT_EQ(who(plan, "2024-11-04T14:00:00Z"), strings{"ben"});
  EXPECT_EQ(who(plan, "2024-11-04T14:30:00Z"), strings{"ben"});
  EXPECT_EQ(who(plan, "2024-11-04T14:59:59Z"), strings{"ben"});
  EXPECT_EQ(who(plan, "2024-11-04T15:00:00Z"), strings{"cleo"});
  EXPECT_EQ(who(plan, "2025-03-10T13:59:59Z"), strings{"ben"});
  EXPECT_EQ(who(plan, "2025-03-10T14:00:00Z"), strings{"cleo"});
  EXPECT_EQ(who(plan, "2025-03-10T14:30:00Z"), strings{"cleo"});
  EXPECT_EQ(who(plan, "2025-03-10T15:00:00Z"), strings{"cleo"});
}

TEST(Schedule, NextChangeIsLocalHandoff) {
  auto plan = db_primary();

  auto autumn = next_change(plan, at("2024-11-04T14:30:00Z"));
  auto spring = next_change(plan, at("2025-03-10T13:59:59Z"));

  ASSERT_TRUE(autumn);
  EXPECT_EQ(iso(*autumn), "2024-11-04T15:00:00Z");
  ASSERT_TRUE(spring);
  EXPECT_EQ(iso(*spring), "2025-03-10T14:00:00Z");
}

TEST(Schedule, ShiftsAroundDstEndAreWhole) {
  auto found = shifts(db_primary(), at("2024-10-28T00:00:00Z"),
                      at("2024-11-12T00:00:00Z"));

  // Ava's shifts overlap both ends of the range, so they are listed whole.
  EXPECT_EQ(describe(found), (strings{
                               "ava [2024-10-21T14:00:00Z, 2024-10-28T14:00:00Z)",
                               "ben [2024-10-28T14:00:00Z, 2024-11-04T15:00:00Z)",
                               "cleo [2024-11-04T15:00:00Z, 2024-11-11T15:00:00Z)",
                               "ava [2024-11-11T15:00:00Z, 2024-11-18T15:00:00Z)",
                             }));
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[1].end - found[1].start, hours{169});
}

TEST(Schedule, ShiftsAroundDstStartAreWhole) {
  auto found = shifts(db_primary(), at("2025-03-01T00:00:00Z"),
                      at("2025-03-18T00:00:00Z"));

  EXPECT_EQ(describe(found), (strings{
                               "ava [2025-02-24T15:00:00Z, 2025-03-03T15:00:00Z)",
                               "ben [2025-03-03T15:00:00Z, 2025-03-10T14:00:00Z)",
                               "cleo [2025-03-10T14:00:00Z, 2025-03-17T14:00:00Z)",
                               "ava [2025-03-17T14:00:00Z, 2025-03-24T14:00:00Z)",
                             }));
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[1].end - found[1].start, hours{167});
}

TEST(Schedule, WeeklyAcrossDstHasNoGapOrOverlap) {
  auto plan = db_primary();
  for (auto [from, to] : {std::pair{"2024-10-28T00:00:00Z", "2024-11-12T00:00:00Z"},
                          std::pair{"2025-03-01T00:00:00Z", "2025-03-18T00:00:00Z"}}) {
    SCOPED_TRACE(from);
    EXPECT_TRUE(gaps(plan, at(from), at(to)).empty());

    // Every minute has exactly one user on call.
    for (auto t = at(from); t < at(to); t += minutes{1})
      ASSERT_EQ(on_call(plan, t).size(), 1u) << iso(t);
  }
}

// --- Daily partial-day layer across DST end ---------------------------------

TEST(Schedule, PartialDayKeepsLocalHoursAfterDstEnds) {
  auto plan = support_hours();

  EXPECT_EQ(who(plan, "2023-07-04T07:45:00Z"), strings{"dana"});
  EXPECT_EQ(who(plan, "2023-11-01T08:45:00Z"), strings{"dana"});
  EXPECT_EQ(who(plan, "2023-11-01T17:15:00Z"), strings{"dana"});
  EXPECT_EQ(who(plan, "2024-04-02T07:45:00Z"), strings{"dana"});
  EXPECT_EQ(who(plan, "2023-07-04T16:45:00Z"), strings{});
  EXPECT_EQ(who(plan, "2023-11-01T07:45:00Z"), strings{});
  EXPECT_EQ(who(plan, "2023-11-01T17:30:00Z"), strings{});
  EXPECT_EQ(who(plan, "2024-04-02T16:45:00Z"), strings{});
}

TEST(Schedule, PartialDayShiftsFollowLocalHours) {
  auto plan = support_hours();

  auto winter = shifts(plan, at("2023-11-01T00:00:00Z"), at("2023-11-02T00:00:00Z"));
  auto summer = shifts(plan, at("2023-07-04T00:00:00Z"), at("2023-07-05T00:00:00Z"));
  auto spring = shifts(plan, at("2024-04-02T00:00:00Z"), at("2024-04-03T00:00:00Z"));

  EXPECT_EQ(describe(winter),
            strings{"dana [2023-11-01T08:30:00Z, 2023-11-01T17:30:00Z)"});
  EXPECT_EQ(describe(summer),
            strings{"dana [2023-07-04T07:30:00Z, 2023-07-04T16:30:00Z)"});
  EXPECT_EQ(describe(spring),
            strings{"dana [2024-04-02T07:30:00Z, 2024-04-02T16:30:00Z)"});
}

TEST(Schedule, PartialDayGapsAndNextChange) {
  auto plan = support_hours();

  auto found = gaps(plan, at("2023-11-01T00:00:00Z"), at("2023-11-02T00:00:00Z"));
  auto closing = next_change(plan, at("2023-11-01T08:45:00Z"));
  auto opening = next_change(plan, at("2023-11-01T17:30:00Z"));

  EXPECT_EQ(describe(found), (strings{
                               "[2023-11-01T00:00:00Z, 2023-11-01T08:30:00Z)",
                               "[2023-11-01T17:30:00Z, 2023-11-02T00:00:00Z)",
                             }));
  ASSERT_TRUE(closing);
  EXPECT_EQ(iso(*closing), "2023-11-01T17:30:00Z");
  ASSERT_TRUE(opening);
  EXPECT_EQ(iso(*opening), "2023-11-02T08:30:00Z");
}

// --- Layer precedence --------------------------------------------------------

TEST(Schedule, LaterLayerWinsWhereItHasSomeone) {
  auto plan = weekly_utc();
  auto nights = make_layer("nights", rotation_unit::daily, "2024-06-03T18:00:00Z",
                           {"nora", "omar"});
  nights.restriction = time_window{every_day, hours{18}, hours{8}};
  plan.layers.push_back(nights);

  EXPECT_EQ(who(plan, "2024-06-03T17:59:59Z"), strings{"ava"});
  EXPECT_EQ(who(plan, "2024-06-03T18:00:00Z"), strings{"nora"});
  EXPECT_EQ(who(plan, "2024-06-04T07:59:59Z"), strings{"nora"});
  EXPECT_EQ(who(plan, "2024-06-04T08:00:00Z"), strings{"ava"});
  EXPECT_EQ(who(plan, "2024-06-04T20:00:00Z"), strings{"omar"});

  auto found = shifts(plan, at("2024-06-04T00:00:00Z"), at("2024-06-05T00:00:00Z"));
  EXPECT_EQ(describe(found), (strings{
                               "nora [2024-06-03T18:00:00Z, 2024-06-04T08:00:00Z)",
                               "ava [2024-06-04T08:00:00Z, 2024-06-04T18:00:00Z)",
                               "omar [2024-06-04T18:00:00Z, 2024-06-05T08:00:00Z)",
                             }));
}

TEST(Schedule, SameUserInTwoLayersMerges) {
  auto plan = weekly_utc();
  auto backup = make_layer("backup", rotation_unit::daily, "2024-06-04T00:00:00Z",
                           {"ava"});
  backup.restriction = time_window{every_day, hours{0}, hours{6}};
  plan.layers.push_back(backup);

  auto found = shifts(plan, at("2024-06-04T00:00:00Z"), at("2024-06-05T00:00:00Z"));

  EXPECT_EQ(describe(found),
            strings{"ava [2024-06-03T09:00:00Z, 2024-06-10T09:00:00Z)"});
}

// --- Overrides ---------------------------------------------------------------

TEST(ScheduleOverride, ReplaceSwapsUserForWindow) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("cleo", "ava", "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-04T23:59:59Z"), strings{"ava"});
  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), strings{"cleo"});
  EXPECT_EQ(who(plan, "2024-06-06T00:00:00Z"), strings{"ava"});

  auto found = shifts(plan, at("2024-06-03T09:00:00Z"), at("2024-06-10T09:00:00Z"));
  EXPECT_EQ(describe(found), (strings{
                               "ava [2024-06-03T09:00:00Z, 2024-06-05T00:00:00Z)",
                               "cleo [2024-06-05T00:00:00Z, 2024-06-06T00:00:00Z)",
                               "ava [2024-06-06T00:00:00Z, 2024-06-10T09:00:00Z)",
                             }));
}

TEST(ScheduleOverride, ReplaceIgnoresUserNotOnCall) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("cleo", "ben", "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), strings{"ava"});
}

TEST(ScheduleOverride, AddPutsUserBesideOnCall) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("cleo", std::nullopt,
                                         "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), (strings{"ava", "cleo"}));

  auto found = shifts(plan, at("2024-06-04T00:00:00Z"), at("2024-06-07T00:00:00Z"));
  EXPECT_EQ(describe(found), (strings{
                               "ava [2024-06-03T09:00:00Z, 2024-06-10T09:00:00Z)",
                               "cleo [2024-06-05T00:00:00Z, 2024-06-06T00:00:00Z)",
                             }));
}

TEST(ScheduleOverride, RemoveLeavesGap) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("", "ava", "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), strings{});
  auto found = gaps(plan, at("2024-06-04T00:00:00Z"), at("2024-06-07T00:00:00Z"));
  EXPECT_EQ(describe(found),
            strings{"[2024-06-05T00:00:00Z, 2024-06-06T00:00:00Z)"});
}

TEST(ScheduleOverride, AppliedInListOrder) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("cleo", std::nullopt,
                                         "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));
  plan.overrides.push_back(make_override("dan", "cleo", "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));
  plan.overrides.push_back(make_override("ava", "ben", "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), (strings{"ava", "dan"}));
}

TEST(ScheduleOverride, DuplicateUserListedOnce) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("ava", std::nullopt,
                                         "2024-06-05T00:00:00Z",
                                         "2024-06-06T00:00:00Z"));

  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), strings{"ava"});
}

// --- Temporary schedules -----------------------------------------------------

TEST(TemporarySchedule, ReplacesLayersAndOverrides) {
  auto plan = weekly_utc();
  plan.overrides.push_back(make_override("cleo", std::nullopt,
                                         "2024-06-04T00:00:00Z",
                                         "2024-06-08T00:00:00Z"));
  plan.temporary_schedules.push_back(
    {at("2024-06-05T00:00:00Z"), at("2024-06-07T00:00:00Z"),
     {{"eve", at("2024-06-05T00:00:00Z"), at("2024-06-06T00:00:00Z")},
      {"finn", at("2024-06-06T06:00:00Z"), at("2024-06-07T00:00:00Z")}}});

  EXPECT_EQ(who(plan, "2024-06-04T12:00:00Z"), (strings{"ava", "cleo"}));
  EXPECT_EQ(who(plan, "2024-06-05T12:00:00Z"), strings{"eve"});
  EXPECT_EQ(who(plan, "2024-06-06T03:00:00Z"), strings{});
  EXPECT_EQ(who(plan, "2024-06-06T12:00:00Z"), strings{"finn"});
  EXPECT_EQ(who(plan, "2024-06-07T00:00:00Z"), (strings{"ava", "cleo"}));

  auto window_start = at("2024-06-04T00:00:00Z");
  auto window_end = at("2024-06-08T00:00:00Z");
  EXPECT_EQ(describe(gaps(plan, window_start, window_end)),
            strings{"[2024-06-06T00:00:00Z, 2024-06-06T06:00:00Z)"});
  EXPECT_EQ(describe(shifts(plan, window_start, window_end)),
            (strings{
              "ava [2024-06-03T09:00:00Z, 2024-06-05T00:00:00Z)",
              "cleo [2024-06-04T00:00:00Z, 2024-06-05T00:00:00Z)",
              "eve [2024-06-05T00:00:00Z, 2024-06-06T00:00:00Z)",
              "finn [2024-06-06T06:00:00Z, 2024-06-07T00:00:00Z)",
              "ava [2024-06-07T00:00:00Z, 2024-06-10T09:00:00Z)",
              "cleo [2024-06-07T00:00:00Z, 2024-06-08T00:00:00Z)",
            }));

  auto next = next_change(plan, at("2024-06-05T12:00:00Z"));
  ASSERT_TRUE(next);
  EXPECT_EQ(iso(*next), "2024-06-06T00:00:00Z");
}

// --- Gaps, limits and edge cases ---------------------------------------------

TEST(Schedule, GapBeforeFirstHandoff) {
  auto found = gaps(weekly_utc(), at("2024-06-01T00:00:00Z"),
                    at("2024-06-04T00:00:00Z"));

  EXPECT_EQ(describe(found),
            strings{"[2024-06-01T00:00:00Z, 2024-06-03T09:00:00Z)"});
}

TEST(Schedule, EmptyScheduleHasNobodyAndNoChange) {
  schedule plan;
  plan.id = "empty";
  plan.time_zone = "Etc/UTC";

  EXPECT_EQ(who(plan, "2024-06-01T00:00:00Z"), strings{});
  EXPECT_FALSE(next_change(plan, at("2024-06-01T00:00:00Z")));
  EXPECT_TRUE(shifts(plan, at("2024-06-01T00:00:00Z"), at("2024-06-02T00:00:00Z"))
                .empty());
  EXPECT_EQ(describe(gaps(plan, at("2024-06-01T00:00:00Z"),
                          at("2024-06-02T00:00:00Z"))),
            strings{"[2024-06-01T00:00:00Z, 2024-06-02T00:00:00Z)"});
}

TEST(Schedule, EmptyOrReversedRangeHasNoShifts) {
  auto plan = weekly_utc();
  auto t = at("2024-06-05T00:00:00Z");

  EXPECT_TRUE(shifts(plan, t, t).empty());
  EXPECT_TRUE(shifts(plan, t, t - hours{1}).empty());
  EXPECT_TRUE(gaps(plan, t, t - hours{1}).empty());
}

TEST(Schedule, ShiftSearchStopsAtMaxScan) {
  schedule plan;
  plan.id = "solo";
  plan.time_zone = "Etc/UTC";
  plan.layers.push_back(make_layer("solo", rotation_unit::daily,
                                   "2020-01-01T00:00:00Z", {"sam"}));

  auto found = shifts(plan, at("2024-06-01T00:00:00Z"), at("2024-06-02T00:00:00Z"));

  // One user forever: the stretch is cut 366 days before and after the range.
  EXPECT_EQ(describe(found),
            strings{"sam [2023-06-01T00:00:00Z, 2025-06-03T00:00:00Z)"});
}

TEST(Schedule, ShiftRangeStopsAtMaxScan) {
  schedule plan;
  plan.id = "pair";
  plan.time_zone = "Etc/UTC";
  plan.layers.push_back(make_layer("pair", rotation_unit::daily,
                                   "2020-01-01T00:00:00Z", {"ava", "ben"}));

  auto found = shifts(plan, at("2024-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"));

  ASSERT_EQ(found.size(), 366u);
  EXPECT_EQ(iso(found.front().start), "2024-01-01T00:00:00Z");
  EXPECT_EQ(iso(found.back().end), "2025-01-01T00:00:00Z");
}

TEST(Schedule, UnknownLayerZoneHasNobody) {
  auto plan = weekly_utc();
  plan.layers[0].time_zone = "Mars/Olympus_Mons";

  EXPECT_EQ(who(plan, "2024-06-05T00:00:00Z"), strings{});
}

// --- Validation --------------------------------------------------------------

TEST(ScheduleValidate, AcceptsCompleteSchedule) {
  auto plan = db_primary();
  plan.layers.push_back(support_hours().layers[0]);
  plan.layers[1].time_zone = "Europe/London";
  plan.overrides.push_back(make_override("ben", "ava", "2024-12-24T06:00:00Z",
                                         "2024-12-26T06:00:00Z"));
  plan.temporary_schedules.push_back(
    {at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"),
     {{"cleo", at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z")}}});

  EXPECT_FALSE(validate(plan, "schedules[0]"));
}

TEST(ScheduleValidate, NamesInvalidField) {
  struct bad_case {
    std::function<void(schedule&)> change;
    std::string detail;
  };
  auto second_layer = [](schedule& plan) {
    plan.layers.push_back(plan.layers[0]);
    plan.layers[1].name = "second";
  };
  const std::vector<bad_case> cases{
    {[](schedule& plan) { plan.id.clear(); }, "schedules[0].id: must not be empty"},
    {[](schedule& plan) { plan.time_zone = "Mars/Base"; },
     "schedules[0].time_zone: unknown time zone \"Mars/Base\", expected an IANA "
     "name such as Europe/London"},
    {[&](schedule& plan) {
       second_layer(plan);
       plan.layers[1].shift_length = 0;
     },
     "schedules[0].layers[1].shift_length: must be at least 1"},
    {[](schedule& plan) { plan.layers[0].shift_length = 521; },
     "schedules[0].layers[0].shift_length: must be at most 520 for weekly "
     "rotations"},
    {[](schedule& plan) { plan.layers[0].name.clear(); },
     "schedules[0].layers[0].name: must not be empty"},
    {[](schedule& plan) { plan.layers[0].time_zone = "Central"; },
     "schedules[0].layers[0].time_zone: unknown time zone \"Central\", expected "
     "an IANA name such as Europe/London"},
    {[](schedule& plan) { plan.layers[0].participants.clear(); },
     "schedules[0].layers[0].participants: must list at least one user"},
    {[](schedule& plan) { plan.layers[0].participants[1].clear(); },
     "schedules[0].layers[0].participants[1]: must not be empty"},
    {[](schedule& plan) { plan.layers[0].anchor = rotation_anchor{{}, 3}; },
     "schedules[0].layers[0].anchor.index: must be less than the number of "
     "participants (3)"},
    {[](schedule& plan) { plan.layers[0].restriction = time_window{}; },
     "schedules[0].layers[0].restriction.weekdays: must list at least one "
     "weekday"},
    {[](schedule& plan) { plan.layers.push_back(plan.layers[0]); },
     "schedules[0].layers[1].name: must be unique, \"weekly\" also names "
     "schedules[0].layers[0]"},
    {[](schedule& plan) {
       plan.overrides.push_back(make_override("ben", "ava", "2024-12-26T00:00:00Z",
                                              "2024-12-26T00:00:00Z"));
     },
     "schedules[0].overrides[0].end: must be after start"},
    {[](schedule& plan) {
       plan.overrides.push_back(make_override("", std::nullopt,
                                              "2024-12-24T00:00:00Z",
                                              "2024-12-26T00:00:00Z"));
     },
     "schedules[0].overrides[0].user: must not be empty unless replaces is set"},
    {[](schedule& plan) {
       plan.overrides.push_back(make_override("ben", "", "2024-12-24T00:00:00Z",
                                              "2024-12-26T00:00:00Z"));
     },
     "schedules[0].overrides[0].replaces: must not be empty when set"},
    {[](schedule& plan) {
       plan.overrides.push_back(make_override("ben", "ben", "2024-12-24T00:00:00Z",
                                              "2024-12-26T00:00:00Z"));
     },
     "schedules[0].overrides[0].replaces: must differ from user"},
    {[](schedule& plan) {
       plan.temporary_schedules.push_back(
         {at("2025-01-02T00:00:00Z"), at("2025-01-01T00:00:00Z"), {}});
     },
     "schedules[0].temporary_schedules[0].end: must be after start"},
    {[](schedule& plan) {
       plan.temporary_schedules.push_back(
         {at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"),
          {{"cleo", at("2025-01-01T12:00:00Z"), at("2025-01-02T12:00:00Z")}}});
     },
     "schedules[0].temporary_schedules[0].shifts[0]: must lie within the "
     "temporary schedule's start and end"},
    {[](schedule& plan) {
       plan.temporary_schedules.push_back(
         {at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"),
          {{"", at("2025-01-01T00:00:00Z"), at("2025-01-01T12:00:00Z")}}});
     },
     "schedules[0].temporary_schedules[0].shifts[0].user: must not be empty"},
  };

  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.detail);
    auto plan = db_primary();
    bad.change(plan);

    auto err = validate(plan, "schedules[0]");

    EXPECT_EQ(tropos::code_of(err), tropos::ec::invalid_argument);
    EXPECT_EQ(tropos::detail_of(err), bad.detail);
  }
}

// --- Membership changes ------------------------------------------------------

namespace {

// Weekly UTC rotation where Cleo's shift runs 2025-06-02T09:00Z to
// 2025-06-09T09:00Z, queried at 2025-06-04T12:00Z.
schedule backend() {
  schedule result;
  result.id = "backend";
  result.time_zone = "Etc/UTC";
  result.layers.push_back(make_layer("backend", rotation_unit::weekly,
                                     "2025-05-19T09:00:00Z",
                                     {"ava", "ben", "cleo", "dan"}));
  return result;
}

const auto membership_now = at("2025-06-04T12:00:00Z");

} // namespace

TEST(ScheduleReconcile, DeletingUserKeepsCurrentShift) {
  auto plan = backend();
  plan.overrides.push_back(make_override("ava", "ben", "2025-06-20T00:00:00Z",
                                         "2025-06-21T00:00:00Z"));

  auto result = remove_user(plan, "ava", membership_now);

  ASSERT_TRUE(result) << tropos::describe(result.error());
  EXPECT_EQ(result->layers[0].participants, (strings{"ben", "cleo", "dan"}));
  EXPECT_TRUE(result->overrides.empty());
  EXPECT_EQ(who(*result, "2025-06-04T12:00:01Z"), strings{"cleo"});
  auto next = next_change(*result, membership_now);
  ASSERT_TRUE(next);
  EXPECT_EQ(iso(*next), "2025-06-09T09:00:00Z");
  EXPECT_EQ(who(*result, "2025-06-09T09:00:00Z"), strings{"dan"});
  EXPECT_EQ(who(*result, "2025-06-16T09:00:00Z"), strings{"ben"});
  EXPECT_EQ(who(*result, "2025-06-20T12:00:00Z"), strings{"ben"});
}

TEST(ScheduleReconcile, MatchesLayersByName) {
  auto declared = backend();
  declared.layers[0].participants = {"ben", "cleo", "dan"};
  declared.layers.push_back(make_layer("extra", rotation_unit::daily,
                                       "2025-06-01T00:00:00Z", {"eve"}));

  auto result = reconcile(backend(), declared, membership_now);

  ASSERT_TRUE(result) << tropos::describe(result.error());
  ASSERT_EQ(result->layers.size(), 2u);
  ASSERT_TRUE(result->layers[0].anchor);
  EXPECT_EQ(*result->layers[0].anchor,
            (rotation_anchor{at("2025-06-02T09:00:00Z"), 1}));
  EXPECT_FALSE(result->layers[1].anchor);
}

TEST(ScheduleReconcile, ChangedScheduleZoneStartsAfresh) {
  auto declared = backend();
  declared.time_zone = "Europe/Berlin";
  declared.layers[0].participants = {"ben", "cleo", "dan"};

  auto result = reconcile(backend(), declared, membership_now);

  ASSERT_TRUE(result) << tropos::describe(result.error());
  EXPECT_FALSE(result->layers[0].anchor);
}

TEST(ScheduleReconcile, UnknownZoneIsInvalidArgument) {
  auto current = backend();
  current.time_zone = "Mars/Base";
  auto declared = current;
  declared.layers[0].participants = {"ben", "cleo", "dan"};

  auto result = reconcile(current, declared, membership_now);

  ASSERT_FALSE(result);
  EXPECT_EQ(tropos::code_of(result.error()), tropos::ec::invalid_argument);
}

// --- Property: rotations in many zones ---------------------------------------

namespace {

std::uint64_t test_seed() {
  if (const char* text = std::getenv("TROPOS_TEST_SEED"))
    return std::stoull(text);
  return std::random_device{}();
}

// The instant a handoff at local time `local` happens: the first occurrence
// of an ambiguous time, and the clock jump for a time that does not exist.
sys_seconds expected_handoff(const date::time_zone& tz, date::local_seconds local) {
  auto info = tz.get_info(local);
  if (info.result == date::local_info::nonexistent)
    return info.first.end;
  return sys_seconds{local.time_since_epoch()} - info.first.offset;
}

// Checks that `found` tiles the range with alternating users and that each
// handoff happens at the layer's local wall-clock time.
void check_handoffs(const layer& rotation, const date::time_zone& tz,
                    const std::vector<shift>& found) {
  auto handoff_local = tz.to_local(rotation.handoff);
  auto origin_day = date::floor<date::days>(handoff_local);
  auto time_of_day = handoff_local - origin_day;
  int step = rotation.shift_length * (rotation.unit == rotation_unit::weekly ? 7 : 1);

  for (std::size_t j = 0; j < found.size(); ++j) {
    const auto& entry = found[j];
    ASSERT_LT(entry.start, entry.end) << describe(entry);
    if (j > 0) {
      ASSERT_EQ(iso(entry.start), iso(found[j - 1].end)) << "gap or overlap";
      ASSERT_NE(entry.user, found[j - 1].user) << describe(entry);
    }
    auto day = date::floor<date::days>(tz.to_local(entry.start));
    auto shift_number = ((day - origin_day).count() + step / 2) / step;
    auto expected = expected_handoff(
      tz, origin_day + date::days{shift_number * step} + time_of_day);
    ASSERT_EQ(iso(entry.start), iso(expected)) << describe(entry);
  }
}

void check_samples(const schedule& plan, const std::vector<shift>& found,
                   sys_seconds from, sys_seconds to, std::mt19937_64& random) {
  std::uniform_int_distribution<std::int64_t> offset(0, (to - from).count() - 1);
  for (int i = 0; i < 100; ++i) {
    auto t = from + std::chrono::seconds{offset(random)};
    auto users = on_call(plan, t);
    ASSERT_EQ(users.size(), 1u) << iso(t);
    auto containing = std::find_if(found.begin(), found.end(), [&](const shift& s) {
      return s.start <= t && t < s.end;
    });
    ASSERT_NE(containing, found.end()) << iso(t);
    ASSERT_EQ(users[0], containing->user) << iso(t);
  }
}

} // namespace

TEST(ScheduleProperty, LocalHandoffsInManyZones) {
  const auto seed = test_seed();
  std::cout << "[   SEED   ] TROPOS_TEST_SEED=" << seed << std::endl;
  SCOPED_TRACE("TROPOS_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 random{seed};

  // Times next to DST changes in these zones: 00:00 (Sao Paulo until 2019),
  // 02:00-03:00 (US, EU, Sydney, St. John's), 02:45 (Chatham).
  const std::vector<int> tricky_minutes{0, 15, 30, 60, 90, 120, 135, 150,
                                        165, 180, 210, 1425};
  std::uniform_int_distribution<int> pick_tricky(0, static_cast<int>(tricky_minutes.size()) - 1);
  std::uniform_int_distribution<int> any_minute(0, 24 * 60 - 1);
  std::uniform_int_distribution<int> coin(0, 1);
  std::uniform_int_distribution<int> length(1, 3);
  std::uniform_int_distribution<int> handoff_day(0, 16 * 365);
  std::uniform_int_distribution<int> query_day(0, 5 * 365);

  for (auto name : {"America/Chicago", "Europe/London", "Europe/Berlin",
                    "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata",
                    "Pacific/Chatham", "America/St_Johns", "Asia/Tehran",
                    "Etc/UTC"}) {
    const auto& tz = zone(name);
    for (auto unit : {rotation_unit::daily, rotation_unit::weekly}) {
      for (int round = 0; round < 4; ++round) {
        auto minute = coin(random) ? tricky_minutes[pick_tricky(random)]
                                   : any_minute(random);
        auto local = date::local_days{date::year{2012} / 1 / 1}
                     + date::days{handoff_day(random)} + minutes{minute};
        schedule plan;
        plan.id = "property";
        plan.time_zone = name;
        plan.layers.push_back(make_layer("rotation", unit, "1970-01-01T00:00:00Z",
                                         {"p0", "p1", "p2"}));
        auto& rotation = plan.layers[0];
        rotation.shift_length = length(random);
        rotation.handoff = tz.to_sys(local, date::choose::earliest);
        auto from = rotation.handoff + date::days{query_day(random)}
                    + minutes{any_minute(random)};
        auto to = from + date::days{unit == rotation_unit::daily ? 45 : 200};
        SCOPED_TRACE(std::string{name} + " " + std::string{to_string(unit)}
                     + " x" + std::to_string(rotation.shift_length) + " from "
                     + iso(rotation.handoff) + ", range from " + iso(from));

        auto found = shifts(plan, from, to);

        ASSERT_FALSE(found.empty());
        EXPECT_LE(found.front().start, from);
        EXPECT_GE(found.back().end, to);
        check_handoffs(rotation, tz, found);
        check_samples(plan, found, from, to, random);
        EXPECT_TRUE(gaps(plan, from, to).empty());
      }
    }
  }
}
