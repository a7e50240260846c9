// The `alerts[]` envelope that Alertmanager (webhook version 4) and Grafana
// unified alerting (version 1) share. Only their parsers use it.
#pragma once

#include "domain/ingest/alert_event.hpp"

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace tropos::ingest::detail {

/// The differences between the senders of the shared envelope.
struct alert_list_format {
  /// The only accepted value of the top-level `version` field, which may
  /// also be absent.
  std::string_view version;
  /// Whether to drop labels and annotations named like `__x__`, which
  /// Grafana uses internally.
  bool strip_reserved_names = false;
};

/// Converts each element of `root["alerts"]` into one event. Errors name
/// the JSON path ("alerts[1].status: must be firing or resolved"). More
/// than `max_alerts_per_request` alerts give `ec::too_large`.
caf::expected<std::vector<alert_event>>
parse_alert_list(const nlohmann::json& root, const alert_list_format& format);

} // namespace tropos::ingest::detail
