#include "actors/registry.hpp"

#include "actors/interfaces.hpp"
#include "actors/schedule.hpp"
#include "conf/resources.hpp"
#include "domain/error.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <date/date.h>
#include <spdlog/spdlog.h>

namespace tropos::actors {

namespace {

struct registry_state {
  static inline const char* name = "registry";
  context_ptr ctx;
};

using registry_actor = caf::stateful_actor<registry_state>;

std::string object_key(const conf::resource_object& object) {
  return storage::join_key({object.kind, object.id});
}

constexpr std::string_view anchor_kind = "anchor";

/// Rows that keep each layer's anchor, so a membership change survives a
/// restart: "anchor", schedule id, layer name -> "<unix seconds>:<index>".
void store_anchors(const schedule::schedule& plan, storage::batch& changes) {
  for (const auto& layer : plan.layers) {
    if (!layer.anchor)
      continue;
    auto value = std::to_string(layer.anchor->at.time_since_epoch().count())
                 + ":" + std::to_string(layer.anchor->index);
    changes.push_back({storage::table::resources,
                       storage::join_key({anchor_kind, plan.id, layer.name}),
                       std::move(value)});
  }
}

void restore_anchor(resource_set& set, std::string_view key,
                    std::string_view value) {
  auto first = key.find(storage::key_separator);
  auto second = key.find(storage::key_separator, first + 1);
  auto colon = value.find(':');
  if (second == std::string_view::npos || colon == std::string_view::npos)
    return;
  auto id = key.substr(first + 1, second - first - 1);
  auto layer_name = key.substr(second + 1);
  for (auto& plan : set.schedules) {
    if (plan.id != id)
      continue;
    for (auto& layer : plan.layers)
      if (layer.name == layer_name)
        layer.anchor = schedule::rotation_anchor{
          schedule::sys_seconds{
            std::chrono::seconds{std::stoll(std::string{value.substr(0, colon)})}},
          static_cast<size_t>(std::stoul(std::string{value.substr(colon + 1)}))};
  }
}

// Keeps one actor per schedule in step with the snapshot.
void sync_schedule_actors(registry_actor* self, const resource_set& set) {
  auto& holder = *self->state.ctx->resources;
  for (const auto& plan : set.schedules) {
    auto handle = holder.schedule_actor(plan.id);
    if (handle)
      self->send(handle, update_atom::value, plan);
    else
      holder.set_schedule_actor(plan.id,
                                spawn_schedule(self->system(), self->state.ctx, plan));
  }
}

// Reconciles each applied schedule with the one in force, so adding,
// removing or reordering members keeps who is on call now and when the
// current shift ends.
caf::error reconcile_schedules(registry_actor* self, const resource_set& current,
                               resource_set& update) {
  auto now = date::floor<std::chrono::seconds>(self->state.ctx->clk->now());
  for (auto& declared : update.schedules) {
    const auto* running = current.find_schedule(declared.id);
    if (running == nullptr)
      continue;
    auto merged = schedule::reconcile(*running, declared, now);
    if (!merged)
      return merged.error();
    declared = std::move(*merged);
  }
  return {};
}

void on_apply(registry_actor* self, const std::string& text,
              apply_callback done) {
  auto parsed = conf::parse_resources(text);
  if (!parsed) {
    done.fn(parsed.error());
    return;
  }
  auto current = self->state.ctx->resources->get();
  if (auto err = reconcile_schedules(self, *current, parsed->set)) {
    done.fn(err);
    return;
  }
  auto merged = conf::merge_resources(*current, parsed->set);
  if (!merged) {
    done.fn(merged.error());
    return;
  }
  storage::batch changes;
  for (const auto& object : parsed->objects)
    changes.push_back(
      {storage::table::resources, object_key(object), object.toml});
  for (const auto& plan : parsed->set.schedules)
    store_anchors(plan, changes);
  apply_summary summary{parsed->set.users.size(), parsed->set.teams.size(),
                        parsed->set.schedules.size(),
                        parsed->set.escalation_policies.size(),
                        parsed->set.services.size()};
  auto next = std::make_shared<const resource_set>(std::move(*merged));
  // await: a second apply waits until this one is installed, so it merges
  // onto the result instead of onto the same old snapshot.
  self->request(self->state.ctx->writer, caf::infinite, write_atom::value,
                std::move(changes))
    .await(
      [self, next, summary, done](bool) {
        self->state.ctx->resources->set(next);
        sync_schedule_actors(self, *next);
        if (self->state.ctx->heartbeats)
          self->send(self->state.ctx->heartbeats, update_atom::value);
        spdlog::info("resources-applied users={} teams={} schedules={} "
                     "policies={} services={}",
                     summary.users, summary.teams, summary.schedules,
                     summary.escalation_policies, summary.services);
        done.fn(summary);
      },
      [done](caf::error& err) { done.fn(err); });
}

caf::expected<size_t> recover(registry_actor* self) {
  auto txn = self->state.ctx->env->begin_read();
  if (!txn)
    return txn.error();
  std::vector<conf::resource_object> objects;
  std::vector<std::pair<std::string, std::string>> anchors;
  auto err = txn->for_each(
    storage::table::resources, "",
    [&](std::string_view key, std::string_view value) {
      auto sep = key.find(storage::key_separator);
      if (sep == std::string_view::npos)
        return true;
      if (key.substr(0, sep) == anchor_kind)
        anchors.emplace_back(key, value);
      else
        objects.push_back({std::string{key.substr(0, sep)},
                           std::string{key.substr(sep + 1)},
                           std::string{value}});
      return true;
    });
  if (err)
    return err;
  auto loaded = conf::load_resource_objects(objects);
  if (!loaded)
    return loaded.error();
  for (const auto& [key, value] : anchors)
    restore_anchor(loaded->set, key, value);
  auto set = conf::merge_resources(resource_set{}, loaded->set);
  if (!set)
    return set.error();
  auto snapshot = std::make_shared<const resource_set>(std::move(*set));
  self->state.ctx->resources->set(snapshot);
  sync_schedule_actors(self, *snapshot);
  return objects.size();
}

caf::behavior registry(registry_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  return {
    [=](apply_atom, const std::string& text, apply_callback& done) {
      on_apply(self, text, std::move(done));
    },
    [=](recover_atom) -> caf::result<size_t> {
      auto count = recover(self);
      if (!count)
        return count.error();
      return *count;
    },
  };
}

} // namespace

caf::actor spawn_registry(caf::actor_system& sys, context_ptr ctx) {
  return sys.spawn(registry, std::move(ctx));
}

} // namespace tropos::actors
