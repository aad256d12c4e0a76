"""The `muster` command line and its JSON contracts."""

from __future__ import annotations

import json
import shutil

import pytest

from muster.audit.models import AuditRecord
from muster.policy.files import builtin_packs_dir
from muster.registry.importer import import_persons
from tests.conftest import person_row, snils, write_csv
from tests.functional.audit_attack import superuser_tampering

pytestmark = pytest.mark.django_db


def test_init_is_idempotent(cli_run):
    first = json.loads(cli_run("init", "--json").stdout)
    assert first["refused"] == []
    again = json.loads(cli_run("init", "--json").stdout)
    assert {p["pack"]: p["changed"] for p in again["packs"]} == {"ru": False, "registration-only": False}


def test_a_bad_pack_is_refused_and_the_previous_version_stays(cli_run, tmp_path, settings):
    from muster.policy import loader

    extra = tmp_path / "packs"
    shutil.copytree(builtin_packs_dir() / "ru", extra / "ru")
    settings.MUSTER_PACKS_DIRS = [builtin_packs_dir(), extra]
    bad = extra / "ru" / "policies" / "2026-01-01.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("grace_days = 20", "grace_days = \"20\""),
                   encoding="utf-8")
    result = cli_run("init", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["refused"][0]["pack"] == "ru"
    assert "ru/policies/2026-01-01.toml: key 'summons.grace_days': expected an integer" in data["refused"][0]["problems"][0]
    assert loader.get_pack("ru").versions[-1].summons.grace_days == 20  # still the accepted pack


def test_packs_list(cli_run):
    data = json.loads(cli_run("packs", "list", "--json").stdout)
    ru = next(p for p in data if p["code"] == "ru")
    assert [v["effective_from"] for v in ru["versions"]] == ["2023-04-14", "2023-08-04", "2024-01-01", "2026-01-01"]


@pytest.mark.parametrize(
    ("on", "code", "max_age"),
    [("2023-05-01", "ru-2023-04-14", 27), ("2024-01-01", "ru-2024-01-01", 30), ("2026-06-01", "ru-2026-01-01", 30)],
)
def test_policy_show(cli_run, on, code, max_age):
    data = json.loads(cli_run("policy", "show", "ru", "--on", on, "--json").stdout)
    assert data["version"]["code"] == code
    assert data["version"]["eligibility"]["max_age"] == max_age


def test_policy_show_before_any_version_and_unknown_pack(cli_run):
    result = cli_run("policy", "show", "ru", "--on", "2020-01-01", "--json")
    assert result.exit_code == 4 and "no policy version" in result.stdout
    result = cli_run("policy", "show", "xx", "--json")
    assert result.exit_code == 4 and "not installed" in result.stdout


def test_policy_check(cli_run, tmp_path):
    good = builtin_packs_dir() / "ru" / "policies" / "2024-01-01.toml"
    ok = cli_run("policy", "check", str(good), "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace("[eligibility]", "[eligibilty]"), encoding="utf-8")
    result = cli_run("policy", "check", str(bad), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert any("key 'eligibilty': unknown key" in p for p in problems)
    assert any("key 'eligibility.min_age': is missing" in p for p in problems)


def test_person_show_json_contract_and_read_is_logged(cli_run, tmp_path, ru):
    import_persons(write_csv(tmp_path / "p.csv", [person_row("112-233-445 95", birth_date="1998-03-02")]), ru)
    result = cli_run("person", "show", "112 233 445 95", "--on", "2028-03-02", "--json",
                     "--purpose", "check before campaign")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["national_id"] == "11223344595"
    assert data["fields"]["birth_date"] == "1998-03-02"
    assert data["provenance"]["birth_date"]["source"] == "import"
    assert data["liability"] == {"liable": False, "code": "too_old",
                                 "reasons": data["liability"]["reasons"], "policy_version": "ru-2026-01-01"}
    assert data["liability"]["reasons"][0] == "not liable: turned 30 on 2028-03-02"
    read = AuditRecord.objects.get(action="person.read")
    assert read.purpose == "check before campaign" and read.person_id is not None


def test_person_show_errors(cli_run, ru):
    bad = cli_run("person", "show", "112-233-445 96", "--json")
    assert bad.exit_code == 2 and "checksum" in bad.stdout
    missing = cli_run("person", "show", snils(42), "--json")
    assert missing.exit_code == 4 and "no person" in missing.stdout
    assert not AuditRecord.objects.filter(action="person.read").exists()


def test_liable_counts_and_list(cli_run, tmp_path, ru):
    rows = [person_row(snils(1), birth_date="2000-01-01"),
            person_row(snils(2), birth_date="2000-01-01", sex="F"),
            person_row(snils(3), birth_date="2010-01-01"),
            person_row(snils(4), birth_date="1996-06-01"),  # 27 before 2024: transitional
            person_row(snils(5), birth_date="2001-01-01", district="RU-SPE")]
    import_persons(write_csv(tmp_path / "p.csv", rows), ru)
    data = json.loads(cli_run("liable", "--pack", "ru", "--on", "2025-01-01", "--json").stdout)
    assert data == {"count": 2, "not_liable": {"sex": 1, "too_young": 1, "transitional": 1}}
    spb = json.loads(cli_run("liable", "--on", "2025-01-01", "--district", "RU-SPE", "--json").stdout)
    assert spb == {"count": 1, "not_liable": {}}
    listed = cli_run("liable", "--on", "2025-01-01", "--list").stdout.split()
    assert listed == sorted([snils(1), snils(5)])
    bad = cli_run("liable", "--on", "2025-01-01", "--district", "RU-NOPE", "--json")
    assert bad.exit_code == 2 and "unknown district" in bad.stdout


def test_liable_needs_a_real_date(cli_run):
    result = cli_run("liable", "--on", "2025-02-30")
    assert result.exit_code == 2 and "expected a date" in result.output


def test_audit_verify_detects_tampering(cli_run, tmp_path, ru):
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(1))]), ru)
    cli_run("person", "show", snils(1))
    ok = json.loads(cli_run("audit", "verify", "--json").stdout)
    assert ok["intact"] is True and ok["checked"] == 3  # the first account, the import, the read
    with superuser_tampering() as cur:
        cur.execute("UPDATE audit_auditrecord SET purpose = 'nothing to see' WHERE action = 'person.read'")
    bad = cli_run("audit", "verify", "--json")
    assert bad.exit_code == 2 and json.loads(bad.stdout)["intact"] is False


def test_user_add(cli_run):
    from django.contrib.auth import get_user_model

    result = cli_run("user", "add", "officer1", "--superuser", "--password-stdin", "--json",
                     input="a-long-enough-Passw0rd\n")
    assert result.exit_code == 0
    assert get_user_model().objects.get(username="officer1").is_superuser
    weak = cli_run("user", "add", "officer2", "--password-stdin", input="123\n")
    assert weak.exit_code == 2
