"""The sign-in throttles count the client: behind a trusted proxy the address it forwards,
from anyone else the peer itself (a forwarded header they send is ignored)."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import RequestFactory

from clientela.accounts.throttle import client_address
from clientela.settings_env import ImproperSetting, env_networks

PROXY = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.0.0.0/8")]


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/accounts/login/", **extra)


@pytest.fixture
def behind_a_proxy(settings):
    settings.TRUSTED_PROXIES = PROXY


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(behind_a_proxy):
    assert client_address(_request("127.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_address(_request("127.0.0.1", "198.51.100.7")) == "198.51.100.7"


def test_a_client_cannot_choose_its_address_by_writing_the_header(behind_a_proxy):
    # the proxy appends the real peer: a forged entry on the left is never reached
    assert client_address(_request("127.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # from a peer that is no proxy the header is ignored
    assert client_address(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop(behind_a_proxy):
    assert client_address(_request("127.0.0.1", "203.0.113.9, 10.1.2.3")) == "203.0.113.9"


def test_a_malformed_entry_stops_the_walk_at_the_last_trusted_hop(behind_a_proxy):
    assert client_address(_request("127.0.0.1", "203.0.113.9, not-an-address")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"


def test_a_bad_trusted_proxy_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("CLIENTELA_TRUSTED_PROXIES", "127.0.0.1,proxy.local")
    with pytest.raises(ImproperSetting, match="CLIENTELA_TRUSTED_PROXIES: 'proxy.local'"):
        env_networks("CLIENTELA_TRUSTED_PROXIES")
