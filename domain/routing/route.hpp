// Choosing the escalation policies for an alert from its service's routing
// rules.
#pragma once

#include "domain/resources.hpp"
#include "domain/routing/matcher.hpp"

#include <string>
#include <vector>

namespace tropos::routing {

/// Returns the escalation policies for an alert with `labels`, in rule
/// order without repeats. The rules are tested in order. The first one that
/// matches ends the search unless it sets continue_matching, in which case
/// later matching rules add their policies as well. When no rule matches,
/// the result is the service's own escalation_policy.
std::vector<std::string> route(const service& s, const label_set& labels);

} // namespace tropos::routing
