"""Outbound HTTP to URLs that users type (webhook endpoints), unable to reach internal services.

A brand admin chooses where webhooks go, and the server that sends them usually sits next to
services that must never be reachable from outside: the cloud metadata service, the database,
admin ports on localhost. So a URL is checked when it is saved (:func:`check_url`, from the
endpoint's model validation) and again at every delivery (:func:`post`), because DNS answers
change between the two:

* the host name must not be an internal one (``localhost``, ``*.internal``, the metadata
  names, see :data:`REFUSED_HOST_NAMES`);
* every address the name resolves to must be public: not loopback, private, link-local,
  shared (CG-NAT), reserved, multicast, unspecified or a cloud metadata address, IPv4-mapped
  IPv6 addresses being judged as the IPv4 address they carry (:func:`refusal`);
* the connection is made to the address that was checked (the pool's host is the IP, the
  ``Host`` header and TLS name stay the URL's), so a second DNS answer cannot swap it
  ("DNS rebinding");
* redirects are never followed, so an allowed receiver cannot bounce the request inward.

``WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS`` (CIDRs) and ``WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_HOSTS``
(host names) lift the rule for development, tests and deliberate intranet receivers.

The HTTP side is `requests-hardened <https://pypi.org/project/requests-hardened/>`_: its session
(no redirects, a timeout always set) and its IP-pinning adapter, here with this package's
address rule and allow-list instead of its built-in one.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from ..conf import lfcloud_settings

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Host names refused whatever they resolve to (exact names, or ``.suffix`` for every name below).
REFUSED_HOST_NAMES: tuple[str, ...] = (
    "localhost",
    ".localhost",
    ".internal",  # ICANN's private-use TLD; metadata.google.internal, *.ec2.internal
    ".local",  # mDNS
    ".home.arpa",
    "metadata",
    "metadata.goog",
    "instance-data",
)

#: Cloud metadata and host-agent addresses. Most are link-local or private already; Azure's
#: wire server is a public address reachable from every Azure VM.
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2/32",  # AWS ECS task metadata
        "fd00:ec2::254/128",  # AWS IMDS over IPv6
        "100.100.100.200/32",  # Alibaba Cloud
        "192.0.0.192/32",  # Oracle Cloud
        "168.63.129.16/32",  # Azure wire server
    )
)

#: What the user is told when an address is refused. It does not say which class the address is
#: in nor what it is (that goes to the server log), so the form and the delivery log are not a
#: way to map internal DNS.
NOT_PUBLIC = (
    "{host} is not a public address (loopback, private, link-local, reserved, multicast and cloud "
    "metadata addresses are refused). Webhooks are only sent to public addresses."
)


class RefusedURL(requests.RequestException):
    """The URL may not be fetched; ``str()`` is a message fit for the user who typed it."""


class UnresolvedHost(RefusedURL):
    """The host name does not resolve (now): refused at save, a passing failure at delivery."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in lfcloud_settings.WEBHOOK_ALLOWED_NETWORKS or []:
        try:
            networks.append(ipaddress.ip_network(str(entry), strict=False))
        except ValueError:
            pass  # reported by the system check wagtail_lfcloud.E050; allows nothing meanwhile
    return networks


def refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be connected to ("loopback", "private", ...), or None if it may.

    An address in ``WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS`` may always be connected to.
    """
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    allowed = _allowed_networks()
    if any(ip in net or (mapped is not None and mapped in net) for net in allowed):
        return None
    if mapped is not None:
        # ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
        return refusal(mapped)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if any(ip in net for net in METADATA_NETWORKS):
        return "cloud metadata"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global or any(ip in net for net in EXTRA_BLOCKED_NET_RANGES):
        return "not globally routable"
    return None


def refused_host_name(host: str) -> bool:
    """Whether ``host`` is an internal name (see :data:`REFUSED_HOST_NAMES`) not explicitly allowed."""
    host = host.lower().rstrip(".")
    allowed = {h.lower().rstrip(".") for h in lfcloud_settings.WEBHOOK_ALLOWED_HOSTS or []}
    if host in allowed:
        return False
    return any(
        host == name or (name.startswith(".") and host.endswith(name))
        for name in REFUSED_HOST_NAMES
    )


def _host_and_port(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise RefusedURL("This is not a valid URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise RefusedURL("Use an http:// or https:// URL.")
    if not host:
        raise RefusedURL("The URL has no host name.")
    return host, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> IPAddress:
    """The address to connect to for ``host``: every address it resolves to must be allowed.

    Raises :class:`RefusedURL` (with a message for the user) if one is not, if the name is an
    internal one, or if it does not resolve.
    """
    if refused_host_name(host):
        raise RefusedURL(
            f"{host} is an internal host name. Webhooks are only sent to public addresses."
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnresolvedHost(f"{host} could not be resolved.") from exc
    addresses = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        why = refusal(ip)
        if why:
            logger.warning("Refused outbound address %s (%s) for host %s", ip, why, host)
            raise RefusedURL(NOT_PUBLIC.format(host=host))
        addresses.append(ip)
    if not addresses:
        raise UnresolvedHost(f"{host} could not be resolved.")
    return addresses[0]


def check_url(url: str) -> None:
    """Raise :class:`RefusedURL` if ``url`` may not receive webhooks (scheme, name, addresses)."""
    resolve(*_host_and_port(url))


class PinnedAddressAdapter(IPFilterAdapter):
    """requests-hardened's IP-pinning adapter with :func:`resolve` as the address rule.

    The connection pool is keyed and opened on the checked IP; the ``Host`` header, the TLS
    server name and the certificate check keep the URL's host name.
    """

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = HTTPAdapter.build_connection_pool_key_attributes(
            self, request, verify, cert
        )
        request.headers = CaseInsensitiveDict(request.headers or {})
        hostname = host_params["host"]
        port = host_params["port"]
        host_header = f"[{hostname}]" if ":" in hostname else hostname
        request.headers["Host"] = host_header if port is None else f"{host_header}:{port}"
        if self._is_https_proto:
            pool_kwargs["assert_hostname"] = hostname
            pool_kwargs["server_hostname"] = hostname
        ip = resolve(hostname, port or (443 if self._is_https_proto else 80))
        host_params["host"] = f"[{ip}]" if ip.version == 6 else str(ip)
        return host_params, pool_kwargs


@dataclass
class Outcome:
    """What happened to one POST: ``status`` is None when no answer came back."""

    ok: bool
    status: int | None
    error: str
    #: The address was refused by the rules above: nothing was sent, trying again is pointless.
    refused: bool = False


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` to ``url`` under the rules above; never raises for network trouble.

    Only the receiver's status code is kept (not its body or headers). A 3xx is a failure: the
    redirect is not followed.
    """
    try:
        host, port = _host_and_port(url)
    except RefusedURL as exc:
        return Outcome(False, None, f"Not sent: {exc}", refused=True)
    session = HTTPSession(
        Config(
            ip_filter_enable=False,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(timeout, timeout),
        )
    )
    session.trust_env = False  # no proxy from the environment: it would connect instead of us
    session.mount("http://", PinnedAddressAdapter(is_https_proto=False))
    session.mount("https://", PinnedAddressAdapter(is_https_proto=True))
    try:
        with (
            session,
            session.post(
                url,
                data=body,
                headers=headers,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            status = response.status_code
    except UnresolvedHost as exc:
        return Outcome(False, None, str(exc))
    except RefusedURL as exc:
        return Outcome(False, None, f"Not sent: {exc}", refused=True)
    except requests.Timeout:
        return Outcome(False, None, f"No answer within {timeout:g} s.")
    except requests.exceptions.SSLError:
        return Outcome(False, None, "The TLS handshake failed (certificate or protocol).")
    except requests.ConnectionError:
        return Outcome(False, None, f"Could not connect to {host}:{port}.")
    except requests.RequestException as exc:
        return Outcome(False, None, f"The request failed ({type(exc).__name__}).")
    if 200 <= status < 300:
        return Outcome(True, status, "")
    if 300 <= status < 400:
        return Outcome(
            False, status, f"HTTP {status}: redirects are not followed; give the final URL."
        )
    return Outcome(False, status, f"HTTP {status}")
