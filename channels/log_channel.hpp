// The demo "log" channel: instead of calling a provider it appends each
// message it would have sent to a local outbox file, one JSON object per
// line, so a first run of the daemon calls no outside host.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <date/date.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace tropos::channels {

/// One message the log channel would have sent.
struct outbox_entry {
  /// The channel that would have carried it: "sms", "voice", "email", ...
  std::string channel;
  /// Recipient address in full; the file gets it masked.
  std::string to;
  std::string subject;
  std::string body;
};

/// An append-only file of would-be messages. Each line is a JSON object
/// {"time", "channel", "to", "subject", "body"} with `to` masked by
/// `mask_address`. Safe to share between threads.
class outbox_file {
public:
  /// Opens `path` for appending, creating it with mode 0600 when missing.
  /// Fails with `ec::io_error` naming the path and errno text.
  static caf::expected<std::unique_ptr<outbox_file>>
  open(const std::filesystem::path& path);

  ~outbox_file();

  outbox_file(const outbox_file&) = delete;
  outbox_file& operator=(const outbox_file&) = delete;

  // NOTE: this is blocking file I/O. It suits the demo channel, whose lines
  // are small and rare; a production channel must not do this from an
  // actor.
  /// Appends one line for `entry` stamped with `now`, in one write(2) call
  /// unless the write comes up short, so the line is in the file (though not
  /// necessarily on disk) when this returns. Fails with `ec::io_error`.
  caf::error append(const outbox_entry& entry, date::sys_seconds now);

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

private:
  outbox_file(std::filesystem::path path, int descriptor);

  std::filesystem::path path_;
  int descriptor_;
  std::mutex mutex_;
};

} // namespace tropos::channels
