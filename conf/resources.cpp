#include "conf/resources.hpp"

#include "conf/toml_reader.hpp"
#include "domain/error.hpp"
#include "domain/time.hpp"

#include <map>
#include <set>
#include <sstream>

namespace tropos::conf {

namespace {

std::string indexed(std::string_view base, size_t i) {
  return std::string{base} + "[" + std::to_string(i) + "]";
}

// Calls `visit(reader, path)` for each table of the array `key`.
template <class Visit>
void each_table(toml_reader& parent, std::string_view key, Visit visit) {
  auto* items = parent.array(key);
  if (items == nullptr)
    return;
  for (size_t i = 0; i < items->size() && parent.ok(); ++i) {
    auto path = indexed(parent.path_of(key), i);
    auto* entry = items->get(i)->as_table();
    if (entry == nullptr) {
      parent.fail(make_error(ec::invalid_argument, path + ": expected a table"));
      return;
    }
    toml_reader reader{*entry, path};
    visit(reader, *entry);
    parent.fail(reader.finish());
  }
}

void read_instant(toml_reader& r, std::string_view key,
                  std::chrono::sys_seconds& out, bool required) {
  std::string text;
  r.get(key, text, required);
  if (text.empty() || !r.ok())
    return;
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    r.fail(key, detail_of(parsed.error()));
    return;
  }
  out = date::floor<std::chrono::seconds>(*parsed);
}

// Leaves `out` empty when the key is absent. parse_duration never yields a
// negative value, so -1 marks absence.
void read_optional_duration(toml_reader& r, std::string_view key,
                            std::optional<std::chrono::milliseconds>& out) {
  std::chrono::milliseconds value{-1};
  r.get_duration(key, value);
  if (r.ok() && value.count() >= 0)
    out = value;
}

void read_user(toml_reader& r, user& u) {
  r.get("id", u.id, true);
  r.get("name", u.name);
  r.get("email", u.email);
  r.get("role", u.role);
  r.get("time_zone", u.time_zone);
  if (!u.role.empty() && u.role != "admin" && u.role != "manager"
      && u.role != "responder" && u.role != "viewer")
    r.fail("role", "must be admin, manager, responder or viewer");
  each_table(r, "contact_methods", [&](toml_reader& m, const toml::table&) {
    contact_method method;
    std::string type;
    m.get("id", method.id, true);
    m.get("type", type, true);
    m.get("address", method.address, true);
    if (type == "sms")
      method.type = contact_type::sms;
    else if (type == "voice")
      method.type = contact_type::voice;
    else if (type == "email")
      method.type = contact_type::email;
    else if (m.ok())
      m.fail("type", "must be sms, voice or email");
    u.contact_methods.push_back(std::move(method));
  });
  each_table(r, "notification_rules", [&](toml_reader& n, const toml::table&) {
    notification_rule rule;
    n.get("contact_method", rule.contact_method, true);
    n.get_duration("delay", rule.delay);
    u.notification_rules.push_back(std::move(rule));
  });
}

void read_team(toml_reader& r, team& t) {
  r.get("id", t.id, true);
  r.get("name", t.name);
  r.get("members", t.members);
  r.get("managers", t.managers);
}

void read_restriction(toml_reader& r, schedule::time_window& window) {
  std::vector<std::string> days{"sun", "mon", "tue", "wed",
                                "thu", "fri", "sat"};
  std::vector<std::string> weekdays = days;
  r.get("weekdays", weekdays);
  for (const auto& day : weekdays) {
    auto pos = std::find(days.begin(), days.end(), day);
    if (pos == days.end()) {
      r.fail("weekdays", "unknown weekday \"" + day
                           + "\" (use sun, mon, tue, wed, thu, fri, sat)");
      return;
    }
    window.weekdays.set(static_cast<size_t>(pos - days.begin()));
  }
  auto read_clock = [&](std::string_view key, std::chrono::minutes& out) {
    std::string text;
    r.get(key, text, true);
    if (!r.ok())
      return;
    int h = 0, m = 0;
    if (text.size() != 5 || text[2] != ':'
        || std::sscanf(text.c_str(), "%2d:%2d", &h, &m) != 2 || h > 23
        || m > 59) {
      r.fail(key, "expected a local time HH:MM, e.g. \"08:30\"");
      return;
    }
    out = std::chrono::minutes{h * 60 + m};
  };
  read_clock("start", window.start);
  read_clock("end", window.end);
}

void read_schedule(toml_reader& r, schedule::schedule& s) {
  r.get("id", s.id, true);
  r.get("name", s.name);
  r.get("team", s.team);
  r.get("time_zone", s.time_zone, true);
  each_table(r, "layers", [&](toml_reader& l, const toml::table&) {
    schedule::layer layer;
    std::string unit;
    l.get("name", layer.name);
    l.get("rotation", unit, true);
    size_t length = 1;
    l.get("shift_length", length, 1, 10'000);
    layer.shift_length = static_cast<int>(length);
    read_instant(l, "handoff", layer.handoff, true);
    l.get("time_zone", layer.time_zone);
    l.get("participants", layer.participants, true);
    if (auto parsed = schedule::parse_rotation_unit(unit))
      layer.unit = *parsed;
    else if (l.ok())
      l.fail("rotation", "must be hourly, daily, weekly or monthly");
    if (auto* restriction = l.table("restriction")) {
      toml_reader rr{*restriction, l.path_of("restriction")};
      schedule::time_window window;
      read_restriction(rr, window);
      l.fail(rr.finish());
      layer.restriction = window;
    }
    s.layers.push_back(std::move(layer));
  });
  each_table(r, "overrides", [&](toml_reader& o, const toml::table&) {
    schedule::schedule_override entry;
    std::string replaces;
    o.get("user", entry.user);
    o.get("replaces", replaces);
    if (!replaces.empty())
      entry.replaces = replaces;
    read_instant(o, "start", entry.start, true);
    read_instant(o, "end", entry.end, true);
    if (entry.user.empty() && !entry.replaces && o.ok())
      o.fail("user", "missing (set user, replaces or both)");
    s.overrides.push_back(std::move(entry));
  });
  each_table(r, "temporary_schedules", [&](toml_reader& t, const toml::table&) {
    schedule::temporary_schedule temp;
    read_instant(t, "start", temp.start, true);
    read_instant(t, "end", temp.end, true);
    each_table(t, "shifts", [&](toml_reader& sh, const toml::table&) {
      schedule::shift piece;
      sh.get("user", piece.user, true);
      read_instant(sh, "start", piece.start, true);
      read_instant(sh, "end", piece.end, true);
      temp.shifts.push_back(std::move(piece));
    });
    s.temporary_schedules.push_back(std::move(temp));
  });
}

// Reads `condition = { weekdays, start, end, time_zone }` of a level.
void read_condition(toml_reader& l, escalation_level& level) {
  auto* table = l.table("condition");
  if (table == nullptr)
    return;
  toml_reader c{*table, l.path_of("condition")};
  level_condition condition;
  read_restriction(c, condition.window);
  c.get("time_zone", condition.time_zone, true);
  if (c.ok()) {
    auto zone = schedule::find_time_zone(condition.time_zone,
                                         c.path_of("time_zone"));
    if (!zone)
      c.fail(zone.error());
  }
  if (c.ok())
    c.fail(schedule::validate(condition.window, c.path()));
  l.fail(c.finish());
  level.condition = std::move(condition);
}

void read_target_mode(toml_reader& t, escalation_target& target) {
  std::string mode;
  t.get("mode", mode);
  if (mode.empty() || mode == "all")
    target.mode = team_mode::all;
  else if (mode == "round_robin")
    target.mode = team_mode::round_robin;
  else if (t.ok())
    t.fail("mode", "must be all or round_robin");
}

void read_policy(toml_reader& r, escalation_policy& p) {
  r.get("id", p.id, true);
  r.get("name", p.name);
  r.get("repeat", p.repeat, 0, 5);
  read_optional_duration(r, "ack_timeout", p.ack_timeout);
  each_table(r, "levels", [&](toml_reader& l, const toml::table&) {
    escalation_level level;
    l.get_duration("delay", level.delay, true);
    read_condition(l, level);
    each_table(l, "targets", [&](toml_reader& t, const toml::table& raw) {
      escalation_target target;
      int kinds = 0;
      for (auto [name, kind] :
           {std::pair{"user", target_kind::user},
            std::pair{"schedule", target_kind::schedule},
            std::pair{"team", target_kind::team}}) {
        if (raw.contains(name)) {
          t.get(name, target.id, true);
          target.kind = kind;
          ++kinds;
        }
      }
      if (kinds != 1 && t.ok())
        t.fail("user", "set exactly one of user, schedule or team");
      read_target_mode(t, target);
      level.targets.push_back(std::move(target));
    });
    p.levels.push_back(std::move(level));
  });
}

void read_service(toml_reader& r, service& s) {
  r.get("id", s.id, true);
  r.get("name", s.name);
  r.get("escalation_policy", s.escalation_policy, true);
  each_table(r, "integration_keys", [&](toml_reader& k, const toml::table&) {
    integration_key key;
    std::string type;
    k.get("key", key.key, true);
    k.get("type", type, true);
    if (type == "alertmanager")
      key.type = integration_type::alertmanager;
    else if (type == "events_v2")
      key.type = integration_type::events_v2;
    else if (type == "grafana")
      key.type = integration_type::grafana;
    else if (k.ok())
      k.fail("type", "must be alertmanager, events_v2 or grafana");
    s.integration_keys.push_back(std::move(key));
  });
  r.get("group_by", s.group_by);
  read_optional_duration(r, "group_window", s.group_window);
  each_table(r, "routes", [&](toml_reader& rr, const toml::table&) {
    route_rule rule;
    std::vector<std::string> matchers;
    rr.get("matchers", matchers);
    rr.get("escalation_policy", rule.escalation_policy, true);
    rr.get("continue", rule.continue_matching);
    for (size_t i = 0; i < matchers.size() && rr.ok(); ++i) {
      auto parsed = routing::parse_matcher(matchers[i]);
      if (!parsed)
        rr.fail(make_error(ec::invalid_argument,
                           indexed(rr.path_of("matchers"), i) + ": "
                             + detail_of(parsed.error())));
      else
        rule.matchers.push_back(std::move(*parsed));
    }
    s.routes.push_back(std::move(rule));
  });
}

void read_heartbeat(toml_reader& r, heartbeat::monitor& h) {
  r.get("id", h.id, true);
  r.get("service", h.service, true);
  r.get("key", h.key, true);
  r.get_duration("interval", h.interval, true);
  r.get_duration("grace", h.grace);
}

std::string to_toml(const toml::table& table) {
  std::ostringstream out;
  out << toml::toml_formatter{table};
  return out.str();
}

caf::expected<parsed_resources> read_document(const toml::table& doc) {
  parsed_resources out;
  toml_reader root{doc, ""};
  auto remember = [&](std::string kind, const std::string& id,
                      const toml::table& raw) {
    out.objects.push_back({std::move(kind), id, to_toml(raw)});
  };
  each_table(root, "users", [&](toml_reader& r, const toml::table& raw) {
    user u;
    read_user(r, u);
    remember("users", u.id, raw);
    out.set.users.push_back(std::move(u));
  });
  each_table(root, "teams", [&](toml_reader& r, const toml::table& raw) {
    team t;
    read_team(r, t);
    remember("teams", t.id, raw);
    out.set.teams.push_back(std::move(t));
  });
  each_table(root, "schedules", [&](toml_reader& r, const toml::table& raw) {
    schedule::schedule s;
    read_schedule(r, s);
    if (r.ok())
      r.fail(schedule::validate(s, r.path()));
    remember("schedules", s.id, raw);
    out.set.schedules.push_back(std::move(s));
  });
  each_table(root, "escalation_policies",
             [&](toml_reader& r, const toml::table& raw) {
               escalation_policy p;
               read_policy(r, p);
               remember("escalation_policies", p.id, raw);
               out.set.escalation_policies.push_back(std::move(p));
             });
  each_table(root, "services", [&](toml_reader& r, const toml::table& raw) {
    service s;
    read_service(r, s);
    remember("services", s.id, raw);
    out.set.services.push_back(std::move(s));
  });
  each_table(root, "heartbeats", [&](toml_reader& r, const toml::table& raw) {
    heartbeat::monitor h;
    read_heartbeat(r, h);
    remember("heartbeats", h.id, raw);
    out.set.heartbeats.push_back(std::move(h));
  });
  if (auto err = root.finish())
    return err;
  out.set.reindex();
  return out;
}

template <class Vector>
void upsert(Vector& base, const Vector& update) {
  for (const auto& item : update) {
    auto same = std::find_if(base.begin(), base.end(),
                             [&](const auto& x) { return x.id == item.id; });
    if (same != base.end())
      *same = item;
    else
      base.push_back(item);
  }
}

// Rejects an id given twice in one file, which an upsert would hide.
caf::error check_duplicates(const std::vector<resource_object>& objects) {
  std::map<std::string, size_t> counts;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& object : objects) {
    auto index = counts[object.kind]++;
    if (!seen.emplace(object.kind, object.id).second)
      return make_error(ec::invalid_argument,
                        indexed(object.kind, index) + ".id: duplicate id \""
                          + object.id + "\"");
  }
  return {};
}

} // namespace

caf::expected<parsed_resources> parse_resources(std::string_view text) {
  auto doc = parse_toml(text, "resources");
  if (!doc)
    return doc.error();
  auto parsed = read_document(*doc);
  if (!parsed)
    return parsed.error();
  if (auto err = check_duplicates(parsed->objects))
    return err;
  return parsed;
}

namespace {

// Puts stored objects back under their kinds, as in a resources file.
caf::expected<toml::table>
objects_table(const std::vector<resource_object>& objects) {
  toml::table doc;
  for (const auto& object : objects) {
    auto table = parse_toml(object.toml, object.kind + "/" + object.id);
    if (!table)
      return table.error();
    if (!doc.contains(object.kind))
      doc.insert(object.kind, toml::array{});
    doc[object.kind].as_array()->push_back(std::move(*table));
  }
  return doc;
}

} // namespace

caf::expected<parsed_resources>
load_resource_objects(const std::vector<resource_object>& objects) {
  auto doc = objects_table(objects);
  if (!doc)
    return doc.error();
  return read_document(*doc);
}

caf::expected<std::string>
schedule_with_override(std::string_view schedule_toml, std::string_view user,
                       std::string_view replaces, std::string_view start,
                       std::string_view end) {
  auto table = parse_toml(schedule_toml, "schedule");
  if (!table)
    return table.error();
  if (!table->contains("overrides"))
    table->insert("overrides", toml::array{});
  auto* overrides = (*table)["overrides"].as_array();
  if (overrides == nullptr)
    return make_error(ec::invalid_argument, "overrides: expected an array");
  overrides->push_back(toml::table{{"user", std::string{user}},
                                   {"replaces", std::string{replaces}},
                                   {"start", std::string{start}},
                                   {"end", std::string{end}}});
  toml::table doc;
  doc.insert("schedules", toml::array{std::move(*table)});
  return to_toml(doc);
}

namespace {

// Removes the string `user` from the array `key` of `table`; returns
// whether anything was removed.
bool drop_from_array(toml::table& table, std::string_view key,
                     std::string_view user) {
  auto* items = table[key].as_array();
  if (items == nullptr)
    return false;
  auto before = items->size();
  for (size_t i = items->size(); i-- > 0;) {
    auto* value = items->get(i);
    if (value->is_string() && *value->value<std::string>() == user)
      items->erase(items->begin() + static_cast<std::ptrdiff_t>(i));
  }
  return items->size() != before;
}

// Removes the tables of array `key` for which `matches` is true.
template <class Predicate>
bool drop_tables(toml::table& table, std::string_view key, Predicate matches) {
  auto* items = table[key].as_array();
  if (items == nullptr)
    return false;
  auto before = items->size();
  for (size_t i = items->size(); i-- > 0;) {
    auto* entry = items->get(i)->as_table();
    if (entry != nullptr && matches(*entry))
      items->erase(items->begin() + static_cast<std::ptrdiff_t>(i));
  }
  return items->size() != before;
}

bool names_user(const toml::table& entry, std::string_view key,
                std::string_view user) {
  auto value = entry[key].value<std::string>();
  return value && *value == user;
}

} // namespace

caf::expected<std::optional<std::string>>
object_without_user(std::string_view kind, std::string_view object_toml,
                    std::string_view user) {
  auto table = parse_toml(object_toml, kind);
  if (!table)
    return table.error();
  bool changed = false;
  if (kind == "teams") {
    changed |= drop_from_array(*table, "members", user);
    changed |= drop_from_array(*table, "managers", user);
  } else if (kind == "schedules") {
    if (auto* layers = (*table)["layers"].as_array())
      for (auto& layer : *layers)
        if (auto* t = layer.as_table())
          changed |= drop_from_array(*t, "participants", user);
    changed |= drop_tables(*table, "overrides", [&](const toml::table& o) {
      return names_user(o, "user", user) || names_user(o, "replaces", user);
    });
    if (auto* temps = (*table)["temporary_schedules"].as_array())
      for (auto& temp : *temps)
        if (auto* t = temp.as_table())
          changed |= drop_tables(*t, "shifts", [&](const toml::table& piece) {
            return names_user(piece, "user", user);
          });
  } else if (kind == "escalation_policies") {
    if (auto* levels = (*table)["levels"].as_array())
      for (size_t i = 0; i < levels->size(); ++i) {
        auto* level = levels->get(i)->as_table();
        if (level == nullptr)
          continue;
        if (drop_tables(*level, "targets", [&](const toml::table& target) {
              return names_user(target, "user", user);
            })) {
          changed = true;
          auto* targets = (*level)["targets"].as_array();
          if (targets == nullptr || targets->empty())
            return make_error(ec::conflict,
                              "escalation_policies." + std::string{
                                (*table)["id"].value_or(std::string{"?"})}
                                + ".levels[" + std::to_string(i)
                                + "]: would have no targets without user \""
                                + std::string{user} + "\"");
        }
      }
  }
  if (!changed)
    return std::optional<std::string>{};
  return std::optional<std::string>{to_toml(*table)};
}

caf::expected<std::string>
resources_document(const std::vector<resource_object>& objects) {
  auto doc = objects_table(objects);
  if (!doc)
    return doc.error();
  return to_toml(*doc);
}

caf::expected<resource_set> merge_resources(const resource_set& base,
                                            const resource_set& update) {
  resource_set merged = base;
  upsert(merged.users, update.users);
  upsert(merged.teams, update.teams);
  upsert(merged.schedules, update.schedules);
  upsert(merged.escalation_policies, update.escalation_policies);
  upsert(merged.services, update.services);
  upsert(merged.heartbeats, update.heartbeats);
  merged.reindex();
  if (auto err = merged.validate())
    return err;
  return merged;
}

} // namespace tropos::conf
