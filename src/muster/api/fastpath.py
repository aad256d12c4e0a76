"""The partner check's hot path, answered at the WSGI layer.

`GET /api/v1/measures/{national_id}` is what border posts and traffic police call for every
person they see, so it must come close to a bare endpoint (SPEC 8). Django's request cycle
(middleware, URL routing, ninja's validation) costs more than the check itself, so this
wrapper answers that one request shape directly: the same host validation and security
headers as Django, the same `checks.check` as the ninja view (which stays the documented
operation, and answers the same URL under Django's test client), the same problem documents.
Anything else, or anything unusual about the request, goes on to Django untouched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.http.request import split_domain_port, validate_host

from muster.api import checks
from muster.api.problems import TITLES, UNAUTHORISED, problem_document
from muster.rules.national_id import InvalidNationalId

log = logging.getLogger("muster.api")
PREFIX = "/api/v1/measures/"
# What Django's SecurityMiddleware and XFrameOptionsMiddleware add to every answer.
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin")]
StartResponse = Callable[..., Any]


class MeasuresFastPath:
    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        national_id = self._national_id(environ)
        if national_id is None:
            return self.app(environ, start_response)
        # The signals Django's own handler sends: database connections are recycled on them.
        request_started.send(sender=self.__class__, environ=environ)
        try:
            status, body, extra = self._answer(environ, national_id)
        except Exception:  # never a traceback with personal data in it to the client or the log
            log.exception("partner check failed")
            status, body, extra = 500, problem_document(500, TITLES[500], "an internal error; it has been logged"), []
        finally:
            request_finished.send(sender=self.__class__)
        content = "application/json" if status == 200 else "application/problem+json"
        start_response(f"{status} {'OK' if status == 200 else TITLES[status]}",
                       [("Content-Type", content), ("Content-Length", str(len(body))), *SECURITY_HEADERS, *extra])
        return [body]

    @staticmethod
    def _national_id(environ: dict[str, Any]) -> str | None:
        """The id if this request is plainly a check this path answers; None sends it to Django."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if not path.startswith(PREFIX):
            return None
        national_id = path[len(PREFIX):]
        if not national_id or "/" in national_id or "\ufffd" in national_id:
            return None
        domain, _ = split_domain_port(environ.get("HTTP_HOST", ""))
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return None  # Django answers a bad Host with 400, and logs it
        return national_id

    @staticmethod
    def _answer(environ: dict[str, Any], national_id: str) -> tuple[int, bytes, list[tuple[str, str]]]:
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        try:
            answer = checks.check(key.strip() if scheme.lower() == "bearer" else "", national_id)
        except checks.Unauthorised:
            return 401, problem_document(401, TITLES[401], UNAUTHORISED), [
                ("WWW-Authenticate", 'Bearer realm="muster"')]
        except InvalidNationalId as exc:
            return 400, problem_document(400, "Invalid national id", str(exc), [("national_id", str(exc))]), []
        return 200, json.dumps(answer, cls=DjangoJSONEncoder).encode(), []
