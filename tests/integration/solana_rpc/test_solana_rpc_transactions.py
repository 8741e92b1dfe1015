"""Sending, simulating and following transactions: statuses by commitment, meta and logs, history per address,
and the failures a cluster reports (expired blockhash, duplicate, bad signature, failing instruction)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_price
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.responses import SendTransactionPreflightFailureMessage, UnsupportedTransactionVersionMessage
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionConfirmationStatus,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from chains.core.base58 import b58encode
from node.workshop.devnet.solana_rpc import SolanaDevnet, SolanaDevnetError

pytestmark = pytest.mark.asyncio(loop_scope="session")

SOL = 1_000_000_000
SYSTEM = "11111111111111111111111111111111"
SYSTEM_LOGS = [f"Program {SYSTEM} invoke [1]", f"Program {SYSTEM} success"]
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
RENT_EXEMPT = 890_880  # a data-less account's rent-exempt minimum: new accounts get at least this
Chain = Any  # the `chain` fixture (conftest.Chain)
Rpc = Any  # the `rpc` fixture


def b64(tx: Transaction | VersionedTransaction) -> str:
    return base64.b64encode(bytes(tx)).decode()


def preflight_failure(exc: pytest.ExceptionInfo[RPCException]) -> SendTransactionPreflightFailureMessage:
    err = exc.value.args[0]
    assert isinstance(err, SendTransactionPreflightFailureMessage)
    return err


def not_landed(err: Any, message: str) -> dict[str, Any]:
    """The error object of a preflight failure that never reached execution."""
    return {"code": -32002, "message": f"Transaction simulation failed: {message}",
            "data": {"err": err, "logs": [], "accounts": None, "unitsConsumed": 0, "loadedAccountsDataSize": 0,
                     "returnData": None, "innerInstructions": None, "replacementBlockhash": None, "fee": None,
                     "preBalances": None, "postBalances": None, "preTokenBalances": None,
                     "postTokenBalances": None, "loadedAddresses": None}}


async def test_airdrop_transfer_and_transaction_meta(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                     rpc: Rpc) -> None:
    payer = Keypair()
    airdrop = (await client.request_airdrop(payer.pubkey(), 2 * SOL)).value
    assert (await client.get_balance(payer.pubkey())).value == 2 * SOL
    recipient = Keypair().pubkey()
    sig = (await client.send_transaction(chain.transfer(payer, recipient, SOL // 2))).value
    assert (await client.get_balance(payer.pubkey())).value == 2 * SOL - SOL // 2 - 5000
    assert (await client.get_balance(recipient)).value == SOL // 2

    devnet.advance_slots(1)
    tx = (await client.get_transaction(sig, commitment=Confirmed)).value
    assert tx is not None and tx.slot == 0
    assert tx.block_time == (await client.get_block_time(0)).value
    meta = tx.transaction.meta
    assert meta is not None
    assert meta.err is None and meta.fee == 5000
    assert meta.pre_balances == [2 * SOL, 0, 1]
    assert meta.post_balances == [2 * SOL - SOL // 2 - 5000, SOL // 2, 1]
    assert meta.log_messages == SYSTEM_LOGS
    assert meta.compute_units_consumed == 150
    assert meta.inner_instructions == [] and meta.rewards == []
    assert meta.pre_token_balances == [] and meta.post_token_balances == []
    assert [str(k) for k in tx.transaction.transaction.message.account_keys] == [
        str(payer.pubkey()), str(recipient), SYSTEM]

    raw = (await rpc("getTransaction", [str(sig), {"commitment": "confirmed"}]))["result"]
    assert set(raw) == {"slot", "transaction", "meta", "blockTime"}  # no "version" unless asked for
    assert raw["meta"] == {
        "err": None, "status": {"Ok": None}, "fee": 5000, "preBalances": [2 * SOL, 0, 1],
        "postBalances": [2 * SOL - SOL // 2 - 5000, SOL // 2, 1], "innerInstructions": [],
        "logMessages": SYSTEM_LOGS, "preTokenBalances": [], "postTokenBalances": [], "rewards": [],
        "loadedAddresses": {"writable": [], "readonly": []}, "computeUnitsConsumed": 150}
    assert raw["transaction"]["message"]["instructions"] == [
        {"programIdIndex": 2, "accounts": [0, 1], "data": "3Bxs3zvX19cRxrhM", "stackHeight": None}]  # transfer 0.5 SOL
    faucet = (await client.get_transaction(airdrop, commitment=Confirmed)).value
    assert faucet is not None and faucet.transaction.meta is not None
    assert faucet.transaction.meta.post_balances[1] == 2 * SOL


async def test_statuses_move_processed_confirmed_finalized(devnet: SolanaDevnet, client: AsyncClient,
                                                           chain: Chain) -> None:
    payer = chain.funded()
    devnet.advance_slots(3)
    sig = (await client.send_transaction(chain.transfer(payer, Keypair().pubkey(), SOL))).value

    async def status() -> Any:
        resp = await client.get_signature_statuses([sig])
        assert resp.context.slot == devnet.slot
        return resp.value[0]

    s = await status()
    assert (s.slot, s.confirmations, s.err, s.confirmation_status) == (
        3, 0, None, TransactionConfirmationStatus.Processed)
    assert (await client.get_transaction(sig, commitment=Confirmed)).value is None
    visible = (await client.get_signatures_for_address(payer.pubkey(), commitment=Confirmed)).value
    assert sig not in [x.signature for x in visible]

    devnet.advance_slots(1)
    s = await status()
    assert (s.slot, s.confirmations, s.confirmation_status) == (3, 1, TransactionConfirmationStatus.Confirmed)
    assert (await client.get_transaction(sig, commitment=Confirmed)).value is not None
    assert (await client.get_transaction(sig, commitment=Finalized)).value is None

    devnet.advance_slots(1)
    s = await status()
    assert (s.slot, s.confirmations, s.confirmation_status) == (3, None, TransactionConfirmationStatus.Finalized)
    assert (await client.get_transaction(sig, commitment=Finalized)).value is not None
    confirmed = await client.confirm_transaction(sig, Finalized, sleep_seconds=0.01)
    assert confirmed.value[0].confirmation_status == TransactionConfirmationStatus.Finalized

    with pytest.raises(RPCException) as exc:
        await client.get_transaction(sig, commitment=Processed)
    assert exc.value.args[0].message == "Method does not support commitment below `confirmed`"
    assert (await client.get_signature_statuses([Signature.default()])).value == [None]


async def test_status_cache_and_search_transaction_history(devnet: SolanaDevnet, client: AsyncClient,
                                                           chain: Chain) -> None:
    payer = chain.funded()
    sig = (await client.send_transaction(chain.transfer(payer, Keypair().pubkey(), SOL))).value
    devnet.advance_slots(301)
    assert (await client.get_signature_statuses([sig])).value == [None]
    found = (await client.get_signature_statuses([sig], search_transaction_history=True)).value[0]
    assert found is not None and found.confirmations is None
    assert found.confirmation_status == TransactionConfirmationStatus.Finalized


async def test_signatures_for_address_newest_first(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                   rpc: Rpc) -> None:
    payer = Keypair()
    sigs = [str(devnet.airdrop(payer.pubkey(), 10 * SOL))]
    for amount in (1, 2):  # two in slot 0, after the airdrop
        tx = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + amount)
        sigs.append(str((await client.send_transaction(tx)).value))
    devnet.advance_slots(1)
    sigs.append(str((await client.send_transaction(chain.memo(payer, b"hello"))).value))
    devnet.advance_slots(1)
    third = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 3)
    sigs.append(str((await client.send_transaction(third)).value))
    devnet.advance_slots(2)
    newest_first = list(reversed(sigs))

    async def history(**kwargs: Any) -> list[str]:
        resp = await client.get_signatures_for_address(payer.pubkey(), commitment=Finalized, **kwargs)
        return [str(x.signature) for x in resp.value]

    items = (await client.get_signatures_for_address(payer.pubkey(), commitment=Finalized)).value
    assert [str(x.signature) for x in items] == newest_first
    assert [x.slot for x in items] == [2, 1, 0, 0, 0]
    assert [x.memo for x in items] == [None, "[5] hello", None, None, None]
    assert all(x.err is None and x.confirmation_status == TransactionConfirmationStatus.Finalized for x in items)
    assert items[0].block_time == (await client.get_block_time(2)).value
    assert await history(limit=2) == newest_first[:2]
    assert await history(before=Signature.from_string(sigs[3])) == newest_first[2:]
    assert await history(until=Signature.from_string(sigs[2])) == newest_first[:2]
    assert await history(before=Signature.from_string(sigs[4]),
                         until=Signature.from_string(sigs[1])) == newest_first[1:3]
    assert await history(before=Signature.default()) == []

    late = str((await client.send_transaction(chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT))).value)
    assert await history() == newest_first
    devnet.advance_slots(1)
    confirmed = (await client.get_signatures_for_address(payer.pubkey(), commitment=Confirmed)).value
    assert str(confirmed[0].signature) == late
    assert confirmed[0].confirmation_status == TransactionConfirmationStatus.Confirmed
    assert await history() == newest_first

    assert await rpc("getSignaturesForAddress", [str(payer.pubkey()), {"commitment": "processed"}]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32602, "message": "Method does not support commitment below `confirmed`"}}
    assert await rpc("getSignaturesForAddress", [str(payer.pubkey()), {"limit": 1001}]) == {
        "jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "Invalid limit; max 1000"}}


async def test_failing_transaction_is_rejected_by_preflight(devnet: SolanaDevnet, client: AsyncClient,
                                                            chain: Chain, rpc: Rpc) -> None:
    payer = chain.funded(SOL)
    tx = chain.transfer(payer, Keypair().pubkey(), 2 * SOL)
    logs = [f"Program {SYSTEM} invoke [1]", f"Transfer: insufficient lamports {SOL - 5000}, need {2 * SOL}",
            f"Program {SYSTEM} failed: custom program error: 0x1"]
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    err = preflight_failure(exc)
    assert err.message == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    assert err.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert err.data.logs == logs
    assert err.data.units_consumed == 150

    response = await rpc("sendTransaction", [b64(tx), {"encoding": "base64"}])
    error = response["error"]
    assert error["code"] == -32002
    assert error["message"] == err.message
    size = error["data"].pop("loadedAccountsDataSize")
    assert isinstance(size, int) and size > 0
    assert error["data"] == {
        "err": {"InstructionError": [0, {"Custom": 1}]}, "logs": logs, "accounts": None, "unitsConsumed": 150,
        "returnData": None, "innerInstructions": None, "replacementBlockhash": None, "fee": 5000,
        "preBalances": None, "postBalances": None, "preTokenBalances": None, "postTokenBalances": None,
        "loadedAddresses": None}
    assert (await client.get_balance(payer.pubkey())).value == SOL  # nothing landed, no fee
    assert (await client.get_signature_statuses([tx.signatures[0]])).value == [None]


async def test_failing_transaction_lands_without_preflight(devnet: SolanaDevnet, client: AsyncClient,
                                                           chain: Chain) -> None:
    payer = chain.funded(SOL)
    recipient = Keypair().pubkey()
    sig = (await client.send_transaction(chain.transfer(payer, recipient, 2 * SOL),
                                         TxOpts(skip_preflight=True))).value
    assert (await client.get_balance(payer.pubkey())).value == SOL - 5000
    expected = TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    status = (await client.get_signature_statuses([sig])).value[0]
    assert status is not None and status.err == expected
    devnet.advance_slots(1)
    tx = (await client.get_transaction(sig, commitment=Confirmed)).value
    assert tx is not None and tx.transaction.meta is not None
    meta = tx.transaction.meta
    assert meta.err == expected and meta.fee == 5000
    assert meta.pre_balances == [SOL, 0, 1] and meta.post_balances == [SOL - 5000, 0, 1]
    assert meta.log_messages == [f"Program {SYSTEM} invoke [1]",
                                 f"Transfer: insufficient lamports {SOL - 5000}, need {2 * SOL}",
                                 f"Program {SYSTEM} failed: custom program error: 0x1"]
    history = (await client.get_signatures_for_address(payer.pubkey(), commitment=Confirmed)).value
    assert history[0].signature == sig and history[0].err == expected


async def test_expired_blockhash_is_rejected(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                             rpc: Rpc) -> None:
    payer = chain.funded()
    latest = (await client.get_latest_blockhash(Processed)).value
    assert latest.last_valid_block_height == 150
    devnet.advance_slots(150)
    in_time = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 1, latest.blockhash)
    ok = (await client.send_transaction(in_time)).value
    assert (await client.get_signature_statuses([ok])).value[0].slot == 150

    devnet.advance_slots(1)
    stale = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 2, latest.blockhash)
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(stale)
    err = preflight_failure(exc)
    assert err.message == "Transaction simulation failed: Blockhash not found"
    assert err.data.err == TransactionErrorFieldless.BlockhashNotFound
    assert await rpc("sendTransaction", [b64(stale), {"encoding": "base64", "preflightCommitment": "processed"}]) == {
        "jsonrpc": "2.0", "id": 1, "error": not_landed("BlockhashNotFound", "Blockhash not found")}
    # The default preflight bank (finalized, two slots back) still knows the blockhash: preflight passes and
    # the leader drops the transaction, as on a cluster.
    dropped = (await rpc("sendTransaction", [b64(stale), {"encoding": "base64"}]))["result"]
    assert dropped == str(stale.signatures[0])

    dropped = (await client.send_transaction(stale, TxOpts(skip_preflight=True))).value
    devnet.advance_slots(3)
    assert (await client.get_signature_statuses([dropped], search_transaction_history=True)).value == [None]
    assert (await client.get_balance(payer.pubkey())).value == 10 * SOL - 5000 - RENT_EXEMPT - 1


async def test_preflight_bank_must_know_the_blockhash(devnet: SolanaDevnet, client: AsyncClient,
                                                      chain: Chain) -> None:
    payer = chain.funded()
    devnet.advance_slots(4)
    newest = (await client.get_latest_blockhash(Processed)).value.blockhash
    tx = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 1, newest)
    with pytest.raises(RPCException) as exc:  # preflight at `finalized` runs two slots behind
        await client.send_transaction(tx, TxOpts(preflight_commitment=Finalized))
    assert preflight_failure(exc).message == "Transaction simulation failed: Blockhash not found"
    finalized = (await client.get_latest_blockhash(Finalized)).value.blockhash
    tx = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 1, finalized)
    assert (await client.send_transaction(tx, TxOpts(preflight_commitment=Finalized))).value == tx.signatures[0]


async def test_duplicate_transaction_is_rejected(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                 rpc: Rpc) -> None:
    payer = chain.funded()
    tx = chain.transfer(payer, Keypair().pubkey(), SOL)
    sig = (await client.send_transaction(tx)).value
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    err = preflight_failure(exc)
    assert err.message == "Transaction simulation failed: This transaction has already been processed"
    assert err.data.err == TransactionErrorFieldless.AlreadyProcessed
    devnet.advance_slots(1)
    assert await rpc("sendTransaction", [b64(tx), {"encoding": "base64"}]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": not_landed("AlreadyProcessed", "This transaction has already been processed")}
    assert (await client.send_transaction(tx, TxOpts(skip_preflight=True))).value == sig
    assert (await client.get_balance(payer.pubkey())).value == 9 * SOL - 5000
    history = (await client.get_signatures_for_address(payer.pubkey(), commitment=Confirmed)).value
    assert [x.signature for x in history].count(sig) == 1


async def test_bad_signature_is_rejected(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                         rpc: Rpc) -> None:
    payer = chain.funded()
    signed = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 1)
    forged = VersionedTransaction.populate(signed.message, [Keypair().sign_message(b"something else")])
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(forged)
    err = preflight_failure(exc)
    assert err.message == "Transaction simulation failed: Transaction did not pass signature verification"
    assert await rpc("sendTransaction", [b64(forged), {"encoding": "base64"}]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": not_landed("SignatureFailure", "Transaction did not pass signature verification")}
    assert (await client.send_transaction(forged, TxOpts(skip_preflight=True))).value == forged.signatures[0]
    assert (await client.get_signature_statuses([forged.signatures[0]])).value == [None]
    assert (await client.get_balance(payer.pubkey())).value == 10 * SOL


async def test_send_transaction_encodings_and_decode_errors(devnet: SolanaDevnet, chain: Chain, rpc: Rpc) -> None:
    payer = chain.funded()
    tx = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 7)
    assert (await rpc("sendTransaction", [b58encode(bytes(tx))]))["result"] == str(tx.signatures[0])

    async def error(params: list[Any]) -> dict[str, Any]:
        return dict((await rpc("sendTransaction", params))["error"])

    assert await error(["AQID", {"encoding": "base64"}]) == {
        "code": -32602,
        "message": "failed to deserialize solana_transaction::versioned::VersionedTransaction: "
                   "io error: unexpected end of file"}
    assert await error(["not base64!", {"encoding": "base64"}]) == {
        "code": -32602, "message": "invalid base64 encoding: InvalidByte(3, 32)"}
    assert await error(["0OIl", {"encoding": "base58"}]) == {
        "code": -32602, "message": "invalid base58 encoding: InvalidCharacter { character: '0', index: 0 }"}
    assert await error([b64(tx), {"encoding": "json"}]) == {
        "code": -32602, "message": "unsupported encoding: json. Supported encodings: base58, base64"}
    assert await error(["A" * 1700, {"encoding": "base64"}]) == {
        "code": -32602, "message": "base64 encoded solana_transaction::versioned::VersionedTransaction too large: "
                                   "1700 bytes (max: encoded/raw 1644/1232)"}
    unsigned = VersionedTransaction.populate(tx.message, [])
    assert await error([b64(unsigned), {"encoding": "base64"}]) == {
        "code": -32602, "message": "invalid transaction: Transaction failed to sanitize accounts offsets correctly"}


async def test_simulate_transaction(devnet: SolanaDevnet, client: AsyncClient, chain: Chain, rpc: Rpc) -> None:
    payer = chain.funded()
    recipient = Keypair().pubkey()
    tx = chain.transfer(payer, recipient, SOL)
    sim = (await client.simulate_transaction(tx)).value
    assert sim.err is None and sim.logs == SYSTEM_LOGS and sim.units_consumed == 150
    assert (await client.get_balance(recipient)).value == 0  # nothing committed

    raw = await rpc("simulateTransaction", [b64(tx), {
        "encoding": "base64", "commitment": "processed",
        "accounts": {"addresses": [str(recipient), str(payer.pubkey())], "encoding": "base64"}}])
    value = raw["result"]["value"]
    assert [a["lamports"] for a in value["accounts"]] == [SOL, 9 * SOL - 5000]
    assert value["fee"] == 5000 and value["replacementBlockhash"] is None

    forged = VersionedTransaction.populate(tx.message, [Keypair().sign_message(b"x")])
    assert (await client.simulate_transaction(forged)).value.err is None  # sigVerify defaults to false
    assert (await client.simulate_transaction(forged, sig_verify=True)).value.err == (
        TransactionErrorFieldless.SignatureFailure)

    old = chain.blockhash()
    devnet.advance_slots(151)
    stale = chain.transfer(payer, recipient, SOL, old)
    assert (await client.simulate_transaction(stale)).value.err == TransactionErrorFieldless.BlockhashNotFound
    replaced = await rpc("simulateTransaction", [b64(stale), {"encoding": "base64", "replaceRecentBlockhash": True,
                                                              "commitment": "processed"}])
    value = replaced["result"]["value"]
    assert value["err"] is None
    assert value["replacementBlockhash"] == {"blockhash": str(chain.blockhash()), "lastValidBlockHeight": 151 + 150}
    assert await rpc("simulateTransaction", [b64(stale), {"encoding": "base64", "replaceRecentBlockhash": True,
                                                          "sigVerify": True}]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32602, "message": "sigVerify may not be used with replaceRecentBlockhash"}}


async def test_v0_transaction_and_memo(devnet: SolanaDevnet, client: AsyncClient, chain: Chain) -> None:
    payer = chain.funded()
    ixs = [Instruction(MEMO, "¡hola!".encode(), [AccountMeta(payer.pubkey(), True, True)]),
           transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=SOL))]
    tx = VersionedTransaction(MessageV0.try_compile(payer.pubkey(), ixs, [], chain.blockhash()), [payer])
    sig = (await client.send_transaction(tx)).value
    devnet.advance_slots(1)
    with pytest.raises(RPCException) as exc:
        await client.get_transaction(sig, commitment=Confirmed)
    err = exc.value.args[0]
    assert isinstance(err, UnsupportedTransactionVersionMessage)
    assert err.message == ("Transaction version (0) is not supported by the requesting client. Please try the "
                           "request again with the following configuration parameter: "
                           "\"maxSupportedTransactionVersion\": 0")
    got = (await client.get_transaction(sig, commitment=Confirmed, max_supported_transaction_version=0)).value
    assert got is not None and got.transaction.version == 0
    assert got.transaction.meta is not None and got.transaction.meta.fee == 5000
    assert 'Program log: Memo (len 7): "¡hola!"' in (got.transaction.meta.log_messages or [])
    parsed = (await client.get_transaction(sig, "jsonParsed", Confirmed, 0)).value
    assert parsed is not None
    keys = parsed.transaction.transaction.message.account_keys
    assert [(str(k.pubkey), k.signer, k.writable) for k in keys][0] == (str(payer.pubkey()), True, True)
    history = (await client.get_signatures_for_address(payer.pubkey(), limit=1, commitment=Confirmed)).value
    assert history[0].memo == "[7] ¡hola!"


async def test_fees_and_rent(devnet: SolanaDevnet, client: AsyncClient, chain: Chain, rpc: Rpc) -> None:
    payer, cosigner = chain.funded(), chain.funded()
    one = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT + 1)
    assert (await client.get_fee_for_message(one.message)).value == 5000
    ixs = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=cosigner.pubkey(), lamports=1)),
           transfer(TransferParams(from_pubkey=cosigner.pubkey(), to_pubkey=payer.pubkey(), lamports=1))]
    two = Message.new_with_blockhash(ixs, payer.pubkey(), chain.blockhash())
    assert (await client.get_fee_for_message(two)).value == 10000
    unknown = Message.new_with_blockhash(ixs, payer.pubkey(), Hash.new_unique())
    assert (await client.get_fee_for_message(unknown)).value is None
    assert (await client.get_minimum_balance_for_rent_exemption(0)).value == 890_880
    assert (await client.get_minimum_balance_for_rent_exemption(100)).value == 1_586_880
    assert await rpc("getMinimumBalanceForRentExemption", [10 * 1024 * 1024 + 1]) == {
        "jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "Invalid request"}}

    devnet.advance_slots(1)
    ixs = [set_compute_unit_price(7_000),
           transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=RENT_EXEMPT))]
    await client.send_transaction(Transaction([payer], Message(ixs, payer.pubkey()), chain.blockhash()))
    devnet.advance_slots(2)
    # finalized slots only, from slot 1 on
    assert (await rpc("getRecentPrioritizationFees", []))["result"] == [{"slot": 1, "prioritizationFee": 7000}]
    by_account = await rpc("getRecentPrioritizationFees", [[str(payer.pubkey())]])
    assert by_account["result"] == [{"slot": 1, "prioritizationFee": 7000}]
    devnet.advance_slots(5)
    fees = (await rpc("getRecentPrioritizationFees"))["result"]
    assert [f["slot"] for f in fees] == list(range(1, 7))
    assert [f["prioritizationFee"] for f in fees] == [7000, 0, 0, 0, 0, 0]


async def test_airdrop_helper_and_errors(devnet: SolanaDevnet, client: AsyncClient, rpc: Rpc) -> None:
    key = Keypair().pubkey()
    sig = devnet.airdrop(key, SOL)
    assert (await client.get_signature_statuses([sig])).value[0] is not None
    with pytest.raises(SolanaDevnetError, match=r"^airdrop of 10 lamports to .* failed: Transaction results in an "
                                                r"account \(1\) with insufficient funds for rent$"):
        devnet.airdrop(Keypair().pubkey(), 10)
    assert await rpc("requestAirdrop", [str(key), -5]) == {
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32602, "message": "Invalid params: invalid value: integer `-5`, expected u64."}}
    assert await rpc("requestAirdrop", [str(key), 2**63]) == {
        "jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "Internal error"}}


async def test_new_account_below_rent_exemption_fails(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                      rpc: Rpc) -> None:
    payer = chain.funded(SOL)
    tx = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT - 1)
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    err = preflight_failure(exc)
    assert err.message == ("Transaction simulation failed: Transaction results in an account (1) with insufficient "
                           "funds for rent")
    assert err.data.logs == SYSTEM_LOGS  # the instruction ran; the transaction fails on the rent check
    sig = (await client.send_transaction(tx, TxOpts(skip_preflight=True))).value
    assert (await client.get_balance(payer.pubkey())).value == SOL - 5000
    assert (await client.get_balance(tx.message.account_keys[1])).value == 0
    devnet.advance_slots(1)
    raw = (await rpc("getTransaction", [str(sig), {"commitment": "confirmed"}]))["result"]["meta"]
    assert raw["err"] == {"InsufficientFundsForRent": {"account_index": 1}}
    assert (raw["fee"], raw["preBalances"], raw["postBalances"]) == (5000, [SOL, 0, 1], [SOL - 5000, 0, 1])
    top_up = chain.transfer(payer, Keypair().pubkey(), RENT_EXEMPT)
    assert (await client.send_transaction(top_up)).value == top_up.signatures[0]


async def test_v0_transaction_with_a_lookup_table(devnet: SolanaDevnet, client: AsyncClient, chain: Chain,
                                                  rpc: Rpc) -> None:
    payer = chain.funded()
    recipients = [Keypair().pubkey() for _ in range(3)]
    table = Pubkey.new_unique()
    meta = (1).to_bytes(4, "little") + (2**64 - 1).to_bytes(8, "little") + bytes(44)  # active, no authority
    devnet.set_account(table, Account(SOL, meta + b"".join(bytes(r) for r in recipients),
                                      Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")))
    ixs = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=r, lamports=SOL)) for r in recipients]
    fresh = MessageV0.try_compile(payer.pubkey(), ixs, [AddressLookupTableAccount(table, recipients)],
                                  chain.blockhash())
    assert (await rpc("sendTransaction", [b64(VersionedTransaction(fresh, [payer])), {"encoding": "base64"}]))[
        "error"] == {"code": -32602,  # extended in this slot (slot 0): its addresses are usable from the next one
                     "message": "invalid transaction: Transaction address table lookup uses an invalid index"}
    devnet.advance_slots(1)
    ixs = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=r, lamports=SOL)) for r in recipients]
    message = MessageV0.try_compile(payer.pubkey(), ixs, [AddressLookupTableAccount(table, recipients)],
                                    chain.blockhash())
    sig = (await client.send_transaction(VersionedTransaction(message, [payer]))).value
    devnet.advance_slots(1)
    raw = (await rpc("getTransaction", [str(sig), {"commitment": "confirmed",
                                                   "maxSupportedTransactionVersion": 0}]))["result"]
    assert raw["version"] == 0
    loaded = [str(recipients[i]) for i in message.address_table_lookups[0].writable_indexes]
    assert raw["meta"]["loadedAddresses"] == {"writable": loaded, "readonly": []}
    assert raw["transaction"]["message"]["addressTableLookups"] == [
        {"accountKey": str(table), "writableIndexes": list(message.address_table_lookups[0].writable_indexes),
         "readonlyIndexes": []}]
    assert raw["meta"]["postBalances"][-3:] == [SOL, SOL, SOL]
    for r in recipients:
        assert (await client.get_balance(r)).value == SOL
        history = (await client.get_signatures_for_address(r, commitment=Confirmed)).value
        assert [x.signature for x in history] == [sig]

    missing = MessageV0.try_compile(payer.pubkey(), ixs, [AddressLookupTableAccount(Pubkey.new_unique(), recipients)],
                                    chain.blockhash())
    bad = VersionedTransaction(missing, [payer])
    assert (await rpc("sendTransaction", [b64(bad), {"encoding": "base64"}]))["error"] == {
        "code": -32602, "message": "invalid transaction: Transaction loads an address table account that doesn't exist"}
