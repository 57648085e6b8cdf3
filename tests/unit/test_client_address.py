"""The address a throttle counts a request under, from X-Forwarded-For as Azure's front end writes it."""

import pytest

from shared.client_address import UNKNOWN, client_address


@pytest.mark.parametrize(("forwarded_for", "expected"), [
    ("84.203.17.5", "84.203.17.5"),
    ("84.203.17.5:50122", "84.203.17.5"),
    # A client writes what it likes first; the front end appends the peer it really saw.
    ("1.1.1.1, 84.203.17.5", "84.203.17.5"),
    ("84.203.17.9, 84.203.17.5:443", "84.203.17.5"),
    # Our own network's hops (and the local host's loopback peer) come after it and are skipped.
    ("84.203.17.5, 10.0.0.4", "84.203.17.5"),
    ("84.203.17.5, 127.0.0.1", "84.203.17.5"),
    # No public hop at all: the leftmost one.
    ("10.1.2.3, 127.0.0.1", "10.1.2.3"),
    ("garbage, 84.203.17.5", "84.203.17.5"),
    ("::ffff:84.203.17.5", "84.203.17.5"),
])
def test_the_rightmost_public_hop_is_the_client(forwarded_for, expected):
    assert client_address(forwarded_for) == expected


def test_a_client_cannot_choose_its_address_by_writing_the_header_first():
    forged = [client_address(f"{fake}, 84.203.17.5") for fake in ("84.203.17.1", "9.9.9.9", "8.8.4.4")]
    assert forged == ["84.203.17.5"] * 3


def test_one_ipv6_client_is_counted_per_64_so_it_cannot_rotate_through_its_own_addresses():
    first = client_address("[2a02:8084:4:1a00::1]:443")
    second = client_address("2a02:8084:4:1a00:dead:beef:1:2")
    other = client_address("2a02:8084:4:1a01::1")
    assert first == second == "2a02:8084:4:1a00::/64"
    assert other != first


def test_without_a_header_the_peer_counts_and_without_either_the_address_is_unknown():
    assert client_address(None, "84.203.17.5") == "84.203.17.5"
    assert client_address("", None) == UNKNOWN
    assert client_address("not-an-address", None) == UNKNOWN
