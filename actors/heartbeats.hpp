// Heartbeat monitors: one actor keeps every monitor's state and deadline
// timer. A missed check-in opens an incident through the ingest router, and
// the next check-in resolves it.
#pragma once

#include "actors/context.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// Spawns the heartbeat actor. Protocol:
///   (beat_atom, std::string monitor_id, completion)   a check-in
///   (check_atom, std::string monitor_id, uint64_t generation)  from the timer
///   (update_atom)                 resources changed: arm new monitors
///   (recover_atom) -> size_t      loads stored states and arms timers
caf::actor spawn_heartbeats(caf::actor_system& sys, context_ptr ctx);

} // namespace tropos::actors
