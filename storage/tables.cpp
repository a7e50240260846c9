#include "storage/tables.hpp"

namespace tropos::storage {

std::string_view name(table tbl) noexcept {
  switch (tbl) {
    case table::meta: return "meta";
    case table::resources: return "resources";
    case table::incidents: return "incidents";
    case table::dedup: return "dedup";
    case table::alerts: return "alerts";
    case table::outbox: return "outbox";
    case table::reply_codes: return "reply_codes";
    case table::contacts: return "contacts";
    case table::sequences: return "sequences";
    case table::audit: return "audit";
    case table::sessions: return "sessions";
    case table::silences: return "silences";
    case table::heartbeats: return "heartbeats";
  }
  return "unknown";
}

bool is_sealed(table tbl) noexcept {
  switch (tbl) {
    case table::meta:
    case table::dedup:
    case table::sequences:
      return false;
    case table::resources:
    case table::incidents:
    case table::alerts:
    case table::outbox:
    case table::reply_codes:
    case table::contacts:
    case table::audit:
    case table::sessions:
    case table::silences:
    case table::heartbeats:
      return true;
  }
  return true;
}

} // namespace tropos::storage
