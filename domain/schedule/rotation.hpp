// Rotation layers: participants take turns in shifts of N hours, days, weeks
// or months. Calendar shifts hand off at the local wall-clock time of the
// first handoff, so a weekly 09:00 handoff stays at 09:00 across DST changes
// (a shift that spans a change is one hour longer or shorter).
#pragma once

#include "domain/schedule/time_window.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::schedule {

/// The unit of `layer::shift_length`.
enum class rotation_unit : uint8_t {
  /// Absolute hours: a shift keeps its length across DST changes.
  hourly,
  /// Local calendar days at the handoff's wall-clock time.
  daily,
  /// Local calendar weeks at the handoff's wall-clock time.
  weekly,
  /// Local calendar months. A handoff on day 31 falls on the last day of
  /// shorter months and returns to day 31 in longer ones.
  monthly,
};

/// Returns the largest `shift_length` accepted for a unit: 87600 hours,
/// 3650 days, 520 weeks or 120 months, each about 10 years.
int max_shift_length(rotation_unit unit) noexcept;

/// Returns the resource-file name of a unit ("hourly", "daily", ...).
std::string_view to_string(rotation_unit unit) noexcept;

/// Parses a resource-file name of a unit. Returns none for any other text.
std::optional<rotation_unit> parse_rotation_unit(std::string_view text);

/// The reference point for assigning participants to shifts: the shift that
/// contains `at` belongs to `participants[index]`, and each later shift to the
/// next participant in list order.
struct rotation_anchor {
  sys_seconds at;
  std::size_t index = 0;

  friend bool operator==(const rotation_anchor&, const rotation_anchor&)
    = default;
};

/// One rotation layer of a schedule.
struct layer {
  std::string name;
  rotation_unit unit = rotation_unit::weekly;

  /// Shift length in `unit`s, from 1 to about 10 years' worth (see
  /// `max_shift_length`). Longer shifts would overflow the date arithmetic.
  int shift_length = 1;

  /// Start of the first shift. Nobody from this layer is on call before it.
  sys_seconds handoff;

  /// IANA zone for handoffs and the restriction. Empty means the zone of
  /// the schedule that contains the layer.
  std::string time_zone;

  /// User ids in rotation order. A user may appear more than once.
  std::vector<std::string> participants;

  /// When set, the layer has someone on call only inside this window.
  std::optional<time_window> restriction;

  /// When unset, the first shift belongs to `participants[0]`. A membership
  /// change sets it (see `reconcile`) so the current shift keeps its owner.
  std::optional<rotation_anchor> anchor;
};

/// One shift of a layer, before the restriction applies.
struct rotation_shift {
  sys_seconds start;
  sys_seconds end;

  /// Position in `layer::participants`.
  std::size_t index = 0;
};

/// Returns the shift that contains `t`, or none before the first handoff or
/// when the layer has no participants. Costs a few tz lookups whatever the
/// distance from the handoff.
std::optional<rotation_shift> shift_at(const layer& rotation,
                                       const date::time_zone& zone,
                                       sys_seconds t);

/// Returns the user on call in this layer at `t`, honouring the restriction.
std::optional<std::string> on_call(const layer& rotation,
                                   const date::time_zone& zone, sys_seconds t);

/// Returns the first instant after `t` at which `on_call` may change: the
/// next handoff or restriction edge. None when the layer has no participants.
std::optional<sys_seconds> next_boundary(const layer& rotation,
                                         const date::time_zone& zone,
                                         sys_seconds t);

/// Returns the last instant at or before `t` at which `on_call` may have
/// changed. None before the first handoff or without participants.
std::optional<sys_seconds> last_boundary(const layer& rotation,
                                         const date::time_zone& zone,
                                         sys_seconds t);

/// Applies a membership change declared at `now` to the running `current`
/// layer, with `zone` the layer's resolved zone. When unit, shift length,
/// handoff and zone are unchanged, the result is `declared` with an anchor
/// that keeps the current shift's end and its owner, who is followed by the
/// members after them in declared order. When the owner was removed, the
/// next remaining member in the old order takes over the current shift.
/// Otherwise, and before the first handoff, returns `declared` unchanged.
/// An empty declared list yields a layer with nobody on call.
layer reconcile(const layer& current, const layer& declared,
                const date::time_zone& zone, sys_seconds now);

} // namespace tropos::schedule
