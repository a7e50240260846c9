// A real SMTP server for tests: Debian's aiosmtpd on a free loopback port,
// with a small handler that stores each message's envelope and raw bytes so
// tests can check exactly what arrived. It does not offer SMTPUTF8,
// STARTTLS or AUTH.
#pragma once

#include "tests/support/mail.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tropos::test {

/// One message as the SMTP server received it.
struct received_mail {
  /// The MAIL FROM address.
  std::string mail_from;
  /// Every RCPT TO address, in order.
  std::vector<std::string> rcpt_tos;
  /// The message bytes after DATA, dot-unstuffed, without the final ".".
  std::string data;
};

namespace detail {

// aiosmtpd calls handle_DATA once per message. The handler writes a JSON
// file per message and renames it into place, so a reader never sees a
// partial file.
inline constexpr const char* capture_handler_source = R"PY(
import base64
import itertools
import json
import os


class CaptureHandler:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("CaptureHandler takes one argument: the directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        number = next(self.counter)
        content = envelope.original_content or envelope.content
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": base64.b64encode(content).decode("ascii"),
        }
        partial = os.path.join(self.directory, "%06d.partial" % number)
        with open(partial, "w") as out:
            json.dump(record, out)
        os.rename(partial, os.path.join(self.directory, "%06d.json" % number))
        return "250 Message accepted"
)PY";

} // namespace detail

/// aiosmtpd on 127.0.0.1 at a free port, stopped in the destructor.
class smtp_server {
public:
  /// Starts the server and waits until it accepts connections. Throws
  /// std::runtime_error with the server's output when it does not start
  /// within `start_timeout`.
  explicit smtp_server(
    std::chrono::milliseconds start_timeout = std::chrono::seconds{30})
    : dir_("tropos-smtp"), port_(free_loopback_port()) {
    std::filesystem::create_directories(mailbox());
    std::ofstream{dir_ / "tropos_capture.py"} << detail::capture_handler_source;

    process_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/python3", "-m", "aiosmtpd", "-n",
                               "-l", "127.0.0.1:" + std::to_string(port_),
                               "-c", "tropos_capture.CaptureHandler",
                               mailbox().string()},
      std::vector<std::string>{"PYTHONPATH=" + dir_.path().string(),
                               "PYTHONUNBUFFERED=1"},
      dir_ / "server.log");
    if (!wait_for_port(port_, start_timeout, process_.get()))
      throw std::runtime_error{"aiosmtpd did not start on port "
                               + std::to_string(port_) + ":\n" + log()};
  }

  uint16_t port() const noexcept {
    return port_;
  }

  /// "smtp://127.0.0.1:PORT".
  std::string url() const {
    return "smtp://127.0.0.1:" + std::to_string(port_);
  }

  /// Returns the messages received so far, oldest first.
  std::vector<received_mail> messages() const {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator{mailbox()})
      if (entry.path().extension() == ".json")
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());

    std::vector<received_mail> out;
    for (const auto& file : files) {
      std::ifstream input{file};
      auto record = nlohmann::json::parse(input);
      received_mail mail;
      mail.mail_from = record.at("mail_from").get<std::string>();
      mail.rcpt_tos = record.at("rcpt_tos").get<std::vector<std::string>>();
      mail.data = decode_base64(
        record.at("data").get<std::string>());
      out.push_back(std::move(mail));
    }
    return out;
  }

  /// Waits until at least `count` messages arrived or `timeout` passed and
  /// returns the messages received by then.
  std::vector<received_mail>
  wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto received = messages();
    while (received.size() < count
           && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
      received = messages();
    }
    return received;
  }

  /// Returns the server's stdout and stderr so far.
  std::string log() const {
    return process_ ? process_->output() : std::string{};
  }

private:
  std::filesystem::path mailbox() const {
    return dir_ / "mailbox";
  }

  temp_dir dir_;
  uint16_t port_;
  std::unique_ptr<child_process> process_;
};

} // namespace tropos::test
