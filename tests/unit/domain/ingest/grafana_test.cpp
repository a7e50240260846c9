#include "domain/ingest/grafana.hpp"
#include "domain/ingest/alertmanager.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using tropos::ec;
using tropos::ingest::action;
using tropos::ingest::parse_grafana;

date::sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return date::sys_days{date::year{y} / m / d} + std::chrono::hours{hh}
         + std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

template <class Result>
void expect_error(const Result& result, ec code, const std::string& detail) {
  ASSERT_FALSE(static_cast<bool>(result)) << "expected error: " << detail;
  EXPECT_EQ(tropos::code_of(result.error()), code);
  EXPECT_EQ(tropos::detail_of(result.error()), detail);
}

// Legacy dashboard alert, firing.
const std::string legacy_alerting
  = R"json({"title":"[Alerting] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"alerting","message":"p99 above 2s","evalMatches":[{"value":2.7,"metric":"p99","tags":{"service":"api"}}],"orgId":1,"dashboardId":3,"panelId":2,"tags":{"severity":"warning"}})json";

// The same rule recovering: another title, no message, no tags.
const std::string legacy_ok
  = R"json({"title":"[OK] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"ok","message":"","evalMatches":[],"orgId":1,"dashboardId":3,"panelId":2,"tags":{}})json";

// Unified alerting, one firing and one resolved alert, with Grafana's
// internal __x__ labels and annotations.
const std::string unified_body
  = R"json({"receiver":"oncall","status":"firing","orgId":1,"alerts":[{"status":"firing","labels":{"alertname":"HighCPU","grafana_folder":"infra","instance":"node-3","__alert_rule_uid__":"abc"},"annotations":{"summary":"CPU above 90%","description":"node-3 is busy","__dashboardUid__":"d1","__panelId__":"4"},"startsAt":"2025-04-10T09:00:00.5+01:00","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://grafana.example.test/alerting/grafana/abc/view","fingerprint":"a1b2c3d4e5f60718","silenceURL":"http://grafana.example.test/alerting/silence/new","dashboardURL":"","panelURL":"","values":{"A":93.5},"valueString":"[ var='A' value=93.5 ]"},{"status":"resolved","labels":{"alertname":"DiskLow"},"annotations":{},"startsAt":"2025-04-10T07:00:00Z","endsAt":"2025-04-10T08:00:00Z","generatorURL":"","fingerprint":"0000000000000001","values":null}],"groupLabels":{"alertname":"HighCPU"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://grafana.example.test/","version":"1","groupKey":"{}/{}:{alertname=\"HighCPU\"}","truncatedAlerts":0,"title":"[FIRING:1] HighCPU","state":"alerting","message":"text"})json";

TEST(Grafana, LegacyAlertingTriggers) {
  auto events = parse_grafana(legacy_alerting);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 1u);
  const auto& event = events->front();
  EXPECT_EQ(event.act, action::trigger);
  EXPECT_EQ(event.dedup_key, "grafana-rule:7");
  EXPECT_FALSE(event.dedup_key_generated);
  EXPECT_EQ(event.summary, "API latency high");
  EXPECT_EQ(event.details, "p99 above 2s");
  EXPECT_EQ(event.severity, "warning");
  ASSERT_EQ(event.labels.size(), 1u);
  EXPECT_EQ(event.labels.at("severity"), "warning");
  EXPECT_EQ(event.generator_url,
            "http://grafana.example.test/d/abc/api?panelId=2&orgId=1");
}

TEST(Grafana, LegacyOkResolvesSameKey) {
  auto firing = parse_grafana(legacy_alerting);
  auto recovered = parse_grafana(legacy_ok);
  ASSERT_TRUE(static_cast<bool>(firing)) << tropos::describe(firing.error());
  ASSERT_TRUE(static_cast<bool>(recovered)) << tropos::describe(recovered.error());
  ASSERT_EQ(recovered->size(), 1u);
  const auto& event = recovered->front();
  EXPECT_EQ(event.act, action::resolve);
  EXPECT_EQ(event.dedup_key, firing->front().dedup_key);
  EXPECT_EQ(event.summary, firing->front().summary);
  EXPECT_TRUE(event.labels.empty());
  EXPECT_EQ(event.severity, "");
}

TEST(Grafana, LegacyRepeatAfterOkTriggersAgain) {
  auto again = parse_grafana(legacy_alerting);
  ASSERT_TRUE(static_cast<bool>(again)) << tropos::describe(again.error());
  EXPECT_EQ(again->front().act, action::trigger);
  EXPECT_EQ(again->front().dedup_key, "grafana-rule:7");
}

TEST(Grafana, LegacyQuietStatesGiveNoEvent) {
  for (std::string state : {"no_data", "paused", "pending"}) {
    auto body = legacy_alerting;
    body.replace(body.find("\"alerting\""), 10, "\"" + state + "\"");
    auto events = parse_grafana(body);
    ASSERT_TRUE(static_cast<bool>(events)) << state;
    EXPECT_TRUE(events->empty()) << state;
  }
}

TEST(Grafana, LegacyKeyFallsBackToRuleName) {
  auto events = parse_grafana(
    R"({"ruleName":"Queue depth","state":"alerting","title":"[Alerting] Queue depth"})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().dedup_key, "grafana-rule:Queue depth");
  EXPECT_EQ(events->front().summary, "Queue depth");
}

TEST(Grafana, LegacyStringRuleIdAccepted) {
  auto events = parse_grafana(R"({"ruleId":"42","ruleName":"X","state":"ok"})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().dedup_key, "grafana-rule:42");
  EXPECT_EQ(events->front().act, action::resolve);
}

TEST(Grafana, LegacySummaryFromTitleWithoutPrefix) {
  auto events = parse_grafana(
    R"({"ruleId":9,"state":"alerting","title":"[Alerting] Error rate"})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().summary, "Error rate");
}

TEST(Grafana, LegacySummaryNeverEmpty) {
  auto events = parse_grafana(R"({"ruleId":9,"state":"alerting"})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().summary, "Grafana alert grafana-rule:9");
}

TEST(Grafana, UnifiedAlertsParse) {
  auto events = parse_grafana(unified_body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 2u);
  const auto& first = (*events)[0];
  EXPECT_EQ(first.act, action::trigger);
  EXPECT_EQ(first.dedup_key, "a1b2c3d4e5f60718");
  EXPECT_EQ(first.summary, "CPU above 90%");
  EXPECT_EQ(first.details, "node-3 is busy");
  EXPECT_EQ(first.source, "node-3");
  EXPECT_EQ(first.starts_at, utc(2025, 4, 10, 8, 0, 0));
  EXPECT_FALSE(first.ends_at.has_value());
  EXPECT_EQ(first.group_key, R"({}/{}:{alertname="HighCPU"})");
  EXPECT_EQ(first.generator_url,
            "http://grafana.example.test/alerting/grafana/abc/view");

  const auto& second = (*events)[1];
  EXPECT_EQ(second.act, action::resolve);
  EXPECT_EQ(second.dedup_key, "0000000000000001");
  EXPECT_EQ(second.summary, "DiskLow");
  EXPECT_EQ(second.ends_at, utc(2025, 4, 10, 8, 0, 0));
}

TEST(Grafana, UnifiedStripsReservedNames) {
  auto events = parse_grafana(unified_body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  const auto& first = events->front();
  EXPECT_EQ(first.labels.size(), 3u);
  EXPECT_EQ(first.labels.count("__alert_rule_uid__"), 0u);
  EXPECT_EQ(first.labels.at("grafana_folder"), "infra");
  EXPECT_EQ(first.annotations.size(), 2u);
  EXPECT_EQ(first.annotations.count("__dashboardUid__"), 0u);
  EXPECT_EQ(first.annotations.count("__panelId__"), 0u);
}

TEST(Grafana, UnifiedKeepsSingleUnderscoreNames) {
  auto events = parse_grafana(
    R"({"alerts":[{"status":"firing","labels":{"__name":"a","name__":"b","__":"c","__x__":"d"},"fingerprint":"f"}]})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  const auto& labels = events->front().labels;
  EXPECT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels.at("__name"), "a");
  EXPECT_EQ(labels.at("name__"), "b");
}

TEST(Grafana, UnifiedErrorsNamePath) {
  expect_error(parse_grafana(R"({"version":"4","alerts":[]})"),
               ec::invalid_argument, "version: unsupported value, expected \"1\"");
  expect_error(parse_grafana(R"({"version":"1","alerts":[{"status":"alerting"}]})"),
               ec::invalid_argument, "alerts[0].status: must be firing or resolved");
  expect_error(parse_grafana(R"({"alerts":"none"})"), ec::invalid_argument,
               "alerts: must be an array");
}

TEST(Grafana, LegacyErrorsNameField) {
  struct error_case {
    std::string body;
    std::string detail;
  };
  const error_case cases[] = {
    {R"({"ruleId":7,"ruleName":"X"})", "state: missing"},
    {R"({"ruleId":7,"state":"firing"})",
     "state: must be one of alerting, ok, no_data, paused, pending"},
    {R"({"ruleId":7,"state":1})", "state: must be a string, not a number"},
    {R"({"state":"alerting","title":"[Alerting] X"})",
     "ruleId: missing, and ruleName is missing too"},
    {R"({"ruleId":[7],"state":"alerting"})",
     "ruleId: must be an integer or a string"},
    {R"({"ruleId":7.5,"state":"alerting"})",
     "ruleId: must be an integer or a string"},
    {R"({"ruleId":7,"ruleName":3,"state":"alerting"})",
     "ruleName: must be a string, not a number"},
    {R"({"ruleId":7,"state":"alerting","tags":{"severity":2}})",
     "tags.severity: must be a string, not a number"},
    {R"({"ruleId":7,"state":"alerting","tags":["a"]})",
     "tags: must be an object, not an array"},
    {R"({"ruleId":7,"state":"alerting","message":{}})",
     "message: must be a string, not an object"},
    {R"({"ruleId":7,"state":"alerting","ruleUrl":1})",
     "ruleUrl: must be a string, not a number"},
    {R"({"ruleId":null,"ruleName":null,"state":"alerting"})",
     "ruleId: missing, and ruleName is missing too"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    expect_error(parse_grafana(c.body), ec::invalid_argument, c.detail);
  }
}

TEST(Grafana, TruncatedJsonIsParseError) {
  auto events = parse_grafana(R"({"ruleId":7,"state":"aler)");
  ASSERT_FALSE(static_cast<bool>(events));
  EXPECT_EQ(tropos::code_of(events.error()), ec::parse_error);
}

} // namespace

namespace {

// A number that overflows a double makes nlohmann::json throw out_of_range
// rather than parse_error; it must come back as a parse error, not a crash.
TEST(Grafana, HugeExponentIsParseError) {
  auto parsed = tropos::ingest::parse_grafana(
    R"({"state":"alerting","ruleId":11111e11111111111111111111111111111111})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(tropos::code_of(parsed.error()), tropos::ec::parse_error);
}

TEST(Alertmanager, HugeExponentIsParseError) {
  auto parsed = tropos::ingest::parse_alertmanager(
    R"({"version":"4","truncatedAlerts":1e999999999999,"alerts":[]})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(tropos::code_of(parsed.error()), tropos::ec::parse_error);
}

} // namespace
