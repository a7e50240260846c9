#include "domain/ingest/events_v2.hpp"

#include "domain/error.hpp"
#include "domain/ingest/json_fields.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tropos::ingest {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> severities{"critical", "error",
                                                     "warning", "info"};

/// Returns an error unless `value` is at most `max` characters long.
caf::error check_length(std::string_view value, std::size_t max,
                        std::string_view path) {
  if (detail::count_code_points(value) <= max)
    return {};
  return detail::invalid_field(path, "longer than " + std::to_string(max)
                                       + " characters");
}

/// Reads a string that must be present and not empty.
caf::expected<std::string> read_non_empty(const json& object,
                                          std::string_view key,
                                          std::string_view parent_path) {
  auto value = detail::read_required_string(object, key, parent_path);
  if (!value)
    return std::move(value.error());
  if (value->empty())
    return detail::invalid_field(detail::field_path(parent_path, key),
                                 "must not be empty");
  return value;
}

caf::expected<action> read_action(const json& root) {
  auto text = detail::read_required_string(root, "event_action", "");
  if (!text)
    return std::move(text.error());
  if (*text == "trigger")
    return action::trigger;
  if (*text == "acknowledge")
    return action::acknowledge;
  if (*text == "resolve")
    return action::resolve;
  return detail::invalid_field("event_action",
                               "must be trigger, acknowledge or resolve");
}

/// Fills the trigger fields of `event` from the `payload` object.
caf::error read_payload(const json& root, alert_event& event) {
  const json* payload = detail::find_field(root, "payload");
  if (payload == nullptr)
    return detail::invalid_field("payload", "missing");
  if (!payload->is_object())
    return detail::invalid_field("payload", "must be an object");

  auto summary = read_non_empty(*payload, "summary", "payload");
  if (!summary)
    return std::move(summary.error());
  if (auto err = check_length(*summary, events_v2_max_summary,
                              "payload.summary"))
    return err;
  event.summary = std::move(*summary);
  auto source = read_non_empty(*payload, "source", "payload");
  if (!source)
    return std::move(source.error());
  event.source = std::move(*source);

  auto severity = detail::read_required_string(*payload, "severity",
                                               "payload");
  if (!severity)
    return std::move(severity.error());
  if (std::find(severities.begin(), severities.end(), *severity)
      == severities.end())
    return detail::invalid_field(
      "payload.severity", "must be critical, error, warning or info");
  event.severity = std::move(*severity);

  auto timestamp = detail::read_optional_timestamp(*payload, "timestamp",
                                                   "payload");
  if (!timestamp)
    return std::move(timestamp.error());
  event.starts_at = *timestamp;

  // Component, group and class are free-form routing hints.
  for (std::string_view key : {"component", "group", "class"}) {
    auto value = detail::read_optional_string(*payload, key, "payload");
    if (!value)
      return std::move(value.error());
    if (*value)
      event.labels.emplace(key, std::move(**value));
  }

  if (const json* custom = detail::find_field(*payload, "custom_details")) {
    // The replace handler cannot trigger: parsed strings are valid UTF-8.
    event.details = custom->is_string()
                      ? custom->get<std::string>()
                      : custom->dump(-1, ' ', false,
                                     json::error_handler_t::replace);
  }
  return {};
}

} // namespace

caf::expected<events_v2_request> parse_events_v2(std::string_view body) {
  if (body.size() > events_v2_max_body)
    return make_error(ec::too_large,
                      "body: larger than "
                        + std::to_string(events_v2_max_body) + " bytes");
  auto root = detail::parse_json_object(body);
  if (!root)
    return std::move(root.error());
  events_v2_request request;
  auto& event = request.event;

  auto routing_key = read_non_empty(*root, "routing_key", "");
  if (!routing_key)
    return std::move(routing_key.error());
  if (auto err = check_length(*routing_key, events_v2_max_routing_key,
                              "routing_key"))
    return err;
  request.routing_key = std::move(*routing_key);

  auto act = read_action(*root);
  if (!act)
    return std::move(act.error());
  event.act = *act;

  // A trigger may leave the key to the receiver, but the other actions
  // name the incident by it.
  auto dedup_key = detail::read_optional_string(*root, "dedup_key", "");
  if (!dedup_key)
    return std::move(dedup_key.error());
  event.dedup_key = dedup_key->value_or("");
  if (auto err = check_length(event.dedup_key, events_v2_max_dedup_key,
                              "dedup_key"))
    return err;
  if (event.dedup_key.empty()) {
    if (event.act != action::trigger)
      return detail::invalid_field("dedup_key",
                                   "missing, but required for acknowledge "
                                   "and resolve");
    event.dedup_key_generated = true;
  }

  auto client_url = detail::read_optional_string(*root, "client_url", "");
  if (!client_url)
    return std::move(client_url.error());
  event.generator_url = client_url->value_or("");

  if (event.act == action::trigger) {
    if (auto err = read_payload(*root, event))
      return err;
  }
  return request;
}

std::string events_v2_accepted_body(std::string_view dedup_key) {
  nlohmann::ordered_json body;
  body["status"] = "success";
  body["message"] = "Event processed";
  body["dedup_key"] = std::string{dedup_key};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string events_v2_invalid_body(const caf::error& err) {
  auto message = detail_of(err);
  if (message.empty())
    message = describe(err);
  nlohmann::ordered_json body;
  body["status"] = "invalid event";
  body["message"] = "Event object is invalid";
  body["errors"] = nlohmann::ordered_json::array({message});
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace tropos::ingest
