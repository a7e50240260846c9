// Time-of-day conditions on escalation levels ("page this level only
// between 08:30 and 17:30 Europe/London, otherwise skip it") and the
// escalation order that skips levels whose condition is false.
#pragma once

#include "domain/incident/incident.hpp"
#include "domain/resources.hpp"
#include "domain/time.hpp"

#include <optional>

namespace tropos::escalation {

/// Returns whether `level` pages at `at`: always when it has no condition,
/// otherwise when `at` lies inside the condition's window in its zone. A
/// zone unknown to the tz database counts as inside, so the level pages
/// rather than being skipped; resource_set::validate rejects such zones.
bool level_applies(const escalation_level& level, instant at);

/// Returns `start` when its level applies at `start.at`, else the first
/// later step in escalation order (next level, then level 0 of the next
/// pass while `repeat` allows) whose level applies. Skipping takes no time,
/// so the returned step keeps `start.at`. Returns none when no remaining
/// level of any remaining pass applies, or when `start` lies outside the
/// policy.
std::optional<escalation_step>
first_applicable_step(const escalation_policy& policy, escalation_step start);

/// Returns the step after paging (`level`, `pass`) at `paged_at`, like
/// next_step, then skips levels whose condition is false at that instant.
std::optional<escalation_step>
next_applicable_step(const escalation_policy& policy, unsigned level,
                     unsigned pass, instant paged_at);

} // namespace tropos::escalation
