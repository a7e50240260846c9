#!/usr/bin/env bash
# Builds troposd with the test clock and warnings as errors, then runs every
# test: unit tests, the layering check and the end-to-end tests against the
# real binary with aiosmtpd, Prism and Alertmanager on 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

export CCACHE_BASEDIR="$PWD"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.ccache}"
jobs="${TROPOS_JOBS:-$(nproc)}"

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTROPOS_TESTING=ON -DTROPOS_WERROR=ON
cmake --build build-test -j "$jobs"
ctest --test-dir build-test -j "$jobs" --output-on-failure --timeout 600
