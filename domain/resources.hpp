// The resources an operator applies: users, teams, schedules, escalation
// policies, services and heartbeat monitors. Plain values, because parsing
// lives in conf/.
#pragma once

#include "domain/heartbeat/heartbeat.hpp"
#include "domain/routing/matcher.hpp"
#include "domain/schedule/schedule.hpp"
#include "domain/schedule/time_window.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tropos {

enum class contact_type : uint8_t { sms, voice, email };

std::string_view to_string(contact_type type) noexcept;

struct contact_method {
  std::string id;
  contact_type type = contact_type::sms;
  /// E.164 phone number for sms and voice, an address for email.
  std::string address;
};

/// Notify through `contact_method` this long after the user is targeted.
struct notification_rule {
  std::string contact_method;
  std::chrono::milliseconds delay{0};
};

struct user {
  std::string id;
  std::string name;
  std::string email;
  std::string role;
  std::string time_zone;
  std::vector<contact_method> contact_methods;
  std::vector<notification_rule> notification_rules;

  const contact_method* find_contact(std::string_view id) const;
};

struct team {
  std::string id;
  std::string name;
  std::vector<std::string> members;
  std::vector<std::string> managers;
};

enum class target_kind : uint8_t { user, schedule, team };

/// Whom a team target pages: every member, or one member per page in turn.
enum class team_mode : uint8_t { all, round_robin };

std::string_view to_string(team_mode mode) noexcept;

struct escalation_target {
  target_kind kind = target_kind::user;
  std::string id;
  /// Only team targets may use round_robin.
  team_mode mode = team_mode::all;
};

/// A weekly time-of-day window in a named zone outside which an escalation
/// level is skipped, e.g. "08:30-17:30 Europe/London".
struct level_condition {
  schedule::time_window window;
  /// IANA zone name that `window` is read in.
  std::string time_zone;
};

struct escalation_level {
  /// Time from this level's page to the next level's page.
  std::chrono::milliseconds delay{0};
  std::vector<escalation_target> targets;
  /// When set, the level pages only inside the window and is skipped
  /// otherwise (see domain/escalation/condition.hpp).
  std::optional<level_condition> condition{};
};

struct escalation_policy {
  std::string id;
  std::string name;
  /// Passes through all levels after the first pass (0 = one pass only).
  unsigned repeat = 0;
  std::vector<escalation_level> levels;
  /// Time after which an acknowledged incident returns to triggered. Without
  /// it an acknowledgement lasts until the incident resolves.
  std::optional<std::chrono::milliseconds> ack_timeout{};
};

enum class integration_type : uint8_t { alertmanager, events_v2, grafana };

std::string_view to_string(integration_type type) noexcept;

struct integration_key {
  std::string key;
  integration_type type = integration_type::alertmanager;
};

/// One routing rule of a service: alerts that match `matchers` go to
/// `escalation_policy`.
struct route_rule {
  /// All must match; an empty list matches every alert.
  std::vector<routing::matcher> matchers;
  std::string escalation_policy;
  /// When true, later matching rules add their policies too; when false,
  /// the first matching rule ends the search.
  bool continue_matching = false;
};

struct service {
  std::string id;
  std::string name;
  /// The policy for alerts that no rule in `routes` matches.
  std::string escalation_policy;
  std::vector<integration_key> integration_keys;
  /// Label names whose values put alerts into one incident. {"..."} means
  /// all labels, and an empty list means one incident per dedup key.
  std::vector<std::string> group_by{};
  /// How long after an incident opens further alerts may join it. Without
  /// it they join for as long as the incident is open. Needs `group_by`.
  std::optional<std::chrono::milliseconds> group_window{};
  /// Routing rules, tested in order (see domain/routing/route.hpp).
  std::vector<route_rule> routes{};
};

/// Everything applied so far, with lookup indexes. Shared between threads
/// as an immutable snapshot: a new apply builds a new one.
struct resource_set {
  std::vector<user> users;
  std::vector<team> teams;
  std::vector<schedule::schedule> schedules;
  std::vector<escalation_policy> escalation_policies;
  std::vector<service> services;
  std::vector<heartbeat::monitor> heartbeats{};

  const user* find_user(std::string_view id) const;
  const team* find_team(std::string_view id) const;
  const schedule::schedule* find_schedule(std::string_view id) const;
  const escalation_policy* find_policy(std::string_view id) const;
  const service* find_service(std::string_view id) const;
  const heartbeat::monitor* find_heartbeat(std::string_view id) const;

  /// Returns the heartbeat monitor that checks in with this key.
  const heartbeat::monitor* find_heartbeat_key(std::string_view key) const;

  /// Returns the service and the key entry an integration key belongs to.
  std::optional<std::pair<const service*, integration_type>>
  find_integration(std::string_view key) const;

  /// Returns the user and contact method with this address and type.
  std::optional<std::pair<const user*, const contact_method*>>
  find_contact(contact_type type, std::string_view address) const;

  /// Rebuilds the lookup indexes; call after changing the vectors.
  void reindex();

  /// Checks references between resources (policies of a service and its
  /// routes, targets of a level, contact methods of rules, the service of a
  /// heartbeat, unique ids and keys) and values that need the tz database
  /// (level conditions). The error names the offending field, e.g.
  /// "services[0].escalation_policy".
  caf::error validate() const;

private:
  std::unordered_map<std::string, size_t> users_by_id_;
  std::unordered_map<std::string, size_t> teams_by_id_;
  std::unordered_map<std::string, size_t> schedules_by_id_;
  std::unordered_map<std::string, size_t> policies_by_id_;
  std::unordered_map<std::string, size_t> services_by_id_;
  std::unordered_map<std::string, size_t> heartbeats_by_id_;
  std::unordered_map<std::string, size_t> heartbeats_by_key_;
  std::unordered_map<std::string, std::pair<size_t, integration_type>>
    services_by_key_;
  std::unordered_map<std::string, std::pair<size_t, size_t>> contacts_by_address_;
};

using resource_snapshot = std::shared_ptr<const resource_set>;

/// Expands escalation targets into user ids at instant `t`: schedules to
/// whoever is on call, teams to all members. Each user appears once even
/// when reached through several targets. Round-robin team targets also page
/// every member here, so callers that keep a rotation counter use the
/// overload below.
std::vector<std::string>
expand_targets(const resource_set& resources,
               const std::vector<escalation_target>& targets,
               std::chrono::sys_seconds t);

/// Like the overload above, except that a round-robin team target pages one
/// member, `members[round_robin_counter % members.size()]`. The caller
/// advances the counter once per page of the level.
std::vector<std::string>
expand_targets(const resource_set& resources,
               const std::vector<escalation_target>& targets,
               std::chrono::sys_seconds t, uint64_t round_robin_counter);

} // namespace tropos
