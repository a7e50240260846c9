// Free TCP ports on 127.0.0.1 for servers that tests start, so suites can
// run in parallel without agreeing on port numbers.
#pragma once

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tropos::test {

/// Returns a TCP port on 127.0.0.1 that was free a moment ago: the kernel
/// picks it for a socket bound to port 0, which is then closed. Another
/// process may take it before the caller binds it, so callers wait for
/// their server and fail clearly when it does not come up.
inline uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::system_error{errno, std::generic_category(), "socket"};

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address),
                      sizeof(address)) == 0
               && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address),
                                &length) == 0;
  int saved = errno;
  ::close(fd);
  if (!bound)
    throw std::system_error{saved, std::generic_category(),
                            "binding 127.0.0.1:0"};
  return ntohs(address.sin_port);
}

} // namespace tropos::test
