// Grouping alerts into incidents, in the manner of Alertmanager's group_by:
// alerts whose grouping labels agree join one open incident, and the
// incident tracks each alert's firing or resolved state.
#pragma once

#include "domain/resources.hpp"
#include "domain/routing/matcher.hpp"
#include "domain/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::routing {

/// Returns the key that selects the incident an alert joins within its
/// service. Returns an empty string when the service does not group, in
/// which case incidents are keyed by dedup key alone. Otherwise the key
/// lists the `group_by` labels, or every label for {"..."}, sorted by name
/// as `{"name"="value",...}` with quotes and backslashes escaped. Labels
/// that the alert lacks or has empty are left out, so all such alerts share
/// one group.
std::string group_key(const service& s, const label_set& labels);

/// Returns whether an alert with group key `alert_key`, arriving at `at`,
/// joins an open incident with group key `incident_key` that opened at
/// `opened_at`. The keys must be equal and non-empty, and when the service
/// sets group_window the incident must be younger than it:
/// `at - opened_at < group_window`.
bool joins_group(const service& s, std::string_view incident_key,
                 instant opened_at, std::string_view alert_key, instant at);

/// One alert inside an incident.
struct alert_state {
  std::string dedup_key;
  bool firing = true;
  /// The instant of the newest event applied to this alert.
  instant last_event;
};

/// The effect of record_alert.
enum class alert_change : uint8_t {
  /// The alert was not in the set and has been added.
  added,
  /// A resolved alert fires again.
  refired,
  /// A firing alert has resolved.
  resolved,
  /// The event repeats the alert's state; only last_event moved.
  unchanged,
  /// The event is older than the alert's last event and was ignored.
  stale,
};

/// Adds the alert `dedup_key` to `alerts` or updates its state with an
/// event at `at`. Events older than the alert's last event are ignored, so
/// a delayed "firing" cannot undo a newer "resolved".
alert_change record_alert(std::vector<alert_state>& alerts,
                          std::string_view dedup_key, bool firing, instant at);

/// Returns the number of firing alerts.
std::size_t firing_count(const std::vector<alert_state>& alerts);

/// Returns whether the set has alerts and none of them is firing, which is
/// when a grouped incident resolves. One resolved alert among firing ones
/// leaves the incident open.
bool all_resolved(const std::vector<alert_state>& alerts);

} // namespace tropos::routing
