#include "domain/heartbeat/heartbeat.hpp"

#include <algorithm>

namespace tropos::heartbeat {

instant deadline(const monitor& m, instant last_beat) {
  return last_beat + m.interval + m.grace;
}

state initial_state(instant created_at) {
  return state{created_at, false};
}

action on_beat(state& s, instant at) {
  s.last_beat = std::max(s.last_beat, at);
  if (!s.missed)
    return action::none;
  s.missed = false;
  return action::resolve_incident;
}

action on_check(const monitor& m, state& s, instant now) {
  if (s.missed || now < deadline(m, s.last_beat))
    return action::none;
  s.missed = true;
  return action::open_incident;
}

} // namespace tropos::heartbeat
