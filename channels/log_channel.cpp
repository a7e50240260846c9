#include "channels/log_channel.hpp"

#include "channels/mask.hpp"
#include "domain/error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace tropos::channels {

namespace {

caf::error io_failure(std::string_view operation,
                      const std::filesystem::path& path, int error_number) {
  return make_error(ec::io_error, std::string{operation} + " "
                                    + path.string() + " failed: "
                                    + std::strerror(error_number));
}

} // namespace

caf::expected<std::unique_ptr<outbox_file>>
outbox_file::open(const std::filesystem::path& path) {
  int descriptor = ::open(path.c_str(),
                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (descriptor < 0)
    return io_failure("opening outbox file", path, errno);
  return std::unique_ptr<outbox_file>{new outbox_file{path, descriptor}};
}

outbox_file::outbox_file(std::filesystem::path path, int descriptor)
  : path_(std::move(path)), descriptor_(descriptor) {
}

outbox_file::~outbox_file() {
  ::close(descriptor_);
}

caf::error outbox_file::append(const outbox_entry& entry,
                               date::sys_seconds now) {
  nlohmann::json line = {
    {"time", date::format("%FT%TZ", now)},
    {"channel", entry.channel},
    {"to", mask_address(entry.to)},
    {"subject", entry.subject},
    {"body", entry.body},
  };
  // Invalid UTF-8 from alert text becomes U+FFFD instead of an exception.
  auto text = line.dump(-1, ' ', false,
                        nlohmann::json::error_handler_t::replace);
  text += '\n';

  // O_APPEND puts the whole line at the end in one step. The loop only
  // continues after a short write, which a local file produces only when
  // the disk fills up.
  std::lock_guard guard{mutex_};
  std::size_t written = 0;
  while (written < text.size()) {
    auto result = ::write(descriptor_, text.data() + written,
                          text.size() - written);
    if (result < 0 && errno == EINTR)
      continue;
    if (result < 0)
      return io_failure("appending to outbox file", path_, errno);
    written += static_cast<std::size_t>(result);
  }
  return {};
}

} // namespace tropos::channels
