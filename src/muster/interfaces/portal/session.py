"""Who is signed in to the portal: the person the identity provider vouched for, kept in the
server-side session (no Django user: a citizen never gets an account of the admin's kind).

A session ends after 15 minutes without a request (SESSION_COOKIE_AGE, saved on each request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from muster.kernel.actor import Actor

SESSION_KEY = "muster_portal"


@dataclass(frozen=True)
class Citizen:
    person_id: int
    national_id: str
    acr: str  # the level of assurance the provider asserted at sign-in
    id_token: str  # for logging out at the provider too (id_token_hint)

    @property
    def actor(self) -> Actor:
        return Actor.person(self.person_id)

    @property
    def may_submit(self) -> bool:
        """A configured level of assurance is needed to submit anything (none configured: any)."""
        required = settings.MUSTER_OIDC.required_acr
        return not required or self.acr == required


def citizen(request: HttpRequest) -> Citizen | None:
    """The signed-in person, if any. A page answered before the session middleware ran (the 413 of
    the body-size guard) has no session: nobody is signed in there."""
    store = getattr(request, "session", None)
    data = store.get(SESSION_KEY) if store is not None else None
    return None if not isinstance(data, dict) else Citizen(**data)


def sign_in(request: HttpRequest, person: Citizen) -> None:
    """A new session key at sign-in: a key planted before cannot ride the signed-in session."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"person_id": person.person_id, "national_id": person.national_id,
                                    "acr": person.acr, "id_token": person.id_token}


def person_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the signed-in person: never cached; without a signed-in person, the start page
    (saying the session ended if the browser still had one)."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        person = citizen(request)
        if person is None:
            ended = settings.SESSION_COOKIE_NAME in request.COOKIES
            return redirect("/portal/?ended=1" if ended else "/portal/")
        return view(request, person, *args, **kwargs)

    return wrapped
