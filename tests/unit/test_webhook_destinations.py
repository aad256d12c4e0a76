"""Where webhooks may go (muster.rules.destinations), and the setting that admits loopback."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.kernel import config
from muster.rules.destinations import address_problem, webhook_scheme_problem


@pytest.mark.parametrize(("address", "refused_as"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("100.64.0.1", "not a public"), ("240.0.0.1", "reserved"), ("nonsense", "not an IP address"),
    ("8.8.8.8", None), ("2001:4860:4860::8888", None), ("93.184.216.34", None),
])
def test_addresses(address, refused_as):
    problem = address_problem(address)
    assert (problem is None) if refused_as is None else (refused_as in problem)


@pytest.mark.parametrize(("address", "allowed"), [
    ("127.0.0.1", True), ("::1", True), ("10.0.0.1", True), ("169.254.1.1", True),
    ("224.0.0.1", False), ("0.0.0.0", False),  # never, whatever the setting
])
def test_allowing_private_addresses_admits_loopback_never_multicast(address, allowed):
    assert (address_problem(address, allow_private=True) is None) == allowed


@given(st.ip_addresses())
def test_allowing_private_only_ever_admits_more(ip):
    if address_problem(str(ip)) is None:
        assert address_problem(str(ip), allow_private=True) is None


@given(st.ip_addresses(network=ipaddress.ip_network("10.0.0.0/8")) | st.ip_addresses(network="127.0.0.0/8")
       | st.ip_addresses(network="::1/128") | st.ip_addresses(network="fe80::/10"))
def test_no_private_or_loopback_address_is_public(ip):
    assert address_problem(str(ip)) is not None


@pytest.mark.parametrize(("scheme", "production", "problem"), [
    ("https", True, None), ("https", False, None), ("http", False, None),
    ("http", True, "only over https"), ("ftp", False, "not an http(s) URL"), ("", False, "not an http(s) URL"),
])
def test_schemes(scheme, production, problem):
    got = webhook_scheme_problem(scheme, production)
    assert got is None if problem is None else problem in got


PRODUCTION = {"MUSTER_ENV": "production", "MUSTER_SECRET_KEY": "x" * 50, "MUSTER_ALLOWED_HOSTS": "muster.example",
              "MUSTER_DATABASE_URL": "postgresql://m@db/m", "MUSTER_EMAIL_URL": "smtp://mail",
              "MUSTER_SMS_URL": "https://sms.example", "MUSTER_AUDIT_KEY": "a" * 40}


def test_production_refuses_loopback_webhooks():
    assert config.load(PRODUCTION).webhook_allow_private is False
    with pytest.raises(config.ConfigError, match="MUSTER_WEBHOOK_ALLOW_PRIVATE"):
        config.load({**PRODUCTION, "MUSTER_WEBHOOK_ALLOW_PRIVATE": "true"})
    assert config.load({"MUSTER_WEBHOOK_ALLOW_PRIVATE": "true"}).webhook_allow_private is True
    assert config.load({}).webhook_allow_private is False


@pytest.mark.parametrize(("env", "message"), [
    ({"MUSTER_CHECK_RATE_PER_SECOND": "fast"}, "MUSTER_CHECK_RATE_PER_SECOND: expected a number"),
    ({"MUSTER_CHECK_RATE_PER_SECOND": "0"}, "MUSTER_CHECK_RATE_PER_SECOND: must be at least"),
    ({"MUSTER_CHECK_RATE_BURST": "0"}, "MUSTER_CHECK_RATE_BURST: must be at least 1"),
])
def test_rate_settings_are_checked(env, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load(env)
    assert config.load({"MUSTER_CHECK_RATE_PER_SECOND": "5", "MUSTER_CHECK_RATE_BURST": "7"}).check_rate_burst == 7
