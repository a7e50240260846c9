#include "actors/context.hpp"

#include "storage/keys.hpp"

namespace tropos::actors {

std::string incident_record_key(uint64_t id) {
  return "r" + storage::encode_u64(id);
}

std::string incident_open_key(uint64_t id) {
  return "o" + storage::encode_u64(id);
}

std::string alert_state_key(std::string_view service_id,
                            std::string_view dedup_key) {
  return storage::join_key({service_id, dedup_key});
}

} // namespace tropos::actors
