#include "domain/escalation/condition.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace tropos;
using namespace tropos::escalation;
using namespace std::chrono_literals;
using std::chrono::hours;
using std::chrono::minutes;

instant at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    ADD_FAILURE() << "invalid instant in test: " << text;
    return {};
  }
  return *parsed;
}

// Levels and passes count from 0, as stored.
std::string describe(const std::optional<escalation_step>& step) {
  if (!step)
    return "none";
  return "level=" + std::to_string(step->level) + " pass="
         + std::to_string(step->pass) + " at=" + format_rfc3339(step->at);
}

level_condition london_hours(std::bitset<7> weekdays = 0x7f) {
  return {{weekdays, hours{8} + minutes{30}, hours{17} + minutes{30}},
          "Europe/London"};
}

escalation_level level_for(std::string user,
                           std::optional<level_condition> condition = {}) {
  escalation_level level;
  level.delay = 5min;
  level.targets = {{target_kind::user, std::move(user)}};
  level.condition = std::move(condition);
  return level;
}

// Step 1 pages Dana only during London office hours; step 2 pages Lee.
escalation_policy biz_policy() {
  escalation_policy p;
  p.id = "biz";
  p.levels = {level_for("dana", london_hours()), level_for("lee")};
  return p;
}

TEST(LevelCondition, AppliesInsideLocalWindowAfterDstEnds) {
  auto level = level_for("dana", london_hours());
  // On 2023-11-01 London is on GMT, so local and UTC hours agree.
  EXPECT_FALSE(level_applies(level, at("2023-11-01T08:00:00Z")));
  EXPECT_FALSE(level_applies(level, at("2023-11-01T08:29:59.999Z")));
  EXPECT_TRUE(level_applies(level, at("2023-11-01T08:30:00Z")));
  EXPECT_TRUE(level_applies(level, at("2023-11-01T17:15:00Z")));
  EXPECT_FALSE(level_applies(level, at("2023-11-01T17:30:00Z")));
  // On 2023-07-04 London is on BST (UTC+1).
  EXPECT_TRUE(level_applies(level, at("2023-07-04T07:45:00Z")));
  EXPECT_FALSE(level_applies(level, at("2023-07-04T16:45:00Z")));
}

TEST(LevelCondition, LevelWithoutConditionAlwaysApplies) {
  EXPECT_TRUE(level_applies(level_for("lee"), at("2023-11-01T03:00:00Z")));
}

TEST(LevelCondition, WeekdaysLimitTheWindow) {
  std::bitset<7> weekdays;
  for (auto day : {date::Monday, date::Tuesday, date::Wednesday,
                   date::Thursday, date::Friday})
    weekdays.set(day.c_encoding());
  auto level = level_for("dana", london_hours(weekdays));
  EXPECT_TRUE(level_applies(level, at("2023-11-03T10:00:00Z")));  // Friday
  EXPECT_FALSE(level_applies(level, at("2023-11-04T10:00:00Z"))); // Saturday
}

TEST(LevelCondition, EarlyAlertSkipsFirstStep) {
  auto step = first_applicable_step(biz_policy(),
                                    {0, 0, at("2023-11-01T08:00:00Z")});
  EXPECT_EQ(describe(step), "level=1 pass=0 at=2023-11-01T08:00:00Z");
}

TEST(LevelCondition, AfternoonAlertRunsFirstStep) {
  auto step = first_applicable_step(biz_policy(),
                                    {0, 0, at("2023-11-01T17:15:00Z")});
  EXPECT_EQ(describe(step), "level=0 pass=0 at=2023-11-01T17:15:00Z");
}

TEST(LevelCondition, SkipWrapsIntoNextPass) {
  auto policy = biz_policy();
  policy.levels = {level_for("lee"), level_for("dana", london_hours())};
  policy.repeat = 1;
  auto step = first_applicable_step(policy, {1, 0, at("2023-11-01T20:00:00Z")});
  EXPECT_EQ(describe(step), "level=0 pass=1 at=2023-11-01T20:00:00Z");
}

TEST(LevelCondition, SkippedLastLevelOfLastPassEndsEscalation) {
  auto policy = biz_policy();
  policy.levels = {level_for("lee"), level_for("dana", london_hours())};
  auto step = first_applicable_step(policy, {1, 0, at("2023-11-01T20:00:00Z")});
  EXPECT_EQ(describe(step), "none");
}

TEST(LevelCondition, NoApplicableLevelGivesNone) {
  // Every level is limited to Sundays and the alert comes on a Wednesday,
  // through all six passes.
  std::bitset<7> sunday;
  sunday.set(date::Sunday.c_encoding());
  escalation_policy policy;
  policy.repeat = 5;
  policy.levels = {level_for("dana", london_hours(sunday)),
                   level_for("lee", london_hours(sunday))};
  auto step = first_applicable_step(policy, {0, 0, at("2023-11-01T10:00:00Z")});
  EXPECT_EQ(describe(step), "none");
}

TEST(LevelCondition, StartOutsidePolicyGivesNone) {
  auto policy = biz_policy();
  auto when = at("2023-11-01T10:00:00Z");
  EXPECT_EQ(describe(first_applicable_step(policy, {2, 0, when})), "none");
  EXPECT_EQ(describe(first_applicable_step(policy, {0, 1, when})), "none");
  EXPECT_EQ(describe(first_applicable_step({}, {0, 0, when})), "none");
}

TEST(LevelCondition, NextStepSkipsClosedLevel) {
  // Lee is paged at 17:20; Dana's level would follow at 17:25, still open.
  // Paged at 17:26, Dana's level would follow at 17:31, after hours, so the
  // second pass starts with Lee at 17:31.
  escalation_policy policy;
  policy.repeat = 1;
  policy.levels = {level_for("lee"), level_for("dana", london_hours())};
  auto open = next_applicable_step(policy, 0, 0, at("2023-11-01T17:20:00Z"));
  EXPECT_EQ(describe(open), "level=1 pass=0 at=2023-11-01T17:25:00Z");
  auto closed = next_applicable_step(policy, 0, 0, at("2023-11-01T17:26:00Z"));
  EXPECT_EQ(describe(closed), "level=0 pass=1 at=2023-11-01T17:31:00Z");
  auto last = next_applicable_step(policy, 0, 1, at("2023-11-01T17:26:00Z"));
  EXPECT_EQ(describe(last), "none");
}

TEST(LevelCondition, UnknownZoneCountsAsInside) {
  auto condition = london_hours();
  condition.time_zone = "Mars/Olympus_Mons";
  EXPECT_TRUE(level_applies(level_for("dana", condition),
                            at("2023-11-01T03:00:00Z")));
}

} // namespace
