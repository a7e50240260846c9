#include "http/tls.hpp"

#include "domain/error.hpp"

#include <openssl/ssl.h>

namespace tropos::http {

caf::expected<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const std::string& cert_path, const std::string& key_path) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds
                       | ssl::context::no_sslv2 | ssl::context::no_sslv3
                       | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION)
      != 1)
    return make_error(ec::config_error,
                      "tls: OpenSSL rejected TLS 1.2 as the minimum version");

  boost::system::error_code error;
  context->use_certificate_chain_file(cert_path, error);
  if (error)
    return make_error(ec::config_error,
                      "tls_cert: cannot load a PEM certificate chain from \""
                        + cert_path + "\": " + error.message());
  context->use_private_key_file(key_path, ssl::context::pem, error);
  if (error)
    return make_error(ec::config_error,
                      "tls_key: cannot load a PEM private key from \""
                        + key_path + "\": " + error.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    return make_error(ec::config_error,
                      "tls_key: the private key in \"" + key_path
                        + "\" does not match the certificate in \"" + cert_path
                        + "\"");
  return context;
}

} // namespace tropos::http
