"""A real Alertmanager 0.25 as the client, through both of its receivers.

Alertmanager sends every alert to troposd twice: through a webhook receiver
(/api/v1/integrations/{key}/alertmanager) and through a pagerduty receiver
(/v2/enqueue, Events API v2). Each path feeds its own service, so each alert
must open exactly one incident per path and resolve both when it resolves.
"""

from support import assert_holds, wait_until

WEBHOOK_KEY = "am-client-0001"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"

RESOURCES = f"""
[[users]]
id = "ava"
contact_methods = [{{ id = "ava-sms", type = "sms", address = "+15005550006" }}]
notification_rules = [{{ contact_method = "ava-sms", delay = "0s" }}]

[[escalation_policies]]
id = "db"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{{ user = "ava" }}]

[[services]]
id = "via-webhook"
escalation_policy = "db"
integration_keys = [{{ key = "{WEBHOOK_KEY}", type = "alertmanager" }}]

[[services]]
id = "via-pagerduty"
escalation_policy = "db"
integration_keys = [{{ key = "{ROUTING_KEY}", type = "events_v2" }}]
"""

DB_1 = {"alertname": "DiskFull", "instance": "db-1"}
DB_2 = {"alertname": "DiskFull", "instance": "db-2"}


def by_path(daemon):
    """Return {(service, instance): incident} for every incident."""
    found = {}
    for incident in daemon.incidents():
        if incident["service"] == "via-webhook":
            instance = incident["labels"]["instance"]
        else:
            instance = "db-1" if "db-1" in incident["summary"] else "db-2"
        key = (incident["service"], instance)
        assert key not in found, f"two incidents for {key}"
        found[key] = incident
    return found


def statuses(daemon):
    return {key: incident["status"]
            for key, incident in by_path(daemon).items()}


def test_each_receiver_opens_one_incident(make_daemon, twilio,
                                                       make_alertmanager):
    daemon = make_daemon(twilio=twilio)
    daemon.apply(RESOURCES)
    manager = make_alertmanager(daemon, webhook_key=WEBHOOK_KEY,
                                routing_key=ROUTING_KEY)

    manager.fire(DB_1, {"summary": "Disk full on db-1"})
    manager.fire(DB_2, {"summary": "Disk full on db-2"})

    wait_until(lambda: len(daemon.incidents()) == 4, 20, "four incidents")
    incidents = by_path(daemon)
    assert sorted(incidents) == [("via-pagerduty", "db-1"),
                                 ("via-pagerduty", "db-2"),
                                 ("via-webhook", "db-1"),
                                 ("via-webhook", "db-2")]
    assert incidents[("via-webhook", "db-1")]["summary"] == "Disk full on db-1"
    assert incidents[("via-webhook", "db-2")]["summary"] == "Disk full on db-2"
    # The pagerduty receiver's default summary is "[FIRING:1] DiskFull db-1".
    assert "DiskFull" in incidents[("via-pagerduty", "db-1")]["summary"]
    assert all(i["status"] == "triggered" for i in incidents.values())
    wait_until(lambda: len(daemon.sms()) == 4, what="one page per incident")
    # Alertmanager flushes each group every second: nothing new may appear.
    assert_holds(lambda: len(daemon.incidents()) == 4, 2.5,
                 "four incidents while Alertmanager keeps flushing")

    manager.resolve(DB_1)

    wait_until(lambda: statuses(daemon) == {
        ("via-webhook", "db-1"): "resolved",
        ("via-pagerduty", "db-1"): "resolved",
        ("via-webhook", "db-2"): "triggered",
        ("via-pagerduty", "db-2"): "triggered"}, 20, "db-1 to resolve")

    manager.resolve(DB_2)

    wait_until(lambda: set(statuses(daemon).values()) == {"resolved"}, 20,
               "db-2 to resolve")
    assert len(daemon.incidents()) == 4
    assert len(daemon.sms()) == 4
