#include "domain/routing/grouping.hpp"

#include <algorithm>

namespace tropos::routing {

namespace {

// Quoting both name and value makes the key unambiguous even for label
// names that contain '=' or ',', which "..." takes from the alert as sent.
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
}

void append_label(std::string& out, std::string_view name,
                  std::string_view value) {
  if (value.empty())
    return;
  if (out.size() > 1)
    out += ',';
  append_quoted(out, name);
  out += '=';
  append_quoted(out, value);
}

} // namespace

std::string group_key(const service& s, const label_set& labels) {
  if (s.group_by.empty())
    return {};
  std::string key = "{";
  if (s.group_by.size() == 1 && s.group_by.front() == "...") {
    for (const auto& [name, value] : labels)
      append_label(key, name, value);
  } else {
    // Sorted so that group_by = ["b", "a"] and ["a", "b"] give one key.
    auto names = s.group_by;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& name : names)
      if (auto found = labels.find(name); found != labels.end())
        append_label(key, name, found->second);
  }
  key += '}';
  return key;
}

bool joins_group(const service& s, std::string_view incident_key,
                 instant opened_at, std::string_view alert_key, instant at) {
  if (incident_key.empty() || incident_key != alert_key)
    return false;
  if (!s.group_window)
    return true;
  return at - opened_at < *s.group_window;
}

alert_change record_alert(std::vector<alert_state>& alerts,
                          std::string_view dedup_key, bool firing, instant at) {
  auto found = std::find_if(alerts.begin(), alerts.end(), [&](const auto& a) {
    return a.dedup_key == dedup_key;
  });
  if (found == alerts.end()) {
    alerts.push_back({std::string{dedup_key}, firing, at});
    return alert_change::added;
  }
  if (at < found->last_event)
    return alert_change::stale;

  found->last_event = at;
  if (found->firing == firing)
    return alert_change::unchanged;
  found->firing = firing;
  return firing ? alert_change::refired : alert_change::resolved;
}

std::size_t firing_count(const std::vector<alert_state>& alerts) {
  return static_cast<std::size_t>(
    std::count_if(alerts.begin(), alerts.end(),
                  [](const alert_state& a) { return a.firing; }));
}

bool all_resolved(const std::vector<alert_state>& alerts) {
  return !alerts.empty() && firing_count(alerts) == 0;
}

} // namespace tropos::routing
