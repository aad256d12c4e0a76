import json
import os
import subprocess
import sys

import pytest

from muster.kernel.config import DEV_SECRET, ConfigError, load, parse_database_url


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:///muster.sqlite3", "django.db.backends.sqlite3", "muster.sqlite3"),
        ("sqlite:////var/lib/muster/db.sqlite3", "django.db.backends.sqlite3", "/var/lib/muster/db.sqlite3"),
        ("postgresql://muster:s%40cret@db.example:5433/muster", "django.db.backends.postgresql", "muster"),
        ("postgres://u@127.0.0.1/m", "django.db.backends.postgresql", "m"),
    ],
)
def test_database_urls(url, engine, name):
    db = parse_database_url(url)
    assert (db["ENGINE"], db["NAME"]) == (engine, name)


def test_postgres_credentials_are_unquoted():
    db = parse_database_url("postgresql://muster:s%40cret@db.example:5433/muster")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == ("muster", "s@cret", "db.example", "5433")


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "postgresql://host/"])
def test_bad_database_urls_name_the_variable(url):
    with pytest.raises(ConfigError, match="MUSTER_DATABASE_URL"):
        parse_database_url(url)


def test_defaults_are_sqlite_and_development():
    config = load({})
    assert config.environment == "development"
    assert config.database["NAME"] == "muster.sqlite3"
    assert config.debug is False


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "MUSTER_SECRET_KEY"),
        ({"MUSTER_SECRET_KEY": DEV_SECRET}, "MUSTER_SECRET_KEY"),
        ({"MUSTER_SECRET_KEY": "x" * 50, "MUSTER_DEBUG": "true"}, "MUSTER_DEBUG"),
        ({"MUSTER_SECRET_KEY": "x" * 50, "MUSTER_ALLOWED_HOSTS": "*"}, "MUSTER_ALLOWED_HOSTS"),
        ({"MUSTER_SECRET_KEY": "x" * 50}, "PostgreSQL"),
    ],
)
def test_production_refuses_unsafe_settings(env, problem):
    with pytest.raises(ConfigError, match=problem):
        load({"MUSTER_ENV": "production", **env})


def test_production_accepts_safe_settings():
    config = load({"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "k" * 50,
                   "MUSTER_DATABASE_URL": "postgresql://u@db/muster", "MUSTER_ALLOWED_HOSTS": "muster.example",
                   "MUSTER_EMAIL_URL": "smtp://mail.example:25", "MUSTER_SMS_URL": "https://sms.example/send",
                   "MUSTER_AUDIT_KEY": "a" * 40})
    assert config.environment == "production"


def test_production_refuses_a_file_outbox():
    with pytest.raises(ConfigError, match="MUSTER_EMAIL_URL and MUSTER_SMS_URL"):
        load({"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "k" * 50,
              "MUSTER_DATABASE_URL": "postgresql://u@db/muster", "MUSTER_ALLOWED_HOSTS": "muster.example"})


@pytest.mark.parametrize(("name", "value"), [("MUSTER_EMAIL_URL", "http://x"), ("MUSTER_SMS_URL", "smtp://x"),
                                             ("MUSTER_DELIVERY_MAX_ATTEMPTS", "0"),
                                             ("MUSTER_VERIFY_RATE_PER_MINUTE", "many"),
                                             ("MUSTER_CHECK_REPLICA_INTERVAL", "0"),
                                             ("MUSTER_CHECK_REPLICA_INTERVAL", "3600"),
                                             ("MUSTER_CHECK_REPLICA_INTERVAL", "soon"),
                                             ("MUSTER_CHECK_REPLICA", "maybe")])
def test_bad_delivery_settings_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load({name: value})


def test_bad_boolean_names_the_variable():
    with pytest.raises(ConfigError, match="MUSTER_DEBUG"):
        load({"MUSTER_DEBUG": "perhaps"})


# --- the web: proxies, the admin's host, logins, request sizes, production defaults ----------

def test_no_proxy_is_trusted_by_default():
    web = load({}).web
    assert web.trusted_proxy is None and web.proxy_meta_key is None and web.admin_host is None


def test_a_trusted_proxy_names_its_header():
    web = load({"MUSTER_TRUSTED_PROXY": "X-Forwarded-For"}).web
    assert web.proxy_meta_key == "HTTP_X_FORWARDED_FOR"
    assert load({"MUSTER_TRUSTED_PROXY": "X-Real-IP"}).web.proxy_meta_key == "HTTP_X_REAL_IP"


@pytest.mark.parametrize(("name", "value"), [("MUSTER_TRUSTED_PROXY", "X Forwarded: For"),
                                             ("MUSTER_TRUSTED_PROXY", "-X"),
                                             ("MUSTER_ADMIN_HOST", "admin host/"),
                                             ("MUSTER_HSTS_SECONDS", "a year"),
                                             ("MUSTER_LOGIN_FAILURE_LIMIT", "0"),
                                             ("MUSTER_LOGIN_LOCKOUT_MINUTES", "0"),
                                             ("MUSTER_MAX_BODY_BYTES", "10"),
                                             ("MUSTER_VERIFY_LEGACY_CODES", "perhaps")])
def test_bad_web_settings_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load({name: value})


PRODUCTION = {"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "k" * 50, "MUSTER_ALLOWED_HOSTS": "muster.example",
              "MUSTER_DATABASE_URL": "sqlite:///unused.sqlite3", "MUSTER_ALLOW_SQLITE": "true",
              "MUSTER_ALLOW_FILE_OUTBOX": "true", "MUSTER_AUDIT_KEY": "a" * 40}


def django_settings(env: dict[str, str], *names: str) -> dict:
    """The named Django settings as muster.kernel.settings makes them from `env`, in a fresh process."""
    script = ("import json, muster.kernel.settings as s; "
              f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    done = subprocess.run([sys.executable, "-c", script], env={**clean, **env}, capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


def test_production_defaults_hsts_ssl_redirect_secure_cookies():
    got = django_settings(PRODUCTION, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE",
                          "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "MUSTER_CLIENT_IP_HEADER")
    assert got == {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31_536_000, "SESSION_COOKIE_SECURE": True,
                   "CSRF_COOKIE_SECURE": True,
                   "SECURE_PROXY_SSL_HEADER": None,  # X-Forwarded-Proto is believed only from a named proxy
                   "MUSTER_CLIENT_IP_HEADER": None}


def test_a_named_proxy_is_believed_for_the_scheme_and_the_client():
    got = django_settings({**PRODUCTION, "MUSTER_TRUSTED_PROXY": "X-Forwarded-For"},
                          "SECURE_PROXY_SSL_HEADER", "MUSTER_CLIENT_IP_HEADER")
    assert got == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                   "MUSTER_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}


@pytest.mark.parametrize("env", [{}, PRODUCTION])
def test_sessions_end_after_15_idle_minutes_and_passwords_are_hashed_with_argon2(env):
    got = django_settings(env, "SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "PASSWORD_HASHERS")
    assert got["SESSION_COOKIE_AGE"] == 900 and got["SESSION_SAVE_EVERY_REQUEST"] is True
    assert got["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in got["PASSWORD_HASHERS"]  # old hashes verify


def test_the_admin_host_is_allowed():
    got = django_settings({**PRODUCTION, "MUSTER_ADMIN_HOST": "admin.internal"}, "ALLOWED_HOSTS", "MUSTER_ADMIN_HOST")
    assert got == {"ALLOWED_HOSTS": ["muster.example", "admin.internal"], "MUSTER_ADMIN_HOST": "admin.internal"}
