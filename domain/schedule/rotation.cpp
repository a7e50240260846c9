#include "domain/schedule/rotation.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tropos::schedule {

namespace {

constexpr std::int64_t seconds_per_day = 24 * 60 * 60;

constexpr std::array<std::pair<std::string_view, rotation_unit>, 4> unit_names{{
  {"hourly", rotation_unit::hourly},
  {"daily", rotation_unit::daily},
  {"weekly", rotation_unit::weekly},
  {"monthly", rotation_unit::monthly},
}};

// Rounds toward negative infinity. `divisor` must be positive.
std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  auto quotient = value / divisor;
  if (value % divisor != 0 && value < 0)
    --quotient;
  return quotient;
}

// Maps any shift offset onto a position in a list of `size` participants.
std::size_t wrap_index(std::int64_t value, std::size_t size) {
  auto count = static_cast<std::int64_t>(size);
  auto rest = value % count;
  return static_cast<std::size_t>(rest < 0 ? rest + count : rest);
}

// The first handoff as a local calendar date and wall-clock time.
struct local_origin {
  date::local_days day;
  std::chrono::seconds time_of_day;
};

local_origin origin_of(const layer& rotation, const date::time_zone& zone) {
  auto local = zone.to_local(rotation.handoff);
  auto day = date::floor<date::days>(local);
  return {day, local - day};
}

// Nonexistent local times map to the instant of the jump and ambiguous ones
// to their first occurrence.
sys_seconds to_sys(const date::time_zone& zone, date::local_seconds local) {
  return zone.to_sys(local, date::choose::earliest);
}

sys_seconds monthly_start(const local_origin& origin, const date::time_zone& zone,
                          std::int64_t months) {
  // Clamp to the month's last day from the original day each time, so a
  // rotation that starts on the 31st returns to the 31st after February.
  date::year_month_day first{origin.day};
  auto month = date::year_month{first.year(), first.month()}
               + date::months{static_cast<int>(months)};
  auto day = std::min(first.day(), (month / date::last).day());
  return to_sys(zone, date::local_days{month / day} + origin.time_of_day);
}

// Start of shift `i`, where shift 0 starts at the handoff. Calendar units
// step the local date and keep the local time, never adding fixed 24 h.
sys_seconds shift_start(const layer& rotation, const date::time_zone& zone,
                        const local_origin& origin, std::int64_t i) {
  // Shift 0 is the handoff itself, which keeps an ambiguous local handoff
  // time at the occurrence the resource file gave.
  if (i == 0)
    return rotation.handoff;
  auto steps = i * rotation.shift_length;
  switch (rotation.unit) {
    case rotation_unit::hourly:
      return rotation.handoff + std::chrono::hours{steps};
    case rotation_unit::daily:
      return to_sys(zone, origin.day + date::days{static_cast<int>(steps)}
                            + origin.time_of_day);
    case rotation_unit::weekly:
      return to_sys(zone, origin.day + date::days{static_cast<int>(7 * steps)}
                            + origin.time_of_day);
    case rotation_unit::monthly:
      return monthly_start(origin, zone, steps);
  }
  return rotation.handoff;
}

// Guesses the index of the shift that contains `t` by division. The hourly
// result is exact. Calendar units ignore offset changes and month lengths,
// so their guess may be one shift off.
std::int64_t estimate_index(const layer& rotation, const date::time_zone& zone,
                            const local_origin& origin, sys_seconds t) {
  std::int64_t length = rotation.shift_length;
  switch (rotation.unit) {
    case rotation_unit::hourly:
      return floor_div((t - rotation.handoff).count(), length * 3600);
    case rotation_unit::daily:
    case rotation_unit::weekly: {
      std::int64_t days = rotation.unit == rotation_unit::weekly ? 7 : 1;
      auto elapsed = zone.to_local(t) - (origin.day + origin.time_of_day);
      return floor_div(elapsed.count(), length * days * seconds_per_day);
    }
    case rotation_unit::monthly: {
      date::year_month_day now{date::floor<date::days>(zone.to_local(t))};
      date::year_month_day first{origin.day};
      auto months = (static_cast<int>(now.year())
                     - static_cast<int>(first.year())) * 12
                    + (static_cast<int>(static_cast<unsigned>(now.month()))
                       - static_cast<int>(static_cast<unsigned>(first.month())));
      return floor_div(months, length);
    }
  }
  return 0;
}

std::int64_t shift_index(const layer& rotation, const date::time_zone& zone,
                         const local_origin& origin, sys_seconds t) {
  auto i = estimate_index(rotation, zone, origin, t);
  if (rotation.unit == rotation_unit::hourly)
    return i;

  // Both loops end because shift starts strictly increase with the index.
  // From the estimate they usually take one step or none.
  while (shift_start(rotation, zone, origin, i + 1) <= t)
    ++i;
  while (shift_start(rotation, zone, origin, i) > t)
    --i;
  return i;
}

std::size_t participant_of(const layer& rotation, const date::time_zone& zone,
                           const local_origin& origin, std::int64_t i) {
  auto size = rotation.participants.size();
  if (!rotation.anchor)
    return wrap_index(i, size);
  auto anchor_shift = shift_index(rotation, zone, origin, rotation.anchor->at);
  auto anchor_index = static_cast<std::int64_t>(rotation.anchor->index % size);
  return wrap_index(anchor_index + (i - anchor_shift), size);
}

bool same_shift_grid(const layer& a, const layer& b) {
  return a.unit == b.unit && a.shift_length == b.shift_length
         && a.handoff == b.handoff && a.time_zone == b.time_zone;
}

// Position in `members` of whoever owns the current shift after a membership
// change: the owner if still listed, otherwise the first member after them in
// the old order who is still listed.
std::optional<std::size_t> find_successor(const std::vector<std::string>& old,
                                          std::size_t owner,
                                          const std::vector<std::string>& members) {
  for (std::size_t step = 0; step < old.size(); ++step) {
    const auto& candidate = old[(owner + step) % old.size()];
    auto found = std::find(members.begin(), members.end(), candidate);
    if (found != members.end())
      return static_cast<std::size_t>(found - members.begin());
  }
  return std::nullopt;
}

} // namespace

int max_shift_length(rotation_unit unit) noexcept {
  switch (unit) {
    case rotation_unit::hourly: return 87600;
    case rotation_unit::daily: return 3650;
    case rotation_unit::weekly: return 520;
    case rotation_unit::monthly: return 120;
  }
  return 1;
}

std::string_view to_string(rotation_unit unit) noexcept {
  for (const auto& [name, value] : unit_names)
    if (value == unit)
      return name;
  return "unknown";
}

std::optional<rotation_unit> parse_rotation_unit(std::string_view text) {
  for (const auto& [name, value] : unit_names)
    if (name == text)
      return value;
  return std::nullopt;
}

std::optional<rotation_shift> shift_at(const layer& rotation,
                                       const date::time_zone& zone,
                                       sys_seconds t) {
  if (rotation.participants.empty() || t < rotation.handoff)
    return std::nullopt;
  auto origin = origin_of(rotation, zone);
  auto i = shift_index(rotation, zone, origin, t);
  return rotation_shift{shift_start(rotation, zone, origin, i),
                        shift_start(rotation, zone, origin, i + 1),
                        participant_of(rotation, zone, origin, i)};
}

std::optional<std::string> on_call(const layer& rotation,
                                   const date::time_zone& zone, sys_seconds t) {
  if (rotation.restriction && !contains(*rotation.restriction, zone, t))
    return std::nullopt;
  auto shift = shift_at(rotation, zone, t);
  if (!shift)
    return std::nullopt;
  return rotation.participants[shift->index];
}

std::optional<sys_seconds> next_boundary(const layer& rotation,
                                         const date::time_zone& zone,
                                         sys_seconds t) {
  if (rotation.participants.empty())
    return std::nullopt;
  auto result = rotation.handoff;
  if (t >= rotation.handoff) {
    auto origin = origin_of(rotation, zone);
    result = shift_start(rotation, zone, origin,
                         shift_index(rotation, zone, origin, t) + 1);
  }
  if (rotation.restriction)
    if (auto edge = next_edge(*rotation.restriction, zone, t))
      result = std::min(result, *edge);
  return result;
}

std::optional<sys_seconds> last_boundary(const layer& rotation,
                                         const date::time_zone& zone,
                                         sys_seconds t) {
  if (rotation.participants.empty() || t < rotation.handoff)
    return std::nullopt;
  auto origin = origin_of(rotation, zone);
  auto result = shift_start(rotation, zone, origin,
                            shift_index(rotation, zone, origin, t));
  if (rotation.restriction)
    if (auto edge = last_edge(*rotation.restriction, zone, t))
      result = std::max(result, *edge);
  return result;
}

layer reconcile(const layer& current, const layer& declared,
                const date::time_zone& zone, sys_seconds now) {
  if (!same_shift_grid(current, declared) || declared.participants.empty())
    return declared;
  auto shift = shift_at(current, zone, now);
  if (!shift)
    return declared;

  layer result = declared;
  if (current.participants == declared.participants) {
    result.anchor = current.anchor;
    return result;
  }

  // When no old member remains, the first declared member takes over.
  // NOTE: the anchor covers the whole current shift, so queries for earlier
  // instants of that shift also return the new owner.
  auto owner = find_successor(current.participants, shift->index,
                              declared.participants);
  result.anchor = rotation_anchor{shift->start, owner.value_or(0)};
  return result;
}

} // namespace tropos::schedule
