"""Typed readers for settings that come from the environment.

Each helper refuses a value it cannot understand with a message naming the
variable, so a typo in production fails at start-up instead of half-working.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any


class ImproperSetting(ValueError):
    pass


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperSetting(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperSetting(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperSetting(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`10.0.0.0/8,127.0.0.1,::1`: addresses or networks (an address is a network of one)."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperSetting(f"{name}: {item!r} is not an IP address or network such as 10.0.0.0/8") from None
    return networks


def env_mapping(name: str, *, values: tuple[str, ...]) -> dict[str, str]:
    """`key=value,key=value` with every value one of `values` (keys are checked where they are known)."""
    raw = env_str(name, "")
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or value.strip() not in values:
            raise ImproperSetting(f"{name}: {item!r} is not name={'|'.join(values)}")
        result[key.strip()] = value.strip()
    return result


def db_pool_options(*, size: int, timeout: int) -> dict[str, Any]:
    """psycopg_pool options of the PostgreSQL pool (Django's OPTIONS["pool"]): at most `size`
    connections per process, one kept open; a request waits up to `timeout` seconds for one;
    connections idle for 5 minutes are closed, and each is renewed after 30 minutes."""
    if size < 1:
        raise ImproperSetting("CLIENTELA_DB_POOL_SIZE must be at least 1")
    if timeout < 1:
        raise ImproperSetting("CLIENTELA_DB_POOL_TIMEOUT must be at least 1 second")
    return {"min_size": 1, "max_size": size, "timeout": timeout, "max_idle": 300, "max_lifetime": 1800}
