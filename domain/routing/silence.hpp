// Silences (mute alerts that match label matchers) and maintenance windows
// (mute whole services) for a span of time. A muted alert is recorded on
// its incident, but nobody is paged. Both arrive as JSON through the REST
// API, so this file also reads and writes that JSON.
#pragma once

#include "domain/resources.hpp"
#include "domain/routing/matcher.hpp"
#include "domain/time.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tropos::routing {

/// Mutes alerts that match all `matchers` during `[starts_at, ends_at)`.
struct silence {
  std::string id;
  std::vector<matcher> matchers;
  instant starts_at;
  instant ends_at;
  std::string comment;
  std::string created_by;
};

/// Mutes every alert of the listed services during `[starts_at, ends_at)`.
struct maintenance_window {
  std::string id;
  /// Service ids.
  std::vector<std::string> services;
  instant starts_at;
  instant ends_at;
};

/// Returns whether `s` is in force at `t`: `starts_at <= t < ends_at`.
bool is_active(const silence& s, instant t);
bool is_active(const maintenance_window& w, instant t);

/// Returns whether a silence in force at `t` matches `labels`. A silence
/// without matchers mutes nothing, because muting every alert by accident
/// is worse than paging.
bool is_silenced(const std::vector<silence>& silences, const label_set& labels,
                 instant t);

/// Returns whether a window in force at `t` lists `service_id`.
bool in_maintenance(const std::vector<maintenance_window>& windows,
                    std::string_view service_id, instant t);

/// Writes {"id", "matchers": ["name=\"value\"", ...], "starts_at",
/// "ends_at", "comment", "created_by"} with RFC 3339 instants.
nlohmann::json to_json(const silence& s);

/// Reads the JSON that to_json writes. "id", "comment" and "created_by" are
/// optional, other fields are required, and unknown fields are rejected. The
/// error names the field, e.g. "matchers[1]: invalid matcher ..." or
/// "ends_at: must be after starts_at".
caf::expected<silence> silence_from_json(const nlohmann::json& doc);

/// Writes {"id", "services": [...], "starts_at", "ends_at"}.
nlohmann::json to_json(const maintenance_window& w);

/// Reads the JSON that to_json writes; "id" is optional. The error names
/// the field like silence_from_json.
caf::expected<maintenance_window>
maintenance_window_from_json(const nlohmann::json& doc);

/// Checks that every service of `w` exists in `resources`; the error names
/// the entry, e.g. "services[1]: unknown service \"x\"".
caf::error check_services(const maintenance_window& w,
                          const resource_set& resources);

} // namespace tropos::routing
