// The named LMDB databases of the environment. Each one is opened at startup,
// and values of the sealed ones are encrypted at rest by the transaction API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tropos::storage {

/// A named database inside the environment. The numbers index the handle
/// array of the environment and are never stored on disk.
enum class table : uint8_t {
  meta,
  resources,
  incidents,
  dedup,
  alerts,
  outbox,
  reply_codes,
  contacts,
  sequences,
  audit,
  sessions,
  silences,
  heartbeats,
};

/// The number of tables, and so the number of named databases LMDB opens.
inline constexpr size_t table_count = 13;

/// Every table in enum order.
inline constexpr std::array<table, table_count> all_tables{
  table::meta,        table::resources, table::incidents, table::dedup,
  table::alerts,      table::outbox,    table::reply_codes, table::contacts,
  table::sequences,   table::audit,     table::sessions,
  table::silences,    table::heartbeats,
};

/// Returns the database name of a table as stored in the LMDB file. These
/// names are part of the on-disk format and of the associated data of
/// sealed values, so renaming one makes existing data unreadable.
std::string_view name(table tbl) noexcept;

/// Returns whether the values of a table are sealed at rest. The meta,
/// dedup and sequences tables hold no personal data and stay plain, so
/// their values can be checked with `mdb_dump`.
bool is_sealed(table tbl) noexcept;

} // namespace tropos::storage
