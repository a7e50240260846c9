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

# Tree 1: g++ with warnings as errors, every test including end-to-end.
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTROPOS_TESTING=ON -DTROPOS_WERROR=ON
cmake --build build-test -j "$jobs"
status=0
ctest --test-dir build-test -j "$jobs" --output-on-failure --timeout 600 \
  || status=$?

# Tree 2 runs even when tree 1 failed, so one run reports both; the exit
# status is non-zero if either failed.
# Tree 2: clang with AddressSanitizer and UBSan, the unit tests and a short
# run of every fuzz target. TROPOS_SKIP_SANITIZE=1 skips it locally.
if [[ "${TROPOS_SKIP_SANITIZE:-0}" != 1 ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug -DTROPOS_TESTING=ON -DTROPOS_SANITIZE=ON \
    -DTROPOS_BUILD_FUZZ=ON -DTROPOS_FUZZ_SECONDS="${TROPOS_FUZZ_SECONDS:-20}"
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j "$jobs" -L 'unit|fuzz' --output-on-failure \
    || status=$?
fi
exit "$status"
