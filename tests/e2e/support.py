"""Helpers for the end-to-end tests: troposd and its peers as Python objects.

The fixtures that create them live in conftest.py. Every server runs on
127.0.0.1 at a port picked by binding port 0.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable


SOURCE_DIR = Path(os.environ.get("TROPOS_SOURCE_DIR", "/work/main"))
SHARED_DIR = Path(os.environ.get(
    "TROPOS_SHARED_DIR", Path(__file__).resolve().parent.parent / "fixtures"))
TROPOSD = Path(os.environ.get("TROPOSD", "/work/main/build/daemon/troposd"))
PRISM = SOURCE_DIR / "tests/tools/node_modules/.bin/prism"
TWILIO_SPEC = SHARED_DIR / "specs/twilio_api_v2010.json"
ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")
AMTOOL = Path("/usr/bin/amtool")

#: The number troposd sends SMS from. Inbound replies are addressed to it.
TWILIO_FROM = "+15005550001"
#: Seconds a negative check waits for something that must not happen.
QUIET_SECONDS = 0.6


# --- small helpers -----------------------------------------------------------


def pick_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0,
               what: str = "the condition", interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns a truthy value and return that.

    Raises AssertionError naming ``what`` when ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for "
                                 f"{what}")
        time.sleep(interval)


def assert_holds(predicate: Callable[[], Any],
                 seconds: float = QUIET_SECONDS,
                 what: str = "the condition") -> None:
    """Assert that ``predicate`` stays truthy for ``seconds`` seconds."""
    deadline = time.monotonic() + seconds
    while True:
        assert predicate(), f"{what} stopped holding"
        if time.monotonic() >= deadline:
            return
        time.sleep(0.05)


def wait_for_port(port: int, timeout: float,
                  process: subprocess.Popen | None = None) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections.

    Raises RuntimeError when ``process`` exits first or on timeout.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} "
                               f"before port {port} opened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open within {timeout} s")


@dataclass
class Response:
    """An HTTP response read to the end."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(method: str, url: str, body: bytes | str | None = None,
                 headers: dict[str, str] | None = None,
                 timeout: float = 10.0) -> Response:
    """Send one HTTP request and return the response, whatever its status."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if isinstance(body, str):
        body = body.encode()
    connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                            timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        reply = connection.getresponse()
        return Response(reply.status,
                        {k.lower(): v for k, v in reply.getheaders()},
                        reply.read())
    finally:
        connection.close()


def twilio_signature(auth_token: str, url: str,
                     params: list[tuple[str, str]]) -> str:
    """Compute X-Twilio-Signature the way Twilio signs a form POST.

    The signed text is the full URL followed by each parameter name and
    value with no separators, sorted by name and then by value. The
    signature is the base64 HMAC-SHA1 of that text, keyed with the auth
    token.
    """
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


def twiml_messages(response: Response) -> list[str]:
    """Return the texts of the <Message> elements of a TwiML response."""
    root = ElementTree.fromstring(response.body)
    assert root.tag == "Response", response.text
    return [element.text or "" for element in root.iter("Message")]


def rfc3339(seconds_since_epoch: float) -> str:
    """Format a Unix time as RFC 3339 UTC with milliseconds."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S",
                          time.gmtime(int(seconds_since_epoch)))
    millis = int((seconds_since_epoch % 1) * 1000)
    return f"{whole}.{millis:03d}Z"


# --- Twilio: Prism behind a recording proxy ----------------------------------


@dataclass
class ProviderRequest:
    """One request that reached the Twilio stand-in, with its response."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: Status returned to troposd, or 0 while the response is pending.
    status: int = 0
    response_body: bytes = b""
    #: True when the response came from the script, not from Prism.
    scripted: bool = False
    #: True when troposd closed the connection before reading the response.
    client_gone: bool = False
    received_at: float = field(default_factory=time.monotonic)

    @property
    def form(self) -> dict[str, str]:
        """The form fields, each with its first value."""
        fields = urllib.parse.parse_qs(self.body.decode(),
                                       keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}


@dataclass
class ScriptedResponse:
    """A response the proxy returns instead of forwarding to Prism."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class TwilioStandIn:
    """Prism serving the Twilio spec, behind a recording, scriptable proxy."""

    def __init__(self, prism_port: int):
        self.prism_port = prism_port
        self.requests: list[ProviderRequest] = []
        self.scripted: deque[ScriptedResponse] = deque()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0),
                                          self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        """The value for [twilio] api_base."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, status: int, body: str | dict = "",
               headers: dict[str, str] | None = None) -> None:
        """Queue a response for the next request instead of forwarding it."""
        if isinstance(body, dict):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        with self.lock:
            self.scripted.append(ScriptedResponse(status, body, headers or {}))

    def clear_script(self) -> None:
        with self.lock:
            self.scripted.clear()

    def messages(self, account_sid: str) -> list[ProviderRequest]:
        """Return the Messages.json POSTs of one account that got a response."""
        path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        with self.lock:
            return [r for r in self.requests
                    if r.path == path and r.method == "POST" and r.status]

    def of_account(self, account_sid: str) -> list[ProviderRequest]:
        """Return every request under one account, pending ones included."""
        prefix = f"/2010-04-01/Accounts/{account_sid}/"
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        record = ProviderRequest(handler.command, handler.path,
                                 dict(handler.headers.items()), body)
        with self.lock:
            self.requests.append(record)
            scripted = self.scripted.popleft() if self.scripted else None

        if scripted is not None:
            status = scripted.status
            headers = scripted.headers
            payload = scripted.body.encode()
            record.scripted = True
        else:
            forwarded = {k: v for k, v in handler.headers.items()
                         if k.lower() not in ("host", "connection")}
            reply = http_request(handler.command,
                                 f"http://127.0.0.1:{self.prism_port}"
                                 f"{handler.path}",
                                 body, forwarded, timeout=30)
            status = reply.status
            payload = reply.body
            headers = {}
            if "content-type" in reply.headers:
                headers["Content-Type"] = reply.headers["content-type"]

        with self.lock:
            record.response_body = payload
            record.status = status
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The provider handled the request, but troposd went away (the
            # crash tests kill it) before reading the response.
            record.client_gone = True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in._handle(self)

            def do_POST(self) -> None:
                stand_in._handle(self)

            def do_DELETE(self) -> None:
                stand_in._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


# --- SMTP: aiosmtpd in this process ------------------------------------------


@dataclass
class ReceivedMail:
    """One message accepted by the SMTP recorder."""

    mail_from: str
    rcpt_tos: list[str]
    #: The DATA section as received, before any decoding.
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class MailRecorder:
    """aiosmtpd handler that stores every envelope it accepts."""

    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        with self.lock:
            self.mails.append(ReceivedMail(envelope.mail_from,
                                           list(envelope.rcpt_tos), raw))
        return "250 OK"

    def received(self) -> list[ReceivedMail]:
        with self.lock:
            return list(self.mails)

    def to(self, address: str) -> list[ReceivedMail]:
        """Return the messages with ``address`` among the recipients."""
        return [m for m in self.received() if address in m.rcpt_tos]


# --- troposd -----------------------------------------------------------------


class Daemon:
    """A troposd process with its own config, data folder and secrets.

    Paths in the config are relative, so they also check that troposd
    resolves them against the config's folder.
    """

    def __init__(self, folder: Path, *, twilio: TwilioStandIn | None = None,
                 smtp: MailRecorder | None = None,
                 public_url: str | None = None,
                 twilio_auth_token: str | None = None,
                 clock_start: str = "2025-04-10T10:00:00Z",
                 extra_config: str = ""):
        self.folder = folder
        self.folder.mkdir(parents=True)
        self.twilio = twilio
        self.smtp = smtp
        self.port = pick_free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.public_url = public_url or self.base_url
        self.admin_token = secrets.token_hex(16)
        self.twilio_auth_token = twilio_auth_token or secrets.token_hex(16)
        self.account_sid = "AC" + secrets.token_hex(16)
        self.clock_start = clock_start
        self.extra_config = extra_config
        self.config_path = folder / "troposd.toml"
        self.log_path = folder / "troposd.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

        self._write_secret("storage.key", secrets.token_hex(32) + "\n")
        self._write_secret("admin-token", self.admin_token + "\n")
        self._write_secret("twilio-token", self.twilio_auth_token + "\n")
        self.write_config()

    def _write_secret(self, name: str, text: str) -> None:
        path = self.folder / name
        path.write_text(text)
        path.chmod(0o600)

    def write_config(self) -> None:
        """Write the config file from the current settings."""
        lines = [
            "[server]",
            f'listen = "127.0.0.1:{self.port}"',
            f'public_url = "{self.public_url}"',
            'admin_token_file = "admin-token"',
            "",
            "[storage]",
            'path = "data"',
            'key_file = "storage.key"',
            "",
            "[testing]",
            'clock = "manual"',
            f'clock_start = "{self.clock_start}"',
        ]
        if self.twilio is not None:
            lines += [
                "",
                "[twilio]",
                f'account_sid = "{self.account_sid}"',
                'auth_token_file = "twilio-token"',
                f'from_number = "{TWILIO_FROM}"',
                f'api_base = "{self.twilio.base_url}"',
            ]
        if self.smtp is not None:
            lines += [
                "",
                "[smtp]",
                f'url = "smtp://127.0.0.1:{self.smtp.port}"',
                'from = "Tropos <tropos@example.test>"',
            ]
        text = "\n".join(lines) + "\n"
        if self.extra_config:
            text += "\n" + self.extra_config + "\n"
        self.config_path.write_text(text)

    # Process control.

    def start(self, timeout: float = 20.0) -> None:
        """Start troposd and wait until /readyz returns 200."""
        assert self.process is None, "troposd is already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(TROPOSD), "--config", str(self.config_path)],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.folder)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise RuntimeError(f"troposd exited with {code} during "
                                   f"startup:\n{self.log_text()}")
            try:
                if http_request("GET", self.base_url + "/readyz",
                                timeout=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise RuntimeError(f"troposd not ready within {timeout} s:\n"
                                   f"{self.log_text()}")
            time.sleep(0.05)

    def stop(self) -> int | None:
        """Send SIGTERM, wait up to 10 s, then send SIGKILL. Return the exit code."""
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def kill9(self) -> None:
        """Kill troposd with SIGKILL, as a crash would."""
        assert self.process is not None, "troposd is not running"
        self.process.kill()
        self.process.wait()
        self.process = None

    def restart(self, clock_start: str | None = None) -> None:
        """Stop troposd if it runs and start it again on the same data.

        The manual clock restarts at ``clock_start`` (default: the previous
        start instant), since it is not stored.
        """
        self.stop()
        if clock_start is not None:
            self.clock_start = clock_start
            self.write_config()
        self.start()

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    # HTTP.

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None,
                admin: bool = True) -> Response:
        """Send a request to troposd, with the admin token when ``admin``."""
        all_headers = dict(headers or {})
        if admin:
            all_headers["Authorization"] = f"Bearer {self.admin_token}"
        return http_request(method, self.base_url + path, body, all_headers)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, document: Any, admin: bool = False,
                  headers: dict[str, str] | None = None) -> Response:
        """POST ``document`` as JSON. Open endpoints need no token."""
        return self.request("POST", path, json.dumps(document),
                            {"Content-Type": "application/json",
                             **(headers or {})}, admin=admin)

    def apply(self, toml_text: str) -> dict:
        """Apply a resources file and assert that troposd accepted it."""
        response = self.request("POST", "/api/v1/apply", toml_text,
                              {"Content-Type": "application/toml"})
        assert response.status == 200, response.text
        return response.json()

    def set_clock(self, instant: str) -> None:
        """Move the manual clock to ``instant`` (RFC 3339)."""
        response = self.post_json("/api/v1/testing/clock", {"set": instant},
                                admin=True)
        assert response.status == 200, response.text

    def advance(self, duration: str) -> None:
        """Move the manual clock forward by ``duration``, such as "2m"."""
        response = self.post_json("/api/v1/testing/clock",
                                {"advance": duration}, admin=True)
        assert response.status == 200, response.text

    def incidents(self, status: str | None = None) -> list[dict]:
        path = "/api/v1/incidents"
        if status:
            path += "?status=" + status
        response = self.get(path)
        assert response.status == 200, response.text
        return response.json()["incidents"]

    def incident(self, incident_id: int) -> dict:
        response = self.get(f"/api/v1/incidents/{incident_id}")
        assert response.status == 200, response.text
        return response.json()

    def alertmanager_webhook(self, key: str, document: dict) -> Response:
        return self.post_json(f"/api/v1/integrations/{key}/alertmanager",
                              document)

    def enqueue(self, event: dict) -> Response:
        """POST a PagerDuty Events v2 event to /v2/enqueue."""
        return self.post_json("/v2/enqueue", event)

    # Twilio.

    def sms(self, to: str | None = None) -> list[ProviderRequest]:
        """Return this daemon's SMS requests that got a response, optionally
        only those to one number."""
        assert self.twilio is not None, "the daemon has no [twilio] section"
        found = self.twilio.messages(self.account_sid)
        if to is not None:
            found = [r for r in found if r.form.get("To") == to]
        return found

    def sms_reply(self, sender: str, body: str, *,
                  signature: str | None = None, sign: bool = True,
                  url: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:
        """POST an inbound SMS to /api/v1/twilio/sms as Twilio would.

        The request is signed over ``url`` (default: public_url plus the
        path) with this daemon's auth token, unless ``signature`` gives the
        header value or ``sign`` is False.
        """
        params = [("AccountSid", self.account_sid), ("Body", body),
                  ("From", sender), ("MessageSid", "SM" + secrets.token_hex(16)),
                  ("To", TWILIO_FROM)]
        return self.post_twilio_form(params, signature=signature, sign=sign,
                                     url=url, headers=headers)

    def post_twilio_form(self, params: list[tuple[str, str]], *,
                         signature: str | None = None, sign: bool = True,
                         url: str | None = None,
                         headers: dict[str, str] | None = None) -> Response:
        """POST form ``params`` to /api/v1/twilio/sms, signed as requested."""
        path = "/api/v1/twilio/sms"
        all_headers = {"Content-Type": "application/x-www-form-urlencoded",
                       **(headers or {})}
        if signature is None and sign:
            signature = twilio_signature(self.twilio_auth_token,
                                         url or self.public_url + path,
                                         params)
        if signature is not None:
            all_headers["X-Twilio-Signature"] = signature
        return self.request("POST", path, urllib.parse.urlencode(params),
                            all_headers, admin=False)


# --- Alertmanager ------------------------------------------------------------


class Alertmanager:
    """prometheus-alertmanager with receivers pointed at troposd."""

    def __init__(self, folder: Path, daemon: Daemon,
                 webhook_key: str | None, routing_key: str | None):
        self.folder = folder
        self.folder.mkdir(parents=True)
        self.port = pick_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "alertmanager.log"
        config = folder / "alertmanager.yml"
        config.write_text(self._config(daemon, webhook_key, routing_key))
        (folder / "data").mkdir()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(ALERTMANAGER), f"--config.file={config}",
                 f"--storage.path={folder / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}",
                 "--cluster.listen-address="],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        wait_until(self._ready, 30, "Alertmanager /-/ready")

    @staticmethod
    def _config(daemon: Daemon, webhook_key: str | None,
                routing_key: str | None) -> str:
        # Each alert is its own group ('...'), and both receivers get every
        # alert: the first route continues to the second.
        routes = []
        receivers = ["  - name: blackhole"]
        if webhook_key:
            routes.append("    - receiver: tropos-webhook\n"
                          "      continue: true")
            receivers.append(
                "  - name: tropos-webhook\n"
                "    webhook_configs:\n"
                f"      - url: {daemon.base_url}/api/v1/integrations/"
                f"{webhook_key}/alertmanager\n"
                "        send_resolved: true")
        if routing_key:
            routes.append("    - receiver: tropos-pagerduty")
            receivers.append(
                "  - name: tropos-pagerduty\n"
                "    pagerduty_configs:\n"
                f"      - routing_key: {routing_key}\n"
                f"        url: {daemon.base_url}/v2/enqueue\n"
                "        send_resolved: true")
        return ("route:\n"
                "  receiver: blackhole\n"
                "  group_by: ['...']\n"
                "  group_wait: 1s\n"
                "  group_interval: 1s\n"
                "  repeat_interval: 1h\n"
                "  routes:\n" + "\n".join(routes) + "\n"
                "receivers:\n" + "\n".join(receivers) + "\n")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("Alertmanager exited:\n"
                               + self.log_path.read_text())
        try:
            return http_request("GET", self.url + "/-/ready",
                                timeout=2).status == 200
        except OSError:
            return False

    def fire(self, labels: dict[str, str],
             annotations: dict[str, str] | None = None) -> None:
        """Fire an alert with amtool."""
        command = [str(AMTOOL), "alert", "add",
                   f"--alertmanager.url={self.url}"]
        command += [f"{name}={value}" for name, value in labels.items()]
        for name, value in (annotations or {}).items():
            command.append(f"--annotation={name}={value}")
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 0, done.stderr

    def resolve(self, labels: dict[str, str]) -> None:
        """Resolve a firing alert: post it again, ending now (API v2)."""
        current = http_request("GET", self.url + "/api/v2/alerts").json()
        match = [a for a in current if a["labels"] == labels]
        assert match, f"no alert with labels {labels} in {current}"
        alert = {"labels": labels,
                 "annotations": match[0].get("annotations", {}),
                 "startsAt": match[0]["startsAt"],
                 "endsAt": rfc3339(time.time())}
        response = http_request("POST", self.url + "/api/v2/alerts",
                              json.dumps([alert]),
                              {"Content-Type": "application/json"})
        assert response.status == 200, response.text

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
