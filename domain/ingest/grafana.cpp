#include "domain/ingest/grafana.hpp"

#include "domain/ingest/alert_list.hpp"
#include "domain/ingest/json_fields.hpp"

#include <string>
#include <utility>

namespace tropos::ingest {

namespace {

using nlohmann::json;

/// Reads `ruleId`, which Grafana sends as an integer, though a string is
/// accepted too. Returns an empty string when it is absent.
caf::expected<std::string> read_rule_id(const json& root) {
  const json* value = detail::find_field(root, "ruleId");
  if (value == nullptr)
    return std::string{};
  if (value->is_number_integer())
    return value->dump();
  if (value->is_string())
    return value->get<std::string>();
  return detail::invalid_field("ruleId", "must be an integer or a string");
}

/// Removes a leading "[Alerting] " or "[OK] " style prefix from a title.
std::string strip_state_prefix(std::string title) {
  if (title.starts_with('[')) {
    auto close = title.find("] ");
    if (close != std::string::npos)
      title.erase(0, close + 2);
  }
  return title;
}

caf::expected<std::vector<alert_event>> parse_legacy(const json& root) {
  // The state decides whether there is an event at all.
  auto state = detail::read_required_string(root, "state", "");
  if (!state)
    return std::move(state.error());
  alert_event event;
  if (*state == "alerting")
    event.act = action::trigger;
  else if (*state == "ok")
    event.act = action::resolve;
  else if (*state == "no_data" || *state == "paused" || *state == "pending")
    return std::vector<alert_event>{};
  else
    return detail::invalid_field(
      "state", "must be one of alerting, ok, no_data, paused, pending");

  auto rule_id = read_rule_id(root);
  if (!rule_id)
    return std::move(rule_id.error());
  auto rule_name = detail::read_optional_string(root, "ruleName", "");
  if (!rule_name)
    return std::move(rule_name.error());
  auto title = detail::read_optional_string(root, "title", "");
  if (!title)
    return std::move(title.error());
  auto message = detail::read_optional_string(root, "message", "");
  if (!message)
    return std::move(message.error());
  auto rule_url = detail::read_optional_string(root, "ruleUrl", "");
  if (!rule_url)
    return std::move(rule_url.error());
  if (auto err = detail::read_string_map(root, "tags", "", event.labels))
    return err;

  // Firing and recovery bodies share only the rule, so the key is built
  // from it alone.
  auto name = rule_name->value_or("");
  if (!rule_id->empty())
    event.dedup_key = "grafana-rule:" + *rule_id;
  else if (!name.empty())
    event.dedup_key = "grafana-rule:" + name;
  else
    return detail::invalid_field("ruleId", "missing, and ruleName is "
                                           "missing too");

  event.summary = !name.empty() ? name
                                : strip_state_prefix(title->value_or(""));
  if (event.summary.empty())
    event.summary = "Grafana alert " + event.dedup_key;
  event.details = message->value_or("");
  if (auto it = event.labels.find("severity"); it != event.labels.end())
    event.severity = it->second;
  event.generator_url = rule_url->value_or("");
  std::vector<alert_event> events;
  events.push_back(std::move(event));
  return events;
}

} // namespace

caf::expected<std::vector<alert_event>> parse_grafana(std::string_view body) {
  auto root = detail::parse_json_object(body);
  if (!root)
    return std::move(root.error());
  if (root->contains("alerts"))
    return detail::parse_alert_list(*root, {.version = "1",
                                            .strip_reserved_names = true});
  return parse_legacy(*root);
}

} // namespace tropos::ingest
