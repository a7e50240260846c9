#include "channels/transport_policy.hpp"

#include "domain/error.hpp"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace tropos::channels {

namespace {

struct url_deleter {
  void operator()(CURLU* handle) const noexcept {
    curl_url_cleanup(handle);
  }
};

struct curl_string_deleter {
  void operator()(char* text) const noexcept {
    curl_free(text);
  }
};

using url_handle = std::unique_ptr<CURLU, url_deleter>;
using curl_string = std::unique_ptr<char, curl_string_deleter>;

// The parts of a URL the policy looks at; `valid` is false when curl's URL
// parser rejected it.
struct url_parts {
  bool valid = false;
  std::string scheme;
  std::string host;
  std::string port;
  bool has_credentials = false;
};

std::string get_part(CURLU* handle, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(handle, part, &raw, 0) != CURLUE_OK)
    return {};
  curl_string owned{raw};
  return std::string{raw};
}

url_parts split_url(std::string_view url) {
  url_parts parts;
  url_handle handle{curl_url()};
  if (!handle)
    return parts;
  std::string text{url};
  // CURLU_NON_SUPPORT_SCHEME lets an unknown scheme parse, so the policy can
  // name it in its error instead of calling the whole URL invalid.
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(),
                   CURLU_NON_SUPPORT_SCHEME)
      != CURLUE_OK)
    return parts;

  parts.valid = true;
  parts.scheme = get_part(handle.get(), CURLUPART_SCHEME);
  std::transform(parts.scheme.begin(), parts.scheme.end(),
                 parts.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  parts.host = get_part(handle.get(), CURLUPART_HOST);
  parts.port = get_part(handle.get(), CURLUPART_PORT);
  parts.has_credentials = !get_part(handle.get(), CURLUPART_USER).empty()
                          || !get_part(handle.get(), CURLUPART_PASSWORD).empty();
  return parts;
}

std::string redact(const url_parts& parts) {
  if (!parts.valid)
    return "(invalid url)";
  std::string out = parts.scheme + "://" + parts.host;
  if (!parts.port.empty())
    out += ":" + parts.port;
  return out;
}

caf::error reject(const url_parts& parts, std::string_view reason) {
  return make_error(ec::invalid_argument,
                    "url " + redact(parts) + " " + std::string{reason});
}

} // namespace

bool is_loopback_host(std::string_view host) {
  std::string lowered{host};
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lowered == "localhost")
    return true;

  if (lowered.size() > 2 && lowered.front() == '['
      && lowered.back() == ']') {
    std::string inner = lowered.substr(1, lowered.size() - 2);
    in6_addr address6{};
    return inet_pton(AF_INET6, inner.c_str(), &address6) == 1
           && IN6_IS_ADDR_LOOPBACK(&address6);
  }

  // inet_pton accepts only the dotted-quad form; any other spelling is
  // treated as remote rather than guessed at.
  in_addr address4{};
  if (inet_pton(AF_INET, lowered.c_str(), &address4) != 1)
    return false;
  auto first_octet = reinterpret_cast<const unsigned char*>(&address4)[0];
  return first_octet == 127;
}

std::string redact_url(std::string_view url) {
  return redact(split_url(url));
}

caf::expected<transport_security>
check_transport_policy(std::string_view url) {
  auto parts = split_url(url);
  if (!parts.valid)
    return make_error(ec::invalid_argument,
                      "url does not parse as an absolute URL");
  if (parts.has_credentials)
    return reject(parts, "must not contain credentials; configure them in "
                         "their own settings");

  bool loopback = is_loopback_host(parts.host);
  if (parts.scheme == "https" || parts.scheme == "smtps")
    return transport_security::tls;
  if (parts.scheme == "smtp")
    return loopback ? transport_security::loopback_plaintext
                    : transport_security::starttls;
  if (parts.scheme == "http") {
    if (loopback)
      return transport_security::loopback_plaintext;
    return reject(parts, "uses plain http, which is allowed only to loopback "
                         "hosts (127.0.0.0/8, ::1, localhost); use https");
  }
  return reject(parts, "has an unsupported scheme; use https, smtps or smtp "
                       "(plain http only to loopback hosts)");
}

} // namespace tropos::channels
