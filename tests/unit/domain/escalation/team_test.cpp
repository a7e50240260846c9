#include "domain/escalation/team.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace {

using namespace tropos;
using namespace tropos::escalation;
using names = std::vector<std::string>;

team db_team() {
  return {"db", "Database", {"ava", "ben", "cleo"}, {}};
}

resource_set resources_with_db_team() {
  resource_set set;
  for (auto id : {"ava", "ben", "cleo", "dan"}) {
    user u;
    u.id = id;
    set.users.push_back(u);
  }
  set.teams.push_back(db_team());
  set.reindex();
  return set;
}

const std::chrono::sys_seconds noon{std::chrono::hours{24 * 20000 + 12}};

TEST(RoundRobin, WalksMembersInOrderAndStartsOver) {
  auto t = db_team();
  names picked;
  for (uint64_t counter = 0; counter < 7; ++counter)
    picked.push_back(pick_round_robin(t, counter));
  EXPECT_EQ(picked, (names{"ava", "ben", "cleo", "ava", "ben", "cleo", "ava"}));
}

TEST(RoundRobin, HandlesLargestCounter) {
  // 2^64 - 1 is divisible by 3.
  EXPECT_EQ(pick_round_robin(db_team(), std::numeric_limits<uint64_t>::max()),
            "ava");
}

TEST(RoundRobin, EmptyTeamGivesEmptyName) {
  team empty{"none", "Nobody", {}, {}};
  EXPECT_EQ(pick_round_robin(empty, 0), "");
  EXPECT_EQ(pick_round_robin(empty, 5), "");
}

TEST(RoundRobin, ExpandTargetsPagesOneMemberPerCounter) {
  auto set = resources_with_db_team();
  std::vector<escalation_target> targets{
    {target_kind::team, "db", team_mode::round_robin}};
  EXPECT_EQ(expand_targets(set, targets, noon, 0), names{"ava"});
  EXPECT_EQ(expand_targets(set, targets, noon, 1), names{"ben"});
  EXPECT_EQ(expand_targets(set, targets, noon, 2), names{"cleo"});
  EXPECT_EQ(expand_targets(set, targets, noon, 3), names{"ava"});
}

TEST(RoundRobin, ExpandTargetsKeepsAllModeAndUsers) {
  auto set = resources_with_db_team();
  std::vector<escalation_target> targets{
    {target_kind::user, "dan", team_mode::all},
    {target_kind::team, "db", team_mode::round_robin},
    {target_kind::user, "ben", team_mode::all}};
  EXPECT_EQ(expand_targets(set, targets, noon, 1), (names{"dan", "ben"}));
  EXPECT_EQ(expand_targets(set, targets, noon, 2),
            (names{"dan", "cleo", "ben"}));
  std::vector<escalation_target> all{{target_kind::team, "db", team_mode::all}};
  EXPECT_EQ(expand_targets(set, all, noon, 1), (names{"ava", "ben", "cleo"}));
}

TEST(RoundRobin, OverloadWithoutCounterPagesEveryMember) {
  auto set = resources_with_db_team();
  std::vector<escalation_target> targets{
    {target_kind::team, "db", team_mode::round_robin}};
  EXPECT_EQ(expand_targets(set, targets, noon), (names{"ava", "ben", "cleo"}));
}

} // namespace
