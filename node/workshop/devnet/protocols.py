"""Small protocol contracts on the devnet that emit exactly the real protocols' events.

`deploy_protocols` deploys, from contracts/devnet/: DevTokens (a 6-decimal stablecoin "dUSD", "dWETH",
"dWBTC" and four small "airdrop" tokens), an Aave-V3-shaped lending pool, a Compound-V3-shaped market with
dUSD as base, constant-product pairs in the Uniswap V2 shape and a fixed-price pool in the Uniswap V3 shape,
and seeds them with the deployer's liquidity. Their logs are the ones `chains.evm.indexer.events` decodes, so
the node's indexer scores wallet histories made of real calls to them (node/workshop/devnet/histories.py).

The deployer owns every contract: it mints the tokens and acts as the pool's and the market's risk admin
and price keeper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import Web3RPCError

from chains.core.errors import AuraError
from chains.evm.artifacts import contract, deploy, load_artifact


@dataclass(frozen=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int
    supply: int  # whole tokens minted to the deployer
    price_usd: Decimal  # what the lending contracts and the fixed-price pool value it at


STABLECOIN = "dUSD"
TOKENS: tuple[TokenSpec, ...] = (
    TokenSpec("dUSD", "Devnet USD", 6, 500_000_000, Decimal(1)),
    TokenSpec("dWETH", "Devnet Wrapped Ether", 18, 200_000, Decimal(3000)),
    TokenSpec("dWBTC", "Devnet Wrapped Bitcoin", 8, 10_000, Decimal(60000)),
    TokenSpec("dZAP", "Zap Devnet Token", 18, 1_000_000_000, Decimal("0.05")),
    TokenSpec("dFOX", "Fox Devnet Token", 18, 1_000_000_000, Decimal("0.02")),
    TokenSpec("dORB", "Orb Devnet Token", 18, 1_000_000_000, Decimal("0.10")),
    TokenSpec("dMOO", "Moo Devnet Token", 18, 1_000_000_000, Decimal("0.01")),
)
SPECS: dict[str, TokenSpec] = {t.symbol: t for t in TOKENS}
AIRDROP_TOKENS: tuple[str, ...] = ("dZAP", "dFOX", "dORB", "dMOO")

# Aave-shaped pool reserves: (symbol, ltv bps, liquidation threshold bps, liquidation bonus bps, borrow rate)
POOL_RESERVES: tuple[tuple[str, int, int, int, Decimal], ...] = (
    ("dUSD", 7500, 8000, 500, Decimal("0.055")),
    ("dWETH", 8000, 8250, 500, Decimal("0.021")),
    ("dWBTC", 7000, 7500, 650, Decimal("0.012")),
)
# Comet collateral: (symbol, borrow collateral factor, liquidate collateral factor, liquidation factor), bps
COMET_ASSETS: tuple[tuple[str, int, int, int], ...] = (
    ("dWETH", 8000, 8500, 9300),
    ("dWBTC", 7000, 7700, 9000),
)
# V2 pairs against dUSD, seeded at the tokens' prices: (symbol, whole tokens of it in the pair)
V2_PAIRS: tuple[tuple[str, int], ...] = (
    ("dWETH", 1_000), ("dZAP", 2_000_000), ("dFOX", 5_000_000), ("dORB", 1_000_000), ("dMOO", 10_000_000),
)
V3_POOLS: tuple[tuple[str, int], ...] = (("dWETH", 500),)
POOL_SEED: tuple[tuple[str, int], ...] = (("dUSD", 5_000_000), ("dWETH", 2_000), ("dWBTC", 100))
COMET_SEED_USD = 5_000_000

CALL_GAS = 600_000
MAX_FEE_WEI = 10 * 10**9
PRIORITY_FEE_WEI = 10**9
MAX_UINT = 2**256 - 1
RAY = 10**27


def units(symbol: str, amount: int | str | Decimal) -> int:
    """Whole-token `amount` ("2.5", 100) of `symbol` in its raw units; exact, no float."""
    raw = Decimal(str(amount)) * 10 ** SPECS[symbol].decimals
    if raw != raw.to_integral_value():
        raise ValueError(f"{amount} {symbol} is finer than its {SPECS[symbol].decimals} decimals")
    return int(raw)


def price_e8(symbol: str, usd: int | str | Decimal | None = None) -> int:
    return int(Decimal(str(usd if usd is not None else SPECS[symbol].price_usd)) * 10**8)


def pair_name(symbol: str, quote: str = STABLECOIN) -> str:
    return f"{symbol}/{quote}"


@dataclass(frozen=True)
class Protocols:
    """Where the devnet's protocol contracts are. Addresses are checksummed.

    `tokens`: symbol -> DevToken; `pairs_v2` / `pools_v3`: "dWETH/dUSD" -> pair or pool.
    """

    start_block: int
    owner: str
    tokens: Mapping[str, str]
    lending_pool: str
    comet: str
    pairs_v2: Mapping[str, str]
    pools_v3: Mapping[str, str]
    stablecoins: tuple[str, ...] = field(default=())

    def token(self, symbol: str) -> str:
        return self.tokens[symbol]

    def decoder_contracts(self) -> dict[str, str]:
        """Contract address -> protocol name, as `chains.evm.indexer.events.EventDecoder` takes it."""
        out = {self.lending_pool: "aave-v3", self.comet: "compound-v3"}
        out.update({a: "uniswap-v2" for a in self.pairs_v2.values()})
        out.update({a: "uniswap-v3" for a in self.pools_v3.values()})
        return out

    def _indexer_entries(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(indexer keys, protocols keys) with their TOML values."""

        def arr(addresses: Sequence[str]) -> str:
            return "[" + ", ".join(f'"{a}"' for a in addresses) + "]"

        top = [("start_block", str(self.start_block)), ("stablecoins", arr(self.stablecoins))]
        protocols = [("aave-v3", arr([self.lending_pool])), ("compound-v3", arr([self.comet])),
                     ("uniswap-v2", arr(list(self.pairs_v2.values()))),
                     ("uniswap-v3", arr(list(self.pools_v3.values())))]
        return top, protocols

    def indexer_toml(self) -> str:
        """The `[chains.indexer]` table (and its `protocols` sub-table) for the `[[chains]]` entry of aura.toml."""
        top, protocols = self._indexer_entries()
        return ("[chains.indexer]\n" + "".join(f"{k} = {v}\n" for k, v in top)
                + "[chains.indexer.protocols]\n" + "".join(f"{k} = {v}\n" for k, v in protocols))

    def indexer_keys(self) -> str:
        """The same settings as `indexer_toml`, as dotted keys (`indexer.start_block = ...`) written among
        the `[[chains]]` entry's own keys: no table header follows them, so keys appended to the file later
        still belong to the chain entry."""
        top, protocols = self._indexer_entries()
        return ("".join(f"indexer.{k} = {v}\n" for k, v in top)
                + "".join(f"indexer.protocols.{k} = {v}\n" for k, v in protocols))

    def addresses(self) -> dict[str, str]:
        """A flat, JSON-friendly name -> address map (`from_addresses` reads it back)."""
        out = {"owner": self.owner, "aave-v3": self.lending_pool, "compound-v3": self.comet}
        out.update({f"token:{s}": a for s, a in self.tokens.items()})
        out.update({f"uniswap-v2:{n}": a for n, a in self.pairs_v2.items()})
        out.update({f"uniswap-v3:{n}": a for n, a in self.pools_v3.items()})
        return out

    @classmethod
    def from_addresses(cls, addresses: Mapping[str, str], start_block: int = 0) -> Protocols:
        def group(prefix: str) -> dict[str, str]:
            return {k[len(prefix):]: v for k, v in addresses.items() if k.startswith(prefix)}

        tokens = group("token:")
        return cls(start_block=start_block, owner=addresses["owner"], tokens=tokens,
                   lending_pool=addresses["aave-v3"], comet=addresses["compound-v3"],
                   pairs_v2=group("uniswap-v2:"), pools_v3=group("uniswap-v3:"),
                   stablecoins=(tokens[STABLECOIN],))


class TxFailed(AuraError, RuntimeError):
    """A devnet transaction reverted or was not mined."""


@lru_cache(maxsize=256)
def _account(key: str) -> LocalAccount:
    return Account.from_key(key)


@lru_cache(maxsize=1)
def _error_selectors() -> dict[bytes, str]:
    out: dict[bytes, str] = {}
    for name in ("DevToken", "DevLendingPool", "DevComet", "DevPairV2", "DevPoolV3"):
        for item in load_artifact(name).abi:
            if item.get("type") == "error":
                sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                out[keccak(text=sig)[:4]] = f"{name}.{sig}"
    return out


class Transactor:
    """Signs and sends devnet transactions with locally tracked nonces and fixed gas, one block each under
    automine, and checks every receipt; a revert raises `TxFailed` naming the step and the custom error."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.chain_id = w3.eth.chain_id
        self._nonces: dict[str, int] = {}
        self._contracts: dict[tuple[str, str], Contract] = {}

    def contract(self, name: str, address: str) -> Contract:
        c = self._contracts.get((name, address))
        if c is None:
            c = self._contracts[(name, address)] = contract(self.w3, name, address)
        return c

    def call(self, key: str, name: str, address: str, fn: str, *args: Any, what: str = "") -> dict[str, Any]:
        data = self.contract(name, address).encode_abi(fn, list(args))
        return self.send(key, address, data, 0, what or f"{name}.{fn}")

    def send(self, key: str, to: str, data: str | bytes, value: int, what: str,
             gas: int | None = None) -> dict[str, Any]:
        acct = _account(key)
        nonce = self._nonces.get(acct.address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(acct.address, "pending")
        tx: dict[str, Any] = {"to": to_checksum_address(to), "value": value, "data": data or b"", "nonce": nonce,
              "gas": gas or (21_000 if not data else CALL_GAS), "chainId": self.chain_id,
              "maxFeePerGas": MAX_FEE_WEI, "maxPriorityFeePerGas": PRIORITY_FEE_WEI}
        raw = acct.sign_transaction(tx).raw_transaction
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:  # refused before mining: a nonce, fee or balance problem
            raise TxFailed(f"devnet transaction for {what} was refused: {exc}") from None
        self._nonces[acct.address] = nonce + 1
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01))
        if receipt["status"] != 1:
            raise TxFailed(f"devnet transaction for {what} reverted: {self._reason(acct.address, tx, receipt)}")
        return receipt

    def _reason(self, sender: str, tx: dict[str, Any], receipt: dict[str, Any]) -> str:
        """Replay the call on the state before its block to read the custom error it reverted with."""
        call = {"from": sender, "to": tx["to"], "data": Web3.to_hex(tx["data"]),
                "value": hex(tx["value"]), "gas": hex(tx["gas"])}
        before = hex(receipt["blockNumber"] - 1)
        resp: Any = self.w3.provider.make_request("eth_call", [call, before])  # type: ignore[arg-type]
        data = (resp.get("error") or {}).get("data")
        if not isinstance(data, str) or len(data) < 10:
            return "no revert data (out of gas, or no custom error)"
        raw = bytes.fromhex(data[2:])
        return _error_selectors().get(raw[:4], "unknown error") + f" data {data}"


def rpc(w3: Web3, method: str, params: list[Any]) -> Any:
    resp = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    if "error" in resp:
        raise AuraError(f"anvil {method} failed: {resp['error']}")
    return resp.get("result")


@contextmanager
def automine(w3: Web3) -> Iterator[None]:
    """Mine each transaction as it arrives while inside, whatever anvil's mining mode (`--block-time` sets
    interval mining); the mode is put back on the way out."""
    interval = rpc(w3, "anvil_getIntervalMining", [])
    was_auto = bool(rpc(w3, "anvil_getAutomine", []))
    if was_auto:
        yield
        return
    rpc(w3, "evm_setIntervalMining", [0])
    rpc(w3, "evm_setAutomine", [True])
    try:
        yield
    finally:
        rpc(w3, "evm_setAutomine", [False])
        if interval:
            rpc(w3, "evm_setIntervalMining", [int(interval)])


def sqrt_price_x96(price_num: int, price_den: int) -> int:
    """floor(sqrt(price_num / price_den) * 2^96), exactly."""
    return math.isqrt(price_num * 2**192 // price_den)


def tick_of(price_num: int, price_den: int) -> int:
    """floor(log_1.0001(price_num / price_den))."""
    tick = math.floor(math.log(price_num / price_den) / math.log(1.0001))
    # float rounding can put the tick one off near a boundary; settle it exactly with Decimal powers
    price = Decimal(price_num) / Decimal(price_den)
    while Decimal("1.0001") ** tick > price:
        tick -= 1
    while Decimal("1.0001") ** (tick + 1) <= price:
        tick += 1
    return tick


def deploy_protocols(w3: Web3, deployer_key: str) -> Protocols:
    """Deploy the tokens, the lending pool, the Comet market, the V2 pairs and the V3 pool, list the
    reserves and collateral at the tokens' prices, and seed every market with the deployer's liquidity."""
    owner = _account(deployer_key).address
    with automine(w3):
        start_block = int(w3.eth.block_number) + 1
        tokens = {t.symbol: deploy(w3, "DevToken", [t.name, t.symbol, t.decimals], deployer_key) for t in TOKENS}
        pool = deploy(w3, "DevLendingPool", [], deployer_key)
        comet = deploy(w3, "DevComet", [tokens[STABLECOIN], price_e8(STABLECOIN)], deployer_key)
        pairs = {pair_name(s): deploy(w3, "DevPairV2", [tokens[s], tokens[STABLECOIN]], deployer_key)
                 for s, _ in V2_PAIRS}
        pools_v3 = {}
        for symbol, _ in V3_POOLS:
            token0, token1 = sorted((tokens[symbol], tokens[STABLECOIN]), key=lambda a: int(a, 16))
            sym0 = symbol if token0 == tokens[symbol] else STABLECOIN
            sym1 = STABLECOIN if sym0 == symbol else symbol
            # token1 raw units per token0 raw unit = (usd0 / 10^dec0) / (usd1 / 10^dec1)
            s0, s1 = SPECS[sym0], SPECS[sym1]
            num = price_e8(sym0) * 10**s1.decimals
            den = price_e8(sym1) * 10**s0.decimals
            pools_v3[pair_name(symbol)] = deploy(
                w3, "DevPoolV3", [token0, token1, sqrt_price_x96(num, den), tick_of(num, den)], deployer_key)

        tx = Transactor(w3)

        def call(name: str, address: str, fn: str, *args: Any) -> None:
            tx.call(deployer_key, name, address, fn, *args)

        for t in TOKENS:
            call("DevToken", tokens[t.symbol], "mint", owner, units(t.symbol, t.supply))
        for symbol, ltv, threshold, bonus, rate in POOL_RESERVES:
            call("DevLendingPool", pool, "listReserve", tokens[symbol], price_e8(symbol), ltv, threshold, bonus,
                 int(rate * RAY))
        for symbol, borrow_cf, liquidate_cf, liquidation_factor in COMET_ASSETS:
            call("DevComet", comet, "listAsset", tokens[symbol], price_e8(symbol), borrow_cf, liquidate_cf,
                 liquidation_factor)
        for symbol, amount in POOL_SEED:
            call("DevToken", tokens[symbol], "approve", pool, MAX_UINT)
            call("DevLendingPool", pool, "supply", tokens[symbol], units(symbol, amount), owner, 0)
        call("DevToken", tokens[STABLECOIN], "approve", comet, MAX_UINT)
        call("DevComet", comet, "supply", tokens[STABLECOIN], units(STABLECOIN, COMET_SEED_USD))
        for name, seeded, kind in ([(pair_name(s), a, "DevPairV2") for s, a in V2_PAIRS]
                                   + [(pair_name(s), a, "DevPoolV3") for s, a in V3_POOLS]):
            market = pairs[name] if kind == "DevPairV2" else pools_v3[name]
            symbol = name.split("/")[0]
            usd = Decimal(seeded) * SPECS[symbol].price_usd
            amounts = {symbol: units(symbol, seeded), STABLECOIN: units(STABLECOIN, usd.quantize(Decimal(1)))}
            c = tx.contract(kind, market)
            token0 = c.functions.token0().call()
            sym0 = symbol if token0 == tokens[symbol] else STABLECOIN
            sym1 = STABLECOIN if sym0 == symbol else symbol
            for s in (sym0, sym1):
                call("DevToken", tokens[s], "approve", market, MAX_UINT)
            call(kind, market, "addLiquidity", amounts[sym0], amounts[sym1])
    return Protocols(start_block=start_block, owner=owner, tokens=tokens, lending_pool=pool, comet=comet,
                     pairs_v2=pairs, pools_v3=pools_v3, stablecoins=(tokens[STABLECOIN],))
