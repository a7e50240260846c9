#include "channels/twilio.hpp"

#include "channels/mask.hpp"
#include "channels/utf8.hpp"
#include "domain/error.hpp"

#include <nlohmann/json.hpp>

namespace tropos::channels {

namespace {

// Maximum length of a provider's error message in an error detail.
constexpr std::size_t max_message_length = 200;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
         || c == '~';
}

void append_percent_encoded(std::string& out, char c) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  auto byte = static_cast<unsigned char>(c);
  out += '%';
  out += hex[byte >> 4];
  out += hex[byte & 0x0F];
}

void append_form_encoded(std::string& out, std::string_view text) {
  for (char c : text) {
    if (is_unreserved(c))
      out += c;
    else if (c == ' ')
      out += '+';
    else
      append_percent_encoded(out, c);
  }
}

// Encodes one path segment, where a space must not become '+'.
std::string encode_path_segment(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    if (is_unreserved(c))
      out += c;
    else
      append_percent_encoded(out, c);
  }
  return out;
}

request make_form_post(const twilio_account& account, std::string_view resource,
                       std::string form) {
  std::string base = account.api_base;
  while (!base.empty() && base.back() == '/')
    base.pop_back();

  request req;
  req.method = "POST";
  req.url = base + "/2010-04-01/Accounts/"
            + encode_path_segment(account.account_sid) + "/"
            + std::string{resource};
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = std::move(form);
  req.basic_user = account.account_sid;
  req.basic_password = account.auth_token;
  return req;
}

// Twilio's error body: {"code": 21610, "message": "...", "status": 400}.
std::string describe_error_body(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return "no Twilio error body";

  std::string out;
  if (auto code = json.find("code");
      code != json.end() && code->is_number_integer())
    out = "error " + std::to_string(code->get<int64_t>());
  if (auto message = json.find("message");
      message != json.end() && message->is_string()) {
    // The message is outside text and often repeats the recipient's number.
    auto text = mask_phone_numbers(
      clean_single_line(message->get<std::string>()));
    if (count_code_points(text) > max_message_length) {
      std::size_t pos = 0;
      for (std::size_t i = 0; i < max_message_length; ++i)
        decode_next(text, pos);
      text = text.substr(0, pos) + "...";
    }
    out += out.empty() ? text : ": " + text;
  }
  return out.empty() ? "no Twilio error code" : out;
}

} // namespace

std::string encode_form(
  const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty())
      out += '&';
    append_form_encoded(out, name);
    out += '=';
    append_form_encoded(out, value);
  }
  return out;
}

request make_sms_request(const twilio_account& account, std::string_view to,
                         std::string_view body) {
  auto form = encode_form(
    {{"To", to}, {"From", account.from_number}, {"Body", body}});
  return make_form_post(account, "Messages.json", std::move(form));
}

request make_call_request(const twilio_account& account, std::string_view to,
                          std::string_view twiml_url,
                          std::string_view status_callback_url) {
  std::vector<std::pair<std::string_view, std::string_view>> fields{
    {"To", to},
    {"From", account.from_number},
    {"Url", twiml_url},
    {"Method", "POST"},
  };
  if (!status_callback_url.empty()) {
    fields.emplace_back("StatusCallback", status_callback_url);
    fields.emplace_back("StatusCallbackMethod", "POST");
  }
  return make_form_post(account, "Calls.json", encode_form(fields));
}

caf::expected<std::string> classify_twilio_response(const response& reply) {
  // A request refused before sending (transport policy, invalid header)
  // fails the same way on every retry.
  if (reply.transport_error) {
    auto code = code_of(reply.transport_error) == ec::invalid_argument
                  ? ec::delivery_rejected
                  : ec::delivery_failed;
    return make_error(code, "twilio request failed: "
                              + describe(reply.transport_error));
  }

  auto status = reply.status;
  if (status >= 200 && status < 300) {
    auto json = nlohmann::json::parse(reply.body, nullptr, false);
    if (json.is_object()) {
      auto sid = json.find("sid");
      if (sid != json.end() && sid->is_string() && !sid->get<std::string>().empty())
        return sid->get<std::string>();
    }
    // The message may have gone out, but without a sid there is no proof;
    // delivery is at-least-once, so this counts as retryable.
    return make_error(ec::delivery_failed,
                      "twilio returned HTTP " + std::to_string(status)
                        + " without a sid in the body");
  }

  auto detail = "twilio returned HTTP " + std::to_string(status) + ": "
                + describe_error_body(reply.body);
  bool retry = status == 408 || status == 429 || (status >= 500 && status < 600);
  if (!retry)
    return make_error(ec::delivery_rejected, std::move(detail));
  if (reply.retry_after)
    detail += " (Retry-After " + std::to_string(reply.retry_after->count())
              + " s)";
  return make_error(ec::delivery_failed, std::move(detail));
}

} // namespace tropos::channels
