"""The PubSub WebSocket as a raw client sees it: notifications in the exact JSON a cluster writes, the JSON-RPC
errors of bad params and unknown subscription ids, subscriptions shared and ended with their connection, the
envelope (parse errors, notifications, batches), the two ports, and shutdown."""

from __future__ import annotations

import asyncio
import base64
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import TxOpts
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.core.base58 import b58encode
from node.workshop.devnet.solana_rpc import SolanaDevnet, SolanaDevnetError
from tests.integration.solana_rpc.conftest import RawSocket

pytestmark = pytest.mark.asyncio(loop_scope="session")

Chain = Any  # the `chain` fixture (conftest.Chain)
Sockets = Callable[[], Awaitable[RawSocket]]
KEY = str(Pubkey.new_unique())
SIG = "5" * 88


def note(method: str, subscription: int, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": subscription}}


async def test_notifications_are_the_json_a_cluster_writes(devnet: SolanaDevnet, client: AsyncClient,
                                                           chain: Chain, sockets: Sockets) -> None:
    devnet.advance_slots(3)
    ws = await sockets()
    payer = chain.funded(chain.SOL)
    tx = chain.transfer(payer, Keypair().pubkey(), 2 * chain.SOL)  # fails in the program
    received = await ws.subscribe("signatureSubscribe", [str(tx.signatures[0]),
                                                         {"commitment": "confirmed", "enableReceivedNotification": True}])
    logs = await ws.subscribe("logsSubscribe", [{"mentions": [str(payer.pubkey())]}, {"commitment": "processed"}])
    await client.send_raw_transaction(bytes(tx), TxOpts(skip_preflight=True))
    slot = devnet.slot
    err = {"InstructionError": [0, {"Custom": 1}]}
    assert await ws.next() == note("signatureNotification", received, {"context": {"slot": slot},
                                                                       "value": "receivedSignature"})
    rec = devnet.ledger.record(str(tx.signatures[0]))
    assert rec is not None
    assert await ws.next() == note("logsNotification", logs, {"context": {"slot": slot}, "value": {
        "signature": str(tx.signatures[0]), "err": err, "logs": rec.logs}})
    await ws.nothing_pending()
    devnet.advance_slots(1)
    assert await ws.next() == note("signatureNotification", received, {"context": {"slot": slot},
                                                                       "value": {"err": err}})

    slots = await ws.subscribe("slotSubscribe")
    devnet.advance_slots(1)
    assert await ws.next() == note("slotNotification", slots, {"slot": slot + 2, "parent": slot + 1,
                                                               "root": slot + 2 - devnet.ledger.finality_depth})


async def test_account_encodings(devnet: SolanaDevnet, sockets: Sockets) -> None:
    """The default encoding (plain base58, without the HTTP side's 128-byte limit), base58 with a data slice,
    base64, and jsonParsed falling back to base64 for data no parser knows; `processed` is notified at once."""
    ws = await sockets()
    key, owner = Pubkey.new_unique(), Pubkey.new_unique()
    data = bytes(range(200))
    configs: list[dict[str, Any]] = [
        {"commitment": "processed"}, {"commitment": "processed", "encoding": "base58",
                                      "dataSlice": {"offset": 10, "length": 20}},
        {"commitment": "processed", "encoding": "base64"}, {"commitment": "processed", "encoding": "jsonParsed"}]
    ids = [await ws.subscribe("accountSubscribe", [str(key), config]) for config in configs]
    devnet.set_account(key, Account(5_000_000, data, owner))
    base = {"executable": False, "lamports": 5_000_000, "owner": str(owner), "rentEpoch": 0, "space": 200}
    b64 = base64.b64encode(data).decode()
    values = [b58encode(data), [b58encode(data[10:30]), "base58"], [b64, "base64"], [b64, "base64"]]
    for sub, value in zip(ids, values, strict=True):
        assert await ws.next() == note("accountNotification", sub, {"context": {"slot": devnet.slot},
                                                                    "value": {**base, "data": value}})
    await ws.nothing_pending()


BAD_PARAMS = [
    ("accountSubscribe", [], -32602, "`params` should have at least 1 argument(s)"),
    ("accountSubscribe", ["not a key"], -32602, "Invalid Request: Invalid pubkey provided"),
    ("accountSubscribe", [KEY, {"commitment": "recent"}], -32602,
     "Invalid params: unknown variant `recent`, expected one of `processed`, `confirmed`, `finalized`."),
    ("accountSubscribe", [KEY, {"encoding": "hex"}], -32602, "Invalid params: unknown variant `hex`, expected one "
     "of `binary`, `base58`, `base64`, `jsonParsed`, `base64+zstd`."),
    ("accountSubscribe", [KEY, {"dataSlice": {"offset": 1}}], -32602, "Invalid params: missing field `length`."),
    ("signatureSubscribe", ["xyz"], -32602, "Invalid Request: Invalid signature provided"),
    ("signatureSubscribe", [SIG, {"enableReceivedNotification": 1}], -32602,
     "Invalid params: invalid type: integer `1`, expected a boolean."),
    ("logsSubscribe", ["everything"], -32602,
     "Invalid params: unknown variant `everything`, expected one of `all`, `allWithVotes`, `mentions`."),
    ("logsSubscribe", [{"mentions": [KEY, KEY]}], -32602, "Invalid Request: Only 1 address supported"),
    ("logsSubscribe", [{"mentions": ["not a key"]}], -32602, "Invalid Request: Invalid mentions provided"),
    ("logsSubscribe", [{"mentions": KEY}], -32602,
     f"Invalid params: invalid type: string \"{KEY}\", expected a sequence."),
    ("logsSubscribe", ["mentions"], -32602, "Invalid params: invalid type: unit variant, expected newtype variant."),
    ("logsSubscribe", [{"all": None, "mentions": []}], -32602,
     "Invalid params: invalid value: map, expected map with a single key."),
    ("logsSubscribe", [7], -32602, "Invalid params: invalid type: integer `7`, expected string or map."),
    ("slotUnsubscribe", [], -32602, "Invalid params: invalid length 0, expected a tuple of size 1."),
    ("slotUnsubscribe", ["1"], -32602, "Invalid params: invalid type: string \"1\", expected u64."),
    ("accountUnsubscribe", [12345], -32602, "Invalid subscription id."),
    ("programSubscribe", [KEY], -32601, "Method not found"),
]


@pytest.mark.parametrize(("method", "params", "code", "message"), BAD_PARAMS, ids=[f"{m}-{i}" for i, (m, *_)
                                                                                 in enumerate(BAD_PARAMS)])
async def test_bad_params(sockets: Sockets, method: str, params: Any, code: int, message: str) -> None:
    ws = await sockets()
    answer = await ws.call(method, params)
    assert answer == {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": answer["id"]}


async def test_bad_params_of_a_method_without_params(sockets: Sockets) -> None:
    ws = await sockets()
    answer = await ws.call("slotSubscribe", [1])
    assert answer["error"] == {"code": -32602, "message": "Invalid parameters: No parameters were expected",
                               "data": "Array([Number(1)])"}


async def test_subscriptions_are_shared_and_end_with_their_connection(devnet: SolanaDevnet,
                                                                      sockets: Sockets) -> None:
    a, b = await sockets(), await sockets()
    first = await a.subscribe("slotSubscribe")
    assert await b.subscribe("slotSubscribe") == first  # identical params: one subscription, one id
    assert await a.subscribe("slotSubscribe") == first
    assert (await a.call("slotUnsubscribe", [first]))["result"] is True
    assert (await a.call("slotUnsubscribe", [first]))["error"]["message"] == "Invalid subscription id."
    devnet.advance_slots(1)
    assert (await b.next())["params"] == {"result": {"slot": devnet.slot, "parent": devnet.slot - 1,
                                                     "root": max(0, devnet.slot - 2)}, "subscription": first}
    await a.nothing_pending()
    # an unsubscribe names any of the connection's ids whatever its method, and only the connection's
    assert (await a.call("accountUnsubscribe", [first]))["error"]["message"] == "Invalid subscription id."
    logs = await a.subscribe("logsSubscribe", ["all"])
    assert (await b.call("logsUnsubscribe", [logs]))["error"]["message"] == "Invalid subscription id."
    assert (await a.call("accountUnsubscribe", [logs]))["result"] is True

    await b.ws.close()
    while (again := await a.subscribe("slotSubscribe")) == first:  # until the server has seen b go
        assert (await a.call("slotUnsubscribe", [first]))["result"] is True
        await asyncio.sleep(0.01)
    assert again > first  # a new subscription: the shared one ended with b, its last subscriber


async def test_envelope(sockets: Sockets) -> None:
    ws = await sockets()
    await ws.send("{not json")
    assert await ws.next() == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    await ws.send({"jsonrpc": "2.0", "method": "ping"})  # a notification (no id), as web3.js sends: no answer
    await ws.send([{"jsonrpc": "2.0", "id": "a", "method": "slotSubscribe"},
                   {"jsonrpc": "2.0", "id": "b", "method": "slotUnsubscribe", "params": [2**63]}])
    first, second = await ws.next()
    assert first["id"] == "a" and isinstance(first["result"], int)
    assert second == {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid subscription id."}, "id": "b"}
    await ws.send({"jsonrpc": "1.0", "id": 3, "method": "slotSubscribe"})
    assert await ws.next() == {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": 3}


async def test_a_plain_get_is_refused(devnet: SolanaDevnet) -> None:
    async with aiohttp.ClientSession() as session, session.get(devnet.url) as r:
        assert (r.status, await r.text()) == (405, "Used HTTP Method is not allowed. POST or OPTIONS is required\n")


async def _slot_subscription_answers(url: str) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json({"jsonrpc": "2.0", "id": 1, "method": "slotSubscribe"})
        assert isinstance((await ws.receive_json(timeout=5))["result"], int)


async def test_ports(devnet: SolanaDevnet) -> None:
    """The WebSocket is on the JSON-RPC port and, where web3.js looks, the next one; a `ws_port` given is bound
    or the start fails; `ws_port == port` serves it on the one port."""
    assert devnet.ws_url == f"ws://127.0.0.1:{devnet.port + 1}"
    await _slot_subscription_answers(devnet.ws_url)
    await _slot_subscription_answers(f"ws://127.0.0.1:{devnet.port}")

    async with SolanaDevnet() as probe:  # a port whose next one is free too
        port = probe.port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 1))
        taken.listen()
        with pytest.raises(SolanaDevnetError,
                           match=f"^cannot listen on 127.0.0.1:{port + 1}: address already in use$"):
            await SolanaDevnet(ws_port=port + 1).start()
        async with SolanaDevnet(port=port) as below:  # port + 1 is taken: served on the one port
            assert below.ws_url == f"ws://127.0.0.1:{port}"
            await _slot_subscription_answers(below.ws_url)
    async with SolanaDevnet(port=port, ws_port=port) as same:
        assert same.ws_url == f"ws://127.0.0.1:{port}"
        await _slot_subscription_answers(same.ws_url)
    async with SolanaDevnet(ws_port=0) as one:
        assert one.ws_port not in (0, one.port)
        await _slot_subscription_answers(one.ws_url)


async def test_cli_prints_both_urls() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "node.workshop.devnet.solana_rpc", "--port", "0", "--ws-port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        ws_url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert url.startswith("http://127.0.0.1:") and ws_url.startswith("ws://127.0.0.1:")
        await _slot_subscription_answers(ws_url)
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 10) == 0


async def test_stop_closes_every_connection() -> None:
    async with SolanaDevnet() as dev, aiohttp.ClientSession() as session, session.ws_connect(dev.ws_url) as ws:
        await ws.send_json({"jsonrpc": "2.0", "id": 1, "method": "slotSubscribe"})
        await ws.receive_json(timeout=5)
        await dev.stop()
        msg = await ws.receive(timeout=5)
        assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.GOING_AWAY)
