"""Endpoint URLs as the node prints and compares them: an endpoint is named by scheme://host:port alone (paths
and queries often carry an API key), and two URLs that differ only in a default port or a trailing slash are the
same endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_port(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


def redact(url: str) -> str:
    """`url` as scheme://host:port, without credentials, path or query."""
    scheme, host, port = _host_port(url)
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def same_endpoint_key(url: str) -> str:
    """A key equal for two URLs that reach the same endpoint (case of scheme and host, default port, trailing
    slash aside)."""
    parts = urlsplit(url)
    scheme, host, port = _host_port(url)
    user = parts.netloc.rpartition("@")[0]
    path = parts.path.rstrip("/")
    return f"{scheme}://{user}@{host}:{port}{path}?{parts.query}"


def labels(urls: Sequence[str]) -> list[str]:
    """Each URL's printable name; a name shared by several endpoints gets #2, #3... after the first."""
    seen: dict[str, int] = {}
    out = []
    for url in urls:
        label = redact(url)
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return out


def repeated(named: Sequence[tuple[str, str]]) -> list[str]:
    """For (config key, URL) pairs: one line for each URL that reaches an endpoint listed before it."""
    seen: dict[str, str] = {}
    out = []
    for where, url in named:
        key = same_endpoint_key(url)
        if key in seen:
            out.append(f"{where} repeats {seen[key]} ({redact(url)})")
        else:
            seen[key] = where
    return out
