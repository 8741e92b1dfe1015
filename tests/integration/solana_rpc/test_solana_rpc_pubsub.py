"""The PubSub WebSocket through solana-py's client (`solana.rpc.websocket_api.connect`, which parses every message
with solders): signature, logs, account and slot subscriptions notified at their commitment, and unsubscribing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.types import TxOpts
from solana.rpc.websocket_api import SolanaWsClientProtocol, SubscriptionError, connect
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilterMentions
from solders.rpc.requests import SignatureUnsubscribe
from solders.rpc.responses import (
    AccountNotification,
    LogsNotification,
    SignatureNotification,
    SlotNotification,
    SubscriptionResult,
    UnsubscribeResult,
)
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from node.workshop.devnet.solana_rpc import SolanaDevnet

pytestmark = pytest.mark.asyncio(loop_scope="session")

Chain = Any  # the `chain` fixture (conftest.Chain)
FEE = 5_000


@pytest_asyncio.fixture(loop_scope="session")
async def ws(devnet: SolanaDevnet) -> AsyncIterator[SolanaWsClientProtocol]:
    """solana-py's WebSocket client on the devnet's second port (`ws_url`), past the genesis slots."""
    devnet.advance_slots(3)
    async with connect(devnet.ws_url) as socket:
        yield socket


async def recv_one(ws: SolanaWsClientProtocol) -> Any:
    (message,) = await asyncio.wait_for(ws.recv(), 5)
    return message


async def subscribed(ws: SolanaWsClientProtocol) -> int:
    message = await recv_one(ws)
    assert isinstance(message, SubscriptionResult), message
    return int(message.result)


async def nothing_pending(ws: SolanaWsClientProtocol) -> None:
    """Nothing was sent to the client before now: a subscription made now is answered first (the endpoint writes
    a connection's messages in order). The subscription, to logs mentioning a fresh key, stays silent."""
    await ws.logs_subscribe(RpcTransactionLogsFilterMentions(Pubkey.new_unique()))
    await subscribed(ws)


async def test_signature_is_notified_once_at_its_commitment(devnet: SolanaDevnet, client: AsyncClient,
                                                            chain: Chain, ws: SolanaWsClientProtocol) -> None:
    payer = chain.funded()
    tx = chain.transfer(payer, Keypair().pubkey(), 1_000_000)
    await ws.signature_subscribe(tx.signatures[0], Confirmed)
    sub = await subscribed(ws)
    await client.send_raw_transaction(bytes(tx))
    landed = devnet.slot
    await nothing_pending(ws)  # processed only

    devnet.advance_slots(1)
    note = await recv_one(ws)
    assert isinstance(note, SignatureNotification)
    assert note.subscription == sub
    assert note.result.context.slot == landed
    assert note.result.value.err is None

    devnet.advance_slots(3)  # notified once: the subscription ended with it
    await nothing_pending(ws)
    await ws.signature_unsubscribe(sub)  # as on a cluster, the connection still holds the id once
    answer = await recv_one(ws)
    assert isinstance(answer, UnsubscribeResult) and answer.result is True
    await ws.send_data(SignatureUnsubscribe(sub, ws.increment_counter_and_get_id()))
    with pytest.raises(SubscriptionError) as err:
        await ws.recv()
    assert err.value.msg == "Invalid subscription id."


async def test_failed_and_already_confirmed_signatures(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                       ws: SolanaWsClientProtocol) -> None:
    """A transaction that landed and failed is notified with its error; one already at the commitment when
    subscribed to is notified at once."""
    payer = chain.funded(chain.SOL)
    tx = chain.transfer(payer, Keypair().pubkey(), 2 * chain.SOL)  # more than it has: fails in the program
    sig = (await client.send_raw_transaction(bytes(tx), TxOpts(skip_preflight=True))).value
    landed = devnet.slot
    devnet.advance_slots(devnet.ledger.finality_depth)

    await ws.signature_subscribe(sig, Finalized)
    sub = await subscribed(ws)
    note = await recv_one(ws)
    assert isinstance(note, SignatureNotification) and note.subscription == sub
    assert note.result.context.slot == landed
    assert note.result.value.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))


async def test_logs_of_all_transactions_and_of_those_mentioning_an_address(
        devnet: SolanaDevnet, client: AsyncClient, chain: Chain, ws: SolanaWsClientProtocol) -> None:
    payer = chain.funded()
    recipient = Keypair().pubkey()
    await ws.logs_subscribe(commitment=Processed)
    every = await subscribed(ws)
    await ws.logs_subscribe(RpcTransactionLogsFilterMentions(recipient), Confirmed)
    mentions = await subscribed(ws)

    to_recipient = (await client.send_raw_transaction(bytes(chain.transfer(payer, recipient, 1_000_000)))).value
    memo = (await client.send_raw_transaction(bytes(chain.memo(payer, b"aura")))).value
    seen = [await recv_one(ws), await recv_one(ws)]
    assert all(isinstance(n, LogsNotification) and n.subscription == every for n in seen)
    assert [n.result.value.signature for n in seen] == [to_recipient, memo]
    assert [n.result.context.slot for n in seen] == [devnet.slot, devnet.slot]
    assert seen[0].result.value.err is None
    assert seen[0].result.value.logs == chain.SYSTEM_LOGS
    assert seen[1].result.value.logs[-1] == f"Program {chain.MEMO} success"
    await nothing_pending(ws)  # the `mentions` subscription waits for `confirmed`

    devnet.advance_slots(1)
    note = await recv_one(ws)
    assert isinstance(note, LogsNotification) and note.subscription == mentions
    assert note.result.value.signature == to_recipient
    assert note.result.value.logs == chain.SYSTEM_LOGS
    await nothing_pending(ws)  # not the memo: it does not mention the recipient

    await ws.logs_unsubscribe(every)
    assert (await recv_one(ws)).result is True
    await client.send_raw_transaction(bytes(chain.memo(payer, b"again")))
    await nothing_pending(ws)


async def test_account_changes_at_the_commitment(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                 ws: SolanaWsClientProtocol) -> None:
    """Notified once the change reaches the commitment, with the state of that slot (two changes in one slot
    give one notification); a closed account is notified as Solana's default account."""
    owner = chain.funded(chain.SOL)
    await ws.account_subscribe(owner.pubkey(), Confirmed, "base64")
    sub = await subscribed(ws)
    other = Keypair().pubkey()
    for lamports in (100_000_000, 200_000_000):
        await client.send_raw_transaction(bytes(chain.transfer(owner, other, lamports)))
    await nothing_pending(ws)

    changed = devnet.slot
    devnet.advance_slots(1)
    note = await recv_one(ws)
    assert isinstance(note, AccountNotification) and note.subscription == sub
    assert note.result.context.slot == changed
    assert note.result.value.lamports == chain.SOL - 300_000_000 - 2 * FEE
    assert str(note.result.value.owner) == str(chain.SYSTEM)
    devnet.advance_slots(2)
    await nothing_pending(ws)

    left = chain.SOL - 300_000_000 - 3 * FEE
    await client.send_raw_transaction(bytes(chain.transfer(owner, other, left)))  # empties it: the account is gone
    devnet.advance_slots(1)
    note = await recv_one(ws)
    assert isinstance(note, AccountNotification)
    assert (note.result.value.lamports, bytes(note.result.value.data), note.result.value.executable) == (0, b"", False)
    assert str(note.result.value.owner) == str(chain.SYSTEM)

    await ws.account_unsubscribe(sub)
    assert (await recv_one(ws)).result is True
    devnet.airdrop(owner.pubkey(), chain.SOL)
    devnet.advance_slots(1)
    await nothing_pending(ws)


async def test_a_change_made_before_the_subscription_is_notified_at_its_commitment(
        devnet: SolanaDevnet, client: AsyncClient, chain: Chain, ws: SolanaWsClientProtocol) -> None:
    """The usual client order, send then subscribe to see it confirmed: the change is still owed."""
    payer = chain.funded()
    recipient = Keypair().pubkey()
    devnet.advance_slots(1)
    await client.send_raw_transaction(bytes(chain.transfer(payer, recipient, 5_000_000)))
    await ws.account_subscribe(recipient, Confirmed, "base64")
    await subscribed(ws)
    await nothing_pending(ws)
    devnet.advance_slots(1)
    note = await recv_one(ws)
    assert isinstance(note, AccountNotification) and note.result.value.lamports == 5_000_000


async def test_slots(devnet: SolanaDevnet, ws: SolanaWsClientProtocol) -> None:
    await ws.slot_subscribe()
    sub = await subscribed(ws)
    start = devnet.slot
    devnet.advance_slots(3)
    notes = [await recv_one(ws) for _ in range(3)]
    assert all(isinstance(n, SlotNotification) and n.subscription == sub for n in notes)
    depth = devnet.ledger.finality_depth
    assert [(n.result.slot, n.result.parent, n.result.root) for n in notes] == [
        (s, s - 1, s - depth) for s in range(start + 1, start + 4)]

    await ws.slot_unsubscribe(sub)
    assert (await recv_one(ws)).result is True
    devnet.advance_slots(1)
    await nothing_pending(ws)
