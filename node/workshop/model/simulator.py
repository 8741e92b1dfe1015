"""A documented simulator of wallet behaviour, for training the shipped default PD model.

No public DeFi default data set is reachable offline, so the default model is trained on simulated wallets.
This is the whole model of the world it assumes; the model card (docs/model-card.md) repeats it.

1. Latent credit quality `q ~ Normal(0, 1)` per wallet (higher is better). Nothing downstream sees q.
2. An archetype, drawn with probabilities that depend on q:
   borrower (careful use of lending), trader (leveraged swapping), farmer (a fresh wallet collecting
   transfers of many tokens), holder (old, rarely active), casual (plain transfers, a few swaps).
3. Behaviour from (q, archetype), as protocol events of the same shape the indexer decodes
   (chains/evm/indexer/events.py), over the wallet's life up to `as_of`:
   - age: log-normal, older with q (farmers: 1..40 days); activity per month: log-normal, higher with q;
   - transfers with counterparties from a pool whose size grows with q; tokens from a pool whose diversity
     grows with q (low-q wallets concentrate on one token); a stablecoin share;
   - borrow cycles (borrowers, traders, some casuals): a loan is repaid in full with probability
     sigmoid(1.6 + 1.3 q - 0.8 trader), partly otherwise; a leveraged position is liquidated with
     probability sigmoid(-2.6 - 1.1 q + 1.0 trader);
   - sent transactions (the nonce) and the native balance (log-normal, larger with q).
4. The future, in (as_of, as_of + horizon]: a wallet with an open debt repays it, or defaults with
   probability sigmoid(-1.2 - 1.4 q + 0.9 trader + 0.6 recent liquidation); a defaulter is liquidated
   (half the time) or leaves its debt unrepaid. Wallets without debt may open one and be liquidated in the
   window with a small probability that falls with q.
5. The label comes from the events by node/workshop/model/labels.py, exactly as for indexed chain history; the
   features from chains/evm/indexer/compute.py and node/scoring/features.py, exactly as the node computes them.

Everything is drawn from `random.Random(f"{seed}:{index}")`, so a wallet's history depends only on the seed
and its index: the data set is reproducible on any machine.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from chains.evm.indexer.compute import compute_features
from chains.evm.indexer.events import Event
from chains.evm.indexer.history import history_from
from node.scoring.features import WalletFeatures, vector
from node.workshop.model.labels import DAY, DEFAULT_HORIZON_DAYS, label

AS_OF = 1_750_000_000  # 2025-06-15: a fixed "now" so the data set does not depend on the clock
STABLE = "0x" + "5" * 40
TOKENS = tuple("0x" + f"{i:040x}" for i in range(0x100, 0x100 + 30))
POOL = "0x" + "a" * 40
COMET = "0x" + "c" * 40
PAIR = "0x" + "b" * 40
ARCHETYPES = ("borrower", "trader", "farmer", "holder", "casual")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class SimWallet:
    index: int
    address: str
    archetype: str
    quality: float
    features: WalletFeatures
    label: int
    events: int


class _Builder:
    def __init__(self, wallet: str, rng: random.Random) -> None:
        self.wallet = wallet
        self.rng = rng
        self.events: list[Event] = []
        self.sent: list[int] = []  # when each transaction the wallet itself sent was mined: its nonce over time

    def mark_sent(self) -> None:
        """The event just added was a transaction the wallet sent."""
        self.sent.append(self.events[-1].timestamp)

    def add(self, kind: str, protocol: str, contract: str, ts: int, asset: str, amount: int,
            counterparty: str, subject: str | None = None) -> None:
        subject = subject or self.wallet
        n = len(self.events)
        wallets = tuple(dict.fromkeys(w for w in (subject, counterparty) if w != "0x" + "0" * 40))
        self.events.append(Event(kind=kind, protocol=protocol, contract=contract, subject=subject,
                                 counterparty=counterparty, wallets=wallets, asset=asset, amount=amount,
                                 block=ts // 12, timestamp=ts, tx_hash="0x" + self.wallet[2:26] + f"{n:040x}",
                                 log_index=n))

    def transfer(self, ts: int, token: str, amount: int, peer: str, incoming: bool) -> None:
        if incoming:
            self.add("transfer", "erc20", token, ts, token, amount, self.wallet, subject=peer)
        else:
            self.add("transfer", "erc20", token, ts, token, amount, peer)
            self.mark_sent()


def simulate_wallet(index: int, seed: int = 7, as_of: int = AS_OF,
                    horizon_days: int = DEFAULT_HORIZON_DAYS) -> SimWallet:
    rng = random.Random(f"{seed}:{index}")
    q = rng.gauss(0.0, 1.0)
    weights = [max(0.05, 0.40 + 0.10 * q), max(0.05, 0.20 - 0.08 * q), max(0.02, 0.08 - 0.05 * q),
               0.15, 0.17]
    archetype = rng.choices(ARCHETYPES, weights)[0]
    trader = archetype == "trader"
    wallet = "0x" + f"{(index * 2654435761 + seed * 97) % (1 << 160):040x}"
    b = _Builder(wallet, rng)

    if archetype == "farmer":
        age = rng.randint(1, 40)
    else:
        age = int(min(2000, max(2, math.exp(rng.gauss(5.4 + 0.35 * q, 0.8)))))
    birth = as_of - age * DAY
    months = max(1.0, age / 30)
    rate = math.exp(rng.gauss(1.2 + 0.35 * q + (0.8 if trader else 0) - (1.8 if archetype == "holder" else 0), 0.7))
    n_peers = max(2, int(4 + 12 * _sigmoid(q) * (3 if trader else 1)))
    peers_pool = [f"0x{(index * 7919 + k * 104729 + 1) % (1 << 160):040x}" for k in range(n_peers)]
    n_tokens = max(1, int(1 + 8 * _sigmoid(q + rng.gauss(0, 0.7))))
    tokens = [STABLE] + list(rng.sample(TOKENS, min(len(TOKENS), n_tokens)))
    stable_bias = rng.random()

    def when(lo: int = birth, hi: int = as_of) -> int:
        return rng.randint(lo + 60, max(lo + 61, hi))

    # transfers and swaps over the wallet's life
    if archetype == "farmer":
        for _ in range(rng.randint(15, 80)):
            b.transfer(when(max(birth, as_of - 20 * DAY)), rng.choice(TOKENS), rng.randint(1, 10**4) * 10**15,
                       f"0x{rng.getrandbits(160):040x}", incoming=True)
        for _ in range(rng.randint(2, 12)):
            b.add("swap", "uniswap-v2", PAIR, when(max(birth, as_of - 7 * DAY)), PAIR, rng.randint(1, 10**6), wallet)
            b.mark_sent()
    else:
        n_tx = min(400, int(rate * months))
        for _ in range(n_tx):
            token = STABLE if rng.random() < stable_bias else (
                tokens[0] if q < -0.8 and rng.random() < 0.7 else rng.choice(tokens))
            b.transfer(when(), token, rng.randint(1, 10**5) * 10**15, rng.choice(peers_pool),
                       incoming=rng.random() < 0.5)
        swaps = int(n_tx * (0.8 if trader else 0.15 * rng.random()))
        for _ in range(swaps):
            b.add("swap", "uniswap-v3" if rng.random() < 0.5 else "uniswap-v2", PAIR, when(), PAIR,
                  rng.randint(1, 10**6), wallet)
            b.mark_sent()

    # lending history
    borrows = 0
    if archetype in ("borrower", "trader") or (archetype == "casual" and rng.random() < 0.25):
        borrows = min(40, int(rng.expovariate(1.0) * (1 + months * (0.5 if trader else 0.25))) + 1)
    liquidated_recently = False
    open_debt: list[tuple[str, str, int]] = []
    for _ in range(borrows):
        protocol, contract = ("aave-v3", POOL) if rng.random() < 0.7 else ("compound-v3", COMET)
        asset = STABLE if protocol == "aave-v3" else COMET
        start = when(birth, as_of - DAY)
        amount = rng.randint(100, 10**5) * 10**6
        if rng.random() < 0.8:
            b.add("supply", protocol, contract, max(birth + 30, start - 600), asset, amount * 2, wallet)
            b.mark_sent()
        b.add("borrow", protocol, contract, start, asset, amount, wallet)
        b.mark_sent()
        end = start + int(rng.expovariate(1 / (20 * DAY)))
        if rng.random() < _sigmoid(-2.6 - 1.1 * q + (1.0 if trader else 0)):
            t = min(as_of, end)
            kind = "liquidation" if protocol == "aave-v3" else "absorb"
            b.add(kind, protocol, contract, t, asset, amount, f"0x{rng.getrandbits(160):040x}")
            liquidated_recently |= t > as_of - 90 * DAY
            continue
        if end >= as_of:
            open_debt.append((protocol, contract, amount))
            continue
        full = rng.random() < _sigmoid(1.6 + 1.3 * q - (0.8 if trader else 0))
        b.add("repay", protocol, contract, end, asset, amount if full else amount * rng.randint(3, 9) // 10, wallet)
        b.mark_sent()
        if not full:
            open_debt.append((protocol, contract, 0))

    # the future: repay, or default (liquidated or unrepaid)
    future_end = as_of + horizon_days * DAY
    p_default = _sigmoid(-1.2 - 1.4 * q + (0.9 if trader else 0) + (0.6 if liquidated_recently else 0))
    for protocol, contract, amount in open_debt:
        asset = STABLE if protocol == "aave-v3" else COMET
        if rng.random() < p_default:
            if rng.random() < 0.5:
                b.add("liquidation" if protocol == "aave-v3" else "absorb", protocol, contract,
                      when(as_of, future_end), asset, amount or 10**6, f"0x{rng.getrandbits(160):040x}")
        else:
            b.add("repay", protocol, contract, when(as_of, future_end), asset, amount or 10**12, wallet)
    if not open_debt and rng.random() < 0.04 * _sigmoid(-1.0 - q) * (3 if trader else 1):
        t = when(as_of, future_end - DAY)
        b.add("borrow", "aave-v3", POOL, t, STABLE, 10**9, wallet)
        b.add("liquidation", "aave-v3", POOL, t + DAY // 2, STABLE, 10**9, f"0x{rng.getrandbits(160):040x}")

    past = [e for e in b.events if e.timestamp <= as_of]
    sent_before = sum(1 for t in b.sent if t <= as_of)  # the nonce at the assessment: nothing of the future
    tx_count = max(0, sent_before + int(rng.expovariate(1.0) * months * (0.2 if archetype == "holder" else 1.0)))
    balance = int(math.exp(rng.gauss(math.log(10**17) + 1.2 * q + (2 if archetype == "holder" else 0), 1.5)))
    computed = compute_features(past, wallet, as_of, first_seen=birth, stablecoins=(STABLE,))
    features = WalletFeatures(as_of_timestamp=as_of, tx_count=tx_count, balance_wei=balance,
                              first_seen_timestamp=birth if tx_count else None, history=history_from(computed))
    return SimWallet(index=index, address=wallet, archetype=archetype, quality=q, features=features,
                     label=label(b.events, wallet, as_of, horizon_days), events=len(b.events))


def simulate(n: int, seed: int = 7, start: int = 0) -> list[SimWallet]:
    return [simulate_wallet(i, seed) for i in range(start, start + n)]


def matrix(wallets: list[SimWallet], mask_every: int = 0) -> tuple[list[tuple[int | None, ...]], list[int]]:
    """Rows and labels. With `mask_every` n > 0, every n-th wallet's history is dropped (as on a chain with
    no indexer), so the trees learn where a wallet without history goes instead of guessing."""
    rows = []
    for w in wallets:
        f = w.features
        if mask_every and w.index % mask_every == 0:
            f = WalletFeatures(f.as_of_timestamp, f.tx_count, f.balance_wei, f.first_seen_timestamp, None)
        rows.append(vector(f))
    return rows, [w.label for w in wallets]
