// The stored state of one incident and the escalation arithmetic that
// moves it through the levels of its policy.
#pragma once

#include "domain/resources.hpp"
#include "domain/routing/grouping.hpp"
#include "domain/time.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tropos {

enum class incident_status : uint8_t { triggered, acknowledged, resolved };

std::string_view to_string(incident_status status) noexcept;

std::optional<incident_status> parse_incident_status(std::string_view text);

/// One line of an incident's history.
struct timeline_entry {
  instant at;
  /// Stable kebab-case event name: "triggered", "escalated", "acknowledged".
  std::string event;
  std::string detail;
};

struct incident_record {
  uint64_t id = 0;
  std::string service_id;
  std::string policy_id;
  /// The dedup key of the alert that opened the incident.
  std::string dedup_key;
  /// The router's key of the incident: service, policy, then the group key
  /// or, without grouping, the dedup key.
  std::string route_key;
  /// Every alert grouped into the incident with its firing state; the
  /// incident resolves when all of them have resolved.
  std::vector<routing::alert_state> alerts;
  /// "silence:<id>" or "maintenance:<id>" when the incident was opened
  /// muted: it is recorded but pages nobody.
  std::string suppressed_by;
  std::string summary;
  std::string details;
  std::string source;
  std::string severity;
  std::map<std::string, std::string> labels;
  incident_status status = incident_status::triggered;
  instant created_at;
  instant updated_at;
  std::string acknowledged_by;
  std::string resolved_by;
  /// When an acknowledgement returns the incident to triggered, if the
  /// policy sets ack_timeout.
  std::optional<instant> ack_expires_at;
  /// The escalation level paged last and the pass it belonged to.
  unsigned level = 0;
  unsigned pass = 0;
  /// When the next level is due; empty once escalation has ended.
  std::optional<instant> next_step_at;
  uint32_t event_count = 1;
  /// Notification jobs created so far; job keys are (id, 0..job_count-1).
  uint32_t job_count = 0;
  std::vector<timeline_entry> timeline;
};

/// Keeps the newest entries when a long-running incident grows its history.
inline constexpr size_t max_timeline_entries = 200;

void add_timeline(incident_record& record, instant at, std::string event,
                  std::string detail = {});

std::string to_json(const incident_record& record);

caf::expected<incident_record> incident_from_json(std::string_view text);

/// A position in an escalation policy.
struct escalation_step {
  unsigned level = 0;
  unsigned pass = 0;
  instant at;
};

/// Returns the step after paging (`level`, `pass`) at `paged_at`, or none
/// when that was the last level of the last pass. With repeat = 1 and two
/// levels the order is L0, L1, L0, L1, then none.
std::optional<escalation_step> next_step(const escalation_policy& policy,
                                         unsigned level, unsigned pass,
                                         instant paged_at);

/// One delivery to one contact method, stored in the outbox until it has
/// reached the provider or failed for good.
struct notification_job {
  uint64_t incident_id = 0;
  uint32_t sequence = 0;
  std::string user_id;
  std::string contact_method_id;
  contact_type type = contact_type::sms;
  std::string address;
  std::string summary;
  /// Set for a notice that belongs to no incident (a handoff or a gap in a
  /// schedule): the subject of its e-mail. Notices carry no reply code.
  std::string notice_subject;
  /// Longer text of the page (the alert's description) or of the notice.
  std::string details;
  instant due;
  unsigned attempt = 0;

  /// The outbox key: incident id and sequence, both big-endian.
  std::string key() const;
};

std::string to_json(const notification_job& job);

caf::expected<notification_job> job_from_json(std::string_view text);

/// Builds the notice jobs telling `user` about a schedule event, one per
/// contact method of the user's notification rules without delay (e-mail
/// first when the user has one). Incident id 0 marks them as notices.
std::vector<notification_job> plan_notice(const resource_set& resources,
                                          std::string_view user_id,
                                          std::string subject, std::string text,
                                          instant at, uint32_t sequence);

/// Builds the jobs for paging `users` at `at`, following each user's
/// notification rules. Sequences start at `first_sequence`.
std::vector<notification_job>
plan_notifications(const resource_set& resources, const incident_record& record,
                   const std::vector<std::string>& users, instant at,
                   uint32_t first_sequence);

} // namespace tropos
