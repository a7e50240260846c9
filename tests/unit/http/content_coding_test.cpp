#include "http/content_coding.hpp"

#include "domain/error.hpp"
#include "test_support.hpp"

#include <boost/beast/http/field.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

namespace tropos::http {
namespace {

using boost::beast::http::field;

const std::string sample = R"({"status":"firing","alerts":[{"labels":{"alertname":"Probe"}}]})";

TEST(ContentEncoding, ParsesListInSenderOrder) {
  auto codings = parse_content_encoding({"identity, GZIP", " x-gzip ,"});
  ASSERT_TRUE(codings) << describe(codings.error());
  EXPECT_EQ(*codings, (std::vector{content_coding::gzip, content_coding::gzip}));

  auto deflate = parse_content_encoding({"Deflate"});
  ASSERT_TRUE(deflate);
  EXPECT_EQ(*deflate, std::vector{content_coding::deflate});

  auto identity = parse_content_encoding({"identity", ""});
  ASSERT_TRUE(identity);
  EXPECT_TRUE(identity->empty());
}

TEST(ContentEncoding, RejectsUnsupportedCodingByName) {
  for (auto name : {"br", "compress", "zstd"}) {
    auto codings = parse_content_encoding({std::string_view{"gzip, "} , name});
    ASSERT_FALSE(codings) << name;
    EXPECT_EQ(code_of(codings.error()), ec::invalid_argument) << name;
    EXPECT_NE(detail_of(codings.error()).find(std::string{"\""} + name + "\""),
              std::string::npos)
      << detail_of(codings.error());
  }
}

TEST(ContentEncoding, RejectsMoreThanTwoLayers) {
  auto codings = parse_content_encoding({"gzip, gzip, deflate"});
  ASSERT_FALSE(codings);
  EXPECT_EQ(code_of(codings.error()), ec::invalid_argument);
}

TEST(InflateBody, DecodesGzip) {
  auto decoded = inflate_body(test::compress(sample, 16 + MAX_WBITS),
                              content_coding::gzip, 1024);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(*decoded, sample);
}

TEST(InflateBody, DecodesConcatenatedGzipMembers) {
  auto input = test::compress("first ", 16 + MAX_WBITS)
               + test::compress("second", 16 + MAX_WBITS);
  auto decoded = inflate_body(input, content_coding::gzip, 1024);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(*decoded, "first second");
}

TEST(InflateBody, DecodesZlibAndRawDeflate) {
  for (int window_bits : {MAX_WBITS, -MAX_WBITS}) {
    auto decoded = inflate_body(test::compress(sample, window_bits),
                                content_coding::deflate, 1024);
    ASSERT_TRUE(decoded) << "window bits " << window_bits << ": "
                         << describe(decoded.error());
    EXPECT_EQ(*decoded, sample) << "window bits " << window_bits;
  }
}

TEST(InflateBody, AcceptsOutputExactlyAtLimit) {
  std::string exact(100 * 1024, 'x');
  auto decoded = inflate_body(test::compress(exact, 16 + MAX_WBITS),
                              content_coding::gzip, exact.size());
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(decoded->size(), exact.size());
}

TEST(InflateBody, RejectsOutputOneByteOverLimit) {
  std::string over(100 * 1024 + 1, 'x');
  auto decoded = inflate_body(test::compress(over, 16 + MAX_WBITS),
                              content_coding::gzip, over.size() - 1);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), ec::too_large);
}

TEST(InflateBody, RejectsTruncatedStream) {
  auto input = test::compress(sample, 16 + MAX_WBITS);
  input.resize(input.size() - 4);
  auto decoded = inflate_body(input, content_coding::gzip, 1024);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), ec::parse_error);
  EXPECT_NE(detail_of(decoded.error()).find("truncated"), std::string::npos)
    << detail_of(decoded.error());
}

TEST(InflateBody, RejectsBytesAfterStream) {
  auto gzip = inflate_body(test::compress(sample, 16 + MAX_WBITS) + "junk",
                           content_coding::gzip, 1024);
  ASSERT_FALSE(gzip);
  EXPECT_EQ(code_of(gzip.error()), ec::parse_error);

  auto deflate = inflate_body(test::compress(sample, MAX_WBITS) + "junk",
                              content_coding::deflate, 1024);
  ASSERT_FALSE(deflate);
  EXPECT_EQ(code_of(deflate.error()), ec::parse_error);
}

TEST(InflateBody, RejectsPlainTextAsGzip) {
  auto decoded = inflate_body(sample, content_coding::gzip, 1024);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), ec::parse_error);
}

TEST(DecodeRequestBody, ReplacesBodyAndFraming) {
  request message{boost::beast::http::verb::post, "/alerts", 11};
  message.set(field::content_encoding, "gzip");
  message.body() = test::compress(sample, 16 + MAX_WBITS);
  message.prepare_payload();

  ASSERT_FALSE(decode_request_body(message, 1024));
  EXPECT_EQ(message.body(), sample);
  EXPECT_EQ(message.count(field::content_encoding), 0u);
  EXPECT_EQ(message[field::content_length], std::to_string(sample.size()));
}

TEST(DecodeRequestBody, UndoesStackedCodingsInReverse) {
  request message{boost::beast::http::verb::post, "/alerts", 11};
  message.set(field::content_encoding, "deflate, gzip");
  message.body() = test::compress(test::compress(sample, MAX_WBITS), 16 + MAX_WBITS);
  message.prepare_payload();

  ASSERT_FALSE(decode_request_body(message, 1024));
  EXPECT_EQ(message.body(), sample);
}

TEST(DecodeRequestBody, LeavesIdentityUntouched) {
  request message{boost::beast::http::verb::post, "/alerts", 11};
  message.set(field::content_encoding, "identity");
  message.body() = sample + "\n";
  message.prepare_payload();

  ASSERT_FALSE(decode_request_body(message, 1024));
  EXPECT_EQ(message.body(), sample + "\n");
  EXPECT_EQ(message[field::content_encoding], "identity");
}

} // namespace
} // namespace tropos::http
