"""The JSON-RPC envelope: unknown methods, bad params worded as the validator words them, batches,
notifications and malformed bodies."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from solana.rpc.async_api import AsyncClient
from solders.rpc.requests import GetBalance, GetSlot, GetVersion
from solders.rpc.responses import GetBalanceResp, GetSlotResp, GetVersionResp

from node.workshop.devnet.solana_rpc import SolanaDevnet

pytestmark = pytest.mark.asyncio(loop_scope="session")

Chain = Any  # the `chain` fixture (conftest.Chain)
Rpc = Any  # the `rpc` fixture
Http = Any  # the `http` fixture


def error(code: int, message: str, data: Any = None, id: Any = 1) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "error": err, "id": id}


async def test_unknown_method(rpc: Rpc) -> None:
    assert await rpc("getEverything", []) == error(-32601, "Method not found")
    assert await rpc("getBlock", [1]) == error(-32601, "Method not found")


async def test_bad_params_are_named(chain: Chain, rpc: Rpc) -> None:
    key = str(chain.funded().pubkey())
    cases: list[tuple[str, Any, dict[str, Any]]] = [
        ("getBalance", [], error(-32602, "`params` should have at least 1 argument(s)")),
        ("getBalance", None, error(-32602, "`params` should have at least 1 argument(s)")),
        ("getBalance", {"pubkey": key}, error(-32602, "`params` should be an array")),
        ("getBalance", ["0OIl"], error(-32602, "Invalid param: Invalid")),
        ("getBalance", ["abc"], error(-32602, "Invalid param: WrongSize")),
        ("getBalance", [5], error(-32602, "Invalid params: invalid type: integer `5`, expected a string.")),
        ("getBalance", [key, {"commitment": "recent"}],
         error(-32602, "Invalid params: unknown variant `recent`, expected one of `processed`, `confirmed`, "
                       "`finalized`.")),
        ("getBalance", [key, "finalized"],
         error(-32602, "Invalid params: invalid type: string \"finalized\", expected struct RpcContextConfig.")),
        ("getBalance", [key, {}, 3],
         error(-32602, "Invalid parameters: Expected from 1 to 2 parameters.", "\"Got: 3\"")),
        ("getSlot", [{"minContextSlot": -1}],
         error(-32602, "Invalid params: invalid value: integer `-1`, expected u64.")),
        ("getBlockTime", [], error(-32602, "Invalid params: invalid length 0, expected a tuple of size 1.")),
        ("getBlockTime", ["x"], error(-32602, "Invalid params: invalid type: string \"x\", expected u64.")),
        ("getBlockTime", [1.5], error(-32602, "Invalid params: invalid type: floating point `1.5`, expected u64.")),
        ("getVersion", [1], error(-32602, "Invalid parameters: No parameters were expected", "Array([Number(1)])")),
        ("getSignatureStatuses", [["abc"]], error(-32602, "Invalid param: WrongSize")),
        ("getSignatureStatuses", ["abc"],
         error(-32602, "Invalid params: invalid type: string \"abc\", expected a sequence.")),
        ("isBlockhashValid", ["0OIl"], error(-32602, "Invalid")),
        ("getTransaction", ["1" * 64, {"encoding": "yaml"}],
         error(-32602, "Invalid params: unknown variant `yaml`, expected one of `binary`, `base64`, `base58`, "
                       "`json`, `jsonParsed`.")),
        ("getTransaction", ["1" * 64, 5],
         error(-32602, "Invalid params: data did not match any variant of untagged enum RpcEncodingConfigWrapper.")),
        ("getMinimumBalanceForRentExemption", [True],
         error(-32602, "Invalid params: invalid type: boolean `true`, expected usize.")),
        ("requestAirdrop", [key], error(-32602, "`params` should have at least 2 argument(s)")),
        ("getRecentPrioritizationFees", [["abc"]], error(-32602, "Invalid param: WrongSize")),
        ("getRecentPrioritizationFees", [[key] * 129], error(-32602, "Too many inputs provided; max 128")),
        ("getFeeForMessage", ["AQID"],
         error(-32602, "failed to deserialize solana_message::versioned::VersionedMessage: "
                       "io error: unexpected end of file")),
    ]
    for method, params, expected in cases:
        assert await rpc(method, params) == expected, (method, params)


async def test_batch_requests(devnet: SolanaDevnet, client: AsyncClient, chain: Chain, http: Http) -> None:
    kp = chain.funded()
    devnet.advance_slots(4)
    body = [
        {"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": [{"commitment": "processed"}]},
        {"jsonrpc": "2.0", "id": "two", "method": "getBalance", "params": [str(kp.pubkey())]},
        {"jsonrpc": "2.0", "method": "getSlot"},  # a notification: no response
        {"jsonrpc": "2.0", "id": 3, "method": "nope"},
        {"jsonrpc": "2.0", "id": 4, "method": "getBalance", "params": []},
    ]
    status, text = await http(body)
    assert status == 200
    api = devnet.rpc._context(0)["apiVersion"]
    assert json.loads(text) == [
        {"jsonrpc": "2.0", "result": 4, "id": 1},
        {"jsonrpc": "2.0", "result": {"context": {"slot": 2, "apiVersion": api}, "value": 10 * 10**9}, "id": "two"},
        error(-32601, "Method not found", id=3),
        error(-32602, "`params` should have at least 1 argument(s)", id=4),
    ]
    slot, balance, version = await client._provider.make_batch_request(
        (GetSlot(), GetBalance(kp.pubkey()), GetVersion()), (GetSlotResp, GetBalanceResp, GetVersionResp))
    assert slot.value == 2 and balance.value == 10 * 10**9 and version.value.solana_core
    assert await http([]) == (200, json.dumps(error(-32600, "Invalid request", id=None), separators=(",", ":")))


async def test_malformed_bodies_and_notifications(http: Http) -> None:
    status, text = await http(b"{not json")
    assert (status, json.loads(text)) == (200, error(-32700, "Parse error", id=None))
    status, text = await http({"jsonrpc": "2.0", "id": 7})
    assert (status, json.loads(text)) == (200, error(-32600, "Invalid request", id=7))
    status, text = await http({"jsonrpc": "1.0", "id": 8, "method": "getSlot"})
    assert (status, json.loads(text)) == (200, error(-32600, "Invalid request", id=8))
    status, text = await http([1])
    assert (status, json.loads(text)) == (200, [error(-32600, "Invalid request", id=None)])
    assert await http({"jsonrpc": "2.0", "method": "getSlot"}) == (200, "")
    assert await http([{"jsonrpc": "2.0", "method": "getSlot"}]) == (200, "")


async def test_health_endpoint(devnet: SolanaDevnet) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{devnet.url}/health") as r:
        assert (r.status, await r.text()) == (200, "ok")
