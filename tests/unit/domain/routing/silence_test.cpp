#include "domain/routing/silence.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace tropos::routing;
using json = nlohmann::json;

instant at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    ADD_FAILURE() << "invalid instant in test: " << text;
    return {};
  }
  return *parsed;
}

silence api_silence() {
  auto parsed = silence_from_json(json::parse(R"({
    "matchers": ["alertname=\"HighLatency\"", "env=~\"prod|dr\""],
    "starts_at": "2025-01-01T10:00:00Z",
    "ends_at": "2025-01-01T11:00:00Z",
    "comment": "deploying v2",
    "created_by": "ava"
  })"));
  if (!parsed) {
    ADD_FAILURE() << describe(parsed.error());
    return {};
  }
  return *parsed;
}

std::string silence_error(std::string_view text) {
  auto parsed = silence_from_json(json::parse(text));
  return parsed ? "accepted" : detail_of(parsed.error());
}

std::string window_error(std::string_view text) {
  auto parsed = maintenance_window_from_json(json::parse(text));
  return parsed ? "accepted" : detail_of(parsed.error());
}

const label_set latency_prod{{"alertname", "HighLatency"}, {"env", "prod"}};

TEST(Silence, ActiveFromStartUntilBeforeEnd) {
  auto s = api_silence();
  EXPECT_FALSE(is_active(s, at("2025-01-01T09:59:59.999Z")));
  EXPECT_TRUE(is_active(s, at("2025-01-01T10:00:00Z")));
  EXPECT_TRUE(is_active(s, at("2025-01-01T10:59:59.999Z")));
  EXPECT_FALSE(is_active(s, at("2025-01-01T11:00:00Z")));
}

TEST(Silence, MutesMatchingAlertsOnlyWhileActive) {
  std::vector<silence> silences{api_silence()};
  EXPECT_TRUE(is_silenced(silences, latency_prod, at("2025-01-01T10:00:00Z")));
  EXPECT_FALSE(is_silenced(silences, latency_prod, at("2025-01-01T11:00:00Z")));
  EXPECT_FALSE(is_silenced(silences, latency_prod, at("2025-01-01T09:59:00Z")));
  EXPECT_FALSE(is_silenced(silences,
                           {{"alertname", "HighLatency"}, {"env", "test"}},
                           at("2025-01-01T10:30:00Z")));
  EXPECT_FALSE(is_silenced(silences, {{"alertname", "HighLatency"}},
                           at("2025-01-01T10:30:00Z")));
  EXPECT_FALSE(is_silenced({}, latency_prod, at("2025-01-01T10:30:00Z")));
}

TEST(Silence, AnyOfSeveralSilencesMutes) {
  auto first = api_silence();
  auto second = api_silence();
  second.matchers = {*parse_matcher(R"(env="test")")};
  second.starts_at = at("2025-01-01T12:00:00Z");
  second.ends_at = at("2025-01-01T13:00:00Z");
  std::vector<silence> silences{first, second};
  label_set latency_test{{"alertname", "HighLatency"}, {"env", "test"}};
  EXPECT_TRUE(is_silenced(silences, latency_test, at("2025-01-01T12:00:00Z")));
  EXPECT_FALSE(is_silenced(silences, latency_test, at("2025-01-01T10:30:00Z")));
  EXPECT_FALSE(is_silenced(silences, latency_prod, at("2025-01-01T12:30:00Z")));
}

TEST(Silence, WithoutMatchersMutesNothing) {
  auto s = api_silence();
  s.matchers.clear();
  EXPECT_FALSE(is_silenced({s}, latency_prod, at("2025-01-01T10:30:00Z")));
}

TEST(Silence, JsonRoundTrip) {
  auto s = api_silence();
  s.id = "sil-1";
  ASSERT_EQ(s.matchers.size(), 2u);
  EXPECT_EQ(s.comment, "deploying v2");
  EXPECT_EQ(s.created_by, "ava");
  auto written = to_json(s);
  EXPECT_EQ(written, json::parse(R"({
    "id": "sil-1",
    "matchers": ["alertname=\"HighLatency\"", "env=~\"prod|dr\""],
    "starts_at": "2025-01-01T10:00:00Z",
    "ends_at": "2025-01-01T11:00:00Z",
    "comment": "deploying v2",
    "created_by": "ava"
  })"));
  auto read = silence_from_json(written);
  ASSERT_TRUE(read) << describe(read.error());
  EXPECT_EQ(to_json(*read), written);
}

TEST(Silence, JsonNormalizesOffsetsToUtc) {
  auto parsed = silence_from_json(json::parse(R"({
    "matchers": ["job=\"api\""],
    "starts_at": "2025-01-01T11:00:00+01:00",
    "ends_at": "2025-01-01T06:30:00-05:00"
  })"));
  ASSERT_TRUE(parsed) << describe(parsed.error());
  EXPECT_EQ(parsed->starts_at, at("2025-01-01T10:00:00Z"));
  EXPECT_EQ(parsed->ends_at, at("2025-01-01T11:30:00Z"));
  EXPECT_EQ(parsed->comment, "");
  EXPECT_EQ(parsed->created_by, "");
}

TEST(Silence, JsonErrorsNameTheField) {
  EXPECT_EQ(silence_error(R"({"starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "matchers: missing");
  EXPECT_EQ(silence_error(R"({"matchers": [],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "matchers: must contain at least one entry");
  EXPECT_EQ(silence_error(R"({"matchers": "job=\"api\"",
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "matchers: expected an array of strings");
  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\"", 5],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "matchers[1]: expected a non-empty string");

  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\"", "job=~\"(\""],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            R"(matchers[1]: invalid matcher job=~"(": invalid regular )"
            "expression: Mismatched '(' and ')' in regular expression");

  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "starts_at: missing");
  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "starts_at": "tomorrow",
                              "ends_at": "2025-01-01T11:00:00Z"})"),
            "starts_at: expected an RFC 3339 timestamp such as "
            "\"2025-01-01T10:00:00Z\", got \"tomorrow\"");
  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T10:00:00Z"})"),
            "ends_at: must be after starts_at");
  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T09:00:00Z"})"),
            "ends_at: must be after starts_at");

  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z",
                              "comment": 7})"),
            "comment: expected a string");
  EXPECT_EQ(silence_error(R"({"matchers": ["job=\"api\""],
                              "starts_at": "2025-01-01T10:00:00Z",
                              "ends_at": "2025-01-01T11:00:00Z",
                              "createdBy": "ava"})"),
            "createdBy: unknown field");
  EXPECT_EQ(silence_error("[]"), "expected a JSON object");
}

TEST(Maintenance, AppliesToListedServicesWhileActive) {
  maintenance_window w{"mw-1", {"postgres", "redis"},
                       at("2025-01-01T22:00:00Z"), at("2025-01-02T02:00:00Z")};
  std::vector<maintenance_window> windows{w};
  EXPECT_FALSE(in_maintenance(windows, "postgres", at("2025-01-01T21:59:59Z")));
  EXPECT_TRUE(in_maintenance(windows, "postgres", at("2025-01-01T22:00:00Z")));
  EXPECT_TRUE(in_maintenance(windows, "redis", at("2025-01-02T01:59:59.999Z")));
  EXPECT_FALSE(in_maintenance(windows, "redis", at("2025-01-02T02:00:00Z")));
  EXPECT_FALSE(in_maintenance(windows, "api", at("2025-01-01T23:00:00Z")));
  EXPECT_FALSE(in_maintenance(windows, "postgre", at("2025-01-01T23:00:00Z")));
  EXPECT_FALSE(in_maintenance({}, "postgres", at("2025-01-01T23:00:00Z")));
}

TEST(Maintenance, JsonRoundTrip) {
  auto parsed = maintenance_window_from_json(json::parse(R"({
    "id": "mw-1",
    "services": ["postgres", "redis"],
    "starts_at": "2025-01-01T22:00:00Z",
    "ends_at": "2025-01-02T02:00:00Z"
  })"));
  ASSERT_TRUE(parsed) << describe(parsed.error());
  EXPECT_EQ(parsed->id, "mw-1");
  EXPECT_EQ(parsed->services, (std::vector<std::string>{"postgres", "redis"}));
  EXPECT_EQ(parsed->starts_at, at("2025-01-01T22:00:00Z"));
  EXPECT_EQ(parsed->ends_at, at("2025-01-02T02:00:00Z"));
  EXPECT_EQ(to_json(*parsed), json::parse(R"({
    "id": "mw-1",
    "services": ["postgres", "redis"],
    "starts_at": "2025-01-01T22:00:00Z",
    "ends_at": "2025-01-02T02:00:00Z"
  })"));
}

TEST(Maintenance, JsonErrorsNameTheField) {
  EXPECT_EQ(window_error(R"({"services": [],
                             "starts_at": "2025-01-01T22:00:00Z",
                             "ends_at": "2025-01-02T02:00:00Z"})"),
            "services: must contain at least one entry");
  EXPECT_EQ(window_error(R"({"services": ["postgres", ""],
                             "starts_at": "2025-01-01T22:00:00Z",
                             "ends_at": "2025-01-02T02:00:00Z"})"),
            "services[1]: expected a non-empty string");
  EXPECT_EQ(window_error(R"({"services": ["postgres", "postgres"],
                             "starts_at": "2025-01-01T22:00:00Z",
                             "ends_at": "2025-01-02T02:00:00Z"})"),
            "services[1]: duplicate service \"postgres\"");
  EXPECT_EQ(window_error(R"({"services": ["postgres"],
                             "starts_at": "2025-01-01T22:00:00Z"})"),
            "ends_at: missing");
  EXPECT_EQ(window_error(R"({"services": ["postgres"],
                             "starts_at": "2025-01-01T22:00:00Z",
                             "ends_at": "2025-01-01T21:00:00Z"})"),
            "ends_at: must be after starts_at");
  EXPECT_EQ(window_error(R"({"services": ["postgres"], "matchers": [],
                             "starts_at": "2025-01-01T22:00:00Z",
                             "ends_at": "2025-01-02T02:00:00Z"})"),
            "matchers: unknown field");
}

TEST(Maintenance, UnknownServiceIsNamed) {
  resource_set resources;
  resources.services.push_back({});
  resources.services.back().id = "postgres";
  resources.reindex();
  maintenance_window w{"mw-1", {"postgres", "redis"},
                       at("2025-01-01T22:00:00Z"), at("2025-01-02T02:00:00Z")};
  auto err = check_services(w, resources);
  EXPECT_EQ(code_of(err), ec::invalid_argument);
  EXPECT_EQ(detail_of(err), "services[1]: unknown service \"redis\"");
  w.services.pop_back();
  EXPECT_FALSE(check_services(w, resources));
}

} // namespace
