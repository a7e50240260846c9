// One actor per schedule: it keeps the schedule in force (with the anchors
// that membership changes moved) and answers who is on call at an instant.
#pragma once

#include "actors/interfaces.hpp"
#include "domain/schedule/schedule.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// Spawns a schedule actor. Protocol:
///   (oncall_atom, sys_seconds t, oncall_callback)
///   (update_atom, schedule::schedule)     a newly applied version
caf::actor spawn_schedule(caf::actor_system& sys, schedule::schedule plan);

} // namespace tropos::actors
