#include "test_support.hpp"

#include "domain/error.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

namespace tropos::http::test {

namespace net = boost::asio;
namespace beast = boost::beast;

// -- running_server -----------------------------------------------------------

running_server::running_server(limits config, handler on_request,
                               std::size_t threads,
                               std::shared_ptr<net::ssl::context> tls) {
  work_.emplace(io_.get_executor());
  server_ = std::make_unique<server>(io_, "127.0.0.1:0", config,
                                     std::move(on_request), std::move(tls));
  auto error = server_->start();
  if (error)
    throw std::runtime_error{"server start failed: " + describe(error)};
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { io_.run(); });
}

running_server::~running_server() {
  server_.reset();
  work_.reset();
  io_.stop();
  for (auto& thread : threads_)
    thread.join();
}

// -- test_client --------------------------------------------------------------

test_client::test_client(std::chrono::seconds timeout)
  : timeout_{timeout}, stream_{io_} {
}

template <class Operation>
error_code test_client::run(Operation&& operation) {
  error_code result = net::error::would_block;
  stream_.expires_after(timeout_);
  operation([&result](error_code error, std::size_t = 0) { result = error; });
  io_.restart();
  io_.run();
  return result;
}

error_code test_client::connect(unsigned short port) {
  net::ip::tcp::endpoint endpoint{net::ip::make_address("127.0.0.1"), port};
  buffer_.consume(buffer_.size());
  error_code result = net::error::would_block;
  stream_.expires_after(timeout_);
  stream_.async_connect(endpoint, [&result](error_code error) { result = error; });
  io_.restart();
  io_.run();
  return result;
}

error_code test_client::send(request message) {
  return run([&](auto handler) {
    beast::http::async_write(stream_, message, std::move(handler));
  });
}

error_code test_client::send_raw(const std::string& bytes) {
  return run([&](auto handler) {
    net::async_write(stream_, net::buffer(bytes), std::move(handler));
  });
}

error_code test_client::read(response& message, bool head_request) {
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head_request);
  auto error = run([&](auto handler) {
    beast::http::async_read(stream_, buffer_, parser, std::move(handler));
  });
  if (!error)
    message = parser.release();
  return error;
}

error_code test_client::read_until_closed(std::string& received) {
  received.assign(static_cast<const char*>(buffer_.data().data()),
                  buffer_.size());
  buffer_.consume(buffer_.size());
  for (;;) {
    char chunk[4096];
    std::size_t count = 0;
    error_code result = net::error::would_block;
    stream_.expires_after(timeout_);
    stream_.async_read_some(net::buffer(chunk),
                            [&](error_code error, std::size_t bytes) {
                              result = error;
                              count = bytes;
                            });
    io_.restart();
    io_.run();
    received.append(chunk, count);
    if (result)
      return result;
  }
}

void test_client::close() {
  stream_.close();
}

// -- helpers ------------------------------------------------------------------

request make_request(beast::http::verb method, std::string target,
                     std::string body) {
  request message{method, target, 11};
  message.set(beast::http::field::host, "127.0.0.1");
  message.body() = std::move(body);
  message.prepare_payload();
  return message;
}

namespace {

/// Runs deflate over the pieces that `next_piece` returns until it returns
/// an empty view.
std::string deflate_pieces(const std::function<std::string_view()>& next_piece,
                           int window_bits) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8,
                   Z_DEFAULT_STRATEGY)
      != Z_OK)
    throw std::runtime_error{"deflateInit2 failed"};
  std::string output;
  unsigned char chunk[64 * 1024];
  for (bool last = false; !last;) {
    auto piece = next_piece();
    last = piece.empty();
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    stream.avail_in = static_cast<uInt>(piece.size());
    do {
      stream.next_out = chunk;
      stream.avail_out = sizeof chunk;
      deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
      output.append(reinterpret_cast<char*>(chunk), sizeof chunk - stream.avail_out);
    } while (stream.avail_out == 0);
  }
  deflateEnd(&stream);
  return output;
}

} // namespace

std::string compress(std::string_view input, int window_bits) {
  bool consumed = false;
  return deflate_pieces(
    [&]() -> std::string_view {
      if (consumed)
        return {};
      consumed = true;
      return input;
    },
    window_bits);
}

std::string gzip_repeated(char byte, std::size_t count) {
  const std::string block(1024 * 1024, byte);
  std::size_t left = count;
  return deflate_pieces(
    [&]() -> std::string_view {
      auto size = std::min(left, block.size());
      left -= size;
      return std::string_view{block}.substr(0, size);
    },
    16 + MAX_WBITS);
}

std::size_t resident_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

// -- certificate_files --------------------------------------------------------

namespace {

void write_key(EVP_PKEY* key, const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr)
    throw std::runtime_error{"cannot write " + path.string()};
  PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
}

} // namespace

certificate_files::certificate_files() {
  std::random_device random;
  folder = std::filesystem::temp_directory_path()
           / ("tropos-http-tls-" + std::to_string(random()));
  std::filesystem::create_directories(folder);
  cert = folder / "cert.pem";
  key = folder / "key.pem";
  other_key = folder / "other_key.pem";

  EVP_PKEY* private_key = EVP_EC_gen("P-256");
  EVP_PKEY* unrelated_key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, private_key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_sign(certificate, private_key, EVP_sha256());

  FILE* file = std::fopen(cert.c_str(), "w");
  PEM_write_X509(file, certificate);
  std::fclose(file);
  write_key(private_key, key);
  write_key(unrelated_key, other_key);

  X509_free(certificate);
  EVP_PKEY_free(private_key);
  EVP_PKEY_free(unrelated_key);
}

certificate_files::~certificate_files() {
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
}

} // namespace tropos::http::test
