#include "domain/error.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>

namespace tropos {

std::string_view to_string(ec code) noexcept {
  switch (code) {
    case ec::none: return "none";
    case ec::invalid_argument: return "invalid_argument";
    case ec::not_found: return "not_found";
    case ec::parse_error: return "parse_error";
    case ec::storage_error: return "storage_error";
    case ec::crypto_error: return "crypto_error";
    case ec::delivery_failed: return "delivery_failed";
    case ec::delivery_rejected: return "delivery_rejected";
    case ec::unauthorized: return "unauthorized";
    case ec::forbidden: return "forbidden";
    case ec::conflict: return "conflict";
    case ec::too_large: return "too_large";
    case ec::timeout: return "timeout";
    case ec::unavailable: return "unavailable";
    case ec::config_error: return "config_error";
    case ec::io_error: return "io_error";
  }
  return "unknown";
}

caf::atom_value error_category() noexcept {
  return caf::atom("tropos");
}

caf::error make_error(ec code, std::string detail) {
  return caf::error{static_cast<uint8_t>(code), error_category(),
                    caf::make_message(std::move(detail))};
}

caf::error make_error(ec code) {
  return caf::error{static_cast<uint8_t>(code), error_category()};
}

ec code_of(const caf::error& err) noexcept {
  if (!err || err.category() != error_category())
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string detail_of(const caf::error& err) {
  if (!err)
    return {};
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  std::string out;
  if (err.category() == error_category())
    out = std::string{to_string(static_cast<ec>(err.code()))};
  else
    out = caf::to_string(err.category()) + ":" + std::to_string(err.code());
  auto detail = detail_of(err);
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

} // namespace tropos
