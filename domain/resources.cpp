#include "domain/resources.hpp"

#include "domain/error.hpp"
#include "domain/escalation/team.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace tropos {

std::string_view to_string(contact_type type) noexcept {
  switch (type) {
    case contact_type::sms: return "sms";
    case contact_type::voice: return "voice";
    case contact_type::email: return "email";
  }
  return "unknown";
}

std::string_view to_string(integration_type type) noexcept {
  switch (type) {
    case integration_type::alertmanager: return "alertmanager";
    case integration_type::events_v2: return "events_v2";
    case integration_type::grafana: return "grafana";
  }
  return "unknown";
}

std::string_view to_string(team_mode mode) noexcept {
  switch (mode) {
    case team_mode::all: return "all";
    case team_mode::round_robin: return "round_robin";
  }
  return "unknown";
}

const contact_method* user::find_contact(std::string_view id) const {
  for (const auto& method : contact_methods)
    if (method.id == id)
      return &method;
  return nullptr;
}

namespace {

template <class Vector>
auto* find_in(const Vector& items,
              const std::unordered_map<std::string, size_t>& index,
              std::string_view id) {
  auto i = index.find(std::string{id});
  return i == index.end() ? nullptr : &items[i->second];
}

std::string contact_index_key(contact_type type, std::string_view address) {
  std::string key{to_string(type)};
  key += '\0';
  key += address;
  return key;
}

} // namespace

const user* resource_set::find_user(std::string_view id) const {
  return find_in(users, users_by_id_, id);
}

const team* resource_set::find_team(std::string_view id) const {
  return find_in(teams, teams_by_id_, id);
}

const schedule::schedule*
resource_set::find_schedule(std::string_view id) const {
  return find_in(schedules, schedules_by_id_, id);
}

const escalation_policy*
resource_set::find_policy(std::string_view id) const {
  return find_in(escalation_policies, policies_by_id_, id);
}

const service* resource_set::find_service(std::string_view id) const {
  return find_in(services, services_by_id_, id);
}

const heartbeat::monitor*
resource_set::find_heartbeat(std::string_view id) const {
  return find_in(heartbeats, heartbeats_by_id_, id);
}

const heartbeat::monitor*
resource_set::find_heartbeat_key(std::string_view key) const {
  return find_in(heartbeats, heartbeats_by_key_, key);
}

std::optional<std::pair<const service*, integration_type>>
resource_set::find_integration(std::string_view key) const {
  auto i = services_by_key_.find(std::string{key});
  if (i == services_by_key_.end())
    return std::nullopt;
  return std::pair{&services[i->second.first], i->second.second};
}

std::optional<std::pair<const user*, const contact_method*>>
resource_set::find_contact(contact_type type, std::string_view address) const {
  auto i = contacts_by_address_.find(contact_index_key(type, address));
  if (i == contacts_by_address_.end())
    return std::nullopt;
  const auto& owner = users[i->second.first];
  return std::pair{&owner, &owner.contact_methods[i->second.second]};
}

void resource_set::reindex() {
  users_by_id_.clear();
  teams_by_id_.clear();
  schedules_by_id_.clear();
  policies_by_id_.clear();
  services_by_id_.clear();
  services_by_key_.clear();
  heartbeats_by_id_.clear();
  heartbeats_by_key_.clear();
  contacts_by_address_.clear();
  for (size_t i = 0; i < users.size(); ++i) {
    users_by_id_.emplace(users[i].id, i);
    const auto& methods = users[i].contact_methods;
    for (size_t j = 0; j < methods.size(); ++j)
      contacts_by_address_.emplace(
        contact_index_key(methods[j].type, methods[j].address),
        std::pair{i, j});
  }
  for (size_t i = 0; i < teams.size(); ++i)
    teams_by_id_.emplace(teams[i].id, i);
  for (size_t i = 0; i < schedules.size(); ++i)
    schedules_by_id_.emplace(schedules[i].id, i);
  for (size_t i = 0; i < escalation_policies.size(); ++i)
    policies_by_id_.emplace(escalation_policies[i].id, i);
  for (size_t i = 0; i < services.size(); ++i) {
    services_by_id_.emplace(services[i].id, i);
    for (const auto& key : services[i].integration_keys)
      services_by_key_.emplace(key.key, std::pair{i, key.type});
  }

  for (size_t i = 0; i < heartbeats.size(); ++i) {
    heartbeats_by_id_.emplace(heartbeats[i].id, i);
    heartbeats_by_key_.emplace(heartbeats[i].key, i);
  }
}

namespace {

caf::error invalid(std::string path, std::string what) {
  return make_error(ec::invalid_argument, path + ": " + what);
}

template <class Vector>
caf::error check_unique_ids(const Vector& items, std::string_view kind) {
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    auto path = std::string{kind} + "[" + std::to_string(i) + "].id";
    if (items[i].id.empty())
      return invalid(path, "missing");
    if (!seen.insert(items[i].id).second)
      return invalid(path, "duplicate id \"" + items[i].id + "\"");
  }
  return {};
}

caf::error validate_users(const resource_set& set) {
  for (size_t i = 0; i < set.users.size(); ++i) {
    const auto& u = set.users[i];
    auto base = "users[" + std::to_string(i) + "]";
    if (!u.time_zone.empty()) {
      if (auto zone = schedule::find_time_zone(u.time_zone, base + ".time_zone");
          !zone)
        return zone.error();
    }
    if (!u.email.empty() && (u.email.find('@') == std::string::npos
                             || u.email.find_first_of(" \r\n<>") != std::string::npos))
      return invalid(base + ".email", "not an e-mail address");
    std::unordered_set<std::string> method_ids;
    for (size_t j = 0; j < u.contact_methods.size(); ++j) {
      const auto& m = u.contact_methods[j];
      auto path = base + ".contact_methods[" + std::to_string(j) + "]";
      if (m.id.empty())
        return invalid(path + ".id", "missing");
      if (!method_ids.insert(m.id).second)
        return invalid(path + ".id", "duplicate id \"" + m.id + "\"");
      if (m.type == contact_type::email) {
        if (m.address.find('@') == std::string::npos)
          return invalid(path + ".address", "not an e-mail address");
      } else if (m.address.size() < 8 || m.address.size() > 16
                 || m.address[0] != '+'
                 || !std::all_of(m.address.begin() + 1, m.address.end(),
                                 [](char c) { return c >= '0' && c <= '9'; })) {
        return invalid(path + ".address",
                       "not an E.164 phone number (expected e.g. +15005550006)");
      }
    }
    for (size_t j = 0; j < u.notification_rules.size(); ++j) {
      const auto& rule = u.notification_rules[j];
      if (u.find_contact(rule.contact_method) == nullptr)
        return invalid(base + ".notification_rules[" + std::to_string(j)
                         + "].contact_method",
                       "unknown contact method \"" + rule.contact_method + "\"");
    }
  }
  return {};
}

caf::error validate_teams(const resource_set& set) {
  for (size_t i = 0; i < set.teams.size(); ++i) {
    auto base = "teams[" + std::to_string(i) + "]";
    const auto& t = set.teams[i];
    for (size_t j = 0; j < t.members.size(); ++j)
      if (!set.find_user(t.members[j]))
        return invalid(base + ".members[" + std::to_string(j) + "]",
                       "unknown user \"" + t.members[j] + "\"");
    for (size_t j = 0; j < t.managers.size(); ++j)
      if (!set.find_user(t.managers[j]))
        return invalid(base + ".managers[" + std::to_string(j) + "]",
                       "unknown user \"" + t.managers[j] + "\"");
  }
  return {};
}

caf::error validate_schedules(const resource_set& set) {
  for (size_t i = 0; i < set.schedules.size(); ++i) {
    auto base = "schedules[" + std::to_string(i) + "]";
    const auto& s = set.schedules[i];
    if (auto err = schedule::validate(s, base))
      return err;
    if (!s.team.empty() && !set.find_team(s.team))
      return invalid(base + ".team", "unknown team \"" + s.team + "\"");
    for (size_t j = 0; j < s.layers.size(); ++j)
      for (size_t k = 0; k < s.layers[j].participants.size(); ++k)
        if (!set.find_user(s.layers[j].participants[k]))
          return invalid(base + ".layers[" + std::to_string(j)
                           + "].participants[" + std::to_string(k) + "]",
                         "unknown user \"" + s.layers[j].participants[k]
                           + "\"");
    for (size_t j = 0; j < s.overrides.size(); ++j) {
      const auto& o = s.overrides[j];
      auto path = base + ".overrides[" + std::to_string(j) + "]";
      if (!o.user.empty() && !set.find_user(o.user))
        return invalid(path + ".user", "unknown user \"" + o.user + "\"");
      if (o.replaces && !set.find_user(*o.replaces))
        return invalid(path + ".replaces",
                       "unknown user \"" + *o.replaces + "\"");
    }
  }
  return {};
}

caf::error validate_condition(const level_condition& condition,
                              const std::string& path) {
  auto zone = schedule::find_time_zone(condition.time_zone, path + ".time_zone");
  if (!zone)
    return zone.error();
  return schedule::validate(condition.window, path);
}

caf::error validate_level(const resource_set& set, const escalation_level& level,
                          const std::string& base) {
  if (level.targets.empty())
    return invalid(base + ".targets", "at least one target is required");
  for (size_t k = 0; k < level.targets.size(); ++k) {
    const auto& t = level.targets[k];
    auto path = base + ".targets[" + std::to_string(k) + "]";
    bool known = false;
    switch (t.kind) {
      case target_kind::user: known = set.find_user(t.id); break;
      case target_kind::schedule: known = set.find_schedule(t.id); break;
      case target_kind::team: known = set.find_team(t.id); break;
    }
    if (!known)
      return invalid(path, "unknown target \"" + t.id + "\"");
    if (t.mode == team_mode::round_robin && t.kind != target_kind::team)
      return invalid(path + ".mode", "round_robin applies to team targets only");
  }
  if (level.condition)
    return validate_condition(*level.condition, base + ".condition");
  return {};
}

caf::error validate_policies(const resource_set& set) {
  for (size_t i = 0; i < set.escalation_policies.size(); ++i) {
    auto base = "escalation_policies[" + std::to_string(i) + "]";
    const auto& p = set.escalation_policies[i];
    if (p.levels.empty())
      return invalid(base + ".levels", "at least one level is required");
    if (p.repeat > 5)
      return invalid(base + ".repeat", "must be between 0 and 5");
    if (p.ack_timeout && *p.ack_timeout < std::chrono::seconds{1})
      return invalid(base + ".ack_timeout", "must be at least 1s");
    for (size_t j = 0; j < p.levels.size(); ++j)
      if (auto err = validate_level(set, p.levels[j],
                                    base + ".levels[" + std::to_string(j) + "]"))
        return err;
  }
  return {};
}

// Integration keys and heartbeat keys share one format: they appear in URLs.
caf::error check_key_format(const std::string& key, const std::string& path) {
  if (key.size() < 8 || key.size() > 64)
    return invalid(path, "must be 8 to 64 characters long");
  if (!std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-'
               || c == '_';
      }))
    return invalid(path, "may only contain letters, digits, - and _");
  return {};
}

caf::error validate_group_by(const service& s, const std::string& base) {
  std::unordered_set<std::string> seen;
  for (size_t j = 0; j < s.group_by.size(); ++j) {
    const auto& name = s.group_by[j];
    auto path = base + ".group_by[" + std::to_string(j) + "]";
    if (name.empty())
      return invalid(path, "empty label name");
    if (name == "..." && s.group_by.size() > 1)
      return invalid(path, "\"...\" (all labels) must be the only entry");
    if (!seen.insert(name).second)
      return invalid(path, "duplicate label name \"" + name + "\"");
  }
  if (!s.group_window)
    return {};
  if (s.group_by.empty())
    return invalid(base + ".group_window", "needs group_by to be set");
  if (*s.group_window < std::chrono::seconds{1})
    return invalid(base + ".group_window", "must be at least 1s");
  return {};
}

caf::error validate_routes(const resource_set& set, const service& s,
                           const std::string& base) {
  for (size_t j = 0; j < s.routes.size(); ++j) {
    const auto& rule = s.routes[j];
    auto path = base + ".routes[" + std::to_string(j) + "]";
    if (!set.find_policy(rule.escalation_policy))
      return invalid(path + ".escalation_policy",
                     "unknown escalation policy \"" + rule.escalation_policy
                       + "\"");

    // matcher::matches dereferences the regex of =~ and !~ matchers.
    for (size_t k = 0; k < rule.matchers.size(); ++k) {
      const auto& m = rule.matchers[k];
      bool is_regex = m.op == routing::match_op::regex
                      || m.op == routing::match_op::not_regex;
      if (is_regex && !m.pattern)
        return invalid(path + ".matchers[" + std::to_string(k) + "]",
                       "regex not compiled (create matchers with "
                       "parse_matcher)");
    }
  }
  return {};
}

caf::error validate_heartbeats(const resource_set& set) {
  std::unordered_set<std::string> keys;
  for (size_t i = 0; i < set.heartbeats.size(); ++i) {
    auto base = "heartbeats[" + std::to_string(i) + "]";
    const auto& h = set.heartbeats[i];
    if (!set.find_service(h.service))
      return invalid(base + ".service", "unknown service \"" + h.service + "\"");
    if (auto err = check_key_format(h.key, base + ".key"))
      return err;
    if (!keys.insert(h.key).second || set.find_integration(h.key))
      return invalid(base + ".key", "duplicate key (already used by a "
                                    "heartbeat or an integration)");
    if (h.interval < std::chrono::seconds{1})
      return invalid(base + ".interval", "must be at least 1s");
  }
  return {};
}

caf::error validate_services(const resource_set& set) {
  std::unordered_set<std::string> keys;
  for (size_t i = 0; i < set.services.size(); ++i) {
    auto base = "services[" + std::to_string(i) + "]";
    const auto& s = set.services[i];
    if (!set.find_policy(s.escalation_policy))
      return invalid(base + ".escalation_policy",
                     "unknown escalation policy \"" + s.escalation_policy
                       + "\"");
    for (size_t j = 0; j < s.integration_keys.size(); ++j) {
      const auto& key = s.integration_keys[j].key;
      auto path = base + ".integration_keys[" + std::to_string(j) + "].key";
      if (auto err = check_key_format(key, path))
        return err;
      if (!keys.insert(key).second)
        return invalid(path, "duplicate integration key");
    }
    if (auto err = validate_group_by(s, base))
      return err;
    if (auto err = validate_routes(set, s, base))
      return err;
  }
  return {};
}

} // namespace

caf::error resource_set::validate() const {
  if (auto err = check_unique_ids(users, "users"))
    return err;
  if (auto err = check_unique_ids(teams, "teams"))
    return err;
  if (auto err = check_unique_ids(schedules, "schedules"))
    return err;
  if (auto err = check_unique_ids(escalation_policies, "escalation_policies"))
    return err;
  if (auto err = check_unique_ids(services, "services"))
    return err;
  if (auto err = check_unique_ids(heartbeats, "heartbeats"))
    return err;
  for (auto check : {validate_users, validate_teams, validate_schedules,
                     validate_policies, validate_services, validate_heartbeats})
    if (auto err = check(*this))
      return err;
  return {};
}

namespace {

std::vector<std::string>
expand(const resource_set& resources,
       const std::vector<escalation_target>& targets,
       std::chrono::sys_seconds t, std::optional<uint64_t> round_robin_counter) {
  std::vector<std::string> result;
  auto add = [&](const std::string& id) {
    if (std::find(result.begin(), result.end(), id) == result.end())
      result.push_back(id);
  };
  for (const auto& target : targets) {
    switch (target.kind) {
      case target_kind::user:
        add(target.id);
        break;
      case target_kind::schedule:
        if (auto* s = resources.find_schedule(target.id))
          for (const auto& id : schedule::on_call(*s, t))
            add(id);
        break;
      case target_kind::team: {
        const auto* team = resources.find_team(target.id);
        if (team == nullptr || team->members.empty())
          break;
        if (target.mode == team_mode::round_robin && round_robin_counter) {
          add(escalation::pick_round_robin(*team, *round_robin_counter));
          break;
        }
        for (const auto& id : team->members)
          add(id);
        break;
      }
    }
  }
  return result;
}

} // namespace

std::vector<std::string>
expand_targets(const resource_set& resources,
               const std::vector<escalation_target>& targets,
               std::chrono::sys_seconds t) {
  return expand(resources, targets, t, std::nullopt);
}

std::vector<std::string>
expand_targets(const resource_set& resources,
               const std::vector<escalation_target>& targets,
               std::chrono::sys_seconds t, uint64_t round_robin_counter) {
  return expand(resources, targets, t, round_robin_counter);
}

} // namespace tropos
