#include "domain/heartbeat/heartbeat.hpp"

#include <gtest/gtest.h>

namespace {

using namespace tropos;
using namespace tropos::heartbeat;
using namespace std::chrono_literals;

instant at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    ADD_FAILURE() << "invalid instant in test: " << text;
    return {};
  }
  return *parsed;
}

monitor backup_monitor() {
  return {"nightly-backup", "postgres", "hb-backup-0001", 5min, 1min};
}

TEST(Heartbeat, DeadlineAddsIntervalAndGrace) {
  auto m = backup_monitor();
  EXPECT_EQ(deadline(m, at("2025-01-01T10:00:00Z")), at("2025-01-01T10:06:00Z"));
  m.grace = 0ms;
  EXPECT_EQ(deadline(m, at("2025-01-01T10:00:00Z")), at("2025-01-01T10:05:00Z"));
}

TEST(Heartbeat, DefaultGraceIsZero) {
  monitor m;
  EXPECT_EQ(m.grace, 0ms);
}

TEST(Heartbeat, FirstDeadlineCountsFromCreation) {
  auto m = backup_monitor();
  auto s = initial_state(at("2025-01-01T10:00:00Z"));
  EXPECT_FALSE(s.missed);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:05:59.999Z")), action::none);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:06:00Z")), action::open_incident);
}

TEST(Heartbeat, MissOpensIncidentOnlyOnce) {
  auto m = backup_monitor();
  auto s = initial_state(at("2025-01-01T10:00:00Z"));
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:06:00Z")), action::open_incident);
  EXPECT_TRUE(s.missed);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:06:00Z")), action::none);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:12:00Z")), action::none);
  EXPECT_EQ(on_check(m, s, at("2025-01-02T10:00:00Z")), action::none);
  EXPECT_TRUE(s.missed);
}

TEST(Heartbeat, BeatAfterMissResolvesAndRearms) {
  auto m = backup_monitor();
  auto s = initial_state(at("2025-01-01T10:00:00Z"));
  on_check(m, s, at("2025-01-01T10:06:00Z"));
  EXPECT_EQ(on_beat(s, at("2025-01-01T10:31:00Z")), action::resolve_incident);
  EXPECT_FALSE(s.missed);
  EXPECT_EQ(s.last_beat, at("2025-01-01T10:31:00Z"));
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:36:59Z")), action::none);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:37:00Z")), action::open_incident);
}

TEST(Heartbeat, BeatInTimeMovesDeadline) {
  auto m = backup_monitor();
  auto s = initial_state(at("2025-01-01T10:00:00Z"));
  EXPECT_EQ(on_beat(s, at("2025-01-01T10:04:00Z")), action::none);
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:06:00Z")), action::none);
  EXPECT_EQ(deadline(m, s.last_beat), at("2025-01-01T10:10:00Z"));
  EXPECT_EQ(on_check(m, s, at("2025-01-01T10:10:00Z")), action::open_incident);
}

TEST(Heartbeat, OlderBeatDoesNotMoveDeadlineBack) {
  auto m = backup_monitor();
  auto s = initial_state(at("2025-01-01T10:00:00Z"));
  on_beat(s, at("2025-01-01T10:04:00Z"));
  EXPECT_EQ(on_beat(s, at("2025-01-01T10:02:00Z")), action::none);
  EXPECT_EQ(s.last_beat, at("2025-01-01T10:04:00Z"));
}

} // namespace
