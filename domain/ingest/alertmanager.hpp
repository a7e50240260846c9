// Parser for the Alertmanager webhook receiver body, version "4".
#pragma once

#include "domain/ingest/alert_event.hpp"

#include <caf/expected.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::ingest {

/// Parses an Alertmanager webhook body into one event per element of
/// `alerts[]`. Each event carries:
/// - `act`: trigger for status "firing", resolve for "resolved".
/// - `dedup_key`: the alert's `fingerprint`, or when it is missing
///   `label_set_fingerprint(labels)` with `dedup_key_generated` set.
/// - `summary`: annotation `summary`, else label `alertname` followed by
///   " on " and label `instance` when present, else "Alert " + dedup key.
/// - `details`: annotation `description`.
/// - `source` and `severity`: labels `instance` and `severity`.
/// - `starts_at`/`ends_at`: unset when absent or Go's zero time.
/// Unknown fields are ignored and `version`, when present, must be "4".
/// Errors name the JSON path of the bad field: `ec::parse_error` for
/// malformed JSON, `ec::invalid_argument` for a bad field and
/// `ec::too_large` for more than `max_alerts_per_request` alerts.
caf::expected<std::vector<alert_event>>
parse_alertmanager(std::string_view body);

/// Computes the fingerprint that Alertmanager gives a label set: 64-bit
/// FNV-1a over the labels sorted by name, each name and value followed by
/// the byte 0xFF, as 16 lowercase hex digits.
std::string label_set_fingerprint(const std::map<std::string, std::string>& labels);

} // namespace tropos::ingest
