#include "http/listen_address.hpp"

#include "domain/error.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <string>

namespace tropos::http {

namespace {

caf::error invalid_listen_address(std::string_view text, std::string_view why) {
  return make_error(ec::config_error,
                    "invalid listen address \"" + std::string{text}
                      + "\": " + std::string{why}
                      + "; expected IPv4:PORT or [IPv6]:PORT");
}

} // namespace

caf::expected<boost::asio::ip::tcp::endpoint>
parse_listen_address(std::string_view text) {
  // Split at the last colon, so the colons inside an IPv6 literal stay in
  // the host part.
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return invalid_listen_address(text, "the port is missing");
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);

  unsigned port = 0;
  auto [end, err] = std::from_chars(port_text.data(),
                                    port_text.data() + port_text.size(), port);
  if (port_text.empty() || err != std::errc{}
      || end != port_text.data() + port_text.size() || port > 65535)
    return invalid_listen_address(text, "the port is not a number in 0-65535");

  // An IPv6 literal must be bracketed, otherwise "::1:8080" would be
  // ambiguous.
  bool bracketed = host.size() >= 2 && host.front() == '['
                   && host.back() == ']';
  if (bracketed)
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return invalid_listen_address(text, "the host is missing");

  boost::system::error_code parse_error;
  auto address = boost::asio::ip::make_address(std::string{host}, parse_error);
  if (parse_error)
    return invalid_listen_address(text, "the host is not an IP address");
  if (address.is_v6() != bracketed)
    return invalid_listen_address(
      text, bracketed ? "brackets may only enclose an IPv6 address"
                      : "an IPv6 address must be enclosed in brackets");
  return boost::asio::ip::tcp::endpoint{address,
                                        static_cast<unsigned short>(port)};
}

} // namespace tropos::http
