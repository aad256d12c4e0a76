"""A second `muster demo` on a database that has it already: the keys and the password are not
shown again (only digests are kept), so it says how to get new ones, and those commands work."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate
from django.http import HttpRequest

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_second_demo_says_how_to_get_new_keys_and_a_new_password(cli_run):
    first = cli_run("demo", "--count", "40", "--no-serve")
    assert first.exit_code == 0, first.output
    assert "admin login: demo / " in first.stdout and "muster user password" not in first.stdout
    again = cli_run("demo", "--count", "40", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "admin login: demo / " not in again.stdout and "mst_" not in again.stdout
    assert 'muster partner rotate-key "' in again.stdout and "muster user password demo" in again.stdout
    hints = json.loads(cli_run("demo", "--count", "40", "--no-serve", "--json").stdout)["again"]
    assert any("rotate-key" in h for h in hints) and any("user password demo" in h for h in hints)

    rotated = cli_run("partner", "rotate-key", "Пограничная служба", "--json")
    assert rotated.exit_code == 0 and "mst_" in rotated.stdout
    changed = cli_run("user", "password", "demo", "--password-stdin", "--json", input="a-new-Demo-passw0rd\n")
    assert changed.exit_code == 0, changed.output
    assert authenticate(HttpRequest(), username="demo", password="a-new-Demo-passw0rd") is not None


def test_user_password_refuses_a_weak_password_and_an_unknown_user(cli_run):
    cli_run("user", "add", "officer1", "--password-stdin", input="a-long-enough-Passw0rd\n")
    weak = cli_run("user", "password", "officer1", "--password-stdin", "--json", input="123\n")
    assert weak.exit_code == 2 and "password" in json.loads(weak.stdout)["error"]
    assert authenticate(HttpRequest(), username="officer1", password="a-long-enough-Passw0rd") is not None
    missing = cli_run("user", "password", "nobody", "--password-stdin", "--json", input="a-long-enough-Passw0rd\n")
    assert missing.exit_code == 4 and json.loads(missing.stdout) == {"error": "no user 'nobody'"}
