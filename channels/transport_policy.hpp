// The transport policy of outbound calls: TLS with certificate checks for
// every remote host, plain text only to the loopback stand-ins of tests.
#pragma once

#include <caf/expected.hpp>

#include <string>
#include <string_view>

namespace tropos::channels {

/// The protection a URL gets under the transport policy.
enum class transport_security {
  /// https or smtps: TLS from the start, certificate checked.
  tls,
  /// smtp to a remote host: STARTTLS required, certificate checked.
  starttls,
  /// Plain http or smtp to 127.0.0.0/8, ::1 or localhost.
  loopback_plaintext,
};

/// Checks `url` against the transport policy: https and smtps anywhere,
/// smtp anywhere but with STARTTLS required off loopback, and plain http
/// only to loopback hosts. Fails with `ec::invalid_argument` naming the
/// redacted URL for any other scheme, for plain http to another host, for a
/// URL with embedded credentials and for a URL that does not parse.
caf::expected<transport_security> check_transport_policy(std::string_view url);

/// Returns "scheme://host[:port]" of `url`, dropping credentials, path and
/// query, which may carry secrets such as webhook tokens. Returns
/// "(invalid url)" when `url` does not parse.
std::string redact_url(std::string_view url);

/// Returns true when `host` (as in a URL, IPv6 in brackets) is
/// "localhost", a dotted-quad IPv4 address in 127.0.0.0/8 or the IPv6
/// address ::1. Other spellings count as remote. `check_transport_policy`
/// passes the host as curl's URL parser normalized it (curl 7.88 turns
/// "127.1" and "0x7f.0.0.1" into "127.0.0.1"), which is the address curl
/// then connects to.
bool is_loopback_host(std::string_view host);

} // namespace tropos::channels
