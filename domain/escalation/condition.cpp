#include "domain/escalation/condition.hpp"

#include "domain/schedule/time_window.hpp"

namespace tropos::escalation {

bool level_applies(const escalation_level& level, instant at) {
  if (!level.condition)
    return true;
  auto zone = schedule::find_time_zone(level.condition->time_zone);
  if (!zone)
    return true;
  return schedule::contains(level.condition->window, **zone,
                            date::floor<std::chrono::seconds>(at));
}

std::optional<escalation_step>
first_applicable_step(const escalation_policy& policy, escalation_step start) {
  // Each round moves (pass, level) forward, and both are bounded, so the
  // loop ends even when no level ever applies.
  auto step = start;
  while (step.level < policy.levels.size() && step.pass <= policy.repeat) {
    if (level_applies(policy.levels[step.level], step.at))
      return step;
    if (step.level + 1 < policy.levels.size()) {
      ++step.level;
    } else {
      step.level = 0;
      ++step.pass;
    }
  }
  return std::nullopt;
}

std::optional<escalation_step>
next_applicable_step(const escalation_policy& policy, unsigned level,
                     unsigned pass, instant paged_at) {
  auto next = next_step(policy, level, pass, paged_at);
  if (!next)
    return std::nullopt;
  return first_applicable_step(policy, *next);
}

} // namespace tropos::escalation
