"""`aura request` on Sui: what a consuming protocol does, as one programmable transaction signed with the
requester's key and sent through Sui's GraphQL service (`executeTransaction`):

    0: <package>::oracle::fee(oracle)                                  the fee the oracle asks now
    1: SplitCoins(GasCoin, [Result(0)])                                 that much SUI, from the gas coin
    2: <package>::oracle::request_assessment(oracle, subject, params, Result(1), clock)
       (request_private_assessment, same arguments, for a private assessment)

It is built offline like a fulfilment (`chains/sui/transaction.py`), paid with one of the requester's SUI coins
at the reference gas price, with a gas budget from a dry run plus the configured margin. The request's ID is
read from the `AssessmentRequested` event in its effects; with `wait`, the answer is the `AssessmentFulfilled`
event naming that ID.

A private assessment (`private=True`) is stored as score 0, tier 255 and pd 0 with the commitment to the real
score: the chain never holds the score, and a protocol learns of it only from a threshold proof the subject
makes (`aura prove`). The score is still a function of the subject's public history and the open model, so
anyone who replays the scoring can recompute it (docs/protocol.md, "Private assessments").

The requester's key is a Sui key file like the transmitter's (`chains/sui/keys.py`): the file
`--requester-key` names, else the one AURA_SUI_REQUESTER_KEY names, else `keys/sui-requester.key` next to the
config.
"""

from __future__ import annotations

import asyncio
import base64
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pysui.sui.sui_bcs import bcs
from pysui.sui.sui_common.txn_transaction_builder import ProgrammableTransactionBuilder

from chains.core.errors import AuraError, ChainError, InvalidParams, RetryLater
from chains.requester import requester_key_path
from chains.sui import package as pkg
from chains.sui import transaction as tx
from chains.sui.config import SuiChain
from chains.sui.keys import Transmitter, load_transmitter

if TYPE_CHECKING:
    from chains.sui.adapter import SuiAdapter

REQUESTER_KEY_ENV = "AURA_SUI_REQUESTER_KEY"
REQUESTER_KEY_FILE = Path("keys/sui-requester.key")
FEE = "fee"
REQUEST_ASSESSMENT = "request_assessment"
REQUEST_PRIVATE_ASSESSMENT = "request_private_assessment"
COIN_PAGE = 50
EVENT_PAGE = 50
POLL_S = 0.5


def requester_key_file(requester_key: Path | None, config_dir: Path) -> Transmitter:
    """The requester's Sui key, from the first of: `requester_key`, AURA_SUI_REQUESTER_KEY, the key file next
    to the config.

    Raises:
        ConfigError: none of them names a file, or the file is not an owner-only Sui key file.
    """
    return load_transmitter(requester_key_path(requester_key, REQUESTER_KEY_ENV, REQUESTER_KEY_FILE, config_dir,
                                               "a file holding the requesting account's Sui key"))


def checked_subject(subject: str) -> str:
    """`subject` as a full Sui address; InvalidParams if it is not one."""
    try:
        return tx.canonical_id(subject)
    except ValueError:
        raise InvalidParams(f"subject {subject!r} is not a Sui address (0x and at most 64 hex digits)") from None


def request_kind(package: str, oracle: str, oracle_initial_shared_version: int, subject: str,
                 params: bytes, *, private: bool = False) -> bcs.TransactionKind:
    """The programmable transaction of the module docstring: the fee read on chain, split from the gas coin,
    and paid into `request_assessment`, or `request_private_assessment` when `private` (the oracle is one mutable
    shared input, used by both calls).

    Raises:
        InvalidParams: `subject` is not a Sui address, or `params` is longer than the package accepts.
    """
    subject_bcs = tx.id_bytes(checked_subject(subject))
    if len(params) > pkg.MAX_PARAMS:
        raise InvalidParams(f"params: {len(params)} bytes, more than {pkg.MAX_PARAMS}")
    builder = ProgrammableTransactionBuilder()
    target = bcs.Address.from_str(tx.canonical_id(package))
    shared_oracle = builder.input_obj_from_objarg(tx.shared_object(oracle, oracle_initial_shared_version, True))
    fee = builder.move_call(target=target, arguments=[shared_oracle], type_arguments=[], module=pkg.MODULE,
                            function=FEE)
    payment = builder.split_coin(bcs.Argument("GasCoin"), [fee])
    clock = tx.shared_object(pkg.CLOCK_ID, pkg.CLOCK_INITIAL_SHARED_VERSION, False)
    function = REQUEST_PRIVATE_ASSESSMENT if private else REQUEST_ASSESSMENT
    builder.move_call(target=target, type_arguments=[], module=pkg.MODULE, function=function,
                      arguments=[shared_oracle, tx.pure(subject_bcs), tx.pure(tx.vector_u8(params)), payment, clock])
    return builder.finish_for_inspect()


async def request_assessment(cfg: SuiChain, *, subject: str, params: bytes, requester_key: Path | None,
                             config_dir: Path, wait: bool, timeout: float, private: bool = False) -> dict[str, Any]:
    """Send one request (for a private assessment when `private`); with `wait`, poll for its fulfilment for up to
    `timeout` seconds.

    Returns:
        `request_id`, `subject`, `tx` (digest), `block` (checkpoint), `fee` (MIST); with `wait`, `status`
        ("fulfilled" or "not fulfilled yet") and, once fulfilled, `score`, `tier`, `pd_bps`, `flags` and
        `fulfil_tx` (for a private assessment: score 0, tier 255, pd_bps 0).

    Raises:
        ConfigError: no usable key. InvalidParams: a bad subject or params.
        ChainError: the GraphQL service is unreachable or not the configured chain, the oracle is not there,
            the dry run fails (a Move abort is named), or the network refuses the transaction.
    """
    from chains.sui.adapter import SuiAdapter  # noqa: PLC0415 - pysui's client only when a consumer asks

    requester = requester_key_file(requester_key, config_dir)
    subject = checked_subject(subject)
    adapter = SuiAdapter(cfg, requester)
    await adapter.connect()
    try:
        assert adapter.oracle_initial_shared_version is not None  # connect() read it
        kind = request_kind(adapter.package, adapter.oracle, adapter.oracle_initial_shared_version, subject, params,
                            private=private)
        tx_bytes, coin = await _paid(adapter, kind)
        digest = await _execute(adapter, tx_bytes, requester.sign(tx_bytes))
        requested, checkpoint = await _requested(adapter, digest, coin, timeout)
        out: dict[str, Any] = {"request_id": requested.request_id, "subject": requested.subject, "tx": digest,
                               "block": checkpoint, "fee": requested.fee}
        if wait:
            out.update(await _fulfilment(adapter, requested.request_id, checkpoint - 1, timeout))
        return out
    except AuraError:
        raise
    except (KeyError, TypeError, ValueError) as e:
        raise ChainError(f"{cfg.name}: the GraphQL service's answer is not what was asked for: "
                         f"{type(e).__name__}: {e}") from None
    finally:
        await adapter.close()


async def _paid(adapter: SuiAdapter, kind: bcs.TransactionKind) -> tuple[bytes, tx.ObjectRef]:
    """TransactionData of `kind` paid by the requester: its bytes and the gas coin they spend."""
    cfg, sender = adapter.cfg, adapter.transmitter.address
    gas = await adapter.gql.run("AuraGas", {"owner": sender, "coinType": pkg.SUI_COIN_TYPE, "first": COIN_PAGE})
    epoch, price = int(gas["epoch"]["epochId"]), int(gas["epoch"]["referenceGasPrice"])
    if price > cfg.max_gas_price:
        raise RetryLater(f"{cfg.name}: reference gas price {price} is above max_gas_price {cfg.max_gas_price}")
    nodes = gas["address"]["objects"]["nodes"] if gas["address"] is not None else []
    coins = [(_balance(n["contents"]["json"]["balance"]), tx.ObjectRef(n["address"], int(n["version"]), n["digest"]))
             for n in nodes]
    if not coins:
        raise RetryLater(f"{cfg.name}: {sender} holds no SUI coin to pay with")
    amount, coin = max(coins, key=lambda c: c[0])  # the largest: it pays the fee as well as the gas
    probe = tx.transaction_data(kind, sender, coin, price, min(cfg.max_gas_budget, amount), epoch)
    sim = await adapter.gql.run("AuraSimulate", {"transaction": {"bcs": {"value": _b64(tx.serialize(probe))}}})
    effects = (sim.get("simulateTransaction") or {}).get("effects")
    if effects is None:
        raise ChainError(f"{cfg.name}: the request's dry run failed: "
                         f"{str((sim.get('simulateTransaction') or {}).get('error'))[:300]}")
    if effects.get("status") != "SUCCESS":
        error = effects.get("executionError") or {}
        reason = adapter.abort_name(error) or str(error.get("message"))[:300]
        raise ChainError(f"{cfg.name}: the request would fail: {reason}")
    summary = effects["gasEffects"]["gasSummary"]
    cost = int(summary["computationCost"]) + int(summary["storageCost"])
    budget = min(math.ceil(cost * cfg.gas_budget_margin_pct / 100), cfg.max_gas_budget)
    if budget > amount:
        raise RetryLater(f"{cfg.name}: the gas coin holds {amount} MIST, less than the {budget} MIST budget")
    return tx.serialize(tx.transaction_data(kind, sender, coin, price, budget, epoch)), coin


async def _execute(adapter: SuiAdapter, tx_bytes: bytes, signature: bytes) -> str:
    """The digest of the executed transaction; ChainError when the network refuses it or it fails."""
    digest = tx.digest(tx_bytes)
    data = await adapter.gql.run("AuraExecute", {"transactionDataBcs": _b64(tx_bytes),
                                                 "signatures": [_b64(signature)]})
    result = data.get("executeTransaction") or {}
    effects = result.get("effects")
    if effects is None:
        errors = "; ".join(str(e) for e in result.get("errors") or []) or "no effects and no error"
        raise ChainError(f"{adapter.name}: the network refused the request {digest}: {errors[:300]}")
    if effects.get("digest") != digest or effects.get("status") != "SUCCESS":
        raise ChainError(f"{adapter.name}: the request {digest} did not succeed ({effects.get('status')})")
    return digest


async def _requested(adapter: SuiAdapter, digest: str, coin: tx.ObjectRef, timeout: float) -> tuple[pkg.Requested, int]:
    """The transaction's `AssessmentRequested` event and checkpoint, once the service shows its effects."""
    deadline = asyncio.get_running_loop().time() + timeout
    wanted = pkg.type_name(adapter.type_package, "AssessmentRequested")
    while True:
        data = await adapter.gql.run("AuraStatus", {"digest": digest, "coin": coin.object_id,
                                                    "version": coin.version})
        effects = data.get("transactionEffects")
        if effects is not None and effects.get("checkpoint") is not None:
            for node in effects["events"]["nodes"]:
                if node["contents"]["type"]["repr"] == wanted:
                    return pkg.decode_requested(node["contents"]["json"]), int(effects["checkpoint"]["sequenceNumber"])
            raise ChainError(f"{adapter.name}: the request {digest} emitted no AssessmentRequested event")
        if asyncio.get_running_loop().time() > deadline:
            raise RetryLater(f"{adapter.name}: the request {digest} is not in a checkpoint after {timeout:.0f} s")
        await asyncio.sleep(POLL_S)


async def _fulfilment(adapter: SuiAdapter, request_id: str, after: int, timeout: float) -> dict[str, Any]:
    """`status` and, once an `AssessmentFulfilled` event names the request, its score: the package's events
    after checkpoint `after` are read up to the head, then from there on each poll."""
    deadline = asyncio.get_running_loop().time() + timeout
    wanted = pkg.type_name(adapter.type_package, "AssessmentFulfilled")
    while True:
        head = int((await adapter.gql.run("AuraHead"))["checkpoint"]["sequenceNumber"])
        if head > after:
            cursor: str | None = None
            while True:
                data = await adapter.gql.run("AuraEvents", {"type": wanted, "afterCheckpoint": after,
                                                            "beforeCheckpoint": head + 1, "first": EVENT_PAGE,
                                                            "cursor": cursor})
                for node in data["events"]["nodes"]:
                    event = node["contents"]["json"]
                    if pkg.fulfilled_request_id(event) == request_id:
                        return {"status": "fulfilled", "score": int(event["score"]), "tier": int(event["tier"]),
                                "pd_bps": int(event["pd_bps"]), "flags": int(event["flags"]),
                                "fulfil_tx": node["transaction"]["digest"]}
                info = data["events"]["pageInfo"]
                if not info["hasNextPage"]:
                    break
                cursor = info["endCursor"]
            after = min(head, int(data["checkpoint"]["sequenceNumber"]))  # never past what the service indexed
        if asyncio.get_running_loop().time() > deadline:
            return {"status": "not fulfilled yet"}
        await asyncio.sleep(POLL_S)


def _balance(value: Any) -> int:
    """A coin's balance from its JSON: a u64 decimal string (or, from older services, {"value": ...})."""
    return int(value["value"] if isinstance(value, dict) else value)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
