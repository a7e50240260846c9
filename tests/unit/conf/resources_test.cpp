#include "conf/resources.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using namespace tropos;

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string shared_example() {
  return read_file(std::string{TROPOS_SHARED_DIR}
                   + "/examples/resources.toml");
}

TEST(Resources, SharedExampleIsAccepted) {
  auto parsed = conf::parse_resources(shared_example());
  ASSERT_TRUE(parsed) << describe(parsed.error());
  auto merged = conf::merge_resources({}, parsed->set);
  ASSERT_TRUE(merged) << describe(merged.error());
  EXPECT_EQ(merged->users.size(), 3u);
  const auto* ava = merged->find_user("ava");
  ASSERT_NE(ava, nullptr);
  ASSERT_EQ(ava->notification_rules.size(), 3u);
  EXPECT_EQ(ava->notification_rules[2].delay, std::chrono::minutes{2});
  const auto* policy = merged->find_policy("db-critical");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->repeat, 1u);
  ASSERT_EQ(policy->levels.size(), 2u);
  EXPECT_EQ(policy->levels[0].targets[0].kind, target_kind::schedule);
  auto key = merged->find_integration("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->first->id, "postgres");
  EXPECT_EQ(key->second, integration_type::events_v2);
  EXPECT_EQ(parsed->objects.size(), 7u);
}

TEST(Resources, StoredObjectsReloadToTheSameSet) {
  auto parsed = conf::parse_resources(shared_example());
  ASSERT_TRUE(parsed);
  auto reloaded = conf::load_resource_objects(parsed->objects);
  ASSERT_TRUE(reloaded) << describe(reloaded.error());
  EXPECT_EQ(reloaded->set.users.size(), parsed->set.users.size());
  EXPECT_EQ(reloaded->set.schedules[0].layers[0].participants,
            parsed->set.schedules[0].layers[0].participants);
  EXPECT_EQ(reloaded->set.schedules[0].overrides[0].start,
            parsed->set.schedules[0].overrides[0].start);
}

std::string error_of(const std::string& text) {
  auto parsed = conf::parse_resources(text);
  if (!parsed)
    return detail_of(parsed.error());
  auto merged = conf::merge_resources({}, parsed->set);
  return merged ? std::string{} : detail_of(merged.error());
}

TEST(Resources, BadFieldIsNamedWithItsPath) {
  auto text = shared_example();
  auto replace = [&](std::string from, std::string to) {
    auto copy = text;
    auto pos = copy.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    copy.replace(pos, from.size(), to);
    return copy;
  };
  EXPECT_EQ(error_of(replace("shift_length = 1", "shift_length = 0")),
            "schedules[0].layers[0].shift_length: must be between 1 and 10000");
  EXPECT_EQ(error_of(replace("delay = \"5m\"", "delay = \"5 minutes\"")),
            "escalation_policies[0].levels[0].delay: invalid duration \"5 "
            "minutes\" (expected a number with a unit: ms, s, m, h or d, e.g. "
            "\"5m\")");
  EXPECT_EQ(error_of(replace("escalation_policy = \"db-critical\"",
                             "escalation_policy = \"nope\"")),
            "services[0].escalation_policy: unknown escalation policy \"nope\"");
  EXPECT_EQ(error_of(replace("type = \"sms\",   address = \"+15005550006\"",
                             "type = \"pager\", address = \"+15005550006\"")),
            "users[0].contact_methods[0].type: must be sms, voice or email");
  EXPECT_EQ(error_of(replace("rotation = \"weekly\"", "rotation = \"yearly\"")),
            "schedules[0].layers[0].rotation: must be hourly, daily, weekly or "
            "monthly");
  EXPECT_EQ(error_of(text + "\n[[users]]\nid = \"ava\"\n"),
            "users[3].id: duplicate id \"ava\"");
  EXPECT_EQ(error_of(replace("time_zone = \"America/Chicago\"\ncontact_methods",
                             "time_zone = \"Mars/Olympus\"\ncontact_methods")),
            "users[0].time_zone: unknown time zone \"Mars/Olympus\", expected an "
            "IANA name such as Europe/London");
  EXPECT_EQ(error_of(replace("email = \"ben@example.test\"",
                             "email = \"not an email\"")),
            "users[1].email: not an e-mail address");
  EXPECT_EQ(error_of(replace("repeat = 1", "repat = 1")),
            "escalation_policies[0].repat: unknown key");
}

// Policy "biz", service "api" and heartbeat "nightly-backup" that use every
// key of the routing, escalation and heartbeat format. Appended to the shared
// example, they become escalation_policies[1], services[1] and
// heartbeats[0].
const std::string routing_extension = R"(
[[escalation_policies]]
id = "biz"
ack_timeout = "30m"

  [[escalation_policies.levels]]
  delay = "5m"
  condition = { weekdays = ["mon", "tue", "wed", "thu", "fri"], start = "08:30", end = "17:30", time_zone = "Europe/London" }
  targets = [{ user = "ava" }]

  [[escalation_policies.levels]]
  delay = "10m"
  targets = [{ team = "db", mode = "round_robin" }, { user = "cleo", mode = "all" }]

[[services]]
id = "api"
escalation_policy = "db-critical"
group_by = ["alertname", "cluster"]
group_window = "10m"

  [[services.routes]]
  matchers = ["severity=\"warning\"", "team=~\"db|web\""]
  escalation_policy = "biz"
  continue = true

  [[services.routes]]
  matchers = ["severity!=\"info\""]
  escalation_policy = "db-critical"

[[heartbeats]]
id = "nightly-backup"
service = "api"
key = "hb-backup-0001"
interval = "1d"
grace = "15m"
)";

TEST(Resources, RoutingEscalationAndHeartbeatKeysAreRead) {
  auto parsed = conf::parse_resources(shared_example() + routing_extension);
  ASSERT_TRUE(parsed) << describe(parsed.error());
  auto merged = conf::merge_resources({}, parsed->set);
  ASSERT_TRUE(merged) << describe(merged.error());

  const auto* biz = merged->find_policy("biz");
  ASSERT_NE(biz, nullptr);
  ASSERT_TRUE(biz->ack_timeout);
  EXPECT_EQ(*biz->ack_timeout, std::chrono::minutes{30});
  ASSERT_EQ(biz->levels.size(), 2u);
  ASSERT_TRUE(biz->levels[0].condition);
  const auto& condition = *biz->levels[0].condition;
  EXPECT_EQ(condition.time_zone, "Europe/London");
  EXPECT_EQ(condition.window.start, std::chrono::minutes{8 * 60 + 30});
  EXPECT_EQ(condition.window.end, std::chrono::minutes{17 * 60 + 30});
  EXPECT_EQ(condition.window.weekdays.to_string(), "0111110");
  EXPECT_FALSE(biz->levels[1].condition);
  ASSERT_EQ(biz->levels[1].targets.size(), 2u);
  EXPECT_EQ(biz->levels[1].targets[0].kind, target_kind::team);
  EXPECT_EQ(biz->levels[1].targets[0].mode, team_mode::round_robin);
  EXPECT_EQ(biz->levels[1].targets[1].mode, team_mode::all);
  EXPECT_FALSE(merged->find_policy("db-critical")->ack_timeout);
  EXPECT_EQ(merged->find_policy("db-critical")->levels[0].targets[0].mode,
            team_mode::all);

  const auto* api = merged->find_service("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->group_by, (std::vector<std::string>{"alertname", "cluster"}));
  ASSERT_TRUE(api->group_window);
  EXPECT_EQ(*api->group_window, std::chrono::minutes{10});
  ASSERT_EQ(api->routes.size(), 2u);
  ASSERT_EQ(api->routes[0].matchers.size(), 2u);
  EXPECT_EQ(routing::to_string(api->routes[0].matchers[1]),
            "team=~\"db|web\"");
  EXPECT_EQ(api->routes[0].escalation_policy, "biz");
  EXPECT_TRUE(api->routes[0].continue_matching);
  EXPECT_FALSE(api->routes[1].continue_matching);
  const auto* postgres = merged->find_service("postgres");
  EXPECT_TRUE(postgres->group_by.empty());
  EXPECT_FALSE(postgres->group_window);
  EXPECT_TRUE(postgres->routes.empty());

  ASSERT_EQ(merged->heartbeats.size(), 1u);
  const auto* backup = merged->find_heartbeat_key("hb-backup-0001");
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup, merged->find_heartbeat("nightly-backup"));
  EXPECT_EQ(backup->service, "api");
  EXPECT_EQ(backup->interval, std::chrono::hours{24});
  EXPECT_EQ(backup->grace, std::chrono::minutes{15});
  EXPECT_EQ(merged->find_heartbeat_key("0123456789abcdef0123456789abcdef"),
            nullptr);
  EXPECT_EQ(parsed->objects.size(), 10u);
  EXPECT_EQ(parsed->objects.back().kind, "heartbeats");
  EXPECT_EQ(parsed->objects.back().id, "nightly-backup");
}

TEST(Resources, NewKeysSurviveStoredObjects) {
  auto parsed = conf::parse_resources(shared_example() + routing_extension);
  ASSERT_TRUE(parsed) << describe(parsed.error());
  auto reloaded = conf::load_resource_objects(parsed->objects);
  ASSERT_TRUE(reloaded) << describe(reloaded.error());
  const auto& set = reloaded->set;
  ASSERT_EQ(set.heartbeats.size(), 1u);
  EXPECT_EQ(set.heartbeats[0].key, "hb-backup-0001");
  ASSERT_EQ(set.services.size(), 2u);
  ASSERT_EQ(set.services[1].routes.size(), 2u);
  EXPECT_EQ(set.services[1].routes[1].escalation_policy, "db-critical");
  ASSERT_EQ(set.escalation_policies.size(), 2u);
  ASSERT_TRUE(set.escalation_policies[1].levels[0].condition);
  EXPECT_EQ(set.escalation_policies[1].levels[0].condition->time_zone,
            "Europe/London");
}

TEST(Resources, GroupDefaultsWithoutNewKeys) {
  auto parsed = conf::parse_resources(shared_example());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->set.heartbeats.empty());
  EXPECT_TRUE(parsed->set.services[0].group_by.empty());
  EXPECT_FALSE(parsed->set.escalation_policies[0].levels[0].condition);
}

TEST(Resources, BadRoutingValueIsNamedWithItsPath) {
  auto text = shared_example() + routing_extension;
  auto replace = [&](std::string from, std::string to) {
    auto copy = text;
    auto pos = copy.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos)
      copy.replace(pos, from.size(), to);
    return copy;
  };

  // group_by and group_window of the service.
  EXPECT_EQ(error_of(replace(R"(group_by = ["alertname", "cluster"])",
                             R"(group_by = "alertname")")),
            "services[1].group_by: expected an array of strings");
  EXPECT_EQ(error_of(replace(R"(group_by = ["alertname", "cluster"])",
                             R"(group_by = ["alertname", "..."])")),
            "services[1].group_by[1]: \"...\" (all labels) must be the only "
            "entry");
  EXPECT_EQ(error_of(replace(R"(group_by = ["alertname", "cluster"])",
                             R"(group_by = ["alertname", "alertname"])")),
            "services[1].group_by[1]: duplicate label name \"alertname\"");
  EXPECT_EQ(error_of(replace(R"(group_by = ["alertname", "cluster"])",
                             R"(group_by = ["alertname", ""])")),
            "services[1].group_by[1]: empty label name");
  EXPECT_EQ(error_of(replace(R"(group_by = ["alertname", "cluster"])", "")),
            "services[1].group_window: needs group_by to be set");
  EXPECT_EQ(error_of(replace(R"(group_window = "10m")",
                             R"(group_window = "ten")")),
            "services[1].group_window: invalid duration \"ten\" (expected a "
            "number with a unit: ms, s, m, h or d, e.g. \"5m\")");
  EXPECT_EQ(error_of(replace(R"(group_window = "10m")",
                             R"(group_window = "0s")")),
            "services[1].group_window: must be at least 1s");

  // Its routes.
  EXPECT_EQ(error_of(replace(R"(team=~\"db|web\")", R"(team=~\"(db\")")),
            "services[1].routes[0].matchers[1]: invalid matcher team=~\"(db\": "
            "invalid regular expression: Mismatched '(' and ')' in regular "
            "expression");
  EXPECT_EQ(error_of(replace(R"(["severity!=\"info\""])",
                             R"(["severity!\"info\""])")),
            "services[1].routes[1].matchers[0]: invalid matcher "
            "severity!\"info\": expected =, !=, =~ or !~ after the label name");
  EXPECT_EQ(error_of(replace(R"(matchers = ["severity!=\"info\""])",
                             R"(matchers = "severity!=\"info\"")")),
            "services[1].routes[1].matchers: expected an array of strings");
  EXPECT_EQ(error_of(replace(R"(escalation_policy = "biz")",
                             R"(escalation_policy = "nope")")),
            "services[1].routes[0].escalation_policy: unknown escalation "
            "policy \"nope\"");
  EXPECT_EQ(error_of(replace("  escalation_policy = \"biz\"\n", "")),
            "services[1].routes[0].escalation_policy: missing");
  EXPECT_EQ(error_of(replace("continue = true", "continue = \"yes\"")),
            "services[1].routes[0].continue: expected true or false");
  EXPECT_EQ(error_of(replace("continue = true", "stop = true")),
            "services[1].routes[0].stop: unknown key");
}

TEST(Resources, BadEscalationValueIsNamedWithItsPath) {
  auto text = shared_example() + routing_extension;
  auto replace = [&](std::string from, std::string to) {
    auto copy = text;
    auto pos = copy.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos)
      copy.replace(pos, from.size(), to);
    return copy;
  };

  // The condition of the first level.
  const std::string level = "escalation_policies[1].levels[0]";
  EXPECT_EQ(error_of(replace(R"(time_zone = "Europe/London" })",
                             R"(time_zone = "Mars/Olympus_Mons" })")),
            level + ".condition.time_zone: unknown time zone "
                    "\"Mars/Olympus_Mons\", expected an IANA name such as "
                    "Europe/London");
  EXPECT_EQ(error_of(replace(R"(, time_zone = "Europe/London")", "")),
            level + ".condition.time_zone: missing");
  EXPECT_EQ(error_of(replace(R"("fri"])", R"("fry"])")),
            level + ".condition.weekdays: unknown weekday \"fry\" (use sun, "
                    "mon, tue, wed, thu, fri, sat)");
  EXPECT_EQ(error_of(replace(R"(start = "08:30")", R"(start = "8:30")")),
            level + ".condition.start: expected a local time HH:MM, e.g. "
                    "\"08:30\"");
  EXPECT_EQ(error_of(replace(R"(end = "17:30")", R"(end = "24:00")")),
            level + ".condition.end: expected a local time HH:MM, e.g. "
                    "\"08:30\"");
  EXPECT_EQ(error_of(replace(R"(weekdays = ["mon", "tue", "wed", "thu", "fri"])",
                             "weekdays = []")),
            level + ".condition.weekdays: must list at least one weekday");
  EXPECT_EQ(error_of(replace("time_zone = \"Europe/London\" }",
                             "time_zone = \"Europe/London\", tz = \"UTC\" }")),
            level + ".condition.tz: unknown key");
  auto condition_line = text.substr(text.find("condition = {"));
  condition_line = condition_line.substr(0, condition_line.find('\n'));
  EXPECT_EQ(error_of(replace(condition_line, "condition = 5")),
            level + ".condition: expected a table");

  // Target modes and the policy's ack_timeout.
  EXPECT_EQ(error_of(replace(R"(mode = "round_robin")", R"(mode = "random")")),
            "escalation_policies[1].levels[1].targets[0].mode: must be all or "
            "round_robin");
  EXPECT_EQ(error_of(replace(R"({ user = "cleo", mode = "all" })",
                             R"({ user = "cleo", mode = "round_robin" })")),
            "escalation_policies[1].levels[1].targets[1].mode: round_robin "
            "applies to team targets only");
  EXPECT_EQ(error_of(replace(R"(ack_timeout = "30m")",
                             R"(ack_timeout = "half an hour")")),
            "escalation_policies[1].ack_timeout: invalid duration \"half an "
            "hour\" (expected a number with a unit: ms, s, m, h or d, e.g. "
            "\"5m\")");
  EXPECT_EQ(error_of(replace(R"(ack_timeout = "30m")",
                             R"(ack_timeout = "0s")")),
            "escalation_policies[1].ack_timeout: must be at least 1s");
}

TEST(Resources, BadHeartbeatValueIsNamedWithItsPath) {
  auto text = shared_example() + routing_extension;
  auto replace = [&](std::string from, std::string to) {
    auto copy = text;
    auto pos = copy.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos)
      copy.replace(pos, from.size(), to);
    return copy;
  };

  EXPECT_EQ(error_of(replace(R"(service = "api")", R"(service = "nope")")),
            "heartbeats[0].service: unknown service \"nope\"");
  EXPECT_EQ(error_of(replace(R"(service = "api")", "")),
            "heartbeats[0].service: missing");
  EXPECT_EQ(error_of(replace(R"(key = "hb-backup-0001")", R"(key = "short")")),
            "heartbeats[0].key: must be 8 to 64 characters long");
  EXPECT_EQ(error_of(replace(R"(key = "hb-backup-0001")",
                             R"(key = "hb backup 0001")")),
            "heartbeats[0].key: may only contain letters, digits, - and _");
  EXPECT_EQ(error_of(replace(R"(key = "hb-backup-0001")",
                             R"(key = "am-postgres-0001")")),
            "heartbeats[0].key: duplicate key (already used by a heartbeat or "
            "an integration)");
  EXPECT_EQ(error_of(replace(R"(interval = "1d")", "")),
            "heartbeats[0].interval: missing");
  EXPECT_EQ(error_of(replace(R"(interval = "1d")", R"(interval = "0s")")),
            "heartbeats[0].interval: must be at least 1s");
  EXPECT_EQ(error_of(replace(R"(grace = "15m")", R"(grace = 15)")),
            "heartbeats[0].grace: expected a string");
  EXPECT_EQ(error_of(replace(R"(grace = "15m")", R"(timeout = "15m")")),
            "heartbeats[0].timeout: unknown key");

  // A second heartbeat may reuse neither the id nor the key.
  EXPECT_EQ(error_of(text + "\n[[heartbeats]]\nid = \"nightly-backup\"\n"
                            "service = \"api\"\nkey = \"hb-backup-0002\"\n"
                            "interval = \"1h\"\n"),
            "heartbeats[1].id: duplicate id \"nightly-backup\"");
  EXPECT_EQ(error_of(text + "\n[[heartbeats]]\nid = \"hourly\"\n"
                            "service = \"api\"\nkey = \"hb-backup-0001\"\n"
                            "interval = \"1h\"\n"),
            "heartbeats[1].key: duplicate key (already used by a heartbeat or "
            "an integration)");
}

TEST(Resources, ApplyUpsertsById) {
  auto base = conf::parse_resources(shared_example());
  ASSERT_TRUE(base);
  auto first = conf::merge_resources({}, base->set);
  ASSERT_TRUE(first);
  auto update = conf::parse_resources(R"(
[[users]]
id = "ben"
name = "Ben O."
contact_methods = [{ id = "ben-sms", type = "sms", address = "+15005550007" }]
notification_rules = [{ contact_method = "ben-sms", delay = "0s" }]
)");
  ASSERT_TRUE(update) << describe(update.error());
  auto merged = conf::merge_resources(*first, update->set);
  ASSERT_TRUE(merged) << describe(merged.error());
  EXPECT_EQ(merged->users.size(), 3u);
  EXPECT_EQ(merged->find_user("ben")->name, "Ben O.");
  EXPECT_EQ(merged->find_user("ben")->notification_rules.size(), 1u);
}

} // namespace

namespace {

TEST(ObjectWithoutUser, DropsTeamMembersAndManagers) {
  auto changed = tropos::conf::object_without_user(
    "teams", "id = \"db\"\nmembers = [\"ava\", \"ben\"]\nmanagers = [\"ava\"]\n",
    "ava");
  ASSERT_TRUE(changed);
  ASSERT_TRUE(*changed);
  auto parsed = tropos::conf::parse_resources("[[teams]]\n" + **changed);
  ASSERT_TRUE(parsed) << tropos::describe(parsed.error());
  ASSERT_EQ(parsed->set.teams.size(), 1u);
  EXPECT_EQ(parsed->set.teams[0].members, std::vector<std::string>{"ben"});
  EXPECT_TRUE(parsed->set.teams[0].managers.empty());
}

TEST(ObjectWithoutUser, UnrelatedObjectIsUnchanged) {
  auto changed = tropos::conf::object_without_user(
    "teams", "id = \"db\"\nmembers = [\"ben\"]\n", "ava");
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
}

} // namespace
