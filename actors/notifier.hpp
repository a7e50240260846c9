// The notifier owns the outbox: it delivers each job when it is due,
// retries with backoff, assigns SMS reply codes and handles SMS replies.
#pragma once

#include "actors/context.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <string>

namespace tropos::channels {
class http_client;
class outbox_file;
}

namespace tropos::actors {

struct notifier_settings {
  /// "live" sends through Twilio and SMTP; "log" writes every message to
  /// `outbox_file` and the log instead.
  std::string mode = "live";
  /// The opened outbox file in "log" mode.
  std::shared_ptr<channels::outbox_file> outbox;
  bool twilio_enabled = false;
  std::string twilio_api_base;
  std::string twilio_account_sid;
  std::string twilio_auth_token;
  std::string twilio_from;
  bool smtp_enabled = false;
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_username;
  std::string smtp_password;
  /// Shown in SMS texts and e-mail subjects.
  std::string app_name = "Tropos";
};

/// Spawns the notifier. Protocol:
///   (enqueue_atom, std::vector<notification_job>)   jobs already committed
///   (due_atom, std::string job_key)                  from the timer
///   (cancel_atom, uint64_t incident_id, bool resolved)
///   (sms_in_atom, std::string from, std::string body, twiml_callback)
///   (recover_atom) -> size_t                         loads the outbox
caf::actor spawn_notifier(caf::actor_system& sys, context_ptr ctx,
                          notifier_settings settings,
                          std::shared_ptr<channels::http_client> client);

} // namespace tropos::actors
