// Feeds arbitrary bytes to the config parser.
#include "conf/config.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void) tropos::conf::parse_config({reinterpret_cast<const char*>(data), size},
                                    "/etc/tropos/troposd.toml");
  return 0;
}
