// Feeds arbitrary bytes to the SMS reply parser.
#include "domain/sms/reply.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reply = tropos::sms::parse_reply({reinterpret_cast<const char*>(data), size});
  (void) reply.number;
  return 0;
}
