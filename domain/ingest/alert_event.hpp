// The normalized alert event that every integration parser produces.
#pragma once

#include <date/date.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tropos::ingest {

/// The change an event requests: open or update an incident (trigger),
/// acknowledge it, or resolve it.
enum class action : uint8_t { trigger, acknowledge, resolve };

/// One alert as reported by a monitoring tool. Every string is the decoded
/// JSON value byte for byte (UTF-8, no escaping applied or removed), so
/// renderers must escape it for their own format.
struct alert_event {
  /// Trigger, acknowledge or resolve.
  action act = action::trigger;
  /// Key that ties repeated events to one incident within a service.
  std::string dedup_key;
  /// One-line title, never empty for a trigger.
  std::string summary;
  /// Longer free text, possibly multi-line.
  std::string details;
  /// The affected system as the sender names it (host, instance).
  std::string source;
  /// Severity in the sender's own values, which differ between integrations.
  std::string severity;
  /// Labels (Alertmanager, Grafana) or tags used for routing.
  std::map<std::string, std::string> labels;
  /// Annotations, kept for rendering only.
  std::map<std::string, std::string> annotations;
  /// When the problem started, if the sender gives it.
  std::optional<date::sys_seconds> starts_at;
  /// When the problem ended, if the sender gives it.
  std::optional<date::sys_seconds> ends_at;
  /// Link back to the rule or graph that produced the alert.
  std::string generator_url;
  /// The sender's group key, the same for every alert of one notification.
  std::string group_key;
  /// True when the sender gave no dedup key: either `dedup_key` contains one
  /// derived from the labels, or it is empty and the caller must create one.
  bool dedup_key_generated = false;
};

/// Longest summary kept, in bytes; the PagerDuty Events API allows 1024
/// characters, and a title longer than that helps nobody on a phone.
inline constexpr std::size_t max_summary_bytes = 1024;

/// Cuts a longer summary at a UTF-8 character boundary and marks the cut
/// with "...". Details are kept whole.
inline void clamp_summary(alert_event& event) {
  auto& text = event.summary;
  if (text.size() <= max_summary_bytes)
    return;
  auto cut = max_summary_bytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  text.resize(cut);
  text += "...";
}

/// Maximum number of alerts accepted in one webhook request.
inline constexpr std::size_t max_alerts_per_request = 1000;

} // namespace tropos::ingest
