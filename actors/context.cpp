#include "actors/context.hpp"

#include "storage/keys.hpp"

namespace tropos::actors {

namespace {

std::string prefixed(char prefix, uint64_t id) {
  std::string key(1, prefix);
  key += storage::encode_u64(id);
  return key;
}

} // namespace

std::string incident_record_key(uint64_t id) {
  return prefixed('r', id);
}

std::string incident_open_key(uint64_t id) {
  return prefixed('o', id);
}

std::string alert_state_key(std::string_view service_id,
                            std::string_view dedup_key) {
  return storage::join_key({service_id, dedup_key});
}

} // namespace tropos::actors
