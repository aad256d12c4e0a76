"""/verify/: a real per-minute window per client (an IPv6 /64 is one client), the trusted proxy,
80-bit codes on new letters with the old 8-character codes still honoured, and the HMAC computed
for every number, known or not. Time comes from the kernel's clock port, never from sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from muster.kernel import clock
from muster.rules.notice_numbers import (
    format_summons_number,
    legacy_verification_code,
    summons_number,
    verification_code,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
UNKNOWN = format_summons_number(summons_number(987_654))  # well-formed, no such summons


@pytest.fixture
def at_time(packs):
    """Set the kernel's clock: at_time(seconds after T0)."""
    previous = clock.use(clock.FixedClock(T0))
    yield lambda seconds: clock.use(clock.FixedClock(T0 + timedelta(seconds=seconds)))
    clock.use(previous)


def _check(client, number=UNKNOWN, code="AAAA-AAAA-AAAA-AAAA", **meta):
    return client.get("/verify/", {"n": number, "c": code}, **meta).status_code


def test_the_limit_is_a_window_of_one_minute_not_an_expiry_each_request_pushes_on(client, settings, at_time):
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 3
    assert [_check(client) for _ in range(4)] == [404, 404, 404, 429]
    at_time(70)  # the next minute: a fresh count, however often the client was refused
    assert _check(client) == 404
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 1
    statuses = []
    for step in range(2, 6):  # one request every 70 s: never over one a minute
        at_time(70 * step)
        statuses.append(_check(client))
    assert statuses == [404] * 4


def test_an_ipv6_client_is_its_slash_64(client, settings, at_time):
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 3
    same_64 = [_check(client, REMOTE_ADDR=f"2001:db8:5:6::{i:x}") for i in range(1, 5)]
    assert same_64 == [404, 404, 404, 429]  # four addresses, one subscriber
    assert _check(client, REMOTE_ADDR="2001:db8:5:7::1") == 404  # the next /64 is someone else
    assert _check(client, REMOTE_ADDR="2001:db8:5:6:ffff:ffff:ffff:ffff") == 429


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, settings, at_time):
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 2
    settings.MUSTER_CLIENT_IP_HEADER = None
    spoofed = [_check(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}") for i in range(3)]
    assert spoofed == [404, 404, 429]  # a fresh X-Forwarded-For each time does not dodge the limit


def test_a_trusted_proxy_names_the_client(client, settings, at_time):
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 2
    settings.MUSTER_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy appends the address it saw; what the client claimed before it is ignored.
    first = [_check(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.5", **proxy) for i in range(3)]
    assert first == [404, 404, 429]
    assert _check(client, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy) == 404  # another client behind the proxy
    assert _check(client, HTTP_X_FORWARDED_FOR="2001:db8::1", **proxy) == 404


def test_the_hmac_is_computed_for_numbers_that_do_not_exist(client, packs, monkeypatch):
    from muster.summons import services

    calls = []
    real = services.code_matches

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "code_matches", counting)
    assert _check(client) == 404
    assert calls == [summons_number(987_654)]  # the same work as for a number that exists


@pytest.fixture
def letter(ru, people, tmp_path, monkeypatch):
    """One printed letter (its page as the printer saw it) and its summons number."""
    from datetime import date

    from muster.campaigns import issuing
    from muster.campaigns import services as campaigns
    from muster.delivery import letters
    from muster.kernel.actor import Actor
    from tests.conftest import at

    now = at("2026-03-02")
    people(2)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 2},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="x"), actor=Actor.officer("t"), today=now.date())
    issuing.issue(campaigns.get("C"), now, actor=Actor.officer("t"))
    pages = []

    class Printer:
        def render(self, batch, pdf_path):
            pages.extend(batch)
            pdf_path.write_bytes(b"%PDF fake")

    monkeypatch.setattr(letters, "letter_printer", lambda: Printer())
    letters.make_batch(now, tmp_path, actor=Actor.officer("t"))
    page = pages[0]
    number = page.title.split("№ ")[1]
    return page, number


def test_a_new_letter_prints_an_80_bit_code_and_it_verifies(client, letter, settings):
    page, number = letter
    code = verification_code(int(number.replace("-", "")), settings.MUSTER_VERIFY_KEY)
    assert len(code.replace("-", "")) * 5 >= 64
    assert code in page.verify and f"c={code}" in page.qr_text
    response = client.get("/verify/", {"n": number, "c": code})
    assert response.status_code == 200 and "This notice is genuine" in response.content.decode()
    assert _check(client, number, code.replace("-", " ").lower()) == 200


def test_a_letter_printed_with_an_old_code_still_verifies(client, letter, settings):
    _, number = letter
    old = legacy_verification_code(int(number.replace("-", "")), settings.MUSTER_VERIFY_KEY)
    assert len(old) == 8
    assert _check(client, number, old) == 200
    settings.MUSTER_VERIFY_LEGACY_CODES = False  # once no old letter is in circulation
    assert _check(client, number, old) == 404


def test_a_crowd_of_other_clients_does_not_wipe_a_clients_count(client, settings, at_time):
    """The counts live in the database cache: hundreds of addresses in one minute (one attacker's
    many, or a busy morning) must not cull the others' counts and so lift their limit."""
    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 2
    assert [_check(client, REMOTE_ADDR="192.0.2.1") for _ in range(2)] == [404, 404]
    for i in range(400):
        _check(client, REMOTE_ADDR=f"203.0.{i // 250}.{i % 250 + 1}")  # keys after the first client's
    assert _check(client, REMOTE_ADDR="192.0.2.1") == 429
