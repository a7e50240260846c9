#include "actors/ingest_router.hpp"

#include "actors/incident.hpp"
#include "actors/interfaces.hpp"
#include "domain/error.hpp"
#include "domain/routing/grouping.hpp"
#include "domain/routing/route.hpp"
#include "domain/routing/silence.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <set>
#include <unordered_map>

namespace tropos::actors {

namespace {

using json = nlohmann::json;

struct open_incident {
  caf::actor handle;
  std::string route_key;
  instant opened_at;
  /// Dedup keys of the incident's alerts that are still firing.
  std::set<std::string> firing;
  /// The by_alert keys that list this incident, so forgetting it does not
  /// scan the whole index.
  std::vector<std::string> alert_keys;
  /// True while the incident was opened under a silence or maintenance
  /// window and has not paged yet.
  bool muted = false;
};

struct router_state {
  static inline const char* name = "ingest-router";

  context_ptr ctx;
  std::unordered_map<uint64_t, open_incident> by_id;
  /// The incident that new alerts of a route key join.
  std::unordered_map<std::string, uint64_t> by_route;
  /// Open incidents that contain an alert, by service id + NUL + dedup key.
  std::unordered_map<std::string, std::vector<uint64_t>> by_alert;
  /// When each resolved alert ended, by the same key; a stale "firing"
  /// that started before then is dropped.
  std::unordered_map<std::string, instant> ended_at;
  std::vector<routing::silence> silences;
  std::vector<routing::maintenance_window> windows;
  uint64_t next_id = 1;
};

using router_actor = caf::stateful_actor<router_state>;

/// Counts down the parts of one request and calls its completion once.
struct join {
  std::atomic<size_t> remaining;
  completion done;
  std::mutex mutex;
  caf::error first_error;

  join(size_t n, completion d) : remaining(n), done(std::move(d)) {
  }

  void finish(const caf::error& err) {
    if (err) {
      std::lock_guard guard{mutex};
      if (!first_error)
        first_error = err;
    }
    if (--remaining == 0) {
      std::lock_guard guard{mutex};
      done(first_error);
    }
  }
};

/// Splits `done` into `n` completions that call it once all have run.
std::vector<completion> split(completion done, size_t n) {
  auto counter = std::make_shared<join>(n, std::move(done));
  std::vector<completion> parts;
  for (size_t i = 0; i < n; ++i)
    parts.push_back(
      completion{[counter](const caf::error& err) { counter->finish(err); }});
  return parts;
}

void index_alert(router_actor* self, const std::string& alert_key,
                 uint64_t id) {
  auto& ids = self->state.by_alert[alert_key];
  if (std::find(ids.begin(), ids.end(), id) != ids.end())
    return;
  ids.push_back(id);
  if (auto entry = self->state.by_id.find(id); entry != self->state.by_id.end())
    entry->second.alert_keys.push_back(alert_key);
}

// Forgets an incident that resolved or is about to.
void forget(router_actor* self, uint64_t id) {
  auto& st = self->state;
  auto found = st.by_id.find(id);
  if (found == st.by_id.end())
    return;
  if (auto route = st.by_route.find(found->second.route_key);
      route != st.by_route.end() && route->second == id)
    st.by_route.erase(route);
  for (const auto& key : found->second.alert_keys) {
    auto i = st.by_alert.find(key);
    if (i == st.by_alert.end())
      continue;
    auto& ids = i->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty())
      st.by_alert.erase(i);
  }
  st.by_id.erase(found);
}

// Returns why new alerts with these labels page nobody, or "".
std::string mute_reason(router_actor* self, const std::string& service_id,
                        const ingest::alert_event& event, instant now) {
  auto& st = self->state;
  for (const auto& s : st.silences)
    if (routing::is_active(s, now) && routing::matches(s.matchers, event.labels))
      return "silence:" + s.id;
  for (const auto& w : st.windows)
    if (routing::is_active(w, now)
        && std::find(w.services.begin(), w.services.end(), service_id)
             != w.services.end())
      return "maintenance:" + w.id;
  return {};
}

void open_new(router_actor* self, const service& svc,
              const std::string& policy, const std::string& route_key,
              const ingest::alert_event& event, completion done) {
  auto& st = self->state;
  auto now = st.ctx->clk->now();
  incident_record rec;
  rec.id = st.next_id++;
  rec.service_id = svc.id;
  rec.policy_id = policy;
  rec.dedup_key = event.dedup_key;
  rec.route_key = route_key;
  rec.summary = event.summary;
  rec.details = event.details;
  rec.source = event.source;
  rec.severity = event.severity;
  rec.labels = event.labels;
  rec.created_at = now;
  rec.updated_at = now;
  rec.alerts.push_back({event.dedup_key, true, now});
  rec.suppressed_by = mute_reason(self, svc.id, event, now);
  auto id = rec.id;
  auto muted = !rec.suppressed_by.empty();
  spdlog::info("incident-opened id={} service={} policy={}{}", id, svc.id,
               policy, rec.suppressed_by.empty() ? "" : " muted-by="
                                                         + rec.suppressed_by);
  auto handle = spawn_new_incident(self->system(), st.ctx, std::move(rec),
                                   std::move(done));
  st.by_id[id] = {handle, route_key, now, {event.dedup_key}, {}, muted};
  st.by_route[route_key] = id;
  index_alert(self, alert_state_key(svc.id, event.dedup_key), id);
}

// Records the end of an alert that has no open incident: a resolve that
// arrives first must not open or announce anything.
void record_end(router_actor* self, const std::string& key,
                const ingest::alert_event& event, completion done) {
  if (!event.ends_at) {
    done(caf::error{});
    return;
  }
  auto ended = instant{*event.ends_at};
  storage::batch changes{
    {storage::table::alerts, key,
     std::to_string(ended.time_since_epoch().count())}};
  self->send(self->state.ctx->writer, write_atom::value, std::move(changes),
             std::move(done));
}

// Returns the open incident of `route_key` that already contains the
// firing alert `alert_key`, if any.
std::optional<uint64_t> holding_incident(router_actor* self,
                                         const std::string& alert_key,
                                         const std::string& route_key) {
  auto& st = self->state;
  auto found = st.by_alert.find(alert_key);
  if (found == st.by_alert.end())
    return std::nullopt;
  for (auto id : found->second)
    if (auto entry = st.by_id.find(id);
        entry != st.by_id.end() && entry->second.route_key == route_key)
      return id;
  return std::nullopt;
}

// A muted incident whose mute has ended starts paging when its alert fires
// again, so an alert still firing after a silence is not lost in it.
void unmute_if_due(router_actor* self, uint64_t id, const std::string& service_id,
                   const ingest::alert_event& event) {
  auto& entry = self->state.by_id[id];
  if (!entry.muted
      || !mute_reason(self, service_id, event, self->state.ctx->clk->now())
            .empty())
    return;
  entry.muted = false;
  self->send(entry.handle, update_atom::value);
}

void route_trigger(router_actor* self, const service& svc,
                   const ingest::alert_event& event, completion done) {
  auto& st = self->state;
  auto alert_key = alert_state_key(svc.id, event.dedup_key);
  auto ended = st.ended_at.find(alert_key);
  if (event.starts_at && ended != st.ended_at.end()
      && instant{*event.starts_at} <= ended->second
      && st.by_alert.count(alert_key) == 0) {
    spdlog::info("alert-stale-firing-dropped service={}", svc.id);
    done(caf::error{});
    return;
  }
  auto policies = routing::route(svc, event.labels);
  if (policies.empty())
    policies.push_back(svc.escalation_policy);
  auto group = routing::group_key(svc, event.labels);
  auto now = st.ctx->clk->now();
  auto parts = split(std::move(done), policies.size());
  for (size_t i = 0; i < policies.size(); ++i) {
    auto route_key = storage::join_key(
      {svc.id, policies[i], group.empty() ? "a:" + event.dedup_key
                                          : "g:" + group});
    // Alertmanager repeats firing alerts; a repeat stays in the incident
    // that contains the alert, even after that incident's group window.
    if (auto held = holding_incident(self, alert_key, route_key)) {
      unmute_if_due(self, *held, svc.id, event);
      self->send(st.by_id[*held].handle, ingest_atom::value, event,
                 std::move(parts[i]));
      continue;
    }
    auto open = st.by_route.find(route_key);
    if (open != st.by_route.end()) {
      auto& entry = st.by_id[open->second];
      bool joins = group.empty()
                   || routing::joins_group(svc, group, entry.opened_at, group,
                                           now);
      if (joins) {
        entry.firing.insert(event.dedup_key);
        index_alert(self, alert_key, open->second);
        unmute_if_due(self, open->second, svc.id, event);
        self->send(entry.handle, ingest_atom::value, event,
                   std::move(parts[i]));
        continue;
      }
    }
    open_new(self, svc, policies[i], route_key, event, std::move(parts[i]));
  }
}

void route(router_actor* self, const std::string& service_id,
           const ingest::alert_event& event, completion done) {
  auto& st = self->state;
  auto resources = st.ctx->resources->get();
  const auto* svc = resources->find_service(service_id);
  if (svc == nullptr) {
    done(make_error(ec::not_found, "service \"" + service_id + "\""));
    return;
  }
  auto alert_key = alert_state_key(service_id, event.dedup_key);
  if (event.act == ingest::action::trigger) {
    route_trigger(self, *svc, event, std::move(done));
    return;
  }
  auto found = st.by_alert.find(alert_key);
  std::vector<uint64_t> ids;
  if (found != st.by_alert.end())
    ids = found->second;
  if (event.act == ingest::action::resolve && event.ends_at) {
    auto& slot = st.ended_at[alert_key];
    slot = std::max(slot, instant{*event.ends_at});
  }
  if (ids.empty()) {
    if (event.act == ingest::action::resolve)
      record_end(self, alert_key, event, std::move(done));
    else
      done(caf::error{});
    return;
  }
  auto parts = split(std::move(done), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& entry = st.by_id[ids[i]];
    auto handle = entry.handle;
    if (event.act == ingest::action::resolve) {
      // When its last firing alert resolves the incident will resolve, so
      // its route key is freed now and a following trigger opens anew.
      entry.firing.erase(event.dedup_key);
      if (entry.firing.empty())
        forget(self, ids[i]);
    }
    self->send(handle, ingest_atom::value, event, std::move(parts[i]));
  }
  if (event.act == ingest::action::resolve)
    st.by_alert.erase(alert_key);
}

void on_ingest(router_actor* self, ingest_request& req) {
  if (req.events.empty()) {
    req.done(caf::error{});
    return;
  }
  auto parts = split(std::move(req.done), req.events.size());
  for (size_t i = 0; i < req.events.size(); ++i)
    route(self, req.service_id, req.events[i], std::move(parts[i]));
}

void on_act(router_actor* self, action_request& req, action_callback& done) {
  auto& st = self->state;
  auto found = st.by_id.find(req.incident_id);
  if (found == st.by_id.end()) {
    action_outcome out;
    out.error = make_error(ec::not_found,
                           "incident " + std::to_string(req.incident_id)
                             + " is not open");
    done(out);
    return;
  }
  auto handle = found->second.handle;
  if (req.what == verb::resolve)
    forget(self, req.incident_id);
  self->send(handle, act_atom::value, std::move(req), std::move(done));
}

// Silences and maintenance windows ---------------------------------------

std::string random_id(std::string_view prefix) {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out{prefix};
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string mute_key(bool maintenance, std::string_view id) {
  return storage::join_key({maintenance ? "window" : "silence", id});
}

template <class Mute>
void store_mute(router_actor* self, bool maintenance, Mute mute,
                json_callback done) {
  auto doc = routing::to_json(mute);
  storage::batch changes{
    {storage::table::silences, mute_key(maintenance, mute.id), doc.dump()}};
  self->request(self->state.ctx->writer, caf::infinite, write_atom::value,
                std::move(changes))
    .then(
      [self, maintenance, mute, doc, done](bool) {
        auto& st = self->state;
        if constexpr (std::is_same_v<Mute, routing::silence>)
          st.silences.push_back(mute);
        else
          st.windows.push_back(mute);
        spdlog::info("{}-added id={}", maintenance ? "maintenance" : "silence",
                     mute.id);
        done(doc.dump());
      },
      [done](caf::error& err) { done(err); });
}

void on_add_mute(router_actor* self, bool maintenance, const std::string& text,
                 json_callback done) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    done(make_error(ec::parse_error, "body: expected a JSON object"));
    return;
  }
  if (!doc.contains("id"))
    doc["id"] = random_id(maintenance ? "mw-" : "sil-");
  if (maintenance) {
    auto window = routing::maintenance_window_from_json(doc);
    if (!window) {
      done(window.error());
      return;
    }
    if (auto err = routing::check_services(*window,
                                           *self->state.ctx->resources->get())) {
      done(err);
      return;
    }
    store_mute(self, true, std::move(*window), std::move(done));
    return;
  }
  auto silence = routing::silence_from_json(doc);
  if (!silence) {
    done(silence.error());
    return;
  }
  store_mute(self, false, std::move(*silence), std::move(done));
}

void on_list_mutes(router_actor* self, bool maintenance, json_callback done) {
  json items = json::array();
  if (maintenance)
    for (const auto& w : self->state.windows)
      items.push_back(routing::to_json(w));
  else
    for (const auto& s : self->state.silences)
      items.push_back(routing::to_json(s));
  done(items.dump());
}

void on_delete_mute(router_actor* self, bool maintenance, const std::string& id,
                    json_callback done) {
  auto& st = self->state;
  auto erase_by_id = [&](auto& items) {
    auto before = items.size();
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](const auto& x) { return x.id == id; }),
                items.end());
    return before != items.size();
  };
  bool erased = maintenance ? erase_by_id(st.windows) : erase_by_id(st.silences);
  if (!erased) {
    done(make_error(ec::not_found, "id: \"" + id + "\" not found"));
    return;
  }
  storage::batch changes{
    {storage::table::silences, mute_key(maintenance, id), std::nullopt}};
  self->send(st.ctx->writer, write_atom::value, std::move(changes),
             completion{[done, id](const caf::error& err) {
               if (err)
                 done(err);
               else
                 done(json{{"deleted", id}}.dump());
             }});
}

// Recovery ----------------------------------------------------------------

void adopt(router_actor* self, incident_record& rec) {
  auto& st = self->state;
  auto id = rec.id;
  if (rec.route_key.empty())
    rec.route_key = alert_state_key(rec.service_id, rec.dedup_key);
  if (rec.alerts.empty())
    rec.alerts.push_back({rec.dedup_key, true, rec.created_at});
  auto& entry = st.by_id[id];
  entry.muted = !rec.suppressed_by.empty()
                && rec.status == incident_status::triggered;
  entry.route_key = rec.route_key;
  entry.opened_at = rec.created_at;
  for (const auto& alert : rec.alerts)
    if (alert.firing)
      entry.firing.insert(alert.dedup_key);
  for (const auto& alert : rec.alerts)
    index_alert(self, alert_state_key(rec.service_id, alert.dedup_key), id);
  st.by_route[rec.route_key] = id;
  st.by_id[id].handle = spawn_recovered_incident(self->system(), st.ctx,
                                                 std::move(rec));
}

caf::error recover_mutes(router_actor* self, const storage::read_txn& txn) {
  auto& st = self->state;
  caf::error failure;
  auto err = txn.for_each(
    storage::table::silences, "",
    [&](std::string_view key, std::string_view value) {
      auto doc = json::parse(value, nullptr, false);
      if (key.starts_with("window")) {
        if (auto w = routing::maintenance_window_from_json(doc))
          st.windows.push_back(std::move(*w));
        else
          failure = w.error();
      } else if (auto s = routing::silence_from_json(doc)) {
        st.silences.push_back(std::move(*s));
      } else {
        failure = s.error();
      }
      return !failure;
    });
  return err ? err : failure;
}

// Loads open incidents, alert end times and mutes; returns how many
// incidents.
caf::expected<size_t> recover(router_actor* self) {
  auto& st = self->state;
  auto txn = st.ctx->env->begin_read();
  if (!txn)
    return txn.error();
  std::vector<uint64_t> ids;
  auto err = txn->for_each(storage::table::incidents, "o",
                           [&](std::string_view key, std::string_view) {
                             if (auto id = storage::decode_u64(key.substr(1)))
                               ids.push_back(*id);
                             return true;
                           });
  if (err)
    return err;

  if (auto last = txn->last(storage::table::incidents); last && *last) {
    // Records ("r") sort after open markers ("o"), so the last key is
    // the highest record id.
    auto key = std::string_view{(*last)->first}.substr(1);
    if (auto id = storage::decode_u64(key))
      st.next_id = *id + 1;
  }

  // Sized up front: rehashing three maps while adopting 100k incidents
  // showed up in the restart profile.
  st.by_id.reserve(ids.size());
  st.by_route.reserve(ids.size());
  st.by_alert.reserve(ids.size());
  for (auto id : ids) {
    auto value = txn->get(storage::table::incidents, incident_record_key(id));
    if (!value)
      return value.error();
    if (!*value)
      continue;
    auto rec = incident_from_json(**value);
    if (!rec)
      return rec.error();
    adopt(self, *rec);
  }

  err = txn->for_each(storage::table::alerts, "",
                      [&](std::string_view key, std::string_view value) {
                        int64_t ms = 0;
                        std::from_chars(value.data(), value.data() + value.size(),
                                        ms);
                        st.ended_at[std::string{key}]
                          = instant{std::chrono::milliseconds{ms}};
                        return true;
                      });
  if (err)
    return err;
  if (auto err = recover_mutes(self, *txn))
    return err;
  return ids.size();
}

caf::behavior router(router_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  // On shutdown the incident actors stop with the router, so that nothing
  // keeps holding the shared context (see daemon::run).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (const auto& [id, entry] : self->state.by_id)
      self->send_exit(entry.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](ingest_atom, ingest_request& req) { on_ingest(self, req); },
    [=](act_atom, action_request& req, action_callback& done) {
      on_act(self, req, done);
    },
    [=](closed_atom, uint64_t id) { forget(self, id); },
    [=](silence_atom, const std::string& text, json_callback& done) {
      on_add_mute(self, false, text, std::move(done));
    },
    [=](mwindow_atom, const std::string& text, json_callback& done) {
      on_add_mute(self, true, text, std::move(done));
    },
    [=](list_atom, bool maintenance, json_callback& done) {
      on_list_mutes(self, maintenance, std::move(done));
    },
    [=](delete_atom, bool maintenance, const std::string& id,
        json_callback& done) { on_delete_mute(self, maintenance, id, done); },
    [=](recover_atom) -> caf::result<size_t> {
      auto count = recover(self);
      if (!count)
        return count.error();
      return *count;
    },
    [=](stats_atom) -> size_t { return self->state.by_id.size(); },
  };
}

} // namespace

caf::actor spawn_ingest_router(caf::actor_system& sys, context_ptr ctx) {
  return sys.spawn(router, std::move(ctx));
}

} // namespace tropos::actors
