"""Where Muster may send personal data: a partner's webhook must reach a public address.

A webhook URL names a host; the host resolves to addresses; each address is judged here, when the
partner is added and again at every send (the address actually connected to), so that neither a
URL nor a DNS answer that changes later can point Muster at its own network."""

from __future__ import annotations

import ipaddress


def webhook_scheme_problem(scheme: str, production: bool) -> str | None:
    """Why a webhook URL's scheme is refused, or None."""
    if scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if scheme == "http" and production:
        return "production sends personal data only over https"
    return None


def address_problem(address: str, allow_private: bool = False) -> str | None:
    """Why Muster must not connect to this IP address for a webhook, or None for a public one.
    `allow_private` (development and tests only) admits loopback, private and link-local
    addresses, never multicast or unspecified ones."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0) is not the address
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if allow_private:
        return None
    for what, flag in (("a loopback", ip.is_loopback), ("a link-local", ip.is_link_local),
                       ("a reserved", ip.is_reserved), ("a private", ip.is_private)):
        if flag:
            return f"{ip} is {what} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None
