"""Applying and appealing in a real browser (Debian's Chromium through Playwright's
executable_path, never downloaded) over a live server and the loopback OpenID provider: sign in,
see the summons and the exit ban, apply for an excuse with a PDF, see the confirmation; an officer
grants it through the command line; the person then sees the ban lifted and the decision message.
axe-core finds no violation on any new page, in either language; with
MUSTER_PORTAL_SCREENSHOTS=DIR each new page is saved in both languages (docs/screenshots/portal/)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures.evidence import craft
from tests.functional import test_portal_browser as shared
from tests.functional.portal_support import add_identity

CHROMIUM = shared.CHROMIUM
browser = shared.browser  # the Chromium fixture, shared
_axe_violations = shared._axe_violations
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"


def _look(page, name: str, language: str, *, shot: bool = True) -> None:
    """No axe violation; the screenshot when asked for."""
    assert _axe_violations(page) == [], (name, language, page.url)
    shots = os.environ.get("MUSTER_PORTAL_SCREENSHOTS")
    if shots and shot:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}-{language}.png"), full_page=True)


def _apply_for_an_excuse(page, base: str, pdf: Path, language: str) -> str:
    """The whole Apply journey; returns the application number on the confirmation."""
    page.goto(f"{base}/portal/apply/")
    page.click("button[type=submit].button")  # nothing chosen: the error summary
    _look(page, "apply-error", language)
    page.check("#kind-excuse")
    _look(page, "apply-start", language)
    page.click("button[type=submit].button")
    _look(page, "apply-summons", language)
    page.check("input[name=summons]")
    page.click("button[type=submit].button")
    _look(page, "apply-ground", language)
    page.check("input[name=ground][value=illness]")
    page.click("button[type=submit].button")
    page.set_input_files("#evidence", str(pdf))
    page.click("button:has-text('Upload'), button:has-text('Загрузить')")
    assert pdf.name in page.inner_text("main")
    _look(page, "apply-evidence", language)
    page.click("main a.button")  # continue to check your answers
    _look(page, "apply-check", language)
    page.click("form button[type=submit].button")
    _look(page, "apply-done", language)
    return page.inner_text("strong.code")


def test_apply_for_an_excuse_then_an_officer_grants_it_and_the_ban_is_lifted(world, provider, live_server, browser,
                                                                            cli_run, tmp_path):
    from muster.delivery import messages as notify
    from muster.kernel import clock

    national_id = world["ids"][0]
    add_identity(provider, "alice", national_id=national_id)
    pdf = tmp_path / "sick-note.pdf"
    pdf.write_bytes(craft.one_page_pdf())
    allowed = {urlsplit(live_server.url).netloc, urlsplit(provider).netloc}
    strangers: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc in allowed
                  else (strangers.append(route.request.url), route.abort()))
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/portal/")
    page.click("a.button")
    page.fill("input[name=sub]", "alice")
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{base}/portal/record/")
    strangers.clear()

    # Russian first (the pack's default): an excuse that stays a saved draft, and the appeal pages.
    page.goto(f"{base}/portal/applications/")
    _look(page, "applications", "ru")
    page.goto(f"{base}/portal/apply/")
    page.click("button[type=submit].button")  # nothing chosen: the error summary
    assert "Выберите, о чём вы подаёте заявление." in page.inner_text(".error-summary")
    _look(page, "apply-error", "ru")
    page.check("#kind-excuse")
    _look(page, "apply-start", "ru")
    page.click("button[type=submit].button")
    _look(page, "apply-summons", "ru")
    page.check("input[name=summons]")
    page.click("button[type=submit].button")
    _look(page, "apply-ground", "ru")
    page.click("button[type=submit].button")  # no ground chosen: the error summary
    assert "Выберите основание заявления." in page.inner_text(".error-summary")
    _look(page, "apply-ground-error", "ru")
    _appeal_pages(page, base, "ru")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("load")
    _appeal_pages(page, base, "en")
    page.goto(f"{base}/portal/notices/")
    assert "Missed" in page.inner_text("main")
    page.goto(f"{base}/portal/measures/")
    assert "Ban on leaving the country" in page.inner_text("main") and "Lifted on" not in page.inner_text("main")
    number = _apply_for_an_excuse(page, base, pdf, "en")
    assert number.startswith("A-") and "will decide it by" in page.inner_text("main")
    page.goto(f"{base}/portal/applications/")
    _look(page, "applications", "en")

    decided = cli_run("application", "decide", number, "grant", "--reason", "sick note from the clinic", "--json")
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.output)["decision"]["outcome"] == "granted"
    notify.make_messages(clock.now())

    page.goto(f"{base}/portal/measures/")
    assert "Lifted on" in page.inner_text("main")
    page.goto(f"{base}/portal/messages/")
    assert "A decision on your application" in page.inner_text("main")
    page.goto(f"{base}/portal/applications/")
    assert "Granted" in page.inner_text("main")
    _look(page, "applications-decided", "en")
    assert _apply_deferment(page, base, "en").startswith("A-")
    page.click("button[name=language][value=ru]")
    page.wait_for_load_state("load")
    page.goto(f"{base}/portal/applications/")
    assert "Удовлетворено" in page.inner_text("main")
    _look(page, "applications-decided", "ru")
    page.goto(f"{base}/portal/apply/")
    assert "Продолжить сохранённое заявление" in page.inner_text("main")
    _look(page, "apply-saved", "ru")
    assert _apply_deferment(page, base, "ru").startswith("A-")
    assert strangers == []
    context.close()


def _apply_deferment(page, base: str, language: str) -> str:
    """A deferment with no end date (the ground's own period); in English only the until page is
    saved as a screenshot (the excuse has the others)."""
    page.goto(f"{base}/portal/apply/")
    page.check("#kind-deferment")
    page.click("button[type=submit].button")
    page.check("input[name=ground]")
    page.click("button[type=submit].button")
    _look(page, "apply-until", language)
    page.click("button[type=submit].button")  # blank: the ground's own period
    _look(page, "apply-evidence", language, shot=language == "ru")
    page.click("main a.button")
    _look(page, "apply-check", language, shot=language == "ru")
    page.click("form button[type=submit].button")
    _look(page, "apply-done", language, shot=language == "ru")
    return page.inner_text("strong.code")


def _appeal_pages(page, base: str, language: str) -> None:
    """From the measures page to a filed appeal against one measure (a different one per language)."""
    page.goto(f"{base}/portal/appeal/")
    _look(page, "appeal", language)
    page.goto(f"{base}/portal/measures/")
    links = page.locator("main a[href^='/portal/appeal/measure/']")
    links.nth(1 if language == "ru" else 2).click()
    page.click("form button[type=submit].button")  # no reason: the error summary
    _look(page, "appeal-window", language)
    page.fill("#reason", "I was in hospital" if language == "en" else "Я был в больнице")
    page.click("form button[type=submit].button")
    _look(page, "appeal-check", language)
    page.click("form button[type=submit].button")
    _look(page, "appeal-filed", language)
    assert page.locator("strong.code").inner_text().startswith("P-")
