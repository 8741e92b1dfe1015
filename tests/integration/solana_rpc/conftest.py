"""A Solana devnet (LiteSVM behind a local JSON-RPC server) per test, paused so tests move slots themselves, and
solana-py's AsyncClient pointed at it; raw JSON-RPC calls for the shapes the client does not expose, over HTTP
and over the PubSub WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Processed
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from node.workshop.devnet.solana_rpc import SolanaDevnet

SOL = 1_000_000_000
SYSTEM = Pubkey.from_string("11111111111111111111111111111111")
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SYSTEM_LOGS = ["Program 11111111111111111111111111111111 invoke [1]",
               "Program 11111111111111111111111111111111 success"]

Rpc = Callable[..., Awaitable[dict[str, Any]]]


class Chain:
    """Helpers over one devnet: funded keys and signed transfers against the current blockhash."""

    SOL = SOL
    SYSTEM = SYSTEM
    MEMO = MEMO
    SYSTEM_LOGS = SYSTEM_LOGS

    def __init__(self, devnet: SolanaDevnet) -> None:
        self.devnet = devnet

    def on(self, devnet: SolanaDevnet) -> Chain:
        """The same helpers over another devnet."""
        return Chain(devnet)

    def funded(self, lamports: int = 10 * SOL) -> Keypair:
        kp = Keypair()
        self.devnet.airdrop(kp.pubkey(), lamports)
        return kp

    def blockhash(self) -> Hash:
        return self.devnet.ledger.blockhash(self.devnet.slot)

    def transfer(self, payer: Keypair, to: Pubkey, lamports: int, blockhash: Hash | None = None) -> Transaction:
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))
        return Transaction([payer], Message([ix], payer.pubkey()), blockhash or self.blockhash())

    def memo(self, payer: Keypair, text: bytes, program: Pubkey = MEMO) -> Transaction:
        ix = Instruction(program, text, [AccountMeta(payer.pubkey(), True, True)])
        return Transaction([payer], Message([ix], payer.pubkey()), self.blockhash())


@pytest_asyncio.fixture(loop_scope="session")
async def devnet() -> AsyncIterator[SolanaDevnet]:
    dev = SolanaDevnet(slot_ms=50)
    await dev.start()
    dev.pause()
    try:
        yield dev
    finally:
        await dev.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def client(devnet: SolanaDevnet) -> AsyncIterator[AsyncClient]:
    """Reads and preflight at `processed` unless a call says otherwise: the tests move the slots."""
    async with AsyncClient(devnet.url, commitment=Processed) as c:
        yield c


@pytest.fixture
def chain(devnet: SolanaDevnet) -> Chain:
    return Chain(devnet)


@pytest_asyncio.fixture(loop_scope="session")
async def http(devnet: SolanaDevnet) -> AsyncIterator[Callable[[Any], Awaitable[tuple[int, str]]]]:
    """POST a body (JSON-encoded unless already bytes) to the devnet; returns (status, text)."""
    async with aiohttp.ClientSession() as session:
        async def post(body: Any) -> tuple[int, str]:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            async with session.post(devnet.url, data=data, headers={"Content-Type": "application/json"}) as r:
                return r.status, await r.text()
        yield post


class RawSocket:
    """A bare JSON-RPC client on the PubSub WebSocket: messages as the endpoint writes them."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = 0

    async def send(self, message: Any) -> None:
        await self.ws.send_str(message if isinstance(message, str) else json.dumps(message))

    async def call(self, method: str, params: Any = None) -> dict[str, Any]:
        """One request; returns its response (which must be the next message)."""
        self._ids += 1
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": self._ids, "method": method}
        if params is not None:
            body["params"] = params
        await self.send(body)
        answer = await self.next()
        assert answer.get("id") == self._ids, answer
        return answer

    async def subscribe(self, method: str, params: Any = None) -> int:
        answer = await self.call(method, params)
        assert isinstance(answer.get("result"), int), answer
        return int(answer["result"])

    async def next(self, timeout: float = 5.0) -> Any:
        msg = await self.ws.receive(timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        return json.loads(msg.data)

    async def nothing_pending(self) -> None:
        """Nothing was queued for this client before now: the answer to a request sent now comes first (the
        endpoint writes each connection's messages in order)."""
        answer = await self.call("slotUnsubscribe", [2**63])
        assert answer["error"]["message"] == "Invalid subscription id.", answer


@pytest_asyncio.fixture(loop_scope="session")
async def sockets(devnet: SolanaDevnet) -> AsyncIterator[Callable[[], Awaitable[RawSocket]]]:
    """Open raw WebSocket clients on the devnet's JSON-RPC port (closed after the test)."""
    async with aiohttp.ClientSession() as session:
        async def open_socket() -> RawSocket:
            ws = await session.ws_connect(devnet.url.replace("http://", "ws://"))
            return RawSocket(ws)
        yield open_socket


@pytest.fixture
def rpc(http: Callable[[Any], Awaitable[tuple[int, str]]]) -> Rpc:
    """One raw JSON-RPC call; returns the whole response object."""
    async def call(method: str, params: Any = None, *, id: Any = 1) -> dict[str, Any]:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            body["params"] = params
        status, text = await http(body)
        assert status == 200, text
        return dict(json.loads(text))
    return call
