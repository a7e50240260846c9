// The REST API and webhook endpoints of troposd, dispatched by method and
// path. Handlers parse and validate on the asio thread, hand the work to
// an actor with a callback, and return at once.
#pragma once

#include "actors/interfaces.hpp"
#include "http/server.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace tropos::storage {
class environment;
}

namespace tropos::http {

struct api_context {
  caf::actor router;
  caf::actor notifier;
  caf::actor timer;
  caf::actor registry;
  caf::actor heartbeats;
  std::shared_ptr<actors::resource_holder> resources;
  std::shared_ptr<clock> clk;
  /// Read-only access for listing incidents. LMDB read transactions see a
  /// snapshot and do not wait for the writer, nor the writer for them.
  storage::environment* env = nullptr;
  /// The bearer token for the management API.
  std::string admin_token;
  /// Signatures of Twilio callbacks are checked against this base URL.
  std::string public_url;
  std::string twilio_auth_token;
  /// True once recovery has finished and the listener is up.
  std::atomic<bool> ready{false};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> alerts_accepted{0};
  std::atomic<uint64_t> signature_rejections{0};
};

/// Returns the request handler serving every endpoint.
handler make_api_handler(std::shared_ptr<api_context> ctx);

} // namespace tropos::http
