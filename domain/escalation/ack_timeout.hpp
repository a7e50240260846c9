// Acknowledgement timeouts: an acknowledged incident that stays unresolved
// for the policy's ack_timeout returns to triggered and pages again.
#pragma once

#include "domain/incident/incident.hpp"
#include "domain/resources.hpp"
#include "domain/time.hpp"

#include <optional>

namespace tropos::escalation {

/// Returns when an incident acknowledged at `acknowledged_at` returns to
/// triggered, or none when the policy has no ack_timeout.
std::optional<instant> ack_expiry(const escalation_policy& policy,
                                  instant acknowledged_at);

/// Returns the step to page when the acknowledgement expires: the level
/// paged last (`level`, `pass`) again at the expiry instant, or the first
/// step after it whose condition is true then. Returns none when the policy
/// has no ack_timeout or no remaining level applies.
std::optional<escalation_step>
step_after_ack_expiry(const escalation_policy& policy, unsigned level,
                      unsigned pass, instant acknowledged_at);

} // namespace tropos::escalation
