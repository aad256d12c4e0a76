"""The WSGI fast path for partner checks answers exactly as the documented ninja view does."""

from __future__ import annotations

import io
import json

import pytest
from django.core.wsgi import get_wsgi_application
from django.test import Client

from muster.audit.access import reads_of
from muster.interfaces.partner_api.fastpath import MeasuresFastPath
from muster.registry.models import Person

pytestmark = pytest.mark.django_db


class Django:
    """Django's own WSGI application, noting whether a request reached it."""

    def __init__(self):
        self.app = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the test's transaction must outlive each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def call(path: str, key: str | None, method: str = "GET", host: str = "127.0.0.1", query: str = ""):
    django = Django()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": host,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "SCRIPT_NAME": ""}
    if key is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(MeasuresFastPath(django)(environ, start_response))
    return seen["status"], seen["headers"], body, django.calls


def test_fast_path_answers_as_the_view_does(world):
    nid = world["ids"][0]
    status, headers, body, reached_django = call(f"/api/v1/measures/{nid}", world["border"])
    assert (status, reached_django) == (200, 0)
    assert headers["Content-Type"] == "application/json" and headers["X-Content-Type-Options"] == "nosniff"
    via_view = Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert json.loads(body) == via_view.json()
    assert [r["who"] for r in reads_of(Person.objects.get(national_id=nid).pk)] == ["partner:Border"] * 2


@pytest.mark.parametrize(("key", "path", "status"), [
    (None, "/api/v1/measures/{nid}", 401),
    ("mst_nope_nope", "/api/v1/measures/{nid}", 401),
    ("border", "/api/v1/measures/112-233-445-96", 400),
])
def test_fast_path_refusals_are_problem_documents(world, key, path, status):
    got, headers, body, reached_django = call(path.format(nid=world["ids"][0]), world.get(key, key))
    assert (got, reached_django) == (status, 0)
    assert headers["Content-Type"] == "application/problem+json" and json.loads(body)["status"] == status
    assert ("WWW-Authenticate" in headers) == (status == 401)


@pytest.mark.parametrize(("method", "host", "query", "status"), [
    ("POST", "127.0.0.1", "", 405),
    ("GET", "evil.example", "", 400),  # Django refuses a host it does not serve
    ("GET", "127.0.0.1", "x=1", 200),  # unusual: the view answers it
])
def test_anything_unusual_goes_on_to_django(world, method, host, query, status):
    got, _, _, reached_django = call(f"/api/v1/measures/{world['ids'][0]}", world["border"], method, host, query)
    assert (got, reached_django) == (status, 1)
