// Helpers for the http tests: a server running on background threads, a
// blocking client with timeouts, compression, certificates and memory use.
#pragma once

#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tropos::http::test {

using error_code = boost::system::error_code;

/// A server on 127.0.0.1 with a free port, run by its own asio threads.
class running_server {
public:
  /// Starts the server; the test fails at once when `start` fails.
  running_server(limits config, handler on_request, std::size_t threads = 2,
                 std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  /// Destroys the server, then stops and joins the asio threads.
  ~running_server();

  server& get() {
    return *server_;
  }

  unsigned short port() const {
    return server_->port();
  }

private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<
    boost::asio::io_context::executor_type>>
    work_;
  std::unique_ptr<server> server_;
  std::vector<std::thread> threads_;
};

/// A plain HTTP client whose every operation fails after `timeout` instead
/// of blocking a test forever.
class test_client {
public:
  explicit test_client(std::chrono::seconds timeout = std::chrono::seconds{10});

  error_code connect(unsigned short port);
  error_code send(request message);
  error_code send_raw(const std::string& bytes);

  /// Reads one response; `head_request` expects no body after the header.
  error_code read(response& message, bool head_request = false);

  /// Reads until the server closes the connection or an error occurs, and
  /// returns that error (`end_of_file` for a clean close).
  error_code read_until_closed(std::string& received);

  void close();

  /// Returns the number of bytes read from the socket but not yet parsed.
  std::size_t buffered_bytes() const {
    return buffer_.size();
  }

private:
  template <class Operation>
  error_code run(Operation&& operation);

  std::chrono::seconds timeout_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

/// Builds a request to 127.0.0.1 with Content-Length set from `body`.
request make_request(boost::beast::http::verb method, std::string target,
                     std::string body = {});

/// Compresses `input` with zlib into gzip (`window_bits` 31), zlib (15) or
/// raw deflate (-15) format.
std::string compress(std::string_view input, int window_bits);

/// Compresses `count` bytes of `byte` into gzip without holding them all in
/// memory.
std::string gzip_repeated(char byte, std::size_t count);

/// Returns the resident set size of this process in bytes, from
/// /proc/self/statm.
std::size_t resident_bytes();

/// Polls `condition` every 10 ms until it is true or `timeout` passes.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// A self-signed certificate and key written as PEM files into a fresh
/// temporary folder that is removed on destruction.
struct certificate_files {
  certificate_files();
  ~certificate_files();

  std::filesystem::path folder;
  std::filesystem::path cert;
  std::filesystem::path key;
  /// A second key that does not match `cert`.
  std::filesystem::path other_key;
};

} // namespace tropos::http::test
