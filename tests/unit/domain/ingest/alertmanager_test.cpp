#include "domain/ingest/alertmanager.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace std::chrono_literals;
using tropos::ec;
using tropos::ingest::action;
using tropos::ingest::label_set_fingerprint;
using tropos::ingest::parse_alertmanager;

date::sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return date::sys_days{date::year{y} / m / d} + std::chrono::hours{hh}
         + std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

/// Replaces the first occurrence of `from` in `text`. Fails the test when
/// it is absent, so a fixture edit cannot silently do nothing.
std::string replace_once(std::string text, const std::string& from,
                         const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture lacks: " << from;
  if (pos != std::string::npos)
    text.replace(pos, from.size(), to);
  return text;
}

/// Expects a parse failure with exactly this code and detail.
template <class Result>
void expect_error(const Result& result, ec code, const std::string& detail) {
  ASSERT_FALSE(static_cast<bool>(result)) << "expected error: " << detail;
  EXPECT_EQ(tropos::code_of(result.error()), code);
  EXPECT_EQ(tropos::detail_of(result.error()), detail);
}

// A resolved notification for an alert never seen firing.
const std::string resolved_body
  = R"json({"version":"4","groupKey":"{}:{alertname=\"WebEndpointDown\"}","truncatedAlerts":0,"status":"resolved","receiver":"oncall","groupLabels":{"alertname":"WebEndpointDown"},"commonLabels":{"alertname":"WebEndpointDown","instance":"web-1.example.test:443","severity":"critical"},"commonAnnotations":{"summary":"web-1 endpoint down"},"externalURL":"http://am.example.test:9093","alerts":[{"status":"resolved","labels":{"alertname":"WebEndpointDown","instance":"web-1.example.test:443","severity":"critical"},"annotations":{"summary":"web-1 endpoint down"},"startsAt":"2025-04-10T10:00:00Z","endsAt":"2025-04-10T10:04:30Z","generatorURL":"http://prom.example.test:9090/graph","fingerprint":"5fe91a8c0a1b2c3d"}]})json";

// The delayed "firing" for the same alert.
std::string firing_body() {
  auto body = replace_once(resolved_body, R"("status":"resolved")",
                           R"("status":"firing")");
  body = replace_once(body, R"("status":"resolved")", R"("status":"firing")");
  return replace_once(body, R"("endsAt":"2025-04-10T10:04:30Z")",
                      R"("endsAt":"0001-01-01T00:00:00Z")");
}

// Labels and annotations with quotes, newlines, backslashes, U+200B and a
// non-ASCII label name.
const std::string escaped_values_body
  = R"json({"version":"4","groupKey":"{}:{alertname=\"Disk \\\"root\\\" full\"}","truncatedAlerts":0,"status":"firing","receiver":"oncall","groupLabels":{"alertname":"Disk \"root\" full"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am.example.test:9093","alerts":[{"status":"firing","labels":{"alertname":"Disk \"root\" full","instance":"db-01:9100","team":"søk-og-ånd","path":"C:\\data\\logs","emoji🙂":"yes"},"annotations":{"summary":"Disk \"root\" on db-01 is 97% full","description":"Line one\nLine two\twith tab, backslash \\ and <b>markup</b> & ampersand\nZero-width\u200bspace end","runbook":""},"startsAt":"2025-04-10T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"d4d4d4d4d4d4d4d4"},{"status":"firing","labels":{"alertname":"Disk \"root\" full","instance":"db-02:9100"},"annotations":{},"startsAt":"2025-04-10T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"e5e5e5e5e5e5e5e5"}]})json";

// One firing alert, as a webhook transport test sends it.
const std::string probe_body
  = R"json({"version":"4","groupKey":"{}:{alertname=\"Probe\"}","truncatedAlerts":0,"status":"firing","receiver":"oncall","groupLabels":{"alertname":"Probe"},"commonLabels":{"alertname":"Probe"},"commonAnnotations":{"summary":"probe failed"},"externalURL":"http://am.example.test:9093","alerts":[{"status":"firing","labels":{"alertname":"Probe","instance":"edge-1"},"annotations":{"summary":"probe failed"},"startsAt":"2025-04-10T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"0f1e2d3c4b5a6978"}]})json";

TEST(Alertmanager, ResolvedWithoutFiringParses) {
  auto events = parse_alertmanager(resolved_body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 1u);
  const auto& event = events->front();
  EXPECT_EQ(event.act, action::resolve);
  EXPECT_EQ(event.dedup_key, "5fe91a8c0a1b2c3d");
  EXPECT_FALSE(event.dedup_key_generated);
  EXPECT_EQ(event.summary, "web-1 endpoint down");
  EXPECT_EQ(event.starts_at, utc(2025, 4, 10, 10, 0, 0));
  EXPECT_EQ(event.ends_at, utc(2025, 4, 10, 10, 4, 30));
  EXPECT_EQ(event.source, "web-1.example.test:443");
  EXPECT_EQ(event.severity, "critical");
  EXPECT_EQ(event.generator_url, "http://prom.example.test:9090/graph");
  EXPECT_EQ(event.group_key, R"({}:{alertname="WebEndpointDown"})");
  EXPECT_EQ(event.labels.size(), 3u);
  EXPECT_EQ(event.labels.at("alertname"), "WebEndpointDown");
}

TEST(Alertmanager, DelayedFiringHasZeroEndUnset) {
  auto events = parse_alertmanager(firing_body());
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 1u);
  const auto& event = events->front();
  EXPECT_EQ(event.act, action::trigger);
  EXPECT_EQ(event.dedup_key, "5fe91a8c0a1b2c3d");
  EXPECT_EQ(event.starts_at, utc(2025, 4, 10, 10, 0, 0));
  EXPECT_FALSE(event.ends_at.has_value());
}

TEST(Alertmanager, RefireCarriesLaterStart) {
  auto body = replace_once(firing_body(), R"("startsAt":"2025-04-10T10:00:00Z")",
                           R"("startsAt":"2025-04-10T10:15:00Z")");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().act, action::trigger);
  EXPECT_EQ(events->front().starts_at, utc(2025, 4, 10, 10, 15, 0));
  EXPECT_FALSE(events->front().ends_at.has_value());
}

TEST(Alertmanager, DecodedValuesAreByteExact) {
  auto events = parse_alertmanager(escaped_values_body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 2u);
  const auto& first = (*events)[0];
  EXPECT_EQ(first.summary, "Disk \"root\" on db-01 is 97% full");
  EXPECT_EQ(first.labels.at("path"), "C:\\data\\logs");
  EXPECT_EQ(first.labels.at("alertname"), "Disk \"root\" full");
  EXPECT_EQ(first.labels.at("team"), "s\xC3\xB8k-og-\xC3\xA5nd");
  ASSERT_EQ(first.labels.count("emoji\xF0\x9F\x99\x82"), 1u);
  EXPECT_EQ(first.labels.at("emoji\xF0\x9F\x99\x82"), "yes");
  EXPECT_EQ(first.details,
            "Line one\nLine two\twith tab, backslash \\ and <b>markup</b> & "
            "ampersand\nZero-width\xE2\x80\x8Bspace end");
  EXPECT_EQ(first.annotations.at("runbook"), "");
  EXPECT_EQ(first.dedup_key, "d4d4d4d4d4d4d4d4");
  EXPECT_EQ(first.group_key, R"({}:{alertname="Disk \"root\" full"})");
  EXPECT_EQ(first.generator_url, "");
  EXPECT_FALSE(first.ends_at.has_value());
}

TEST(Alertmanager, SummaryFallsBackToAlertnameAndInstance) {
  auto events = parse_alertmanager(escaped_values_body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 2u);
  const auto& second = (*events)[1];
  EXPECT_EQ(second.summary, "Disk \"root\" full on db-02:9100");
  EXPECT_EQ(second.details, "");
  EXPECT_TRUE(second.annotations.empty());
  EXPECT_EQ(second.dedup_key, "e5e5e5e5e5e5e5e5");
}

TEST(Alertmanager, SummaryWithoutInstanceIsAlertname) {
  auto body = replace_once(probe_body, R"("annotations":{"summary":"probe failed"},"startsAt")",
                           R"("annotations":{},"startsAt")");
  body = replace_once(body, R"(,"instance":"edge-1")", "");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().summary, "Probe");
  EXPECT_EQ(events->front().source, "");
}

TEST(Alertmanager, SummaryWithoutAnyNameUsesKey) {
  auto events = parse_alertmanager(
    R"({"alerts":[{"status":"firing","labels":{"job":"x"},"fingerprint":"ab12"}]})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().summary, "Alert ab12");
}

TEST(Alertmanager, TrailingNewlineAccepted) {
  auto events = parse_alertmanager(probe_body + "\n");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().dedup_key, "0f1e2d3c4b5a6978");
  EXPECT_EQ(events->front().summary, "probe failed");
}

TEST(Alertmanager, UnknownFieldsTolerated) {
  auto body = replace_once(probe_body, R"("receiver":"oncall")",
                           R"("receiver":"oncall","notification_reason":"new",)"
                           R"("routeLabels":{"a":"b"},"future":[1,{"x":null}])");
  body = replace_once(body, R"("fingerprint":)", R"("extra":{"n":1},"fingerprint":)");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().dedup_key, "0f1e2d3c4b5a6978");
}

TEST(Alertmanager, MissingVersionAccepted) {
  auto events = parse_alertmanager(replace_once(probe_body, R"("version":"4",)", ""));
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->size(), 1u);
}

TEST(Alertmanager, NanosecondTimesAndOffsetsParse) {
  auto body = replace_once(probe_body, R"("startsAt":"2025-04-10T08:00:00Z")",
                           R"("startsAt":"2025-04-10T10:00:00.123456789+02:00")");
  body = replace_once(body, R"("endsAt":"0001-01-01T00:00:00Z")",
                      R"("endsAt":"2025-04-10T08:30:00.5Z")");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().starts_at, utc(2025, 4, 10, 8, 0, 0));
  EXPECT_EQ(events->front().ends_at, utc(2025, 4, 10, 8, 30, 0));
}

TEST(Alertmanager, MissingFingerprintHashesLabels) {
  auto body = replace_once(escaped_values_body, R"(,"fingerprint":"e5e5e5e5e5e5e5e5")", "");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  const auto& second = (*events)[1];
  // Alertmanager 0.25 gave this label set fingerprint d26320115c15a052.
  EXPECT_EQ(second.dedup_key, "d26320115c15a052");
  EXPECT_TRUE(second.dedup_key_generated);
  EXPECT_FALSE((*events)[0].dedup_key_generated);
}

TEST(Alertmanager, EmptyFingerprintHashesLabels) {
  auto body = replace_once(probe_body, R"("fingerprint":"0f1e2d3c4b5a6978")",
                           R"("fingerprint":"")");
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_EQ(events->front().dedup_key,
            label_set_fingerprint({{"alertname", "Probe"}, {"instance", "edge-1"}}));
  EXPECT_TRUE(events->front().dedup_key_generated);
}

TEST(Alertmanager, FingerprintMatchesAlertmanager) {
  // Expected values were read back from Alertmanager 0.25 (Debian 12)
  // after posting these label sets to its /api/v2/alerts.
  EXPECT_EQ(label_set_fingerprint({{"alertname", "Disk \"root\" full"},
                                   {"instance", "db-02:9100"}}),
            "d26320115c15a052");
  EXPECT_EQ(label_set_fingerprint({{"alertname", "Probe"},
                                   {"instance", "edge-1"},
                                   {"path", "C:\\data\\logs"},
                                   {"team", "s\xC3\xB8k-og-\xC3\xA5nd"}}),
            "45fbd0a7caad87df");
  EXPECT_EQ(label_set_fingerprint({{"a", "b"}}), "d2b371819297f98a");
  // The empty set hashes to the FNV-1a 64-bit offset basis.
  EXPECT_EQ(label_set_fingerprint({}), "cbf29ce484222325");
}

TEST(Alertmanager, EmptyAlertListGivesNoEvents) {
  auto events = parse_alertmanager(R"({"version":"4","alerts":[]})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_TRUE(events->empty());
}

TEST(Alertmanager, NullMapsCountAsEmpty) {
  auto events = parse_alertmanager(
    R"({"alerts":[{"status":"firing","labels":{"alertname":"X"},"annotations":null,"endsAt":null,"fingerprint":"01"}]})");
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
  EXPECT_TRUE(events->front().annotations.empty());
  EXPECT_FALSE(events->front().ends_at.has_value());
}

TEST(Alertmanager, TruncatedJsonIsParseError) {
  auto events = parse_alertmanager(R"({"version":"4","status":"fir)");
  expect_error(events, ec::parse_error, "body: invalid JSON at byte 29");
}

TEST(Alertmanager, MalformedBodiesAreParseErrors) {
  for (std::string body : {"", "   ", "{", "{}}", "{\"alerts\":[]} x",
                           "{\"alerts\":[],}",
                           "{\"a\":\"\xC3\"}", "{'alerts':[]}"}) {
    auto events = parse_alertmanager(body);
    ASSERT_FALSE(static_cast<bool>(events)) << "input: " << body;
    EXPECT_EQ(tropos::code_of(events.error()), ec::parse_error)
      << "input: " << body;
  }
}

TEST(Alertmanager, DeepNestingRejected) {
  std::string body = R"({"alerts":[],"x":)" + std::string(100, '[')
                     + std::string(100, ']') + "}";
  expect_error(parse_alertmanager(body), ec::parse_error,
               "body: JSON nested deeper than 64 levels");
}

TEST(Alertmanager, BracketsInStringsDoNotCountAsNesting) {
  std::string body = R"({"alerts":[],"x":")" + std::string(100, '[') + R"(\"{"})";
  auto events = parse_alertmanager(body);
  ASSERT_TRUE(static_cast<bool>(events)) << tropos::describe(events.error());
}

TEST(Alertmanager, FieldErrorsNamePath) {
  struct error_case {
    std::string body;
    ec code;
    std::string detail;
  };
  const error_case cases[] = {
    {"[]", ec::invalid_argument, "body: must be a JSON object, not an array"},
    {"\"text\"", ec::invalid_argument, "body: must be a JSON object, not a string"},
    {R"({"version":"4"})", ec::invalid_argument, "alerts: missing"},
    {R"({"alerts":null})", ec::invalid_argument, "alerts: missing"},
    {R"({"alerts":{}})", ec::invalid_argument, "alerts: must be an array"},
    {R"({"version":4,"alerts":[]})", ec::invalid_argument,
     "version: must be a string, not a number"},
    {R"({"version":"5","alerts":[]})", ec::invalid_argument,
     "version: unsupported value, expected \"4\""},
    {R"({"groupKey":7,"alerts":[]})", ec::invalid_argument,
     "groupKey: must be a string, not a number"},
    {R"({"alerts":["firing"]})", ec::invalid_argument,
     "alerts[0]: must be an object"},
    {R"({"alerts":[{"status":"firing"},{}]})", ec::invalid_argument,
     "alerts[1].status: missing"},
    {R"({"alerts":[{"status":"firing"},{"status":"pending"}]})",
     ec::invalid_argument, "alerts[1].status: must be firing or resolved"},
    {R"({"alerts":[{"status":"FIRING"}]})", ec::invalid_argument,
     "alerts[0].status: must be firing or resolved"},
    {R"({"alerts":[{"status":true}]})", ec::invalid_argument,
     "alerts[0].status: must be a string, not a boolean"},
    {R"({"alerts":[{"status":"firing","labels":[]}]})", ec::invalid_argument,
     "alerts[0].labels: must be an object, not an array"},
    {R"({"alerts":[{"status":"firing","labels":{"team":1}}]})",
     ec::invalid_argument, "alerts[0].labels.team: must be a string, not a number"},
    {R"({"alerts":[{"status":"firing","annotations":{"summary":{}}}]})",
     ec::invalid_argument,
     "alerts[0].annotations.summary: must be a string, not an object"},
    {R"({"alerts":[{"status":"firing","startsAt":"2025-04-10 10:00:00"}]})",
     ec::invalid_argument, "alerts[0].startsAt: invalid RFC 3339 timestamp"},
    {R"({"alerts":[{"status":"firing","endsAt":"2025-04-31T00:00:00Z"}]})",
     ec::invalid_argument, "alerts[0].endsAt: invalid RFC 3339 timestamp"},
    {R"({"alerts":[{"status":"firing","startsAt":1744279200}]})",
     ec::invalid_argument, "alerts[0].startsAt: must be a string, not a number"},
    {R"({"alerts":[{"status":"firing","generatorURL":false}]})",
     ec::invalid_argument, "alerts[0].generatorURL: must be a string, not a boolean"},
    {R"({"alerts":[{"status":"firing","fingerprint":12}]})",
     ec::invalid_argument, "alerts[0].fingerprint: must be a string, not a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    expect_error(parse_alertmanager(c.body), c.code, c.detail);
  }
}

TEST(Alertmanager, AlertLimitEnforced) {
  auto body_with = [](std::size_t count) {
    std::string body = R"({"version":"4","alerts":[)";
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0)
        body += ',';
      body += R"({"status":"firing","labels":{"n":")" + std::to_string(i)
              + R"("}})";
    }
    return body + "]}";
  };
  auto at_limit = parse_alertmanager(body_with(1000));
  ASSERT_TRUE(static_cast<bool>(at_limit)) << tropos::describe(at_limit.error());
  EXPECT_EQ(at_limit->size(), 1000u);
  EXPECT_EQ((*at_limit)[999].labels.at("n"), "999");
  expect_error(parse_alertmanager(body_with(1001)), ec::too_large,
               "alerts: more than 1000 alerts in one request");
}

} // namespace

namespace {

TEST(AlertEvent, ClampSummaryKeepsWholeCharacters) {
  tropos::ingest::alert_event event;
  event.summary = std::string(1020, 'x') + "€€€";
  tropos::ingest::clamp_summary(event);
  EXPECT_EQ(event.summary, std::string(1020, 'x') + "...");
  event.summary = "short";
  tropos::ingest::clamp_summary(event);
  EXPECT_EQ(event.summary, "short");
}

} // namespace
