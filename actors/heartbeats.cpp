#include "actors/heartbeats.hpp"

#include "actors/interfaces.hpp"
#include "domain/error.hpp"
#include "domain/heartbeat/heartbeat.hpp"
#include "storage/environment.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

namespace tropos::actors {

namespace {

using json = nlohmann::json;

struct tracked {
  heartbeat::state state;
  /// Bumped on every check-in so an older deadline message is ignored.
  uint64_t generation = 0;
};

struct heartbeats_state {
  static inline const char* name = "heartbeats";
  context_ptr ctx;
  std::unordered_map<std::string, tracked> monitors;
};

using heartbeats_actor = caf::stateful_actor<heartbeats_state>;

std::string dedup_key(const std::string& id) {
  return "heartbeat:" + id;
}

storage::change state_row(const std::string& id, const heartbeat::state& s) {
  return {storage::table::heartbeats, id,
          json{{"last_beat", s.last_beat.time_since_epoch().count()},
               {"missed", s.missed}}
            .dump()};
}

void arm(heartbeats_actor* self, const heartbeat::monitor& m) {
  auto& entry = self->state.monitors[m.id];
  self->send(self->state.ctx->timer, at_atom::value,
             heartbeat::deadline(m, entry.state.last_beat),
             caf::actor_cast<caf::actor>(self),
             caf::make_message(check_atom::value, m.id, entry.generation));
}

// Sends a trigger or resolve for the monitor's incident to the router.
void raise(heartbeats_actor* self, const heartbeat::monitor& m, bool trigger,
           completion done) {
  ingest::alert_event event;
  event.act = trigger ? ingest::action::trigger : ingest::action::resolve;
  event.dedup_key = dedup_key(m.id);
  event.summary = "Heartbeat " + m.id + " missed: no check-in within "
                  + format_duration(m.interval + m.grace);
  event.source = "heartbeat";
  event.labels = {{"heartbeat", m.id}};
  spdlog::info("heartbeat-{} id={} service={}", trigger ? "missed" : "recovered",
               m.id, m.service);
  ingest(self->state.ctx->router, {m.service, {std::move(event)}, std::move(done)});
}

void on_beat(heartbeats_actor* self, const std::string& id, completion done) {
  auto resources = self->state.ctx->resources->get();
  const auto* m = resources->find_heartbeat(id);
  if (m == nullptr) {
    done(make_error(ec::not_found, "heartbeat \"" + id + "\""));
    return;
  }
  auto& entry = self->state.monitors[id];
  entry.generation++;
  auto action = heartbeat::on_beat(entry.state, self->state.ctx->clk->now());
  auto monitor = *m;
  self->request(self->state.ctx->writer, caf::infinite, write_atom::value,
                storage::batch{state_row(id, entry.state)})
    .then(
      [self, monitor, action, done](bool) {
        arm(self, monitor);
        if (action == heartbeat::action::resolve_incident)
          raise(self, monitor, false, done);
        else
          done(caf::error{});
      },
      [done](caf::error& err) { done(err); });
}

void on_check(heartbeats_actor* self, const std::string& id,
              uint64_t generation) {
  auto resources = self->state.ctx->resources->get();
  const auto* m = resources->find_heartbeat(id);
  auto found = self->state.monitors.find(id);
  if (m == nullptr || found == self->state.monitors.end()
      || found->second.generation != generation)
    return;
  auto action = heartbeat::on_check(*m, found->second.state,
                                    self->state.ctx->clk->now());
  if (action != heartbeat::action::open_incident)
    return;
  auto monitor = *m;
  self->send(self->state.ctx->writer, write_atom::value,
             storage::batch{state_row(id, found->second.state)}, completion{});
  raise(self, monitor, true, completion{[id](const caf::error& err) {
          if (err)
            spdlog::error("heartbeat-incident-failed id={} error={}", id,
                          describe(err));
        }});
}

// Arms every monitor of the current resources that has no state yet.
void adopt_new(heartbeats_actor* self) {
  auto resources = self->state.ctx->resources->get();
  auto now = self->state.ctx->clk->now();
  for (const auto& m : resources->heartbeats) {
    if (self->state.monitors.count(m.id) != 0)
      continue;
    self->state.monitors[m.id].state = heartbeat::initial_state(now);
    arm(self, m);
  }
}

caf::expected<size_t> recover(heartbeats_actor* self) {
  auto txn = self->state.ctx->env->begin_read();
  if (!txn)
    return txn.error();
  auto err = txn->for_each(
    storage::table::heartbeats, "",
    [&](std::string_view key, std::string_view value) {
      auto doc = json::parse(value, nullptr, false);
      if (!doc.is_object())
        return true;
      auto& entry = self->state.monitors[std::string{key}];
      entry.state.last_beat = instant{
        std::chrono::milliseconds{doc.value("last_beat", int64_t{0})}};
      entry.state.missed = doc.value("missed", false);
      return true;
    });
  if (err)
    return err;
  auto resources = self->state.ctx->resources->get();
  for (const auto& m : resources->heartbeats)
    if (self->state.monitors.count(m.id) != 0)
      arm(self, m);
  adopt_new(self);
  return self->state.monitors.size();
}

caf::behavior heartbeats(heartbeats_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  return {
    [=](beat_atom, const std::string& id, completion& done) {
      on_beat(self, id, std::move(done));
    },
    [=](check_atom, const std::string& id, uint64_t generation) {
      on_check(self, id, generation);
    },
    [=](update_atom) { adopt_new(self); },
    [=](recover_atom) -> caf::result<size_t> {
      auto count = recover(self);
      if (!count)
        return count.error();
      return *count;
    },
  };
}

} // namespace

caf::actor spawn_heartbeats(caf::actor_system& sys, context_ptr ctx) {
  return sys.spawn(heartbeats, std::move(ctx));
}

} // namespace tropos::actors
