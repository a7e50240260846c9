// One actor per open incident: it owns the incident's record, runs its
// escalation timer and commits every change before telling anyone.
#pragma once

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// Spawns the actor for a new incident; it commits the record together
/// with the first page and then calls `done`. Protocol after that:
///   (ingest_atom, alert_event, completion)   a later event with its key
///   (act_atom, action_request, action_callback)
///   (step_atom, uint64_t generation)          from the timer
///   (update_atom)                             the router: its mute ended
caf::actor spawn_new_incident(caf::actor_system& sys, context_ptr ctx,
                              incident_record record, completion done);

/// Spawns the actor for an incident loaded from storage; its escalation
/// resumes from the stored deadline (at once if it has passed).
caf::actor spawn_recovered_incident(caf::actor_system& sys, context_ptr ctx,
                                    incident_record record);

} // namespace tropos::actors
