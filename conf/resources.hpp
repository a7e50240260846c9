// Reads resources files (users, teams, schedules, escalation policies,
// services, heartbeat monitors) from TOML into domain values, naming the path of a bad field.
#pragma once

#include "domain/resources.hpp"

#include <caf/expected.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tropos::conf {

/// One object of a resources file, re-serialized on its own so it can be
/// stored under its kind and id and read back later.
struct resource_object {
  /// "users", "teams", "schedules", "escalation_policies", "services" or
  /// "heartbeats".
  std::string kind;
  std::string id;
  /// The object's table as TOML text.
  std::string toml;
};

struct parsed_resources {
  resource_set set;
  std::vector<resource_object> objects;
};

/// Parses a resources file. Unknown keys are errors. The error names the
/// path, e.g. "schedules[0].layers[1].shift_length: must be at least 1".
/// References between objects are not checked here (see merge_resources).
caf::expected<parsed_resources> parse_resources(std::string_view text);

/// Rebuilds parsed resources from stored objects.
caf::expected<parsed_resources>
load_resource_objects(const std::vector<resource_object>& objects);

/// Returns a resources document holding the stored schedule object
/// `schedule_toml` with one more override: `user` replaces `replaces` in
/// [start, end). Applying it records a taken shift swap.
caf::expected<std::string>
schedule_with_override(std::string_view schedule_toml, std::string_view user,
                       std::string_view replaces, std::string_view start,
                       std::string_view end);

/// Returns the stored object `object_toml` of `kind` ("teams", "schedules"
/// or "escalation_policies") without user `user`: dropped from team
/// members and managers, layer participants, overrides and temporary
/// shifts, and escalation targets. Returns nullopt when the object does not
/// mention the user. Fails with ec::conflict, naming the level, when an
/// escalation level would be left without targets.
caf::expected<std::optional<std::string>>
object_without_user(std::string_view kind, std::string_view object_toml,
                    std::string_view user);

/// Wraps stored objects (kind, TOML table text) into one resources document.
caf::expected<std::string>
resources_document(const std::vector<resource_object>& objects);

/// Returns `base` with every object of `update` added or replacing the one
/// with the same kind and id, indexed and validated as a whole.
caf::expected<resource_set> merge_resources(const resource_set& base,
                                            const resource_set& update);

} // namespace tropos::conf
