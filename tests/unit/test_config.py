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
