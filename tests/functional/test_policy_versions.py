"""`muster init` keeps installed policy versions as they were (issue 11, A5): a changed file for a
version in force, or one decisions used, is refused naming the version; `policy check` names a
bad time zone."""

from __future__ import annotations

import json
import shutil
from datetime import time

import pytest

from muster.campaigns.models import Campaign
from muster.policy import loader
from muster.policy.files import builtin_packs_dir
from muster.registry.models import Person
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
FUTURE_CODE = "ru-2099-01-01"


@pytest.fixture
def ru_copy(tmp_path, settings):
    """A copy of the ru pack on MUSTER_PACKS_DIRS (it overrides the built-in one)."""
    extra = tmp_path / "packs"
    shutil.copytree(builtin_packs_dir() / "ru", extra / "ru")
    settings.MUSTER_PACKS_DIRS = [builtin_packs_dir(), extra]
    return extra / "ru"


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _add_future_version(pack):
    text = (pack / "policies" / "2026-01-01.toml").read_text(encoding="utf-8")
    (pack / "policies" / "2099-01-01.toml").write_text(
        text.replace('code = "ru-2026-01-01"', f'code = "{FUTURE_CODE}"')
            .replace("effective_from = 2026-01-01", "effective_from = 2099-01-01"), encoding="utf-8")
    _edit(pack / "pack.toml", '"policies/2026-01-01.toml",', '"policies/2026-01-01.toml",\n  "policies/2099-01-01.toml",')


def test_changing_a_version_in_force_is_refused_and_the_installed_one_stays(cli_run, ru_copy):
    _edit(ru_copy / "policies" / "2026-01-01.toml", "grace_days = 20", "grace_days = 5")
    result = cli_run("init", "--json")
    assert result.exit_code == 2, result.output
    (problem,) = json.loads(result.stdout)["refused"][0]["problems"]
    assert problem.startswith("ru/policies/2026-01-01.toml: installed policy version ru-2026-01-01 is changed")
    assert "publish a new version (a new code and file) with its own effective date" in problem
    assert "refused: ru/policies/2026-01-01.toml" in result.stderr
    assert loader.get_pack("ru").version("ru-2026-01-01").summons.grace_days == 20


def test_a_comment_is_not_a_change(cli_run, ru_copy):
    _edit(ru_copy / "policies" / "2026-01-01.toml", "grace_days = 20", "grace_days = 20  # reviewed 2026")
    result = cli_run("init", "--json")
    assert result.exit_code == 0, result.output


def test_a_future_version_nothing_used_may_be_replaced_until_a_decision_uses_it(cli_run, ru_copy, people):
    _add_future_version(ru_copy)
    assert cli_run("init", "--json").exit_code == 0
    future = ru_copy / "policies" / "2099-01-01.toml"
    _edit(future, "grace_days = 20", "grace_days = 25")
    replaced = cli_run("init", "--json")
    assert replaced.exit_code == 0, replaced.output
    assert loader.get_pack("ru").version(FUTURE_CODE).summons.grace_days == 25
    (nid,) = people(1)
    campaign = Campaign.objects.create(code="SIM", purpose="call_up", pack_code="ru", policy_version=FUTURE_CODE,
                                       place="x", appear_from=at("2099-01-10").date(),
                                       appear_to=at("2099-01-10").date(), appear_time=time(9), created_by="t")
    Summons.objects.create(campaign=campaign, person=Person.objects.get(national_id=nid), district="RU-RYA",
                           placed_at=at("2099-01-02"), placed_on=at("2099-01-02").date(),
                           appearance_date=at("2099-01-10").date(), status="placed", policy_version=FUTURE_CODE,
                           issue_run=0)
    _edit(future, "grace_days = 25", "grace_days = 30")
    refused = cli_run("init", "--json")
    assert refused.exit_code == 2
    assert "summonses or measures already rest on it" in refused.stdout
    assert loader.get_pack("ru").version(FUTURE_CODE).summons.grace_days == 25


def test_policy_check_names_a_bad_time_zone_and_a_missing_file_together(cli_run, ru_copy):
    _edit(ru_copy / "pack.toml", 'time_zone = "Europe/Moscow"', 'time_zone = "Mars/Olympus"')
    (ru_copy / "policies" / "2024-01-01.toml").unlink()
    result = cli_run("policy", "check", str(ru_copy), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert problems == ["ru/pack.toml: key 'pack.time_zone': 'Mars/Olympus' is not a time zone of the IANA "
                        "database (such as Europe/Moscow)", "ru/policies/2024-01-01.toml: file not found"]
