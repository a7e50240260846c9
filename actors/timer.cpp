#include "actors/timer.hpp"

#include "actors/interfaces.hpp"
#include "domain/error.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <queue>

namespace tropos::actors {

namespace {

struct entry {
  instant deadline;
  /// Keeps equal deadlines in the order they were set.
  uint64_t order;
  caf::actor target;
  caf::message msg;

  bool operator>(const entry& other) const {
    if (deadline != other.deadline)
      return deadline > other.deadline;
    return order > other.order;
  }
};

struct timer_state {
  static inline const char* name = "timer";

  std::shared_ptr<clock> clk;
  std::priority_queue<entry, std::vector<entry>, std::greater<entry>> queue;
  uint64_t next_order = 0;
  /// The deadline a wake-up message is pending for, if any (system clock).
  std::optional<instant> armed_for;
};

using timer_actor = caf::stateful_actor<timer_state>;

// Sends every entry due at or before `now`.
void fire_due(timer_actor* self, instant now) {
  auto& q = self->state.queue;
  while (!q.empty() && q.top().deadline <= now) {
    auto e = q.top();
    q.pop();
    self->send(e.target, std::move(e.msg));
  }
}

// Arms one wake-up for the earliest deadline (system clock only).
void arm(timer_actor* self) {
  auto& st = self->state;
  if (st.clk->is_manual() || st.queue.empty())
    return;
  auto next = st.queue.top().deadline;
  if (st.armed_for && *st.armed_for <= next)
    return;
  st.armed_for = next;
  auto wait = next - st.clk->now();
  if (wait < std::chrono::milliseconds{0})
    wait = std::chrono::milliseconds{0};
  self->delayed_send(self, wait, tick_atom::value);
}

caf::behavior timer(timer_actor* self, std::shared_ptr<clock> clk) {
  self->state.clk = std::move(clk);
  return {
    [=](at_atom, instant deadline, caf::actor& target, caf::message& msg) {
      auto& st = self->state;
      st.queue.push({deadline, st.next_order++, std::move(target),
                     std::move(msg)});
      fire_due(self, st.clk->now());
      arm(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.armed_for.reset();
      fire_due(self, st.clk->now());
      arm(self);
    },
    [=](advance_atom, instant to, completion& done) {
      auto& st = self->state;
      auto* manual = dynamic_cast<manual_clock*>(st.clk.get());
      if (manual == nullptr) {
        done(make_error(ec::forbidden, "the clock is not manual"));
        return;
      }
      if (to < manual->now()) {
        done(make_error(ec::invalid_argument,
                        "set: the manual clock cannot move backwards"));
        return;
      }
      while (!st.queue.empty() && st.queue.top().deadline <= to) {
        if (st.queue.top().deadline > manual->now())
          manual->set(st.queue.top().deadline);
        fire_due(self, manual->now());
      }
      manual->set(to);
      done(caf::error{});
    },
  };
}

} // namespace

caf::actor spawn_timer(caf::actor_system& sys, std::shared_ptr<clock> clk) {
  return sys.spawn(timer, std::move(clk));
}

} // namespace tropos::actors
