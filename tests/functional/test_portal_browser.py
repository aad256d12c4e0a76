"""The portal in a real browser (Debian's Chromium, driven by Playwright with executable_path; no
browser is ever downloaded) over a live server and the loopback OpenID provider: sign in at the
provider, see a summons and an exit ban, see a partner's check in "who viewed my record", switch
language; axe-core (bundled with axe-playwright-python, injected from the package's own file)
reports no violation on any page, and no request leaves the two loopback servers. With
MUSTER_PORTAL_SCREENSHOTS=DIR, each page is saved in both languages (docs/screenshots/portal/)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.functional.portal_support import add_identity
from tests.functional.test_delivery_channels import smtp_server  # noqa: F401 (fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PAGES = [("record", "/portal/record/"), ("notices", "/portal/notices/"), ("measures", "/portal/measures/"),
         ("access-log", "/portal/access-log/"), ("messages", "/portal/messages/"), ("extract", "/portal/extract/"),
         ("contacts", "/portal/contacts/")]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]]


def test_the_journey_in_a_browser(world, provider, live_server, browser):
    from muster.delivery import messages as notify
    from tests.conftest import at

    national_id = world["ids"][0]
    add_identity(provider, "alice", national_id=national_id)
    assert requests.get(f"{live_server.url}/api/v1/measures/{national_id}",
                        headers={"Authorization": f"Bearer {world['border']}"}, timeout=10).status_code == 200
    notify.make_messages(at("2026-04-06"))
    allowed = {urlsplit(live_server.url).netloc, urlsplit(provider).netloc}
    strangers: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    # Nothing may load from elsewhere (the provider's own form asks a CDN for its style: refused here).
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc in allowed
                  else (strangers.append(route.request.url), route.abort()))
    page = context.new_page()
    shots = os.environ.get("MUSTER_PORTAL_SCREENSHOTS")

    page.goto(f"{live_server.url}/portal/")
    assert "Ваш воинский учёт" in page.inner_text("main")  # the ru pack's default language
    assert _axe_violations(page) == []
    page.click("a.button")  # "Войти": to the provider
    page.fill("input[name=sub]", "alice")  # the provider's own sign-in form
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{live_server.url}/portal/record/")
    strangers.clear()  # from here on, only Muster's pages
    for language in ("ru", "en"):
        if language == "en":
            page.click("button[name=language][value=en]")
            page.wait_for_load_state("load")
        for name, path in PAGES:
            page.goto(live_server.url + path)
            assert _axe_violations(page) == [], (language, path)
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"{name}-{language}.png"), full_page=True)
    page.goto(f"{live_server.url}/portal/notices/")
    text = page.inner_text("main")
    assert "Summons" in text and "Missed" in text and "Verification code" in text
    page.goto(f"{live_server.url}/portal/measures/")
    assert "Ban on leaving the country" in page.inner_text("main")
    page.goto(f"{live_server.url}/portal/access-log/")
    assert "Partner agency: Border" in page.inner_text("main")
    assert strangers == []
    page.click("button:has-text('Sign out')")  # to the provider's end of session, and back
    page.click("button:has-text('End session')")
    page.wait_for_url(lambda url: url.startswith(f"{live_server.url}/portal/signed-out/"))
    strangers.clear()
    assert "You are signed out" in page.inner_text("main") and _axe_violations(page) == []
    page.goto(f"{live_server.url}/portal/record/")  # signed out: back to the start
    assert page.url == f"{live_server.url}/portal/" and _axe_violations(page) == []
    page.goto(f"{live_server.url}/portal/callback/?state=forged&code=forged")
    assert "Signing in did not work" in page.inner_text("main") and _axe_violations(page) == []
    assert strangers == []
    context.close()


def _shot(page, name: str) -> None:
    shots = os.environ.get("MUSTER_PORTAL_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)


def test_the_account_pages_in_a_browser(world, provider, live_server, browser, settings, smtp_server):  # noqa: F811
    """A message opened (and so read), the extract's downloads, a new email confirmed with the code
    it received (a wrong code first: the error summary), consent turned off; axe on each page in
    both languages, no JavaScript of the portal's own."""
    import re

    from muster.delivery import messages as notify
    from muster.delivery.models import PersonMessage
    from muster.registry.models import Person
    from tests.conftest import at

    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    national_id = world["ids"][0]
    add_identity(provider, "bob", national_id=national_id)
    notify.make_messages(at("2026-04-06"))
    message = PersonMessage.objects.filter(person__national_id=national_id).order_by("-id").first()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/sign-in/")
    page.fill("input[name=sub]", "bob")
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{live_server.url}/portal/record/")
    for language in ("ru", "en"):
        if language == "en":
            page.click("button[name=language][value=en]")
            page.wait_for_load_state("load")
        page.goto(f"{live_server.url}/portal/messages/{message.pk}/")
        assert _axe_violations(page) == [], language
        _shot(page, f"message-{language}")
        page.goto(f"{live_server.url}/portal/contacts/")
        page.fill("#email", "not an address")
        page.click("button:has-text('{}')".format("Send a code to this address" if language == "en"
                                                  else "Отправить код на этот адрес"))
        assert page.locator(".error-summary").count() == 1 and _axe_violations(page) == [], language
        _shot(page, f"contacts-error-{language}")
        page.fill("#email", f"{language}.new@example.org")
        page.click("button:has-text('{}')".format("Send a code to this address" if language == "en"
                                                  else "Отправить код на этот адрес"))
        assert "/portal/contacts/confirm/" in page.url and _axe_violations(page) == [], language
        page.fill("#code", "12ab")
        page.click("button[type=submit].button")
        assert page.locator(".error-summary").count() == 1 and _axe_violations(page) == [], language
        _shot(page, f"contact-code-error-{language}")
        code = re.search(r"\b(\d{6})\b", received[-1].get_payload(decode=True).decode()).group(1)
        page.fill("#code", code)
        page.click("button[type=submit].button")
        assert page.url.endswith("/portal/contacts/?done=email") and _axe_violations(page) == [], language
        _shot(page, f"contacts-done-{language}")
    assert Person.objects.get(national_id=national_id).email == "en.new@example.org"
    assert PersonMessage.objects.get(pk=message.pk).read_at is not None
    page.check("#electronic-no")
    page.click("button:has-text('Save')")
    assert "Your choice about electronic notices has been saved." in page.inner_text("main")
    with page.expect_download() as download:
        page.goto(f"{live_server.url}/portal/extract/")
        page.click("a:has-text('Download as PDF')")
    assert download.value.suggested_filename.startswith("extract-")
    context.close()
