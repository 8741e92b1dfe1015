"""Solana's PubSub subscriptions over one ledger: `signatureSubscribe`, `logsSubscribe`, `accountSubscribe`,
`slotSubscribe` and their `*Unsubscribe`, with the params, errors and notification shapes of a cluster's
WebSocket endpoint (agave's `rpc_pubsub.rs`).

`poll()` runs after anything that may change the ledger (a request, a closed slot, an in-process helper): each
subscription compares what it watches with what it last saw and sends what it is owed to its subscribers. A
change is notified once it is visible at the subscription's commitment (`finalized` unless it names one):
a landed transaction in its slot, an account's new state from the slot it changed in.

As on a cluster, identical subscriptions share one id, a connection's subscriptions end with it, a signature
subscription ends after its one notification (unsubscribing it afterwards still answers true), and an
unsubscribe names any of the connection's ids whatever the method. Unlike a cluster, a signature already at
the commitment when subscribed to is notified at once, and an account subscription also reports a change made
before it that its commitment had not reached yet.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, Protocol, TypeVar

from solders.account import Account
from solders.pubkey import Pubkey
from solders.signature import Signature

from chains.core.base58 import b58encode
from node.workshop.devnet.solana_ledger import SYSTEM_PROGRAM, SolanaLedger, TxRecord
from node.workshop.devnet.solana_rpc.encode import encode_account
from node.workshop.devnet.solana_rpc.envelope import Handler
from node.workshop.devnet.solana_rpc.errors import invalid_params
from node.workshop.devnet.solana_rpc.params import (
    account_config,
    logs_config,
    logs_filter,
    parse_params,
    signature_subscribe_config,
    string,
    u64,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_COMMITMENT = "finalized"
CLOSED_ACCOUNT = Account(0, b"", SYSTEM_PROGRAM)
"""What a cluster notifies for an account that no longer exists (Solana's default account)."""


class Subscriber(Protocol):
    """One client connection: notifications are handed to it in order, and it must not block."""

    def send(self, text: str) -> None: ...


def _param(parse: Callable[[str], T], text: str, thing: str) -> T:
    try:
        return parse(text)
    except ValueError:
        raise invalid_params(f"Invalid Request: Invalid {thing} provided") from None


def _response(slot: int, value: Any) -> dict[str, Any]:
    return {"context": {"slot": slot}, "value": value}


def _same(a: Account | None, b: Account | None) -> bool:
    return a is b if a is None or b is None else a == b


# --------------------------------------------------------------------------------------------------- watches

class _Watch(ABC):
    """What one subscription watches; `poll` returns the `result` of each notification it is owed now."""

    method: ClassVar[str]
    done = False  # set once a one-shot subscription (a signature's) has been notified

    @abstractmethod
    def poll(self, ledger: SolanaLedger, landed: list[TxRecord]) -> list[Any]: ...


class _SignatureWatch(_Watch):
    method = "signatureNotification"

    def __init__(self, signature: str, commitment: str, received: bool) -> None:
        self.signature = signature
        self.commitment = commitment
        self.received = received

    def poll(self, ledger: SolanaLedger, landed: list[TxRecord]) -> list[Any]:
        out: list[Any] = []
        if self.received:
            for rec in landed:
                if rec.signature == self.signature:
                    out.append(_response(rec.slot, "receivedSignature"))
                    self.received = False
        status = ledger.status(self.signature, search_history=False)
        if status is not None and status["slot"] <= ledger.slot_at(self.commitment):
            out.append(_response(status["slot"], {"err": status["err"]}))
            self.done = True
        return out


class _LogsWatch(_Watch):
    method = "logsNotification"

    def __init__(self, mentions: Pubkey | None, commitment: str, cursor: int) -> None:
        self.mentions = mentions
        self.commitment = commitment
        self.cursor = cursor  # transactions that landed before the subscription are not notified

    def poll(self, ledger: SolanaLedger, landed: list[TxRecord]) -> list[Any]:
        bank = ledger.slot_at(self.commitment)
        out: list[Any] = []
        for rec in ledger.landed_since(self.cursor):
            if rec.slot > bank:
                break
            self.cursor += 1
            if self.mentions is None or self.mentions in rec.account_keys:
                out.append(_response(rec.slot, {"signature": rec.signature, "err": rec.err, "logs": rec.logs}))
        return out


class _AccountWatch(_Watch):
    method = "accountNotification"

    def __init__(self, ledger: SolanaLedger, pubkey: Pubkey, encoding: str, data_slice: dict[str, int] | None,
                 commitment: str) -> None:
        self.pubkey = pubkey
        self.encoding = encoding
        self.data_slice = data_slice
        self.commitment = commitment
        self.seen = ledger.get_account(pubkey)
        self.pending: deque[tuple[int, Account | None]] = deque()  # (slot it changed in, state), oldest first
        newest = ledger.signatures_for(pubkey, ledger.slot, None, None, 1)
        if newest and newest[0].slot > ledger.slot_at(commitment) and pubkey in newest[0].writable:
            self.pending.append((newest[0].slot, self.seen))

    def poll(self, ledger: SolanaLedger, landed: list[TxRecord]) -> list[Any]:
        current = ledger.get_account(self.pubkey)
        if not _same(current, self.seen):
            self.pending.append((ledger.slot, current))
            self.seen = current
        bank = ledger.slot_at(self.commitment)
        ready: list[Account | None] = []
        while self.pending and self.pending[0][0] <= bank:
            ready.append(self.pending.popleft()[1])
        return [_response(bank, self.encode(ready[-1]))] if ready else []

    def encode(self, account: Account | None) -> dict[str, Any]:
        """The account as a cluster's notification encodes it: base58 without the HTTP side's 128-byte limit."""
        account = account if account is not None else CLOSED_ACCOUNT
        if self.encoding not in ("binary", "base58"):
            return encode_account(account, self.encoding, self.data_slice)
        value = encode_account(account, "base64", self.data_slice)
        data = bytes(account.data)
        if self.data_slice is not None:
            data = data[self.data_slice["offset"]:self.data_slice["offset"] + self.data_slice["length"]]
        value["data"] = b58encode(data) if self.encoding == "binary" else [b58encode(data), "base58"]
        return value


class _SlotWatch(_Watch):
    method = "slotNotification"

    def __init__(self, slot: int) -> None:
        self.last = slot

    def poll(self, ledger: SolanaLedger, landed: list[TxRecord]) -> list[Any]:
        out = [{"slot": s, "parent": s - 1, "root": max(0, s - ledger.finality_depth)}
               for s in range(self.last + 1, ledger.slot + 1)]
        self.last = ledger.slot
        return out


# ------------------------------------------------------------------------------------------- subscriptions

@dataclass(eq=False)
class _Subscription:
    id: int
    key: tuple[Any, ...]
    watch: _Watch
    subscribers: list[Subscriber] = field(default_factory=list)


Made = tuple[tuple[Any, ...], Callable[[], _Watch]]
"""A subscribe request parsed: the subscription's identity (its params), and how to start watching."""


class SolanaPubSub:
    """The subscriptions of every connection to one ledger's PubSub endpoint."""

    def __init__(self, ledger: SolanaLedger) -> None:
        self.ledger = ledger
        self._next_id = 0
        self._by_params: dict[tuple[Any, ...], _Subscription] = {}
        self._by_id: dict[int, _Subscription] = {}
        self._held: dict[Subscriber, set[int]] = {}
        self._landed = len(ledger.landed_since(0))

    def methods(self, who: Subscriber) -> dict[str, Handler]:
        """The method table for one connection (for `envelope.dispatch`)."""
        makers: dict[str, Callable[[Any], Made]] = {"account": self._account, "logs": self._logs,
                                                    "signature": self._signature, "slot": self._slot}
        table: dict[str, Handler] = {}
        for name, make in makers.items():
            table[f"{name}Subscribe"] = partial(self._subscribe, who, make)
            table[f"{name}Unsubscribe"] = partial(self._unsubscribe, who)
        return table

    def disconnect(self, who: Subscriber) -> None:
        """End every subscription the connection holds."""
        for id_ in self._held.pop(who, set()):
            self._release(who, id_)

    def poll(self) -> None:
        """Send every notification now owed; one subscription failing does not stop the others."""
        landed = self.ledger.landed_since(self._landed)
        self._landed += len(landed)
        for sub in list(self._by_id.values()):
            try:
                results = sub.watch.poll(self.ledger, landed)
            except Exception:
                log.exception("PubSub subscription %d (%s) failed", sub.id, sub.watch.method)
                continue
            for result in results:
                text = json.dumps({"jsonrpc": "2.0", "method": sub.watch.method,
                                   "params": {"result": result, "subscription": sub.id}}, separators=(",", ":"))
                for who in sub.subscribers:
                    who.send(text)
            if sub.watch.done:
                del self._by_id[sub.id]
                del self._by_params[sub.key]

    # ------------------------------------------------------------------------------------------ requests

    def _subscribe(self, who: Subscriber, make: Callable[[Any], Made], params: Any) -> int:
        key, start = make(params)
        sub = self._by_params.get(key)
        if sub is None:
            sub = _Subscription(self._next_id, key, start())
            self._next_id += 1
            self._by_params[key] = sub
            self._by_id[sub.id] = sub
        if who not in sub.subscribers:
            sub.subscribers.append(who)
        self._held.setdefault(who, set()).add(sub.id)
        return sub.id

    def _unsubscribe(self, who: Subscriber, params: Any) -> bool:
        (id_,) = parse_params(params, [u64], 1, optional_tail=False)
        held = self._held.get(who, set())
        if id_ not in held:
            raise invalid_params("Invalid subscription id.")
        held.discard(id_)
        self._release(who, id_)
        return True

    def _release(self, who: Subscriber, id_: int) -> None:
        sub = self._by_id.get(id_)
        if sub is None:  # a signature subscription already notified
            return
        if who in sub.subscribers:
            sub.subscribers.remove(who)
        if not sub.subscribers:
            del self._by_id[id_]
            del self._by_params[sub.key]

    def _account(self, params: Any) -> Made:
        pubkey, config = parse_params(params, [string, account_config], 1)
        config = config or {}
        data_slice = config.get("dataSlice")
        for name in ("offset", "length"):
            if data_slice is not None and name not in data_slice:
                raise invalid_params(f"Invalid params: missing field `{name}`.")
        key = _param(Pubkey.from_string, pubkey, "pubkey")
        encoding = config.get("encoding") or "binary"
        commitment = config.get("commitment") or DEFAULT_COMMITMENT
        slice_key = None if data_slice is None else (data_slice["offset"], data_slice["length"])
        return (("account", key, encoding, slice_key, commitment),
                lambda: _AccountWatch(self.ledger, key, encoding, data_slice, commitment))

    def _logs(self, params: Any) -> Made:
        (kind, mentions), config = parse_params(params, [logs_filter, logs_config], 1)
        key: Pubkey | None = None
        if kind == "mentions":
            if len(mentions) != 1:
                raise invalid_params("Invalid Request: Only 1 address supported")
            key = _param(Pubkey.from_string, mentions[0], "mentions")
        commitment = (config or {}).get("commitment") or DEFAULT_COMMITMENT
        return ("logs", kind, key, commitment), lambda: _LogsWatch(key, commitment, self._landed)

    def _signature(self, params: Any) -> Made:
        text, config = parse_params(params, [string, signature_subscribe_config], 1)
        signature = str(_param(Signature.from_string, text, "signature"))
        config = config or {}
        commitment = config.get("commitment") or DEFAULT_COMMITMENT
        received = bool(config.get("enableReceivedNotification"))
        return (("signature", signature, commitment, received),
                lambda: _SignatureWatch(signature, commitment, received))

    def _slot(self, params: Any) -> Made:
        parse_params(params, [], 0)
        return ("slot",), lambda: _SlotWatch(self.ledger.slot)
