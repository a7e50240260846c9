"""Behaviour cases from real bug reports, run against the troposd binary.

Each test is one case or sub-case, with the case's own input and its exact
expected result. The cases are C01 (weekly rotation across DST), C06
(escalation step boundary and repeat count), C07 (pending notifications
stop at the ack), C09 (resolved before firing), C11 (Events v2 dedup_key
scope), C16 (Twilio signature behind a TLS proxy) and C18 (SMS reply
parsing and STOP).
"""

import hashlib
import json
import re
import urllib.parse

import pytest

from support import (assert_holds, twilio_signature,
                     twiml_messages, wait_until)

AVA_PHONE = "+15005550006"
BEN_PHONE = "+15005550007"
CLEO_PHONE = "+15005550008"
UNKNOWN_PHONE = "+15005550009"

SMS_PATTERN = re.compile(r"^Tropos: Alert #(\d+): .*\. Reply (\d+)a to ack, "
                         r"\2c to close\.$")


def sms_bodies(daemon, phone=None):
    return [r.form["Body"] for r in daemon.sms(phone)]


def parse_sms(body):
    """Return (incident id, reply code) from a page's SMS text."""
    match = SMS_PATTERN.match(body)
    assert match, body
    return int(match.group(1)), int(match.group(2))


def step_clock(daemon, instant, expected_sms):
    """Move the clock to ``instant`` and check that exactly
    ``expected_sms`` SMS have then reached Twilio in total."""
    daemon.set_clock(instant)
    wait_until(lambda: len(daemon.sms()) >= expected_sms, what=f"SMS number "
               f"{expected_sms} by {instant}")
    assert_holds(lambda: len(daemon.sms()) == expected_sms,
                 what=f"{expected_sms} SMS in total at {instant}")


# --- C01: weekly rotation handoff across DST end and start --------------------

C01_RESOURCES = """
[[users]]
id = "ava"

[[users]]
id = "ben"

[[users]]
id = "cleo"

[[schedules]]
id = "db-primary"
time_zone = "America/Chicago"

  [[schedules.layers]]
  name = "weekly"
  rotation = "weekly"
  handoff = "2024-09-30T09:00:00-05:00"
  participants = ["ava", "ben", "cleo"]
"""

C01_ON_CALL = [
    ("2024-11-04T13:59:59Z", "ben"),
    ("2024-11-04T14:00:00Z", "ben"),
    ("2024-11-04T14:30:00Z", "ben"),
    ("2024-11-04T14:59:59Z", "ben"),
    ("2024-11-04T15:00:00Z", "cleo"),
    ("2025-03-10T13:59:59Z", "ben"),
    ("2025-03-10T14:00:00Z", "cleo"),
    ("2025-03-10T14:30:00Z", "cleo"),
    ("2025-03-10T15:00:00Z", "cleo"),
]


@pytest.fixture
def c01_daemon(make_daemon):
    daemon = make_daemon(clock_start="2024-09-01T00:00:00Z")
    daemon.apply(C01_RESOURCES)
    return daemon


def test_c01_on_call_across_dst(c01_daemon):
    for at, expected in C01_ON_CALL:
        response = c01_daemon.get("/api/v1/schedules/db-primary/on-call?at="
                                + urllib.parse.quote(at))
        assert response.status == 200, response.text
        assert response.json()["users"] == [expected], at


@pytest.mark.parametrize("window, expected", [
    (("2024-10-28T00:00:00Z", "2024-11-12T00:00:00Z"),
     [("ben", "2024-10-28T14:00:00Z", "2024-11-04T15:00:00Z"),
      ("cleo", "2024-11-04T15:00:00Z", "2024-11-11T15:00:00Z")]),
    (("2025-03-01T00:00:00Z", "2025-03-18T00:00:00Z"),
     [("ben", "2025-03-03T15:00:00Z", "2025-03-10T14:00:00Z"),
      ("cleo", "2025-03-10T14:00:00Z", "2025-03-17T14:00:00Z")]),
], ids=["dst-end", "dst-start"])
def test_c01_shifts_across_dst(c01_daemon, window, expected):
    start, end = window
    response = c01_daemon.get("/api/v1/schedules/db-primary/shifts?from="
                            + urllib.parse.quote(start) + "&to="
                            + urllib.parse.quote(end))

    assert response.status == 200, response.text
    shifts = [(s["user"], s["start"], s["end"])
              for s in response.json()["shifts"]]
    for shift in expected:
        assert shift in shifts, shifts
    # Exactly one person at every instant of the window: the shifts are
    # ordered, each starts where the previous one ends, and they cover it.
    assert shifts == sorted(shifts, key=lambda s: s[1])
    for before, after in zip(shifts, shifts[1:]):
        assert before[2] == after[1], (before, after)
    assert shifts[0][1] <= start
    assert shifts[-1][2] >= end


# --- C06: escalation step boundary and repeat count ---------------------------

C06_RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [{{ id = "ava-sms", type = "sms", address = "{AVA_PHONE}" }}]
notification_rules = [{{ contact_method = "ava-sms", delay = "0s" }}]

[[users]]
id = "ben"
contact_methods = [{{ id = "ben-sms", type = "sms", address = "{BEN_PHONE}" }}]
notification_rules = [{{ contact_method = "ben-sms", delay = "0s" }}]

[[escalation_policies]]
id = "c06"
repeat = 1

  [[escalation_policies.levels]]
  delay = "2m"
  targets = [{{ user = "ava" }}]

  [[escalation_policies.levels]]
  delay = "2m"
  targets = [{{ user = "ben" }}]

[[services]]
id = "c06"
escalation_policy = "c06"
integration_keys = [{{ key = "R0UTINGKEYC06000000000000000C06", type = "events_v2" }}]
"""


def test_c06_step_boundary_and_repeat_count(make_daemon, twilio):
    daemon = make_daemon(twilio=twilio)
    daemon.apply(C06_RESOURCES)

    response = daemon.enqueue({
        "routing_key": "R0UTINGKEYC06000000000000000C06",
        "event_action": "trigger", "dedup_key": "c06",
        "payload": {"summary": "Escalation test", "source": "c06",
                    "severity": "critical"}})
    assert response.status == 202, response.text

    # Each SMS is checked at its nominal instant and not one step earlier.
    wait_until(lambda: daemon.sms(), what="the 10:00:00 SMS")
    step_clock(daemon, "2025-04-10T10:00:30Z", 1)
    step_clock(daemon, "2025-04-10T10:01:59Z", 1)
    step_clock(daemon, "2025-04-10T10:02:00Z", 2)
    step_clock(daemon, "2025-04-10T10:03:59Z", 2)
    step_clock(daemon, "2025-04-10T10:04:00Z", 3)
    step_clock(daemon, "2025-04-10T10:05:59Z", 3)
    step_clock(daemon, "2025-04-10T10:06:00Z", 4)
    step_clock(daemon, "2025-04-10T10:06:30Z", 4)
    step_clock(daemon, "2025-04-10T10:15:00Z", 4)

    recipients = [r.form["To"] for r in daemon.sms()]
    assert recipients == [AVA_PHONE, BEN_PHONE, AVA_PHONE, BEN_PHONE]
    assert all(r.status == 201 for r in daemon.sms())
    incident = daemon.incidents()[0]
    assert incident["status"] == "triggered"
    assert incident["acknowledged_by"] == ""
    assert [e["at"] for e in incident["timeline"]
            if e["event"] == "escalated"] == [
        "2025-04-10T10:00:00Z", "2025-04-10T10:02:00Z",
        "2025-04-10T10:04:00Z", "2025-04-10T10:06:00Z"]


# --- C07: pending notifications stop once the incident is acknowledged ------

# Ava's Slack DM of the case is left out: troposd has no Slack channel yet.
# Voice calls fail as unsupported, so they reach no provider either way.
C07_RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [
  {{ id = "ava-voice", type = "voice", address = "{AVA_PHONE}" }},
  {{ id = "ava-sms", type = "sms", address = "{AVA_PHONE}" }},
  {{ id = "ava-email", type = "email", address = "ava@example.test" }},
]
notification_rules = [
  {{ contact_method = "ava-voice", delay = "0s" }},
  {{ contact_method = "ava-sms", delay = "1m" }},
  {{ contact_method = "ava-email", delay = "5m" }},
]

[[users]]
id = "ben"
contact_methods = [
  {{ id = "ben-sms", type = "sms", address = "{BEN_PHONE}" }},
  {{ id = "ben-voice", type = "voice", address = "{BEN_PHONE}" }},
]
notification_rules = [
  {{ contact_method = "ben-sms", delay = "0s" }},
  {{ contact_method = "ben-voice", delay = "2m" }},
]

[[users]]
id = "cleo"
contact_methods = [
  {{ id = "cleo-sms", type = "sms", address = "{CLEO_PHONE}" }},
  {{ id = "cleo-email", type = "email", address = "cleo@example.test" }},
]
notification_rules = [
  {{ contact_method = "cleo-sms", delay = "0s" }},
  {{ contact_method = "cleo-email", delay = "0s" }},
]

[[escalation_policies]]
id = "c07"

  [[escalation_policies.levels]]
  delay = "10m"
  targets = [{{ user = "ava" }}, {{ user = "ben" }}]

  [[escalation_policies.levels]]
  delay = "10m"
  targets = [{{ user = "cleo" }}]

[[services]]
id = "c07"
escalation_policy = "c07"
integration_keys = [{{ key = "R0UTINGKEYC07000000000000000C07", type = "events_v2" }}]
"""


def test_c07_sms_ack_cancels_pending_notifications(make_daemon, twilio,
                                                   smtp_server):
    daemon = make_daemon(twilio=twilio, smtp=smtp_server,
                         clock_start="2025-04-10T11:00:00Z")
    daemon.apply(C07_RESOURCES)
    response = daemon.enqueue({
        "routing_key": "R0UTINGKEYC07000000000000000C07",
        "event_action": "trigger", "dedup_key": "c07-run-2",
        "payload": {"summary": "Run 2", "source": "c07",
                    "severity": "critical"}})
    assert response.status == 202, response.text
    ben_sms = wait_until(lambda: daemon.sms(BEN_PHONE), what="Ben's SMS")
    incident_id, code = parse_sms(ben_sms[0].form["Body"])
    wait_until(lambda: "voice calls are not supported" in daemon.log_text(),
               what="Ava's voice call to fail as unsupported")

    daemon.set_clock("2025-04-10T11:00:30Z")
    reply = daemon.sms_reply(BEN_PHONE, f"{code}a")

    assert reply.status == 200, reply.text
    assert twiml_messages(reply) == [f"Acknowledged alert #{incident_id}."]
    incident = daemon.incident(incident_id)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_by"] == "ben"
    # Ava's SMS (+1 min) and e-mail (+5 min), Ben's call (+2 min) and
    # Cleo's level 2 (+10 min) never reach a provider.
    for instant in ("2025-04-10T11:01:00Z", "2025-04-10T11:02:00Z",
                    "2025-04-10T11:05:00Z", "2025-04-10T11:10:00Z",
                    "2025-04-10T11:30:00Z"):
        daemon.set_clock(instant)
        assert_holds(lambda: len(twilio.of_account(daemon.account_sid)) == 1,
                     what=f"one Twilio request in total at {instant}")
        assert smtp_server.received() == []
    assert daemon.incident(incident_id)["acknowledged_by"] == "ben"


# --- C09: "resolved" arriving before (or without) "firing" ------------------

C09_STEP_1 = r'''{"version":"4","groupKey":"{}:{alertname=\"WebEndpointDown\"}","truncatedAlerts":0,"status":"resolved","receiver":"oncall","groupLabels":{"alertname":"WebEndpointDown"},"commonLabels":{"alertname":"WebEndpointDown","instance":"web-1.example.test:443","severity":"critical"},"commonAnnotations":{"summary":"web-1 endpoint down"},"externalURL":"http://am.example.test:9093","alerts":[{"status":"resolved","labels":{"alertname":"WebEndpointDown","instance":"web-1.example.test:443","severity":"critical"},"annotations":{"summary":"web-1 endpoint down"},"startsAt":"2025-04-10T10:00:00Z","endsAt":"2025-04-10T10:04:30Z","generatorURL":"http://prom.example.test:9090/graph","fingerprint":"5fe91a8c0a1b2c3d"}]}'''  # noqa: E501

C09_RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [
  {{ id = "ava-sms", type = "sms", address = "{AVA_PHONE}" }},
  {{ id = "ava-email", type = "email", address = "ava@example.test" }},
]
notification_rules = [
  {{ contact_method = "ava-sms", delay = "0s" }},
  {{ contact_method = "ava-email", delay = "0s" }},
]

[[escalation_policies]]
id = "c09"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ava" }}]

[[services]]
id = "c09"
escalation_policy = "c09"
integration_keys = [{{ key = "am-c09-0001", type = "alertmanager" }}]
"""


def c09_firing(starts_at):
    """Step 1's body with both statuses firing and the given startsAt."""
    document = json.loads(C09_STEP_1)
    document["status"] = "firing"
    alert = document["alerts"][0]
    alert["status"] = "firing"
    alert["startsAt"] = starts_at
    alert["endsAt"] = "0001-01-01T00:00:00Z"
    return json.dumps(document, separators=(",", ":"))


def test_c09_resolved_before_firing(make_daemon, twilio, smtp_server):
    daemon = make_daemon(twilio=twilio, smtp=smtp_server,
                         clock_start="2025-04-10T10:05:00Z")
    daemon.apply(C09_RESOURCES)
    path = "/api/v1/integrations/am-c09-0001/alertmanager"
    headers = {"Content-Type": "application/json"}

    step_1 = daemon.request("POST", path, C09_STEP_1, headers, admin=False)

    assert 200 <= step_1.status < 300, step_1.text
    assert daemon.incidents() == []
    assert_holds(lambda: twilio.of_account(daemon.account_sid) == []
                 and smtp_server.received() == [],
                 what="no notification after step 1")

    daemon.set_clock("2025-04-10T10:05:05Z")
    step_2 = daemon.request("POST", path, c09_firing("2025-04-10T10:00:00Z"),
                            headers, admin=False)

    assert 200 <= step_2.status < 300, step_2.text
    assert daemon.incidents() == []
    assert_holds(lambda: twilio.of_account(daemon.account_sid) == []
                 and smtp_server.received() == [],
                 what="no notification after step 2")

    daemon.set_clock("2025-04-10T10:20:00Z")
    step_3 = daemon.request("POST", path, c09_firing("2025-04-10T10:15:00Z"),
                            headers, admin=False)

    assert 200 <= step_3.status < 300, step_3.text
    incidents = daemon.incidents()
    assert len(incidents) == 1
    assert incidents[0]["status"] == "triggered"
    assert incidents[0]["summary"] == "web-1 endpoint down"
    wait_until(lambda: daemon.sms(AVA_PHONE), what="the first SMS")
    wait_until(lambda: smtp_server.to("ava@example.test"),
               what="the first e-mail")
    assert_holds(lambda: len(daemon.sms()) == 1
                 and len(smtp_server.received()) == 1,
                 what="one SMS and one e-mail")


# --- C11: PagerDuty Events v2 dedup_key scope and reuse ---------------------

RK_A = "R0UTINGKEYA00000000000000000000A"
RK_B = "R0UTINGKEYB00000000000000000000B"

C11_RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [{{ id = "ava-sms", type = "sms", address = "{AVA_PHONE}" }}]
notification_rules = [{{ contact_method = "ava-sms", delay = "0s" }}]

[[users]]
id = "ben"
contact_methods = [{{ id = "ben-sms", type = "sms", address = "{BEN_PHONE}" }}]
notification_rules = [{{ contact_method = "ben-sms", delay = "0s" }}]

[[users]]
id = "cleo"
contact_methods = [{{ id = "cleo-sms", type = "sms", address = "{CLEO_PHONE}" }}]
notification_rules = [{{ contact_method = "cleo-sms", delay = "0s" }}]

[[escalation_policies]]
id = "a"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ava" }}]

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "cleo" }}]

[[escalation_policies]]
id = "b"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ben" }}]

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "cleo" }}]

[[services]]
id = "service-a"
escalation_policy = "a"
integration_keys = [{{ key = "{RK_A}", type = "events_v2" }}]

[[services]]
id = "service-b"
escalation_policy = "b"
integration_keys = [{{ key = "{RK_B}", type = "events_v2" }}]
"""


def c11_trigger(routing_key=RK_A, summary="Disk full on db-1"):
    return {"routing_key": routing_key, "event_action": "trigger",
            "dedup_key": "disk-full",
            "payload": {"summary": summary, "source": "db-1",
                        "severity": "critical"}}


def snapshot(daemon):
    """Return the fields of every incident that an event could change."""
    return [(i["id"], i["status"], i["event_count"], i["updated_at"])
            for i in daemon.incidents()]


def paged_incidents(daemon, phone):
    return [parse_sms(body)[0] for body in sms_bodies(daemon, phone)]


def test_c11_dedup_key_scope_and_reuse(make_daemon, twilio):
    daemon = make_daemon(twilio=twilio)
    daemon.apply(C11_RESOURCES)

    # 1: incident IA on service A, paged.
    first = daemon.enqueue(c11_trigger())
    assert first.status == 202, first.text
    assert first.json()["status"] == "success"
    assert first.json()["dedup_key"] == "disk-full"
    [ia] = daemon.incidents()
    assert ia["service"] == "service-a"
    wait_until(lambda: paged_incidents(daemon, AVA_PHONE) == [ia["id"]],
               what="IA paged to Ava")

    # 2: a separate incident IB on service B, paged.
    second = daemon.enqueue(c11_trigger(RK_B, "Disk full on db-9"))
    assert second.status == 202, second.text
    [ib] = [i for i in daemon.incidents() if i["id"] != ia["id"]]
    assert ib["service"] == "service-b"
    assert ib["summary"] == "Disk full on db-9"
    wait_until(lambda: paged_incidents(daemon, BEN_PHONE) == [ib["id"]],
               what="IB paged to Ben")

    # 3: the same key again adds an event to IA and sends no page.
    third = daemon.enqueue(c11_trigger(summary="Disk still full on db-1"))
    assert third.status == 202, third.text
    assert len(daemon.incidents()) == 2
    assert daemon.incident(ia["id"])["event_count"] == 2
    assert_holds(lambda: len(daemon.sms()) == 2, what="no page for event 3")

    # 4: resolving the key on A leaves IB open and escalating.
    fourth = daemon.enqueue({"routing_key": RK_A, "event_action": "resolve",
                             "dedup_key": "disk-full"})
    assert fourth.status == 202, fourth.text
    assert daemon.incident(ia["id"])["status"] == "resolved"
    assert daemon.incident(ib["id"])["status"] == "triggered"
    daemon.set_clock("2025-04-10T10:05:00Z")
    wait_until(lambda: paged_incidents(daemon, CLEO_PHONE) == [ib["id"]],
               what="IB's level 2 paged to Cleo")

    # 5: the resolved key opens a new incident IA2 on A.
    fifth = daemon.enqueue(c11_trigger())
    assert fifth.status == 202, fifth.text
    [ia2] = [i for i in daemon.incidents("triggered")
             if i["service"] == "service-a"]
    assert ia2["id"] not in (ia["id"], ib["id"])
    wait_until(lambda: paged_incidents(daemon, AVA_PHONE)
               == [ia["id"], ia2["id"]], what="IA2 paged to Ava")

    # 6: a trigger without a key gets a generated one that resolves exactly
    # its incident.
    sixth = daemon.enqueue({"routing_key": RK_A, "event_action": "trigger",
                            "payload": {"summary": "No key given",
                                        "source": "db-2",
                                        "severity": "warning"}})
    assert sixth.status == 202, sixth.text
    generated = sixth.json()["dedup_key"]
    assert generated
    [keyless] = [i for i in daemon.incidents() if i["dedup_key"] == generated]
    assert keyless["summary"] == "No key given"
    wait_until(lambda: keyless["id"] in paged_incidents(daemon, AVA_PHONE),
               what="the keyless incident paged to Ava")
    before = snapshot(daemon)
    resolve = daemon.enqueue({"routing_key": RK_A,
                              "event_action": "resolve",
                              "dedup_key": generated})
    assert resolve.status == 202, resolve.text
    assert daemon.incident(keyless["id"])["status"] == "resolved"
    changed = [old for old, new in zip(before, snapshot(daemon)) if old != new]
    assert [c[0] for c in changed] == [keyless["id"]]

    # 7: acknowledging an unknown key changes nothing.
    before = snapshot(daemon)
    seventh = daemon.enqueue({"routing_key": RK_A,
                              "event_action": "acknowledge",
                              "dedup_key": "no-such-key"})
    assert 200 <= seventh.status < 500, seventh.text
    assert snapshot(daemon) == before

    # 8: a trigger without severity is rejected with a message.
    eighth = daemon.enqueue({"routing_key": RK_A, "event_action": "trigger",
                             "dedup_key": "bad",
                             "payload": {"summary": "missing severity",
                                         "source": "db-3"}})
    assert eighth.status == 400, eighth.text
    assert "severity" in eighth.text
    assert snapshot(daemon) == before
    assert_holds(lambda: len(daemon.sms()) == 5,
                 what="five pages: IA, IB, IB level 2, IA2, keyless")


# --- The fixture of C16 and C18: incident #345 paged to Ava with code 12 ----

C16_TOKEN = "5f1c0ffee5f1c0ffee5f1c0ffee5f1c0"

# Ava's contact methods are SMS and e-mail. Service "quiet" sends no page and
# fills incident numbers 1-333. Service "filler" takes Ava's reply codes
# 1-11. Service "db" pages #345 to Ava and Ben, then Cleo, and service
# "ben-only" pages #346 to Ben.
CASE_345_RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [
  {{ id = "ava-sms", type = "sms", address = "{AVA_PHONE}" }},
  {{ id = "ava-email", type = "email", address = "ava@example.test" }},
]
notification_rules = [
  {{ contact_method = "ava-sms", delay = "0s" }},
  {{ contact_method = "ava-email", delay = "0s" }},
]

[[users]]
id = "ben"
contact_methods = [{{ id = "ben-sms", type = "sms", address = "{BEN_PHONE}" }}]
notification_rules = [{{ contact_method = "ben-sms", delay = "0s" }}]

[[users]]
id = "cleo"
contact_methods = [{{ id = "cleo-sms", type = "sms", address = "{CLEO_PHONE}" }}]
notification_rules = [{{ contact_method = "cleo-sms", delay = "0s" }}]

[[users]]
id = "nobody"

[[escalation_policies]]
id = "quiet"

  [[escalation_policies.levels]]
  delay = "1h"
  targets = [{{ user = "nobody" }}]

[[escalation_policies]]
id = "filler"

  [[escalation_policies.levels]]
  delay = "1h"
  targets = [{{ user = "ava" }}]

[[escalation_policies]]
id = "db"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ava" }}, {{ user = "ben" }}]

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "cleo" }}]

[[escalation_policies]]
id = "ben-only"

  [[escalation_policies.levels]]
  delay = "1h"
  targets = [{{ user = "ben" }}]

[[services]]
id = "quiet"
escalation_policy = "quiet"
integration_keys = [{{ key = "am-quiet-0001", type = "alertmanager" }}]

[[services]]
id = "filler"
escalation_policy = "filler"
integration_keys = [{{ key = "am-filler-0001", type = "alertmanager" }}]

[[services]]
id = "db"
escalation_policy = "db"
integration_keys = [{{ key = "am-db-0001", type = "alertmanager" }}]

[[services]]
id = "ben-only"
escalation_policy = "ben-only"
integration_keys = [{{ key = "am-ben-only-0001", type = "alertmanager" }}]
"""


def firing_alerts(names):
    """Build an Alertmanager webhook body with one firing alert per name."""
    alerts = [{"status": "firing",
               "labels": {"alertname": "CaseFixture", "instance": name},
               "annotations": {"summary": f"{name} is down"},
               "startsAt": "2025-04-10T09:00:00Z",
               "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
               "fingerprint": hashlib.sha1(name.encode()).hexdigest()[:16]}
              for name in names]
    return {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
            "status": "firing", "receiver": "oncall", "groupLabels": {},
            "commonLabels": {"alertname": "CaseFixture"},
            "commonAnnotations": {}, "externalURL": "", "alerts": alerts}


def post_alerts(daemon, key, names):
    response = daemon.alertmanager_webhook(key, firing_alerts(names))
    assert response.status == 202, response.text


class Case345:
    """A daemon where incident #345 was paged to Ava with reply code 12 and
    is her only open incident, and #346 was paged to Ben only."""

    def __init__(self, make_daemon, twilio, smtp_server, **options):
        self.daemon = make_daemon(twilio=twilio, smtp=smtp_server, **options)
        daemon = self.daemon
        daemon.apply(CASE_345_RESOURCES)

        post_alerts(daemon, "am-quiet-0001", [f"quiet-{n}" for n in range(333)])
        post_alerts(daemon, "am-filler-0001", [f"filler-{n}" for n in range(11)])
        wait_until(lambda: len(daemon.sms(AVA_PHONE)) == 11, 20,
                   "Ava's pages for #334-#344")
        post_alerts(daemon, "am-db-0001", ["db-1"])
        wait_until(lambda: len(daemon.sms(AVA_PHONE)) == 12
                   and daemon.sms(BEN_PHONE), what="the pages for #345")
        post_alerts(daemon, "am-ben-only-0001", ["cache-1"])
        wait_until(lambda: len(daemon.sms(BEN_PHONE)) == 2,
                   what="Ben's page for #346")
        for filler in range(334, 345):
            response = daemon.request("POST",
                                    f"/api/v1/incidents/{filler}/resolve")
            assert response.status == 200, response.text

        assert parse_sms(daemon.sms(AVA_PHONE)[-1].form["Body"]) == (345, 12)
        self.ben_code = parse_sms(daemon.sms(BEN_PHONE)[0].form["Body"])[1]
        assert parse_sms(daemon.sms(BEN_PHONE)[1].form["Body"])[0] == 346
        assert daemon.incident(345)["summary"] == "db-1 is down"
        wait_until(lambda: len(smtp_server.received()) == 12,
                   what="Ava's e-mail for each page")
        self.sms_count = len(daemon.sms())
        self.mail_count = len(smtp_server.received())

    def status(self, incident_id):
        incident = self.daemon.incident(incident_id)
        return (incident["status"], incident["acknowledged_by"],
                incident["resolved_by"])

    def assert_no_new_sms(self):
        assert_holds(lambda: len(self.daemon.sms()) == self.sms_count,
                     what="no further SMS")


# --- C16: Twilio signature behind a TLS proxy and on a non-default port ----

C16_PARAMS = [("AccountSid", "AC00000000000000000000000000000000"),
              ("Body", "12a"), ("From", AVA_PHONE),
              ("MessageSid", "SM11111111111111111111111111111111"),
              ("To", "+15005550001")]
C16_TAMPERED = [(n, "12c" if n == "Body" else v) for n, v in C16_PARAMS]
C16_URLS = {
    "a": "https://oncall.example.test:8443/api/v1/twilio/sms",
    "b": "https://oncall.example.test/api/v1/twilio/sms",
    "c": "http://127.0.0.1:8080/api/v1/twilio/sms",
    "d": "http://oncall.example.test:8443/api/v1/twilio/sms",
}
C16_PUBLISHED = {
    "a": "AGAgjzvtPrSQoFWfQi7EyFOzglU=",
    "b": "NrimlzaCeD8MnxRXAWtdUOdvtaI=",
    "c": "AbgtcWqU2t8fZSN+6HYQsJ4MQY8=",
    "d": "bhnIK7U6sd9YmV7zL0EBOFFmyaA=",
}


def test_c16_signature_helper_matches_case():
    for name, url in C16_URLS.items():
        assert twilio_signature(C16_TOKEN, url, C16_PARAMS) \
            == C16_PUBLISHED[name], name


@pytest.mark.parametrize("sub_case", ["a", "b", "c", "d", "e", "f"])
def test_c16_signature_behind_tls_proxy(make_daemon, twilio, smtp_server,
                                        sub_case):
    case = Case345(make_daemon, twilio, smtp_server,
                   public_url="https://oncall.example.test:8443",
                   twilio_auth_token=C16_TOKEN)
    daemon = case.daemon
    params = C16_TAMPERED if sub_case == "e" else C16_PARAMS
    signature = None
    if sub_case != "f":
        signed_url = C16_URLS["a" if sub_case == "e" else sub_case]
        signature = twilio_signature(C16_TOKEN, signed_url, C16_PARAMS)
    proxy_headers = {"X-Forwarded-Proto": "https",
                     "X-Forwarded-Host": "oncall.example.test:8443"}

    response = daemon.post_twilio_form(params, signature=signature,
                                     sign=False, headers=proxy_headers)

    if sub_case in ("a", "b"):
        assert response.status == 200, response.text
        assert twiml_messages(response) == ["Acknowledged alert #345."]
        assert case.status(345) == ("acknowledged", "ava", "")
    else:
        assert response.status == 403, response.text
        assert "<Message>" not in response.text
        assert case.status(345) == ("triggered", "", "")
        assert "twilio-signature-rejected" in daemon.log_text()
        assert C16_TOKEN not in daemon.log_text()
    case.assert_no_new_sms()


# --- C18: inbound SMS reply parsing and STOP handling -----------------------


@pytest.fixture
def case_345(make_daemon, twilio, smtp_server):
    return Case345(make_daemon, twilio, smtp_server)


@pytest.mark.parametrize("body", ["12a", "12A", "  12a\n", "12 a", "'12a'",
                                  "ack", "ACK 345"])
def test_c18_reply_acknowledges(case_345, body):
    response = case_345.daemon.sms_reply(AVA_PHONE, body)

    assert response.status == 200, response.text
    assert twiml_messages(response) == ["Acknowledged alert #345."]
    assert case_345.status(345) == ("acknowledged", "ava", "")
    assert case_345.status(346) == ("triggered", "", "")
    case_345.assert_no_new_sms()


def test_c18_ack_of_unpaged_incident(case_345):
    response = case_345.daemon.sms_reply(AVA_PHONE, "ack 346")

    assert response.status == 200, response.text
    [message] = twiml_messages(response)
    assert "unknown" in message.lower() or "not available" in message.lower()
    assert case_345.status(346) == ("triggered", "", "")
    assert case_345.status(345) == ("triggered", "", "")


def test_c18_malformed_reply_gets_help(case_345):
    response = case_345.daemon.sms_reply(AVA_PHONE, "12x")

    assert response.status == 200, response.text
    [message] = twiml_messages(response)
    assert "12a to acknowledge" in message
    assert "12c to resolve" in message
    assert case_345.status(345) == ("triggered", "", "")


def test_c18_unknown_reply_code(case_345):
    response = case_345.daemon.sms_reply(AVA_PHONE, "13a")

    assert response.status == 200, response.text
    [message] = twiml_messages(response)
    assert "unknown reply code 13" in message.lower()
    assert case_345.status(345) == ("triggered", "", "")


def test_c18_reply_resolves(case_345):
    response = case_345.daemon.sms_reply(AVA_PHONE, "12c")

    assert response.status == 200, response.text
    assert twiml_messages(response) == ["Closed alert #345."]
    assert case_345.status(345) == ("resolved", "", "ava")


def test_c18_unknown_number_gets_no_reply(case_345):
    response = case_345.daemon.sms_reply(UNKNOWN_PHONE, "12a")

    assert response.status == 200, response.text
    assert twiml_messages(response) == []
    assert case_345.status(345) == ("triggered", "", "")
    case_345.assert_no_new_sms()


def test_c18_reply_after_ben_acked(case_345):
    daemon = case_345.daemon
    ben = daemon.sms_reply(BEN_PHONE, f"{case_345.ben_code}a")
    assert twiml_messages(ben) == ["Acknowledged alert #345."]

    response = daemon.sms_reply(AVA_PHONE, "12a")

    assert response.status == 200, response.text
    [message] = twiml_messages(response)
    assert "already acknowledged" in message
    assert case_345.status(345) == ("acknowledged", "ben", "")
    # Past level 2 (Cleo at 10:05): the escalation does not restart.
    daemon.advance("10m")
    case_345.assert_no_new_sms()
    assert daemon.sms(CLEO_PHONE) == []


def new_page_for_ava(case):
    """Open one more incident paged to Ava and return its id once her
    e-mail for it arrived."""
    daemon = case.daemon
    post_alerts(daemon, "am-filler-0001", ["late-1"])
    [late] = [i for i in daemon.incidents("triggered")
              if i["summary"] == "late-1 is down"]
    wait_until(lambda: any(f"#{late['id']}" in m.message["Subject"]
                           for m in daemon.smtp.to("ava@example.test")),
               what="Ava's e-mail for the new page")
    return late["id"]


@pytest.mark.parametrize("body", ["STOP", "stop "])
def test_c18_stop_disables_sms(case_345, body):
    daemon = case_345.daemon

    response = daemon.sms_reply(AVA_PHONE, body)

    assert response.status == 200, response.text
    assert twiml_messages(response) == []
    assert case_345.status(345) == ("triggered", "", "")
    late = new_page_for_ava(case_345)
    opted_out = re.compile(rf"incident={late} .*type=sms .*opted out")
    wait_until(lambda: opted_out.search(daemon.log_text()),
               what="the SMS job to fail because of the opt-out")
    case_345.assert_no_new_sms()


def test_c18_please_stop_is_not_opt_out(case_345):
    daemon = case_345.daemon

    response = daemon.sms_reply(AVA_PHONE, "please stop")

    assert response.status == 200, response.text
    [message] = twiml_messages(response)
    assert "12a to acknowledge" in message
    assert case_345.status(345) == ("triggered", "", "")
    late = new_page_for_ava(case_345)
    wait_until(lambda: any(parse_sms(r.form["Body"])[0] == late
                           for r in daemon.sms(AVA_PHONE)),
               what="an SMS to Ava for the new page")


def test_c18_start_after_stop_enables_sms(case_345):
    daemon = case_345.daemon
    assert twiml_messages(daemon.sms_reply(AVA_PHONE, "STOP")) == []

    response = daemon.sms_reply(AVA_PHONE, "START")

    assert response.status == 200, response.text
    late = new_page_for_ava(case_345)
    wait_until(lambda: any(parse_sms(r.form["Body"])[0] == late
                           for r in daemon.sms(AVA_PHONE)),
               what="an SMS to Ava for the new page")
