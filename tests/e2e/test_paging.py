"""Walking skeleton: an alert pages the on-call user, who acknowledges by SMS.

Real peers: Alertmanager 0.25 sends the alert, Prism (behind the recording
proxy) serves the Twilio API and aiosmtpd is the mail server. The daemon
runs on a manual clock that starts at 2025-04-10T10:00:00Z.
"""

import re

from support import (TWILIO_FROM, assert_holds, twiml_messages, wait_until)

AVA_PHONE = "+15005550006"
BEN_PHONE = "+15005550007"
WEBHOOK_KEY = "am-web-0001"

# Ava is always on call for level 1, and Ben is level 2, five minutes later.
RESOURCES = f"""
[[users]]
id = "ava"
name = "Ava Lindqvist"
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
name = "Ben Okafor"
contact_methods = [{{ id = "ben-sms", type = "sms", address = "{BEN_PHONE}" }}]
notification_rules = [{{ contact_method = "ben-sms", delay = "0s" }}]

[[schedules]]
id = "web-primary"
time_zone = "UTC"

  [[schedules.layers]]
  name = "weekly"
  rotation = "weekly"
  handoff = "2025-01-06T09:00:00Z"
  participants = ["ava"]

[[escalation_policies]]
id = "web"
repeat = 0

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ schedule = "web-primary" }}]

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ben" }}]

[[services]]
id = "web"
escalation_policy = "web"
integration_keys = [{{ key = "{WEBHOOK_KEY}", type = "alertmanager" }}]
"""

SMS_PATTERN = re.compile(r"^Tropos: Alert #(\d+): (.*)\. Reply (\d+)a to ack, "
                         r"\3c to close\.$")


def webhook(status, fingerprint="aa11bb22cc33dd44", summary="web-1 is down",
            starts_at="2025-04-10T09:59:00Z",
            ends_at="0001-01-01T00:00:00Z"):
    """Build an Alertmanager webhook v4 body with one alert."""
    labels = {"alertname": "WebDown", "instance": "web-1"}
    return {
        "version": "4", "groupKey": '{}:{alertname="WebDown"}',
        "truncatedAlerts": 0, "status": status, "receiver": "tropos",
        "groupLabels": {"alertname": "WebDown"}, "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://am.example.test:9093",
        "alerts": [{"status": status, "labels": labels,
                    "annotations": {"summary": summary},
                    "startsAt": starts_at, "endsAt": ends_at,
                    "generatorURL": "", "fingerprint": fingerprint}],
    }


def start_paging_daemon(make_daemon, twilio, smtp_server):
    daemon = make_daemon(twilio=twilio, smtp=smtp_server)
    daemon.apply(RESOURCES)
    return daemon


def open_incident(daemon):
    """Post a firing alert and wait for Ava's first SMS.

    Return the incident id and her reply code from the SMS text.
    """
    response = daemon.alertmanager_webhook(WEBHOOK_KEY, webhook("firing"))
    assert response.status == 202, response.text
    first = wait_until(lambda: daemon.sms(AVA_PHONE), what="Ava's SMS")[0]
    match = SMS_PATTERN.match(first.form["Body"])
    assert match, first.form["Body"]
    return int(match.group(1)), match.group(3)


def test_alert_pages_by_sms_and_email(make_daemon, twilio,
                                                   smtp_server,
                                                   make_alertmanager):
    daemon = start_paging_daemon(make_daemon, twilio, smtp_server)
    manager = make_alertmanager(daemon, webhook_key=WEBHOOK_KEY)
    labels = {"alertname": "WebDown", "instance": "web-1"}

    manager.fire(labels, {"summary": "web-1 is down"})

    sms = wait_until(lambda: daemon.sms(AVA_PHONE), 20, "Ava's SMS")
    incidents = daemon.incidents()
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["status"] == "triggered"
    assert incident["summary"] == "web-1 is down"
    assert len(sms) == 1
    assert sms[0].status == 201, sms[0].response_body
    assert sms[0].form["From"] == TWILIO_FROM
    assert sms[0].form["Body"] == (f"Tropos: Alert #{incident['id']}: "
                                   "web-1 is down. Reply 1a to ack, "
                                   "1c to close.")

    mails = wait_until(lambda: smtp_server.to("ava@example.test"),
                       what="Ava's e-mail")
    assert len(mails) == 1
    assert mails[0].mail_from == "tropos@example.test"
    assert mails[0].rcpt_tos == ["ava@example.test"]
    assert "web-1 is down" in mails[0].message["Subject"]

    manager.resolve(labels)

    wait_until(lambda: daemon.incident(incident["id"])["status"] == "resolved",
               20, "the incident to resolve")
    assert daemon.incident(incident["id"])["resolved_by"] == "integration"
    assert len(daemon.sms()) == 1
    assert len(smtp_server.received()) == 1


def test_sms_ack_stops_escalation(make_daemon, twilio,
                                                     smtp_server):
    daemon = start_paging_daemon(make_daemon, twilio, smtp_server)
    incident_id, code = open_incident(daemon)
    assert code == "1"
    wait_until(lambda: smtp_server.to("ava@example.test"), what="e-mail")

    response = daemon.sms_reply(AVA_PHONE, "1a")

    assert response.status == 200, response.text
    assert twiml_messages(response) == [f"Acknowledged alert #{incident_id}."]
    incident = daemon.incident(incident_id)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_by"] == "ava"
    assert "next_step_at" not in incident

    # Past level 2 (10:05) and every further delay, no one else is paged.
    daemon.advance("5m")
    daemon.advance("1h")
    assert_holds(lambda: len(daemon.sms()) == 1, what="no SMS after the ack")
    assert daemon.sms(BEN_PHONE) == []
    assert len(smtp_server.received()) == 1
    assert daemon.incident(incident_id)["status"] == "acknowledged"


def test_escalates_after_level_delay(make_daemon, twilio,
                                                       smtp_server):
    daemon = start_paging_daemon(make_daemon, twilio, smtp_server)
    incident_id, _ = open_incident(daemon)

    daemon.set_clock("2025-04-10T10:04:59Z")
    assert_holds(lambda: daemon.sms(BEN_PHONE) == [],
                 what="no SMS to Ben before 10:05")

    daemon.set_clock("2025-04-10T10:05:00Z")
    ben = wait_until(lambda: daemon.sms(BEN_PHONE), what="Ben's SMS")
    assert ben[0].status == 201, ben[0].response_body
    assert ben[0].form["Body"].startswith(f"Tropos: Alert #{incident_id}: ")
    incident = daemon.incident(incident_id)
    assert incident["level"] == 2
    assert [e["at"] for e in incident["timeline"]
            if e["event"] == "escalated"] == ["2025-04-10T10:00:00Z",
                                              "2025-04-10T10:05:00Z"]

    # Level 2 is the last one and repeat = 0: nothing follows.
    daemon.advance("1h")
    assert_holds(lambda: len(daemon.sms()) == 2, what="no third SMS")
    assert len(daemon.sms(AVA_PHONE)) == 1
    assert daemon.incident(incident_id)["status"] == "triggered"


def test_resolved_webhook_resolves_incident(make_daemon, twilio, smtp_server):
    daemon = start_paging_daemon(make_daemon, twilio, smtp_server)
    incident_id, _ = open_incident(daemon)

    response = daemon.alertmanager_webhook(
        WEBHOOK_KEY, webhook("resolved", ends_at="2025-04-10T10:00:30Z"))

    assert response.status == 202, response.text
    incident = daemon.incident(incident_id)
    assert incident["status"] == "resolved"
    assert daemon.incidents("triggered") == []
    assert [i["id"] for i in daemon.incidents("resolved")] == [incident_id]
    daemon.advance("1h")
    assert_holds(lambda: daemon.sms(BEN_PHONE) == [],
                 what="no escalation after the resolve")


def test_sms_429_honours_retry_after(make_daemon, twilio,
                                             smtp_server):
    daemon = start_paging_daemon(make_daemon, twilio, smtp_server)
    twilio.script(429, {"code": 20429, "message": "Too Many Requests",
                        "status": 429}, {"Retry-After": "30"})

    response = daemon.alertmanager_webhook(WEBHOOK_KEY, webhook("firing"))

    assert response.status == 202, response.text
    first = wait_until(lambda: daemon.sms(AVA_PHONE), what="the first try")
    assert [r.status for r in first] == [429]
    # The retry waits for Retry-After on troposd's (manual) clock.
    daemon.advance("29s")
    assert_holds(lambda: len(daemon.sms(AVA_PHONE)) == 1,
                 what="no retry before Retry-After")
    daemon.advance("1s")
    tries = wait_until(lambda: len(daemon.sms(AVA_PHONE)) == 2
                       and daemon.sms(AVA_PHONE), what="the retry")
    assert [r.status for r in tries] == [429, 201]
    assert tries[1].form["Body"] == tries[0].form["Body"]
    daemon.advance("10m")
    assert_holds(lambda: len(daemon.sms(AVA_PHONE)) == 2,
                 what="no third try after the success")
