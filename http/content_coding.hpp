// Decoding of compressed request bodies (the Content-Encoding header).
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::http {

/// A content coding this server can decode. `x-gzip` is read as `gzip`.
enum class content_coding { gzip, deflate };

/// The maximum number of non-identity codings in one request. Each layer
/// costs a full inflate pass, so a long list in a 16 KiB header could
/// otherwise burn CPU on a small body.
inline constexpr std::size_t max_content_coding_layers = 2;

/// Returns the values of every Content-Encoding field in `fields`, which
/// refer into `fields`.
std::vector<std::string_view>
content_encoding_values(const boost::beast::http::fields& fields);

/// Parses Content-Encoding field values into the codings in the order the
/// sender applied them, leaving out `identity` and empty list elements.
/// Names are compared case-insensitively. Fails with `ec::invalid_argument`
/// naming the first unsupported coding (for example `br`) or when more than
/// `max_content_coding_layers` codings are stacked.
caf::expected<std::vector<content_coding>>
parse_content_encoding(const std::vector<std::string_view>& field_values);

/// Inflates `input` in the given coding into at most `max_output_bytes`.
/// A `gzip` input may hold several members back to back. A `deflate` input
/// is read as a zlib stream (RFC 1950) and, when it lacks the zlib header,
/// as a raw deflate stream, because both are sent under that name.
/// Errors:
/// - `ec::too_large` when the output would exceed `max_output_bytes`; memory
///   held stays within that limit plus one 64 KiB chunk;
/// - `ec::parse_error` for a corrupt or truncated stream or bytes after it;
/// - `ec::unavailable` when zlib cannot allocate its state.
caf::expected<std::string> inflate_body(std::string_view input,
                                        content_coding coding,
                                        std::size_t max_output_bytes);

/// Decodes the body of `message` according to its Content-Encoding fields,
/// then removes those fields and sets Content-Length to the decoded size
/// unless the message is chunked. A message without the field, or with only
/// `identity`, and a message with an empty body are left as they are.
/// Errors are those of `parse_content_encoding` and `inflate_body`.
caf::error decode_request_body(
  boost::beast::http::request<boost::beast::http::string_body>& message,
  std::size_t max_decoded_bytes);

} // namespace tropos::http
