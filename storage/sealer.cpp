#include "storage/sealer.hpp"

#include "domain/error.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tropos::storage {

namespace {

static_assert(sealer::key_size == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(sealer::overhead
              == 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
                   + crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(sealer::key_size == crypto_kdf_KEYBYTES);

constexpr size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

/// The crypto_kdf context and subkey id of the blinding key. Changing either
/// changes every blinded lookup key on disk.
constexpr char blind_context[crypto_kdf_CONTEXTBYTES + 1] = "tropblnd";
constexpr uint64_t blind_subkey_id = 1;

/// The maximum key file size in bytes: 64 hex characters and a newline.
constexpr size_t max_key_file_size = 2 * sealer::key_size + 1;

caf::error ensure_sodium() {
  if (sodium_init() < 0)
    return make_error(ec::crypto_error, "sodium_init failed");
  return {};
}

std::string errno_text() {
  return std::strerror(errno);
}

/// Closes a file descriptor when it goes out of scope.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Reads at most `buffer.size()` bytes, or returns -1 with errno set.
ssize_t read_all(int fd, std::span<uint8_t> buffer) {
  size_t total = 0;
  while (total < buffer.size()) {
    auto got = ::read(fd, buffer.data() + total, buffer.size() - total);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return -1;
    if (got == 0)
      break;
    total += static_cast<size_t>(got);
  }
  return static_cast<ssize_t>(total);
}

/// Turns the bytes of a key file into a 32-byte key: either the bytes
/// themselves or 64 hex characters with an optional trailing newline.
caf::error parse_key_file(std::span<const uint8_t> content,
                          std::array<uint8_t, sealer::key_size>& key,
                          const std::string& path) {
  if (content.size() == sealer::key_size) {
    std::memcpy(key.data(), content.data(), key.size());
    return {};
  }

  auto hex = content;
  if (!hex.empty() && hex.back() == '\n')
    hex = hex.first(hex.size() - 1);
  size_t decoded = 0;
  const char* end = nullptr;
  if (hex.size() == 2 * sealer::key_size
      && sodium_hex2bin(key.data(), key.size(),
                        reinterpret_cast<const char*>(hex.data()), hex.size(),
                        nullptr, &decoded, &end)
           == 0
      && decoded == sealer::key_size
      && end == reinterpret_cast<const char*>(hex.data()) + hex.size())
    return {};

  sodium_memzero(key.data(), key.size());
  return make_error(ec::config_error,
                    "key file " + path + " is invalid: expected 32 raw bytes "
                      + "or 64 hex characters, found "
                      + std::to_string(content.size()) + " bytes");
}

/// Writes the key text to a freshly created file and makes it durable.
caf::error write_key_file(int fd, std::span<const char> text,
                          const std::string& path) {
  // The umask can only remove bits from 0600, and fchmod makes it exact.
  if (::fchmod(fd, 0600) != 0)
    return make_error(ec::io_error,
                      "cannot chmod key file " + path + ": " + errno_text());

  size_t written = 0;
  while (written < text.size()) {
    auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return make_error(ec::io_error,
                        "cannot write key file " + path + ": " + errno_text());
    written += static_cast<size_t>(n);
  }

  if (::fsync(fd) != 0)
    return make_error(ec::io_error,
                      "cannot fsync key file " + path + ": " + errno_text());
  return {};
}

} // namespace

struct sealer::key_material {
  /// The XChaCha20-Poly1305 key.
  uint8_t seal_key[sealer::key_size];
  /// The BLAKE2b key of `blind`, derived from `seal_key` by crypto_kdf.
  uint8_t blind_key[crypto_generichash_KEYBYTES];
};

sealer::sealer(key_material* keys) noexcept : keys_(keys) {
}

sealer::sealer(sealer&& other) noexcept : keys_(other.keys_) {
  other.keys_ = nullptr;
}

sealer& sealer::operator=(sealer&& other) noexcept {
  if (this != &other) {
    release();
    keys_ = other.keys_;
    other.keys_ = nullptr;
  }
  return *this;
}

sealer::~sealer() {
  release();
}

void sealer::release() noexcept {
  if (keys_ == nullptr)
    return;
  sodium_mprotect_readwrite(keys_);
  sodium_memzero(keys_, sizeof(key_material));
  sodium_free(keys_);
  keys_ = nullptr;
}

caf::expected<sealer> sealer::from_key(std::span<const uint8_t> key) {
  if (auto err = ensure_sodium())
    return err;
  if (key.size() != key_size)
    return make_error(ec::invalid_argument,
                      "sealing key has " + std::to_string(key.size())
                        + " bytes; expected 32");

  // Guarded memory: locked out of swap where the limit allows, with guard
  // pages around it, and read-only once the subkey is derived.
  auto* keys = static_cast<key_material*>(sodium_malloc(sizeof(key_material)));
  if (keys == nullptr)
    return make_error(ec::crypto_error, "sodium_malloc for the key failed");
  std::memcpy(keys->seal_key, key.data(), key_size);
  crypto_kdf_derive_from_key(keys->blind_key, sizeof(keys->blind_key),
                             blind_subkey_id, blind_context, keys->seal_key);
  sodium_mprotect_readonly(keys);
  return sealer{keys};
}

caf::expected<sealer> sealer::from_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ec::io_error,
                      "cannot open key file " + path + ": " + errno_text());
  fd_guard guard{fd};

  // Check the opened file itself, so a swap of the path between the check
  // and the read cannot slip a readable file in.
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    return make_error(ec::io_error,
                      "cannot stat key file " + path + ": " + errno_text());
  if (!S_ISREG(info.st_mode))
    return make_error(ec::config_error,
                      "key file " + path + " is not a regular file");
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o",
                  static_cast<unsigned>(info.st_mode & 07777));
    return make_error(ec::config_error,
                      "key file " + path + " has mode " + mode
                        + " so group or others can read it; run chmod 600 "
                        + path);
  }

  // One byte more than the longest valid file, to detect a longer one.
  std::array<uint8_t, max_key_file_size + 1> content{};
  auto size = read_all(fd, content);
  if (size < 0)
    return make_error(ec::io_error,
                      "cannot read key file " + path + ": " + errno_text());

  std::array<uint8_t, key_size> key{};
  auto err = parse_key_file(std::span{content}.first(static_cast<size_t>(size)),
                            key, path);
  sodium_memzero(content.data(), content.size());
  if (err)
    return err;
  auto result = from_key(key);
  sodium_memzero(key.data(), key.size());
  return result;
}

std::string sealer::seal(std::string_view plaintext,
                         std::string_view associated) const {
  std::string out(overhead + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = format_version;
  unsigned char* nonce = bytes + 1;
  randombytes_buf(nonce, nonce_size);

  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    nonce + nonce_size, &written,
    reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
    reinterpret_cast<const unsigned char*>(associated.data()),
    associated.size(), nullptr, nonce, keys_->seal_key);
  return out;
}

caf::expected<std::string> sealer::open(std::string_view sealed,
                                        std::string_view associated) const {
  if (sealed.size() < overhead)
    return make_error(ec::crypto_error,
                      "sealed value has " + std::to_string(sealed.size())
                        + " bytes, fewer than the 41 of an empty one");
  auto version = static_cast<uint8_t>(sealed[0]);
  if (version != format_version)
    return make_error(ec::crypto_error,
                      "sealed value has format version "
                        + std::to_string(version) + "; this build reads "
                        + std::to_string(format_version));

  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  const unsigned char* nonce = bytes + 1;
  std::string out(sealed.size() - overhead, '\0');
  unsigned long long written = 0;
  auto rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
    reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
    nonce + nonce_size, sealed.size() - 1 - nonce_size,
    reinterpret_cast<const unsigned char*>(associated.data()),
    associated.size(), nonce, keys_->seal_key);
  if (rc != 0)
    return make_error(ec::crypto_error,
                      "sealed value failed authentication: it was changed, "
                      "sealed under another key, or moved from another key");
  return out;
}

std::string sealer::blind(std::string_view value) const {
  std::string out(blind_size, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(value.data()),
                     value.size(), keys_->blind_key, sizeof(keys_->blind_key));
  return out;
}

caf::error create_key_file(const std::string& path) {
  if (auto err = ensure_sodium())
    return err;

  // O_EXCL: never replace a key, since data sealed under it would be lost.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ec::io_error,
                      "cannot create key file " + path + ": " + errno_text());
  fd_guard guard{fd};

  std::array<uint8_t, sealer::key_size> key{};
  std::array<char, 2 * sealer::key_size + 1> hex{};
  randombytes_buf(key.data(), key.size());
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  sodium_memzero(key.data(), key.size());
  hex.back() = '\n';

  auto err = write_key_file(fd, hex, path);
  sodium_memzero(hex.data(), hex.size());
  if (err) {
    // Remove the partial file, so that a retry does not hit O_EXCL.
    ::unlink(path.c_str());
    return err;
  }
  return {};
}

} // namespace tropos::storage
