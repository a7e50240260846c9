// One actor per schedule: it keeps the schedule in force (with the anchors
// that membership changes moved), returns who is on call at an instant,
// tells each person coming on call, and reports gaps ahead to the team's
// managers.
#pragma once

#include "actors/context.hpp"
#include "actors/interfaces.hpp"
#include "domain/schedule/schedule.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// How far ahead gaps (time with nobody on call) are looked for.
inline constexpr date::days gap_horizon{14};

/// Spawns a schedule actor. Protocol:
///   (oncall_atom, sys_seconds t, oncall_callback)
///   (update_atom, schedule::schedule)       a newly applied version
///   (step_atom, uint64_t generation, sys_seconds at)   from the timer: a
///       possible handoff at `at`
///   (check_atom, uint64_t generation)       from the timer: the gap check
caf::actor spawn_schedule(caf::actor_system& sys, context_ptr ctx,
                          schedule::schedule plan);

} // namespace tropos::actors
