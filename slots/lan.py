"""Serving the venue's network: this machine's LAN address, loopback URLs, QR codes for booths.

Plain Python (no Django), so ``scripts/serve --lan`` can ask it before anything else starts:

    python -m slots.lan --port 8000   # prints the shell exports scripts/serve --lan uses

The address is the one the machine's default route leaves from (the interface a booth on the
same network reaches), found without sending a packet; ``LAN_ADDRESS`` overrides it (a machine
with several networks, or a test reaching the server on 127.0.0.2).
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import os
import shlex
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import segno

# Any routable address works: connecting a UDP socket only picks the route, nothing is sent.
ROUTE_PROBE = ("10.254.254.254", 9)
VIRTUAL_INTERFACES = ("docker", "br-", "veth", "virbr", "lo")


class NoLanAddress(RuntimeError):
    pass


def _routed_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(ROUTE_PROBE)
        except OSError:  # no route at all (no network, or only loopback)
            return None
        address = sock.getsockname()[0]
    return None if ipaddress.ip_address(address).is_loopback else address


def _interface_addresses() -> list[str]:
    """Global IPv4 addresses of real interfaces (``ip -4 -o addr``), for a network without a route."""
    try:
        output = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "scope", "global"],  # noqa: S607 - iproute2's ip, wherever PATH has it
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    addresses = []
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 4 and not fields[1].startswith(VIRTUAL_INTERFACES):
            addresses.append(fields[3].split("/")[0])
    return addresses


def lan_address(*, override: str | None = None) -> str:
    """The address booths on the venue network reach this machine at."""
    if override:
        ipaddress.ip_address(override)  # ValueError for a typo
        return override
    address = _routed_address() or next(iter(_interface_addresses()), None)
    if address is None:
        raise NoLanAddress(
            "This machine has no network address besides 127.0.0.1: connect it to the venue's network "
            "(cable or Wi-Fi), or give the address with LAN_ADDRESS=192.168.x.y."
        )
    return address


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine only (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def qr_text(data: str) -> str:
    """A QR code of ``data`` drawn with text characters, for a terminal."""
    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def lan_environment(*, address: str, port: int, allowed_hosts: list[str]) -> dict[str, str]:
    """What ``scripts/serve --lan`` exports to web, worker and beat."""
    hosts = list(dict.fromkeys([address, *allowed_hosts]))
    return {
        "GUNICORN_BIND": f"0.0.0.0:{port}",
        "PUBLIC_BASE_URL": f"http://{address}:{port}",
        "DJANGO_ALLOWED_HOSTS": ",".join(hosts),
        "LAN_ADDRESS": address,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--allowed-hosts", default="127.0.0.1,localhost", help="Host names kept besides the address.")
    args = parser.parse_args(argv)
    try:
        address = lan_address(override=os.environ.get("LAN_ADDRESS") or None)
    except (NoLanAddress, ValueError) as exc:
        print(f"scripts/serve --lan: {exc}", file=sys.stderr)
        return 1
    hosts = [host.strip() for host in args.allowed_hosts.split(",") if host.strip()]
    for name, value in lan_environment(address=address, port=args.port, allowed_hosts=hosts).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
