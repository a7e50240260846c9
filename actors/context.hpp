// The state every actor of the daemon shares: the handles of the
// long-lived actors, the clock and the current resources snapshot.
#pragma once

#include "actors/interfaces.hpp"
#include "domain/resources.hpp"
#include "domain/time.hpp"

#include <caf/actor.hpp>

#include <memory>
#include <string>

namespace tropos::storage {
class environment;
}

namespace tropos::actors {

struct context {
  caf::actor writer;
  caf::actor timer;
  caf::actor notifier;
  caf::actor router;
  caf::actor heartbeats;
  std::shared_ptr<clock> clk;
  std::shared_ptr<resource_holder> resources;
  storage::environment* env = nullptr;
};

using context_ptr = std::shared_ptr<context>;

/// Storage keys of incidents: "r" + id is the record, "o" + id marks it
/// open. Ids are big-endian so records sort and append by id.
std::string incident_record_key(uint64_t id);
std::string incident_open_key(uint64_t id);

/// Key of the last known end of an alert: service id, NUL, dedup key.
std::string alert_state_key(std::string_view service_id,
                            std::string_view dedup_key);

} // namespace tropos::actors
