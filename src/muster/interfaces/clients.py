"""Who sent a web request: the connection's peer, or the address a trusted reverse proxy names.

Unless MUSTER_TRUSTED_PROXY names the proxy's header, a client's own X-Forwarded-For is ignored
(anyone can send one, and would pick a fresh address for every request to dodge a rate limit).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind a trusted proxy: the last address in its header (the one
    the proxy itself added; those before it are whatever the client claimed)."""
    header = settings.MUSTER_CLIENT_IP_HEADER
    if header:
        named = request.META.get(header, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(named))
        except ValueError:
            pass  # the proxy sent none: count the request as the proxy's own
    return str(request.META.get("REMOTE_ADDR", ""))


def count_hit(key: str, ttl: int) -> int:
    """Count one more hit on a fixed-window counter in the shared cache (the window is part of
    `key`, so the count never outlives it) and return the count, the first hit being 1."""
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # culled between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1
