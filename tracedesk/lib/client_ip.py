"""The address a request came from, behind zero or more trusted reverse proxies.

A reverse proxy (load balancer, ingress) connects to the application itself, so the
direct peer (``REMOTE_ADDR``) is the proxy, and the client's address is in the
``X-Forwarded-For`` header the proxy appends to. That header is only as trustworthy
as whoever wrote it: a client may send one of its own, and the proxy appends the
client's real address to the right of it. So the header is read **from the right**,
skipping hops that are trusted proxies, and the first untrusted hop is the client.
When the direct peer is not a trusted proxy, the header is ignored entirely (anyone
could have written it) and the peer is the client.

Framework-free: the caller passes the peer, the header and the trusted networks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: Iterable[str], *, setting: str = "trusted proxies") -> list[Network]:
    """Parse addresses or CIDR ranges (``10.0.0.0/8``, ``::1``); a bad one names itself."""
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {entry!r} is not an IP address or CIDR range") from None
    return networks


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str | None:
    """Return the client's address: the rightmost untrusted hop when the peer is a trusted proxy.

    ``peer`` is the direct connection's address (``REMOTE_ADDR``), ``forwarded_for`` the
    ``X-Forwarded-For`` header (comma-separated, possibly several headers joined). A
    malformed hop stops the walk: everything left of it was written by an untrusted
    party, so the last good address before it (a trusted proxy) is returned instead.
    """
    direct = _address(peer or "")
    if direct is None:
        return None
    if not trusted or not forwarded_for or not _trusted(direct, trusted):
        return str(direct)
    current = direct
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return str(current)
        if not _trusted(address, trusted):
            return str(address)
        current = address
    # Every hop is a trusted proxy: the leftmost is as close to the client as we know.
    return str(current)
