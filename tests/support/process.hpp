// Child processes for tests that run real peers (SMTP server, Prism, the
// daemon itself): output captured to a file, stopped in the destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tropos::test {

/// A child process in its own process group, with stdin from /dev/null and
/// stdout and stderr both written to `output_file`. The destructor sends
/// SIGTERM to the group, waits up to 5 s and then sends SIGKILL.
class child_process {
public:
  /// Starts `argv` (argv[0] is searched in PATH when it has no '/') with the
  /// current environment plus `extra_env` entries of the form NAME=VALUE,
  /// which replace variables of the same name. Throws std::system_error
  /// when the process cannot be started.
  child_process(std::vector<std::string> argv,
                std::vector<std::string> extra_env,
                std::filesystem::path output_file)
    : output_file_(std::move(output_file)) {
    if (argv.empty())
      throw std::invalid_argument{"child_process needs a program to run"};

    auto environment = merge_environment(extra_env);
    std::vector<char*> argv_pointers = pointers(argv);
    std::vector<char*> env_pointers = pointers(environment);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output_file_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);

    // A group of its own lets stop() reach grandchildren too, such as the
    // node process behind a wrapper script.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP
                                            | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes, &empty);

    int rc = posix_spawnp(&pid_, argv.front().c_str(), &actions, &attributes,
                          argv_pointers.data(), env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0)
      throw std::system_error{rc, std::generic_category(),
                              "starting " + argv.front()};
  }

  ~child_process() {
    stop();
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept {
    return pid_;
  }

  /// Returns true while the process has not exited.
  bool running() {
    if (exited_)
      return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = status;
    }
    return !exited_;
  }

  /// Stops the process group: SIGTERM, up to 5 s for the process to exit,
  /// then SIGKILL to the whole group so no grandchild outlives the test.
  /// Later calls do nothing.
  void stop() {
    if (stopped_)
      return;
    stopped_ = true;
    if (running()) {
      ::kill(-pid_, SIGTERM);
      auto deadline = std::chrono::steady_clock::now()
                      + std::chrono::seconds{5};
      while (running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    ::kill(-pid_, SIGKILL);
    if (!exited_) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exited_ = true;
      exit_status_ = status;
    }
  }

  /// Returns the raw wait status once the process has exited.
  int exit_status() const noexcept {
    return exit_status_;
  }

  const std::filesystem::path& output_file() const noexcept {
    return output_file_;
  }

  /// Returns what the process wrote to stdout and stderr so far.
  std::string output() const {
    std::ifstream file{output_file_, std::ios::binary};
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
  }

private:
  static std::vector<std::string>
  merge_environment(const std::vector<std::string>& extra_env) {
    std::vector<std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string current{*entry};
      auto name = current.substr(0, current.find('=') + 1);
      bool replaced = false;
      for (const auto& extra : extra_env)
        replaced = replaced || extra.rfind(name, 0) == 0;
      if (!replaced)
        merged.push_back(std::move(current));
    }
    merged.insert(merged.end(), extra_env.begin(), extra_env.end());
    return merged;
  }

  static std::vector<char*> pointers(std::vector<std::string>& texts) {
    std::vector<char*> out;
    for (auto& text : texts)
      out.push_back(text.data());
    out.push_back(nullptr);
    return out;
  }

  std::filesystem::path output_file_;
  pid_t pid_ = -1;
  bool exited_ = false;
  bool stopped_ = false;
  int exit_status_ = 0;
};

/// Returns true when 127.0.0.1:`port` accepts a TCP connection within
/// `timeout`. Gives up early, returning false, when `child` is given and
/// exits first.
inline bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout,
                          child_process* child = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address),
                               sizeof(address)) == 0;
    ::close(fd);
    if (connected)
      return true;
    if (child != nullptr && !child->running())
      return false;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

} // namespace tropos::test
