#include "domain/routing/silence.hpp"

#include "domain/error.hpp"

#include <algorithm>
#include <initializer_list>
#include <unordered_set>

namespace tropos::routing {

namespace {

using json = nlohmann::json;

caf::error invalid(std::string_view field, std::string_view problem) {
  return make_error(ec::invalid_argument,
                    std::string{field} + ": " + std::string{problem});
}

std::string element(std::string_view field, size_t index) {
  return std::string{field} + "[" + std::to_string(index) + "]";
}

caf::error check_object(const json& doc,
                        std::initializer_list<std::string_view> known) {
  if (!doc.is_object())
    return make_error(ec::invalid_argument, "expected a JSON object");
  for (const auto& [key, value] : doc.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      return invalid(key, "unknown field");
  return {};
}

caf::error read_string(const json& doc, std::string_view field,
                       std::string& out, bool required) {
  auto found = doc.find(field);
  if (found == doc.end() || found->is_null())
    return required ? invalid(field, "missing") : caf::error{};
  if (!found->is_string())
    return invalid(field, "expected a string");
  out = found->get<std::string>();
  return {};
}

caf::error read_instant(const json& doc, std::string_view field,
                        instant& out) {
  std::string text;
  if (auto err = read_string(doc, field, text, true))
    return err;
  auto parsed = parse_rfc3339(text);
  if (!parsed)
    return invalid(field, "expected an RFC 3339 timestamp such as "
                          "\"2025-01-01T10:00:00Z\", got \"" + text + "\"");
  out = *parsed;
  return {};
}

// Reads a non-empty array of non-empty strings.
caf::expected<std::vector<std::string>> read_strings(const json& doc,
                                                     std::string_view field) {
  auto found = doc.find(field);
  if (found == doc.end() || found->is_null())
    return invalid(field, "missing");
  if (!found->is_array())
    return invalid(field, "expected an array of strings");
  if (found->empty())
    return invalid(field, "must contain at least one entry");
  std::vector<std::string> result;
  for (size_t i = 0; i < found->size(); ++i) {
    const auto& item = (*found)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty())
      return invalid(element(field, i), "expected a non-empty string");
    result.push_back(item.get<std::string>());
  }
  return result;
}

caf::error read_span(const json& doc, instant& starts_at, instant& ends_at) {
  if (auto err = read_instant(doc, "starts_at", starts_at))
    return err;
  if (auto err = read_instant(doc, "ends_at", ends_at))
    return err;
  if (ends_at <= starts_at)
    return invalid("ends_at", "must be after starts_at");
  return {};
}

} // namespace

bool is_active(const silence& s, instant t) {
  return s.starts_at <= t && t < s.ends_at;
}

bool is_active(const maintenance_window& w, instant t) {
  return w.starts_at <= t && t < w.ends_at;
}

bool is_silenced(const std::vector<silence>& silences, const label_set& labels,
                 instant t) {
  return std::any_of(silences.begin(), silences.end(), [&](const silence& s) {
    return !s.matchers.empty() && is_active(s, t) && matches(s.matchers, labels);
  });
}

bool in_maintenance(const std::vector<maintenance_window>& windows,
                    std::string_view service_id, instant t) {
  return std::any_of(
    windows.begin(), windows.end(), [&](const maintenance_window& w) {
      return is_active(w, t)
             && std::find(w.services.begin(), w.services.end(), service_id)
                  != w.services.end();
    });
}

json to_json(const silence& s) {
  auto matchers = json::array();
  for (const auto& m : s.matchers)
    matchers.push_back(to_string(m));
  return json{{"id", s.id},
              {"matchers", std::move(matchers)},
              {"starts_at", format_rfc3339(s.starts_at)},
              {"ends_at", format_rfc3339(s.ends_at)},
              {"comment", s.comment},
              {"created_by", s.created_by}};
}

caf::expected<silence> silence_from_json(const json& doc) {
  if (auto err = check_object(doc, {"id", "matchers", "starts_at", "ends_at",
                                    "comment", "created_by"}))
    return err;
  silence result;
  if (auto err = read_string(doc, "id", result.id, false))
    return err;

  auto texts = read_strings(doc, "matchers");
  if (!texts)
    return texts.error();
  for (size_t i = 0; i < texts->size(); ++i) {
    auto parsed = parse_matcher((*texts)[i]);
    if (!parsed)
      return invalid(element("matchers", i), detail_of(parsed.error()));
    result.matchers.push_back(std::move(*parsed));
  }

  if (auto err = read_span(doc, result.starts_at, result.ends_at))
    return err;
  if (auto err = read_string(doc, "comment", result.comment, false))
    return err;
  if (auto err = read_string(doc, "created_by", result.created_by, false))
    return err;
  return result;
}

json to_json(const maintenance_window& w) {
  return json{{"id", w.id},
              {"services", w.services},
              {"starts_at", format_rfc3339(w.starts_at)},
              {"ends_at", format_rfc3339(w.ends_at)}};
}

caf::expected<maintenance_window>
maintenance_window_from_json(const json& doc) {
  if (auto err = check_object(doc, {"id", "services", "starts_at", "ends_at"}))
    return err;
  maintenance_window result;
  if (auto err = read_string(doc, "id", result.id, false))
    return err;

  auto services = read_strings(doc, "services");
  if (!services)
    return services.error();
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < services->size(); ++i)
    if (!seen.insert((*services)[i]).second)
      return invalid(element("services", i),
                     "duplicate service \"" + (*services)[i] + "\"");
  result.services = std::move(*services);

  if (auto err = read_span(doc, result.starts_at, result.ends_at))
    return err;
  return result;
}

caf::error check_services(const maintenance_window& w,
                          const resource_set& resources) {
  for (size_t i = 0; i < w.services.size(); ++i)
    if (!resources.find_service(w.services[i]))
      return invalid(element("services", i),
                     "unknown service \"" + w.services[i] + "\"");
  return {};
}

} // namespace tropos::routing
