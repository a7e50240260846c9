// The one writer of the LMDB environment. It collects the batches that
// arrive while it is busy and commits them together (group commit: one
// fsync for many changes), then answers each sender.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace tropos::storage {
class environment;
}

namespace tropos::actors {

/// Spawns the writer on its own thread, since a commit waits for fsync.
/// Protocol:
///   (write_atom, storage::batch) -> bool            reply after commit
///   (write_atom, storage::batch, completion)        callback after commit
caf::actor spawn_writer(caf::actor_system& sys, storage::environment& env);

} // namespace tropos::actors
