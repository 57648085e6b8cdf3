"""Who is asking, as far as throttling needs to know: the client address from X-Forwarded-For.

Azure's front end (and the local host, devhost/) appends the TCP peer it saw to X-Forwarded-For,
so the hops a client wrote itself come first and the ones our own infrastructure added come
last. The rightmost public address is therefore the first one a client could not have forged:
it is the peer that reached Azure. Private, loopback and link-local hops (our own network, a
local test) are skipped; when there is no public hop at all (a private network, a local run) the
leftmost hop is the best there is, then the peer itself.

An IPv6 client usually holds a whole /64, so one is counted per /64: otherwise a single home
connection could spend 2^64 addresses' worth of attempts.
"""

import ipaddress
from collections.abc import Mapping

UNKNOWN = "unknown"
_IPV6_BUCKET_PREFIX = 64

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_hop(hop: str) -> IpAddress | None:
    """One X-Forwarded-For entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`."""
    text = hop.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port (an IPv6 address has at least two colons)
        text = text.partition(":")[0]
    text = text.partition("%")[0]  # an IPv6 zone id names an interface, not a client
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _bucket(address: IpAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, _IPV6_BUCKET_PREFIX), strict=False))
    return str(address)


def client_address(forwarded_for: str | None, peer: str | None = None) -> str:
    """The address (an IPv4 address, or an IPv6 /64 network) a throttle counts this request under;
    'unknown' when nothing names one."""
    hops = [parsed for parsed in (_parse_hop(hop) for hop in (forwarded_for or "").split(",")) if parsed]
    for address in reversed(hops):
        if address.is_global:
            return _bucket(address)
    if hops:
        return _bucket(hops[0])
    parsed_peer = _parse_hop(peer) if peer else None
    return _bucket(parsed_peer) if parsed_peer else UNKNOWN


def from_headers(headers: Mapping[str, str]) -> str:
    return client_address(headers.get("x-forwarded-for"))
