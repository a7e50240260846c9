// Requests to the Twilio REST API (2010-04-01) for SMS and voice calls, and
// the classification of its responses into success, retry and give-up.
#pragma once

#include "channels/http_client.hpp"

#include <caf/expected.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tropos::channels {

/// The Twilio account that sends messages and places calls.
struct twilio_account {
  /// "https://api.twilio.com", or a loopback stand-in in tests.
  std::string api_base;
  /// "AC" followed by 32 hex digits; also the Basic auth user name.
  std::string account_sid;
  /// Secret; the Basic auth password. Never logged.
  std::string auth_token;
  /// E.164 number that messages and calls come from.
  std::string from_number;
};

/// Encodes `fields` as application/x-www-form-urlencoded: unreserved
/// characters stay, space becomes '+', every other byte becomes %XX, so the
/// '+' of an E.164 number is sent as %2B.
std::string encode_form(
  const std::vector<std::pair<std::string_view, std::string_view>>& fields);

/// Builds POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json with the
/// form fields To, From and Body and Basic auth sid:token. `body` is sent
/// as given; `render_sms` keeps it within the length limit.
request make_sms_request(const twilio_account& account, std::string_view to,
                         std::string_view body);

/// Builds POST .../Calls.json with To, From, Url (where Twilio fetches the
/// TwiML with Method=POST) and, when `status_callback_url` is not empty,
/// StatusCallback with StatusCallbackMethod=POST.
request make_call_request(const twilio_account& account, std::string_view to,
                          std::string_view twiml_url,
                          std::string_view status_callback_url);

/// Classifies a response of the Messages or Calls API. Returns the new
/// resource's sid for a 2xx response carrying one. Fails with
/// `ec::delivery_failed` (retry later, honouring `response.retry_after`)
/// for 408, 429, 5xx, a 2xx without a sid and transport errors, and with
/// `ec::delivery_rejected` (do not retry) for other statuses and for
/// requests the client refused to send. The detail names the HTTP status
/// and Twilio's error code and message, with phone numbers masked.
caf::expected<std::string> classify_twilio_response(const response& reply);

} // namespace tropos::channels
