#include "domain/schedule/rotation.hpp"

#include "tests/unit/domain/schedule/schedule_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tropos::schedule;
using namespace tropos::schedule::testing;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

layer make_layer(rotation_unit unit, int length, std::string_view handoff,
                 std::vector<std::string> participants) {
  layer result;
  result.name = "primary";
  result.unit = unit;
  result.shift_length = length;
  result.handoff = at(handoff);
  result.participants = std::move(participants);
  return result;
}

std::string user_at(const layer& rotation, const date::time_zone& zone,
                    std::string_view t) {
  return on_call(rotation, zone, at(t)).value_or("<nobody>");
}

// Lists shift starts by stepping from the handoff with next_boundary.
std::vector<std::string> walk_starts(const layer& rotation,
                                     const date::time_zone& zone, int count) {
  std::vector<std::string> result;
  auto t = rotation.handoff;
  for (int i = 0; i < count; ++i) {
    result.push_back(iso(t));
    t = next_boundary(rotation, zone, t).value_or(t);
  }
  return result;
}

// Four members, weekly from Monday 2025-05-19 09:00 UTC. Cleo's shift runs
// from 2025-06-02T09:00Z to the next Monday, and the clock reads
// 2025-06-04T12:00Z.
layer backend() {
  return make_layer(rotation_unit::weekly, 1, "2025-05-19T09:00:00Z",
                    {"ava", "ben", "cleo", "dan"});
}

const auto reconcile_now = at("2025-06-04T12:00:00Z");

layer with_participants(layer rotation, std::vector<std::string> members) {
  rotation.participants = std::move(members);
  return rotation;
}

} // namespace

TEST(RotationUnit, ParsesResourceNames) {
  EXPECT_EQ(parse_rotation_unit("hourly"), rotation_unit::hourly);
  EXPECT_EQ(parse_rotation_unit("daily"), rotation_unit::daily);
  EXPECT_EQ(parse_rotation_unit("weekly"), rotation_unit::weekly);
  EXPECT_EQ(parse_rotation_unit("monthly"), rotation_unit::monthly);
  EXPECT_EQ(parse_rotation_unit("Weekly"), std::nullopt);
  EXPECT_EQ(parse_rotation_unit(""), std::nullopt);
  EXPECT_EQ(to_string(rotation_unit::monthly), "monthly");
}

TEST(Rotation, WeeklyHandsOffAtLocalTimeAcrossDst) {
  const auto& chicago = zone("America/Chicago");
  auto weekly = make_layer(rotation_unit::weekly, 1, "2024-09-30T09:00:00-05:00",
                           {"ava", "ben", "cleo"});

  EXPECT_EQ(user_at(weekly, chicago, "2024-11-04T14:59:59Z"), "ben");
  EXPECT_EQ(user_at(weekly, chicago, "2024-11-04T15:00:00Z"), "cleo");
  EXPECT_EQ(user_at(weekly, chicago, "2025-03-10T13:59:59Z"), "ben");
  EXPECT_EQ(user_at(weekly, chicago, "2025-03-10T14:00:00Z"), "cleo");

  auto autumn = shift_at(weekly, chicago, at("2024-11-04T14:30:00Z"));
  ASSERT_TRUE(autumn);
  EXPECT_EQ(iso(autumn->start), "2024-10-28T14:00:00Z");
  EXPECT_EQ(iso(autumn->end), "2024-11-04T15:00:00Z");
  EXPECT_EQ(autumn->index, 1u);
  EXPECT_EQ(autumn->end - autumn->start, hours{169});

  auto spring = shift_at(weekly, chicago, at("2025-03-10T13:59:59Z"));
  ASSERT_TRUE(spring);
  EXPECT_EQ(iso(spring->start), "2025-03-03T15:00:00Z");
  EXPECT_EQ(iso(spring->end), "2025-03-10T14:00:00Z");
  EXPECT_EQ(spring->end - spring->start, hours{167});
}

TEST(Rotation, NobodyBeforeFirstHandoff) {
  const auto& chicago = zone("America/Chicago");
  auto weekly = make_layer(rotation_unit::weekly, 1, "2024-09-30T09:00:00-05:00",
                           {"ava", "ben"});

  EXPECT_FALSE(on_call(weekly, chicago, at("2024-09-30T13:59:59Z")));
  EXPECT_FALSE(shift_at(weekly, chicago, at("2024-09-30T13:59:59Z")));
  EXPECT_FALSE(last_boundary(weekly, chicago, at("2024-09-30T13:59:59Z")));
  EXPECT_EQ(user_at(weekly, chicago, "2024-09-30T14:00:00Z"), "ava");
  auto first = next_boundary(weekly, chicago, at("2024-09-01T00:00:00Z"));
  ASSERT_TRUE(first);
  EXPECT_EQ(iso(*first), "2024-09-30T14:00:00Z");
}

TEST(Rotation, NoParticipantsMeansNobody) {
  const auto& utc = zone("Etc/UTC");
  auto empty = make_layer(rotation_unit::daily, 1, "2024-01-01T00:00:00Z", {});

  EXPECT_FALSE(on_call(empty, utc, at("2024-06-01T00:00:00Z")));
  EXPECT_FALSE(next_boundary(empty, utc, at("2024-06-01T00:00:00Z")));
  EXPECT_FALSE(last_boundary(empty, utc, at("2024-06-01T00:00:00Z")));
}

TEST(Rotation, MonthlyClampsToMonthEndAndKeepsDay) {
  const auto& new_york = zone("America/New_York");
  auto monthly = make_layer(rotation_unit::monthly, 1,
                            "2024-01-31T09:00:00-05:00", {"ava", "ben", "cleo"});

  // 09:00 local each time: EST until 2024-03-10, EDT until 2024-11-03.
  EXPECT_EQ(walk_starts(monthly, new_york, 14),
            (std::vector<std::string>{
              "2024-01-31T14:00:00Z", "2024-02-29T14:00:00Z",
              "2024-03-31T13:00:00Z", "2024-04-30T13:00:00Z",
              "2024-05-31T13:00:00Z", "2024-06-30T13:00:00Z",
              "2024-07-31T13:00:00Z", "2024-08-31T13:00:00Z",
              "2024-09-30T13:00:00Z", "2024-10-31T13:00:00Z",
              "2024-11-30T14:00:00Z", "2024-12-31T14:00:00Z",
              "2025-01-31T14:00:00Z", "2025-02-28T14:00:00Z",
            }));

  auto march = shift_at(monthly, new_york, at("2024-03-15T00:00:00Z"));
  ASSERT_TRUE(march);
  EXPECT_EQ(iso(march->start), "2024-02-29T14:00:00Z");
  EXPECT_EQ(iso(march->end), "2024-03-31T13:00:00Z");
  EXPECT_EQ(march->index, 1u);
  EXPECT_EQ(user_at(monthly, new_york, "2024-03-31T12:59:59Z"), "ben");
  EXPECT_EQ(user_at(monthly, new_york, "2024-03-31T13:00:00Z"), "cleo");
  EXPECT_EQ(user_at(monthly, new_york, "2025-02-28T14:00:00Z"), "ben");
}

TEST(Rotation, QuarterlyKeepsOriginalDay) {
  const auto& utc = zone("Etc/UTC");
  auto quarterly = make_layer(rotation_unit::monthly, 3, "2024-11-30T00:00:00Z",
                              {"ava", "ben"});

  EXPECT_EQ(walk_starts(quarterly, utc, 4),
            (std::vector<std::string>{
              "2024-11-30T00:00:00Z", "2025-02-28T00:00:00Z",
              "2025-05-30T00:00:00Z", "2025-08-30T00:00:00Z",
            }));
  EXPECT_EQ(user_at(quarterly, utc, "2025-05-29T23:59:59Z"), "ben");
  EXPECT_EQ(user_at(quarterly, utc, "2025-05-30T00:00:00Z"), "ava");
}

TEST(Rotation, HourlyAdvancesInAbsoluteHoursAcrossDst) {
  const auto& berlin = zone("Europe/Berlin");
  auto hourly = make_layer(rotation_unit::hourly, 2, "2024-03-30T23:00:00Z",
                           {"ava", "ben"});

  // Clocks go from 02:00 CET to 03:00 CEST at 01:00Z on 2024-03-31.
  auto spring = shift_at(hourly, berlin, at("2024-03-31T01:30:00Z"));
  ASSERT_TRUE(spring);
  EXPECT_EQ(iso(spring->start), "2024-03-31T01:00:00Z");
  EXPECT_EQ(iso(spring->end), "2024-03-31T03:00:00Z");
  EXPECT_EQ(spring->index, 1u);

  // Clocks go from 03:00 CEST back to 02:00 CET at 01:00Z on 2024-10-27.
  auto autumn = shift_at(hourly, berlin, at("2024-10-27T01:30:00Z"));
  ASSERT_TRUE(autumn);
  EXPECT_EQ(iso(autumn->start), "2024-10-27T01:00:00Z");
  EXPECT_EQ(iso(autumn->end), "2024-10-27T03:00:00Z");
  EXPECT_EQ(autumn->index, 1u);
  EXPECT_EQ(user_at(hourly, berlin, "2024-10-27T00:59:59Z"), "ava");
}

TEST(Rotation, DailyNonexistentHandoffUsesClockJump) {
  const auto& chicago = zone("America/Chicago");
  // 02:30 local does not exist on 2024-03-10, when clocks jump at 08:00Z.
  auto daily = make_layer(rotation_unit::daily, 1, "2024-03-08T02:30:00-06:00",
                          {"ava", "ben", "cleo"});

  EXPECT_EQ(walk_starts(daily, chicago, 4),
            (std::vector<std::string>{
              "2024-03-08T08:30:00Z", "2024-03-09T08:30:00Z",
              "2024-03-10T08:00:00Z", "2024-03-11T07:30:00Z",
            }));
}

TEST(Rotation, DailyAmbiguousHandoffUsesFirstOccurrence) {
  const auto& chicago = zone("America/Chicago");
  // 01:30 local occurs twice on 2024-11-03: 06:30Z (CDT) and 07:30Z (CST).
  auto daily = make_layer(rotation_unit::daily, 1, "2024-11-02T01:30:00-05:00",
                          {"ava", "ben"});

  EXPECT_EQ(walk_starts(daily, chicago, 3),
            (std::vector<std::string>{
              "2024-11-02T06:30:00Z", "2024-11-03T06:30:00Z",
              "2024-11-04T07:30:00Z",
            }));
}

TEST(Rotation, DivisionMatchesWalkFromHandoff) {
  for (auto name : {"America/Chicago", "Australia/Sydney", "Pacific/Chatham"}) {
    SCOPED_TRACE(name);
    const auto& tz = zone(name);
    auto local = date::local_days{date::year{2021} / 1 / 4} + hours{2}
                 + std::chrono::minutes{45};
    auto daily = make_layer(rotation_unit::daily, 1, "2021-01-01T00:00:00Z",
                            {"ava", "ben", "cleo"});
    daily.handoff = tz.to_sys(local, date::choose::earliest);

    // Three years of daily shifts include six DST changes in each zone.
    auto start = daily.handoff;
    for (std::size_t i = 0; i < 3 * 366; ++i) {
      auto end = next_boundary(daily, tz, start);
      ASSERT_TRUE(end);
      for (auto t : {start, start + (*end - start) / 2, *end - seconds{1}}) {
        auto found = shift_at(daily, tz, t);
        ASSERT_TRUE(found) << iso(t);
        ASSERT_EQ(iso(found->start), iso(start)) << "shift " << i;
        ASSERT_EQ(iso(found->end), iso(*end)) << "shift " << i;
        ASSERT_EQ(found->index, i % 3) << "shift " << i;
      }
      start = *end;
    }
  }
}

TEST(RotationReconcile, RemovingEarlierMemberKeepsCurrentShift) {
  const auto& utc = zone("Etc/UTC");
  auto current = backend();
  ASSERT_EQ(user_at(current, utc, "2025-06-04T12:00:00Z"), "cleo");

  auto result = reconcile(current, with_participants(current, {"ben", "cleo", "dan"}),
                          utc, reconcile_now);

  EXPECT_EQ(result.participants,
            (std::vector<std::string>{"ben", "cleo", "dan"}));
  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "cleo");
  auto shift = shift_at(result, utc, at("2025-06-04T12:00:01Z"));
  ASSERT_TRUE(shift);
  EXPECT_EQ(iso(shift->start), "2025-06-02T09:00:00Z");
  EXPECT_EQ(iso(shift->end), "2025-06-09T09:00:00Z");
  auto next = next_boundary(result, utc, reconcile_now);
  ASSERT_TRUE(next);
  EXPECT_EQ(iso(*next), "2025-06-09T09:00:00Z");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "dan");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "ben");
  EXPECT_EQ(user_at(result, utc, "2025-06-23T09:00:00Z"), "cleo");
}

TEST(RotationReconcile, RemovingLaterMemberKeepsHandoff) {
  const auto& utc = zone("Etc/UTC");
  auto after_a = reconcile(backend(),
                           with_participants(backend(), {"ben", "cleo", "dan"}),
                           utc, reconcile_now);

  auto result = reconcile(after_a, with_participants(after_a, {"ben", "cleo"}),
                          utc, reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "cleo");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T08:59:59Z"), "cleo");
  auto next = next_boundary(result, utc, reconcile_now);
  ASSERT_TRUE(next);
  EXPECT_EQ(iso(*next), "2025-06-09T09:00:00Z");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "ben");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "cleo");
}

TEST(RotationReconcile, RemovingActiveLastMemberHandsToNext) {
  const auto& utc = zone("Etc/UTC");
  auto after_a = reconcile(backend(),
                           with_participants(backend(), {"ben", "cleo", "dan"}),
                           utc, reconcile_now);
  auto after_b = reconcile(after_a, with_participants(after_a, {"ben", "cleo"}),
                           utc, reconcile_now);

  auto result = reconcile(after_b, with_participants(after_b, {"ben"}), utc,
                          reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:00Z"), "ben");
  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "ben");
  auto next = next_boundary(result, utc, reconcile_now);
  ASSERT_TRUE(next);
  EXPECT_EQ(iso(*next), "2025-06-09T09:00:00Z");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "ben");
}

TEST(RotationReconcile, RemovingActiveMiddleMemberHandsToNext) {
  const auto& utc = zone("Etc/UTC");

  auto result = reconcile(backend(),
                          with_participants(backend(), {"ava", "ben", "dan"}),
                          utc, reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "dan");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "ava");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "ben");
}

TEST(RotationReconcile, RemovingOnlyMemberLeavesNobody) {
  const auto& utc = zone("Etc/UTC");
  auto alone = with_participants(backend(), {"cleo"});

  auto result = reconcile(alone, with_participants(alone, {}), utc,
                          reconcile_now);

  EXPECT_TRUE(result.participants.empty());
  EXPECT_FALSE(on_call(result, utc, at("2025-06-04T12:00:01Z")));
  EXPECT_FALSE(next_boundary(result, utc, reconcile_now));
}

TEST(RotationReconcile, ReorderKeepsOwnerThenDeclaredOrder) {
  const auto& utc = zone("Etc/UTC");

  auto result = reconcile(backend(),
                          with_participants(backend(), {"dan", "cleo", "ben", "ava"}),
                          utc, reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "cleo");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "ben");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "ava");
  EXPECT_EQ(user_at(result, utc, "2025-06-23T09:00:00Z"), "dan");
}

TEST(RotationReconcile, AddingMemberKeepsOwner) {
  const auto& utc = zone("Etc/UTC");

  auto result = reconcile(
    backend(), with_participants(backend(), {"ava", "ben", "eve", "cleo", "dan"}),
    utc, reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "cleo");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "dan");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "ava");
}

TEST(RotationReconcile, ReplacingEveryoneStartsWithFirstMember) {
  const auto& utc = zone("Etc/UTC");

  auto result = reconcile(backend(), with_participants(backend(), {"zoe", "yan"}),
                          utc, reconcile_now);

  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "zoe");
  EXPECT_EQ(user_at(result, utc, "2025-06-09T09:00:00Z"), "yan");
}

TEST(RotationReconcile, ChangedShiftLengthReturnsDeclared) {
  const auto& utc = zone("Etc/UTC");
  auto current = reconcile(backend(),
                           with_participants(backend(), {"ben", "cleo", "dan"}),
                           utc, reconcile_now);
  auto declared = with_participants(backend(), {"ava", "ben"});
  declared.shift_length = 2;

  auto result = reconcile(current, declared, utc, reconcile_now);

  // Two-week shifts from 2025-05-19: ava, then ben from 2025-06-02.
  EXPECT_FALSE(result.anchor);
  EXPECT_EQ(result.shift_length, 2);
  EXPECT_EQ(user_at(result, utc, "2025-06-04T12:00:01Z"), "ben");
  EXPECT_EQ(user_at(result, utc, "2025-06-16T09:00:00Z"), "ava");
}

TEST(RotationReconcile, SameMembersKeepAnchor) {
  const auto& utc = zone("Etc/UTC");
  auto current = reconcile(backend(),
                           with_participants(backend(), {"ben", "cleo", "dan"}),
                           utc, reconcile_now);
  auto declared = with_participants(backend(), {"ben", "cleo", "dan"});
  declared.name = "renamed";

  auto result = reconcile(current, declared, utc, at("2025-07-01T00:00:00Z"));

  ASSERT_TRUE(result.anchor);
  EXPECT_EQ(*result.anchor, *current.anchor);
  EXPECT_EQ(result.name, "renamed");
}

TEST(RotationReconcile, BeforeFirstHandoffReturnsDeclared) {
  const auto& utc = zone("Etc/UTC");
  auto declared = with_participants(backend(), {"ben", "ava"});

  auto result = reconcile(backend(), declared, utc, at("2025-05-01T00:00:00Z"));

  EXPECT_FALSE(result.anchor);
  EXPECT_EQ(user_at(result, utc, "2025-05-19T09:00:00Z"), "ben");
}
