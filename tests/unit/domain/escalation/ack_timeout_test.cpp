#include "domain/escalation/ack_timeout.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace tropos::escalation;
using namespace std::chrono_literals;

instant at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    ADD_FAILURE() << "invalid instant in test: " << text;
    return {};
  }
  return *parsed;
}

escalation_policy two_levels(std::optional<std::chrono::milliseconds> timeout) {
  escalation_policy p;
  p.id = "db";
  p.ack_timeout = timeout;
  p.levels = {{5min, {{target_kind::user, "ava"}}, std::nullopt},
              {10min, {{target_kind::user, "ben"}}, std::nullopt}};
  return p;
}

TEST(AckTimeout, ExpiresAfterTimeout) {
  auto expiry = ack_expiry(two_levels(30min), at("2025-01-01T10:00:00Z"));
  ASSERT_TRUE(expiry);
  EXPECT_EQ(*expiry, at("2025-01-01T10:30:00Z"));
}

TEST(AckTimeout, WithoutTimeoutAckHolds) {
  EXPECT_FALSE(ack_expiry(two_levels(std::nullopt), at("2025-01-01T10:00:00Z")));
  EXPECT_FALSE(step_after_ack_expiry(two_levels(std::nullopt), 1, 0,
                                     at("2025-01-01T10:00:00Z")));
}

TEST(AckTimeout, RepagesLastLevelAtExpiry) {
  auto step = step_after_ack_expiry(two_levels(30min), 1, 0,
                                    at("2025-01-01T10:00:00Z"));
  ASSERT_TRUE(step);
  EXPECT_EQ(step->level, 1u);
  EXPECT_EQ(step->pass, 0u);
  EXPECT_EQ(step->at, at("2025-01-01T10:30:00Z"));
}

TEST(AckTimeout, SkipsLevelWhoseConditionIsClosedAtExpiry) {
  // Ava's level pages only 08:30-17:30 London time; the acknowledgement
  // expires at 17:40 GMT, so Ben's level is paged instead.
  auto policy = two_levels(30min);
  policy.levels[0].condition =
    level_condition{{0x7f, std::chrono::minutes{8 * 60 + 30},
                     std::chrono::minutes{17 * 60 + 30}},
                    "Europe/London"};
  auto step = step_after_ack_expiry(policy, 0, 0, at("2023-11-01T17:10:00Z"));
  ASSERT_TRUE(step);
  EXPECT_EQ(step->level, 1u);
  EXPECT_EQ(step->pass, 0u);
  EXPECT_EQ(step->at, at("2023-11-01T17:40:00Z"));
}

} // namespace
