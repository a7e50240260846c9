#include "http/json_error.hpp"

#include <boost/beast/http/field.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace tropos::http {

response json_response(boost::beast::http::status status,
                       const nlohmann::json& body) {
  response result{status, 11};
  result.set(boost::beast::http::field::content_type, "application/json");

  // The replace handler keeps dump() from throwing on invalid UTF-8, which
  // error messages may echo from request input.
  result.body() = body.dump(-1, ' ', false,
                            nlohmann::json::error_handler_t::replace);
  result.prepare_payload();
  return result;
}

response json_error(boost::beast::http::status status, std::string_view code,
                    std::string_view message, std::string_view field) {
  nlohmann::json error = {{"code", std::string{code}},
                          {"message", std::string{message}}};
  if (!field.empty())
    error["field"] = std::string{field};
  return json_response(status, nlohmann::json{{"error", std::move(error)}});
}

} // namespace tropos::http
