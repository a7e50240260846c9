#include "domain/ingest/alert_list.hpp"

#include "domain/error.hpp"
#include "domain/ingest/alertmanager.hpp"
#include "domain/ingest/json_fields.hpp"
#include "domain/ingest/timestamp.hpp"

#include <string>
#include <utility>

namespace tropos::ingest::detail {

namespace {

using nlohmann::json;

/// Returns true for names like `__alertImageToken__`.
bool is_reserved_name(std::string_view name) {
  return name.starts_with("__") && name.ends_with("__");
}

void erase_reserved_names(std::map<std::string, std::string>& entries) {
  std::erase_if(entries,
                [](const auto& entry) { return is_reserved_name(entry.first); });
}

/// Returns the value stored under `key`, or an empty string.
std::string value_or_empty(const std::map<std::string, std::string>& entries,
                           const std::string& key) {
  auto it = entries.find(key);
  return it == entries.end() ? std::string{} : it->second;
}

/// Builds a title for an alert without a `summary` annotation, so that a
/// trigger never has an empty summary.
std::string fallback_summary(const alert_event& event) {
  auto alertname = value_or_empty(event.labels, "alertname");
  if (alertname.empty())
    return "Alert " + event.dedup_key;
  auto instance = value_or_empty(event.labels, "instance");
  if (!instance.empty())
    alertname += " on " + instance;
  return alertname;
}

/// Reads an optional timestamp and maps Go's zero time to "not set".
caf::error read_instant(const json& alert, std::string_view key,
                        std::string_view path,
                        std::optional<date::sys_seconds>& out) {
  auto instant = read_optional_timestamp(alert, key, path);
  if (!instant)
    return std::move(instant.error());
  out = *instant;
  if (out && is_go_zero_time(*out))
    out.reset();
  return {};
}

caf::expected<alert_event> parse_alert(const json& alert,
                                       const std::string& path,
                                       const alert_list_format& format) {
  if (!alert.is_object())
    return invalid_field(path, "must be an object");
  alert_event event;

  // Status decides the action.
  auto status = read_required_string(alert, "status", path);
  if (!status)
    return std::move(status.error());
  if (*status == "firing")
    event.act = action::trigger;
  else if (*status == "resolved")
    event.act = action::resolve;
  else
    return invalid_field(field_path(path, "status"),
                         "must be firing or resolved");

  // Labels and annotations, without Grafana's internal ones.
  if (auto err = read_string_map(alert, "labels", path, event.labels))
    return err;
  if (auto err = read_string_map(alert, "annotations", path,
                                 event.annotations))
    return err;
  if (format.strip_reserved_names) {
    erase_reserved_names(event.labels);
    erase_reserved_names(event.annotations);
  }

  if (auto err = read_instant(alert, "startsAt", path, event.starts_at))
    return err;
  if (auto err = read_instant(alert, "endsAt", path, event.ends_at))
    return err;
  auto generator_url = read_optional_string(alert, "generatorURL", path);
  if (!generator_url)
    return std::move(generator_url.error());
  event.generator_url = generator_url->value_or("");

  // The fingerprint identifies the alert across notifications. Without it,
  // the same hash is derived from the labels.
  auto fingerprint = read_optional_string(alert, "fingerprint", path);
  if (!fingerprint)
    return std::move(fingerprint.error());
  if (*fingerprint && !(*fingerprint)->empty()) {
    event.dedup_key = std::move(**fingerprint);
  } else {
    event.dedup_key = label_set_fingerprint(event.labels);
    event.dedup_key_generated = true;
  }

  event.summary = value_or_empty(event.annotations, "summary");
  if (event.summary.empty())
    event.summary = fallback_summary(event);
  event.details = value_or_empty(event.annotations, "description");
  event.source = value_or_empty(event.labels, "instance");
  event.severity = value_or_empty(event.labels, "severity");
  return event;
}

} // namespace

caf::expected<std::vector<alert_event>>
parse_alert_list(const json& root, const alert_list_format& format) {
  auto version = read_optional_string(root, "version", "");
  if (!version)
    return std::move(version.error());
  if (*version && **version != format.version)
    return invalid_field("version", "unsupported value, expected \""
                                      + std::string{format.version} + "\"");
  auto group_key = read_optional_string(root, "groupKey", "");
  if (!group_key)
    return std::move(group_key.error());

  const json* alerts = find_field(root, "alerts");
  if (alerts == nullptr)
    return invalid_field("alerts", "missing");
  if (!alerts->is_array())
    return invalid_field("alerts", "must be an array");
  if (alerts->size() > max_alerts_per_request)
    return make_error(ec::too_large,
                      "alerts: more than "
                        + std::to_string(max_alerts_per_request)
                        + " alerts in one request");

  std::vector<alert_event> events;
  events.reserve(alerts->size());
  for (std::size_t i = 0; i < alerts->size(); ++i) {
    auto event = parse_alert((*alerts)[i], element_path("alerts", i), format);
    if (!event)
      return std::move(event.error());
    event->group_key = group_key->value_or("");
    events.push_back(std::move(*event));
  }
  return events;
}

} // namespace tropos::ingest::detail
