// Team targets of escalation levels in round-robin mode: each page goes to
// one member, the next page to the next member.
#pragma once

#include "domain/resources.hpp"

#include <cstdint>
#include <string>

namespace tropos::escalation {

/// Returns the member that page number `counter` of a round-robin target
/// reaches: `members[counter % members.size()]`, so counters 0, 1, 2, ...
/// walk the members in their listed order and start over. Returns an empty
/// string for a team without members.
std::string pick_round_robin(const team& t, uint64_t counter);

} // namespace tropos::escalation
