"""Where webhooks may go: the server-side request forgery guard and the HTTP client.

A webhook URL makes this server send requests wherever a client says, so a target must be
a public address: `http`/`https` only, no user name or password in the URL, and every
address its host resolves to must be globally routable — loopback, private, link-local,
carrier-grade NAT, multicast, reserved and unspecified addresses (IPv4 and IPv6, and IPv4
mapped into IPv6) are refused. The check runs when an endpoint is saved (a clear error,
nothing written) and again on every connection the sender opens (`GuardedBackend`): the
name is resolved once, every answer checked, and the connection made to a checked address,
so a DNS answer that changes after the save (rebinding) cannot reach an inner address.
Redirects are never followed and environment proxies are ignored.

`settings.DELIVERY_ALLOW_PRIVATE_TARGETS = True` lifts the address rule (tests and local
development send to 127.0.0.1); production leaves it unset.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from backoffice.core.errors import DomainError
from backoffice.delivery.error_codes import ErrorCode

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
USER_AGENT = "Backoffice-Webhooks/1.0"


class TargetRefused(Exception):
    """The sender's connection was refused by the address rule (at delivery time)."""


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "DELIVERY_ALLOW_PRIVATE_TARGETS", False))


def _refused(message: str) -> DomainError:
    return DomainError(message, code=ErrorCode.TARGET_REFUSED, fields={"url": [message]})


def address_problem(address: str) -> str | None:
    """Why an address may not be a webhook target, or None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address (this server itself)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if ip.is_private or not ip.is_global:
        return "a private network address"
    return None


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refused(f"The host name {host} cannot be found.") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str) -> str:
    """The URL, cleaned, if it may receive webhooks; else a `DomainError` in plain words."""
    url = (url or "").strip()
    if not url:
        raise _refused("Enter the address that should receive the notifications.")
    if len(url) > 500:
        raise _refused("The address is too long (at most 500 characters).")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise _refused("This is not a web address.") from exc
    if parts.scheme not in ("http", "https"):
        raise _refused("The address must start with https:// (or http://).")
    if not parts.hostname:
        raise _refused("The address has no host name.")
    if parts.username or parts.password:
        raise _refused("Leave the user name and password out of the address.")
    if private_targets_allowed():
        return url
    for address in resolve(parts.hostname, port):
        problem = address_problem(address)
        if problem:
            raise _refused(f"{parts.hostname} leads to {problem}, which may not receive webhooks.")
    return url


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to checked addresses: resolve once, check all, connect to a checked one."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        if private_targets_allowed():
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = resolve(host, port)
        except DomainError as exc:
            raise TargetRefused(exc.message) from exc
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise TargetRefused(f"{host} now leads to {problem}: not sent.")
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__(trust_env=False, retries=0)
        pool: httpcore.ConnectionPool = self._pool  # type: ignore[assignment]
        self._pool = httpcore.ConnectionPool(
            ssl_context=pool._ssl_context,
            max_connections=20,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(),
        )


def client() -> httpx.Client:
    """A client for webhook requests: short timeouts, no redirects, no proxies, guarded."""
    return httpx.Client(
        transport=_GuardedTransport(),
        timeout=TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )
