// The one timer service: every deadline of the daemon (escalation steps,
// notification delays, retries) is kept here against an injectable clock.
#pragma once

#include "domain/time.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

namespace tropos::actors {

/// Spawns the timer service. Protocol:
///   (at_atom, instant deadline, caf::actor target, caf::message msg)
///       sends `msg` to `target` once the clock reaches `deadline`; a
///       deadline in the past fires at once.
///   (advance_atom, instant to, completion)   manual clock only: moves the
///       clock to `to`, firing due timers in deadline order with the clock
///       set to each deadline in turn.
caf::actor spawn_timer(caf::actor_system& sys, std::shared_ptr<clock> clk);

} // namespace tropos::actors
