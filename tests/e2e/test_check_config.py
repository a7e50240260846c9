"""`troposd --check-config FILE`: exit 0 for a valid config, and exit 1 with
a message that names the bad key otherwise."""

import secrets
import subprocess

import pytest

from support import SHARED_DIR, TROPOSD

VALID = """
[server]
listen = "127.0.0.1:8080"
public_url = "https://oncall.example.test"
admin_token_file = "admin-token"

[storage]
path = "data"
key_file = "storage.key"

[twilio]
account_sid = "AC00000000000000000000000000000000"
auth_token_file = "twilio-token"
from_number = "+15005550001"
api_base = "http://127.0.0.1:9"

[smtp]
url = "smtp://127.0.0.1:25"
from = "Tropos <tropos@example.test>"
"""


def write_secret(path, text):
    path.write_text(text)
    path.chmod(0o600)


@pytest.fixture
def config_folder(tmp_path):
    """A folder with the secret files that VALID names."""
    write_secret(tmp_path / "storage.key", secrets.token_hex(32) + "\n")
    write_secret(tmp_path / "admin-token", secrets.token_hex(16) + "\n")
    write_secret(tmp_path / "twilio-token", secrets.token_hex(16) + "\n")
    return tmp_path


def check_config(path):
    return subprocess.run([str(TROPOSD), "--check-config", str(path)],
                          capture_output=True, text=True, timeout=30)


def test_valid_config_passes(config_folder):
    path = config_folder / "troposd.toml"
    path.write_text(VALID)

    done = check_config(path)

    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stdout


def test_shared_example_config_passes(tmp_path):
    # The example names files under /etc/tropos and /var/lib/tropos; point
    # them at files in the temp folder instead.
    text = (SHARED_DIR / "examples/troposd.toml").read_text()
    text = text.replace("/etc/tropos/", f"{tmp_path}/etc/")
    text = text.replace("/var/lib/tropos", f"{tmp_path}/data")
    (tmp_path / "etc").mkdir()
    for name in ("admin-token", "storage.key", "twilio-token",
                 "smtp-password", "slack-bot-token", "slack-signing-secret",
                 "jira-token", "okta-secret"):
        write_secret(tmp_path / "etc" / name, secrets.token_hex(32) + "\n")
    path = tmp_path / "troposd.toml"
    path.write_text(text)

    done = check_config(path)

    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("change, key", [
    (lambda text: text.replace('listen = ', 'lisen = '), "server.lisen"),
    (lambda text: text.replace('[server]', '[server]\nthreads = "two"'),
     "server.threads"),
    (lambda text: text.replace('key_file = "storage.key"\n', ''),
     "storage.key_file"),
    (lambda text: text.replace('smtp://127.0.0.1:25',
                               'smtp://smtp.example.test:25'), "smtp.url"),
    (lambda text: text.replace('smtp://127.0.0.1:25',
                               'smtp://127.0.0.1.example.test:25'),
     "smtp.url"),
    (lambda text: text.replace('http://127.0.0.1:9',
                               'http://localhost.example.test'),
     "twilio.api_base"),
], ids=["unknown-key", "wrong-type", "missing-key-file",
        "plain-smtp-to-remote-host", "plain-smtp-to-lookalike-host",
        "plain-http-to-lookalike-host"])
def test_bad_config_names_key(config_folder, change, key):
    path = config_folder / "troposd.toml"
    path.write_text(change(VALID))

    done = check_config(path)

    assert done.returncode == 1, done.stdout
    assert key in done.stderr


def test_key_file_readable_by_others_fails(config_folder):
    path = config_folder / "troposd.toml"
    path.write_text(VALID)
    (config_folder / "storage.key").chmod(0o644)

    done = check_config(path)

    assert done.returncode == 1, done.stdout
    assert "storage.key_file" in done.stderr
    assert "chmod 600" in done.stderr
