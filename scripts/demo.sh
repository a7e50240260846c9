#!/usr/bin/env bash
# Builds troposd and runs it on conf/demo.toml with its data under .demo/.
# The demo's channels only write to .demo/outbox.jsonl and the log.
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/install-deps.sh

cmake -S . -B build-demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTROPOS_BUILD_TESTS=OFF
cmake --build build-demo --target troposd troposctl -j "$(nproc)"

# Secrets of the demo: created once, readable by the owner only.
mkdir -p .demo
chmod 700 .demo
[[ -s .demo/storage.key ]] || (umask 077; openssl rand -hex 32 > .demo/storage.key)
[[ -s .demo/admin-token ]] || (umask 077; openssl rand -hex 24 > .demo/admin-token)

cat <<TEXT

troposd is starting on http://127.0.0.1:8080 (stop it with Ctrl-C).
Send a first alert from another terminal:

  curl -X POST http://127.0.0.1:8080/api/v1/integrations/am-postgres-0001/alertmanager \\
    -H 'Content-Type: application/json' \\
    -d '{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"db-1"},"annotations":{"summary":"Disk full on db-1"},"fingerprint":"demo-1"}]}'

Then see the page in .demo/outbox.jsonl and the incident with:

  TROPOS_TOKEN=\$(cat .demo/admin-token) build-demo/cli/troposctl incidents

TEXT
exec build-demo/daemon/troposd --config conf/demo.toml
