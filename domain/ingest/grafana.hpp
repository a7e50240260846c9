// Parser for the Grafana alerting webhook contact point body, both the
// unified alerting shape (version "1") and the legacy dashboard alert shape.
#pragma once

#include "domain/ingest/alert_event.hpp"

#include <caf/expected.hpp>

#include <string_view>
#include <vector>

namespace tropos::ingest {

/// Parses a Grafana webhook body.
///
/// A body with `alerts[]` is unified alerting: it gives one event per alert
/// with the same rules as `parse_alertmanager`, except that `version`, when
/// present, must be "1" and labels and annotations named like `__x__` are
/// dropped.
///
/// A body without `alerts[]` is the legacy shape. State "alerting" gives a
/// trigger and "ok" a resolve, while "no_data", "paused" and "pending" give
/// no event. The dedup key is "grafana-rule:" + `ruleId` (or + `ruleName`
/// when there is no `ruleId`), and the summary is `ruleName`: the `title`
/// carries an "[Alerting]" or "[OK]" prefix that differs between firing and
/// recovery. Labels are the `tags`, details the `message`, and the
/// generator URL is `ruleUrl`.
///
/// Errors name the JSON path of the bad field, as in `parse_alertmanager`.
caf::expected<std::vector<alert_event>> parse_grafana(std::string_view body);

} // namespace tropos::ingest
