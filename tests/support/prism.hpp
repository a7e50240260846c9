// Prism (npm @stoplight/prism-cli) as a mock of a vendor API: it responds
// from an OpenAPI spec and returns 422 for a request that breaks the spec,
// so tests prove that requests conform. Prism prints each request and each
// validation problem to stdout, which `log()` returns.
#pragma once

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tropos::test {

#ifdef TROPOS_SOURCE_DIR
/// Returns the path of the Prism binary that tests/tools/package.json
/// installs.
inline std::filesystem::path default_prism_path() {
  return std::filesystem::path{TROPOS_SOURCE_DIR}
         / "tests/tools/node_modules/.bin/prism";
}
#endif

/// `prism mock` on 127.0.0.1 at a free port, stopped in the destructor.
class prism_server {
public:
  /// Starts Prism serving `spec` and waits until it accepts connections.
  /// Prism takes about 10 s to start on a 2-core machine. Throws
  /// std::runtime_error with Prism's output when it does not start within
  /// `start_timeout`.
  prism_server(std::filesystem::path spec, std::filesystem::path prism,
               std::chrono::milliseconds start_timeout
               = std::chrono::seconds{90})
    : dir_("tropos-prism"), port_(free_loopback_port()) {
    if (!std::filesystem::exists(spec))
      throw std::runtime_error{"spec not found: " + spec.string()};
    if (!std::filesystem::exists(prism))
      throw std::runtime_error{"prism not found: " + prism.string()
                               + " (run npm ci in tests/tools)"};

    process_ = std::make_unique<child_process>(
      std::vector<std::string>{prism.string(), "mock", "-h", "127.0.0.1",
                               "-p", std::to_string(port_), spec.string()},
      std::vector<std::string>{"NO_COLOR=1", "FORCE_COLOR=0"},
      dir_ / "prism.log");
    if (!wait_for_port(port_, start_timeout, process_.get()))
      throw std::runtime_error{"prism did not start on port "
                               + std::to_string(port_) + ":\n" + log()};
  }

  uint16_t port() const noexcept {
    return port_;
  }

  /// "http://127.0.0.1:PORT", the base URL that replaces the vendor's.
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  /// Returns Prism's stdout and stderr so far.
  std::string log() const {
    return process_ ? process_->output() : std::string{};
  }

private:
  temp_dir dir_;
  uint16_t port_;
  std::unique_ptr<child_process> process_;
};

} // namespace tropos::test
