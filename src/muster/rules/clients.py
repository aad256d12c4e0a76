"""Who a web request counts as for a rate limit, and in which window.

A client is its IPv4 address, or its IPv6 /64: one subscriber gets a whole /64 and may pick any
of its 2^64 addresses, so limiting single IPv6 addresses would limit nothing. A window is one
minute of the clock (passed in), so a count never outlives its minute however often it is hit.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

UNKNOWN = "unknown"  # an address that does not parse: all such requests share one (small) budget


def limit_key(address: str) -> str:
    """The rate limit's key for a client address: the IPv4 address, or the IPv6 /64 prefix (an
    IPv4-mapped IPv6 address counts as its IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return UNKNOWN
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def minute_window(at: datetime) -> int:
    """The number of the minute `at` falls in (minutes since the epoch): a fixed window."""
    return int(at.timestamp() // 60)
