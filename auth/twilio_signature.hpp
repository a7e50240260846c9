// The X-Twilio-Signature header on Twilio's webhook requests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tropos::auth {

/// Computes the signature Twilio sends for a form POST to `url`. The signed
/// text is the URL followed by every parameter, sorted by name and then
/// value, as name immediately followed by value (no separators, no
/// encoding). The signature is its HMAC-SHA1, keyed with the account auth
/// token, in Base64 with padding. Returns an empty string only if OpenSSL
/// fails.
std::string twilio_signature(
  std::string_view auth_token, std::string_view url,
  const std::vector<std::pair<std::string, std::string>>& params);

/// Checks the X-Twilio-Signature header of a form POST.
///
/// The signed URL is rebuilt from the configured public base URL followed
/// by `request_target` (path and query exactly as received), never from
/// the Host or X-Forwarded-* headers, which a client controls. Twilio
/// signs with or without the port depending on the product, so the check
/// accepts the URL as configured, without its port, and with the scheme's
/// default port (443 or 80) when it has none. An empty header, an
/// unusable base URL or an OpenSSL failure gives false. The comparison
/// takes constant time. During a token rotation, call it once per token.
bool verify_twilio_signature(
  std::string_view auth_token, std::string_view public_base_url,
  std::string_view request_target,
  const std::vector<std::pair<std::string, std::string>>& params,
  std::string_view header);

} // namespace tropos::auth
