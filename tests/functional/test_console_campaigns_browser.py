"""Campaigns and the dashboard in a real browser (Debian's Chromium through Playwright), keyboard
only: create a campaign, read its dry run, issue it after the confirm, and see the dashboard change
after the engine's turn. Each page has no axe-core violation."""

from __future__ import annotations

import pytest

from muster.casework import dashboard
from muster.kernel import clock
from muster.summons.models import Summons
from tests.conftest import at
from tests.functional.console_helpers import PASSWORD, code_for, make_officer
from tests.functional.test_console_browser import CHROMIUM, _accessible, _type_into, console_browser

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")]
__all__ = ["console_browser"]
WORDS = {
    "en": {"user": "User name", "password": "Password", "code": "The 6-digit code from your authenticator app",
           "campaigns": "Campaigns", "create": "Create a campaign", "code_field": "Campaign code",
           "from": "Appear from (YYYY-MM-DD)", "to": "Appear until (YYYY-MM-DD)", "place": "Place",
           "confirm": "I have checked the dry run: issue these summonses", "dashboard": "Dashboard"},
    "ru": {"user": "Имя пользователя", "password": "Пароль", "code": "6-значный код из приложения-аутентификатора",
           "campaigns": "Кампании", "create": "Создать кампанию", "code_field": "Код кампании",
           "from": "Явка с (YYYY-MM-DD)", "to": "Явка по (YYYY-MM-DD)", "place": "Место",
           "confirm": "Я проверил пробный расчёт: выдать эти повестки", "dashboard": "Сводка"},
}


def _follow(page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_campaign_and_dashboard_by_keyboard_with_no_axe_violations(live_server, ru, people, console_browser,
                                                                   language):
    previous = clock.use(clock.FixedClock(at("2026-03-02")))
    try:
        people(3, "RU-RYA")
        make_officer("olga")
        words = WORDS[language]
        page = console_browser.new_context(locale=language).new_page()  # type: ignore[attr-defined]
        page.goto(live_server.url + "/console/sign-in")
        _type_into(page, words["user"], "olga")
        _type_into(page, words["password"], PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/set-up")
        _type_into(page, words["code"], code_for(page.locator("code.secret").first.inner_text()))
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/")

        _follow(page, words["campaigns"])
        _accessible(page, "campaigns", language)
        _follow(page, words["create"])
        _accessible(page, "campaign-new", language)
        with page.expect_navigation():
            page.get_by_role("button").last.focus()
            page.keyboard.press("Enter")  # empty: the error summary names the fields
        assert page.locator(".error-summary").count() == 1
        _accessible(page, "campaign-errors", language)
        _type_into(page, words["code_field"], "SPRING")
        _type_into(page, "RU-RYA", "2")
        _type_into(page, words["from"], "2026-03-10")
        _type_into(page, words["to"], "2026-03-12")
        _type_into(page, words["place"], "Ryazan")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url("**/console/campaigns/SPRING/")
        _accessible(page, "campaign-dry-run", language)
        page.get_by_label(words["confirm"]).focus()
        page.keyboard.press("Space")
        with page.expect_navigation():
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
        assert Summons.objects.filter(campaign__code="SPRING").count() == 2
        _accessible(page, "campaign-issued", language)

        _follow(page, words["dashboard"])
        assert "<td>2</td>" not in page.content()
        dashboard.step(at("2026-03-02", 12))  # the engine's turn refreshes the counts
        page.reload()
        assert "<td>2</td>" in page.content()
        _accessible(page, "dashboard", language)
        page.context.close()
    finally:
        clock.use(previous)
