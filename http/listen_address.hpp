// Parsing of the `[server] listen` value into a TCP endpoint.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <caf/expected.hpp>

#include <string_view>

namespace tropos::http {

/// Parses a listen address of the form `IPv4:PORT` (`127.0.0.1:8080`,
/// `0.0.0.0:8080`) or `[IPv6]:PORT` (`[::1]:8080`, `[::]:8080`). Port 0 asks
/// the kernel for a free port. Host names are rejected because binding must
/// not depend on name resolution. Fails with `ec::config_error` naming the
/// value.
caf::expected<boost::asio::ip::tcp::endpoint>
parse_listen_address(std::string_view text);

} // namespace tropos::http
