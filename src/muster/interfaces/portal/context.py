"""What every portal page's navigation shows: how many of the signed-in person's messages are
unread (one count query; nothing for anyone else or for other parts of the site)."""

from __future__ import annotations

from django.http import HttpRequest

from muster.citizen import services as citizen_services
from muster.interfaces.portal.middleware import PORTAL_PREFIX
from muster.interfaces.portal.session import citizen


def navigation(request: HttpRequest) -> dict[str, object]:
    if not request.path.startswith(PORTAL_PREFIX):
        return {}
    person = citizen(request)
    if person is None:
        return {}
    return {"unread": citizen_services.unread_count(person.actor)}
