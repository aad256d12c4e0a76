"""The partner check's hot path, answered at the WSGI layer.

`GET /api/v1/measures/{national_id}` is what border posts and traffic police call for every
person they see, so it must come close to a bare endpoint (the target in docs/overview.md,
"Scale by sets"). Django's request cycle
(middleware, URL routing, ninja's validation) costs more than the check itself, so this
wrapper answers that one request shape directly: the same host validation and security
headers as Django, the same problem documents, and the same answer as the ninja view (which
stays the documented operation, and answers the same URL under Django's test client): from
the worker's measures replica (`check_from_memory`, no Django database use at all) when it
can, else from `check_with_key`. Anything else, or anything unusual about the request, goes on
to Django untouched.
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

from muster.interfaces.partner_api.problems import TITLES, UNAUTHORISED, problem_document
from muster.measures import services as measures
from muster.partners import services as partners
from muster.rules.national_id import InvalidNationalId

log = logging.getLogger("muster.interfaces.partner_api")
PREFIX = "/api/v1/measures/"
# What Django's SecurityMiddleware and XFrameOptionsMiddleware add to every answer.
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin")]
StartResponse = Callable[..., Any]
_GOOD_HOSTS: set[str] = set()  # Host headers already validated (settings do not change while serving)


def _https(environ: dict[str, Any]) -> bool:
    """Whether the request came over https, as Django's request.is_secure() tells (the trusted
    proxy's X-Forwarded-Proto when MUSTER_TRUSTED_PROXY is set)."""
    header = settings.SECURE_PROXY_SSL_HEADER
    claimed = environ.get(header[0]) if header else None
    if header and claimed is not None:
        return bool(claimed.split(",", 1)[0].strip() == header[1])
    return bool(environ.get("wsgi.url_scheme") == "https")


class MeasuresFastPath:
    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        national_id = self._national_id(environ)
        if national_id is None:
            return self.app(environ, start_response)
        try:
            answered = self._answer(environ, national_id, measures.check_from_memory)
            if answered is None:
                # The signals Django's own handler sends: database connections are recycled on them.
                request_started.send(sender=self.__class__, environ=environ)
                try:
                    answered = self._answer(environ, national_id, self._from_database)
                finally:
                    request_finished.send(sender=self.__class__)
            assert answered is not None  # the database always answers
            status, body, extra = answered
        except Exception:  # never a traceback with personal data in it to the client or the log
            log.exception("partner check failed")
            status, body, extra = 500, problem_document(500, TITLES[500], "an internal error; it has been logged"), []
        content = "application/json" if status == 200 else "application/problem+json"
        hsts = [("Strict-Transport-Security", f"max-age={settings.SECURE_HSTS_SECONDS}")] \
            if settings.SECURE_HSTS_SECONDS else []  # only https reaches here when it is set (below)
        start_response(f"{status} {'OK' if status == 200 else TITLES[status]}",
                       [("Content-Type", content), ("Content-Length", str(len(body))), *SECURITY_HEADERS, *hsts,
                        *extra])
        return [body]

    @staticmethod
    def _national_id(environ: dict[str, Any]) -> str | None:
        """The id if this request is plainly a check this path answers; None sends it to Django."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        if (settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS) and not _https(environ):
            return None  # production: Django redirects a plain-HTTP check to https
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if not path.startswith(PREFIX):
            return None
        national_id = path[len(PREFIX):]
        if not national_id or "/" in national_id or "\ufffd" in national_id:
            return None
        host = environ.get("HTTP_HOST", "")
        if host not in _GOOD_HOSTS:
            domain, _ = split_domain_port(host)
            if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
                return None  # Django answers a bad Host with 400, and logs it
            if len(_GOOD_HOSTS) < 64:  # only hosts ALLOWED_HOSTS admits, so the set stays small
                _GOOD_HOSTS.add(host)
        return national_id

    @staticmethod
    def _from_database(key: str, national_id: str) -> bytes:
        return json.dumps(measures.check_with_key(key, national_id, partners.authenticate), cls=DjangoJSONEncoder).encode()

    @staticmethod
    def _answer(environ: dict[str, Any], national_id: str,
                how: Callable[[str, str], bytes | None]) -> tuple[int, bytes, list[tuple[str, str]]] | None:
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        key_id = key_id_of(key)
        try:
            if key_id:
                measures.check_allowed(key_id)
            body = how(key, national_id)
        except measures.RateLimited as exc:
            return 429, problem_document(429, TITLES[429], str(exc)), [("Retry-After", exc.retry_after)]
        except measures.Unauthorised:
            return 401, problem_document(401, TITLES[401], UNAUTHORISED), [
                ("WWW-Authenticate", 'Bearer realm="muster"')]
        except measures.NothingToCheck as exc:
            return 403, problem_document(403, TITLES[403], str(exc)), []
        except InvalidNationalId as exc:
            return 400, problem_document(400, "Invalid national id", str(exc), [("national_id", str(exc))]), []
        if body is None:
            return None
        measures.check_answered(key_id, national_id, body.endswith(EMPTY_ANSWER))
        return 200, body, []


EMPTY_ANSWER = b'"measures": []}'  # how every check's JSON ends when no measure is in force


def key_id_of(key: str) -> str:
    """The key id part of a bearer key shaped like ours (`mst_<id>_<secret>`), or ""; cheap, no digest."""
    parts = key.split("_", 2)
    return parts[1] if len(parts) == 3 else ""
