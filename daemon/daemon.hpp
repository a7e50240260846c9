// The composition root of troposd: opens storage, spawns the actors,
// recovers state, serves HTTP and talks to systemd.
#pragma once

#include "conf/config.hpp"

namespace tropos::daemon {

/// Runs the daemon until SIGTERM or SIGINT; returns the exit code.
int run(const conf::config& cfg);

/// Sets up the process-wide logger: journald under systemd, else stderr.
void setup_logging();

} // namespace tropos::daemon
