"""Fixtures for the end-to-end tests: the real troposd binary and real peers.

Every server runs on 127.0.0.1 at a port picked by binding port 0:

- ``make_daemon`` starts troposd with a temp config, data folder and secret
  files, and stops it after the test (SIGTERM, then SIGKILL). On a failed
  test the daemon log is printed.
- ``smtp_server`` is aiosmtpd in this process; it records each envelope.
- ``twilio`` is Prism serving the Twilio API spec (started once per session,
  about 10 s) behind a recording proxy. The proxy records every request,
  forwards it to Prism and returns Prism's response, unless a scripted
  response is queued. Prism returns 422 for a request that breaks the spec.
- ``make_alertmanager`` starts Debian's prometheus-alertmanager with a
  webhook receiver and a pagerduty receiver pointed at troposd.

The daemon runs on a manual clock: ``Daemon.advance`` and ``Daemon.set_clock``
fire due timers, but the effects (commits, SMS, e-mail) follow
asynchronously, so tests poll with ``wait_until`` and check for absence
with ``assert_holds`` instead of sleeping.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from support import (PRISM, SOURCE_DIR, TWILIO_SPEC, Alertmanager, Daemon,
                     MailRecorder, TwilioStandIn, pick_free_port,
                     wait_for_port)


@pytest.fixture
def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    return pick_free_port()


@pytest.fixture(scope="session")
def twilio_session(tmp_path_factory):
    """Start Prism with the Twilio spec and the recording proxy once."""
    if not PRISM.exists():
        pytest.fail(f"{PRISM} is missing: run "
                    f"npm install --prefix {SOURCE_DIR / 'tests/tools'}")
    port = pick_free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log_path, "wb") as log:
        prism = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port),
             str(TWILIO_SPEC)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"})
    try:
        wait_for_port(port, 90, prism)
    except RuntimeError as err:
        prism.kill()
        prism.wait()
        pytest.fail(f"Prism did not start: {err}\n{log_path.read_text()}")
    stand_in = TwilioStandIn(port)
    yield stand_in
    stand_in.close()
    prism.terminate()
    try:
        prism.wait(timeout=10)
    except subprocess.TimeoutExpired:
        prism.kill()
        prism.wait()


@pytest.fixture
def twilio(twilio_session):
    """Give a test the Twilio stand-in with an empty script.

    After the test, fails it when any request of the test got 422 from
    Prism, which means troposd broke the Twilio API spec.
    """
    twilio_session.clear_script()
    first = len(twilio_session.requests)
    yield twilio_session
    twilio_session.clear_script()
    invalid = [r for r in twilio_session.requests[first:] if r.status == 422]
    assert not invalid, ("Prism rejected requests that break the Twilio "
                         "spec: " + "; ".join(
                             f"{r.method} {r.path} {r.body!r} -> "
                             f"{r.response_body!r}" for r in invalid))


@pytest.fixture
def smtp_server():
    """Run an aiosmtpd server on 127.0.0.1 that records each message."""
    recorder = MailRecorder()
    recorder.port = pick_free_port()
    controller = Controller(recorder, hostname="127.0.0.1",
                            port=recorder.port)
    controller.start()
    yield recorder
    controller.stop()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item for fixture teardown."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


def _test_failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


@pytest.fixture
def make_daemon(tmp_path, request):
    """Return a function that creates and starts a Daemon.

    Its keyword arguments go to Daemon. Each daemon is stopped after the
    test, and its log is printed when the test failed.
    """
    daemons: list[Daemon] = []

    def make(start: bool = True, **options: Any) -> Daemon:
        daemon = Daemon(tmp_path / f"troposd-{len(daemons) + 1}", **options)
        daemons.append(daemon)
        if start:
            daemon.start()
        return daemon

    yield make
    for daemon in daemons:
        code = daemon.stop()
        if code not in (None, 0):
            print(f"troposd in {daemon.folder} exited with {code} on SIGTERM")
        if _test_failed(request):
            print(f"=== troposd log {daemon.log_path} ===")
            print(daemon.log_text())


@pytest.fixture
def make_alertmanager(tmp_path, request):
    """Return a function (daemon, webhook_key, routing_key) that starts
    Alertmanager with a webhook and/or a pagerduty receiver."""
    managers: list[Alertmanager] = []

    def make(daemon: Daemon, webhook_key: str | None = None,
             routing_key: str | None = None) -> Alertmanager:
        manager = Alertmanager(tmp_path / f"alertmanager-{len(managers) + 1}",
                               daemon, webhook_key, routing_key)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.stop()
        if _test_failed(request):
            print(f"=== Alertmanager log {manager.log_path} ===")
            print(manager.log_path.read_text(errors="replace"))
