// Schema migrations: steps that rewrite stored data from one schema version
// to the next, run inside the write transaction that checks the version.
#pragma once

#include <caf/error.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace tropos::storage {

class write_txn;

/// One step from schema version `from` to `from + 1`.
struct migration {
  /// The schema version this step reads.
  uint64_t from;
  /// A short summary of the change, quoted in the error of a failed step.
  std::string_view description;
  /// Rewrites the data inside the transaction that then stores `from + 1`.
  caf::error (*apply)(write_txn& txn);
};

/// Returns the migrations of this build in version order; none yet, because
/// version 1 is the first schema.
std::span<const migration> registered_migrations() noexcept;

/// Runs the steps from version `from` up to `to` in order and stores `to`
/// as the schema version. Fails with `ec::storage_error` when a step is
/// missing or fails; the caller then aborts the transaction, so the data
/// stays at `from`.
caf::error migrate(write_txn& txn, uint64_t from, uint64_t to,
                   std::span<const migration> steps);

} // namespace tropos::storage
