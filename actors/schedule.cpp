#include "actors/schedule.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace tropos::actors {

namespace {

struct schedule_state {
  static inline const char* name = "schedule";
  schedule::schedule plan;
};

using schedule_actor = caf::stateful_actor<schedule_state>;

caf::behavior schedule_behavior(schedule_actor* self, schedule::schedule plan) {
  self->state.plan = std::move(plan);
  return {
    [=](oncall_atom, std::chrono::sys_seconds t, oncall_callback& done) {
      done(schedule::on_call(self->state.plan, t));
    },
    [=](update_atom, schedule::schedule& plan) {
      self->state.plan = std::move(plan);
    },
  };
}

} // namespace

caf::actor spawn_schedule(caf::actor_system& sys, schedule::schedule plan) {
  return sys.spawn(schedule_behavior, std::move(plan));
}

} // namespace tropos::actors
