// Encryption of stored values at rest and blinding of lookup keys.
//
// A sealed value is laid out as
//
//   [1 byte format version][24 byte random nonce][ciphertext][16 byte tag]
//
// using XChaCha20-Poly1305 (IETF) from libsodium. The caller passes
// associated data that names where the value lives (table and key), so a
// sealed value copied to another key fails to open.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tropos::storage {

/// Seals and opens values with one 32-byte key, and blinds personal data
/// for use in lookup keys. Move-only: the key lives in guarded memory that
/// is wiped when the sealer is destroyed.
class sealer {
public:
  /// The size of a key in bytes.
  static constexpr size_t key_size = 32;

  /// The first byte of every sealed value.
  static constexpr uint8_t format_version = 1;

  /// Bytes a sealed value has on top of its plaintext: version, nonce, tag.
  static constexpr size_t overhead = 1 + 24 + 16;

  /// The size of a blinded value in bytes.
  static constexpr size_t blind_size = 16;

  /// Loads the key from a file that contains exactly 32 raw bytes or 64 hex
  /// characters, optionally followed by one newline. Fails with
  /// `ec::config_error` when group or others may read the file, and with
  /// `ec::io_error` when it cannot be read.
  static caf::expected<sealer> from_key_file(const std::string& path);

  /// Creates a sealer from 32 key bytes. Fails with `ec::invalid_argument`
  /// for any other length.
  static caf::expected<sealer> from_key(std::span<const uint8_t> key);

  sealer(sealer&& other) noexcept;
  sealer& operator=(sealer&& other) noexcept;
  sealer(const sealer&) = delete;
  sealer& operator=(const sealer&) = delete;
  ~sealer();

  /// Encrypts `plaintext` under a fresh random nonce, binding it to
  /// `associated`.
  std::string seal(std::string_view plaintext,
                   std::string_view associated) const;

  /// Decrypts a value made by `seal` with the same `associated`. Fails with
  /// `ec::crypto_error` when the value was changed, made with another key or
  /// sealed for other associated data, or has an unknown format version.
  caf::expected<std::string> open(std::string_view sealed,
                                  std::string_view associated) const;

  /// Returns a keyed 16-byte BLAKE2b hash of `value`, for building lookup
  /// keys from personal data (phone numbers, emails) without storing the
  /// plaintext. Equal inputs give equal outputs under one key only.
  std::string blind(std::string_view value) const;

private:
  struct key_material;

  explicit sealer(key_material* keys) noexcept;

  void release() noexcept;

  /// Guarded memory from `sodium_malloc`, read-only after construction.
  key_material* keys_ = nullptr;
};

/// Writes a new random key as 64 hex characters and a newline to `path`,
/// created with mode 0600. Fails with `ec::io_error` when the file exists,
/// so an existing key (and the data sealed under it) is never overwritten.
caf::error create_key_file(const std::string& path);

} // namespace tropos::storage
