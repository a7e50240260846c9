#include "storage/keys.hpp"

namespace tropos::storage {

std::string encode_u64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::optional<uint64_t> decode_u64(std::string_view bytes) noexcept {
  if (bytes.size() != 8)
    return std::nullopt;
  uint64_t value = 0;
  for (char byte : bytes)
    value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

std::string join_key(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (auto part : parts) {
    if (!first)
      out += key_separator;
    out += part;
    first = false;
  }
  return out;
}

} // namespace tropos::storage
