// On-call schedules: rotation layers, overrides and temporary schedules
// resolved into "who is on call at t" and into a timeline of shifts.
//
// Precedence at an instant t, highest first:
//   1. the last temporary schedule whose window contains t: its shifts alone;
//   2. otherwise the last layer (in file order) with someone on call at t,
//      then every override active at t, applied in list order.
// The query functions expect a schedule that `validate` accepted. A layer
// whose zone does not resolve has nobody on call.
#pragma once

#include "domain/schedule/rotation.hpp"
#include "domain/schedule/time_window.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::schedule {

/// One user on call during `[start, end)`.
struct shift {
  std::string user;
  sys_seconds start;
  sys_seconds end;

  friend bool operator==(const shift&, const shift&) = default;
};

/// A change to who is on call during `[start, end)`. With `replaces` set,
/// `user` takes the place of `replaces` while `replaces` is on call, or, when
/// `user` is empty, `replaces` is taken off call. Without `replaces`, `user`
/// is added beside whoever is on call.
struct schedule_override {
  std::string user;
  std::optional<std::string> replaces;
  sys_seconds start;
  sys_seconds end;
};

/// Fixed shifts that replace layers and overrides during `[start, end)`.
/// Times inside the window that no shift covers have nobody on call.
struct temporary_schedule {
  sys_seconds start;
  sys_seconds end;
  std::vector<shift> shifts;
};

struct schedule {
  std::string id;
  std::string name;
  std::string team;

  /// IANA zone, also the zone of every layer that names none.
  std::string time_zone;

  /// In file order. A later layer takes precedence where it has someone on
  /// call and falls through to earlier layers elsewhere.
  std::vector<layer> layers;

  std::vector<schedule_override> overrides;
  std::vector<temporary_schedule> temporary_schedules;
};

/// The maximum span that `shifts` and `gaps` cover after `from`, and the
/// maximum distance they search beyond the range for the start and end of
/// shifts that cross its edges. A shift that runs past that distance is
/// reported as starting or ending there.
inline constexpr date::days max_scan{366};

/// Returns the user ids on call at `t`, sorted, without duplicates.
std::vector<std::string> on_call(const schedule& plan, sys_seconds t);

/// Returns the resolved timeline: one entry per continuous stretch that a
/// user is on call, for every stretch that overlaps `[from, to)`, sorted by
/// start then user. Entries are not clipped to the range, so the first may
/// start before `from` and the last may end after `to` (see `max_scan`).
std::vector<shift> shifts(const schedule& plan, sys_seconds from,
                          sys_seconds to);

/// Returns the parts of `[from, to)` with nobody on call, clipped to the
/// range and merged. Covers at most `max_scan` after `from`.
std::vector<interval> gaps(const schedule& plan, sys_seconds from,
                           sys_seconds to);

/// Returns the first instant after `t` at which the on-call set may change,
/// or none when nothing is scheduled to change. Some returned instants leave
/// the set as it was, such as the handoff of a one-person rotation.
std::optional<sys_seconds> next_change(const schedule& plan, sys_seconds t);

/// Checks ids, zones, shift lengths, participants, restrictions, overrides
/// and temporary schedules. The error detail starts with `path` and names the
/// field, as in "schedules[0].layers[1].shift_length: must be at least 1".
caf::error validate(const schedule& plan, std::string_view path);

/// Applies `declared` over the running `current` at `now`: each layer with
/// the same name in both is reconciled as `reconcile(layer, ...)` describes,
/// so membership changes keep the current shift and the next handoff. Fails
/// with `ec::invalid_argument` when a layer's zone does not resolve.
caf::expected<schedule> reconcile(const schedule& current,
                                  const schedule& declared, sys_seconds now);

/// Removes a deleted user from every layer (as a membership change at
/// `now`), drops the overrides that put them on call and their shifts in
/// temporary schedules.
caf::expected<schedule> remove_user(const schedule& plan,
                                    std::string_view user, sys_seconds now);

} // namespace tropos::schedule
