// Feeds arbitrary bytes to the Alertmanager webhook parser.
#include "domain/ingest/alertmanager.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = tropos::ingest::parse_alertmanager(
    {reinterpret_cast<const char*>(data), size});
  if (parsed)
    for (const auto& event : *parsed)
      (void) event.dedup_key.size();
  return 0;
}
