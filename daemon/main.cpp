// troposd: the Tropos alerting and on-call daemon.

#include "conf/config.hpp"
#include "daemon/daemon.hpp"
#include "domain/error.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

constexpr const char* usage = R"(usage: troposd [--config FILE]
       troposd --check-config FILE

  --config FILE        run the daemon with this config
                       (default /etc/tropos/troposd.toml)
  --check-config FILE  validate the config and the files it names, then exit:
                       0 when valid, 1 with a message naming the bad key
  --version            print the version and exit
)";

} // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/tropos/troposd.toml";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "--check-config") && i + 1 < argc) {
      config_path = argv[++i];
      check_only = arg == "--check-config";
    } else if (arg == "--version") {
      std::puts("troposd 0.1.0");
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "troposd: unknown or incomplete argument \"%s\"\n%s",
                   arg.c_str(), usage);
      return 2;
    }
  }

  auto cfg = tropos::conf::load_config(config_path);
  if (!cfg) {
    std::fprintf(stderr, "troposd: %s\n",
                 tropos::describe(cfg.error()).c_str());
    return 1;
  }
  if (check_only) {
    if (auto err = tropos::conf::check_files(*cfg)) {
      std::fprintf(stderr, "troposd: %s\n", tropos::describe(err).c_str());
      return 1;
    }
    std::printf("troposd: %s is valid\n", config_path.c_str());
    return 0;
  }
  tropos::daemon::setup_logging();
  return tropos::daemon::run(*cfg);
}
