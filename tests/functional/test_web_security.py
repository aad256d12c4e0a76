"""The web's defences, by real requests: CSP, the admin's host, login throttling, idle sessions,
Argon2, 413 for large bodies and 422 for dates off the calendar; production settings in a
process of their own (HSTS, SSL redirect, no admin, the trusted proxy)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from muster.accounts import services as accounts
from muster.kernel.actor import Actor

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase 42"


# --- Content Security Policy ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/verify/", "/verify/?n=1&c=2", "/admin/login/"])
def test_pages_carry_a_strict_csp_and_have_no_inline_script_or_style(client, packs, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script would be blocked"
    assert "<style" not in html and " style=" not in html, "an inline style would be blocked"
    for sheet in re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', html):
        assert client.get(sheet).status_code == 200, sheet  # the page's own styles load under 'self'


# --- The admin ---------------------------------------------------------------------------------

def test_with_an_admin_host_the_admin_answers_only_there(client, packs, settings):
    settings.MUSTER_ADMIN_HOST = "admin.internal"
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "admin.internal"]
    assert client.get("/admin/login/", HTTP_HOST="localhost").status_code == 404
    assert client.get("/admin/login/", HTTP_HOST="testserver").status_code == 404
    assert client.get("/admin/login/", HTTP_HOST="admin.internal").status_code == 200
    assert client.get("/admin/login/", HTTP_HOST="admin.internal:8443").status_code == 200
    assert client.get("/", HTTP_HOST="localhost").status_code == 200  # the public pages stay public


@pytest.fixture
def officer(packs):
    accounts.add_user(Actor.officer("t"), "boss", PASSWORD, superuser=True)
    return get_user_model().objects.get(username="boss")


def _login(client, password, **meta):
    return client.post("/admin/login/?next=/admin/", {"username": "boss", "password": password}, **meta)


def test_passwords_are_hashed_with_argon2(officer):
    assert officer.password.startswith("argon2$")


def test_an_old_pbkdf2_hash_still_logs_in_and_is_upgraded(officer, client):
    from django.contrib.auth.hashers import make_password

    officer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    officer.save()
    assert _login(client, PASSWORD).status_code == 302
    officer.refresh_from_db()
    assert officer.password.startswith("argon2$")


def test_admin_logins_are_locked_after_repeated_failures(officer, client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    failures = [_login(client, "wrong guess").status_code for _ in range(5)]
    assert failures[:4] == [200] * 4  # the form again, with an error
    locked = _login(client, PASSWORD)  # even the right password, now
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = Client()  # another address: the user name is locked too
    assert _login(elsewhere, PASSWORD, REMOTE_ADDR="192.0.2.99").status_code == 429


def test_lockouts_count_the_client_a_trusted_proxy_names(officer, settings):
    settings.MUSTER_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    behind_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        _login(Client(), "wrong guess", HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_proxy)
    assert _login(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_proxy).status_code == 429
    # Another client behind the same proxy is not locked out by the first one's guesses.
    assert _login(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **behind_proxy).status_code == 302


def test_a_session_ends_after_15_idle_minutes_and_each_request_moves_the_end_on(officer, client):
    assert _login(client, PASSWORD).status_code == 302
    assert client.cookies["sessionid"]["max-age"] == 900
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert abs((session.expire_date - timezone.now()) - timedelta(seconds=900)) < timedelta(seconds=30)
    # 14 idle minutes later (the session's end moved to one minute from now) a request keeps it alive ...
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=60))
    assert client.get("/admin/").status_code == 200
    session.refresh_from_db()
    assert session.expire_date - timezone.now() > timedelta(seconds=800)
    # ... and 15 idle minutes end it.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Request sizes and dates -------------------------------------------------------------------

def test_an_oversized_body_is_413(client, packs, settings):
    settings.MUSTER_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    big = json.dumps({"national_id": "1", "kind": "contact", "data": {"email": "x" * 5000}})
    api = client.post("/api/v1/submissions", big, content_type="application/json",
                      HTTP_AUTHORIZATION="Bearer mst_x", HTTP_IDEMPOTENCY_KEY="k")
    assert api.status_code == 413 and api["Content-Type"] == "application/problem+json"
    assert api.json()["status"] == 413 and api.json()["errors"][0]["field"] == "body"
    page = client.post("/admin/login/", {"username": "u", "password": "p" * 5000})
    assert page.status_code == 413 and page["Content-Type"].startswith("text/plain")
    small = client.post("/admin/login/", {"username": "u", "password": "p"})
    assert small.status_code in (200, 403)  # the form (or CSRF's refusal): not 413


def test_an_oversized_body_read_inside_the_api_is_413_too(client, packs, settings):
    """Django's own check (RequestDataTooBig) behind the middleware's: 413, not 400 or 500."""
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    from muster.interfaces.partner_api.views import api

    response = api.on_exception(RequestFactory().post("/api/v1/submissions"), RequestDataTooBig("too big"))
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("observed_at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                                         "0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "2023-02-30T00:00:00Z"])
def test_a_date_off_the_calendar_is_422_never_500(world, observed_at):
    from muster.kernel.actor import Actor
    from muster.partners import keys

    keys.grant("Border", ["death"], actor=Actor.officer("t"))  # the date, not the grant, is at fault
    body = {"national_id": world["ids"][0], "kind": "death", "data": {"death_date": "2026-03-20"},
            "observed_at": observed_at}
    response = Client(raise_request_exception=False).post(
        "/api/v1/submissions", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['border']}", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_a_date_off_the_calendar_on_a_page_is_422(packs):
    from django.test import RequestFactory

    from muster.interfaces.middleware import RequestLimits

    guard = RequestLimits(lambda request: None)  # type: ignore[arg-type,return-value]
    page = guard.process_exception(RequestFactory().get("/verify/"), OverflowError("date value out of range"))
    api = guard.process_exception(RequestFactory().get("/api/v1/events"), OverflowError("date value out of range"))
    assert page is not None and page.status_code == 422 and page["Content-Type"].startswith("text/plain")
    assert api is not None and api.status_code == 422 and api["Content-Type"] == "application/problem+json"


# --- Production, in a process of its own --------------------------------------------------------

PRODUCTION = {"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "k" * 50, "MUSTER_ALLOWED_HOSTS": "muster.example",
              "MUSTER_ALLOW_SQLITE": "true", "MUSTER_ALLOW_FILE_OUTBOX": "true",
              "MUSTER_AUDIT_KEY": "a" * 40}
REQUESTS = """
import json, django
django.setup()
from django.test import Client
out = {}
for name, path, secure, meta in json.loads(REQUESTS):
    response = Client(HTTP_HOST=meta.pop("HTTP_HOST", "muster.example")).get(path, secure=secure, **meta)
    out[name] = [response.status_code, response.get("Location"), response.get("Strict-Transport-Security")]
print(json.dumps(out))
"""


def _production(tmp_path, requests: list, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    script = f"REQUESTS = {json.dumps(json.dumps(requests))}\n{REQUESTS}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**clean, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "muster.kernel.settings",
                               "MUSTER_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_production_redirects_to_https_sends_hsts_and_has_no_admin(tmp_path):
    got = _production(tmp_path, [
        ("plain", "/verify/", False, {}),
        ("secure", "/verify/", True, {}),
        ("health", "/healthz", False, {}),
        ("admin", "/admin/login/", True, {}),
        ("claimed https", "/verify/", False, {"HTTP_X_FORWARDED_PROTO": "https"}),
    ])
    assert got["plain"][:2] == [301, "https://muster.example/verify/"]
    assert got["secure"] == [200, None, "max-age=31536000"]
    assert got["health"][0] == 200  # a load balancer's plain-HTTP health check
    assert got["admin"][0] == 404  # no MUSTER_ADMIN_HOST: no admin at all
    assert got["claimed https"][0] == 301  # X-Forwarded-Proto from nobody we trust is ignored


def test_production_behind_a_trusted_proxy_with_an_internal_admin_host(tmp_path):
    got = _production(tmp_path, [
        ("via proxy", "/verify/", False, {"HTTP_X_FORWARDED_PROTO": "https"}),
        ("admin on public host", "/admin/login/", True, {}),
        ("admin on its host", "/admin/login/", True, {"HTTP_HOST": "admin.internal"}),
    ], MUSTER_TRUSTED_PROXY="X-Forwarded-For", MUSTER_ADMIN_HOST="admin.internal")
    assert got["via proxy"] == [200, None, "max-age=31536000"]
    assert got["admin on public host"][0] == 404
    assert got["admin on its host"][0] == 200

