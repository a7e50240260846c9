// Feeds arbitrary bytes to the form decoder and checks that encoding the
// result and decoding it again gives the same fields.
#include "domain/form.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = tropos::parse_form({reinterpret_cast<const char*>(data), size});
  if (!fields)
    return 0;
  auto again = tropos::parse_form(tropos::form_encode(*fields));
  if (!again || *again != *fields)
    std::abort();
  return 0;
}
