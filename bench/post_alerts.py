#!/usr/bin/python3
"""Open many incidents in troposd through its Alertmanager webhook.

Posts Alertmanager v4 bodies to
http://127.0.0.1:PORT/api/v1/integrations/KEY/alertmanager over a few
keep-alive connections. Alert i has the labels {alertname="A", n="<i>"},
the summary "s <i>" and a fingerprint that no other alert of the run
shares, so every alert opens its own incident. bench/incident_memory.sh
runs it.

Every response other than 202 fails the run (exit status 1). The run is
bounded by --max-seconds. Standard library only.
"""

import argparse
import http.client
import json
import sys
import threading
import time


def build_body(first, count, fingerprint_prefix):
    alerts = []
    for i in range(first, first + count):
        alerts.append({
            "status": "firing",
            "labels": {"alertname": "A", "n": str(i)},
            "annotations": {"summary": f"s {i}"},
            "fingerprint": f"{fingerprint_prefix:04x}{i:012x}",
        })
    body = {"version": "4", "status": "firing", "alerts": alerts}
    return json.dumps(body, separators=(",", ":")).encode()


class RunState:
    """Request numbers still to send and the first failure, shared by the
    connection threads."""

    def __init__(self, requests, deadline):
        self.lock = threading.Lock()
        self.next_request = 0
        self.requests = requests
        self.deadline = deadline
        self.accepted = 0
        self.error = None

    def take(self):
        with self.lock:
            if self.error is not None or self.next_request >= self.requests:
                return None
            if time.monotonic() > self.deadline:
                self.error = "--max-seconds reached after " \
                    f"{self.next_request} of {self.requests} requests"
                return None
            number = self.next_request
            self.next_request += 1
            return number

    def fail(self, message):
        with self.lock:
            if self.error is None:
                self.error = message


def post_requests(args, state, path):
    connection = http.client.HTTPConnection("127.0.0.1", args.port,
                                            timeout=args.request_timeout)
    try:
        while (number := state.take()) is not None:
            first = number * args.alerts_per_request
            count = min(args.alerts_per_request, args.incidents - first)
            body = build_body(first, count, args.fingerprint_prefix)
            try:
                connection.request("POST", path, body=body, headers={
                    "Content-Type": "application/json"})
                response = connection.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException) as error:
                state.fail(f"request {number} failed: {error!r}")
                return
            if response.status != 202:
                state.fail(f"request {number}: HTTP {response.status} "
                           f"{text[:200]!r}")
                return
            with state.lock:
                state.accepted += count
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True,
                        help="integration key of type alertmanager")
    parser.add_argument("--incidents", type=int, default=100_000,
                        help="alerts to post, one incident each")
    parser.add_argument("--alerts-per-request", type=int, default=100)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--fingerprint-prefix", type=lambda text: int(text, 16),
                        default=0x7e57,
                        help="4 hex digits that start every fingerprint; "
                             "change it to post new alerts to the same "
                             "data dir")
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="stop sending after this many seconds")
    parser.add_argument("--request-timeout", type=float, default=60,
                        help="seconds to wait for one response")
    args = parser.parse_args()
    if args.incidents < 1 or not 1 <= args.alerts_per_request <= 1000:
        parser.error("--incidents must be at least 1 and "
                     "--alerts-per-request between 1 and 1000")

    requests = -(-args.incidents // args.alerts_per_request)
    started = time.monotonic()
    state = RunState(requests, started + args.max_seconds)
    path = f"/api/v1/integrations/{args.key}/alertmanager"
    threads = [threading.Thread(target=post_requests, args=(args, state, path))
               for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    print(f"post_alerts: accepted={state.accepted} of {args.incidents} "
          f"requests={requests} connections={args.connections} "
          f"seconds={elapsed:.2f} alerts_per_second="
          f"{state.accepted / elapsed:.0f}")
    if state.error is not None:
        print(f"post_alerts: error: {state.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
