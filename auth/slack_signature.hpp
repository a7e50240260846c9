// Slack's v0 request signature (X-Slack-Signature, X-Slack-Request-Timestamp).
#pragma once

#include <date/date.h>

#include <chrono>
#include <string>
#include <string_view>

namespace tropos::auth {

/// Maximum distance between the request timestamp and now. A request
/// outside it is rejected as a possible replay.
inline constexpr std::chrono::seconds slack_max_clock_skew{300};

/// Computes the header value Slack sends: "v0=" followed by the lowercase
/// hex HMAC-SHA256, keyed with the signing secret, of "v0:" + timestamp +
/// ":" + body. Returns an empty string only if OpenSSL fails.
std::string slack_signature(std::string_view signing_secret,
                            std::string_view timestamp, std::string_view body);

/// Checks a Slack request: the timestamp header must be Unix seconds in
/// decimal digits within `slack_max_clock_skew` of `now`, and the signature
/// header must equal `slack_signature` over the raw body, compared in
/// constant time. Verify before parsing the body.
bool verify_slack_signature(std::string_view signing_secret,
                            std::string_view timestamp_header,
                            std::string_view body,
                            std::string_view signature_header,
                            date::sys_seconds now);

} // namespace tropos::auth
