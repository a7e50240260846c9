#include "domain/ingest/alertmanager.hpp"

#include "domain/ingest/alert_list.hpp"
#include "domain/ingest/json_fields.hpp"

#include <array>
#include <cstdint>

namespace tropos::ingest {

namespace {

constexpr uint64_t fnv64_offset_basis = 14695981039346656037ULL;
constexpr uint64_t fnv64_prime = 1099511628211ULL;

/// Separates names and values in the hashed text. Alertmanager uses 0xFF
/// because the byte cannot occur in UTF-8.
constexpr unsigned char label_separator = 0xFF;

uint64_t fnv1a_add(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= fnv64_prime;
  }
  return hash;
}

uint64_t fnv1a_add_byte(uint64_t hash, unsigned char byte) {
  hash ^= byte;
  hash *= fnv64_prime;
  return hash;
}

} // namespace

std::string
label_set_fingerprint(const std::map<std::string, std::string>& labels) {
  // std::map iterates in byte order of the names, as Alertmanager sorts them.
  uint64_t hash = fnv64_offset_basis;
  for (const auto& [name, value] : labels) {
    hash = fnv1a_add(hash, name);
    hash = fnv1a_add_byte(hash, label_separator);
    hash = fnv1a_add(hash, value);
    hash = fnv1a_add_byte(hash, label_separator);
  }

  static constexpr std::array<char, 16> hex_digits{
    '0', '1', '2', '3', '4', '5', '6', '7',
    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i) {
    text[static_cast<std::size_t>(i)] = hex_digits[hash & 0xF];
    hash >>= 4;
  }
  return text;
}

caf::expected<std::vector<alert_event>>
parse_alertmanager(std::string_view body) {
  // NOTE: the nlohmann DOM allocates per field, so the durable ingest
  // target of 150k alerts/s may need a SAX parser here.
  auto root = detail::parse_json_object(body);
  if (!root)
    return std::move(root.error());
  return detail::parse_alert_list(*root, {.version = "4",
                                          .strip_reserved_names = false});
}

} // namespace tropos::ingest
