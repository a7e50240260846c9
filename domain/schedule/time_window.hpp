// Weekly time-of-day windows in a named time zone, such as "Monday to Friday,
// 08:30-17:30 Europe/London". Layer restrictions and time-of-day conditions
// of escalation steps both use them. Pure functions, no I/O beyond the
// tz database that date/tz reads from /usr/share/zoneinfo.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <date/tz.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace tropos::schedule {

using sys_seconds = date::sys_seconds;

/// A half-open span of time `[start, end)`.
struct interval {
  sys_seconds start;
  sys_seconds end;

  friend bool operator==(const interval&, const interval&) = default;
};

/// A window that opens at local time `start` on each listed weekday and
/// closes at local time `end`. When `end <= start` the window wraps past
/// midnight and belongs to the weekday it opens on (Friday 22:00-06:00 ends
/// Saturday 06:00). When `end == start` it lasts 24 local hours.
struct time_window {
  /// Weekdays the window opens on. Bit i is set for the weekday whose
  /// `date::weekday::c_encoding()` is i, so bit 0 is Sunday.
  std::bitset<7> weekdays;

  /// Opening time after local midnight, minute precision, in [0, 24h).
  std::chrono::minutes start{0};

  /// Closing time after local midnight, minute precision, in [0, 24h).
  std::chrono::minutes end{0};
};

/// Looks up an IANA zone name in the tz database. Unknown names, including
/// the empty one, yield `ec::invalid_argument` with `field` in the detail.
caf::expected<const date::time_zone*>
find_time_zone(std::string_view name, std::string_view field = "time_zone");

/// Checks that at least one weekday is set and that both times lie in
/// [00:00, 24:00). The error detail starts with `path`.
caf::error validate(const time_window& window, std::string_view path);

/// Returns whether instant `t` lies inside an occurrence of the window.
/// Local times that do not exist (clocks jump forward) map to the instant of
/// the jump, and ambiguous ones (clocks go back) to their first occurrence.
bool contains(const time_window& window, const date::time_zone& zone,
              sys_seconds t);

/// Lists the occurrences of the window that overlap `[from, to)`, in UTC,
/// sorted, not clipped to the range, with touching occurrences merged.
/// Occurrences that a clock change makes empty are left out.
std::vector<interval> intervals(const time_window& window,
                                const date::time_zone& zone, sys_seconds from,
                                sys_seconds to);

/// Returns the first instant after `t` at which `contains` changes, or none
/// when the window is open all week or never opens.
std::optional<sys_seconds> next_edge(const time_window& window,
                                     const date::time_zone& zone,
                                     sys_seconds t);

/// Returns the last instant at or before `t` at which `contains` changed, or
/// none when the window is open all week or never opens.
std::optional<sys_seconds> last_edge(const time_window& window,
                                     const date::time_zone& zone,
                                     sys_seconds t);

} // namespace tropos::schedule
