// The message protocol between the actors of troposd and the functions
// that code outside actors/ (http/, daemon/) uses to talk to them.
//
//   http route ──ingest()──▶ ingest_router ──▶ incident (one per open incident)
//                                 │                 │ page: jobs committed with
//                                 │                 ▼ the step that made them
//   timer ◀── at ── incident,     └──────────▶ notifier ──▶ channel actors
//   notifier (deadlines)                            ▲            (curl thread)
//   writer ◀── write ── every actor that changes state; replies after commit
//
// Every message that an asio thread sends carries a callback; the actor
// calls it when the outcome is known, and the callback posts the response
// back to the connection. No asio thread ever waits for an actor.
#pragma once

#include "domain/incident/incident.hpp"
#include "domain/ingest/alert_event.hpp"
#include "domain/resources.hpp"
#include "domain/time.hpp"
#include "storage/batch.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <vector>

namespace tropos::actors {

// Atom texts are at most 10 characters and each text has one meaning
// process-wide.
using write_atom = caf::atom_constant<caf::atom("write")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using at_atom = caf::atom_constant<caf::atom("at")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using advance_atom = caf::atom_constant<caf::atom("advance")>;
using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using act_atom = caf::atom_constant<caf::atom("act")>;
using step_atom = caf::atom_constant<caf::atom("step")>;
using due_atom = caf::atom_constant<caf::atom("due")>;
using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using sms_in_atom = caf::atom_constant<caf::atom("sms_in")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using oncall_atom = caf::atom_constant<caf::atom("oncall")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using silence_atom = caf::atom_constant<caf::atom("silence")>;
using mwindow_atom = caf::atom_constant<caf::atom("mwindow")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using beat_atom = caf::atom_constant<caf::atom("beat")>;
using check_atom = caf::atom_constant<caf::atom("check")>;
using ackexp_atom = caf::atom_constant<caf::atom("ackexp")>;
using swap_atom = caf::atom_constant<caf::atom("swap")>;
using take_atom = caf::atom_constant<caf::atom("take")>;

/// A callback that receives the outcome of a request: an empty error on
/// success. It may run on any actor's thread, so it must only post work.
struct completion {
  std::function<void(const caf::error&)> fn;

  void operator()(const caf::error& err) const {
    if (fn)
      fn(err);
  }
};

/// Alerts of one request, already parsed and routed to a service.
struct ingest_request {
  std::string service_id;
  std::vector<ingest::alert_event> events;
  /// Called once after every event is committed, or with the first error.
  completion done;
};

enum class verb : uint8_t { acknowledge, resolve, escalate };

std::string_view to_string(verb v) noexcept;

/// A responder's action on an incident (API, SMS reply, voice keypress).
struct action_request {
  uint64_t incident_id = 0;
  verb what = verb::acknowledge;
  /// The user who acts, for the timeline and the audit log.
  std::string user_id;
  /// "api", "sms", "voice" or "slack".
  std::string via;
};

struct action_outcome {
  /// not_found when the incident is unknown or already closed.
  caf::error error;
  /// False when the incident was already in the requested state.
  bool changed = false;
  incident_status status = incident_status::triggered;
  std::string acknowledged_by;
  std::string resolved_by;
};

struct action_callback {
  std::function<void(const action_outcome&)> fn;

  void operator()(const action_outcome& outcome) const {
    if (fn)
      fn(outcome);
  }
};

/// Receives the TwiML document that replies to an inbound SMS.
struct twiml_callback {
  std::function<void(std::string)> fn;

  void operator()(std::string twiml) const {
    if (fn)
      fn(std::move(twiml));
  }
};

/// Receives the users on call at the requested instant, sorted.
struct oncall_callback {
  std::function<void(std::vector<std::string>)> fn;

  void operator()(std::vector<std::string> users) const {
    if (fn)
      fn(std::move(users));
  }
};

/// Receives the JSON result of a request: a document or an error.
struct json_callback {
  std::function<void(caf::expected<std::string>)> fn;

  void operator()(caf::expected<std::string> result) const {
    if (fn)
      fn(std::move(result));
  }
};

/// The result of applying a resources file.
struct apply_summary {
  size_t users = 0;
  size_t teams = 0;
  size_t schedules = 0;
  size_t escalation_policies = 0;
  size_t services = 0;
};

struct apply_callback {
  std::function<void(caf::expected<apply_summary>)> fn;
};

/// Holds the current resources as an immutable snapshot. Readers take a
/// shared pointer and keep using it while an apply installs a new one.
class resource_holder {
public:
  resource_snapshot get() const {
    std::lock_guard guard{mutex_};
    return current_;
  }

  void set(resource_snapshot next) {
    std::lock_guard guard{mutex_};
    current_ = std::move(next);
  }

  /// Returns the actor of schedule `id`, or an invalid handle.
  caf::actor schedule_actor(const std::string& id) const {
    std::lock_guard guard{mutex_};
    auto found = schedules_.find(id);
    return found == schedules_.end() ? caf::actor{} : found->second;
  }

  /// Returns every schedule actor, for shutdown.
  std::vector<caf::actor> schedule_actors() const {
    std::lock_guard guard{mutex_};
    std::vector<caf::actor> out;
    for (const auto& [id, handle] : schedules_)
      out.push_back(handle);
    return out;
  }

  void set_schedule_actor(const std::string& id, caf::actor handle) {
    std::lock_guard guard{mutex_};
    schedules_[id] = std::move(handle);
  }

private:
  mutable std::mutex mutex_;
  resource_snapshot current_ = std::make_shared<resource_set>();
  std::unordered_map<std::string, caf::actor> schedules_;
};

// Functions for callers outside actors/. Each returns at once.

/// Routes parsed alerts; `req.done` runs after they are committed.
void ingest(const caf::actor& router, ingest_request req);

/// Acknowledges, resolves or escalates an incident.
void act(const caf::actor& router, action_request req, action_callback done);

/// Handles an inbound SMS whose signature has already been checked.
void inbound_sms(const caf::actor& notifier, std::string from, std::string body,
                 twiml_callback done);

/// Moves the manual clock (test builds) and fires every timer due by then,
/// in deadline order; `done` runs after the last one was sent.
void advance_clock(const caf::actor& timer, instant to, completion done);

/// Asks a schedule actor who is on call at `t`.
void on_call(const caf::actor& schedule, std::chrono::sys_seconds t,
             oncall_callback done);

/// Adds a silence (`kind` = silence_atom) or a maintenance window
/// (`kind` = mwindow_atom) given as a JSON document; `done` receives the
/// stored document with its id.
void add_mute(const caf::actor& router, bool maintenance, std::string json,
              json_callback done);

/// Lists silences or maintenance windows as a JSON array.
void list_mutes(const caf::actor& router, bool maintenance, json_callback done);

/// Deletes a silence or maintenance window by id.
void delete_mute(const caf::actor& router, bool maintenance, std::string id,
                 json_callback done);

/// Offers the shift of `user` in [start, end) on `schedule_id` for a swap;
/// `done` receives the swap as JSON with its id.
void offer_swap(const caf::actor& registry, std::string schedule_id,
                std::string user, std::string start, std::string end,
                json_callback done);

/// Lets `user` take an offered swap: an override puts them on call in the
/// offered window.
void take_swap(const caf::actor& registry, std::string swap_id,
               std::string user, json_callback done);

/// Deletes a user and removes them from teams, schedules and policies.
void delete_user(const caf::actor& registry, std::string user_id,
                 json_callback done);

/// Records a heartbeat check-in of monitor `id`.
void heartbeat(const caf::actor& heartbeats, std::string id, completion done);

/// Applies a resources file (TOML text) as one change.
void apply_resources(const caf::actor& registry, std::string toml_text,
                     apply_callback done);

} // namespace tropos::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::completion)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::ingest_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::action_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::action_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::action_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::twiml_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::apply_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::oncall_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::actors::json_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::schedule::schedule)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::storage::batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::incident_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::notification_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tropos::notification_job>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tropos::ingest::alert_event)
