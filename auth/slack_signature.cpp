#include "auth/slack_signature.hpp"

#include "auth/hmac.hpp"

#include <cstdint>
#include <optional>

namespace tropos::auth {

namespace {

/// Reads Unix seconds written as 1 to 18 decimal digits, a range that
/// cannot overflow int64.
std::optional<int64_t> parse_unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

} // namespace

std::string slack_signature(std::string_view signing_secret,
                            std::string_view timestamp,
                            std::string_view body) {
  std::string base = "v0:";
  base += timestamp;
  base += ':';
  base += body;
  auto digest = hmac_sha256(signing_secret, base);
  if (!digest)
    return {};
  return "v0=" + hex_encode(digest->data(), digest->size());
}

bool verify_slack_signature(std::string_view signing_secret,
                            std::string_view timestamp_header,
                            std::string_view body,
                            std::string_view signature_header,
                            date::sys_seconds now) {
  // A stale or future timestamp means a replay or a wrong clock.
  auto timestamp = parse_unix_seconds(timestamp_header);
  if (!timestamp)
    return false;
  auto skew = now.time_since_epoch().count() - *timestamp;
  if (skew > slack_max_clock_skew.count()
      || skew < -slack_max_clock_skew.count())
    return false;

  auto expected = slack_signature(signing_secret, timestamp_header, body);
  if (expected.empty() || signature_header.empty())
    return false;
  return constant_time_equal(expected, signature_header);
}

} // namespace tropos::auth
