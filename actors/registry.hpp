// Applies resources files: parses, merges with what is stored, validates
// the whole, commits the changed objects and then installs the snapshot.
#pragma once

#include "actors/context.hpp"

#include <caf/actor_system.hpp>

namespace tropos::actors {

/// Spawns the registry. Protocol:
///   (apply_atom, std::string toml_text, apply_callback)
///   (recover_atom) -> size_t     loads stored resources into the snapshot
caf::actor spawn_registry(caf::actor_system& sys, context_ptr ctx);

} // namespace tropos::actors
