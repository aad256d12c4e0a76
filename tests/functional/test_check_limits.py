"""Each partner key's rate limit on the check (429 with Retry-After), the counts operators alert
on (`muster partner stats`), and revocation reaching the check at once where keys are read per
request (issue 11, B4 and B6)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from muster.kernel.actor import Actor
from muster.measures import limits
from muster.measures.models import CheckCount
from muster.partners import keys
from muster.rules.national_id import snils_check_digits
from tests.functional.test_fastpath import call, keep_the_test_connection  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
UNKNOWN = f"123456789{snils_check_digits(123456789):02d}"  # well formed, not in the registry


@pytest.fixture
def slow(settings, monkeypatch):
    """A rate of one check a second with bursts of two, a clock that stands still, fresh counts."""
    settings.MUSTER_CHECK_RATE_PER_SECOND = 1
    settings.MUSTER_CHECK_RATE_BURST = 2
    clock = {"now": 1000.0}
    monkeypatch.setattr(limits, "LIMITS", limits.CheckLimits(monotonic=lambda: clock["now"]))
    return clock


def _view(nid: str, key: str):
    return Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize("path", ["fast path", "view"])
def test_a_key_over_its_rate_gets_429_with_retry_after_as_a_problem_document(world, slow, path):
    def check(key: str) -> tuple[int, dict[str, str], bytes]:
        if path == "view":
            response = _view(world["ids"][0], key)
            return response.status_code, dict(response.headers), response.content
        status, headers, body, _ = call(f"/api/v1/measures/{world['ids'][0]}", key)
        return status, headers, body

    assert [check(world["border"])[0] for _ in range(2)] == [200, 200]
    status, headers, body = check(world["border"])
    assert status == 429 and headers["Retry-After"] == "1"
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == {"type": "about:blank", "title": "Too many requests", "status": 429,
                                "detail": "too many checks for this key; retry after 1 s", "errors": []}
    assert check(world["bureau"])[0] == 200  # another key has its own allowance
    slow["now"] += 1.0
    assert check(world["border"])[0] == 200  # a token back after a second
    assert check(world["border"])[0] == 429


def test_a_refused_check_reads_nothing_and_logs_nothing(world, slow):
    from muster.audit.models import PartnerRead

    for _ in range(2):
        assert _view(world["ids"][0], world["border"]).status_code == 200
    logged = PartnerRead.objects.count()
    assert _view(world["ids"][1], world["border"]).status_code == 429
    assert PartnerRead.objects.count() == logged


def test_a_stranger_with_the_key_id_but_not_the_secret_cannot_use_up_the_allowance(world, slow):
    key_id = world["border"].split("_")[1]
    for _ in range(5):
        assert _view(world["ids"][0], f"mst_{key_id}_wrong-secret").status_code == 401
    assert _view(world["ids"][0], world["border"]).status_code == 200
    assert limits.LIMITS.buckets.keys() == {key_id}  # wrong or unknown keys make no buckets


def test_checks_unknown_ids_and_429s_are_counted_per_key_for_partner_stats(world, slow, cli_run):
    border_id, bureau_id = world["border"].split("_")[1], world["bureau"].split("_")[1]
    assert _view(world["ids"][0], world["border"]).status_code == 200
    assert _view(UNKNOWN, world["border"]).status_code == 200  # an empty answer, as for a person without measures
    assert _view(UNKNOWN, world["border"]).status_code == 429
    assert _view(world["ids"][1], world["bureau"]).status_code == 200
    result = cli_run("partner", "stats", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"partner": "Border", "key_id": border_id, "checks": 2, "unknown_ids": 1, "limited": 1},
        {"partner": "Bureau", "key_id": bureau_id, "checks": 1, "unknown_ids": 0, "limited": 0}]
    slow["now"] += 10
    for nid in (UNKNOWN, f"123456780{snils_check_digits(123456780):02d}"):
        assert _view(nid, world["border"]).status_code == 200
    stats = json.loads(cli_run("partner", "stats", "--json").stdout)
    assert stats[0]["checks"] == 4 and stats[0]["unknown_ids"] == 3
    assert sum(CheckCount.objects.values_list("checks", flat=True)) == 5  # one row per key and minute
    assert "Border" in cli_run("partner", "stats").stdout


def test_counts_that_cannot_be_written_are_kept_for_the_next_flush(world, slow, monkeypatch):
    assert _view(UNKNOWN, world["border"]).status_code == 200
    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setattr(limits, "_add", lambda *a: (_ for _ in ()).throw(RuntimeError("database down")))
        limits.LIMITS.flush()
    limits.LIMITS.flush()
    row = CheckCount.objects.get()
    assert (row.checks, row.unknown_ids, row.limited) == (1, 1, 0)


@pytest.mark.parametrize("path", ["fast path", "view"])
def test_without_a_replica_a_revoked_key_is_refused_at_the_next_check(world, path):
    """SQLite, or no `muster serve`: the key is read in each check's own query."""
    def status(key: str) -> int:
        if path == "view":
            return _view(world["ids"][0], key).status_code
        return call(f"/api/v1/measures/{world['ids'][0]}", key)[0]

    assert status(world["border"]) == 200
    keys.revoke("Border", actor=Actor.officer("t"))
    assert status(world["border"]) == 401
    new = keys.rotate("Border", actor=Actor.officer("t"))["api_key"]
    assert (status(world["border"]), status(new)) == (401, 200)
