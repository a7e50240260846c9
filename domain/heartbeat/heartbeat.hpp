// Heartbeat monitors: a job checks in with POST /api/v1/heartbeats/{key}
// at least once per interval, and a missed check-in opens an incident on
// the monitor's service. Pure state transitions; the caller keeps the timer
// and stores the state.
#pragma once

#include "domain/time.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace tropos::heartbeat {

struct monitor {
  std::string id;
  /// The service whose escalation policy a missed check-in pages.
  std::string service;
  /// Secret token in the check-in URL, formed like an integration key.
  std::string key;
  /// Longest expected time between two check-ins.
  std::chrono::milliseconds interval{0};
  /// Extra time after the interval before a check-in counts as missed.
  std::chrono::milliseconds grace{0};
};

/// Returns the instant at which the check-in after `last_beat` is late:
/// `last_beat + interval + grace`. A check-in at that instant is late.
instant deadline(const monitor& m, instant last_beat);

/// The follow-up that a transition requests from the caller.
enum class action : uint8_t { none, open_incident, resolve_incident };

/// The stored state of one monitor.
struct state {
  /// The newest check-in, or the instant the monitor was created when it
  /// has not checked in yet.
  instant last_beat;
  /// True from the missed deadline until the next check-in. While true an
  /// incident is open and no further one is opened.
  bool missed = false;
};

/// Returns the state of a monitor created at `created_at`: its first
/// deadline counts from then.
state initial_state(instant created_at);

/// Records a check-in at `at`. A check-in after a miss ends the miss and
/// returns resolve_incident; otherwise it returns none. A check-in older
/// than `last_beat` does not move `last_beat` back.
action on_beat(state& s, instant at);

/// Checks the monitor at `now`, when its deadline timer fires. Returns
/// open_incident once when `now` has reached the deadline, and none on
/// every later check until a check-in ends the miss.
action on_check(const monitor& m, state& s, instant now);

} // namespace tropos::heartbeat
