// Feeds arbitrary bytes to the PagerDuty Events v2 parser.
#include "domain/ingest/events_v2.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = tropos::ingest::parse_events_v2(
    {reinterpret_cast<const char*>(data), size});
  if (parsed)
    (void) tropos::ingest::events_v2_accepted_body(parsed->event.dedup_key);
  else
    (void) tropos::ingest::events_v2_invalid_body(parsed.error());
  return 0;
}
