"""In production the partner check's fast path (answered before Django's request cycle) keeps the
web's promises: a plain-HTTP check goes on to Django, which redirects it to https, and an https
answer carries HSTS; X-Forwarded-Proto counts only from a trusted proxy."""

from __future__ import annotations

import io

import pytest

from muster.interfaces.partner_api.fastpath import MeasuresFastPath
from tests.functional.test_fastpath import Django, keep_the_test_connection  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db


def _check(world, scheme: str = "http", **extra: str):
    django = Django()
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/api/v1/measures/{world['ids'][0]}", "QUERY_STRING": "",
               "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": scheme,
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "SCRIPT_NAME": "",
               "HTTP_AUTHORIZATION": f"Bearer {world['border']}", **extra}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    b"".join(MeasuresFastPath(django)(environ, start_response))
    return seen["status"], seen["headers"], django.calls


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = None
    return settings


def test_a_plain_http_check_is_redirected(world, production):
    status, headers, reached_django = _check(world)
    assert status == 301 and headers["Location"].startswith("https://") and reached_django == 1


def test_an_https_check_is_answered_with_hsts(world, production):
    status, headers, reached_django = _check(world, scheme="https")
    assert status == 200 and headers["Strict-Transport-Security"] == "max-age=31536000" and reached_django == 0


def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(world, production):
    assert _check(world, HTTP_X_FORWARDED_PROTO="https")[0] == 301  # anyone may send the header
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # MUSTER_TRUSTED_PROXY set
    status, headers, reached_django = _check(world, HTTP_X_FORWARDED_PROTO="https")
    assert status == 200 and "Strict-Transport-Security" in headers and reached_django == 0


def test_in_development_plain_http_is_answered_as_before(world):
    status, headers, reached_django = _check(world)
    assert status == 200 and "Strict-Transport-Security" not in headers and reached_django == 0
