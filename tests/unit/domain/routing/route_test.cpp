#include "domain/routing/route.hpp"

#include "domain/error.hpp"
#include "domain/ingest/grafana.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace tropos::routing;
using policies = std::vector<std::string>;

matcher parse(std::string_view text) {
  auto parsed = parse_matcher(text);
  if (!parsed) {
    ADD_FAILURE() << text << ": " << describe(parsed.error());
    return {};
  }
  return *parsed;
}

route_rule rule(std::vector<std::string_view> matchers, std::string policy,
                bool continue_matching = false) {
  route_rule result;
  for (auto text : matchers)
    result.matchers.push_back(parse(text));
  result.escalation_policy = std::move(policy);
  result.continue_matching = continue_matching;
  return result;
}

service severity_routed_service() {
  service s;
  s.id = "api";
  s.escalation_policy = "high";
  s.routes = {rule({R"(severity="warning")"}, "low")};
  return s;
}

// The two Grafana legacy webhook bodies of one rule: alerting, then ok.
constexpr std::string_view alerting_body = R"({"title":"[Alerting] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"alerting","message":"p99 above 2s","evalMatches":[{"value":2.7,"metric":"p99","tags":{"service":"api"}}],"orgId":1,"dashboardId":3,"panelId":2,"tags":{"severity":"warning"}})";
constexpr std::string_view ok_body = R"({"title":"[OK] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"ok","message":"","evalMatches":[],"orgId":1,"dashboardId":3,"panelId":2,"tags":{}})";

TEST(Route, WarningToLowOthersToHigh) {
  auto s = severity_routed_service();
  EXPECT_EQ(route(s, {{"severity", "warning"}}), policies{"low"});
  EXPECT_EQ(route(s, {{"severity", "critical"}}), policies{"high"});
  EXPECT_EQ(route(s, {{"severity", "Warning"}}), policies{"high"});
  EXPECT_EQ(route(s, {}), policies{"high"});
}

TEST(Route, GrafanaRecoveryRoutesElsewhereButSharesDedupKey) {
  // The "ok" body carries no tags, so routing it alone would pick "high".
  // The recovery must therefore find its incident by dedup key, never by
  // routing; routing decides the policy of a new incident only.
  auto s = severity_routed_service();
  auto alerting = ingest::parse_grafana(alerting_body);
  auto ok = ingest::parse_grafana(ok_body);
  ASSERT_TRUE(alerting) << describe(alerting.error());
  ASSERT_TRUE(ok) << describe(ok.error());
  ASSERT_EQ(alerting->size(), 1u);
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ(route(s, alerting->front().labels), policies{"low"});
  EXPECT_EQ(route(s, ok->front().labels), policies{"high"});
  EXPECT_EQ(ok->front().act, ingest::action::resolve);
  EXPECT_EQ(ok->front().dedup_key, alerting->front().dedup_key);
}

TEST(Route, FirstMatchingRuleWins) {
  service s;
  s.escalation_policy = "default";
  s.routes = {rule({R"(team="db")"}, "db"), rule({R"(env="prod")"}, "prod")};
  EXPECT_EQ(route(s, {{"team", "db"}, {"env", "prod"}}), policies{"db"});
  EXPECT_EQ(route(s, {{"team", "web"}, {"env", "prod"}}), policies{"prod"});
  EXPECT_EQ(route(s, {{"team", "web"}}), policies{"default"});
}

TEST(Route, ContinueAddsLaterMatchesUntilAStop) {
  service s;
  s.escalation_policy = "default";
  s.routes = {rule({R"(env="prod")"}, "audit", true),
              rule({R"(team="db")"}, "db"),
              rule({R"(env="prod")"}, "prod")};
  EXPECT_EQ(route(s, {{"env", "prod"}, {"team", "db"}}),
            (policies{"audit", "db"}));
  EXPECT_EQ(route(s, {{"env", "prod"}}), (policies{"audit", "prod"}));
  EXPECT_EQ(route(s, {{"team", "db"}}), policies{"db"});
}

TEST(Route, ContinueRuleAloneReplacesDefault) {
  service s;
  s.escalation_policy = "default";
  s.routes = {rule({R"(env="prod")"}, "audit", true)};
  EXPECT_EQ(route(s, {{"env", "prod"}}), policies{"audit"});
  EXPECT_EQ(route(s, {{"env", "test"}}), policies{"default"});
}

TEST(Route, RepeatedPolicyIsListedOnce) {
  service s;
  s.escalation_policy = "default";
  s.routes = {rule({R"(env="prod")"}, "ops", true),
              rule({R"(team=~"db|web")"}, "ops", true),
              rule({R"(team="db")"}, "db")};
  EXPECT_EQ(route(s, {{"env", "prod"}, {"team", "db"}}),
            (policies{"ops", "db"}));
}

TEST(Route, RuleWithoutMatchersMatchesEveryAlert) {
  service s;
  s.escalation_policy = "default";
  s.routes = {rule({}, "catch-all")};
  EXPECT_EQ(route(s, {}), policies{"catch-all"});
  EXPECT_EQ(route(s, {{"team", "db"}}), policies{"catch-all"});
}

TEST(Route, NoRulesGivesDefault) {
  service s;
  s.escalation_policy = "default";
  EXPECT_EQ(route(s, {{"team", "db"}}), policies{"default"});
}

} // namespace
