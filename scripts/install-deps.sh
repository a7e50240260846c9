#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing
# troposd need, and the npm test tools into tests/tools. Installs only what
# is missing, so a second run is quick. Run as root.
set -euo pipefail

cd "$(dirname "$0")/.."

build_packages=(
  build-essential cmake ninja-build pkg-config ccache
  libcaf-dev libboost-dev libboost-system-dev libcurl4-openssl-dev
  libsodium-dev liblmdb-dev libssl-dev nlohmann-json3-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libsystemd-dev
  libhowardhinnant-date-dev zlib1g-dev liboath-dev libgtest-dev tzdata
  openssl
)
test_packages=(
  python3 python3-pytest python3-aiosmtpd prometheus-alertmanager lmdb-utils
  curl clang-14 libclang-rt-14-dev
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  packages+=("${test_packages[@]}")
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" && ! -x tests/tools/node_modules/.bin/prism ]]; then
  echo "install-deps: installing the npm test tools into tests/tools"
  (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error)
fi
