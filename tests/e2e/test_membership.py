"""Removing rotation members through apply must not move the current
on-call or the next handoff (case C04), and the kept anchor must survive a
restart of the daemon."""

import urllib.parse

import pytest

BACKEND = """
[[users]]
id = "ava"

[[users]]
id = "ben"

[[users]]
id = "cleo"

[[users]]
id = "dan"

[[schedules]]
id = "backend"
time_zone = "UTC"

  [[schedules.layers]]
  name = "weekly"
  rotation = "weekly"
  handoff = "2025-05-19T09:00:00Z"
  participants = {members}
"""


def apply_members(daemon, members):
    daemon.apply(BACKEND.replace("{members}", str(members).replace("'", '"')))


def on_call(daemon, at):
    response = daemon.get("/api/v1/schedules/backend/on-call?at="
                          + urllib.parse.quote(at))
    assert response.status == 200, response.text
    return response.json()["users"]


def shifts(daemon, start, end):
    response = daemon.get("/api/v1/schedules/backend/shifts?from="
                          + urllib.parse.quote(start) + "&to="
                          + urllib.parse.quote(end))
    assert response.status == 200, response.text
    return [(s["user"], s["start"], s["end"]) for s in response.json()["shifts"]]


@pytest.fixture
def backend(make_daemon):
    daemon = make_daemon(clock_start="2025-06-04T12:00:00Z")
    apply_members(daemon, ["ava", "ben", "cleo", "dan"])
    assert on_call(daemon, "2025-06-04T12:00:00Z") == ["cleo"]
    return daemon


def test_removing_earlier_member_keeps_current(backend):
    apply_members(backend, ["ben", "cleo", "dan"])
    assert on_call(backend, "2025-06-04T12:00:01Z") == ["cleo"]
    assert shifts(backend, "2025-06-04T12:00:00Z", "2025-06-20T00:00:00Z") == [
        ("cleo", "2025-06-02T09:00:00Z", "2025-06-09T09:00:00Z"),
        ("dan", "2025-06-09T09:00:00Z", "2025-06-16T09:00:00Z"),
        ("ben", "2025-06-16T09:00:00Z", "2025-06-23T09:00:00Z"),
    ]


def test_removing_later_member_keeps_current(backend):
    apply_members(backend, ["ben", "cleo", "dan"])
    apply_members(backend, ["ben", "cleo"])
    assert on_call(backend, "2025-06-04T12:00:01Z") == ["cleo"]
    assert on_call(backend, "2025-06-09T09:00:00Z") == ["ben"]
    assert on_call(backend, "2025-06-09T08:59:59Z") == ["cleo"]


def test_removing_active_last_member_hands_over(backend):
    apply_members(backend, ["ben", "cleo"])
    apply_members(backend, ["ben"])
    assert on_call(backend, "2025-06-04T12:00:01Z") == ["ben"]
    assert on_call(backend, "2025-06-09T09:00:00Z") == ["ben"]


def test_anchor_survives_restart(backend):
    apply_members(backend, ["ben", "cleo", "dan"])
    backend.restart()
    assert on_call(backend, "2025-06-04T12:00:01Z") == ["cleo"]
    assert on_call(backend, "2025-06-09T09:00:00Z") == ["dan"]
    assert on_call(backend, "2025-06-16T09:00:00Z") == ["ben"]


def test_deleting_user_acts_like_removal(backend):
    response = backend.request("DELETE", "/api/v1/users/ava")
    assert response.status == 200, response.text
    assert response.json()["deleted"] == "ava"
    assert on_call(backend, "2025-06-04T12:00:01Z") == ["cleo"]
    assert shifts(backend, "2025-06-04T12:00:00Z", "2025-06-20T00:00:00Z") == [
        ("cleo", "2025-06-02T09:00:00Z", "2025-06-09T09:00:00Z"),
        ("dan", "2025-06-09T09:00:00Z", "2025-06-16T09:00:00Z"),
        ("ben", "2025-06-16T09:00:00Z", "2025-06-23T09:00:00Z"),
    ]
    backend.restart()
    assert on_call(backend, "2025-06-09T09:00:00Z") == ["dan"]
    missing = backend.request("DELETE", "/api/v1/users/ava")
    assert missing.status == 404, missing.text


def test_deleting_only_target_is_rejected(make_daemon):
    daemon = make_daemon(clock_start="2025-06-04T12:00:00Z")
    daemon.apply("""
[[users]]
id = "ava"

[[escalation_policies]]
id = "solo"

  [[escalation_policies.levels]]
  delay = "5m"
  targets = [{ user = "ava" }]
""")
    response = daemon.request("DELETE", "/api/v1/users/ava")
    assert response.status == 409, response.text
    assert "levels[0]" in response.json()["error"]["message"]
