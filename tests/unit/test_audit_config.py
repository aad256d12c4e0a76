"""The audit key lives outside the database: production refuses to run without a real one."""

from __future__ import annotations

import pytest

from muster.kernel.config import DEV_AUDIT_KEY, ConfigError, load

SAFE = {"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "k" * 50, "MUSTER_DATABASE_URL": "postgresql://u@db/m",
        "MUSTER_ALLOWED_HOSTS": "muster.example", "MUSTER_EMAIL_URL": "smtp://mail.example:25",
        "MUSTER_SMS_URL": "https://sms.example/send"}


@pytest.mark.parametrize("env", [{}, {"MUSTER_AUDIT_KEY": "short"},
                                 {"MUSTER_AUDIT_KEY": DEV_AUDIT_KEY.decode()}])
def test_production_refuses_a_missing_or_weak_audit_key(env):
    with pytest.raises(ConfigError, match="MUSTER_AUDIT_KEY"):
        load({**SAFE, **env})


def test_the_audit_key_comes_from_a_file(tmp_path):
    path = tmp_path / "audit.key"
    path.write_bytes(b"z" * 40 + b"\n")
    assert load({**SAFE, "MUSTER_AUDIT_KEY_FILE": str(path)}).audit_key == b"z" * 40
    with pytest.raises(ConfigError, match="MUSTER_AUDIT_KEY_FILE: cannot read"):
        load({"MUSTER_AUDIT_KEY_FILE": str(tmp_path / "missing")})


def test_development_has_a_default_key():
    assert load({}).audit_key == DEV_AUDIT_KEY
