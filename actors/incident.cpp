#include "actors/incident.hpp"

#include "domain/error.hpp"
#include "domain/escalation/ack_timeout.hpp"
#include "domain/escalation/condition.hpp"
#include "storage/tables.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

namespace tropos::actors {

namespace {

struct incident_state {
  static inline const char* name = "incident";

  context_ptr ctx;
  incident_record record;
  /// Bumped whenever pending timers become stale (ack, resolve, manual
  /// escalation), so an old step message is ignored.
  uint64_t generation = 0;
};

using incident_actor = caf::stateful_actor<incident_state>;

storage::change put_record(const incident_record& record) {
  return {storage::table::incidents, incident_record_key(record.id),
          to_json(record)};
}

// Erases every outbox job this incident created, delivered or not.
void erase_jobs(const incident_record& record, storage::batch& changes) {
  for (uint32_t i = 0; i < record.job_count; ++i) {
    notification_job probe;
    probe.incident_id = record.id;
    probe.sequence = i;
    changes.push_back({storage::table::outbox, probe.key(), std::nullopt});
  }
}

// Commits `changes`, then runs `then` or reports the error to `on_error`.
template <class Then>
void commit(incident_actor* self, storage::batch changes, Then then,
            completion on_error = {}) {
  auto id = self->state.record.id;
  self->request(self->state.ctx->writer, caf::infinite, write_atom::value,
                std::move(changes))
    .then([then](bool) mutable { then(); },
          [id, on_error](caf::error& err) {
            spdlog::error("incident-commit-failed id={} error={}", id,
                          describe(err));
            on_error(err);
          });
}

void arm_step(incident_actor* self) {
  auto& st = self->state;
  if (!st.record.next_step_at || st.record.status != incident_status::triggered)
    return;
  self->send(st.ctx->timer, at_atom::value, *st.record.next_step_at,
             caf::actor_cast<caf::actor>(self),
             caf::make_message(step_atom::value, st.generation));
}

void arm_ack_expiry(incident_actor* self) {
  auto& st = self->state;
  if (!st.record.ack_expires_at
      || st.record.status != incident_status::acknowledged)
    return;
  self->send(st.ctx->timer, at_atom::value, *st.record.ack_expires_at,
             caf::actor_cast<caf::actor>(self),
             caf::make_message(ackexp_atom::value, st.generation));
}

// Pages `level` of `pass` at the logical instant `at` and commits the jobs
// together with the new position, so a crash neither drops nor repeats a
// step. `extra` contains further changes for the same commit.
void page(incident_actor* self, unsigned level, unsigned pass, instant at,
          storage::batch extra, completion done) {
  auto& st = self->state;
  auto& rec = st.record;
  auto resources = st.ctx->resources->get();
  const auto* policy = resources->find_policy(rec.policy_id);
  std::vector<notification_job> jobs;
  rec.next_step_at.reset();
  // Levels whose time-of-day condition is false at `at` are skipped.
  std::optional<escalation_step> step;
  if (policy != nullptr && level < policy->levels.size())
    step = escalation::first_applicable_step(*policy, {level, pass, at});
  if (policy != nullptr && !step)
    add_timeline(rec, at, "escalation-ended", "no level applies");
  if (step) {
    level = step->level;
    pass = step->pass;
    // Round-robin team targets rotate across incidents and passes.
    auto users = expand_targets(*resources, policy->levels[level].targets,
                                date::floor<std::chrono::seconds>(at),
                                rec.id + pass);
    jobs = plan_notifications(*resources, rec, users, at, rec.job_count);
    rec.job_count += static_cast<uint32_t>(jobs.size());
    rec.level = level;
    rec.pass = pass;
    if (auto next = escalation::next_applicable_step(*policy, level, pass, at))
      rec.next_step_at = next->at;
    std::string who;
    for (const auto& u : users)
      who += (who.empty() ? "" : ",") + u;
    add_timeline(rec, at, "escalated",
                 "level=" + std::to_string(level + 1) + " pass="
                   + std::to_string(pass + 1) + " users=" + who);
    spdlog::info("incident-escalated id={} level={} pass={} jobs={}", rec.id,
                 level + 1, pass + 1, jobs.size());
  } else if (policy == nullptr) {
    spdlog::warn("incident-policy-missing id={} policy={}", rec.id,
                 rec.policy_id);
  }
  rec.updated_at = at;
  auto changes = std::move(extra);
  changes.push_back(put_record(rec));
  for (const auto& job : jobs)
    changes.push_back({storage::table::outbox, job.key(), to_json(job)});
  commit(
    self, std::move(changes),
    [self, jobs = std::move(jobs), done]() mutable {
      done(caf::error{});
      if (!jobs.empty())
        self->send(self->state.ctx->notifier, enqueue_atom::value,
                   std::move(jobs));
      arm_step(self);
    },
    done);
}

void on_step(incident_actor* self, uint64_t generation) {
  auto& st = self->state;
  auto& rec = st.record;
  if (generation != st.generation || rec.status != incident_status::triggered
      || !rec.next_step_at)
    return;
  auto policy = st.ctx->resources->get()->find_policy(rec.policy_id);
  if (policy == nullptr)
    return;
  auto next = next_step(*policy, rec.level, rec.pass, *rec.next_step_at);
  if (!next)
    return;
  // page() skips forward from here past levels whose condition is false.
  // The step's instant is the stored deadline, not the time the message
  // arrived, so later deadlines do not drift with processing delays.
  page(self, next->level, next->pass, *rec.next_step_at, {}, {});
}

// An acknowledgement that lasted ack_timeout returns the incident to
// triggered and pages the last level again.
void on_ack_expired(incident_actor* self, uint64_t generation) {
  auto& st = self->state;
  auto& rec = st.record;
  if (generation != st.generation
      || rec.status != incident_status::acknowledged || !rec.ack_expires_at)
    return;
  auto policy = st.ctx->resources->get()->find_policy(rec.policy_id);
  auto at = *rec.ack_expires_at;
  rec.status = incident_status::triggered;
  rec.ack_expires_at.reset();
  add_timeline(rec, at, "acknowledgement-expired", rec.acknowledged_by);
  spdlog::info("incident-ack-expired id={} by={}", rec.id, rec.acknowledged_by);
  rec.acknowledged_by.clear();
  st.generation++;
  unsigned level = rec.level, pass = rec.pass;
  if (policy != nullptr)
    if (auto step = escalation::first_applicable_step(*policy,
                                                      {level, pass, at})) {
      level = step->level;
      pass = step->pass;
    }
  page(self, level, pass, at, {}, {});
}

void finish_with(incident_actor* self, incident_status status,
                 const std::string& by, instant now,
                 std::optional<date::sys_seconds> ends_at,
                 std::function<void(const caf::error&)> reply) {
  auto& st = self->state;
  auto& rec = st.record;
  st.generation++;
  rec.next_step_at.reset();
  rec.updated_at = now;
  storage::batch changes;
  if (status == incident_status::acknowledged) {
    rec.status = incident_status::acknowledged;
    rec.acknowledged_by = by;
    add_timeline(rec, now, "acknowledged", by);
    if (auto policy = st.ctx->resources->get()->find_policy(rec.policy_id))
      rec.ack_expires_at = escalation::ack_expiry(*policy, now);
  } else {
    rec.ack_expires_at.reset();
    rec.status = incident_status::resolved;
    rec.resolved_by = by;
    add_timeline(rec, now, "resolved", by);
    changes.push_back(
      {storage::table::incidents, incident_open_key(rec.id), std::nullopt});
    if (ends_at)
      changes.push_back(
        {storage::table::alerts, alert_state_key(rec.service_id, rec.dedup_key),
         std::to_string(ends_at->time_since_epoch().count())});
  }
  erase_jobs(rec, changes);
  changes.push_back(put_record(rec));
  spdlog::info("incident-{} id={} by={}", to_string(rec.status), rec.id, by);
  auto id = rec.id;
  auto resolved = rec.status == incident_status::resolved;
  commit(
    self, std::move(changes),
    [self, id, resolved, reply] {
      self->send(self->state.ctx->notifier, cancel_atom::value, id, resolved);
      reply(caf::error{});
      if (resolved) {
        self->send(self->state.ctx->router, closed_atom::value, id);
        self->quit();
        return;
      }
      arm_ack_expiry(self);
    },
    completion{reply});
}

action_outcome outcome_of(const incident_record& rec, bool changed) {
  action_outcome out;
  out.changed = changed;
  out.status = rec.status;
  out.acknowledged_by = rec.acknowledged_by;
  out.resolved_by = rec.resolved_by;
  return out;
}

void on_action(incident_actor* self, const action_request& req,
               action_callback done) {
  auto& rec = self->state.record;
  auto now = self->state.ctx->clk->now();
  auto reply = [self, done](bool changed) {
    return [self, done, changed](const caf::error& err) {
      auto out = outcome_of(self->state.record, changed);
      out.error = err;
      done(out);
    };
  };
  if (rec.status == incident_status::resolved) {
    done(outcome_of(rec, false));
    return;
  }
  switch (req.what) {
    case verb::acknowledge:
      if (rec.status == incident_status::acknowledged) {
        done(outcome_of(rec, false));
        return;
      }
      finish_with(self, incident_status::acknowledged, req.user_id, now,
                  std::nullopt, reply(true));
      return;
    case verb::resolve:
      finish_with(self, incident_status::resolved, req.user_id, now,
                  std::nullopt, reply(true));
      return;
    case verb::escalate: {
      auto policy = self->state.ctx->resources->get()->find_policy(
        rec.policy_id);
      if (policy == nullptr || rec.status != incident_status::triggered) {
        done(outcome_of(rec, false));
        return;
      }
      auto level = rec.level + 1 < policy->levels.size() ? rec.level + 1 : 0;
      auto pass = level == 0 ? rec.pass + 1 : rec.pass;
      // After the last level of the last pass nobody is left to page, so
      // the request changes nothing and the reply says so.
      if (!escalation::first_applicable_step(*policy, {level, pass, now})) {
        done(outcome_of(rec, false));
        return;
      }
      self->state.generation++;
      add_timeline(rec, now, "escalated-by-hand", req.user_id);
      page(self, level, pass, now, {}, completion{reply(true)});
      return;
    }
  }
}

void on_event(incident_actor* self, const ingest::alert_event& event,
              completion done) {
  auto& rec = self->state.record;
  auto now = self->state.ctx->clk->now();
  switch (event.act) {
    case ingest::action::trigger: {
      auto change = routing::record_alert(rec.alerts, event.dedup_key, true, now);
      rec.event_count++;
      rec.updated_at = now;
      add_timeline(rec, now,
                   change == routing::alert_change::added     ? "alert-added"
                   : change == routing::alert_change::refired ? "alert-refired"
                                                              : "event",
                   event.summary);
      commit(self, storage::batch{put_record(rec)},
             [done] { done(caf::error{}); }, done);
      return;
    }
    case ingest::action::acknowledge:
      if (rec.status != incident_status::triggered) {
        done(caf::error{});
        return;
      }
      finish_with(self, incident_status::acknowledged, "integration", now,
                  std::nullopt, done.fn);
      return;
    case ingest::action::resolve: {
      if (rec.status == incident_status::resolved) {
        done(caf::error{});
        return;
      }
      routing::record_alert(rec.alerts, event.dedup_key, false, now);
      if (!routing::all_resolved(rec.alerts)) {
        // A partial resolve: other grouped alerts still fire.
        rec.updated_at = now;
        add_timeline(rec, now, "alert-resolved", event.dedup_key);
        commit(self, storage::batch{put_record(rec)},
               [done] { done(caf::error{}); }, done);
        return;
      }
      finish_with(self, incident_status::resolved, "integration", now,
                  event.ends_at, done.fn);
      return;
    }
  }
}

caf::behavior incident_behavior(incident_actor* self) {
  return {
    [=](ingest_atom, const ingest::alert_event& event, completion& done) {
      on_event(self, event, std::move(done));
    },
    [=](act_atom, const action_request& req, action_callback& done) {
      on_action(self, req, std::move(done));
    },
    [=](step_atom, uint64_t generation) { on_step(self, generation); },
    [=](update_atom) {
      // The mute ended while the alert still fires: page from the start.
      auto& rec = self->state.record;
      if (rec.suppressed_by.empty() || rec.status != incident_status::triggered)
        return;
      auto now = self->state.ctx->clk->now();
      add_timeline(rec, now, "unmuted", rec.suppressed_by);
      spdlog::info("incident-unmuted id={} was={}", rec.id, rec.suppressed_by);
      rec.suppressed_by.clear();
      self->state.generation++;
      page(self, 0, 0, now, {}, {});
    },
    [=](ackexp_atom, uint64_t generation) {
      on_ack_expired(self, generation);
    },
  };
}

caf::behavior new_incident(incident_actor* self, context_ptr ctx,
                           incident_record record, completion done) {
  self->state.ctx = std::move(ctx);
  self->state.record = std::move(record);
  auto& rec = self->state.record;
  add_timeline(rec, rec.created_at, "triggered", rec.summary);
  storage::batch extra{
    {storage::table::incidents, incident_open_key(rec.id), std::string{"1"}}};
  if (!rec.suppressed_by.empty()) {
    // A muted incident is recorded and pages nobody.
    add_timeline(rec, rec.created_at, "muted", rec.suppressed_by);
    extra.push_back(put_record(rec));
    commit(self, std::move(extra), [done] { done(caf::error{}); }, done);
    return incident_behavior(self);
  }
  page(self, 0, 0, rec.created_at, std::move(extra), std::move(done));
  return incident_behavior(self);
}

caf::behavior recovered_incident(incident_actor* self, context_ptr ctx,
                                 incident_record record) {
  self->state.ctx = std::move(ctx);
  self->state.record = std::move(record);
  arm_step(self);
  arm_ack_expiry(self);
  return incident_behavior(self);
}

} // namespace

caf::actor spawn_new_incident(caf::actor_system& sys, context_ptr ctx,
                              incident_record record, completion done) {
  return sys.spawn(new_incident, std::move(ctx), std::move(record),
                   std::move(done));
}

caf::actor spawn_recovered_incident(caf::actor_system& sys, context_ptr ctx,
                                    incident_record record) {
  return sys.spawn(recovered_incident, std::move(ctx), std::move(record));
}

} // namespace tropos::actors
