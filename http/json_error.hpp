// JSON response builders shared by the transport and the routes.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace tropos::http {

/// A response whose body is held in memory, the only kind the server writes.
using response = boost::beast::http::response<boost::beast::http::string_body>;

/// Builds an error response with the body
/// `{"error":{"code":CODE,"message":MESSAGE,"field":FIELD}}` and
/// `Content-Type: application/json`. The `field` member is left out when
/// `field` is empty. Invalid UTF-8 in any argument is replaced by U+FFFD.
response json_error(boost::beast::http::status status, std::string_view code,
                    std::string_view message, std::string_view field = {});

/// Builds a response with `body` serialized as JSON and
/// `Content-Type: application/json`. Invalid UTF-8 in strings is replaced by
/// U+FFFD.
response json_response(boost::beast::http::status status,
                       const nlohmann::json& body);

} // namespace tropos::http
