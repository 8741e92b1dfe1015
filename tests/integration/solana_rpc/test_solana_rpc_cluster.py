"""Cluster-level methods, the slot clock, commitment levels and the clock sysvar."""

from __future__ import annotations

import asyncio
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.core import RPCException
from solders.commitment_config import CommitmentLevel
from solders.pubkey import Pubkey
from solders.rpc.config import RpcContextConfig
from solders.rpc.requests import GetBalance, GetHealth, IsBlockhashValid
from solders.rpc.responses import (
    BlockNotAvailableMessage,
    GetBalanceResp,
    GetHealthResp,
    IsBlockhashValidResp,
    MinContextSlotNotReachedMessage,
)

from node.workshop.devnet.solana_rpc import SOLANA_CORE_VERSION, SolanaDevnet, SolanaDevnetError

pytestmark = pytest.mark.asyncio(loop_scope="session")

MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
CLOCK = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
Chain = Any  # the `chain` fixture (conftest.Chain)
Rpc = Any  # the `rpc` fixture


def decode_clock(data: bytes) -> dict[str, int]:
    slot, epoch_start, epoch, leader_epoch, ts = struct.unpack("<QqQQq", data)
    return {"slot": slot, "epoch_start_timestamp": epoch_start, "epoch": epoch,
            "leader_schedule_epoch": leader_epoch, "unix_timestamp": ts}


async def read_clock(client: AsyncClient) -> dict[str, int]:
    account = (await client.get_account_info(CLOCK, Processed)).value
    assert account is not None
    return decode_clock(bytes(account.data))


async def test_version_health_genesis_identity(devnet: SolanaDevnet, client: AsyncClient, rpc: Rpc) -> None:
    version = (await client.get_version()).value
    assert version.solana_core == SOLANA_CORE_VERSION
    assert isinstance(version.feature_set, int)
    assert (await client._provider.make_request(GetHealth(), GetHealthResp)).value == "ok"
    assert (await client.get_genesis_hash()).value == devnet.ledger.blockhash(0)
    assert (await client.get_identity()).value.identity == devnet.ledger.identity.pubkey()
    assert await rpc("getHealth") == {"jsonrpc": "2.0", "result": "ok", "id": 1}


async def test_slots_and_blockhashes_by_commitment(devnet: SolanaDevnet, client: AsyncClient) -> None:
    devnet.advance_slots(5)
    assert (await client.get_slot(Processed)).value == 5
    assert (await client.get_slot(Confirmed)).value == 4
    assert (await client.get_slot(Finalized)).value == 3
    assert (await client.get_block_height(Finalized)).value == 3
    info = (await client.get_epoch_info(Processed)).value
    assert (info.absolute_slot, info.block_height, info.epoch, info.slot_index, info.slots_in_epoch) == (
        5, 5, 0, 5, 432_000)

    processed = await client.get_latest_blockhash(Processed)
    finalized = await client.get_latest_blockhash(Finalized)
    assert processed.context.slot == 5 and finalized.context.slot == 3
    assert processed.value.blockhash == devnet.ledger.blockhash(5)
    assert finalized.value.blockhash == devnet.ledger.blockhash(3)
    assert processed.value.last_valid_block_height == 5 + 150
    assert finalized.value.last_valid_block_height == 3 + 150
    assert len({devnet.ledger.blockhash(s) for s in range(6)}) == 6

    async def valid(blockhash: object, commitment: object) -> bool:
        req = IsBlockhashValid(blockhash, RpcContextConfig(commitment=commitment))  # type: ignore[arg-type]
        return (await client._provider.make_request(req, IsBlockhashValidResp)).value

    newest = processed.value.blockhash
    assert await valid(newest, CommitmentLevel.Processed)
    assert not await valid(newest, CommitmentLevel.Finalized)  # the finalized bank has not seen it yet
    assert await valid(finalized.value.blockhash, CommitmentLevel.Finalized)


async def test_finality_depth_is_configurable() -> None:
    async with SolanaDevnet(finality_depth=5) as dev, AsyncClient(dev.url) as c:
        dev.pause()
        dev.advance_slots(7)
        assert (await c.get_slot(Finalized)).value == 2
        assert (await c.get_slot(Confirmed)).value == 6
    with pytest.raises(SolanaDevnetError, match="finality_depth must be at least 1 slot, got 0"):
        SolanaDevnet(finality_depth=0)


async def test_slot_clock_ticks_with_new_blockhashes(devnet: SolanaDevnet, client: AsyncClient) -> None:
    start = (await client.get_slot(Processed)).value
    devnet.resume()
    seen = set()
    for _ in range(100):
        seen.add((await client.get_latest_blockhash(Processed)).value.blockhash)
        if (await client.get_slot(Processed)).value >= start + 4:
            break
        await asyncio.sleep(0.02)
    devnet.pause()
    slot = (await client.get_slot(Processed)).value
    assert slot >= start + 4
    assert len(seen) >= 3
    clock = await read_clock(client)
    assert clock["slot"] == slot
    paused_at = devnet.slot
    await asyncio.sleep(0.2)
    assert devnet.slot == paused_at


async def test_advance_time_moves_the_clock_sysvar(devnet: SolanaDevnet, client: AsyncClient) -> None:
    devnet.advance_slots(2)
    before = await read_clock(client)
    assert before["slot"] == 2 and before["epoch"] == 0 and before["leader_schedule_epoch"] == 1
    devnet.advance_time(3600)
    after = await read_clock(client)
    assert after["slot"] == 2
    assert after["unix_timestamp"] - before["unix_timestamp"] >= 3600
    assert (await client.get_block_time(2)).value == after["unix_timestamp"]

    devnet.advance_slots(1)
    later = await read_clock(client)
    assert later["slot"] == 3 and later["unix_timestamp"] >= after["unix_timestamp"]
    assert (await client.get_block_time(3)).value == later["unix_timestamp"]
    assert (await client.get_block_time(0)).value == devnet.ledger.genesis_time

    with pytest.raises(SolanaDevnetError, match=r"^the clock only moves forward; got -1 s$"):
        devnet.advance_time(-1)


async def test_block_time_of_a_future_slot(devnet: SolanaDevnet, client: AsyncClient, rpc: Rpc) -> None:
    devnet.advance_slots(1)
    with pytest.raises(RPCException) as exc:
        await client.get_block_time(99)
    err = exc.value.args[0]
    assert isinstance(err, BlockNotAvailableMessage)
    assert err.message == "Block not available for slot 99"
    assert await rpc("getBlockTime", [99]) == {
        "jsonrpc": "2.0", "error": {"code": -32004, "message": "Block not available for slot 99"}, "id": 1}


async def test_min_context_slot(devnet: SolanaDevnet, client: AsyncClient, chain: Chain, rpc: Rpc) -> None:
    kp = chain.funded()
    devnet.advance_slots(3)
    req = GetBalance(kp.pubkey(), RpcContextConfig(commitment=CommitmentLevel.Confirmed, min_context_slot=10))
    with pytest.raises(RPCException) as exc:
        await client._provider.make_request(req, GetBalanceResp)
    err = exc.value.args[0]
    assert isinstance(err, MinContextSlotNotReachedMessage)
    assert err.message == "Minimum context slot has not been reached" and err.data.context_slot == 2
    assert await rpc("getBalance", [str(kp.pubkey()), {"commitment": "confirmed", "minContextSlot": 10}]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32016, "message": "Minimum context slot has not been reached", "data": {"contextSlot": 2}}}
    ok = await rpc("getBalance", [str(kp.pubkey()), {"commitment": "processed", "minContextSlot": 3}])
    assert ok["result"]["value"] == 10 * 10**9


async def test_programs_load_from_files(tmp_path: Path, devnet: SolanaDevnet, chain: Chain) -> None:
    elf = devnet.get_account(MEMO)
    assert elf is not None
    so = tmp_path / "memo.so"
    so.write_bytes(bytes(elf.data))
    program_id = Pubkey.new_unique()
    async with SolanaDevnet(programs={program_id: so}) as dev, AsyncClient(dev.url, commitment=Processed) as c:
        dev.pause()
        payer = chain.on(dev).funded()
        sig = (await c.send_transaction(chain.on(dev).memo(payer, b"from a file", program_id))).value
        dev.advance_slots(1)
        tx = (await c.get_transaction(sig, commitment=Confirmed)).value
        assert tx is not None and tx.transaction.meta is not None
        logs = tx.transaction.meta.log_messages
        assert logs is not None
        assert logs[0] == f"Program {program_id} invoke [1]"
        assert 'Program log: Memo (len 11): "from a file"' in logs
        assert logs[-1] == f"Program {program_id} success"
        account = (await c.get_account_info(program_id)).value
        assert account is not None and account.executable
    with pytest.raises(SolanaDevnetError, match=r"^cannot read program .* from .*missing\.so: No such file"):
        SolanaDevnet(programs={program_id: tmp_path / "missing.so"})


async def test_cli_serves_until_sigterm(tmp_path: Path, devnet: SolanaDevnet) -> None:
    elf = devnet.get_account(MEMO)
    assert elf is not None
    so = tmp_path / "memo.so"
    so.write_bytes(bytes(elf.data))
    program_id = Pubkey.new_unique()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "node.workshop.devnet.solana_rpc", "--port", "0", "--slot-ms", "50",
        "--program", f"{program_id}={so}", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with AsyncClient(url) as c:
            first = (await c.get_slot(Processed)).value
            await asyncio.sleep(0.3)
            assert (await c.get_slot(Processed)).value > first
            account = (await c.get_account_info(program_id, Processed)).value
            assert account is not None and account.executable
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 10) == 0

    bad = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "node.workshop.devnet.solana_rpc", "--program", "nonsense",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(bad.communicate(), 30)
    assert bad.returncode == 2
    assert "expected <base58 program id>=<path to .so>, got 'nonsense'" in stderr.decode()


SLOT_HASHES = Pubkey.from_string("SysvarS1otHashes111111111111111111111111111")


def decode_slot_hashes(data: bytes) -> list[tuple[int, bytes]]:
    """The SlotHashes sysvar as the runtime stores it: u64 count, then (slot u64, hash [u8; 32]), newest first."""
    (count,) = struct.unpack_from("<Q", data)
    assert len(data) == 8 + 40 * count
    return [(struct.unpack_from("<Q", data, 8 + 40 * i)[0], data[16 + 40 * i:48 + 40 * i]) for i in range(count)]


async def test_slot_hashes_follow_the_slots(devnet: SolanaDevnet, client: AsyncClient) -> None:
    """Each new slot puts the slot before it into SlotHashes, newest first, with the blockhash the endpoint
    reported for that slot; the sysvar keeps 512 entries, as the runtime does."""
    reported: dict[int, bytes] = {}
    for _ in range(520):
        latest = await client.get_latest_blockhash(Processed)
        reported[latest.context.slot] = bytes(latest.value.blockhash)
        devnet.advance_slots(1)
    now = (await client.get_slot(Processed)).value
    account = (await client.get_account_info(SLOT_HASHES, Processed)).value
    assert account is not None and str(account.owner) == "Sysvar1111111111111111111111111111111111111"
    entries = decode_slot_hashes(bytes(account.data))
    assert len(entries) == 512
    assert [slot for slot, _ in entries] == list(range(now - 1, now - 513, -1))
    for slot, hash_ in entries:
        if slot in reported:
            assert hash_ == reported[slot], slot
    assert sum(slot in reported for slot, _ in entries) == 512
    # the program-visible sysvar is the same (what a transaction reads)
    assert devnet.ledger.svm.get_slot_hashes()[0] == (now - 1, devnet.ledger.blockhash(now - 1))
