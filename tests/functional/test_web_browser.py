"""The public pages and the admin's login in a real browser (Debian's headless Chromium, driven by
Playwright with executable_path; no browser is ever downloaded) under the Content Security
Policy: each renders, and the browser reports no blocked script or style."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]

# Closed network here: no background connections, no component updates.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _visit(browser, url: str, html: str | None = None) -> tuple[str, list[str]]:
    """The page's text after it ran, and every CSP violation the browser reported."""
    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    if html is not None:  # a control page served from the same origin, under Muster's own CSP header
        csp = page.request.get(url).headers["content-security-policy"]
        page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html,
                                                     headers={"Content-Security-Policy": csp}))
    page.goto(url)
    page.wait_for_load_state("load")
    text = page.inner_text("body")
    page.close()
    return text, violations


@pytest.mark.parametrize(("path", "shows"), [
    ("/", "Muster registry status"),
    ("/verify/", "Check that a notice is genuine"),
    ("/verify/?n=00001-2345-67&c=ABCD", "check digits do not match"),
    ("/admin/login/", "Password"),
])
def test_pages_work_under_the_csp_in_a_browser(live_server, packs, browser, path, shows):
    text, violations = _visit(browser, live_server.url + path)
    assert shows in text
    assert violations == []  # nothing inline was blocked


def test_the_browser_reports_inline_code_the_csp_blocks(live_server, packs, browser):
    """The control: under the same header, an inline script and style are blocked and reported,
    so an empty list above means the pages have none."""
    html = "<html><head><style>body{color:red}</style></head><body><p>control</p><script>1</script></body></html>"
    text, violations = _visit(browser, live_server.url + "/verify/", html=html)
    assert "control" in text
    assert len(violations) >= 2, violations
