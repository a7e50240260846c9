#include "domain/escalation/team.hpp"

namespace tropos::escalation {

std::string pick_round_robin(const team& t, uint64_t counter) {
  if (t.members.empty())
    return {};
  return t.members[counter % t.members.size()];
}

} // namespace tropos::escalation
