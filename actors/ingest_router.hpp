// Routes alert events to incident actors: a new dedup key opens an
// incident, a known one goes to its actor, a resolve without an open
// incident only records when the alert ended.
#pragma once

#include "actors/context.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// Spawns the router. Protocol:
///   (ingest_atom, ingest_request)
///   (act_atom, action_request, action_callback)
///   (closed_atom, uint64_t id)            from an incident that resolved
///   (recover_atom) -> size_t              loads open incidents from storage
caf::actor spawn_ingest_router(caf::actor_system& sys, context_ptr ctx);

} // namespace tropos::actors
