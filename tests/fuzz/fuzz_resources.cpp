// Feeds arbitrary bytes to the resources file parser and, when it parses,
// to the cross-reference validation.
#include "conf/resources.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = tropos::conf::parse_resources(
    {reinterpret_cast<const char*>(data), size});
  if (parsed)
    (void) tropos::conf::merge_resources({}, parsed->set);
  return 0;
}
