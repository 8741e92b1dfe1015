"""Believable, distinct wallet histories on a local anvil chain, replayed with chosen block timestamps.

anvil starts with its genesis years in the past; each persona is funded on its 'birthday' and then sends
transactions spread over its life, and the chain clock is brought back to now at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_account import Account
from eth_utils import keccak
from web3 import Web3

from node.devnet.anvil import DEFAULT_KEYS
from node.errors import AuraError

DAY = 86_400
FUNDER_KEY = DEFAULT_KEYS[0]


@dataclass(frozen=True)
class Persona:
    label: str
    age_days: int
    txs: int
    balance_milli_eth: int
    counterparties: int

    @property
    def key(self) -> str:
        return "0x" + keccak(text=f"aura demo wallet: {self.label}").hex()

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)


PERSONAS = (
    Persona("veteran", age_days=1000, txs=200, balance_milli_eth=40_000, counterparties=12),
    Persona("steady saver", age_days=540, txs=24, balance_milli_eth=9_000, counterparties=5),
    Persona("idle holder", age_days=800, txs=1, balance_milli_eth=75_000, counterparties=1),
    Persona("newcomer", age_days=9, txs=3, balance_milli_eth=300, counterparties=2),
    Persona("fresh wallet", age_days=0, txs=0, balance_milli_eth=5, counterparties=0),
)


def _rpc(w3: Web3, method: str, params: list[object]) -> object:
    resp = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    if "error" in resp:
        raise AuraError(f"anvil {method} failed: {resp['error']}")
    return resp.get("result")


def build_histories(w3: Web3, personas: tuple[Persona, ...] = PERSONAS, now: int | None = None) -> None:
    """Replay every persona's history in timestamp order, then set the chain clock to `now`."""
    now = int(now or time.time())
    latest = int(w3.eth.get_block("latest")["timestamp"])
    events: list[tuple[int, int, Persona, int]] = []
    for p in personas:
        if p.age_days == 0:
            events.append((now - 3600, 0, p, -1))  # funded an hour ago, never sent anything
            continue
        birth = now - p.age_days * DAY
        events.append((birth, 0, p, -1))
        span = max(1, p.age_days - 1) * DAY
        for i in range(p.txs):
            events.append((birth + 600 + span * i // max(1, p.txs), 1, p, i))
    events.sort(key=lambda e: (e[0], e[1], e[2].label))
    if events and events[0][0] <= latest:
        raise AuraError("the chain's clock is past the histories' start: start anvil with an older genesis")
    chain_id = w3.eth.chain_id
    funder = Account.from_key(FUNDER_KEY)
    nonces: dict[str, int] = {}
    last = latest
    for ts, kind, p, i in events:
        ts = max(ts, last + 1)
        last = ts
        _rpc(w3, "evm_setNextBlockTimestamp", [ts])
        if kind == 0:
            sender, to, value = funder, p.address, p.balance_milli_eth * 10**15 + 10**17
        else:
            sender = Account.from_key(p.key)
            peer = Account.from_key(keccak(text=f"{p.label} counterparty {i % max(1, p.counterparties)}")).address
            to, value = peer, 10**15
        nonce = nonces.get(sender.address)
        if nonce is None:
            nonce = w3.eth.get_transaction_count(sender.address)
        nonces[sender.address] = nonce + 1
        tx = {"to": to, "value": value, "gas": 21000, "nonce": nonce, "chainId": chain_id,
              "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}
        w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    _rpc(w3, "evm_setNextBlockTimestamp", [max(now, last + 1)])
    _rpc(w3, "evm_mine", [])
