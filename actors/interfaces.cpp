#include "actors/interfaces.hpp"

#include <caf/send.hpp>

namespace tropos::actors {

std::string_view to_string(verb v) noexcept {
  switch (v) {
    case verb::acknowledge: return "acknowledge";
    case verb::resolve: return "resolve";
    case verb::escalate: return "escalate";
  }
  return "unknown";
}

void ingest(const caf::actor& router, ingest_request req) {
  caf::anon_send(router, ingest_atom::value, std::move(req));
}

void act(const caf::actor& router, action_request req, action_callback done) {
  caf::anon_send(router, act_atom::value, std::move(req), std::move(done));
}

void inbound_sms(const caf::actor& notifier, std::string from, std::string body,
                 twiml_callback done) {
  caf::anon_send(notifier, sms_in_atom::value, std::move(from),
                 std::move(body), std::move(done));
}

void advance_clock(const caf::actor& timer, instant to, completion done) {
  caf::anon_send(timer, advance_atom::value, to, std::move(done));
}

void on_call(const caf::actor& schedule, std::chrono::sys_seconds t,
             oncall_callback done) {
  caf::anon_send(schedule, oncall_atom::value, t, std::move(done));
}

void add_mute(const caf::actor& router, bool maintenance, std::string json,
              json_callback done) {
  if (maintenance)
    caf::anon_send(router, mwindow_atom::value, std::move(json),
                   std::move(done));
  else
    caf::anon_send(router, silence_atom::value, std::move(json),
                   std::move(done));
}

void list_mutes(const caf::actor& router, bool maintenance, json_callback done) {
  caf::anon_send(router, list_atom::value, maintenance, std::move(done));
}

void delete_mute(const caf::actor& router, bool maintenance, std::string id,
                 json_callback done) {
  caf::anon_send(router, delete_atom::value, maintenance, std::move(id),
                 std::move(done));
}

void offer_swap(const caf::actor& registry, std::string schedule_id,
                std::string user, std::string start, std::string end,
                json_callback done) {
  caf::anon_send(registry, swap_atom::value, std::move(schedule_id),
                 std::move(user), std::move(start), std::move(end),
                 std::move(done));
}

void take_swap(const caf::actor& registry, std::string swap_id,
               std::string user, json_callback done) {
  caf::anon_send(registry, take_atom::value, std::move(swap_id),
                 std::move(user), std::move(done));
}

void delete_user(const caf::actor& registry, std::string user_id,
                 json_callback done) {
  caf::anon_send(registry, delete_atom::value, std::move(user_id),
                 std::move(done));
}

void heartbeat(const caf::actor& heartbeats, std::string id, completion done) {
  caf::anon_send(heartbeats, beat_atom::value, std::move(id), std::move(done));
}

void apply_resources(const caf::actor& registry, std::string toml_text,
                     apply_callback done) {
  caf::anon_send(registry, apply_atom::value, std::move(toml_text),
                 std::move(done));
}

} // namespace tropos::actors
