// TLS setup for the HTTPS listener.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <caf/expected.hpp>

#include <memory>
#include <string>

namespace tropos::http {

/// Creates a server TLS context that accepts TLS 1.2 and later, using the PEM
/// certificate chain at `cert_path` (`[server] tls_cert`) and the PEM private
/// key at `key_path` (`[server] tls_key`). Fails with `ec::config_error`
/// naming the key and path when a file cannot be loaded or the key does not
/// match the certificate.
caf::expected<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const std::string& cert_path, const std::string& key_path);

} // namespace tropos::http
