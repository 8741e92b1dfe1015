"""Real protocol event ABIs and a decoder from raw logs to normalised `Event`s.

Every ABI below is copied from the protocol's own source (file named next to it): the event name, the field
order, the Solidity types and the `indexed` flags. topic0 is keccak256 of the canonical signature, computed
here, never typed in. Solidity enums are uint8 in the ABI (Aave's `DataTypes.InterestRateMode`).

Which wallet an event concerns (`subject`) and who the other side is (`counterparty`):

| kind          | protocol family | subject                      | counterparty        | asset            | amount              |
|---------------|-----------------|------------------------------|---------------------|------------------|---------------------|
| transfer      | erc20           | from (the sender)            | to (the receiver)   | token (emitter)  | value               |
| supply        | aave-v3         | onBehalfOf (gets aTokens)    | user (pays)         | reserve          | amount              |
| withdraw      | aave-v3         | user (owner of the aTokens)  | to (gets underlying)| reserve          | amount              |
| borrow        | aave-v3         | onBehalfOf (gets the debt)   | user (gets funds)   | reserve          | amount              |
| repay         | aave-v3         | user (debt reduced)          | repayer (pays)      | reserve          | amount              |
| liquidation   | aave-v3         | user (liquidated)            | liquidator          | debtAsset        | debtToCover         |
| supply        | compound-v3     | dst (credited)               | from (pays)         | Comet market     | amount              |
| withdraw      | compound-v3     | src (debited)                | to (gets base)      | Comet market     | amount              |
| absorb        | compound-v3     | borrower (absorbed)          | absorber            | Comet market     | basePaidOut         |
| swap          | uniswap-v2      | to (recipient)               | sender              | pair (emitter)   | amount0In-amount0Out|
| swap          | uniswap-v3      | recipient                    | sender              | pool (emitter)   | amount0 (pool delta)|

`wallets` is subject and counterparty without the zero address and without repeats: the wallets the store
indexes the event under. The remaining decoded fields stay in `details` (Comet's base asset is not in its
events, so a Comet market's asset is the market contract itself).

Trust: ERC-20 Transfer is read from any emitter. Every other event is read only from a contract the config
maps to a protocol of that event's family, since anyone can deploy a contract that emits a look-alike Borrow
or Repay; such a log, an unknown topic0, an ERC-721 Transfer (4 topics) and a `removed` log give None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from eth_abi import decode as abi_decode
from eth_utils import keccak

from chains.core.errors import MalformedLog

ZERO_ADDRESS = "0x" + "00" * 20

DetailValue = int | str | bool


class Param(NamedTuple):
    name: str
    type: str
    indexed: bool


@dataclass(frozen=True)
class EventABI:
    """One event as its protocol's Solidity source declares it."""

    family: str
    name: str
    kind: str
    inputs: tuple[Param, ...]
    source: str
    signature: str = field(init=False)
    topic0: str = field(init=False)

    def __post_init__(self) -> None:
        signature = f"{self.name}({','.join(p.type for p in self.inputs)})"
        object.__setattr__(self, "signature", signature)
        object.__setattr__(self, "topic0", "0x" + keccak(text=signature).hex())

    @property
    def indexed(self) -> tuple[Param, ...]:
        return tuple(p for p in self.inputs if p.indexed)

    @property
    def unindexed(self) -> tuple[Param, ...]:
        return tuple(p for p in self.inputs if not p.indexed)

    def abi(self) -> dict[str, Any]:
        """The JSON ABI entry (the form web3/eth_abi tooling takes)."""
        return {
            "type": "event", "name": self.name, "anonymous": False,
            "inputs": [{"name": p.name, "type": p.type, "indexed": p.indexed} for p in self.inputs],
        }


def _p(name: str, type_: str, indexed: bool = False) -> Param:
    return Param(name, type_, indexed)


OZ_IERC20 = "OpenZeppelin/openzeppelin-contracts contracts/token/ERC20/IERC20.sol"
AAVE_IPOOL = "aave/aave-v3-core contracts/interfaces/IPool.sol"
COMET = "compound-finance/comet contracts/CometMainInterface.sol"
UNI_V2 = "Uniswap/v2-core contracts/interfaces/IUniswapV2Pair.sol"
UNI_V3 = "Uniswap/v3-core contracts/interfaces/pool/IUniswapV3PoolEvents.sol"

# event Transfer(address indexed from, address indexed to, uint256 value);
ERC20_TRANSFER = EventABI("erc20", "Transfer", "transfer", (
    _p("from", "address", True), _p("to", "address", True), _p("value", "uint256")), OZ_IERC20)

# event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount,
#              uint16 indexed referralCode);
AAVE_SUPPLY = EventABI("aave-v3", "Supply", "supply", (
    _p("reserve", "address", True), _p("user", "address"), _p("onBehalfOf", "address", True),
    _p("amount", "uint256"), _p("referralCode", "uint16", True)), AAVE_IPOOL)

# event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
AAVE_WITHDRAW = EventABI("aave-v3", "Withdraw", "withdraw", (
    _p("reserve", "address", True), _p("user", "address", True), _p("to", "address", True),
    _p("amount", "uint256")), AAVE_IPOOL)

# event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount,
#              DataTypes.InterestRateMode interestRateMode, uint256 borrowRate, uint16 indexed referralCode);
AAVE_BORROW = EventABI("aave-v3", "Borrow", "borrow", (
    _p("reserve", "address", True), _p("user", "address"), _p("onBehalfOf", "address", True),
    _p("amount", "uint256"), _p("interestRateMode", "uint8"), _p("borrowRate", "uint256"),
    _p("referralCode", "uint16", True)), AAVE_IPOOL)

# event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount,
#             bool useATokens);
AAVE_REPAY = EventABI("aave-v3", "Repay", "repay", (
    _p("reserve", "address", True), _p("user", "address", True), _p("repayer", "address", True),
    _p("amount", "uint256"), _p("useATokens", "bool")), AAVE_IPOOL)

# event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user,
#                       uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator,
#                       bool receiveAToken);
AAVE_LIQUIDATION_CALL = EventABI("aave-v3", "LiquidationCall", "liquidation", (
    _p("collateralAsset", "address", True), _p("debtAsset", "address", True), _p("user", "address", True),
    _p("debtToCover", "uint256"), _p("liquidatedCollateralAmount", "uint256"), _p("liquidator", "address"),
    _p("receiveAToken", "bool")), AAVE_IPOOL)

# event Supply(address indexed from, address indexed dst, uint amount);
COMET_SUPPLY = EventABI("compound-v3", "Supply", "supply", (
    _p("from", "address", True), _p("dst", "address", True), _p("amount", "uint256")), COMET)

# event Withdraw(address indexed src, address indexed to, uint amount);
COMET_WITHDRAW = EventABI("compound-v3", "Withdraw", "withdraw", (
    _p("src", "address", True), _p("to", "address", True), _p("amount", "uint256")), COMET)

# event AbsorbDebt(address indexed absorber, address indexed borrower, uint basePaidOut, uint usdValue);
COMET_ABSORB_DEBT = EventABI("compound-v3", "AbsorbDebt", "absorb", (
    _p("absorber", "address", True), _p("borrower", "address", True), _p("basePaidOut", "uint256"),
    _p("usdValue", "uint256")), COMET)

# event Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out,
#            address indexed to);
UNISWAP_V2_SWAP = EventABI("uniswap-v2", "Swap", "swap", (
    _p("sender", "address", True), _p("amount0In", "uint256"), _p("amount1In", "uint256"),
    _p("amount0Out", "uint256"), _p("amount1Out", "uint256"), _p("to", "address", True)), UNI_V2)

# event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1,
#            uint160 sqrtPriceX96, uint128 liquidity, int24 tick);
UNISWAP_V3_SWAP = EventABI("uniswap-v3", "Swap", "swap", (
    _p("sender", "address", True), _p("recipient", "address", True), _p("amount0", "int256"),
    _p("amount1", "int256"), _p("sqrtPriceX96", "uint160"), _p("liquidity", "uint128"),
    _p("tick", "int24")), UNI_V3)

EVENT_ABIS: tuple[EventABI, ...] = (
    ERC20_TRANSFER, AAVE_SUPPLY, AAVE_WITHDRAW, AAVE_BORROW, AAVE_REPAY, AAVE_LIQUIDATION_CALL,
    COMET_SUPPLY, COMET_WITHDRAW, COMET_ABSORB_DEBT, UNISWAP_V2_SWAP, UNISWAP_V3_SWAP,
)
BY_TOPIC0: dict[str, EventABI] = {abi.topic0: abi for abi in EVENT_ABIS}
if len(BY_TOPIC0) != len(EVENT_ABIS):  # pragma: no cover - a guard on the table above
    raise RuntimeError("two event ABIs share a topic0")

FAMILIES = frozenset(abi.family for abi in EVENT_ABIS)
KINDS = frozenset(abi.kind for abi in EVENT_ABIS)


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded log, normalised. Addresses and hashes are lower-case 0x-hex; amounts are exact ints."""

    kind: str
    protocol: str
    contract: str
    subject: str
    counterparty: str
    wallets: tuple[str, ...]
    asset: str
    amount: int
    block: int
    timestamp: int
    tx_hash: str
    log_index: int
    details: tuple[tuple[str, DetailValue], ...] = ()

    def detail(self, name: str) -> DetailValue:
        for key, value in self.details:
            if key == name:
                return value
        raise KeyError(name)


_Fields = tuple[str, str, str, int, tuple[tuple[str, DetailValue], ...]]  # subject, counterparty, asset, amount, details


def _transfer(v: dict[str, Any], contract: str) -> _Fields:
    return v["from"], v["to"], contract, v["value"], ()


def _aave_supply(v: dict[str, Any], contract: str) -> _Fields:
    return v["onBehalfOf"], v["user"], v["reserve"], v["amount"], (("referral_code", v["referralCode"]),)


def _aave_withdraw(v: dict[str, Any], contract: str) -> _Fields:
    return v["user"], v["to"], v["reserve"], v["amount"], ()


def _aave_borrow(v: dict[str, Any], contract: str) -> _Fields:
    return v["onBehalfOf"], v["user"], v["reserve"], v["amount"], (
        ("interest_rate_mode", v["interestRateMode"]), ("borrow_rate", v["borrowRate"]),
        ("referral_code", v["referralCode"]))


def _aave_repay(v: dict[str, Any], contract: str) -> _Fields:
    return v["user"], v["repayer"], v["reserve"], v["amount"], (("use_a_tokens", v["useATokens"]),)


def _aave_liquidation(v: dict[str, Any], contract: str) -> _Fields:
    return v["user"], v["liquidator"], v["debtAsset"], v["debtToCover"], (
        ("collateral_asset", v["collateralAsset"]),
        ("liquidated_collateral_amount", v["liquidatedCollateralAmount"]),
        ("receive_a_token", v["receiveAToken"]))


def _comet_supply(v: dict[str, Any], contract: str) -> _Fields:
    return v["dst"], v["from"], contract, v["amount"], ()


def _comet_withdraw(v: dict[str, Any], contract: str) -> _Fields:
    return v["src"], v["to"], contract, v["amount"], ()


def _comet_absorb(v: dict[str, Any], contract: str) -> _Fields:
    return v["borrower"], v["absorber"], contract, v["basePaidOut"], (("usd_value", v["usdValue"]),)


def _uni_v2_swap(v: dict[str, Any], contract: str) -> _Fields:
    return v["to"], v["sender"], contract, v["amount0In"] - v["amount0Out"], (
        ("amount0_in", v["amount0In"]), ("amount1_in", v["amount1In"]),
        ("amount0_out", v["amount0Out"]), ("amount1_out", v["amount1Out"]))


def _uni_v3_swap(v: dict[str, Any], contract: str) -> _Fields:
    return v["recipient"], v["sender"], contract, v["amount0"], (
        ("amount0", v["amount0"]), ("amount1", v["amount1"]), ("sqrt_price_x96", v["sqrtPriceX96"]),
        ("liquidity", v["liquidity"]), ("tick", v["tick"]))


NORMALISERS: dict[str, Callable[[dict[str, Any], str], _Fields]] = {
    ERC20_TRANSFER.topic0: _transfer,
    AAVE_SUPPLY.topic0: _aave_supply,
    AAVE_WITHDRAW.topic0: _aave_withdraw,
    AAVE_BORROW.topic0: _aave_borrow,
    AAVE_REPAY.topic0: _aave_repay,
    AAVE_LIQUIDATION_CALL.topic0: _aave_liquidation,
    COMET_SUPPLY.topic0: _comet_supply,
    COMET_WITHDRAW.topic0: _comet_withdraw,
    COMET_ABSORB_DEBT.topic0: _comet_absorb,
    UNISWAP_V2_SWAP.topic0: _uni_v2_swap,
    UNISWAP_V3_SWAP.topic0: _uni_v3_swap,
}


def _to_bytes(value: Any, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{what} is not hex: {value!r}") from None
    raise ValueError(f"{what} has type {type(value).__name__}, expected hex str or bytes")


def _to_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} is a bool")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str):
        try:
            result = int(value, 16) if value[:2] in ("0x", "0X") else int(value)
        except ValueError:
            raise ValueError(f"{what} is not a number: {value!r}") from None
    else:
        raise ValueError(f"{what} has type {type(value).__name__}, expected int or str")
    if result < 0:
        raise ValueError(f"{what} is negative")
    return result


def _address(value: Any, what: str) -> str:
    raw = _to_bytes(value, what)
    if len(raw) != 20:
        raise ValueError(f"{what} is {len(raw)} bytes, expected 20")
    return "0x" + raw.hex()


def normalise_address(value: str) -> str:
    """Lower-case 0x-hex of a 20-byte address; ValueError otherwise."""
    return _address(value, "address")


class EventDecoder:
    """Turns raw logs into `Event`s for one chain's configured contracts.

    Args:
        contracts: contract address -> protocol name, e.g. {"0x87870Bca...": "aave-v3"}. Addresses in any case.
        families: protocol name -> ABI family ("aave-v3", "compound-v3", "uniswap-v2", "uniswap-v3") for
            names that are not a family themselves (a fork such as {"spark": "aave-v3"}).

    Raises:
        ValueError: a bad address, or a protocol whose family is unknown.
    """

    def __init__(self, contracts: Mapping[str, str], families: Mapping[str, str] | None = None) -> None:
        families = dict(families or {})
        self._family: dict[str, str] = {}
        self._protocol: dict[str, str] = {}
        for address, protocol in contracts.items():
            family = families.get(protocol, protocol)
            if family not in FAMILIES - {"erc20"}:
                raise ValueError(f"protocol {protocol!r} of {address} has no known event family; "
                                 f"give it one of {sorted(FAMILIES - {'erc20'})} in `families`")
            key = normalise_address(address)
            self._protocol[key] = protocol
            self._family[key] = family

    def protocol_of(self, address: str) -> str | None:
        return self._protocol.get(normalise_address(address))

    def decode(self, log: Mapping[str, Any], timestamp: int) -> Event | None:
        """One raw log (keys address, topics, data, blockNumber, transactionHash, logIndex; JSON-RPC hex or
        web3 types) and its block's timestamp -> an `Event`, or None for a log this decoder does not read.

        Raises:
            MalformedLog: the log has a known topic0 but does not fit the ABI, or lacks a field.
        """
        if log.get("removed"):
            return None
        tx_hash: str = "?"
        log_index: int | str = "?"
        try:
            tx_raw = _to_bytes(log["transactionHash"], "transactionHash")
            tx_hash = "0x" + tx_raw.hex()
            if len(tx_raw) != 32:
                raise ValueError(f"transactionHash is {len(tx_raw)} bytes, expected 32")
            log_index = _to_int(log["logIndex"], "logIndex")
            topics = [_to_bytes(t, "topic") for t in log["topics"]]
            if not topics:
                return None
            if any(len(t) != 32 for t in topics):
                raise ValueError("a topic is not 32 bytes")
            abi = BY_TOPIC0.get("0x" + topics[0].hex())
            if abi is None:
                return None
            contract = _address(log["address"], "address")
            if abi.family == "erc20":
                if len(topics) == 4:  # ERC-721 Transfer: same topic0, tokenId indexed
                    return None
                protocol = "erc20"
            else:
                if self._family.get(contract) != abi.family:
                    return None
                protocol = self._protocol[contract]
            values = _decode_values(abi, topics, _to_bytes(log["data"], "data"))
            block = _to_int(log["blockNumber"], "blockNumber")
            if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
                raise ValueError(f"block timestamp {timestamp!r} is not a non-negative int")
        except KeyError as exc:
            raise MalformedLog(f"missing field {exc.args[0]!r}", tx_hash, log_index) from None
        except ValueError as exc:
            raise MalformedLog(str(exc), tx_hash, log_index) from None
        subject, counterparty, asset, amount, details = NORMALISERS[abi.topic0](values, contract)
        wallets = tuple(dict.fromkeys(w for w in (subject, counterparty) if w != ZERO_ADDRESS))
        return Event(kind=abi.kind, protocol=protocol, contract=contract, subject=subject,
                     counterparty=counterparty, wallets=wallets, asset=asset, amount=amount, block=block,
                     timestamp=timestamp, tx_hash=tx_hash, log_index=log_index, details=details)

    def decode_many(self, logs: Iterable[tuple[Mapping[str, Any], int]]) -> list[Event]:
        """(log, block timestamp) pairs -> the events among them, in the order given."""
        events = []
        for log, timestamp in logs:
            event = self.decode(log, timestamp)
            if event is not None:
                events.append(event)
        return events


def _decode_values(abi: EventABI, topics: list[bytes], data: bytes) -> dict[str, Any]:
    indexed, unindexed = abi.indexed, abi.unindexed
    if len(topics) != 1 + len(indexed):
        raise ValueError(f"{abi.family} {abi.name} takes {1 + len(indexed)} topics, the log has {len(topics)}")
    if len(data) != 32 * len(unindexed):
        raise ValueError(f"{abi.family} {abi.name} takes {32 * len(unindexed)} data bytes, "
                         f"the log has {len(data)}")
    values: dict[str, Any] = {}
    try:
        for param, topic in zip(indexed, topics[1:]):
            (values[param.name],) = abi_decode([param.type], topic)
        decoded = abi_decode([p.type for p in unindexed], data)
    except Exception as exc:  # noqa: BLE001 - eth_abi raises its own DecodingError family for bad padding or ranges
        raise ValueError(f"{abi.family} {abi.name}: {exc}") from None
    for param, value in zip(unindexed, decoded):
        values[param.name] = value
    for param in abi.inputs:
        if param.type == "address":
            values[param.name] = values[param.name].lower()
    return values
