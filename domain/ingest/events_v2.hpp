// Parser and response bodies for the PagerDuty Events API v2
// (`POST /v2/enqueue`), so that tools with a PagerDuty integration can send
// events to Tropos unchanged.
#pragma once

#include "domain/ingest/alert_event.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace tropos::ingest {

/// Maximum body size, the 512 KB limit of PagerDuty's Events API v2
/// overview (developer-docs, events-API-v2/01-Overview.md).
inline constexpr std::size_t events_v2_max_body = 512 * 1024;

/// Maximum length in characters of `routing_key`.
inline constexpr std::size_t events_v2_max_routing_key = 64;

/// Maximum length in characters of `dedup_key`.
inline constexpr std::size_t events_v2_max_dedup_key = 255;

/// Maximum length in characters of `payload.summary`.
inline constexpr std::size_t events_v2_max_summary = 1024;

/// One Events API v2 request: the integration key and the event.
struct events_v2_request {
  /// Integration key that selects the service.
  std::string routing_key;
  /// The event. Its `dedup_key` is scoped to the routing key's service.
  alert_event event;
};

/// Parses an Events API v2 body.
///
/// `routing_key` and `event_action` (trigger, acknowledge, resolve) are
/// required. A trigger needs `payload` with `summary`, `source` and
/// `severity` (critical, error, warning, info). Optional payload fields
/// map as follows:
/// - `timestamp` becomes `starts_at`.
/// - `component`, `group` and `class` become labels of those names.
/// - `custom_details` becomes `details`: a string as is, any other JSON
///   value as compact JSON text.
/// The top-level `client_url` becomes the generator URL, while `client`,
/// `links` and `images` are accepted and ignored. A trigger without
/// `dedup_key` (or with an empty one) gets an empty key and
/// `dedup_key_generated` set, so the caller must create the key.
/// Acknowledge and resolve need `dedup_key` and ignore the payload.
///
/// Errors name the field ("payload.severity: missing"): `ec::parse_error`
/// for malformed JSON, `ec::too_large` for a body over `events_v2_max_body`
/// and `ec::invalid_argument` for the rest.
caf::expected<events_v2_request> parse_events_v2(std::string_view body);

/// Builds the 202 response body:
/// `{"status":"success","message":"Event processed","dedup_key":...}`.
std::string events_v2_accepted_body(std::string_view dedup_key);

/// Builds the 400 response body: `{"status":"invalid event","message":
/// "Event object is invalid","errors":[<detail of err>]}`.
std::string events_v2_invalid_body(const caf::error& err);

} // namespace tropos::ingest
