// Key encodings. LMDB compares keys as byte strings, so integers are stored
// big-endian to make byte order equal numeric order.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace tropos::storage {

/// The byte between the parts of a composite key.
inline constexpr char key_separator = '\0';

/// Encodes an id as 8 big-endian bytes, so keys sort by id and a growing id
/// appends at the end of its table.
std::string encode_u64(uint64_t value);

/// Decodes 8 big-endian bytes, or returns nullopt for any other length.
std::optional<uint64_t> decode_u64(std::string_view bytes) noexcept;

/// Joins key parts with `key_separator`. The result is unambiguous only when
/// every part but the last is free of 0x00 bytes or has a fixed length (an
/// encoded id or a blinded value). A trailing empty part yields a prefix
/// that ends in the separator, for walking all keys under the other parts.
std::string join_key(std::initializer_list<std::string_view> parts);

} // namespace tropos::storage
