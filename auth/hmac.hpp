// HMAC digests and constant-time comparison for request signatures.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tropos::auth {

/// Size in bytes of an HMAC-SHA1 digest.
inline constexpr std::size_t sha1_digest_size = 20;

/// Size in bytes of an HMAC-SHA256 digest.
inline constexpr std::size_t sha256_digest_size = 32;

/// Computes HMAC-SHA1 of `data` keyed with `key`. Returns nullopt only when
/// OpenSSL fails (out of memory, digest unavailable).
std::optional<std::array<unsigned char, sha1_digest_size>>
hmac_sha1(std::string_view key, std::string_view data);

/// Computes HMAC-SHA256 of `data` keyed with `key`. Returns nullopt only
/// when OpenSSL fails.
std::optional<std::array<unsigned char, sha256_digest_size>>
hmac_sha256(std::string_view key, std::string_view data);

/// Encodes bytes as standard Base64 with padding.
std::string base64_encode(const unsigned char* data, std::size_t size);

/// Encodes bytes as lowercase hex.
std::string hex_encode(const unsigned char* data, std::size_t size);

/// Compares two strings in time that depends only on their lengths, so a
/// forger cannot learn how many leading bytes of a signature are right.
bool constant_time_equal(std::string_view left, std::string_view right);

} // namespace tropos::auth
