#include "domain/schedule/schedule.hpp"

#include "domain/error.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace tropos::schedule {

namespace {

constexpr auto one_second = std::chrono::seconds{1};

// A schedule with the zone of each layer looked up once per query.
struct resolved_schedule {
  const schedule& plan;

  /// One entry per layer, null when the zone name is unknown.
  std::vector<const date::time_zone*> zones;
};

const date::time_zone* find_zone_or_null(std::string_view name) {
  auto zone = find_time_zone(name);
  return zone ? *zone : nullptr;
}

// NOTE: a layer whose zone does not resolve gets a null entry and then has
// nobody on call, because the queries return plain values. `validate`
// rejects such schedules, so callers must run it first.
resolved_schedule resolve(const schedule& plan) {
  resolved_schedule result{plan, {}};
  auto schedule_zone = find_zone_or_null(plan.time_zone);
  result.zones.reserve(plan.layers.size());
  for (const auto& rotation : plan.layers)
    result.zones.push_back(rotation.time_zone.empty()
                             ? schedule_zone
                             : find_zone_or_null(rotation.time_zone));
  return result;
}

bool covers(sys_seconds start, sys_seconds end, sys_seconds t) {
  return start <= t && t < end;
}

const temporary_schedule* active_temporary(const schedule& plan,
                                           sys_seconds t) {
  const temporary_schedule* result = nullptr;
  for (const auto& temporary : plan.temporary_schedules)
    if (covers(temporary.start, temporary.end, t))
      result = &temporary;
  return result;
}

// The user of the last layer that has someone on call at `t`, if any.
std::optional<std::string> layered_user(const resolved_schedule& source,
                                        sys_seconds t) {
  const auto& layers = source.plan.layers;
  for (auto i = layers.size(); i-- > 0;) {
    if (source.zones[i] == nullptr)
      continue;
    if (auto user = on_call(layers[i], *source.zones[i], t))
      return user;
  }
  return std::nullopt;
}

void apply_overrides(const std::vector<schedule_override>& overrides,
                     sys_seconds t, std::vector<std::string>& users) {
  for (const auto& change : overrides) {
    if (!covers(change.start, change.end, t))
      continue;
    if (!change.replaces) {
      users.push_back(change.user);
      continue;
    }
    auto replaced = std::find(users.begin(), users.end(), *change.replaces);
    if (replaced == users.end())
      continue;
    if (change.user.empty())
      users.erase(replaced);
    else
      *replaced = change.user;
  }
}

std::vector<std::string> on_call_at(const resolved_schedule& source,
                                    sys_seconds t) {
  std::vector<std::string> users;
  if (auto temporary = active_temporary(source.plan, t)) {
    for (const auto& fixed : temporary->shifts)
      if (covers(fixed.start, fixed.end, t))
        users.push_back(fixed.user);
  } else {
    if (auto user = layered_user(source, t))
      users.push_back(std::move(*user));
    apply_overrides(source.plan.overrides, t, users);
  }

  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  return users;
}

bool is_on_call(const resolved_schedule& source, const std::string& user,
                sys_seconds t) {
  auto users = on_call_at(source, t);
  return std::binary_search(users.begin(), users.end(), user);
}

// Calls `visit` with every fixed instant of overrides and temporary
// schedules: the points where they may change the on-call set.
template <class Visit>
void visit_fixed_edges(const schedule& plan, Visit&& visit) {
  for (const auto& change : plan.overrides) {
    visit(change.start);
    visit(change.end);
  }
  for (const auto& temporary : plan.temporary_schedules) {
    visit(temporary.start);
    visit(temporary.end);
    for (const auto& fixed : temporary.shifts) {
      visit(fixed.start);
      visit(fixed.end);
    }
  }
}

std::optional<sys_seconds> next_change_at(const resolved_schedule& source,
                                          sys_seconds t) {
  std::optional<sys_seconds> result;
  auto consider = [&](sys_seconds candidate) {
    if (candidate > t && (!result || candidate < *result))
      result = candidate;
  };
  const auto& layers = source.plan.layers;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (source.zones[i] != nullptr)
      if (auto boundary = next_boundary(layers[i], *source.zones[i], t))
        consider(*boundary);
  visit_fixed_edges(source.plan, consider);
  return result;
}

// The last instant at or before `t` at which the on-call set may have changed.
std::optional<sys_seconds> last_change_at(const resolved_schedule& source,
                                          sys_seconds t) {
  std::optional<sys_seconds> result;
  auto consider = [&](sys_seconds candidate) {
    if (candidate <= t && (!result || candidate > *result))
      result = candidate;
  };
  const auto& layers = source.plan.layers;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (source.zones[i] != nullptr)
      if (auto boundary = last_boundary(layers[i], *source.zones[i], t))
        consider(*boundary);
  visit_fixed_edges(source.plan, consider);
  return result;
}

// Start of the stretch in which `user`, on call at `t`, has been on call
// without a break, searched back to `limit` at most.
sys_seconds stretch_start(const resolved_schedule& source,
                          const std::string& user, sys_seconds t,
                          sys_seconds limit) {
  auto start = last_change_at(source, t);
  while (start && *start > limit) {
    auto before = *start - one_second;
    if (!is_on_call(source, user, before))
      return *start;
    start = last_change_at(source, before);
  }
  return limit;
}

// End of the stretch in which `user`, on call at `t`, stays on call without
// a break, searched up to `limit` at most.
sys_seconds stretch_end(const resolved_schedule& source,
                        const std::string& user, sys_seconds t,
                        sys_seconds limit) {
  auto end = next_change_at(source, t);
  while (end && *end < limit) {
    if (!is_on_call(source, user, *end))
      return *end;
    end = next_change_at(source, *end);
  }
  return limit;
}

} // namespace

std::vector<std::string> on_call(const schedule& plan, sys_seconds t) {
  return on_call_at(resolve(plan), t);
}

std::vector<shift> shifts(const schedule& plan, sys_seconds from,
                          sys_seconds to) {
  std::vector<shift> result;
  if (to <= from)
    return result;
  to = std::min(to, from + max_scan);
  auto source = resolve(plan);

  // Users on call at `from` may have started long before it.
  std::map<std::string, sys_seconds> open;
  for (auto& user : on_call_at(source, from))
    open.emplace(user, stretch_start(source, user, from, from - max_scan));

  // Between two consecutive change points the on-call set is constant.
  auto t = from;
  for (auto next = next_change_at(source, t); next && *next < to;
       next = next_change_at(source, t)) {
    t = *next;
    auto users = on_call_at(source, t);
    for (auto it = open.begin(); it != open.end();) {
      if (std::binary_search(users.begin(), users.end(), it->first)) {
        ++it;
        continue;
      }
      result.push_back({it->first, it->second, t});
      it = open.erase(it);
    }
    for (auto& user : users)
      open.try_emplace(user, t);
  }

  // Users still on call at the end of the range may stay on call long after.
  for (const auto& [user, start] : open)
    result.push_back({user, start, stretch_end(source, user, t, to + max_scan)});

  std::sort(result.begin(), result.end(), [](const shift& a, const shift& b) {
    return std::tie(a.start, a.user) < std::tie(b.start, b.user);
  });
  return result;
}

std::vector<interval> gaps(const schedule& plan, sys_seconds from,
                           sys_seconds to) {
  std::vector<interval> result;
  to = std::min(to, from + max_scan);
  auto source = resolve(plan);
  for (auto t = from; t < to;) {
    auto next = next_change_at(source, t);
    auto end = next ? std::min(*next, to) : to;
    if (on_call_at(source, t).empty()) {
      if (!result.empty() && result.back().end == t)
        result.back().end = end;
      else
        result.push_back({t, end});
    }
    t = end;
  }
  return result;
}

std::optional<sys_seconds> next_change(const schedule& plan, sys_seconds t) {
  return next_change_at(resolve(plan), t);
}

caf::expected<schedule> reconcile(const schedule& current,
                                  const schedule& declared, sys_seconds now) {
  schedule result = declared;
  for (auto& rotation : result.layers) {
    auto old = std::find_if(current.layers.begin(), current.layers.end(),
                            [&](const layer& candidate) {
                              return candidate.name == rotation.name;
                            });
    if (old == current.layers.end())
      continue;

    // A changed effective zone moves every handoff, so the declared layer
    // starts afresh.
    const auto& old_zone = old->time_zone.empty() ? current.time_zone
                                                  : old->time_zone;
    const auto& new_zone = rotation.time_zone.empty() ? declared.time_zone
                                                      : rotation.time_zone;
    if (old_zone != new_zone)
      continue;
    auto zone = find_time_zone(new_zone);
    if (!zone)
      return zone.error();
    rotation = reconcile(*old, rotation, **zone, now);
  }
  return result;
}

caf::expected<schedule> remove_user(const schedule& plan,
                                    std::string_view user, sys_seconds now) {
  schedule declared = plan;
  for (auto& rotation : declared.layers)
    std::erase(rotation.participants, user);
  std::erase_if(declared.overrides, [&](const schedule_override& change) {
    return change.user == user;
  });
  for (auto& temporary : declared.temporary_schedules)
    std::erase_if(temporary.shifts,
                  [&](const shift& fixed) { return fixed.user == user; });
  return reconcile(plan, declared, now);
}

} // namespace tropos::schedule
