"""Who counts as an internal caller (the action server): the token, from an internal address.

The token travels in the ``Authorization`` header only. The address is the direct peer
(``PROXY_HOPS`` applied); a request that came through a reverse proxy carries forwarding
headers and is never internal, even when that proxy runs on the same host.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from flask import current_app, request

FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(setting: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in setting.split(",") if part.strip())


def from_internal_address() -> bool:
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in net for net in _networks(current_app.config["INTERNAL_ALLOWED_NETWORKS"]))


def has_internal_token() -> bool:
    """Constant-time check of ``Authorization: Bearer <INTERNAL_TOKEN>``."""
    expected = f"Bearer {current_app.config['INTERNAL_TOKEN']}".encode()
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected)


def is_internal_caller() -> bool:
    return has_internal_token() and from_internal_address()
