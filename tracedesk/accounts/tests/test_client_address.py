"""The client's address behind trusted reverse proxies: one function for every limit and event."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.accounts.models import LoginFailure
from tracedesk.audit.models import AuditEvent
from tracedesk.audit.reads import client_address
from tracedesk.lib.client_ip import client_ip, parse_networks
from tracedesk.testing.world import PASSWORD, World

PROXIES = parse_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # No trusted proxy in front: the header is anyone's to write, so it is ignored.
        ("192.0.2.50", "198.51.100.1", "192.0.2.50"),
        # Behind a trusted proxy: the hop it appended is the client.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # The client sent its own header first: the rightmost untrusted hop wins.
        ("10.0.0.2", "203.0.113.66, 198.51.100.1", "198.51.100.1"),
        # Two proxies in a row: both skipped.
        ("10.0.0.2", "203.0.113.66, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
        # A garbage hop stops the walk at the last trusted hop.
        ("10.0.0.2", "198.51.100.1, not-an-address, 10.1.1.1", "10.1.1.1"),
        # Ports and brackets as some proxies write them.
        ("10.0.0.2", "198.51.100.1:4711", "198.51.100.1"),
        ("10.0.0.2", "[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8:ffff::1", "2001:db8::7", "2001:db8::7"),
        # IPv4 seen through an IPv6 socket.
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # Only proxies: the leftmost is the nearest we know.
        ("10.0.0.2", "10.3.3.3, 10.1.1.1", "10.3.3.3"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("", "198.51.100.1", None),
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(
    peer: str, forwarded: str, expected: str | None
) -> None:
    assert client_ip(peer, forwarded, PROXIES) == expected


addresses = st.ip_addresses(v=4).map(str)


@given(peer=addresses, hops=st.lists(addresses, max_size=5))
def test_without_trusted_proxies_the_header_is_never_believed(peer: str, hops: list[str]) -> None:
    assert client_ip(peer, ", ".join(hops), []) == peer


@given(spoofed=st.lists(addresses, max_size=4), real=addresses)
def test_a_client_cannot_choose_its_address_by_sending_the_header(
    spoofed: list[str], real: str
) -> None:
    """Whatever a client writes before the proxy's hop, the proxy's hop is the answer."""
    if ipaddress.ip_address(real) in PROXIES[0]:
        return  # a client inside the proxies' own network is not a client
    header = ", ".join([*spoofed, real])
    assert client_ip("10.0.0.2", header, PROXIES) == real


def test_a_bad_proxy_entry_names_itself() -> None:
    with pytest.raises(ValueError, match=re.escape("'10.0.0.300'")):
        parse_networks(["10.0.0.0/8", "10.0.0.300"], setting="TRACEDESK_TRUSTED_PROXIES")


def test_client_address_follows_the_setting(settings: Any) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.1"
    )
    settings.TRUSTED_PROXIES = []
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request) == "198.51.100.1"


def _sign_in(client: Client, username: str, password: str, *, forwarded: str) -> Any:
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_the_login_throttle_locks_the_client_not_the_proxy(world: World, settings: Any) -> None:
    """Behind a proxy, one client's failures lock that client, never everyone else."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LOGIN_FAILURES_PER_IP = 3
    client = Client()
    for name in ("nobody1", "nobody2", "nobody3"):
        _sign_in(client, name, "wrong-password-here", forwarded="198.51.100.1")
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
    locked = _sign_in(Client(), "tracer_a", PASSWORD, forwarded="198.51.100.1")
    assert b"Too many failed sign-ins" in locked.content
    # Another client behind the same proxy is not locked ...
    other = _sign_in(Client(), "tracer_a", PASSWORD, forwarded="198.51.100.2")
    assert other.status_code == 302
    # ... and the locked one cannot escape by writing its own header before the proxy's.
    spoofed = _sign_in(Client(), "tracer_b", PASSWORD, forwarded="192.0.2.9, 198.51.100.1")
    assert b"Too many failed sign-ins" in spoofed.content


def test_the_header_is_ignored_from_an_untrusted_peer(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    client.post(
        reverse("login"),
        {"username": "nobody", "password": "wrong-password-here"},
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert list(LoginFailure.objects.values_list("ip_address", flat=True)) == ["192.0.2.50"]


def test_audit_events_record_the_client_behind_the_proxy(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    assert client.login(username="tracer_a", password=PASSWORD)
    response = client.get(
        reverse("case-list"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert response.status_code == 200
    assert AuditEvent.objects.latest("pk").client_ip == "198.51.100.1"
