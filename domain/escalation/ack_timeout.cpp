#include "domain/escalation/ack_timeout.hpp"

#include "domain/escalation/condition.hpp"

namespace tropos::escalation {

std::optional<instant> ack_expiry(const escalation_policy& policy,
                                  instant acknowledged_at) {
  if (!policy.ack_timeout)
    return std::nullopt;
  return acknowledged_at + *policy.ack_timeout;
}

std::optional<escalation_step>
step_after_ack_expiry(const escalation_policy& policy, unsigned level,
                      unsigned pass, instant acknowledged_at) {
  auto expiry = ack_expiry(policy, acknowledged_at);
  if (!expiry)
    return std::nullopt;
  return first_applicable_step(policy, escalation_step{level, pass, *expiry});
}

} // namespace tropos::escalation
