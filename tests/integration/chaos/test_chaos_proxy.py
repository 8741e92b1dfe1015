"""The chaos suite's fault proxy in front of a real anvil: each fault as a JSON-RPC client meets it, and healing."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from node.workshop.chaos.proxy import PASS, FaultProxy, Faults
from node.workshop.devnet.anvil import Anvil


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    with Anvil() as chain:
        call(chain.url, "anvil_mine", [1500, 0])
        yield chain


@pytest.fixture
def proxy(anvil: Anvil) -> Iterator[FaultProxy]:
    with FaultProxy(anvil.url, seed=7) as p:
        yield p


def post(url: str, body: Any, timeout: float = 5.0) -> tuple[int, Any]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def call(url: str, method: str, params: list[Any], timeout: float = 5.0) -> tuple[int, Any]:
    return post(url, {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}, timeout)


def logs(url: str, low: int | str, high: int | str) -> tuple[int, Any]:
    span = {"fromBlock": low if isinstance(low, str) else hex(low),
            "toBlock": high if isinstance(high, str) else hex(high)}
    return call(url, "eth_getLogs", [span])


def test_passes_calls_through_unchanged(proxy: FaultProxy, anvil: Anvil) -> None:
    assert call(proxy.url, "eth_blockNumber", []) == call(anvil.url, "eth_blockNumber", [])
    assert proxy.stats["forwarded"] == 1


def test_refuse_closes_the_listener_and_drops_open_connections_until_healed(proxy: FaultProxy) -> None:
    kept = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    kept.request("POST", "/", body, {"Content-Type": "application/json"})
    assert kept.getresponse().read() == b'{"jsonrpc":"2.0","id":1,"result":"0x7a69"}'

    proxy.set(Faults(refuse=True))
    with pytest.raises(urllib.error.URLError) as refused:
        call(proxy.url, "eth_chainId", [])
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        kept.request("POST", "/", body, {"Content-Type": "application/json"})
        kept.getresponse()
    kept.close()

    proxy.set(PASS)
    assert call(proxy.url, "eth_chainId", []) == (200, {"jsonrpc": "2.0", "id": 7, "result": "0x7a69"})


def test_blackhole_never_answers_and_drops_the_held_call_when_healed(proxy: FaultProxy) -> None:
    proxy.set(Faults(blackhole=True))
    with pytest.raises(TimeoutError):
        call(proxy.url, "eth_chainId", [], timeout=0.5)
    outcome: list[BaseException] = []

    def held() -> None:
        try:
            call(proxy.url, "eth_chainId", [], timeout=10)
        except BaseException as e:  # noqa: BLE001 - the test looks at what it was
            outcome.append(e)

    caller = threading.Thread(target=held)
    caller.start()
    time.sleep(0.5)
    assert caller.is_alive()  # still held
    proxy.set(PASS)
    caller.join(5)
    assert [type(e) for e in outcome] == [http.client.RemoteDisconnected]
    assert proxy.stats["blackholed"] == 2
    assert call(proxy.url, "eth_chainId", [])[0] == 200


def test_delay_holds_each_call(proxy: FaultProxy) -> None:
    proxy.set(Faults(delay_s=0.6))
    began = time.monotonic()
    assert call(proxy.url, "eth_chainId", [])[0] == 200
    assert time.monotonic() - began >= 0.6


def test_rate_limit_answers_429(proxy: FaultProxy) -> None:
    proxy.set(Faults(http_429=1.0))
    assert call(proxy.url, "eth_chainId", []) == (429, "Too Many Requests")
    assert proxy.stats["rate_limited"] == 1


def test_failures_are_503s_or_internal_errors(proxy: FaultProxy) -> None:
    proxy.set(Faults(fail=1.0))
    answers = {json.dumps(call(proxy.url, "eth_chainId", [])) for _ in range(20)}
    assert answers == {json.dumps([503, "Service Unavailable"]),
                       json.dumps([200, {"jsonrpc": "2.0", "id": 7,
                                         "error": {"code": -32603, "message": "internal error"}}])}


def test_a_fraction_of_calls_fails(proxy: FaultProxy) -> None:
    proxy.set(Faults(fail=0.25))
    for _ in range(200):
        call(proxy.url, "eth_chainId", [])
    assert 30 <= proxy.stats["failed"] <= 70 and proxy.stats["forwarded"] == 200 - proxy.stats["failed"]


def test_range_cap_refuses_wide_get_logs_only(proxy: FaultProxy) -> None:
    proxy.set(Faults(log_range_cap=1000))
    refused = {"code": -32005, "message": "eth_getLogs is limited to a 1000 block range"}
    assert logs(proxy.url, 0, 1000) == (200, {"jsonrpc": "2.0", "id": 7, "error": refused})
    assert logs(proxy.url, 1, 1000) == (200, {"jsonrpc": "2.0", "id": 7, "result": []})
    assert logs(proxy.url, "earliest", "latest") == (200, {"jsonrpc": "2.0", "id": 7, "error": refused})
    assert logs(proxy.url, 1400, "latest") == (200, {"jsonrpc": "2.0", "id": 7, "result": []})
    assert call(proxy.url, "eth_getLogs", [{"blockHash": "0x" + "00" * 32}])[1].get("error") != refused
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [{"fromBlock": "0x0", "toBlock": "0x5dc"}]},
             {"jsonrpc": "2.0", "id": 2, "method": "eth_chainId", "params": []}]
    assert post(proxy.url, batch) == (200, [{"jsonrpc": "2.0", "id": 1, "error": refused},
                                            {"jsonrpc": "2.0", "id": 2, "result": "0x7a69"}])
    assert proxy.stats["range_capped"] == 3
