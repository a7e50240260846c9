"""The on-call model against the troposd binary: grouping, routing rules,
silences, maintenance windows, heartbeats, repeats, ack timeouts, manual
escalation and the iCal feed, plus the cases C02 (escalation part), C12 and
C25.

Every page is observed where it leaves troposd: SMS at the Twilio stand-in
(Prism behind the recording proxy) and e-mail at the aiosmtpd recorder. The
daemon runs on the manual clock, which starts at 2025-04-10T10:00:00Z
unless a test sets another start.
"""

import json
import re
import urllib.parse

from support import assert_holds, twiml_messages, wait_until

# Each person has an SMS and an e-mail contact method, both notified at once,
# so one page is one SMS plus one e-mail.
PEOPLE = {
    "ava": ("Ava Lindqvist", "+15005550006"),
    "ben": ("Ben Okafor", "+15005550007"),
    "cleo": ("Cleo Marchetti", "+15005550008"),
    "dana": ("Dana Whitfield", "+15005550010"),
    "eve": ("Eve Nakamura", "+15005550011"),
}

SMS_PATTERN = re.compile(r"^Tropos: Alert #(\d+): (.*)\. Reply (\d+)a to ack, "
                         r"\3c to close\.$")


def phone(person):
    return PEOPLE[person][1]


def email(person):
    return f"{person}@example.test"


def users_toml():
    """Return the [[users]] tables of everyone in PEOPLE."""
    blocks = []
    for person, (name, number) in PEOPLE.items():
        blocks.append(f"""
[[users]]
id = "{person}"
name = "{name}"
contact_methods = [
  {{ id = "{person}-sms", type = "sms", address = "{number}" }},
  {{ id = "{person}-email", type = "email", address = "{email(person)}" }},
]
notification_rules = [
  {{ contact_method = "{person}-sms", delay = "0s" }},
  {{ contact_method = "{person}-email", delay = "0s" }},
]
""")
    return "".join(blocks)


def policy_toml(policy_id, levels, repeat=0, extra=""):
    """Return an escalation policy whose levels are (delay, person) pairs."""
    text = f"""
[[escalation_policies]]
id = "{policy_id}"
repeat = {repeat}
{extra}
"""
    for delay, person in levels:
        text += f"""
  [[escalation_policies.levels]]
  delay = "{delay}"
  targets = [{{ user = "{person}" }}]
"""
    return text


def page_sms(daemon, person):
    """Return the SMS that paged ``person``, leaving out schedule notices."""
    return [r for r in daemon.sms(phone(person))
            if SMS_PATTERN.match(r.form["Body"])]


def page_mails(smtp, person):
    """Return the e-mails that paged ``person``, leaving out notices."""
    return [m for m in smtp.to(email(person))
            if m.message["Subject"].startswith("[Tropos] Alert #")]


def page_counts(daemon, smtp):
    """Return {person: (SMS count, e-mail count)} of pages, for everyone
    paged at least once."""
    counts = {}
    for person in PEOPLE:
        sms = len(page_sms(daemon, person))
        mails = len(page_mails(smtp, person))
        if sms or mails:
            counts[person] = (sms, mails)
    return counts


def expect_pages(daemon, smtp, what, **pages):
    """Wait until each named person has had that many pages in total (one
    SMS and one e-mail each) and nobody else any, then check that the
    counts stay so."""
    expected = {person: (count, count) for person, count in pages.items()
                if count}

    def reached():
        counts = page_counts(daemon, smtp)
        return all(counts.get(p, (0, 0))[0] >= n and counts.get(p, (0, 0))[1]
                   >= n for p, (n, _) in expected.items())

    wait_until(reached, what=what)
    assert_holds(lambda: page_counts(daemon, smtp) == expected,
                 what=f"{what}: pages {expected}")
    assert page_counts(daemon, smtp) == expected


def sms_incident_ids(daemon, person):
    """Return the incident ids of the SMS sent to ``person``, in order."""
    return [int(SMS_PATTERN.match(r.form["Body"]).group(1))
            for r in page_sms(daemon, person)]


def alert(status, labels, fingerprint, summary=None,
          starts_at="2025-04-10T09:59:00Z",
          ends_at="0001-01-01T00:00:00Z"):
    """Return one alert of an Alertmanager webhook v4 body."""
    return {"status": status, "labels": labels,
            "annotations": {"summary": summary or
                            f"{labels.get('alertname')} on "
                            f"{labels.get('instance', '?')}"},
            "startsAt": starts_at, "endsAt": ends_at, "generatorURL": "",
            "fingerprint": fingerprint}


def webhook(*alerts):
    """Return an Alertmanager webhook v4 body with ``alerts``."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "tropos", "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://am.example.test:9093",
            "alerts": list(alerts)}


def post_alerts(daemon, key, *alerts):
    response = daemon.alertmanager_webhook(key, webhook(*alerts))
    assert response.status == 202, response.text


def fire(daemon, key, labels, fingerprint, summary=None):
    post_alerts(daemon, key, alert("firing", labels, fingerprint, summary))


def resolve(daemon, key, labels, fingerprint, ends_at):
    post_alerts(daemon, key, alert("resolved", labels, fingerprint,
                                   ends_at=ends_at))


def incident_by_dedup_key(daemon, dedup_key):
    found = [i for i in daemon.incidents() if i["dedup_key"] == dedup_key]
    assert len(found) == 1, daemon.incidents()
    return found[0]


def alert_states(incident):
    return {a["dedup_key"]: a["status"] for a in incident["alerts"]}


def escalations(incident):
    """Return (instant, detail) of each "escalated" timeline entry."""
    return [(e["at"], e["detail"]) for e in incident["timeline"]
            if e["event"] == "escalated"]


# --- Grouping by alertname within group_window ------------------------------

GROUPING_RESOURCES = users_toml() + policy_toml("web", [("5m", "ava")]) + """
[[services]]
id = "web"
escalation_policy = "web"
group_by = ["alertname"]
group_window = "10m"
integration_keys = [{ key = "am-web-grouped-01", type = "alertmanager" }]
"""
GROUPING_KEY = "am-web-grouped-01"


def web_down(instance):
    return {"alertname": "WebDown", "instance": instance}


def start_daemon(make_daemon, twilio, smtp_server, resources, **options):
    daemon = make_daemon(twilio=twilio, smtp=smtp_server, **options)
    daemon.apply(resources)
    return daemon


def test_grouping_joins_and_resolves_last(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server,
                          GROUPING_RESOURCES)

    fire(daemon, GROUPING_KEY, web_down("web-1"), "a1a1a1a1a1a1a1a1")
    expect_pages(daemon, smtp_server, "the page for web-1", ava=1)
    daemon.set_clock("2025-04-10T10:09:59Z")
    fire(daemon, GROUPING_KEY, web_down("web-2"), "b2b2b2b2b2b2b2b2")

    expect_pages(daemon, smtp_server, "no page for web-2", ava=1)
    incidents = daemon.incidents()
    assert len(incidents) == 1, incidents
    incident_id = incidents[0]["id"]
    assert alert_states(incidents[0]) == {"a1a1a1a1a1a1a1a1": "firing",
                                          "b2b2b2b2b2b2b2b2": "firing"}

    resolve(daemon, GROUPING_KEY, web_down("web-1"), "a1a1a1a1a1a1a1a1",
            "2025-04-10T10:09:59Z")
    partial = daemon.incident(incident_id)
    assert partial["status"] == "triggered"
    assert alert_states(partial) == {"a1a1a1a1a1a1a1a1": "resolved",
                                     "b2b2b2b2b2b2b2b2": "firing"}

    resolve(daemon, GROUPING_KEY, web_down("web-2"), "b2b2b2b2b2b2b2b2",
            "2025-04-10T10:09:59Z")
    done = daemon.incident(incident_id)
    assert done["status"] == "resolved"
    assert done["resolved_by"] == "integration"
    assert alert_states(done) == {"a1a1a1a1a1a1a1a1": "resolved",
                                  "b2b2b2b2b2b2b2b2": "resolved"}
    daemon.advance("1h")
    expect_pages(daemon, smtp_server, "no page after the resolve", ava=1)
    assert len(daemon.incidents()) == 1


def test_grouping_window_end_opens_new(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server,
                          GROUPING_RESOURCES)
    fire(daemon, GROUPING_KEY, web_down("web-1"), "a1a1a1a1a1a1a1a1")
    expect_pages(daemon, smtp_server, "the page for web-1", ava=1)

    # The window is half-open: at opened_at + 10m an alert no longer joins.
    daemon.set_clock("2025-04-10T10:10:00Z")
    fire(daemon, GROUPING_KEY, web_down("web-2"), "b2b2b2b2b2b2b2b2")

    expect_pages(daemon, smtp_server, "the page for web-2", ava=2)
    first = incident_by_dedup_key(daemon, "a1a1a1a1a1a1a1a1")
    second = incident_by_dedup_key(daemon, "b2b2b2b2b2b2b2b2")
    assert second["id"] != first["id"]
    assert alert_states(second) == {"b2b2b2b2b2b2b2b2": "firing"}
    assert sms_incident_ids(daemon, "ava") == [first["id"], second["id"]]

    # Alertmanager sends a firing alert again at each repeat_interval: the
    # repeat stays in the incident that contains it, even after the window.
    fire(daemon, GROUPING_KEY, web_down("web-1"), "a1a1a1a1a1a1a1a1")
    expect_pages(daemon, smtp_server, "no page for the repeat", ava=2)
    assert len(daemon.incidents()) == 2
    assert alert_states(daemon.incident(first["id"])) == {
        "a1a1a1a1a1a1a1a1": "firing"}
    assert alert_states(daemon.incident(second["id"])) == {
        "b2b2b2b2b2b2b2b2": "firing"}

    resolve(daemon, GROUPING_KEY, web_down("web-1"), "a1a1a1a1a1a1a1a1",
            "2025-04-10T10:10:00Z")
    assert daemon.incident(first["id"])["status"] == "resolved"
    assert daemon.incident(second["id"])["status"] == "triggered"


# --- Silences and maintenance windows -----------------------------------------

MUTE_RESOURCES = users_toml() + policy_toml(
    "two-levels", [("5m", "ava"), ("5m", "ben")]) + """
[[services]]
id = "api"
escalation_policy = "two-levels"
integration_keys = [{ key = "am-api-mute-01", type = "alertmanager" }]

[[services]]
id = "web"
escalation_policy = "two-levels"
integration_keys = [{ key = "am-web-mute-01", type = "alertmanager" }]
"""
API_KEY = "am-api-mute-01"
WEB_KEY = "am-web-mute-01"


def add_mute(daemon, kind, document):
    response = daemon.post_json(f"/api/v1/{kind}", document, admin=True)
    assert response.status == 201, response.text
    return response.json()


def list_mutes(daemon, kind):
    response = daemon.get(f"/api/v1/{kind}")
    assert response.status == 200, response.text
    return response.json()


def delete_mute(daemon, kind, mute_id):
    response = daemon.request("DELETE", f"/api/v1/{kind}/{mute_id}")
    assert response.status == 200, response.text


def noisy(env, instance="api-1"):
    return {"alertname": "Noisy", "env": env, "instance": instance}


def test_silence_mutes_until_deleted(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MUTE_RESOURCES)
    silence = add_mute(daemon, "silences", {
        "matchers": ['alertname="Noisy"', 'env=~"stag.*"'],
        "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T11:00:00Z",
        "comment": "load test", "created_by": "ava"})
    assert silence["id"]
    assert [s["id"] for s in list_mutes(daemon, "silences")] == [silence["id"]]

    fire(daemon, API_KEY, noisy("staging"), "5151515151515151")
    muted = incident_by_dedup_key(daemon, "5151515151515151")
    assert muted["muted_by"] == "silence:" + silence["id"]
    fire(daemon, API_KEY, noisy("prod"), "9090909090909090")
    expect_pages(daemon, smtp_server, "the page for env=prod", ava=1)
    assert "muted_by" not in incident_by_dedup_key(daemon, "9090909090909090")

    # Past both levels: the muted incident never pages, the other one does.
    daemon.advance("10m")
    expect_pages(daemon, smtp_server, "level 2 of the unmuted incident",
                 ava=1, ben=1)
    assert sms_incident_ids(daemon, "ava") == [
        incident_by_dedup_key(daemon, "9090909090909090")["id"]]

    delete_mute(daemon, "silences", silence["id"])
    assert list_mutes(daemon, "silences") == []
    fire(daemon, API_KEY, noisy("staging", "api-2"), "5252525252525252")
    expect_pages(daemon, smtp_server, "the page after the delete", ava=2,
                 ben=1)
    assert "muted_by" not in incident_by_dedup_key(daemon, "5252525252525252")


def test_silence_ends_at_its_end(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MUTE_RESOURCES)
    silence = add_mute(daemon, "silences", {
        "matchers": ['alertname="Noisy"'],
        "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T10:30:00Z"})

    daemon.set_clock("2025-04-10T10:29:59Z")
    fire(daemon, API_KEY, noisy("staging"), "5151515151515151")
    assert incident_by_dedup_key(daemon, "5151515151515151")["muted_by"] \
        == "silence:" + silence["id"]
    daemon.set_clock("2025-04-10T10:30:00Z")
    fire(daemon, API_KEY, noisy("staging", "api-2"), "5252525252525252")

    expect_pages(daemon, smtp_server, "the page at the silence's end", ava=1)
    assert sms_incident_ids(daemon, "ava") == [
        incident_by_dedup_key(daemon, "5252525252525252")["id"]]


def test_repeat_after_silence_pages(make_daemon, twilio, smtp_server):
    """An alert that still fires when its silence ends pages on its repeat."""
    daemon = start_daemon(make_daemon, twilio, smtp_server, MUTE_RESOURCES)
    silence = add_mute(daemon, "silences", {
        "matchers": ['alertname="Noisy"'],
        "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T10:30:00Z"})

    fire(daemon, API_KEY, noisy("staging"), "5151515151515151")
    muted = incident_by_dedup_key(daemon, "5151515151515151")
    assert muted["muted_by"] == "silence:" + silence["id"]
    daemon.set_clock("2025-04-10T10:29:00Z")
    fire(daemon, API_KEY, noisy("staging"), "5151515151515151")
    expect_pages(daemon, smtp_server, "no page while muted")

    daemon.set_clock("2025-04-10T10:31:00Z")
    fire(daemon, API_KEY, noisy("staging"), "5151515151515151")
    expect_pages(daemon, smtp_server, "the page on the repeat", ava=1)
    assert sms_incident_ids(daemon, "ava") == [muted["id"]]
    unmuted = incident_by_dedup_key(daemon, "5151515151515151")
    assert "muted_by" not in unmuted
    assert unmuted["id"] == muted["id"]


def test_maintenance_mutes_one_service(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MUTE_RESOURCES)
    rejected = daemon.post_json("/api/v1/maintenance-windows", {
        "services": ["nosuch"], "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T11:00:00Z"}, admin=True)
    assert rejected.status == 400, rejected.text
    assert rejected.json()["error"]["field"] == "services[0]"
    window = add_mute(daemon, "maintenance-windows", {
        "services": ["api"], "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T11:00:00Z"})
    assert [w["id"] for w in list_mutes(daemon, "maintenance-windows")] \
        == [window["id"]]

    fire(daemon, API_KEY, noisy("prod"), "a0a0a0a0a0a0a0a0")
    fire(daemon, WEB_KEY, noisy("prod"), "a0a0a0a0a0a0a0a0")

    expect_pages(daemon, smtp_server, "the page for service web", ava=1)
    by_service = {i["service"]: i for i in daemon.incidents()}
    assert by_service["api"]["muted_by"] == "maintenance:" + window["id"]
    assert "muted_by" not in by_service["web"]
    assert sms_incident_ids(daemon, "ava") == [by_service["web"]["id"]]

    delete_mute(daemon, "maintenance-windows", window["id"])
    fire(daemon, API_KEY, noisy("prod", "api-2"), "a1a1a1a1a1a1a1a1")
    expect_pages(daemon, smtp_server, "the page after the delete", ava=2)


def test_maintenance_ends_at_its_end(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MUTE_RESOURCES)
    window = add_mute(daemon, "maintenance-windows", {
        "services": ["api"], "starts_at": "2025-04-10T10:00:00Z",
        "ends_at": "2025-04-10T10:20:00Z"})

    daemon.set_clock("2025-04-10T10:19:59Z")
    fire(daemon, API_KEY, noisy("prod"), "a0a0a0a0a0a0a0a0")
    assert incident_by_dedup_key(daemon, "a0a0a0a0a0a0a0a0")["muted_by"] \
        == "maintenance:" + window["id"]
    daemon.set_clock("2025-04-10T10:20:00Z")
    fire(daemon, API_KEY, noisy("prod", "api-2"), "a1a1a1a1a1a1a1a1")

    expect_pages(daemon, smtp_server, "the page at the window's end", ava=1)
    assert sms_incident_ids(daemon, "ava") == [
        incident_by_dedup_key(daemon, "a1a1a1a1a1a1a1a1")["id"]]


# --- Heartbeats --------------------------------------------------------------

HEARTBEAT_KEY = "hb-nightly-backup-01"
HEARTBEAT_RESOURCES = users_toml() + policy_toml("batch", [("5m", "ava")]) + f"""
[[services]]
id = "batch"
escalation_policy = "batch"

[[heartbeats]]
id = "nightly-backup"
service = "batch"
key = "{HEARTBEAT_KEY}"
interval = "10m"
grace = "1m"
"""


def beat(daemon, key=HEARTBEAT_KEY):
    return daemon.post_json(f"/api/v1/heartbeats/{key}", {})


def test_heartbeat_miss_pages_once(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server,
                          HEARTBEAT_RESOURCES)
    assert beat(daemon, "hb-unknown-key-01").status == 404
    response = beat(daemon)
    assert response.status == 202, response.text

    # The deadline is the last beat plus interval plus grace: 10:11:00.
    daemon.set_clock("2025-04-10T10:10:59Z")
    expect_pages(daemon, smtp_server, "no page before the deadline")
    assert daemon.incidents() == []
    daemon.set_clock("2025-04-10T10:11:00Z")
    expect_pages(daemon, smtp_server, "the page for the miss", ava=1)
    incident = daemon.incidents()[0]
    assert incident["dedup_key"] == "heartbeat:nightly-backup"
    assert incident["service"] == "batch"
    assert incident["status"] == "triggered"

    # Later checks find the same miss and page nobody again.
    daemon.advance("30m")
    daemon.advance("1h")
    expect_pages(daemon, smtp_server, "one page per miss", ava=1)
    assert len(daemon.incidents()) == 1

    response = beat(daemon)
    assert response.status == 202, response.text
    wait_until(lambda: daemon.incident(incident["id"])["status"]
               == "resolved", what="the beat to resolve the incident")

    # The next miss is a new incident: 11:41 beat, 11:52 deadline.
    daemon.set_clock("2025-04-10T11:51:59Z")
    expect_pages(daemon, smtp_server, "no page before the next deadline",
                 ava=1)
    daemon.set_clock("2025-04-10T11:52:00Z")
    expect_pages(daemon, smtp_server, "the page for the next miss", ava=2)
    ids = [i["id"] for i in daemon.incidents()]
    assert len(ids) == 2
    assert incident["id"] in ids


# --- Repeat loop ---------------------------------------------------------------

REPEAT_RESOURCES = users_toml() + policy_toml(
    "loop", [("5m", "ava"), ("10m", "ben")], repeat=2) + """
[[services]]
id = "loop"
escalation_policy = "loop"
integration_keys = [{ key = "am-loop-0001", type = "alertmanager" }]
"""


def test_repeat_two_pages_six_times(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, REPEAT_RESOURCES)
    fire(daemon, "am-loop-0001", web_down("web-1"), "1010101010101010")
    expect_pages(daemon, smtp_server, "pass 1, level 1", ava=1)

    # Three passes of (Ava, then Ben 5 minutes later), 15 minutes apart.
    steps = [("10:05:00", "ben"), ("10:15:00", "ava"), ("10:20:00", "ben"),
             ("10:30:00", "ava"), ("10:35:00", "ben")]
    pages = {"ava": 1, "ben": 0}
    for clock, person in steps:
        hours, minutes, _ = map(int, clock.split(":"))
        before = f"{hours:02d}:{minutes - 1:02d}:59"
        daemon.set_clock(f"2025-04-10T{before}Z")
        expect_pages(daemon, smtp_server, f"no page at {before}", **pages)
        daemon.set_clock(f"2025-04-10T{clock}Z")
        pages[person] += 1
        expect_pages(daemon, smtp_server, f"the page at {clock}", **pages)

    daemon.set_clock("2025-04-10T10:45:00Z")
    daemon.advance("2h")
    expect_pages(daemon, smtp_server, "nothing after the last pass",
                 ava=3, ben=3)
    incident = daemon.incidents()[0]
    assert [at for at, _ in escalations(incident)] == [
        "2025-04-10T10:00:00Z", "2025-04-10T10:05:00Z",
        "2025-04-10T10:15:00Z", "2025-04-10T10:20:00Z",
        "2025-04-10T10:30:00Z", "2025-04-10T10:35:00Z"]
    assert "next_step_at" not in incident
    assert incident["status"] == "triggered"


# --- Ack timeout -----------------------------------------------------------------

ACK_TIMEOUT_RESOURCES = users_toml() + policy_toml(
    "acked", [("5m", "ava"), ("5m", "ben")],
    extra='ack_timeout = "30m"') + """
[[services]]
id = "acked"
escalation_policy = "acked"
integration_keys = [{ key = "am-acked-0001", type = "alertmanager" }]
"""


def test_ack_timeout_pages_last_level(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server,
                          ACK_TIMEOUT_RESOURCES)
    fire(daemon, "am-acked-0001", web_down("web-1"), "2020202020202020")
    expect_pages(daemon, smtp_server, "level 1", ava=1)
    daemon.set_clock("2025-04-10T10:05:00Z")
    expect_pages(daemon, smtp_server, "level 2", ava=1, ben=1)
    incident_id, _, code = SMS_PATTERN.match(
        page_sms(daemon, "ben")[0].form["Body"]).groups()

    daemon.set_clock("2025-04-10T10:06:00Z")
    reply = daemon.sms_reply(phone("ben"), f"{code}a")

    assert reply.status == 200, reply.text
    assert twiml_messages(reply) == [f"Acknowledged alert #{incident_id}."]
    acked = daemon.incident(int(incident_id))
    assert acked["status"] == "acknowledged"
    assert acked["acknowledged_by"] == "ben"
    assert acked["ack_expires_at"] == "2025-04-10T10:36:00Z"

    daemon.set_clock("2025-04-10T10:35:59Z")
    expect_pages(daemon, smtp_server, "nothing during the ack", ava=1, ben=1)
    assert daemon.incident(int(incident_id))["status"] == "acknowledged"

    daemon.set_clock("2025-04-10T10:36:00Z")
    expect_pages(daemon, smtp_server, "level 2 again at the timeout",
                 ava=1, ben=2)
    again = daemon.incident(int(incident_id))
    assert again["status"] == "triggered"
    assert again["acknowledged_by"] == ""
    assert "ack_expires_at" not in again
    assert [e["at"] for e in again["timeline"]
            if e["event"] == "acknowledgement-expired"] \
        == ["2025-04-10T10:36:00Z"]
    assert escalations(again)[-1][0] == "2025-04-10T10:36:00Z"

    # The last level of the last pass was paged: nothing follows, and the
    # same reply code acknowledges again.
    daemon.advance("2h")
    expect_pages(daemon, smtp_server, "nothing after the re-page",
                 ava=1, ben=2)
    reply = daemon.sms_reply(phone("ben"), f"{code}a")
    assert twiml_messages(reply) == [f"Acknowledged alert #{incident_id}."]


# --- C02: a level's time-of-day condition keeps local hours after DST ------

C02_RESOURCES = users_toml() + """
[[schedules]]
id = "support-hours"
time_zone = "Europe/London"

  [[schedules.layers]]
  name = "business hours"
  rotation = "daily"
  handoff = "2023-07-03T08:30:00+01:00"
  participants = ["dana"]
  restriction = { start = "08:30", end = "17:30" }

[[escalation_policies]]
id = "biz"
repeat = 0

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{ schedule = "support-hours" }]
  condition = { start = "08:30", end = "17:30", time_zone = "Europe/London" }

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{ user = "eve" }]

[[services]]
id = "support"
escalation_policy = "biz"
integration_keys = [{ key = "am-support-0001", type = "alertmanager" }]
"""


def test_c02_condition_after_dst_end(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, C02_RESOURCES,
                          clock_start="2023-11-01T08:00:00Z")

    # 08:00Z is 08:00 GMT, outside 08:30-17:30: step 1 is skipped.
    fire(daemon, "am-support-0001", web_down("support-1"), "c0c0c0c0c0c0c0c0")
    expect_pages(daemon, smtp_server, "step 2 at 08:00Z", eve=1)
    early = incident_by_dedup_key(daemon, "c0c0c0c0c0c0c0c0")
    assert early["level"] == 2
    assert escalations(early) == [("2023-11-01T08:00:00Z",
                                   "level=2 pass=1 users=eve")]

    # 17:15Z is 17:15 GMT, inside the window: step 1 runs and pages Dana.
    daemon.set_clock("2023-11-01T17:15:00Z")
    fire(daemon, "am-support-0001", web_down("support-2"), "c1c1c1c1c1c1c1c1")
    expect_pages(daemon, smtp_server, "step 1 at 17:15Z", dana=1, eve=1)
    late = incident_by_dedup_key(daemon, "c1c1c1c1c1c1c1c1")
    assert late["level"] == 1
    assert escalations(late) == [("2023-11-01T17:15:00Z",
                                  "level=1 pass=1 users=dana")]
    daemon.set_clock("2023-11-01T17:20:00Z")
    expect_pages(daemon, smtp_server, "step 2 of the 17:15Z alert",
                 dana=1, eve=2)


# --- C25: Grafana "ok" resolves the incident that "alerting" opened --------

C25_PAYLOAD_1 = r'''{"title":"[Alerting] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"alerting","message":"p99 above 2s","evalMatches":[{"value":2.7,"metric":"p99","tags":{"service":"api"}}],"orgId":1,"dashboardId":3,"panelId":2,"tags":{"severity":"warning"}}'''  # noqa: E501
C25_PAYLOAD_2 = r'''{"title":"[OK] API latency high","ruleId":7,"ruleName":"API latency high","ruleUrl":"http://grafana.example.test/d/abc/api?panelId=2&orgId=1","state":"ok","message":"","evalMatches":[],"orgId":1,"dashboardId":3,"panelId":2,"tags":{}}'''  # noqa: E501
C25_KEY = "grafana-api-0001"
C25_RESOURCES = users_toml() + policy_toml("low", [("5m", "ava")]) \
    + policy_toml("high", [("5m", "ben")]) + f"""
[[services]]
id = "api"
escalation_policy = "high"
integration_keys = [{{ key = "{C25_KEY}", type = "grafana" }}]

  [[services.routes]]
  matchers = ['severity="warning"']
  escalation_policy = "low"
"""


def post_grafana(daemon, body):
    response = daemon.request("POST", f"/api/v1/integrations/{C25_KEY}/grafana",
                              body, {"Content-Type": "application/json"},
                              admin=False)
    assert response.status == 202, response.text


def test_c25_grafana_ok_resolves_same(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, C25_RESOURCES)

    post_grafana(daemon, C25_PAYLOAD_1)
    expect_pages(daemon, smtp_server, "the page on policy low", ava=1)
    incidents = daemon.incidents()
    assert len(incidents) == 1, incidents
    first = incidents[0]
    assert first["escalation_policy"] == "low"
    assert first["status"] == "triggered"

    post_grafana(daemon, C25_PAYLOAD_2)
    incidents = daemon.incidents()
    assert len(incidents) == 1, incidents
    assert incidents[0]["id"] == first["id"]
    assert incidents[0]["status"] == "resolved"
    assert [i for i in incidents if i["escalation_policy"] == "high"] == []
    expect_pages(daemon, smtp_server, "nobody on high paged", ava=1)

    daemon.advance("10m")
    post_grafana(daemon, C25_PAYLOAD_1)
    expect_pages(daemon, smtp_server, "the page for payload 1 again", ava=2)
    incidents = daemon.incidents()
    assert len(incidents) == 2, incidents
    second = [i for i in incidents if i["id"] != first["id"]][0]
    assert second["escalation_policy"] == "low"
    assert second["status"] == "triggered"
    assert daemon.incident(first["id"])["status"] == "resolved"
    assert sms_incident_ids(daemon, "ava") == [first["id"], second["id"]]


# --- C12: quotes, newlines, backslashes and non-ASCII survive end to end ---

C12_BODY = r'''{"version":"4","groupKey":"{}:{alertname=\"Disk \\\"root\\\" full\"}","truncatedAlerts":0,"status":"firing","receiver":"oncall","groupLabels":{"alertname":"Disk \"root\" full"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am.example.test:9093","alerts":[{"status":"firing","labels":{"alertname":"Disk \"root\" full","instance":"db-01:9100","team":"søk-og-ånd","path":"C:\\data\\logs","emoji🙂":"yes"},"annotations":{"summary":"Disk \"root\" on db-01 is 97% full","description":"Line one\nLine two\twith tab, backslash \\ and <b>markup</b> & ampersand\nZero-width\u200bspace end","runbook":""},"startsAt":"2025-04-10T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"d4d4d4d4d4d4d4d4"},{"status":"firing","labels":{"alertname":"Disk \"root\" full","instance":"db-02:9100"},"annotations":{},"startsAt":"2025-04-10T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"e5e5e5e5e5e5e5e5"}]}'''  # noqa: E501
C12_TITLE = 'Disk "root" on db-01 is 97% full'
C12_DESCRIPTION = ("Line one\nLine two\twith tab, backslash \\ and "
                   "<b>markup</b> & ampersand\nZero-width\u200bspace end")
C12_RESOURCES = users_toml() + policy_toml("disk", [("5m", "ava")]) + """
[[services]]
id = "disk"
escalation_policy = "disk"
integration_keys = [{ key = "am-disk-c12-01", type = "alertmanager" }]
"""


def mail_body_text(mail):
    """Return the decoded text of a single-part mail, with CRLF as LF."""
    text = mail.message.get_content()
    return text.replace("\r\n", "\n")


def test_c12_special_characters_survive(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, C12_RESOURCES)
    sent = json.loads(C12_BODY)["alerts"]
    assert sent[0]["annotations"]["summary"] == C12_TITLE
    assert sent[0]["annotations"]["description"] == C12_DESCRIPTION

    response = daemon.request(
        "POST", "/api/v1/integrations/am-disk-c12-01/alertmanager",
        C12_BODY.encode(), {"Content-Type": "application/json"}, admin=False)

    assert 200 <= response.status < 300, response.text
    first = incident_by_dedup_key(daemon, "d4d4d4d4d4d4d4d4")
    second = incident_by_dedup_key(daemon, "e5e5e5e5e5e5e5e5")
    stored = daemon.incident(first["id"])
    assert stored["summary"] == C12_TITLE
    assert stored["details"] == C12_DESCRIPTION
    assert stored["labels"] == sent[0]["labels"]
    assert stored["labels"]["path"] == "C:\\data\\logs"
    assert stored["labels"]["emoji🙂"] == "yes"
    assert stored["labels"]["team"] == "søk-og-ånd"
    other = daemon.incident(second["id"])
    assert other["summary"]
    assert 'Disk "root" full' in other["summary"]
    assert other["details"] == ""

    expect_pages(daemon, smtp_server, "a page per alert", ava=2)
    sms = {int(SMS_PATTERN.match(r.form["Body"]).group(1)): r.form["Body"]
           for r in page_sms(daemon, "ava")}
    assert C12_TITLE in sms[first["id"]]
    assert 'Disk "root" full' in sms[second["id"]]
    mails = {m.message["Subject"]: m for m in page_mails(smtp_server, "ava")}
    subject = f"[Tropos] Alert #{first['id']}: {C12_TITLE}"
    assert subject in mails, list(mails)
    body = mail_body_text(mails[subject])
    assert C12_DESCRIPTION in body
    assert "<b>markup</b> & ampersand" in body
    assert "\u200b" in body


# --- Routing rules with and without continue ---------------------------------

ROUTING_RESOURCES = users_toml() \
    + policy_toml("critical", [("5m", "ava")]) \
    + policy_toml("db-team", [("5m", "ben")]) \
    + policy_toml("default", [("5m", "cleo")]) + """
[[services]]
id = "db"
escalation_policy = "default"
integration_keys = [{ key = "am-db-routes-01", type = "alertmanager" }]

  [[services.routes]]
  matchers = ['severity="critical"']
  escalation_policy = "critical"
  continue = true

  [[services.routes]]
  matchers = ['team="db"']
  escalation_policy = "db-team"

[[services]]
id = "web"
escalation_policy = "default"
integration_keys = [{ key = "am-web-routes-01", type = "alertmanager" }]

  [[services.routes]]
  matchers = ['severity=~"warn.*"']
  escalation_policy = "critical"

  [[services.routes]]
  matchers = ['team="db"']
  escalation_policy = "db-team"
"""


def policies_of(daemon, dedup_key):
    return sorted(i["escalation_policy"] for i in daemon.incidents()
                  if i["dedup_key"] == dedup_key)


def test_routes_continue_opens_two(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, ROUTING_RESOURCES)
    labels = {"alertname": "DbDown", "severity": "critical", "team": "db"}

    fire(daemon, "am-db-routes-01", labels, "3030303030303030")

    expect_pages(daemon, smtp_server, "a page per policy", ava=1, ben=1)
    assert policies_of(daemon, "3030303030303030") == ["critical", "db-team"]

    # The second alert matches only rule 2, and the third matches no rule.
    fire(daemon, "am-db-routes-01",
         {"alertname": "DbSlow", "severity": "warning", "team": "db"},
         "3131313131313131")
    fire(daemon, "am-db-routes-01",
         {"alertname": "DbNoise", "severity": "info", "team": "web"},
         "3232323232323232")
    expect_pages(daemon, smtp_server, "rule 2 and the default",
                 ava=1, ben=2, cleo=1)
    assert policies_of(daemon, "3131313131313131") == ["db-team"]
    assert policies_of(daemon, "3232323232323232") == ["default"]

    # One resolve closes the alert in both incidents.
    resolve(daemon, "am-db-routes-01", labels, "3030303030303030",
            "2025-04-10T10:00:00Z")
    assert [i["status"] for i in daemon.incidents()
            if i["dedup_key"] == "3030303030303030"] == ["resolved"] * 2


def test_routes_first_match_wins(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, ROUTING_RESOURCES)

    fire(daemon, "am-web-routes-01",
         {"alertname": "WebSlow", "severity": "warning", "team": "db"},
         "4040404040404040")

    expect_pages(daemon, smtp_server, "only the first rule's page", ava=1)
    assert policies_of(daemon, "4040404040404040") == ["critical"]


# --- Manual escalation -----------------------------------------------------------

MANUAL_RESOURCES = users_toml() + policy_toml(
    "manual", [("5m", "ava"), ("5m", "ben"), ("5m", "cleo")]) + """
[[services]]
id = "manual"
escalation_policy = "manual"
integration_keys = [{ key = "am-manual-0001", type = "alertmanager" }]
"""


def test_sms_escalate_pages_next_now(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MANUAL_RESOURCES)
    fire(daemon, "am-manual-0001", web_down("web-1"), "5050505050505050")
    expect_pages(daemon, smtp_server, "level 1", ava=1)
    incident_id = sms_incident_ids(daemon, "ava")[0]

    daemon.set_clock("2025-04-10T10:01:00Z")
    reply = daemon.sms_reply(phone("ava"), "1e")

    assert reply.status == 200, reply.text
    assert twiml_messages(reply) == [f"Escalated alert #{incident_id}."]
    expect_pages(daemon, smtp_server, "level 2 at once", ava=1, ben=1)
    incident = daemon.incident(incident_id)
    assert incident["level"] == 2
    assert incident["status"] == "triggered"
    assert [(e["at"], e["detail"]) for e in incident["timeline"]
            if e["event"] == "escalated-by-hand"] == [
        ("2025-04-10T10:01:00Z", "ava")]
    assert incident["next_step_at"] == "2025-04-10T10:06:00Z"

    # The step that was due at 10:05 no longer fires. Level 3 follows
    # level 2's delay after the manual step.
    daemon.set_clock("2025-04-10T10:05:59Z")
    expect_pages(daemon, smtp_server, "no step at 10:05", ava=1, ben=1)
    daemon.set_clock("2025-04-10T10:06:00Z")
    expect_pages(daemon, smtp_server, "level 3 at 10:06", ava=1, ben=1,
                 cleo=1)

    # Level 3 is the last one and repeat = 0, so nobody is left to page.
    reply = daemon.sms_reply(phone("ava"), "1e")
    assert twiml_messages(reply) == [
        f"Alert #{incident_id} cannot be escalated now."]
    expect_pages(daemon, smtp_server, "no page after the last level",
                 ava=1, ben=1, cleo=1)
    assert daemon.incident(incident_id)["level"] == 3


def test_api_escalate_pages_next_now(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, MANUAL_RESOURCES)
    fire(daemon, "am-manual-0001", web_down("web-1"), "5050505050505050")
    expect_pages(daemon, smtp_server, "level 1", ava=1)
    incident_id = sms_incident_ids(daemon, "ava")[0]

    response = daemon.request("POST", f"/api/v1/incidents/{incident_id}/"
                              "escalate")

    assert response.status == 200, response.text
    assert response.json()["changed"] is True
    expect_pages(daemon, smtp_server, "level 2 at once", ava=1, ben=1)
    assert daemon.incident(incident_id)["level"] == 2


# --- iCal feed -----------------------------------------------------------------

ICAL_NAME = ("Web primary, EU; nights & days for the on-call engineers of "
             "the web tier")
ICAL_RESOURCES = users_toml() + f"""
[[schedules]]
id = "web-primary"
name = "{ICAL_NAME}"
time_zone = "Europe/London"

  [[schedules.layers]]
  name = "weekly"
  rotation = "weekly"
  handoff = "2025-03-24T09:00:00+00:00"
  participants = ["ava", "ben"]
"""


def unfold_ical(body):
    """Split an iCalendar body into content lines (RFC 5545 section 3.1).

    Asserts CRLF line ends and at most 75 octets per physical line, then
    joins folded lines (CRLF followed by a space or tab).
    """
    assert body.endswith(b"\r\n"), body[-20:]
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line, line
        assert b"\r" not in line, line
        assert len(line) <= 75, line
    logical = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            assert logical, "a continuation line opens the feed"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode() for line in logical]


def unescape_ical_text(value):
    out = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append("\n" if value[i + 1] in "nN" else value[i + 1])
            i += 2
            continue
        out.append(value[i])
        i += 1
    return "".join(out)


def parse_ical(lines):
    """Return (calendar properties, [event properties]) of one VCALENDAR."""
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    calendar, events, current = {}, [], None
    for line in lines[1:-1]:
        name, _, value = line.partition(":")
        assert _, f"no colon in content line {line!r}"
        name = name.split(";")[0]
        if (name, value) == ("BEGIN", "VEVENT"):
            assert current is None, "nested VEVENT"
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            assert current is not None, "END:VEVENT without BEGIN"
            events.append(current)
            current = None
        else:
            assert name not in ("BEGIN", "END"), line
            target = calendar if current is None else current
            assert name not in target, f"{name} repeated"
            target[name] = value
    assert current is None, "VEVENT not closed"
    return calendar, events


def ical_instant(rfc3339):
    return rfc3339.replace("-", "").replace(":", "")


def test_ical_feed_matches_shifts(make_daemon):
    daemon = make_daemon()
    daemon.apply(ICAL_RESOURCES)

    response = daemon.get("/api/v1/schedules/web-primary/ical")

    assert response.status == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert response.body.endswith(b"END:VCALENDAR\r\n")
    calendar, events = parse_ical(unfold_ical(response.body))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert unescape_ical_text(calendar["X-WR-CALNAME"]) == ICAL_NAME

    # The feed covers the week before now (10:00Z) to 60 days after it.
    window = "from=2025-04-03T10:00:00Z&to=2025-06-09T10:00:00Z"
    shifts = daemon.get("/api/v1/schedules/web-primary/shifts?"
                        + urllib.parse.quote(window, safe="=&"))
    assert shifts.status == 200, shifts.text
    expected = [(ical_instant(s["start"]), ical_instant(s["end"]),
                 PEOPLE[s["user"]][0] + " on call")
                for s in shifts.json()["shifts"]]
    assert len(expected) >= 9
    stamp = re.compile(r"^\d{8}T\d{6}Z$")
    for event in events:
        assert stamp.match(event["DTSTART"]), event
        assert stamp.match(event["DTEND"]), event
        assert stamp.match(event["DTSTAMP"]), event
    assert [(e["DTSTART"], e["DTEND"], unescape_ical_text(e["SUMMARY"]))
            for e in events] == expected
    assert len({e["UID"] for e in events}) == len(events)
    # Handoffs stay at 09:00 London, which is 08:00Z in summer time.
    assert expected[0] == ("20250331T080000Z", "20250407T080000Z",
                           "Ben Okafor on call")


def test_user_ical_link_needs_its_token(make_daemon, twilio, smtp_server):
    daemon = start_daemon(make_daemon, twilio, smtp_server, ICAL_RESOURCES)
    link = daemon.get("/api/v1/users/ben/ical-link")
    assert link.status == 200, link.text
    url = urllib.parse.urlsplit(link.json()["url"])
    feed = daemon.request("GET", url.path + "?" + url.query, admin=False)
    assert feed.status == 200, feed.text
    assert feed.body.startswith(b"BEGIN:VCALENDAR\r\n")
    _, events = parse_ical(unfold_ical(feed.body))
    assert events
    assert all(unescape_ical_text(e["SUMMARY"]).startswith("Ben Okafor on call")
               for e in events)
    wrong = daemon.request("GET", url.path + "?token=" + "0" * 32, admin=False)
    assert wrong.status == 404, wrong.text
    other = daemon.request("GET", "/api/v1/users/ava/ical?" + url.query,
                           admin=False)
    assert other.status == 404, other.text
