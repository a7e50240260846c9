#include "storage/migrations.hpp"

#include "domain/error.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"
#include "storage/transaction.hpp"

#include <algorithm>
#include <string>

namespace tropos::storage {

std::span<const migration> registered_migrations() noexcept {
  return {};
}

caf::error migrate(write_txn& txn, uint64_t from, uint64_t to,
                   std::span<const migration> steps) {
  for (auto version = from; version < to; ++version) {
    auto step = std::find_if(steps.begin(), steps.end(),
                             [version](const migration& candidate) {
                               return candidate.from == version;
                             });
    if (step == steps.end())
      return make_error(ec::storage_error,
                        "no migration from schema version "
                          + std::to_string(version) + " to "
                          + std::to_string(version + 1)
                          + " in this build");
    if (auto err = step->apply(txn))
      return make_error(ec::storage_error,
                        "migration from schema version "
                          + std::to_string(version) + " ("
                          + std::string{step->description}
                          + ") failed: " + describe(err));
  }
  return txn.put(table::meta, schema_version_key, encode_u64(to));
}

} // namespace tropos::storage
