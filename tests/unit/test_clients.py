"""The rate limit's client key (IPv4 address, IPv6 /64) and its one-minute windows."""

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.clients import UNKNOWN, limit_key, minute_window


@pytest.mark.parametrize(
    ("address", "key"),
    [("192.0.2.7", "192.0.2.7"),
     ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
     ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same subscriber's /64
     ("2001:db8:1:3::1", "2001:db8:1:3::/64"),  # the next /64 is another client
     ("[2001:db8:1:2::9]", "2001:db8:1:2::/64"),
     ("::ffff:192.0.2.7", "192.0.2.7"),  # IPv4-mapped: the IPv4 client
     ("fe80::1%eth0", "fe80::/64"),
     (" 192.0.2.7 ", "192.0.2.7"),
     ("", UNKNOWN), ("not an address", UNKNOWN), ("999.1.1.1", UNKNOWN)],
)
def test_limit_keys(address, key):
    assert limit_key(address) == key


@given(st.integers(min_value=0, max_value=2**128 - 1), st.integers(min_value=0, max_value=2**64 - 1))
def test_every_address_of_a_slash_64_is_one_client(address, low_bits):
    ip = ipaddress.IPv6Address(address)
    if ip.ipv4_mapped is not None:
        return
    same_prefix = ipaddress.IPv6Address((address >> 64 << 64) | low_bits)
    assert limit_key(str(ip)) == limit_key(str(same_prefix))
    assert ipaddress.ip_address(str(ip)) in ipaddress.ip_network(limit_key(str(ip)))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_a_window_is_one_minute(at):
    start = at.replace(second=0, microsecond=0)
    assert minute_window(at) == minute_window(start) == minute_window(start + timedelta(seconds=59.999))
    assert minute_window(start + timedelta(seconds=60)) == minute_window(at) + 1


def test_requests_70_seconds_apart_are_never_in_one_window():
    t0 = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
    windows = [minute_window(t0 + timedelta(seconds=70 * i)) for i in range(5)]
    assert len(set(windows)) == 5
