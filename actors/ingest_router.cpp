#include "actors/ingest_router.hpp"

#include "actors/incident.hpp"
#include "actors/interfaces.hpp"
#include "domain/error.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <unordered_map>

namespace tropos::actors {

namespace {

struct open_incident {
  uint64_t id;
  caf::actor handle;
};

struct router_state {
  static inline const char* name = "ingest-router";

  context_ptr ctx;
  /// Open incidents by service id + NUL + dedup key.
  std::unordered_map<std::string, open_incident> by_key;
  /// The same incidents by id, with their key.
  std::unordered_map<uint64_t, std::pair<caf::actor, std::string>> by_id;
  /// When each resolved alert ended, by the same key; a stale "firing"
  /// that started before then is dropped.
  std::unordered_map<std::string, instant> ended_at;
  uint64_t next_id = 1;
};

using router_actor = caf::stateful_actor<router_state>;

/// Counts down the events of one request and answers once.
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

void open_new(router_actor* self, const std::string& key,
              const std::string& service_id, const ingest::alert_event& event,
              completion done) {
  auto& st = self->state;
  auto resources = st.ctx->resources->get();
  const auto* service = resources->find_service(service_id);
  if (service == nullptr) {
    done(make_error(ec::not_found, "service \"" + service_id + "\""));
    return;
  }
  incident_record rec;
  rec.id = st.next_id++;
  rec.service_id = service_id;
  rec.policy_id = service->escalation_policy;
  rec.dedup_key = event.dedup_key;
  rec.summary = event.summary;
  rec.details = event.details;
  rec.source = event.source;
  rec.severity = event.severity;
  rec.labels = event.labels;
  rec.created_at = st.ctx->clk->now();
  rec.updated_at = rec.created_at;
  auto id = rec.id;
  spdlog::info("incident-opened id={} service={}", id, service_id);
  auto handle = spawn_new_incident(self->system(), st.ctx, std::move(rec),
                                   std::move(done));
  st.by_key[key] = {id, handle};
  st.by_id[id] = {handle, key};
}

// Records the end of an alert that has no open incident (C09: a resolve
// that arrives first must not open or announce anything).
void record_end(router_actor* self, const std::string& key,
                const ingest::alert_event& event, completion done) {
  if (!event.ends_at) {
    done(caf::error{});
    return;
  }
  auto ended = instant{*event.ends_at};
  auto& slot = self->state.ended_at[key];
  if (slot >= ended) {
    done(caf::error{});
    return;
  }
  slot = ended;
  storage::batch changes{
    {storage::table::alerts, key,
     std::to_string(ended.time_since_epoch().count())}};
  self->send(self->state.ctx->writer, write_atom::value, std::move(changes),
             std::move(done));
}

void route(router_actor* self, const std::string& service_id,
           const ingest::alert_event& event, completion done) {
  auto& st = self->state;
  auto key = alert_state_key(service_id, event.dedup_key);
  auto open = st.by_key.find(key);
  switch (event.act) {
    case ingest::action::trigger: {
      if (open != st.by_key.end()) {
        self->send(open->second.handle, ingest_atom::value, event,
                   std::move(done));
        return;
      }
      auto ended = st.ended_at.find(key);
      if (event.starts_at && ended != st.ended_at.end()
          && instant{*event.starts_at} <= ended->second) {
        spdlog::info("alert-stale-firing-dropped service={}", service_id);
        done(caf::error{});
        return;
      }
      open_new(self, key, service_id, event, std::move(done));
      return;
    }
    case ingest::action::acknowledge:
      if (open != st.by_key.end())
        self->send(open->second.handle, ingest_atom::value, event,
                   std::move(done));
      else
        done(caf::error{});
      return;
    case ingest::action::resolve:
      if (event.ends_at) {
        auto& slot = st.ended_at[key];
        slot = std::max(slot, instant{*event.ends_at});
      }
      if (open == st.by_key.end()) {
        record_end(self, key, event, std::move(done));
        return;
      }
      // Forget the key now, so a trigger that follows opens a new incident.
      self->send(open->second.handle, ingest_atom::value, event,
                 std::move(done));
      st.by_id.erase(open->second.id);
      st.by_key.erase(open);
      return;
  }
}

void on_ingest(router_actor* self, ingest_request& req) {
  if (req.events.empty()) {
    req.done(caf::error{});
    return;
  }
  auto counter = std::make_shared<join>(req.events.size(), std::move(req.done));
  for (const auto& event : req.events)
    route(self, req.service_id, event,
          completion{[counter](const caf::error& err) { counter->finish(err); }});
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
  auto handle = found->second.first;
  if (req.what == verb::resolve) {
    st.by_key.erase(found->second.second);
    st.by_id.erase(found);
  }
  self->send(handle, act_atom::value, std::move(req), std::move(done));
}

// Loads open incidents and alert end times; returns how many incidents.
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
    if (auto id = storage::decode_u64(std::string_view{(*last)->first}.substr(1)))
      st.next_id = *id + 1;
  }
  for (auto id : ids) {
    auto value = txn->get(storage::table::incidents, incident_record_key(id));
    if (!value)
      return value.error();
    if (!*value)
      continue;
    auto rec = incident_from_json(**value);
    if (!rec)
      return rec.error();
    auto key = alert_state_key(rec->service_id, rec->dedup_key);
    auto handle = spawn_recovered_incident(self->system(), st.ctx,
                                           std::move(*rec));
    st.by_key[key] = {id, handle};
    st.by_id[id] = {handle, key};
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
  return ids.size();
}

caf::behavior router(router_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  // On shutdown the incident actors stop with the router, so that nothing
  // keeps holding the shared context (see daemon::run).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (const auto& [id, entry] : self->state.by_id)
      self->send_exit(entry.first, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](ingest_atom, ingest_request& req) { on_ingest(self, req); },
    [=](act_atom, action_request& req, action_callback& done) {
      on_act(self, req, done);
    },
    [=](closed_atom, uint64_t id) {
      auto& st = self->state;
      auto found = st.by_id.find(id);
      if (found == st.by_id.end())
        return;
      st.by_key.erase(found->second.second);
      st.by_id.erase(found);
    },
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
