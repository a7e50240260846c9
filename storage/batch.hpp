// The unit of work of the batching writer: a list of changes that the
// environment applies together with others in one commit.
#pragma once

#include "storage/tables.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tropos::storage {

/// One put or erase.
struct change {
  /// The table to change.
  table tbl;
  /// The key, 1 to 511 bytes.
  std::string key;
  /// The new plaintext value, or nullopt to erase the key. Erasing an absent
  /// key is not an error.
  std::optional<std::string> value;
  /// Whether `key` is above every key of the table (a growing id), so the
  /// put can append as `write_txn::put_append` does.
  bool append = false;
};

/// Changes that must be applied together or not at all.
using batch = std::vector<change>;

} // namespace tropos::storage
