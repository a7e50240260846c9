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
  EXPECT_EQ(error_of(replace("repeat = 1", "repat = 1")),
            "escalation_policies[0].repat: unknown key");
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
