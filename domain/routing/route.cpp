#include "domain/routing/route.hpp"

#include <algorithm>

namespace tropos::routing {

std::vector<std::string> route(const service& s, const label_set& labels) {
  std::vector<std::string> policies;
  for (const auto& rule : s.routes) {
    if (!matches(rule.matchers, labels))
      continue;
    if (std::find(policies.begin(), policies.end(), rule.escalation_policy)
        == policies.end())
      policies.push_back(rule.escalation_policy);
    if (!rule.continue_matching)
      return policies;
  }
  if (policies.empty())
    policies.push_back(s.escalation_policy);
  return policies;
}

} // namespace tropos::routing
