#include "auth/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace tropos::auth {

namespace {

template <std::size_t Size>
std::optional<std::array<unsigned char, Size>>
compute_hmac(const EVP_MD* digest, std::string_view key,
             std::string_view data) {
  if (key.size() > INT_MAX)
    return std::nullopt;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static constexpr unsigned char empty_key[1] = {0};
  const void* key_bytes = key.empty() ? empty_key
                                      : static_cast<const void*>(key.data());

  std::array<unsigned char, Size> out{};
  unsigned int length = 0;
  auto* result = HMAC(digest, key_bytes, static_cast<int>(key.size()),
                      reinterpret_cast<const unsigned char*>(data.data()),
                      data.size(), out.data(), &length);
  if (result == nullptr || length != Size)
    return std::nullopt;
  return out;
}

} // namespace

std::optional<std::array<unsigned char, sha1_digest_size>>
hmac_sha1(std::string_view key, std::string_view data) {
  return compute_hmac<sha1_digest_size>(EVP_sha1(), key, data);
}

std::optional<std::array<unsigned char, sha256_digest_size>>
hmac_sha256(std::string_view key, std::string_view data) {
  return compute_hmac<sha256_digest_size>(EVP_sha256(), key, data);
}

std::string base64_encode(const unsigned char* data, std::size_t size) {
  // EVP_EncodeBlock writes 4 characters per 3 bytes plus a terminating NUL.
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string hex_encode(const unsigned char* data, std::size_t size) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += hex_digits[data[i] >> 4];
    out += hex_digits[data[i] & 0x0F];
  }
  return out;
}

bool constant_time_equal(std::string_view left, std::string_view right) {
  if (left.size() != right.size())
    return false;
  return CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

} // namespace tropos::auth
