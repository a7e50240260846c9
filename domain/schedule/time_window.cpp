#include "domain/schedule/time_window.hpp"

#include "domain/error.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tropos::schedule {

namespace {

constexpr auto one_day = std::chrono::minutes{24 * 60};

// Nonexistent local times map to the instant of the jump and ambiguous ones
// to their first occurrence (date/tz's choose::earliest does both).
sys_seconds to_sys(const date::time_zone& zone, date::local_seconds local) {
  return zone.to_sys(local, date::choose::earliest);
}

// The occurrence that opens on local date `day`.
interval occurrence(const time_window& window, const date::time_zone& zone,
                    date::local_days day) {
  auto close_day = window.end <= window.start ? day + date::days{1} : day;
  return {to_sys(zone, day + window.start), to_sys(zone, close_day + window.end)};
}

caf::error check_time_of_day(std::chrono::minutes value, std::string_view path,
                             std::string_view field) {
  if (value >= std::chrono::minutes{0} && value < one_day)
    return {};
  return make_error(ec::invalid_argument,
                    std::string{path} + "." + std::string{field}
                      + ": must be between 00:00 and 23:59, got "
                      + std::to_string(value.count()) + " minutes");
}

} // namespace

caf::expected<const date::time_zone*> find_time_zone(std::string_view name,
                                                     std::string_view field) {
  // date/tz reports an unknown name only by throwing std::runtime_error, so
  // this is the one place that catches it.
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return make_error(ec::invalid_argument,
                      std::string{field} + ": unknown time zone \""
                        + std::string{name}
                        + "\", expected an IANA name such as Europe/London");
  }
}

caf::error validate(const time_window& window, std::string_view path) {
  if (window.weekdays.none())
    return make_error(ec::invalid_argument,
                      std::string{path}
                        + ".weekdays: must list at least one weekday");
  if (auto err = check_time_of_day(window.start, path, "start"))
    return err;
  return check_time_of_day(window.end, path, "end");
}

bool contains(const time_window& window, const date::time_zone& zone,
              sys_seconds t) {
  return !intervals(window, zone, t, t + std::chrono::seconds{1}).empty();
}

std::vector<interval> intervals(const time_window& window,
                                const date::time_zone& zone, sys_seconds from,
                                sys_seconds to) {
  std::vector<interval> result;
  if (to <= from || window.weekdays.none())
    return result;

  // An occurrence lasts at most 24 local hours, so one that overlaps the
  // range opens no earlier than two local days before `from`. The extra day
  // at each end absorbs clock changes around local midnight.
  auto first_day = date::floor<date::days>(zone.to_local(from)) - date::days{2};
  auto last_day = date::floor<date::days>(zone.to_local(to)) + date::days{1};
  for (auto day = first_day; day <= last_day; day += date::days{1}) {
    if (!window.weekdays.test(date::weekday{day}.c_encoding()))
      continue;
    auto next = occurrence(window, zone, day);
    if (next.start >= next.end || next.end <= from || next.start >= to)
      continue;

    // Local-to-UTC conversion never reverses order, so occurrences arrive
    // sorted and can only touch the previous one, never cross it.
    if (!result.empty() && result.back().end >= next.start)
      result.back().end = std::max(result.back().end, next.end);
    else
      result.push_back(next);
  }
  return result;
}

std::optional<sys_seconds> next_edge(const time_window& window,
                                     const date::time_zone& zone,
                                     sys_seconds t) {
  // Every weekday occurs within 8 days, so the first edge after `t` does too.
  auto found = intervals(window, zone, t, t + date::days{8});
  if (found.empty())
    return std::nullopt;
  const auto& first = found.front();
  if (first.start > t)
    return first.start;

  // Open for a whole week without a break means open all the time.
  if (first.end - t >= date::days{7})
    return std::nullopt;
  return first.end;
}

std::optional<sys_seconds> last_edge(const time_window& window,
                                     const date::time_zone& zone,
                                     sys_seconds t) {
  auto found = intervals(window, zone, t - date::days{8},
                         t + std::chrono::seconds{1});
  if (found.empty())
    return std::nullopt;
  const auto& last = found.back();
  if (last.end <= t)
    return last.end;
  if (t - last.start >= date::days{7})
    return std::nullopt;
  return last.start;
}

} // namespace tropos::schedule
