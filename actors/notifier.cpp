#include "actors/notifier.hpp"

#include "actors/interfaces.hpp"
#include "channels/backoff.hpp"
#include "channels/email.hpp"
#include "channels/http_client.hpp"
#include "channels/log_channel.hpp"
#include "channels/mask.hpp"
#include "channels/sms_text.hpp"
#include "channels/twilio.hpp"
#include "domain/error.hpp"
#include "domain/sms/reply.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace tropos::actors {

namespace {

using json = nlohmann::json;

struct notifier_state {
  static inline const char* name = "notifier";

  context_ptr ctx;
  notifier_settings settings;
  std::shared_ptr<channels::http_client> client;

  /// Jobs not yet delivered, by outbox key.
  std::unordered_map<std::string, notification_job> jobs;
  /// Keys of jobs handed to a provider whose result has not arrived yet.
  std::unordered_set<std::string> in_flight;
  /// Reply codes: phone number -> code -> incident id.
  std::unordered_map<std::string, std::map<unsigned, uint64_t>> codes;
  /// The same codes by phone number and incident id, so finding an
  /// incident's code does not walk every code of a busy number.
  std::unordered_map<std::string, std::unordered_map<uint64_t, unsigned>>
    code_of_incident;
  /// Per phone number: codes freed by closed incidents, and the lowest code
  /// never handed out. The lowest free code is the smaller of the two.
  std::unordered_map<std::string, std::pair<std::set<unsigned>, unsigned>>
    free_codes;
  /// Phone numbers that replied STOP.
  std::unordered_set<std::string> opted_out;
  std::mt19937_64 jitter{std::random_device{}()};
};

using notifier_actor = caf::stateful_actor<notifier_state>;

std::string code_key(const storage::sealer& sealer, std::string_view phone,
                     unsigned code) {
  return sealer.blind(phone) + storage::encode_u64(code);
}

std::string opt_out_key(const storage::sealer& sealer, std::string_view phone) {
  return "optout" + sealer.blind(phone);
}

void schedule(notifier_actor* self, const notification_job& job);

date::sys_seconds now_seconds(notifier_actor* self) {
  return date::floor<std::chrono::seconds>(self->state.ctx->clk->now());
}

// Returns the reply code of `incident` for `phone`, assigning the lowest
// free one when there is none. `changes` receives the row to store.
void remember_code(notifier_state& st, const std::string& phone, unsigned code,
                   uint64_t incident) {
  st.codes[phone][code] = incident;
  st.code_of_incident[phone][incident] = code;
  auto& [freed, next] = st.free_codes[phone];
  freed.erase(code);
  if (next == 0)
    next = 1;
  for (unsigned c = next; c < code; ++c)
    freed.insert(c);
  next = std::max(next, code + 1);
}

unsigned reply_code_for(notifier_actor* self, const std::string& phone,
                        uint64_t incident, storage::batch& changes) {
  auto& st = self->state;
  auto& known = st.code_of_incident[phone];
  if (auto found = known.find(incident); found != known.end())
    return found->second;
  auto& [freed, next] = st.free_codes[phone];
  unsigned code = next == 0 ? 1 : next;
  if (!freed.empty() && *freed.begin() < code)
    code = *freed.begin();
  remember_code(st, phone, code, incident);
  const auto& sealer = self->state.ctx->env->value_sealer();
  changes.push_back({storage::table::reply_codes, code_key(sealer, phone, code),
                     json{{"phone", phone}, {"code", code}, {"incident", incident}}
                       .dump()});
  return code;
}

void report(notifier_actor* self, const std::string& key, caf::error err,
            std::optional<std::chrono::seconds> retry_after) {
  caf::anon_send(caf::actor_cast<caf::actor>(self), done_atom::value, key, std::move(err),
                 retry_after ? retry_after->count() : int64_t{-1});
}

void send_sms(notifier_actor* self, const notification_job& job,
              std::string body) {
  auto& st = self->state;
  auto key = job.key();
  if (st.settings.mode == "log") {
    auto err = st.settings.outbox->append({"sms", job.address, "", body},
                                          now_seconds(self));
    report(self, key, err, std::nullopt);
    return;
  }
  if (!st.settings.twilio_enabled) {
    report(self, key,
           make_error(ec::delivery_rejected, "no [twilio] section configured"),
           std::nullopt);
    return;
  }
  channels::twilio_account account{st.settings.twilio_api_base,
                                   st.settings.twilio_account_sid,
                                   st.settings.twilio_auth_token,
                                   st.settings.twilio_from};
  auto req = channels::make_sms_request(account, job.address, body);
  caf::actor handle{self};
  st.client->submit(std::move(req), [handle, key](channels::response resp) {
    auto sid = channels::classify_twilio_response(resp);
    caf::error err = sid ? caf::error{} : sid.error();
    caf::anon_send(handle, done_atom::value, key, std::move(err),
                   resp.retry_after ? resp.retry_after->count() : int64_t{-1});
  });
}

void send_email(notifier_actor* self, const notification_job& job) {
  auto& st = self->state;
  auto key = job.key();
  std::string subject;
  std::string body;
  if (!job.notice_subject.empty()) {
    subject = "[" + st.settings.app_name + "] " + job.notice_subject;
    body = job.details + "\n";
  } else {
    subject = "[" + st.settings.app_name + "] Alert #"
              + std::to_string(job.incident_id) + ": " + job.summary;
    body = "Alert #" + std::to_string(job.incident_id) + " is triggered.\n\n"
           + job.summary + "\n";
    if (!job.details.empty())
      body += "\n" + job.details + "\n";
  }

  if (st.settings.mode == "log") {
    report(self, key,
           st.settings.outbox->append({"email", job.address, subject, body},
                                      now_seconds(self)),
           std::nullopt);
    return;
  }
  if (!st.settings.smtp_enabled) {
    report(self, key,
           make_error(ec::delivery_rejected, "no [smtp] section configured"),
           std::nullopt);
    return;
  }

  channels::mail_request mail;
  mail.url = st.settings.smtp_url;
  mail.from_header = st.settings.smtp_from;
  mail.to_address = job.address;
  mail.subject = subject;
  mail.body_text = body;
  mail.username = st.settings.smtp_username;
  mail.password = st.settings.smtp_password;
  caf::actor handle{self};
  st.client->submit_mail(std::move(mail), [handle, key](caf::error err) {
    caf::anon_send(handle, done_atom::value, key, std::move(err), int64_t{-1});
  });
}

void deliver(notifier_actor* self, const std::string& key) {
  auto& st = self->state;
  auto found = st.jobs.find(key);
  if (found == st.jobs.end() || st.in_flight.count(key) != 0)
    return;
  const auto& job = found->second;
  st.in_flight.insert(key);
  switch (job.type) {
    case contact_type::sms: {
      if (st.opted_out.count(job.address) != 0) {
        report(self, key,
               make_error(ec::delivery_rejected, "the number opted out (STOP)"),
               std::nullopt);
        return;
      }
      if (!job.notice_subject.empty()) {
        // Notices belong to no incident, so they carry no reply code.
        send_sms(self, job, st.settings.app_name + ": " + job.summary);
        return;
      }
      storage::batch changes;
      auto code = reply_code_for(self, job.address, job.incident_id, changes);
      auto body = channels::render_sms(st.settings.app_name, job.incident_id,
                                       job.summary, code);
      if (changes.empty()) {
        send_sms(self, job, std::move(body));
        return;
      }
      // The code is stored before the SMS that names it leaves, so a reply
      // after a restart still finds it.
      auto copy = job;
      self->request(st.ctx->writer, caf::infinite, write_atom::value,
                    std::move(changes))
        .then([self, copy, body](bool) { send_sms(self, copy, body); },
              [self, key](caf::error& err) {
                report(self, key, err, std::nullopt);
              });
      return;
    }
    case contact_type::email:
      send_email(self, job);
      return;
    case contact_type::voice:
      // NOTE: voice calls are not implemented yet; the job fails for good
      // so it does not block the outbox.
      report(self, key,
             make_error(ec::delivery_rejected, "voice calls are not supported"),
             std::nullopt);
      return;
  }
}

void on_done(notifier_actor* self, const std::string& key,
             const caf::error& err, int64_t retry_after_seconds) {
  auto& st = self->state;
  st.in_flight.erase(key);
  auto found = st.jobs.find(key);
  if (found == st.jobs.end())
    return; // cancelled while in flight
  auto& job = found->second;
  auto masked = channels::mask_address(job.address);
  if (!err || code_of(err) != ec::delivery_failed) {
    if (err)
      spdlog::warn("notification-failed-permanently incident={} to={} type={} "
                   "error={}",
                   job.incident_id, masked, to_string(job.type), describe(err));
    else
      spdlog::info("notification-sent incident={} to={} type={} attempt={}",
                   job.incident_id, masked, to_string(job.type),
                   job.attempt + 1);
    storage::batch changes{{storage::table::outbox, key, std::nullopt}};
    self->send(st.ctx->writer, write_atom::value, std::move(changes),
               completion{});
    st.jobs.erase(found);
    return;
  }
  job.attempt++;
  std::optional<std::chrono::seconds> retry_after;
  if (retry_after_seconds >= 0)
    retry_after = std::chrono::seconds{retry_after_seconds};
  auto delay = channels::backoff_delay(job.attempt, st.jitter(), retry_after);
  job.due = st.ctx->clk->now() + delay;
  spdlog::warn("notification-retry incident={} to={} attempt={} delay_ms={} "
               "error={}",
               job.incident_id, masked, job.attempt, delay.count(),
               describe(err));
  storage::batch changes{{storage::table::outbox, key, to_json(job)}};
  self->send(st.ctx->writer, write_atom::value, std::move(changes),
             completion{});
  schedule(self, job);
}

void schedule(notifier_actor* self, const notification_job& job) {
  auto& st = self->state;
  if (job.due <= st.ctx->clk->now()) {
    deliver(self, job.key());
    return;
  }
  self->send(st.ctx->timer, at_atom::value, job.due, caf::actor_cast<caf::actor>(self),
             caf::make_message(due_atom::value, job.key()));
}

void on_cancel(notifier_actor* self, uint64_t incident, bool resolved) {
  auto& st = self->state;
  for (auto i = st.jobs.begin(); i != st.jobs.end();) {
    if (i->second.incident_id == incident)
      i = st.jobs.erase(i);
    else
      ++i;
  }
  if (!resolved)
    return;
  // A closed incident frees its reply codes for later incidents.
  storage::batch changes;
  const auto& sealer = st.ctx->env->value_sealer();
  for (auto& [phone, by_incident] : st.code_of_incident) {
    auto found = by_incident.find(incident);
    if (found == by_incident.end())
      continue;
    auto code = found->second;
    changes.push_back({storage::table::reply_codes,
                       code_key(sealer, phone, code), std::nullopt});
    st.codes[phone].erase(code);
    st.free_codes[phone].first.insert(code);
    by_incident.erase(found);
  }
  if (!changes.empty())
    self->send(st.ctx->writer, write_atom::value, std::move(changes),
               completion{});
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string twiml(std::string_view message) {
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
  if (!message.empty())
    out += "<Message>" + xml_escape(message) + "</Message>";
  out += "</Response>";
  return out;
}

// Finds the incident a reply means: `number` is first read as a reply code
// of this phone, then as an incident id that was paged to this phone.
// Without a number, the newest incident paged to this phone.
std::optional<uint64_t> resolve_target(notifier_actor* self,
                                       const std::string& phone,
                                       std::optional<unsigned> number) {
  auto& st = self->state;
  auto found = st.codes.find(phone);
  if (found == st.codes.end() || found->second.empty())
    return std::nullopt;
  const auto& codes = found->second;
  if (!number) {
    uint64_t newest = 0;
    for (const auto& [code, id] : codes)
      newest = std::max(newest, id);
    return newest;
  }
  if (auto i = codes.find(*number); i != codes.end())
    return i->second;
  for (const auto& [code, id] : codes)
    if (id == *number)
      return id;
  return std::nullopt;
}

std::string describe_outcome(verb what, uint64_t id, const action_outcome& out) {
  auto alert = "alert #" + std::to_string(id);
  if (out.error)
    return "Alert #" + std::to_string(id) + " is already closed.";
  if (what == verb::resolve)
    return out.changed ? "Closed " + alert + "."
                       : "Alert #" + std::to_string(id) + " is already closed.";
  if (what == verb::escalate)
    return out.changed ? "Escalated " + alert + "."
                       : "Alert #" + std::to_string(id)
                           + " cannot be escalated now.";
  if (out.changed)
    return "Acknowledged " + alert + ".";
  if (out.status == incident_status::acknowledged)
    return "Alert #" + std::to_string(id) + " is already acknowledged by "
           + out.acknowledged_by + ".";
  return "Alert #" + std::to_string(id) + " is already closed.";
}

void set_opt_out(notifier_actor* self, const std::string& phone, bool out) {
  auto& st = self->state;
  const auto& sealer = st.ctx->env->value_sealer();
  storage::change row{storage::table::contacts, opt_out_key(sealer, phone),
                      std::nullopt};
  if (out) {
    st.opted_out.insert(phone);
    row.value = phone;
  } else {
    st.opted_out.erase(phone);
  }
  spdlog::info("sms-opt-{} to={}", out ? "out" : "in",
               channels::mask_address(phone));
  self->send(st.ctx->writer, write_atom::value, storage::batch{std::move(row)},
             completion{});
}

void on_sms(notifier_actor* self, const std::string& from,
            const std::string& body, twiml_callback done) {
  auto& st = self->state;
  auto resources = st.ctx->resources->get();
  auto contact = resources->find_contact(contact_type::sms, from);
  if (!contact) {
    // Unknown senders get no reply at all.
    spdlog::info("sms-from-unknown-number to={}", channels::mask_address(from));
    done(twiml(""));
    return;
  }
  auto cmd = sms::parse_reply(body);
  switch (cmd.v) {
    case sms::verb::stop:
      set_opt_out(self, from, true);
      done(twiml(""));
      return;
    case sms::verb::start:
      set_opt_out(self, from, false);
      done(twiml(""));
      return;
    case sms::verb::help:
    case sms::verb::unknown:
      done(twiml(sms::help_text()));
      return;
    default:
      break;
  }
  auto target = resolve_target(self, from, cmd.number);
  if (!target) {
    if (cmd.number)
      done(twiml("Unknown reply code " + std::to_string(*cmd.number)
                 + ": no such alert is available to this number."));
    else
      done(twiml("No open alert was sent to this number."));
    return;
  }
  action_request req;
  req.incident_id = *target;
  req.what = cmd.v == sms::verb::resolve    ? verb::resolve
             : cmd.v == sms::verb::escalate ? verb::escalate
                                            : verb::acknowledge;
  req.user_id = contact->first->id;
  req.via = "sms";
  auto what = req.what;
  auto id = *target;
  act(st.ctx->router, std::move(req),
      action_callback{[done, what, id](const action_outcome& out) {
        done(twiml(describe_outcome(what, id, out)));
      }});
}

caf::expected<size_t> recover(notifier_actor* self) {
  auto& st = self->state;
  auto txn = st.ctx->env->begin_read();
  if (!txn)
    return txn.error();
  std::vector<notification_job> loaded;
  caf::error failure;
  auto err = txn->for_each(storage::table::outbox, "",
                           [&](std::string_view, std::string_view value) {
                             auto job = job_from_json(value);
                             if (!job) {
                               failure = job.error();
                               return false;
                             }
                             loaded.push_back(std::move(*job));
                             return true;
                           });
  if (err || failure)
    return err ? err : failure;

  // Reply codes and opt-outs, so replies to SMS sent before the restart
  // still resolve.
  err = txn->for_each(storage::table::reply_codes, "",
                      [&](std::string_view, std::string_view value) {
                        auto row = json::parse(value, nullptr, false);
                        if (row.is_object())
                          remember_code(st, row.value("phone", ""),
                                        row.value("code", 0u),
                                        row.value("incident", uint64_t{0}));
                        return true;
                      });
  if (err)
    return err;
  err = txn->for_each(storage::table::contacts, "optout",
                      [&](std::string_view, std::string_view value) {
                        st.opted_out.insert(std::string{value});
                        return true;
                      });
  if (err)
    return err;
  txn->abort();

  st.jobs.reserve(loaded.size());
  for (auto& job : loaded) {
    auto key = job.key();
    st.jobs[key] = job;
    schedule(self, job);
  }
  return loaded.size();
}

caf::behavior notifier(notifier_actor* self, context_ptr ctx,
                       notifier_settings settings,
                       std::shared_ptr<channels::http_client> client) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.settings = std::move(settings);
  st.client = std::move(client);
  return {
    [=](enqueue_atom, std::vector<notification_job>& jobs) {
      for (auto& job : jobs) {
        auto key = job.key();
        auto& slot = self->state.jobs[key] = std::move(job);
        schedule(self, slot);
      }
    },
    [=](due_atom, const std::string& key) { deliver(self, key); },
    [=](done_atom, const std::string& key, const caf::error& err,
        int64_t retry_after) { on_done(self, key, err, retry_after); },
    [=](cancel_atom, uint64_t incident, bool resolved) {
      on_cancel(self, incident, resolved);
    },
    [=](sms_in_atom, const std::string& from, const std::string& body,
        twiml_callback& done) { on_sms(self, from, body, std::move(done)); },
    [=](recover_atom) -> caf::result<size_t> {
      auto count = recover(self);
      if (!count)
        return count.error();
      return *count;
    },
  };
}

} // namespace

caf::actor spawn_notifier(caf::actor_system& sys, context_ptr ctx,
                          notifier_settings settings,
                          std::shared_ptr<channels::http_client> client) {
  return sys.spawn(notifier, std::move(ctx), std::move(settings),
                   std::move(client));
}

} // namespace tropos::actors
