// The project-wide error enum. Its numbers are pinned: they are stored in
// logs and compared across versions, so append new codes, never renumber.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tropos {

enum class ec : uint8_t {
  /// Not an error.
  none = 0,
  /// A value failed validation; the context names the field.
  invalid_argument = 1,
  /// A referenced object (user, schedule, integration key) does not exist.
  not_found = 2,
  /// Malformed input that could not be parsed at all (JSON, TOML, form).
  parse_error = 3,
  /// The storage layer failed (LMDB return code in the context).
  storage_error = 4,
  /// Sealing or opening a sealed value failed (wrong key or tampering).
  crypto_error = 5,
  /// An outside provider failed in a way that may succeed on retry.
  delivery_failed = 6,
  /// An outside provider rejected the request for good; do not retry.
  delivery_rejected = 7,
  /// The request lacks valid credentials or a valid signature.
  unauthorized = 8,
  /// The caller is known but not allowed to do this.
  forbidden = 9,
  /// The request conflicts with the current state.
  conflict = 10,
  /// A body or field exceeds a configured limit.
  too_large = 11,
  /// An operation did not finish in its time limit.
  timeout = 12,
  /// The daemon is shutting down or not ready yet.
  unavailable = 13,
  /// A configuration key is missing or invalid; the context names the key.
  config_error = 14,
  /// A file could not be read or written (errno text in the context).
  io_error = 15,
};

/// Returns the stable name of an error code, for logs and JSON bodies.
std::string_view to_string(ec code) noexcept;

/// Creates a `caf::error` in the tropos category with a human-readable
/// detail that names the failing field or operation.
caf::error make_error(ec code, std::string detail);

/// Creates a `caf::error` in the tropos category without detail.
caf::error make_error(ec code);

/// Returns the tropos code of an error, or `ec::none` when the error is
/// empty or belongs to another category.
ec code_of(const caf::error& err) noexcept;

/// Returns the detail text given to `make_error`, or an empty string.
std::string detail_of(const caf::error& err);

/// Renders an error as "code: detail" without needing an actor system.
std::string describe(const caf::error& err);

/// The atom that marks the tropos error category.
caf::atom_value error_category() noexcept;

} // namespace tropos
