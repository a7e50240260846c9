// application/x-www-form-urlencoded bodies, as Twilio and Slack send them
// and as the channels send to Twilio's REST API.
#pragma once

#include <caf/expected.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tropos {

/// Name and value pairs of a form, in the order they were sent.
using form_fields = std::vector<std::pair<std::string, std::string>>;

/// Maximum number of fields accepted in one form body.
inline constexpr std::size_t max_form_fields = 1000;

/// Decodes a form body: fields separated by '&', name and value by the
/// first '=', '+' read as a space and %XX as a byte. A field without '='
/// has an empty value, empty fields ("a=1&&b=2") are skipped, and repeated
/// names are all kept in order. A bad escape ("%4", "%zz") or a decoded
/// name or value that is not valid UTF-8 gives `ec::parse_error`. More
/// than `max_form_fields` fields give `ec::too_large`.
caf::expected<form_fields> parse_form(std::string_view body);

/// Encodes fields as a form body. RFC 3986 unreserved characters
/// (A-Z a-z 0-9 - . _ ~) stay as they are, and every other byte, space
/// included, becomes %XX with uppercase hex digits.
std::string form_encode(const form_fields& fields);

/// Returns the value of the first field called `name`, if any.
std::optional<std::string> form_value(const form_fields& fields,
                                      std::string_view name);

} // namespace tropos
