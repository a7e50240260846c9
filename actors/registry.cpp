#include "actors/registry.hpp"

#include "actors/interfaces.hpp"
#include "conf/resources.hpp"
#include "domain/error.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
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

void on_apply(registry_actor* self, const std::string& text,
              apply_callback done) {
  auto parsed = conf::parse_resources(text);
  if (!parsed) {
    done.fn(parsed.error());
    return;
  }
  auto current = self->state.ctx->resources->get();
  auto merged = conf::merge_resources(*current, parsed->set);
  if (!merged) {
    done.fn(merged.error());
    return;
  }
  storage::batch changes;
  for (const auto& object : parsed->objects)
    changes.push_back(
      {storage::table::resources, object_key(object), object.toml});
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
  auto err = txn->for_each(
    storage::table::resources, "",
    [&](std::string_view key, std::string_view value) {
      auto sep = key.find(storage::key_separator);
      if (sep != std::string_view::npos)
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
  auto set = conf::merge_resources(resource_set{}, loaded->set);
  if (!set)
    return set.error();
  self->state.ctx->resources->set(
    std::make_shared<const resource_set>(std::move(*set)));
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
