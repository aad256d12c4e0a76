"""Issue 11 C4: the command line acts as an existing officer account (named by the OS user or by
MUSTER_ACTOR), with that account's role and districts; never as a partner, a person or the system."""

from __future__ import annotations

import getpass
import json

import pytest

from muster.audit.access import reads_of
from muster.registry.importer import import_persons
from muster.registry.models import Person
from tests.conftest import person_row, snils, write_csv


@pytest.fixture
def two_districts(cli_run, tmp_path, ru):
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(1), district="RU-MOW"),
                                                   person_row(snils(2), district="RU-SPE")]), ru)
    return cli_run


@pytest.mark.parametrize("who", ["partner:A", "person:1", "system:engine", "partner:Border Guard"])
def test_the_command_line_never_acts_as_a_partner_a_person_or_the_system(two_districts, monkeypatch, who):
    monkeypatch.setenv("MUSTER_ACTOR", who)
    person = Person.objects.get(national_id=snils(1))
    result = two_districts("person", "show", snils(1), "--purpose", "curious")
    assert result.exit_code == 2
    assert "not allowed: the command line acts only as an officer's account" in result.output
    assert reads_of(person.pk) == []


def test_an_unknown_account_is_told_how_to_get_one(two_districts, monkeypatch):
    monkeypatch.setenv("MUSTER_ACTOR", "stranger")
    result = two_districts("person", "show", snils(1), "--purpose", "curious")
    assert result.exit_code == 2
    assert ("not allowed: no Muster account named 'stranger'; ask an administrator: muster user add stranger"
            in result.output)


def test_an_officer_reads_only_in_their_districts_and_is_named_in_the_access_log(two_districts, monkeypatch):
    added = two_districts("user", "add", "petrova", "--role", "registration_officer", "--district", "RU-SPE",
                          "--no-password", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["districts"] == ["RU-SPE"]
    monkeypatch.setenv("MUSTER_ACTOR", "petrova")
    outside = two_districts("person", "show", snils(1), "--purpose", "appeal")
    assert outside.exit_code == 2 and "outside your districts (RU-SPE)" in outside.output
    inside = two_districts("person", "show", snils(2), "--purpose", "appeal", "--json")
    assert inside.exit_code == 0
    reads = reads_of(Person.objects.get(national_id=snils(2)).pk)
    assert [r["who"] for r in reads] == ["cli:petrova"]


@pytest.mark.parametrize(("role", "allowed"), [("auditor", True), ("administrator", False),
                                               ("registration_officer", True), ("operator", True)])
def test_the_accounts_role_decides(two_districts, monkeypatch, role, allowed):
    assert two_districts("user", "add", "someone", "--role", role, "--no-password").exit_code == 0
    monkeypatch.setenv("MUSTER_ACTOR", "someone")
    result = two_districts("partner", "add", "Border Guard", "--kinds", "exit_ban", "--json")
    # Partners are administered by operators and administrators; the others are refused.
    assert (result.exit_code == 0) == (role in ("operator", "administrator")), result.output
    listed = two_districts("liable", "--on", "2025-01-01", "--list")
    assert (listed.exit_code == 0) == allowed, listed.output


def test_user_add_refuses_a_bad_role_or_district(two_districts):
    bad_role = two_districts("user", "add", "x1", "--role", "partner", "--no-password", "--json")
    assert bad_role.exit_code == 2 and "--role" in bad_role.stdout
    bad_district = two_districts("user", "add", "x2", "--district", "RU-NOPE", "--no-password", "--json")
    assert bad_district.exit_code == 2 and "unknown district RU-NOPE" in bad_district.stdout


def test_only_an_administrator_or_operator_adds_accounts(two_districts, monkeypatch):
    assert two_districts("user", "add", "clerk", "--role", "registration_officer", "--no-password").exit_code == 0
    monkeypatch.setenv("MUSTER_ACTOR", "clerk")
    result = two_districts("user", "add", "friend", "--role", "operator", "--no-password")
    assert result.exit_code == 2 and "not allowed" in result.output


def test_init_makes_the_os_user_the_first_operator_only_once(db, packs):
    from click.testing import CliRunner

    from muster.accounts.models import Officer
    from muster.interfaces.cli.main import build

    runner = CliRunner()
    first = json.loads(runner.invoke(build(), ["init", "--json"], catch_exceptions=False).stdout)
    assert first["first_operator"] == getpass.getuser()
    assert first["audit"]["signing_key"] == "created"  # checkpoints can be signed from the start
    officer = Officer.objects.get(user__username=getpass.getuser())
    assert officer.role == "operator" and officer.all_districts
    again = json.loads(runner.invoke(build(), ["init", "--json"], catch_exceptions=False).stdout)
    assert again["first_operator"] is None and Officer.objects.count() == 1
