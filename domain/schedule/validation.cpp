// `validate(const schedule&, ...)`: checks a schedule before any query or
// reconcile runs on it. Each error names the first invalid field it finds.
#include "domain/schedule/schedule.hpp"

#include "domain/error.hpp"

#include <string>

namespace tropos::schedule {

namespace {

std::string member(std::string_view path, std::string_view name) {
  return std::string{path} + "." + std::string{name};
}

std::string element(std::string_view path, std::string_view name,
                    std::size_t index) {
  return member(path, name) + "[" + std::to_string(index) + "]";
}

caf::error invalid(const std::string& field, std::string_view problem) {
  return make_error(ec::invalid_argument, field + ": " + std::string{problem});
}

caf::error validate_participants(const layer& rotation, std::string_view path) {
  if (rotation.participants.empty())
    return invalid(member(path, "participants"), "must list at least one user");
  for (std::size_t i = 0; i < rotation.participants.size(); ++i)
    if (rotation.participants[i].empty())
      return invalid(element(path, "participants", i), "must not be empty");
  if (rotation.anchor && rotation.anchor->index >= rotation.participants.size())
    return invalid(member(path, "anchor.index"),
                   "must be less than the number of participants ("
                     + std::to_string(rotation.participants.size()) + ")");
  return {};
}

caf::error validate_layer(const layer& rotation, std::string_view path) {
  if (rotation.name.empty())
    return invalid(member(path, "name"), "must not be empty");
  if (!rotation.time_zone.empty()) {
    auto zone = find_time_zone(rotation.time_zone, member(path, "time_zone"));
    if (!zone)
      return zone.error();
  }
  if (rotation.shift_length < 1)
    return invalid(member(path, "shift_length"), "must be at least 1");
  if (auto max = max_shift_length(rotation.unit); rotation.shift_length > max)
    return invalid(member(path, "shift_length"),
                   "must be at most " + std::to_string(max) + " for "
                     + std::string{to_string(rotation.unit)} + " rotations");
  if (auto err = validate_participants(rotation, path))
    return err;
  if (rotation.restriction)
    return validate(*rotation.restriction, member(path, "restriction"));
  return {};
}

caf::error validate_layers(const std::vector<layer>& layers,
                           std::string_view path) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto layer_path = element(path, "layers", i);
    if (auto err = validate_layer(layers[i], layer_path))
      return err;

    // Reconciling matches layers by name, so names must be unique.
    for (std::size_t j = 0; j < i; ++j)
      if (layers[j].name == layers[i].name)
        return invalid(member(layer_path, "name"),
                       "must be unique, \"" + layers[i].name
                         + "\" also names " + element(path, "layers", j));
  }
  return {};
}

caf::error validate_override(const schedule_override& change,
                             std::string_view path) {
  if (!change.replaces) {
    if (change.user.empty())
      return invalid(member(path, "user"),
                     "must not be empty unless replaces is set");
  } else if (change.replaces->empty()) {
    return invalid(member(path, "replaces"), "must not be empty when set");
  } else if (*change.replaces == change.user) {
    return invalid(member(path, "replaces"), "must differ from user");
  }
  if (change.end <= change.start)
    return invalid(member(path, "end"), "must be after start");
  return {};
}

caf::error validate_temporary(const temporary_schedule& temporary,
                              std::string_view path) {
  if (temporary.end <= temporary.start)
    return invalid(member(path, "end"), "must be after start");
  for (std::size_t i = 0; i < temporary.shifts.size(); ++i) {
    const auto& fixed = temporary.shifts[i];
    auto shift_path = element(path, "shifts", i);
    if (fixed.user.empty())
      return invalid(member(shift_path, "user"), "must not be empty");
    if (fixed.end <= fixed.start)
      return invalid(member(shift_path, "end"), "must be after start");
    if (fixed.start < temporary.start || fixed.end > temporary.end)
      return invalid(shift_path, "must lie within the temporary schedule's "
                                 "start and end");
  }
  return {};
}

} // namespace

caf::error validate(const schedule& plan, std::string_view path) {
  if (plan.id.empty())
    return invalid(member(path, "id"), "must not be empty");
  auto zone = find_time_zone(plan.time_zone, member(path, "time_zone"));
  if (!zone)
    return zone.error();
  if (auto err = validate_layers(plan.layers, path))
    return err;
  for (std::size_t i = 0; i < plan.overrides.size(); ++i)
    if (auto err = validate_override(plan.overrides[i],
                                     element(path, "overrides", i)))
      return err;
  for (std::size_t i = 0; i < plan.temporary_schedules.size(); ++i)
    if (auto err = validate_temporary(plan.temporary_schedules[i],
                                      element(path, "temporary_schedules", i)))
      return err;
  return {};
}

} // namespace tropos::schedule
