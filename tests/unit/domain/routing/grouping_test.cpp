#include "domain/routing/grouping.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace tropos::routing;
using namespace std::chrono_literals;

instant at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    ADD_FAILURE() << "invalid instant in test: " << text;
    return {};
  }
  return *parsed;
}

service grouped_by(std::vector<std::string> names,
                   std::optional<std::chrono::milliseconds> window = {}) {
  service s;
  s.id = "api";
  s.escalation_policy = "high";
  s.group_by = std::move(names);
  s.group_window = window;
  return s;
}

const label_set disk_full{{"alertname", "DiskFull"},
                          {"cluster", "eu-1"},
                          {"instance", "db-01"}};

TEST(GroupKey, EmptyWithoutGroupBy) {
  EXPECT_EQ(group_key(grouped_by({}), disk_full), "");
}

TEST(GroupKey, ListsGroupByLabelsSortedByName) {
  auto key = group_key(grouped_by({"cluster", "alertname"}), disk_full);
  EXPECT_EQ(key, R"({"alertname"="DiskFull","cluster"="eu-1"})");
  EXPECT_EQ(group_key(grouped_by({"alertname", "cluster"}), disk_full), key);
}

TEST(GroupKey, IgnoresLabelsOutsideGroupBy) {
  auto other_instance = disk_full;
  other_instance["instance"] = "db-02";
  auto s = grouped_by({"alertname", "cluster"});
  EXPECT_EQ(group_key(s, other_instance), group_key(s, disk_full));
  auto other_cluster = disk_full;
  other_cluster["cluster"] = "us-1";
  EXPECT_NE(group_key(s, other_cluster), group_key(s, disk_full));
}

TEST(GroupKey, LeavesOutMissingAndEmptyLabels) {
  auto s = grouped_by({"alertname", "team"});
  auto empty_team = disk_full;
  empty_team["team"] = "";
  EXPECT_EQ(group_key(s, disk_full), R"({"alertname"="DiskFull"})");
  EXPECT_EQ(group_key(s, empty_team), R"({"alertname"="DiskFull"})");
  EXPECT_EQ(group_key(s, {}), "{}");
}

TEST(GroupKey, DotsGroupByEveryLabel) {
  auto s = grouped_by({"..."});
  EXPECT_EQ(group_key(s, disk_full),
            R"({"alertname"="DiskFull","cluster"="eu-1","instance"="db-01"})");
  auto other_instance = disk_full;
  other_instance["instance"] = "db-02";
  EXPECT_NE(group_key(s, other_instance), group_key(s, disk_full));
}

TEST(GroupKey, EscapingKeepsCraftedLabelsApart) {
  auto s = grouped_by({"..."});
  label_set two{{"a", "x"}, {"b", "y"}};
  label_set crafted{{"a", R"(x","b"="y)"}};
  EXPECT_EQ(group_key(s, two), R"({"a"="x","b"="y"})");
  EXPECT_EQ(group_key(s, crafted), R"({"a"="x\",\"b\"=\"y"})");
  EXPECT_NE(group_key(s, two), group_key(s, crafted));
}

TEST(GroupWindow, JoinsOnlyBeforeWindowEnds) {
  auto s = grouped_by({"alertname"}, 5min);
  std::string key = R"({"alertname"="DiskFull"})";
  auto opened = at("2025-01-01T10:00:00Z");
  EXPECT_TRUE(joins_group(s, key, opened, key, at("2025-01-01T10:00:00Z")));
  EXPECT_TRUE(joins_group(s, key, opened, key, at("2025-01-01T10:04:59.999Z")));
  EXPECT_FALSE(joins_group(s, key, opened, key, at("2025-01-01T10:05:00Z")));
  EXPECT_FALSE(joins_group(s, key, opened, key, at("2025-01-01T11:00:00Z")));
}

TEST(GroupWindow, NeedsEqualNonEmptyKeys) {
  auto s = grouped_by({"alertname"}, 5min);
  auto opened = at("2025-01-01T10:00:00Z");
  auto now = at("2025-01-01T10:01:00Z");
  EXPECT_FALSE(joins_group(s, R"({"alertname"="A"})", opened,
                           R"({"alertname"="B"})", now));
  EXPECT_FALSE(joins_group(s, "", opened, "", now));
}

TEST(GroupWindow, WithoutWindowJoinsWhileOpen) {
  auto s = grouped_by({"alertname"});
  std::string key = R"({"alertname"="DiskFull"})";
  EXPECT_TRUE(joins_group(s, key, at("2025-01-01T10:00:00Z"), key,
                          at("2025-01-08T10:00:00Z")));
}

TEST(AlertState, PartialResolveKeepsIncidentOpen) {
  std::vector<alert_state> alerts;
  EXPECT_FALSE(all_resolved(alerts));
  EXPECT_EQ(record_alert(alerts, "db-01", true, at("2025-01-01T10:00:00Z")),
            alert_change::added);
  EXPECT_EQ(record_alert(alerts, "db-02", true, at("2025-01-01T10:00:10Z")),
            alert_change::added);
  EXPECT_EQ(firing_count(alerts), 2u);

  EXPECT_EQ(record_alert(alerts, "db-01", false, at("2025-01-01T10:03:00Z")),
            alert_change::resolved);
  EXPECT_EQ(firing_count(alerts), 1u);
  EXPECT_FALSE(all_resolved(alerts));

  EXPECT_EQ(record_alert(alerts, "db-02", false, at("2025-01-01T10:04:00Z")),
            alert_change::resolved);
  EXPECT_EQ(firing_count(alerts), 0u);
  EXPECT_TRUE(all_resolved(alerts));
}

TEST(AlertState, RefiringReopensAlert) {
  std::vector<alert_state> alerts;
  record_alert(alerts, "db-01", true, at("2025-01-01T10:00:00Z"));
  record_alert(alerts, "db-01", false, at("2025-01-01T10:01:00Z"));
  EXPECT_EQ(record_alert(alerts, "db-01", true, at("2025-01-01T10:02:00Z")),
            alert_change::refired);
  EXPECT_FALSE(all_resolved(alerts));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].last_event, at("2025-01-01T10:02:00Z"));
}

TEST(AlertState, RepeatMovesOnlyLastEvent) {
  std::vector<alert_state> alerts;
  record_alert(alerts, "db-01", true, at("2025-01-01T10:00:00Z"));
  EXPECT_EQ(record_alert(alerts, "db-01", true, at("2025-01-01T10:01:00Z")),
            alert_change::unchanged);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].firing);
  EXPECT_EQ(alerts[0].last_event, at("2025-01-01T10:01:00Z"));
}

TEST(AlertState, OlderEventIsIgnored) {
  std::vector<alert_state> alerts;
  record_alert(alerts, "db-01", true, at("2025-01-01T10:00:00Z"));
  record_alert(alerts, "db-01", false, at("2025-01-01T10:05:00Z"));
  EXPECT_EQ(record_alert(alerts, "db-01", true, at("2025-01-01T10:04:00Z")),
            alert_change::stale);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_FALSE(alerts[0].firing);
  EXPECT_EQ(alerts[0].last_event, at("2025-01-01T10:05:00Z"));
  EXPECT_TRUE(all_resolved(alerts));
}

} // namespace
