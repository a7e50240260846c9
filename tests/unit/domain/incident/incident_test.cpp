#include "domain/incident/incident.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace std::chrono_literals;

instant at(std::string_view text) {
  return *parse_rfc3339(text);
}

escalation_policy two_levels(unsigned repeat) {
  escalation_policy p;
  p.id = "p";
  p.repeat = repeat;
  p.levels = {{2min, {{target_kind::user, "ava"}}},
              {2min, {{target_kind::user, "ben"}}}};
  return p;
}

TEST(Escalation, RepeatOneGivesExactlyTwoPasses) {
  auto policy = two_levels(1);
  std::vector<std::pair<unsigned, instant>> pages{{0, at("2025-01-01T10:00:00Z")}};
  unsigned level = 0, pass = 0;
  auto when = pages.front().second;
  while (auto next = next_step(policy, level, pass, when)) {
    level = next->level;
    pass = next->pass;
    when = next->at;
    pages.emplace_back(level, when);
    ASSERT_LT(pages.size(), 10u) << "escalation does not end";
  }
  ASSERT_EQ(pages.size(), 4u);
  EXPECT_EQ(pages[1], std::pair(1u, at("2025-01-01T10:02:00Z")));
  EXPECT_EQ(pages[2], std::pair(0u, at("2025-01-01T10:04:00Z")));
  EXPECT_EQ(pages[3], std::pair(1u, at("2025-01-01T10:06:00Z")));
}

TEST(Escalation, RepeatZeroEndsAfterLastLevel) {
  auto policy = two_levels(0);
  auto next = next_step(policy, 0, 0, at("2025-01-01T10:00:00Z"));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next_step(policy, next->level, next->pass, next->at));
}

TEST(Incident, JsonRoundTripKeepsEveryField) {
  incident_record r;
  r.id = 345;
  r.service_id = "postgres";
  r.policy_id = "db";
  r.dedup_key = "d4d4";
  r.summary = "Disk \"root\" on db-01 is 97% full";
  r.details = "Line one\nLine two\twith tab \u200b";
  r.labels = {{"path", "C:\\data\\logs"}, {"emoji🙂", "yes"}};
  r.status = incident_status::acknowledged;
  r.created_at = at("2025-04-10T09:00:00.250Z");
  r.updated_at = at("2025-04-10T09:01:00Z");
  r.acknowledged_by = "ava";
  r.level = 1;
  r.pass = 1;
  r.next_step_at = at("2025-04-10T09:05:00Z");
  r.event_count = 3;
  r.job_count = 7;
  add_timeline(r, r.created_at, "triggered", r.summary);
  auto back = incident_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, 345u);
  EXPECT_EQ(back->summary, r.summary);
  EXPECT_EQ(back->details, r.details);
  EXPECT_EQ(back->labels, r.labels);
  EXPECT_EQ(back->status, incident_status::acknowledged);
  EXPECT_EQ(back->created_at, r.created_at);
  EXPECT_EQ(back->next_step_at, r.next_step_at);
  EXPECT_EQ(back->job_count, 7u);
  ASSERT_EQ(back->timeline.size(), 1u);
  EXPECT_EQ(back->timeline[0].detail, r.summary);
}

TEST(Incident, JobKeysSortByIncidentThenSequence) {
  notification_job a, b, c;
  a.incident_id = 1;
  a.sequence = 300;
  b.incident_id = 2;
  b.sequence = 0;
  c.incident_id = 2;
  c.sequence = 1;
  EXPECT_LT(a.key(), b.key());
  EXPECT_LT(b.key(), c.key());
  EXPECT_EQ(a.key().size(), 12u);
}

TEST(Incident, NotificationsFollowEachUsersRules) {
  resource_set set;
  user ava;
  ava.id = "ava";
  ava.contact_methods = {{"ava-sms", contact_type::sms, "+15005550006"},
                         {"ava-mail", contact_type::email, "ava@example.test"}};
  ava.notification_rules = {{"ava-sms", 0s}, {"ava-mail", 5min}};
  set.users.push_back(ava);
  set.reindex();
  incident_record r;
  r.id = 9;
  r.summary = "s";
  auto start = at("2025-01-01T10:00:00Z");
  auto jobs = plan_notifications(set, r, {"ava", "ghost"}, start, 4);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].sequence, 4u);
  EXPECT_EQ(jobs[0].due, start);
  EXPECT_EQ(jobs[1].type, contact_type::email);
  EXPECT_EQ(jobs[1].due, start + 5min);
}

} // namespace
