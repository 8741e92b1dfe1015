"""Decoding: real mainnet logs where a public source recorded them, eth_abi-built ones where none was found."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hexbytes import HexBytes

from chains.core.errors import AuraError, MalformedLog
from chains.evm.indexer.events import (
    AAVE_LIQUIDATION_CALL,
    COMET_ABSORB_DEBT,
    EVENT_ABIS,
    Event,
    EventDecoder,
)
from tests.unit.features import real_logs as real
from tests.unit.features.builders import address, make_log

DECODER = EventDecoder(real.MAINNET_CONTRACTS)
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
ROUTER_V2 = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
ROUTER_V3 = "0xe592427a0aece92de3edee1f18e0157c05861564"


def test_topic0_is_keccak_of_the_signature_and_matches_the_published_hashes() -> None:
    published = {  # as they appear in indexers and explorers for these contracts
        "erc20 Transfer": "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        "aave-v3 Supply": "0x2b627736bca15cd5381dcf80b0bf11fd197d01a037c52b927a881a10fb73ba61",
        "aave-v3 Withdraw": "0x3115d1449a7b732c986cba18244e897a450f61e1bb8d589cd2e69e6c8924f9f7",
        "aave-v3 Borrow": "0xb3d084820fb1a9decffb176436bd02558d15fac9b0ddfed8c465bc7359d7dce0",
        "aave-v3 Repay": "0xa534c8dbe71f871f9f3530e97a74601fea17b426cae02e1c5aee42c96c784051",
        "aave-v3 LiquidationCall": "0xe413a321e8681d831f4dbccbca790d2952b56f977908e45be37335533e005286",
        "compound-v3 Supply": "0xd1cf3d156d5f8f0d50f6c122ed609cec09d35c9b9fb3fff6ea0959134dae424e",
        "compound-v3 Withdraw": "0x9b1bfa7fa9ee420a16e124f794c35ac9f90472acc99140eb2f6447c714cad8eb",
        "compound-v3 AbsorbDebt": "0x1547a878dc89ad3c367b6338b4be6a65a5dd74fb77ae044da1e8747ef1f4f62f",
        "uniswap-v2 Swap": "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",
        "uniswap-v3 Swap": "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67",
    }
    assert {f"{abi.family} {abi.name}": abi.topic0 for abi in EVENT_ABIS} == published
    assert AAVE_LIQUIDATION_CALL.signature == "LiquidationCall(address,address,address,uint256,uint256,address,bool)"


def test_real_erc20_transfers_from_a_uniswap_v2_route() -> None:
    """rotki's copy of mainnet tx 0x67cf6c4c...974e1: WETH into the USDC/WETH pair, USDC on, FRAX out."""
    weth = DECODER.decode(real.ROTKI_V2[508], real.ROTKI_TIME)
    assert weth == Event(
        kind="transfer", protocol="erc20", contract=WETH, subject=ROUTER_V2,
        counterparty=real.UNI_V2_USDC_WETH, wallets=(ROUTER_V2, real.UNI_V2_USDC_WETH), asset=WETH,
        amount=150_000_000_000_000_000, block=real.ROTKI_BLOCK, timestamp=real.ROTKI_TIME, tx_hash=real.V2_TX,
        log_index=508)
    usdc = DECODER.decode(real.ROTKI_V2[509], real.ROTKI_TIME)
    assert usdc is not None and (usdc.asset, usdc.amount) == (USDC, 468_292_899)
    frax = DECODER.decode(real.ROTKI_V2[517], real.ROTKI_TIME)
    assert frax is not None
    assert (frax.subject, frax.counterparty, frax.amount) == (
        real.UNI_V2_FRAX_FXS, "0x3cadf2ca458376a6a5fea2ef3612346037d5a787", 462_967_761_432_322_996_701)


def test_real_uniswap_v2_swaps() -> None:
    """The same tx: three hops. The last pays FRAX to the wallet that sent the 0.15 ETH."""
    first = DECODER.decode(real.ROTKI_V2[511], real.ROTKI_TIME)
    assert first == Event(
        kind="swap", protocol="uniswap-v2", contract=real.UNI_V2_USDC_WETH, subject=real.UNI_V2_FXS_USDC,
        counterparty=ROUTER_V2, wallets=(real.UNI_V2_FXS_USDC, ROUTER_V2), asset=real.UNI_V2_USDC_WETH,
        amount=-468_292_899, block=real.ROTKI_BLOCK, timestamp=real.ROTKI_TIME, tx_hash=real.V2_TX,
        log_index=511, details=(("amount0_in", 0), ("amount1_in", 150_000_000_000_000_000),
                                ("amount0_out", 468_292_899), ("amount1_out", 0)))
    middle = DECODER.decode(real.ROTKI_V2[516], real.ROTKI_TIME)
    assert middle is not None and middle.detail("amount0_out") == 141_409_301_881_585_246_527
    last = DECODER.decode(real.ROTKI_V2[519], real.ROTKI_TIME)
    assert last is not None
    assert last.subject == "0x3cadf2ca458376a6a5fea2ef3612346037d5a787"
    assert last.amount == 141_409_301_881_585_246_527
    assert last.detail("amount1_out") == 462_967_761_432_322_996_701


def test_real_uniswap_v3_swap_with_negative_amount_and_tick() -> None:
    """rotki's copy of mainnet tx 0x1c50c336...49d2: 1000 LDO out of the LDO/WETH pool for 0.633 WETH."""
    swap = DECODER.decode(real.ROTKI_V3[488], real.ROTKI_TIME)
    recipient = "0xb63e0c506ddba7b0dd106d1937d6d13be2c62ae2"
    assert swap == Event(
        kind="swap", protocol="uniswap-v3", contract=real.UNI_V3_LDO_WETH, subject=recipient,
        counterparty=ROUTER_V3, wallets=(recipient, ROUTER_V3), asset=real.UNI_V3_LDO_WETH,
        amount=-1_000_000_000_000_000_000_000, block=real.ROTKI_BLOCK, timestamp=real.ROTKI_TIME,
        tx_hash=real.V3_TX, log_index=488,
        details=(("amount0", -1_000_000_000_000_000_000_000), ("amount1", 632_989_659_350_357_136),
                 ("sqrt_price_x96", 0x066B7E70BE499B45DB3D11C0),
                 ("liquidity", 7_038_899_844_687_379_443_510), ("tick", -73_720)))
    price_e18 = (0x066B7E70BE499B45DB3D11C0**2 * 10**18) >> 192  # WETH per LDO, 1e18 fixed point
    assert 10**21 * price_e18 // 10**18 // 10**15 == 628  # 0.628 WETH for 1000 LDO after the swap; it paid 0.633
    ldo = DECODER.decode(real.ROTKI_V3[485], real.ROTKI_TIME)
    assert ldo is not None and (ldo.counterparty, ldo.amount) == (recipient, 10**21)


def test_real_dai_transfer_in_json_rpc_form() -> None:
    """QuickNode's example eth_getFilterLogs response: hex quantities, extra keys, removed=false."""
    event = DECODER.decode(real.QUICKNODE_DAI, 1_654_000_000)
    assert event is not None
    assert (event.block, event.log_index, event.amount) == (14_812_000, 240, 771_618_057_897_599_959_040)
    assert event.wallets == ("0xbe09e43a57f2980998cedd08517eae7d5ae683bb",
                             "0x56178a0d5f301baf6cf3e1cd53d9863437345bf9")


def test_real_aave_v3_supply_borrow_withdraw_repay() -> None:
    """Recorded Aave V3 Pool logs (topics and data from DeFiCodex-POC; tx hash and block are placeholders)."""
    supply = DECODER.decode(real.DEFICODEX["aave_supply"], 1)
    user = "0x2d759e9e4c1bb2a5d175faf2ed9f83712ac2b81c"
    assert supply is not None
    assert (supply.kind, supply.protocol, supply.subject, supply.counterparty, supply.wallets) == (
        "supply", "aave-v3", user, user, (user,))
    assert (supply.asset, supply.amount, supply.details) == (USDC, 2_890_542_905, (("referral_code", 0),))

    borrow = DECODER.decode(real.DEFICODEX["aave_borrow"], 2)
    borrower = "0x0ca7e7e5745bd457f5ed7265ff2cd1c8208575e1"
    assert borrow is not None
    assert (borrow.kind, borrow.subject, borrow.asset, borrow.amount) == ("borrow", borrower, USDC, 10_000_000_000)
    assert borrow.details == (("interest_rate_mode", 2), ("borrow_rate", 33_747_757_315_820_206_759_836_777),
                              ("referral_code", 0))

    withdraw = DECODER.decode(real.DEFICODEX["aave_withdraw"], 3)
    assert withdraw is not None
    assert (withdraw.kind, withdraw.subject, withdraw.amount) == (
        "withdraw", "0xe42db4cfc31eb8a46442728418c6826ee31b3298", 61_847_873_359)

    repay = DECODER.decode(real.DEFICODEX["aave_repay"], 4)
    assert repay is not None
    assert (repay.kind, repay.subject, repay.asset, repay.amount, repay.details) == (
        "repay", "0x6258fe88db0dbd0bd67d4c323a82e7d5c6a4d194", USDT, 3_095_320_000, (("use_a_tokens", False),))


def test_real_compound_v3_supply_and_withdraw() -> None:
    """Recorded cUSDCv3 logs (topics and data from DeFiCodex-POC; tx hash and block are placeholders)."""
    supply = DECODER.decode(real.DEFICODEX["comet_supply"], 5)
    assert supply is not None
    assert (supply.kind, supply.protocol, supply.asset, supply.amount) == (
        "supply", "compound-v3", real.COMET_USDC, 10_000_000)
    assert supply.wallets == ("0x04333a1788a47068b9102d2d35695c312a0b312f",)
    withdraw = DECODER.decode(real.DEFICODEX["comet_withdraw"], 6)
    assert withdraw is not None
    assert (withdraw.kind, withdraw.subject, withdraw.amount) == (
        "withdraw", "0xc34c261158fd908bb7a577f15d3a3d0ff8263513", 100_000_000)


def test_aave_liquidation_call_built_from_the_abi() -> None:
    """No recorded LiquidationCall log (topics + data) was found in a public source; this one is encoded with
    eth_abi from the IPool.sol ABI: WETH collateral, USDC debt."""
    user, liquidator = address(0xBAD), address(0x11D)
    raw = make_log(AAVE_LIQUIDATION_CALL, real.AAVE_V3_POOL, {
        "collateralAsset": WETH, "debtAsset": USDC, "user": user, "debtToCover": 7_500_000_000,
        "liquidatedCollateralAmount": 4 * 10**18, "liquidator": liquidator, "receiveAToken": True,
    }, tx="0x" + "ab" * 32, log_index=7, block=19_000_000)
    event = DECODER.decode(raw, 1_705_000_000)
    assert event == Event(
        kind="liquidation", protocol="aave-v3", contract=real.AAVE_V3_POOL, subject=user, counterparty=liquidator,
        wallets=(user, liquidator), asset=USDC, amount=7_500_000_000, block=19_000_000, timestamp=1_705_000_000,
        tx_hash="0x" + "ab" * 32, log_index=7,
        details=(("collateral_asset", WETH), ("liquidated_collateral_amount", 4 * 10**18),
                 ("receive_a_token", True)))


def test_comet_absorb_debt_built_from_the_abi() -> None:
    """No recorded AbsorbDebt log was found in a public source; encoded with eth_abi from CometMainInterface.sol."""
    borrower, absorber = address(0xBAD), address(0xAB5)
    raw = make_log(COMET_ABSORB_DEBT, real.COMET_USDC, {
        "absorber": absorber, "borrower": borrower, "basePaidOut": 3_100_000_000, "usdValue": 310_000_000_000,
    }, tx="0x" + "cd" * 32, log_index=3, block=19_000_001)
    event = DECODER.decode(raw, 1_705_000_012)
    assert event is not None
    assert (event.kind, event.protocol, event.subject, event.counterparty, event.asset, event.amount) == (
        "absorb", "compound-v3", borrower, absorber, real.COMET_USDC, 3_100_000_000)
    assert event.details == (("usd_value", 310_000_000_000),)


def test_web3_types_are_accepted() -> None:
    raw = dict(real.ROTKI_V2[511])
    raw["topics"] = [HexBytes(t) for t in raw["topics"]]
    raw["data"] = HexBytes(raw["data"])
    raw["transactionHash"] = HexBytes(raw["transactionHash"])
    assert DECODER.decode(raw, real.ROTKI_TIME) == DECODER.decode(real.ROTKI_V2[511], real.ROTKI_TIME)


def test_logs_the_decoder_does_not_read_give_none() -> None:
    unknown = dict(real.ROTKI_V2[508], topics=["0x" + "11" * 32] + real.ROTKI_V2[508]["topics"][1:])
    assert DECODER.decode(unknown, 1) is None
    assert DECODER.decode(dict(real.ROTKI_V2[508], topics=[]), 1) is None
    assert DECODER.decode(dict(real.QUICKNODE_DAI, removed=True), 1) is None
    erc721 = dict(real.ROTKI_V2[508], topics=real.ROTKI_V2[508]["topics"] + ["0x" + "00" * 31 + "07"], data="0x")
    assert DECODER.decode(erc721, 1) is None
    # the same Borrow from a contract nobody configured (anyone can emit a look-alike) is not read
    spoofed = dict(real.DEFICODEX["aave_borrow"], address=address(0x5900F))
    assert DECODER.decode(spoofed, 1) is None
    # nor a Borrow from a contract configured as another protocol family
    assert EventDecoder({real.AAVE_V3_POOL: "uniswap-v3"}).decode(real.DEFICODEX["aave_borrow"], 1) is None


def test_a_fork_reads_through_its_family() -> None:
    decoder = EventDecoder({real.AAVE_V3_POOL: "spark"}, families={"spark": "aave-v3"})
    event = decoder.decode(real.DEFICODEX["aave_borrow"], 1)
    assert event is not None and event.protocol == "spark"
    with pytest.raises(ValueError, match="no known event family"):
        EventDecoder({real.AAVE_V3_POOL: "spark"})


@pytest.mark.parametrize("mangle, reason", [
    (lambda raw: raw.update(topics=raw["topics"][:2]), "takes 3 topics, the log has 2"),
    (lambda raw: raw.update(data=raw["data"][:-2]), "takes 128 data bytes, the log has 127"),
    (lambda raw: raw.update(data=raw["data"] + "00" * 32), "takes 128 data bytes, the log has 160"),
    (lambda raw: raw.update(data="0xzz"), "data is not hex"),
    (lambda raw: raw["topics"].__setitem__(1, "0x" + "ff" * 32), "uniswap-v2 Swap"),
    (lambda raw: raw["topics"].__setitem__(2, "0x1234"), "a topic is not 32 bytes"),
    (lambda raw: raw.pop("blockNumber"), "missing field 'blockNumber'"),
    (lambda raw: raw.update(address="0x1234"), "address is 2 bytes, expected 20"),
])
def test_malformed_logs_raise_a_typed_error_naming_tx_and_log_index(
        mangle: Callable[[dict[str, Any]], object], reason: str) -> None:
    raw = copy.deepcopy(real.ROTKI_V2[511])
    mangle(raw)
    with pytest.raises(MalformedLog) as info:
        DECODER.decode(raw, real.ROTKI_TIME)
    error = info.value
    assert isinstance(error, AuraError) and isinstance(error, ValueError)
    assert (error.tx_hash, error.log_index) == (real.V2_TX, 511)
    assert real.V2_TX in str(error) and "log index 511" in str(error) and reason in str(error)


def test_bad_timestamp_and_bad_tx_hash_are_malformed() -> None:
    with pytest.raises(MalformedLog, match="block timestamp"):
        DECODER.decode(real.ROTKI_V2[511], -1)
    with pytest.raises(MalformedLog, match="transactionHash is 2 bytes"):
        DECODER.decode(dict(real.ROTKI_V2[511], transactionHash="0xabcd"), 1)
