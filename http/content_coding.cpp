#include "http/content_coding.hpp"

#include "domain/error.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <zlib.h>

#include <algorithm>
#include <memory>

namespace tropos::http {

namespace {

/// The size of the scratch buffer that each inflate call writes into.
constexpr std::size_t chunk_bytes = 64 * 1024;

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool iequals(std::string_view left, std::string_view right) {
  return boost::beast::iequals(
    boost::beast::string_view{left.data(), left.size()},
    boost::beast::string_view{right.data(), right.size()});
}

/// Owns a zlib inflate stream and ends it on destruction.
class inflater {
public:
  inflater() = default;
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  ~inflater() {
    if (initialized_)
      inflateEnd(&stream_);
  }

  /// Starts a new stream; `window_bits` selects the format as in
  /// inflateInit2 (16 + 15 gzip, 15 zlib, -15 raw deflate).
  int init(int window_bits) {
    if (initialized_)
      inflateEnd(&stream_);
    stream_ = z_stream{};
    int rc = inflateInit2(&stream_, window_bits);
    initialized_ = rc == Z_OK;
    return rc;
  }

  z_stream& get() {
    return stream_;
  }

private:
  z_stream stream_{};
  bool initialized_ = false;
};

caf::error zlib_failure(int rc, const z_stream& stream) {
  if (rc == Z_MEM_ERROR)
    return make_error(ec::unavailable, "zlib could not allocate memory");
  std::string reason = "zlib error " + std::to_string(rc);
  if (stream.msg != nullptr)
    reason = stream.msg;
  return make_error(ec::parse_error, "invalid compressed body: " + reason);
}

/// Appends to `out` while keeping its capacity at or below `limit`.
void append_bounded(std::vector<char>& out, const unsigned char* data,
                    std::size_t size, std::size_t limit) {
  if (out.size() + size > out.capacity())
    out.reserve(std::min(limit, std::max(out.capacity() * 2, out.size() + size)));
  out.insert(out.end(), data, data + size);
}

} // namespace

std::vector<std::string_view>
content_encoding_values(const boost::beast::http::fields& fields) {
  std::vector<std::string_view> values;
  auto [first, last] = fields.equal_range(boost::beast::http::field::content_encoding);
  for (auto entry = first; entry != last; ++entry)
    values.emplace_back(entry->value().data(), entry->value().size());
  return values;
}

caf::expected<std::vector<content_coding>>
parse_content_encoding(const std::vector<std::string_view>& field_values) {
  std::vector<content_coding> codings;
  for (auto value : field_values) {
    while (!value.empty()) {
      // Take the next comma-separated list element.
      auto comma = value.find(',');
      auto element = trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view{}
                                              : value.substr(comma + 1);
      if (element.empty() || iequals(element, "identity"))
        continue;

      if (iequals(element, "gzip")
          || iequals(element, "x-gzip"))
        codings.push_back(content_coding::gzip);
      else if (iequals(element, "deflate"))
        codings.push_back(content_coding::deflate);
      else
        return make_error(ec::invalid_argument,
                          "unsupported Content-Encoding \"" + std::string{element}
                            + "\"; send gzip, deflate or identity");
      if (codings.size() > max_content_coding_layers)
        return make_error(ec::invalid_argument,
                          "Content-Encoding stacks more than "
                            + std::to_string(max_content_coding_layers)
                            + " codings");
    }
  }
  return codings;
}

caf::expected<std::string> inflate_body(std::string_view input,
                                        content_coding coding,
                                        std::size_t max_output_bytes) {
  auto chunk = std::make_unique<unsigned char[]>(chunk_bytes);
  std::vector<char> out;
  inflater zlib;
  bool raw_deflate = false;

  auto start = [&](int window_bits) {
    int rc = zlib.init(window_bits);
    zlib.get().next_in
      = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zlib.get().avail_in = static_cast<uInt>(input.size());
    return rc;
  };
  int rc = start(coding == content_coding::gzip ? 16 + MAX_WBITS : MAX_WBITS);
  if (rc != Z_OK)
    return zlib_failure(rc, zlib.get());

  for (;;) {
    auto& stream = zlib.get();
    stream.next_out = chunk.get();
    stream.avail_out = static_cast<uInt>(chunk_bytes);
    rc = inflate(&stream, Z_NO_FLUSH);

    // Keep what this call produced, unless it crosses the limit.
    auto produced = chunk_bytes - stream.avail_out;
    if (produced > max_output_bytes - out.size())
      return make_error(ec::too_large,
                        "the decoded body exceeds "
                          + std::to_string(max_output_bytes) + " bytes");
    append_bounded(out, chunk.get(), produced, max_output_bytes);

    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0)
        break;
      if (coding == content_coding::deflate)
        return make_error(ec::parse_error,
                          "invalid compressed body: data after the end of the "
                          "deflate stream");
      // Another gzip member follows; bytes that are not a gzip header fail
      // in the next inflate call.
      inflateReset(&stream);
      continue;
    }

    // "deflate" senders split between zlib streams and raw deflate; a raw
    // stream fails the zlib header check before producing any output.
    if (rc == Z_DATA_ERROR && coding == content_coding::deflate && !raw_deflate
        && stream.total_out == 0) {
      raw_deflate = true;
      rc = start(-MAX_WBITS);
      if (rc != Z_OK)
        return zlib_failure(rc, zlib.get());
      continue;
    }

    // Each call gets an empty chunk, so a call without progress, or one that
    // left output space unused, has run out of input before the stream end.
    bool input_exhausted = rc == Z_BUF_ERROR
                           || (rc == Z_OK && stream.avail_in == 0
                               && stream.avail_out != 0);
    if (input_exhausted)
      return make_error(ec::parse_error,
                        "invalid compressed body: the stream is truncated");
    if (rc != Z_OK)
      return zlib_failure(rc, stream);
  }
  return std::string{out.begin(), out.end()};
}

caf::error decode_request_body(
  boost::beast::http::request<boost::beast::http::string_body>& message,
  std::size_t max_decoded_bytes) {
  using boost::beast::http::field;

  auto values = content_encoding_values(message.base());
  if (values.empty())
    return {};

  auto codings = parse_content_encoding(values);
  if (!codings)
    return codings.error();
  if (codings->empty() || message.body().empty())
    return {};

  // The sender applied the codings in list order, so undo them in reverse.
  for (auto coding = codings->rbegin(); coding != codings->rend(); ++coding) {
    auto decoded = inflate_body(message.body(), *coding, max_decoded_bytes);
    if (!decoded)
      return decoded.error();
    message.body() = std::move(*decoded);
  }

  message.erase(field::content_encoding);
  if (!message.chunked())
    message.content_length(message.body().size());
  return {};
}

} // namespace tropos::http
