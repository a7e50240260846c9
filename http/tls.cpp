#include "http/tls.hpp"

#include "domain/error.hpp"

#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tropos::http {

caf::expected<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const std::string& cert_path, const std::string& key_path) {
  namespace net = boost::asio;
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
  // OpenSSL checks the key against the loaded certificate while loading it.
  context->use_private_key_file(key_path, ssl::context::pem, error);
  bool mismatch = error && error.category() == net::error::get_ssl_category()
                  && ERR_GET_REASON(static_cast<unsigned long>(error.value()))
                       == X509_R_KEY_VALUES_MISMATCH;
  if (mismatch || (!error && SSL_CTX_check_private_key(context->native_handle()) != 1))
    return make_error(ec::config_error,
                      "tls_key: the private key in \"" + key_path
                        + "\" does not match the certificate in \"" + cert_path
                        + "\"");
  if (error)
    return make_error(ec::config_error,
                      "tls_key: cannot load a PEM private key from \""
                        + key_path + "\": " + error.message());
  return context;
}

} // namespace tropos::http
