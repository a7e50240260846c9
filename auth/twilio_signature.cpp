#include "auth/twilio_signature.hpp"

#include "auth/hmac.hpp"

#include <algorithm>
#include <optional>

namespace tropos::auth {

namespace {

/// The parts of an absolute http(s) URL that the port variants need.
struct url_parts {
  /// "https" or "http", lowercase as configured.
  std::string_view scheme;
  /// Host, with brackets for IPv6 literals.
  std::string_view host;
  /// Port digits, empty when the URL has none.
  std::string_view port;
  /// Path prefix without a trailing '/', possibly empty.
  std::string_view path;
};

/// Splits `scheme://host[:port][/path]`. Returns nullopt for anything else
/// (another scheme, user info, a query or fragment in the base URL).
std::optional<url_parts> split_base_url(std::string_view url) {
  url_parts parts;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::nullopt;
  parts.scheme = url.substr(0, scheme_end);
  if (parts.scheme != "https" && parts.scheme != "http")
    return std::nullopt;

  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find('/');
  auto authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos)
    parts.path = rest.substr(authority_end);
  while (parts.path.ends_with('/'))
    parts.path.remove_suffix(1);
  if (authority.empty()
      || authority.find_first_of("@?#") != std::string_view::npos
      || parts.path.find_first_of("?#") != std::string_view::npos)
    return std::nullopt;

  // The port follows the last ':' unless that ':' is inside an IPv6
  // literal such as [::1].
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  bool has_port = colon != std::string_view::npos
                  && (bracket == std::string_view::npos || colon > bracket);
  parts.host = has_port ? authority.substr(0, colon) : authority;
  parts.port = has_port ? authority.substr(colon + 1) : std::string_view{};
  if (parts.host.empty()
      || (has_port
          && (parts.port.empty()
              || !std::all_of(parts.port.begin(), parts.port.end(),
                              [](char c) { return c >= '0' && c <= '9'; }))))
    return std::nullopt;
  return parts;
}

std::string join_url(const url_parts& parts, std::string_view port,
                     std::string_view request_target) {
  std::string url{parts.scheme};
  url += "://";
  url += parts.host;
  if (!port.empty()) {
    url += ':';
    url += port;
  }
  url += parts.path;
  url += request_target;
  return url;
}

} // namespace

std::string twilio_signature(
  std::string_view auth_token, std::string_view url,
  const std::vector<std::pair<std::string, std::string>>& params) {
  auto sorted = params;
  std::sort(sorted.begin(), sorted.end());
  std::string data{url};
  for (const auto& [name, value] : sorted) {
    data += name;
    data += value;
  }

  auto digest = hmac_sha1(auth_token, data);
  if (!digest)
    return {};
  return base64_encode(digest->data(), digest->size());
}

bool verify_twilio_signature(
  std::string_view auth_token, std::string_view public_base_url,
  std::string_view request_target,
  const std::vector<std::pair<std::string, std::string>>& params,
  std::string_view header) {
  if (header.empty())
    return false;
  auto parts = split_base_url(public_base_url);
  if (!parts)
    return false;

  // The URL as configured, then without its port, then with the default
  // port when it has none.
  std::vector<std::string> candidates;
  candidates.push_back(join_url(*parts, parts->port, request_target));
  if (!parts->port.empty())
    candidates.push_back(join_url(*parts, {}, request_target));
  else
    candidates.push_back(join_url(
      *parts, parts->scheme == "https" ? "443" : "80", request_target));

  bool accepted = false;
  for (const auto& url : candidates) {
    auto expected = twilio_signature(auth_token, url, params);
    // Every candidate is checked, so the time taken does not reveal which
    // one matched.
    if (!expected.empty() && constant_time_equal(expected, header))
      accepted = true;
  }
  return accepted;
}

} // namespace tropos::auth
