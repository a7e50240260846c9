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
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
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
constexpr std::string_view swap_kind = "swap";

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
              storage::batch extra, apply_callback done,
              std::string removed_user = {}) {
  auto parsed = conf::parse_resources(text);
  if (!parsed) {
    done.fn(parsed.error());
    return;
  }
  auto current = self->state.ctx->resources->get();
  if (!removed_user.empty()) {
    // A deleted user leaves the base set; the objects that named them
    // arrive rewritten in `text`.
    auto without = std::make_shared<resource_set>(*current);
    std::erase_if(without->users,
                  [&](const user& u) { return u.id == removed_user; });
    without->reindex();
    current = without;
  }
  if (auto err = reconcile_schedules(self, *current, parsed->set)) {
    done.fn(err);
    return;
  }
  auto merged = conf::merge_resources(*current, parsed->set);
  if (!merged) {
    done.fn(merged.error());
    return;
  }
  storage::batch changes = std::move(extra);
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

// User deletion -------------------------------------------------------------

// Deletes a user and removes them from every team, schedule and policy in
// one commit. Schedules are reconciled like a membership change, so the
// person on call now stays on call unless it was the deleted user.
void on_delete_user(registry_actor* self, const std::string& user_id,
                    json_callback done) {
  if (!self->state.ctx->resources->get()->find_user(user_id)) {
    done(make_error(ec::not_found, "user \"" + user_id + "\" not found"));
    return;
  }
  auto txn = self->state.ctx->env->begin_read();
  if (!txn) {
    done(txn.error());
    return;
  }
  std::vector<conf::resource_object> rewritten;
  caf::error failure;
  auto err = txn->for_each(
    storage::table::resources, "",
    [&](std::string_view key, std::string_view value) {
      auto sep = key.find(storage::key_separator);
      if (sep == std::string_view::npos)
        return true;
      auto kind = key.substr(0, sep);
      if (kind != "teams" && kind != "schedules"
          && kind != "escalation_policies")
        return true;
      auto changed = conf::object_without_user(kind, value, user_id);
      if (!changed) {
        failure = changed.error();
        return false;
      }
      if (*changed)
        rewritten.push_back({std::string{kind},
                             std::string{key.substr(sep + 1)}, **changed});
      return true;
    });
  txn->abort();
  if (err || failure) {
    done(err ? err : failure);
    return;
  }
  auto doc = conf::resources_document(rewritten);
  if (!doc) {
    done(doc.error());
    return;
  }
  storage::batch extra{{storage::table::resources,
                        storage::join_key({"users", user_id}), std::nullopt}};
  auto count = rewritten.size();
  on_apply(self, *doc, std::move(extra),
           apply_callback{[user_id, count, done](
                            caf::expected<apply_summary> result) {
             if (!result) {
               done(result.error());
               return;
             }
             spdlog::info("user-deleted id={} objects-changed={}", user_id,
                          count);
             done(nlohmann::json{{"deleted", user_id},
                                 {"objects_changed", count}}
                    .dump());
           }},
           user_id);
}

// Shift swaps ---------------------------------------------------------------

std::string swap_key(std::string_view id) {
  return storage::join_key({swap_kind, id});
}

std::string new_swap_id() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "swap-";
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

void on_offer_swap(registry_actor* self, const std::string& schedule_id,
                   const std::string& user, const std::string& start,
                   const std::string& end, json_callback done) {
  auto resources = self->state.ctx->resources->get();
  const auto* plan = resources->find_schedule(schedule_id);
  if (plan == nullptr) {
    done(make_error(ec::not_found, "schedule \"" + schedule_id + "\""));
    return;
  }
  auto from = parse_rfc3339(start);
  auto to = parse_rfc3339(end);
  if (!from || !to) {
    done(make_error(ec::invalid_argument,
                    std::string{!from ? "start: " : "end: "}
                      + detail_of(!from ? from.error() : to.error())));
    return;
  }
  if (*to <= *from) {
    done(make_error(ec::invalid_argument, "end: must be after start"));
    return;
  }
  auto on_call = schedule::on_call(*plan, date::floor<std::chrono::seconds>(*from));
  if (std::find(on_call.begin(), on_call.end(), user) == on_call.end()) {
    done(make_error(ec::invalid_argument,
                    "user: \"" + user + "\" is not on call at start"));
    return;
  }
  nlohmann::json swap{{"id", new_swap_id()}, {"schedule", schedule_id},
                      {"user", user},        {"start", format_rfc3339(*from)},
                      {"end", format_rfc3339(*to)}, {"status", "open"}};
  storage::batch changes{{storage::table::resources,
                          swap_key(swap["id"].get<std::string>()), swap.dump()}};
  self->request(self->state.ctx->writer, caf::infinite, write_atom::value,
                std::move(changes))
    .then(
      [swap, done](bool) {
        spdlog::info("shift-swap-offered id={} schedule={} user={}",
                     swap["id"].get<std::string>(),
                     swap["schedule"].get<std::string>(),
                     swap["user"].get<std::string>());
        done(swap.dump());
      },
      [done](caf::error& err) { done(err); });
}

void on_take_swap(registry_actor* self, const std::string& swap_id,
                  const std::string& user, json_callback done) {
  auto txn = self->state.ctx->env->begin_read();
  if (!txn) {
    done(txn.error());
    return;
  }
  auto stored = txn->get(storage::table::resources, swap_key(swap_id));
  if (!stored || !*stored) {
    done(stored ? make_error(ec::not_found, "swap \"" + swap_id + "\"")
                : stored.error());
    return;
  }
  auto swap = nlohmann::json::parse(**stored, nullptr, false);
  if (!swap.is_object() || swap.value("status", "") != "open") {
    done(make_error(ec::conflict, "swap \"" + swap_id + "\" is not open"));
    return;
  }
  auto offerer = swap.value("user", "");
  if (user == offerer || !self->state.ctx->resources->get()->find_user(user)) {
    done(make_error(ec::invalid_argument,
                    "user: must be another known user than the one offering"));
    return;
  }
  auto schedule_id = swap.value("schedule", "");
  auto object = txn->get(storage::table::resources,
                         storage::join_key({"schedules", schedule_id}));
  txn->abort();
  if (!object || !*object) {
    done(make_error(ec::not_found, "schedule \"" + schedule_id + "\""));
    return;
  }
  auto doc = conf::schedule_with_override(**object, user, offerer,
                                          swap.value("start", ""),
                                          swap.value("end", ""));
  if (!doc) {
    done(doc.error());
    return;
  }
  swap["status"] = "taken";
  swap["taken_by"] = user;
  storage::batch extra{
    {storage::table::resources, swap_key(swap_id), swap.dump()}};
  on_apply(self, *doc, std::move(extra),
           apply_callback{[swap, done](caf::expected<apply_summary> result) {
             if (!result) {
               done(result.error());
               return;
             }
             spdlog::info("shift-swap-taken id={} schedule={} from={} to={}",
                          swap["id"].get<std::string>(),
                          swap["schedule"].get<std::string>(),
                          swap["user"].get<std::string>(),
                          swap["taken_by"].get<std::string>());
             done(swap.dump());
           }});
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
      else if (key.substr(0, sep) == swap_kind)
        return true;
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
      on_apply(self, text, {}, std::move(done));
    },
    [=](swap_atom, const std::string& schedule_id, const std::string& user,
        const std::string& start, const std::string& end, json_callback& done) {
      on_offer_swap(self, schedule_id, user, start, end, std::move(done));
    },
    [=](take_atom, const std::string& swap_id, const std::string& user,
        json_callback& done) { on_take_swap(self, swap_id, user, done); },
    [=](delete_atom, const std::string& user_id, json_callback& done) {
      on_delete_user(self, user_id, std::move(done));
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
