"""Account reads: encodings, data slices, several accounts at once, and program accounts with filters."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Finalized, Processed
from solana.rpc.core import RPCException
from solana.rpc.types import DataSliceOpts, MemcmpOpts
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.responses import GetProgramAccountsWithContextResp, InvalidParamsMessage

from node.workshop.devnet.solana_rpc import SolanaDevnet

pytestmark = pytest.mark.asyncio(loop_scope="session")

SOL = 1_000_000_000
SYSTEM = Pubkey.from_string("11111111111111111111111111111111")
Chain = Any  # the `chain` fixture (conftest.Chain)
Rpc = Any  # the `rpc` fixture


def b58(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


async def test_account_encodings_and_slices(devnet: SolanaDevnet, client: AsyncClient, rpc: Rpc) -> None:
    owner, key, small = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    data = bytes(range(200))
    devnet.set_account(key, Account(5 * SOL, data, owner))
    devnet.set_account(small, Account(SOL, b"tiny", owner))
    for encoding in ("base64", "base64+zstd", "jsonParsed"):
        account = (await client.get_account_info(key, encoding=encoding)).value
        assert account is not None
        assert (account.lamports, bytes(account.data), account.owner, account.executable) == (5 * SOL, data, owner,
                                                                                              False)
    sliced = (await client.get_account_info(key, data_slice=DataSliceOpts(offset=10, length=5))).value
    assert sliced is not None and bytes(sliced.data) == bytes(range(10, 15))

    raw = (await rpc("getAccountInfo", [str(key), {"encoding": "jsonParsed", "commitment": "processed"}]))["result"]
    assert raw == {"context": {"slot": 0, "apiVersion": raw["context"]["apiVersion"]},
                   "value": {"data": [base64.b64encode(data).decode(), "base64"], "executable": False,
                             "lamports": 5 * SOL, "owner": str(owner), "rentEpoch": 0, "space": 200}}
    zstd = (await rpc("getAccountInfo", [str(key), {"encoding": "base64+zstd"}]))["result"]["value"]["data"]
    assert zstd[1] == "base64+zstd" and base64.b64decode(zstd[0])[:4] == b"\x28\xb5\x2f\xfd"
    assert (await rpc("getAccountInfo", [str(small)]))["result"]["value"]["data"] == b58(b"tiny")
    assert (await rpc("getAccountInfo", [str(small), {"encoding": "base58"}]))["result"]["value"]["data"] == [
        b58(b"tiny"), "base58"]
    too_long = "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding."
    assert await rpc("getAccountInfo", [str(key)]) == {
        "jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": too_long}}
    sliced_b58 = await rpc("getAccountInfo", [str(key), {"encoding": "base58",
                                                         "dataSlice": {"offset": 0, "length": 3}}])
    assert sliced_b58["result"]["value"]["data"] == [b58(bytes([0, 1, 2])), "base58"]

    assert (await client.get_account_info(Pubkey.new_unique())).value is None
    devnet.set_account(small, Account(0, b"tiny", owner))  # no lamports: the account is gone
    assert (await client.get_account_info(small)).value is None
    assert (await client.get_balance(small)).value == 0


async def test_multiple_accounts(devnet: SolanaDevnet, client: AsyncClient, chain: Chain) -> None:
    a, b = chain.funded(SOL), chain.funded(2 * SOL)
    devnet.advance_slots(3)
    missing = Pubkey.new_unique()
    resp = await client.get_multiple_accounts([a.pubkey(), missing, b.pubkey()], Finalized)
    assert resp.context.slot == 1
    assert [x.lamports if x else None for x in resp.value] == [SOL, None, 2 * SOL]
    with pytest.raises(RPCException) as exc:
        await client.get_multiple_accounts([Pubkey.new_unique() for _ in range(101)])
    err = exc.value.args[0]
    assert isinstance(err, InvalidParamsMessage) and err.message == "Too many inputs provided; max 100"


async def test_program_accounts_with_filters(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                             rpc: Rpc) -> None:
    program, other = Pubkey.new_unique(), Pubkey.new_unique()
    made = {
        Pubkey.new_unique(): b"\x01order" + bytes(10),
        Pubkey.new_unique(): b"\x01order" + bytes(20),
        Pubkey.new_unique(): b"\x02quote" + bytes(10),
        Pubkey.new_unique(): b"\x01",
    }
    for key, data in made.items():
        devnet.set_account(key, Account(SOL, data, program))
    devnet.set_account(Pubkey.new_unique(), Account(SOL, b"\x01order" + bytes(10), other))
    in_order = sorted(made, key=bytes)

    async def keys(**kwargs: Any) -> list[Pubkey]:
        resp = await client.get_program_accounts(program, encoding="base64", **kwargs)
        return [x.pubkey for x in resp.value]

    assert await keys() == in_order
    assert await keys(filters=[16]) == [k for k in in_order if len(made[k]) == 16]
    order = [k for k in in_order if made[k].startswith(b"\x01order")]
    assert await keys(filters=[MemcmpOpts(offset=0, bytes=b58(b"\x01order"))]) == order
    assert await keys(filters=[MemcmpOpts(offset=1, bytes=b58(b"quote")), 16]) == [
        k for k in in_order if made[k][1:6] == b"quote"]
    assert await keys(filters=[MemcmpOpts(offset=3, bytes=b58(b"der"))]) == order
    assert await keys(filters=[MemcmpOpts(offset=200, bytes=b58(b"\x00"))]) == []
    accounts = (await client.get_program_accounts(program, encoding="base64", filters=[26],
                                                  data_slice=DataSliceOpts(offset=1, length=5))).value
    assert [bytes(x.account.data) for x in accounts] == [b"order"]

    b64_filter = {"memcmp": {"offset": 0, "bytes": base64.b64encode(b"\x02quote").decode(), "encoding": "base64"}}
    raw = await rpc("getProgramAccounts", [str(program), {"encoding": "base64", "filters": [b64_filter],
                                                           "withContext": True, "commitment": "processed"}])
    with_context = GetProgramAccountsWithContextResp.from_json(json.dumps(raw))
    assert with_context.context.slot == devnet.slot
    assert [x.pubkey for x in with_context.value] == [k for k in in_order if made[k].startswith(b"\x02")]

    async def error(filters: list[Any]) -> dict[str, Any]:
        return dict((await rpc("getProgramAccounts", [str(program), {"filters": filters}]))["error"])

    assert await error([{"dataSize": 1}] * 5) == {"code": -32602, "message": "Too many filters provided; max 4"}
    assert await error([{"memcmp": {"offset": 0, "bytes": "0OIl"}}]) == {
        "code": -32602,
        "message": "Invalid param: Base58DecodeError(InvalidCharacter { character: '0', index: 0 })"}
    assert await error([{"memcmp": {"offset": 0, "bytes": "1" * 129}}]) == {
        "code": -32602, "message": "Invalid param: DataTooLarge"}
    assert await error([{"size": 3}]) == {
        "code": -32602,
        "message": "Invalid params: unknown variant `size`, expected one of `dataSize`, `memcmp`, `tokenAccountState`."}


async def test_program_accounts_find_accounts_transactions_created(devnet: SolanaDevnet, client: AsyncClient,
                                                                   chain: Chain) -> None:
    payer = chain.funded()
    recipient = Keypair().pubkey()
    await client.send_transaction(chain.transfer(payer, recipient, SOL))
    owned = {x.pubkey: x.account.lamports for x in (await client.get_program_accounts(
        SYSTEM, Processed, encoding="base64")).value}
    assert owned[recipient] == SOL
    assert owned[payer.pubkey()] == 9 * SOL - 5000
