"""The console in a real browser (Debian's Chromium through Playwright, executable_path; no browser
is ever downloaded), by keyboard alone: sign in with a password and a TOTP code set up on the spot,
search a person of one's district, state the purpose, open the record, then the work queue and an
application. Each page has no axe-core
violation and no Content Security Policy report."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from muster.audit.access import reads_of
from muster.casework import services as casework
from muster.kernel.actor import Actor
from muster.registry.models import Person
from tests.conftest import at
from tests.functional.console_helpers import PASSWORD, code_for, make_officer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def console_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _accessible(page, name: str, language: str) -> None:
    """No axe-core violation; with MUSTER_CONSOLE_SCREENSHOTS=DIR also a screenshot of the page
    (docs/screenshots/console/ holds the ones taken so)."""
    from axe_playwright_python.sync_playwright import Axe

    shots = os.environ.get("MUSTER_CONSOLE_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"{name}-{language}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def _type_into(page, label: str, text: str) -> None:
    """Tab to the field the label names (keyboard only) and type."""
    field = page.get_by_label(label, exact=True)
    for _ in range(30):
        if field.evaluate("e => e === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"no keyboard path to {label!r}")
    page.keyboard.type(text)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_journey_by_keyboard_with_no_axe_violations(live_server, ru, people, console_browser, language):
    ours = Person.objects.get(national_id=people(2, "RU-RYA")[0])
    make_officer("olga")
    filed = casework.submit(Actor.officer("t"), ru, ours.national_id, "deferment", "it_employee",
                            at=at("2026-03-03"))["number"]
    context = console_browser.new_context(locale=language)  # type: ignore[attr-defined]
    page = context.new_page()
    csp_reports: list[str] = []
    page.on("console", lambda m: csp_reports.append(m.text) if "Content Security Policy" in m.text else None)
    words = {"en": {"user": "User name", "password": "Password", "code": "The 6-digit code from your authenticator app",
                    "id": "National id", "other": "Other (say what)", "details": "Details (a case or reference number)", "queue": "Work queue"},
             "ru": {"user": "Имя пользователя", "password": "Пароль", "code": "6-значный код из приложения-аутентификатора",
                    "id": "Идентификационный номер", "other": "Другое (укажите, что именно)",
                    "details": "Подробности (номер дела или обращения)", "queue": "Очередь работы"}}[language]

    page.goto(live_server.url + "/console/sign-in")
    _accessible(page, "sign-in", language)
    _type_into(page, words["user"], "olga")
    _type_into(page, words["password"], PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/set-up")
    _accessible(page, "set-up", language)
    secret = page.locator("code.secret").first.inner_text()
    _type_into(page, words["code"], code_for(secret))
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    _accessible(page, "search", language)

    _type_into(page, words["id"], ours.national_id)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _accessible(page, "results", language)
    link = page.locator(f"a[href='/console/person/{ours.pk}/']")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/person/{ours.pk}/")
    _accessible(page, "purpose", language)
    page.get_by_label(words["other"]).focus()
    page.keyboard.press("Space")
    _type_into(page, words["details"], "browser check")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert ours.family_name in page.inner_text("h1")
    _accessible(page, "person", language)
    page.get_by_role("link", name=words["queue"]).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert filed in page.inner_text("main")
    _accessible(page, "queue", language)
    page.get_by_role("link", name=filed).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _accessible(page, "application", language)
    assert csp_reports == []
    context.close()
    assert [r["purpose"] for r in reads_of(ours.pk)] == ["other: browser check", f"application or appeal: {filed}"]


def test_axe_runs_under_the_consoles_csp_and_finds_a_violation(live_server, packs, console_browser):
    """The control: the same check, on a page with an image without alt text under the console's
    own CSP header, reports it; so zero above means none."""
    from axe_playwright_python.sync_playwright import Axe

    page = console_browser.new_page()  # type: ignore[attr-defined]
    url = live_server.url + "/console/sign-in"
    csp = page.request.get(url).headers["content-security-policy"]
    html = '<html lang="en"><head><title>x</title></head><body><main><img src="/x.png"></main></body></html>'
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html,
                                                 headers={"Content-Security-Policy": csp}))
    page.goto(url)
    assert "image-alt" in Axe().run(page).generate_report()
    page.close()
