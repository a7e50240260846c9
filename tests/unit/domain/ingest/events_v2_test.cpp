#include "domain/ingest/events_v2.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using tropos::ec;
using tropos::ingest::action;
using tropos::ingest::events_v2_accepted_body;
using tropos::ingest::events_v2_invalid_body;
using tropos::ingest::parse_events_v2;

const std::string routing_key_a = "R0UTINGKEYA00000000000000000000A";
const std::string routing_key_b = "R0UTINGKEYB00000000000000000000B";

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

/// Builds a trigger body around a payload object given as JSON text.
std::string trigger_with_payload(const std::string& payload) {
  return R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"trigger","dedup_key":"k","payload":)"
         + payload + "}";
}

TEST(EventsV2, TriggerWithKeyParses) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"trigger","dedup_key":"disk-full","payload":{"summary":"Disk full on db-1","source":"db-1","severity":"critical"}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->routing_key, routing_key_a);
  const auto& event = request->event;
  EXPECT_EQ(event.act, action::trigger);
  EXPECT_EQ(event.dedup_key, "disk-full");
  EXPECT_FALSE(event.dedup_key_generated);
  EXPECT_EQ(event.summary, "Disk full on db-1");
  EXPECT_EQ(event.source, "db-1");
  EXPECT_EQ(event.severity, "critical");
  EXPECT_EQ(event.details, "");
  EXPECT_TRUE(event.labels.empty());
  EXPECT_FALSE(event.starts_at.has_value());
}

TEST(EventsV2, OtherRoutingKeyParses) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYB00000000000000000000B","event_action":"trigger","dedup_key":"disk-full","payload":{"summary":"Disk full on db-9","source":"db-1","severity":"critical"}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->routing_key, routing_key_b);
  EXPECT_EQ(request->event.dedup_key, "disk-full");
  EXPECT_EQ(request->event.summary, "Disk full on db-9");
}

TEST(EventsV2, RepeatedTriggerKeepsKey) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"trigger","dedup_key":"disk-full","payload":{"summary":"Disk still full on db-1","source":"db-1","severity":"critical"}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.dedup_key, "disk-full");
  EXPECT_EQ(request->event.summary, "Disk still full on db-1");
}

TEST(EventsV2, ResolveNeedsNoPayload) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"resolve","dedup_key":"disk-full"})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.act, action::resolve);
  EXPECT_EQ(request->event.dedup_key, "disk-full");
  EXPECT_EQ(request->event.summary, "");
}

TEST(EventsV2, TriggerWithoutKeyLeavesItToCaller) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"trigger","payload":{"summary":"No key given","source":"db-2","severity":"warning"}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.dedup_key, "");
  EXPECT_TRUE(request->event.dedup_key_generated);
  EXPECT_EQ(request->event.severity, "warning");
}

TEST(EventsV2, TriggerWithEmptyKeyLeavesItToCaller) {
  auto request = parse_events_v2(
    R"({"routing_key":"RK","event_action":"trigger","dedup_key":"","payload":{"summary":"s","source":"h","severity":"info"}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.dedup_key, "");
  EXPECT_TRUE(request->event.dedup_key_generated);
}

TEST(EventsV2, AcknowledgeOfUnknownKeyParses) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"acknowledge","dedup_key":"no-such-key"})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.act, action::acknowledge);
  EXPECT_EQ(request->event.dedup_key, "no-such-key");
}

TEST(EventsV2, MissingSeverityNamesField) {
  auto request = parse_events_v2(
    R"({"routing_key":"R0UTINGKEYA00000000000000000000A","event_action":"trigger","dedup_key":"bad","payload":{"summary":"missing severity","source":"db-3"}})");
  expect_error(request, ec::invalid_argument, "payload.severity: missing");
  ASSERT_FALSE(static_cast<bool>(request));
  EXPECT_EQ(events_v2_invalid_body(request.error()),
            R"({"status":"invalid event","message":"Event object is invalid","errors":["payload.severity: missing"]})");
}

TEST(EventsV2, OptionalPayloadFieldsMapped) {
  auto request = parse_events_v2(trigger_with_payload(
    R"({"summary":"s","source":"h","severity":"error","timestamp":"2015-07-17T08:42:58.315+0000","component":"postgres","group":"prod-datapipe","class":"deploy","custom_details":{"ping time":"1500ms","load avg":0.75,"nested":[true,null]}})"));
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  const auto& event = request->event;
  EXPECT_EQ(event.starts_at, utc(2015, 7, 17, 8, 42, 58));
  ASSERT_EQ(event.labels.size(), 3u);
  EXPECT_EQ(event.labels.at("component"), "postgres");
  EXPECT_EQ(event.labels.at("group"), "prod-datapipe");
  EXPECT_EQ(event.labels.at("class"), "deploy");
  EXPECT_EQ(event.details,
            R"({"load avg":0.75,"nested":[true,null],"ping time":"1500ms"})");
}

TEST(EventsV2, StringCustomDetailsKeptAsText) {
  auto request = parse_events_v2(trigger_with_payload(
    R"({"summary":"s","source":"h","severity":"info","custom_details":"line 1\nline \"2\""})"));
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.details, "line 1\nline \"2\"");
}

TEST(EventsV2, LinksImagesAndClientTolerated) {
  auto request = parse_events_v2(
    R"({"routing_key":"RK","event_action":"trigger","client":"Monitor","client_url":"https://monitor.example.test/x","links":[{"href":"https://a.example.test","text":"A"}],"images":[{"src":"https://i.example.test/p.png"}],"payload":{"summary":"s","source":"h","severity":"info"},"unknown":{"x":1}})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.generator_url, "https://monitor.example.test/x");
}

TEST(EventsV2, PayloadIgnoredOnAcknowledge) {
  auto request = parse_events_v2(
    R"({"routing_key":"RK","event_action":"acknowledge","dedup_key":"k","payload":"junk"})");
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.summary, "");
}

TEST(EventsV2, LengthLimitsEnforced) {
  auto with_routing_key = [](const std::string& key) {
    return R"({"routing_key":")" + key
           + R"(","event_action":"resolve","dedup_key":"k"})";
  };
  EXPECT_TRUE(static_cast<bool>(parse_events_v2(with_routing_key(std::string(64, 'r')))));
  expect_error(parse_events_v2(with_routing_key(std::string(65, 'r'))),
               ec::invalid_argument, "routing_key: longer than 64 characters");

  auto with_dedup_key = [](const std::string& key) {
    return R"({"routing_key":"RK","event_action":"resolve","dedup_key":")" + key
           + R"("})";
  };
  EXPECT_TRUE(static_cast<bool>(parse_events_v2(with_dedup_key(std::string(255, 'd')))));
  expect_error(parse_events_v2(with_dedup_key(std::string(256, 'd'))),
               ec::invalid_argument, "dedup_key: longer than 255 characters");

  auto with_summary = [](const std::string& summary) {
    return trigger_with_payload(R"({"summary":")" + summary
                                + R"(","source":"h","severity":"info"})");
  };
  EXPECT_TRUE(static_cast<bool>(parse_events_v2(with_summary(std::string(1024, 's')))));
  expect_error(parse_events_v2(with_summary(std::string(1025, 's'))),
               ec::invalid_argument, "payload.summary: longer than 1024 characters");
}

TEST(EventsV2, SummaryLimitCountsCharactersNotBytes) {
  std::string two_byte_summary;
  for (int i = 0; i < 1024; ++i)
    two_byte_summary += "\xC3\xA9";
  auto request = parse_events_v2(trigger_with_payload(
    R"({"summary":")" + two_byte_summary + R"(","source":"h","severity":"info"})"));
  ASSERT_TRUE(static_cast<bool>(request)) << tropos::describe(request.error());
  EXPECT_EQ(request->event.summary.size(), 2048u);
}

TEST(EventsV2, OversizedBodyRejected) {
  std::string body = trigger_with_payload(
    R"({"summary":"s","source":"h","severity":"info","custom_details":")"
    + std::string(512 * 1024, 'x') + R"("})");
  expect_error(parse_events_v2(body), ec::too_large,
               "body: larger than 524288 bytes");
}

TEST(EventsV2, FieldErrorsNamePath) {
  struct error_case {
    std::string body;
    std::string detail;
  };
  const error_case cases[] = {
    {"[]", "body: must be a JSON object, not an array"},
    {"{}", "routing_key: missing"},
    {R"({"routing_key":"","event_action":"trigger"})",
     "routing_key: must not be empty"},
    {R"({"routing_key":5})", "routing_key: must be a string, not a number"},
    {R"({"routing_key":"RK"})", "event_action: missing"},
    {R"({"routing_key":"RK","event_action":"close","dedup_key":"k"})",
     "event_action: must be trigger, acknowledge or resolve"},
    {R"({"routing_key":"RK","event_action":["trigger"]})",
     "event_action: must be a string, not an array"},
    {R"({"routing_key":"RK","event_action":"resolve"})",
     "dedup_key: missing, but required for acknowledge and resolve"},
    {R"({"routing_key":"RK","event_action":"acknowledge","dedup_key":""})",
     "dedup_key: missing, but required for acknowledge and resolve"},
    {R"({"routing_key":"RK","event_action":"resolve","dedup_key":5})",
     "dedup_key: must be a string, not a number"},
    {R"({"routing_key":"RK","event_action":"trigger"})", "payload: missing"},
    {R"({"routing_key":"RK","event_action":"trigger","payload":[]})",
     "payload: must be an object"},
    {trigger_with_payload(R"({"source":"h","severity":"info"})"),
     "payload.summary: missing"},
    {trigger_with_payload(R"({"summary":"","source":"h","severity":"info"})"),
     "payload.summary: must not be empty"},
    {trigger_with_payload(R"({"summary":1,"source":"h","severity":"info"})"),
     "payload.summary: must be a string, not a number"},
    {trigger_with_payload(R"({"summary":"s","severity":"info"})"),
     "payload.source: missing"},
    {trigger_with_payload(R"({"summary":"s","source":"h","severity":"high"})"),
     "payload.severity: must be critical, error, warning or info"},
    {trigger_with_payload(R"({"summary":"s","source":"h","severity":"Critical"})"),
     "payload.severity: must be critical, error, warning or info"},
    {trigger_with_payload(
       R"({"summary":"s","source":"h","severity":"info","timestamp":"yesterday"})"),
     "payload.timestamp: invalid RFC 3339 timestamp"},
    {trigger_with_payload(
       R"({"summary":"s","source":"h","severity":"info","component":3})"),
     "payload.component: must be a string, not a number"},
    {R"({"routing_key":"RK","event_action":"resolve","dedup_key":"k","client_url":1})",
     "client_url: must be a string, not a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    expect_error(parse_events_v2(c.body), ec::invalid_argument, c.detail);
  }
}

TEST(EventsV2, TruncatedJsonIsParseError) {
  auto request = parse_events_v2(R"({"routing_key":"RK","event_)");
  ASSERT_FALSE(static_cast<bool>(request));
  EXPECT_EQ(tropos::code_of(request.error()), ec::parse_error);
}

TEST(EventsV2, AcceptedBodyExact) {
  EXPECT_EQ(events_v2_accepted_body("disk-full"),
            R"({"status":"success","message":"Event processed","dedup_key":"disk-full"})");
}

TEST(EventsV2, ResponseBodiesEscapeValues) {
  EXPECT_EQ(events_v2_accepted_body("a\"b\\c\n"),
            R"({"status":"success","message":"Event processed","dedup_key":"a\"b\\c\n"})");
  auto body = events_v2_invalid_body(
    tropos::make_error(ec::invalid_argument, "x: \"quoted\"\tand <tag>"));
  EXPECT_EQ(body,
            R"({"status":"invalid event","message":"Event object is invalid","errors":["x: \"quoted\"\tand <tag>"]})");
  auto decoded = nlohmann::json::parse(body);
  EXPECT_EQ(decoded["errors"][0], "x: \"quoted\"\tand <tag>");
}

TEST(EventsV2, InvalidBodyWithoutDetailNamesCode) {
  EXPECT_EQ(events_v2_invalid_body(tropos::make_error(ec::parse_error)),
            R"({"status":"invalid event","message":"Event object is invalid","errors":["parse_error"]})");
}

} // namespace
