#include "http/tls.hpp"

#include "domain/error.hpp"
#include "http/server.hpp"
#include "test_support.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace tropos::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using boost::beast::http::status;
using boost::beast::http::verb;

TEST(MakeTlsContext, RequiresTls12OrLater) {
  test::certificate_files files;
  auto context = make_tls_context(files.cert.string(), files.key.string());
  ASSERT_TRUE(context) << describe(context.error());
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*context)->native_handle()),
            TLS1_2_VERSION);
}

TEST(MakeTlsContext, NamesMissingCertificateFile) {
  test::certificate_files files;
  auto missing = (files.folder / "absent.pem").string();
  auto context = make_tls_context(missing, files.key.string());
  ASSERT_FALSE(context);
  EXPECT_EQ(code_of(context.error()), ec::config_error);
  EXPECT_NE(detail_of(context.error()).find("tls_cert"), std::string::npos);
  EXPECT_NE(detail_of(context.error()).find(missing), std::string::npos)
    << detail_of(context.error());
}

TEST(MakeTlsContext, RejectsKeyThatDoesNotMatch) {
  test::certificate_files files;
  auto context = make_tls_context(files.cert.string(), files.other_key.string());
  ASSERT_FALSE(context);
  EXPECT_EQ(code_of(context.error()), ec::config_error);
  EXPECT_NE(detail_of(context.error()).find("does not match"), std::string::npos)
    << detail_of(context.error());
}

TEST(HttpsServer, ServesRequestOverTls) {
  test::certificate_files files;
  auto context = make_tls_context(files.cert.string(), files.key.string());
  ASSERT_TRUE(context) << describe(context.error());
  test::running_server server{limits{},
                              [](request_context&& context, responder respond) {
                                response message{status::ok, 11};
                                message.body() = "secure " + context.message.body();
                                respond(std::move(message));
                              },
                              2, *context};

  // The client trusts the generated certificate and nothing else.
  net::io_context io;
  net::ssl::context client_context{net::ssl::context::tls_client};
  client_context.load_verify_file(files.cert.string());
  client_context.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream{io, client_context};
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds{10});
  beast::error_code error;
  beast::get_lowest_layer(stream).connect(
    net::ip::tcp::endpoint{net::ip::make_address("127.0.0.1"), server.port()}, error);
  ASSERT_FALSE(error) << error.message();
  stream.handshake(net::ssl::stream_base::client, error);
  ASSERT_FALSE(error) << error.message();

  for (auto body : {"one", "two"}) {
    auto message = test::make_request(verb::post, "/alerts", body);
    beast::http::write(stream, message, error);
    ASSERT_FALSE(error) << error.message();
    beast::flat_buffer buffer;
    response reply;
    beast::http::read(stream, buffer, reply, error);
    ASSERT_FALSE(error) << error.message();
    EXPECT_EQ(reply.result(), status::ok);
    EXPECT_EQ(reply.body(), std::string{"secure "} + body);
  }
}

} // namespace
} // namespace tropos::http
