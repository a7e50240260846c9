// Feeds arbitrary bytes to the Grafana webhook parser (both shapes).
#include "domain/ingest/grafana.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = tropos::ingest::parse_grafana(
    {reinterpret_cast<const char*>(data), size});
  if (parsed)
    for (const auto& event : *parsed)
      (void) event.dedup_key.size();
  return 0;
}
