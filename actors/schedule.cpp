#include "actors/schedule.hpp"

#include "domain/error.hpp"
#include "domain/incident/incident.hpp"
#include "storage/tables.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

namespace tropos::actors {

namespace {

using std::chrono::sys_seconds;

struct schedule_state {
  static inline const char* name = "schedule";
  context_ptr ctx;
  schedule::schedule plan;
  /// Bumped on every update so timers armed for an older version are
  /// ignored.
  uint64_t generation = 0;
  /// The gaps reported last, so the same gaps are not reported every day.
  std::vector<schedule::interval> reported_gaps;
};

using schedule_actor = caf::stateful_actor<schedule_state>;

sys_seconds now_of(schedule_actor* self) {
  return date::floor<std::chrono::seconds>(self->state.ctx->clk->now());
}

std::string display_name(const schedule::schedule& plan) {
  return plan.name.empty() ? plan.id : plan.name;
}

// NOTE: notices share incident id 0 in the outbox, so their keys differ
// only by this random sequence; two pending notices collide with odds of
// about n^2 / 2^33. A stored notice counter would remove that.
uint32_t random_sequence() {
  uint32_t value = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value));
  return value;
}

// Stores notice jobs in the outbox and hands them to the notifier.
void send_notices(schedule_actor* self, std::vector<notification_job> jobs) {
  if (jobs.empty())
    return;
  storage::batch changes;
  for (const auto& job : jobs)
    changes.push_back({storage::table::outbox, job.key(), to_json(job)});
  auto notifier = self->state.ctx->notifier;
  self->send(self->state.ctx->writer, write_atom::value, std::move(changes),
             completion{[notifier, jobs](const caf::error& err) mutable {
               if (err) {
                 spdlog::error("notice-commit-failed error={}", describe(err));
                 return;
               }
               caf::anon_send(notifier, enqueue_atom::value, std::move(jobs));
             }});
}

void arm_handoff(schedule_actor* self, sys_seconds after) {
  auto& st = self->state;
  auto next = schedule::next_change(st.plan, after);
  if (!next)
    return;
  self->send(st.ctx->timer, at_atom::value, instant{*next},
             caf::actor_cast<caf::actor>(self),
             caf::make_message(step_atom::value, st.generation, *next));
}

void arm_gap_check(schedule_actor* self, sys_seconds after) {
  auto& st = self->state;
  self->send(st.ctx->timer, at_atom::value, instant{after + date::days{1}},
             caf::actor_cast<caf::actor>(self),
             caf::make_message(check_atom::value, st.generation));
}

// Tells each person who is on call from `at` but was not just before.
void on_handoff(schedule_actor* self, sys_seconds at) {
  auto& st = self->state;
  auto before = schedule::on_call(st.plan, at - std::chrono::seconds{1});
  auto after = schedule::on_call(st.plan, at);
  auto resources = st.ctx->resources->get();
  std::vector<notification_job> jobs;
  for (const auto& user : after) {
    if (std::find(before.begin(), before.end(), user) != before.end())
      continue;
    std::string until;
    for (const auto& s : schedule::shifts(st.plan, at, at + std::chrono::seconds{1}))
      if (s.user == user)
        until = " until " + date::format("%FT%TZ", s.end);
    auto subject = "You are on call for " + display_name(st.plan);
    auto text = "You are on call for " + display_name(st.plan) + " from "
                + date::format("%FT%TZ", at) + until + ".";
    spdlog::info("schedule-handoff schedule={} user={}", st.plan.id, user);
    for (auto& job : plan_notice(*resources, user, subject, text, instant{at},
                                 random_sequence()))
      jobs.push_back(std::move(job));
  }
  send_notices(self, std::move(jobs));
}

// Reports time with nobody on call in the next two weeks to the managers
// of the schedule's team, once per distinct set of gaps.
void check_gaps(schedule_actor* self) {
  auto& st = self->state;
  auto now = now_of(self);
  auto gaps = schedule::gaps(st.plan, now, now + gap_horizon);
  if (gaps.empty() || gaps == st.reported_gaps) {
    st.reported_gaps = gaps;
    return;
  }
  st.reported_gaps = gaps;

  auto resources = st.ctx->resources->get();
  const auto* team = resources->find_team(st.plan.team);
  if (team == nullptr || team->managers.empty()) {
    spdlog::warn("schedule-gaps-unreported schedule={} gaps={}: no team "
                 "managers to tell",
                 st.plan.id, gaps.size());
    return;
  }

  std::string text = "Nobody is on call for " + display_name(st.plan)
                     + " during:\n";
  for (const auto& gap : gaps)
    text += "  " + date::format("%FT%TZ", gap.start) + " to "
            + date::format("%FT%TZ", gap.end) + "\n";
  spdlog::info("schedule-gaps schedule={} gaps={}", st.plan.id, gaps.size());
  std::vector<notification_job> jobs;
  for (const auto& manager : team->managers)
    for (auto& job :
         plan_notice(*resources, manager,
                     "Gaps ahead in " + display_name(st.plan), text,
                     instant{now}, random_sequence()))
      jobs.push_back(std::move(job));
  send_notices(self, std::move(jobs));
}

void start(schedule_actor* self) {
  auto now = now_of(self);
  arm_handoff(self, now);
  check_gaps(self);
  arm_gap_check(self, now);
}

caf::behavior schedule_behavior(schedule_actor* self, context_ptr ctx,
                                schedule::schedule plan) {
  self->state.ctx = std::move(ctx);
  self->state.plan = std::move(plan);
  start(self);
  return {
    [=](oncall_atom, sys_seconds t, oncall_callback& done) {
      done(schedule::on_call(self->state.plan, t));
    },
    [=](update_atom, schedule::schedule& plan) {
      self->state.plan = std::move(plan);
      self->state.generation++;
      start(self);
    },
    [=](step_atom, uint64_t generation, sys_seconds at) {
      if (generation != self->state.generation)
        return;
      // `at` is the change instant the timer was armed for, which stays
      // right even when the message arrives late.
      on_handoff(self, at);
      arm_handoff(self, at);
    },
    [=](check_atom, uint64_t generation) {
      if (generation != self->state.generation)
        return;
      check_gaps(self);
      arm_gap_check(self, now_of(self));
    },
  };
}

} // namespace

caf::actor spawn_schedule(caf::actor_system& sys, context_ptr ctx,
                          schedule::schedule plan) {
  return sys.spawn(schedule_behavior, std::move(ctx), std::move(plan));
}

} // namespace tropos::actors
