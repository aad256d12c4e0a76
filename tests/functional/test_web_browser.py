"""The public pages and the admin's login in a real browser (Debian's headless Chromium) under the
Content Security Policy: each renders, and the browser reports no blocked script or style."""

from __future__ import annotations

import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]


def _open(url: str) -> tuple[str, str]:
    """The page's DOM after it ran, and the browser's console log."""
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return done.stdout, done.stderr


@pytest.mark.parametrize(("path", "shows"), [
    ("/", "Muster registry status"),
    ("/verify/", "Check that a notice is genuine"),
    ("/verify/?n=00001-2345-67&c=ABCD", "check digits do not match"),
    ("/admin/login/", "Password"),
])
def test_pages_work_under_the_csp_in_a_browser(live_server, packs, path, shows):
    dom, console = _open(live_server.url + path)
    assert shows in dom, console[-2000:]
    assert "Content Security Policy" not in console, console  # nothing inline was blocked
