"""Four wallet histories built from the real event layouts, as of AS_OF (2023-11-14 22:13:20 UTC)."""

from __future__ import annotations

from chains.evm.indexer.events import (
    AAVE_BORROW,
    AAVE_LIQUIDATION_CALL,
    AAVE_REPAY,
    AAVE_SUPPLY,
    COMET_ABSORB_DEBT,
    COMET_WITHDRAW,
    ERC20_TRANSFER,
    UNISWAP_V2_SWAP,
    ZERO_ADDRESS,
    EventDecoder,
)
from tests.unit.features.builders import History, address

AS_OF = 1_700_000_000
DAY, HOUR = 86_400, 3_600

POOL = "0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2"
COMET = "0xc3d688b66703497daa19211eedff47f25384cdc3"
V2_PAIR = "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc"  # USDC (token0) / WETH (token1)
ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
DAI = "0x6b175474e89094c44da98b954eedeac495271d0f"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"

PAIR_TOKA = address(0x7A1)  # TOKA (token0) / WETH (token1)
TOKA, TOKB, TOKC = address(0x70CA), address(0x70CB), address(0x70CC)
EXCHANGE, FRIEND = address(0xE0), address(0xF1)
ATOKEN_USDC, ATOKEN_DAI, ATOKEN_WETH = address(0xA0C), address(0xA0D), address(0xA0E)
LIQUIDATOR, ABSORBER = address(0x11D), address(0xAB5)
DROPPER_B, DROPPER_C, DUMP = address(0xD0B), address(0xD0C), address(0xD5)

CAREFUL, TRADER, FARMER, IDLE = address(0xCA4E), address(0x7AD3), address(0xFA4), address(0x1D1E)
IDLE_FIRST_SEEN = AS_OF - 1000 * DAY

CONTRACTS = {POOL: "aave-v3", COMET: "compound-v3", V2_PAIR: "uniswap-v2", PAIR_TOKA: "uniswap-v2"}
E18, E6 = 10**18, 10**6


def decoder() -> EventDecoder:
    return EventDecoder(CONTRACTS)


def _transfer(token: str, src: str, dst: str, value: int) -> tuple:
    return ERC20_TRANSFER, token, {"from": src, "to": dst, "value": value}


def _supply(reserve: str, wallet: str, amount: int) -> tuple:
    return AAVE_SUPPLY, POOL, {"reserve": reserve, "user": wallet, "onBehalfOf": wallet, "amount": amount,
                               "referralCode": 0}


def _borrow(reserve: str, wallet: str, amount: int) -> tuple:
    return AAVE_BORROW, POOL, {"reserve": reserve, "user": wallet, "onBehalfOf": wallet, "amount": amount,
                               "interestRateMode": 2, "borrowRate": 5 * 10**25, "referralCode": 0}


def _repay(reserve: str, wallet: str, amount: int) -> tuple:
    return AAVE_REPAY, POOL, {"reserve": reserve, "user": wallet, "repayer": wallet, "amount": amount,
                              "useATokens": False}


def careful_borrower() -> History:
    """Funds from an exchange, supplies USDC, borrows DAI twice and repays: the first loan in full with
    interest, the second half so far."""
    h, w, t = History(decoder(), 0xCA4E), CAREFUL, AS_OF
    h.tx(t - 400 * DAY, _transfer(USDC, EXCHANGE, w, 10_000 * E6))
    h.tx(t - 399 * DAY, _transfer(USDC, w, ATOKEN_USDC, 5_000 * E6), _supply(USDC, w, 5_000 * E6))
    h.tx(t - 300 * DAY, _borrow(DAI, w, 1_000 * E18), _transfer(DAI, ATOKEN_DAI, w, 1_000 * E18))
    h.tx(t - 240 * DAY, _transfer(DAI, w, ATOKEN_DAI, 1_010 * E18), _repay(DAI, w, 1_010 * E18))
    h.tx(t - 20 * DAY, _borrow(DAI, w, 2_000 * E18), _transfer(DAI, ATOKEN_DAI, w, 2_000 * E18))
    h.tx(t - 3 * DAY, _transfer(DAI, w, ATOKEN_DAI, 1_000 * E18), _repay(DAI, w, 1_000 * E18))
    h.tx(t - 12 * HOUR, _transfer(USDC, FRIEND, w, 250 * E6))
    return h


def leverage_trader() -> History:
    """Supplies WETH, borrows USDC, buys more WETH on Uniswap V2 and supplies it, borrows on Compound V3;
    liquidated on Aave, then absorbed on Compound."""
    h, w, t = History(decoder(), 0x7AD3), TRADER, AS_OF
    h.tx(t - 60 * DAY, _transfer(WETH, EXCHANGE, w, 10 * E18))
    h.tx(t - 59 * DAY, _transfer(WETH, w, ATOKEN_WETH, 10 * E18), _supply(WETH, w, 10 * E18))
    h.tx(t - 59 * DAY + HOUR, _borrow(USDC, w, 15_000 * E6), _transfer(USDC, ATOKEN_USDC, w, 15_000 * E6))
    h.tx(t - 58 * DAY,
         _transfer(USDC, w, V2_PAIR, 15_000 * E6),
         _transfer(WETH, V2_PAIR, w, 7 * E18),
         (UNISWAP_V2_SWAP, V2_PAIR, {"sender": ROUTER, "amount0In": 15_000 * E6, "amount1In": 0,
                                     "amount0Out": 0, "amount1Out": 7 * E18, "to": w}))
    h.tx(t - 57 * DAY, _transfer(WETH, w, ATOKEN_WETH, 7 * E18), _supply(WETH, w, 7 * E18))
    h.tx(t - 40 * DAY, (COMET_WITHDRAW, COMET, {"src": w, "to": w, "amount": 3_000 * E6}),
         _transfer(USDC, COMET, w, 3_000 * E6))
    h.tx(t - 10 * DAY, (AAVE_LIQUIDATION_CALL, POOL, {
        "collateralAsset": WETH, "debtAsset": USDC, "user": w, "debtToCover": 7_500 * E6,
        "liquidatedCollateralAmount": 4 * E18, "liquidator": LIQUIDATOR, "receiveAToken": False}))
    h.tx(t - 2 * DAY, (COMET_ABSORB_DEBT, COMET, {"absorber": ABSORBER, "borrower": w,
                                                 "basePaidOut": 3_100 * E6, "usdValue": 3_100 * 10**8}))
    return h


def airdrop_farmer() -> History:
    """Two days old: claims three tokens (one minted to it, one twice), swaps one for WETH, sends all out."""
    h, w, t = History(decoder(), 0xFA4), FARMER, AS_OF
    h.tx(t - 47 * HOUR, _transfer(TOKA, ZERO_ADDRESS, w, 1_000 * E18))
    h.tx(t - 46 * HOUR, _transfer(TOKB, DROPPER_B, w, 500 * E18))
    h.tx(t - 30 * HOUR, _transfer(TOKC, DROPPER_C, w, 250 * E18))
    h.tx(t - 29 * HOUR, _transfer(TOKC, DROPPER_C, w, 250 * E18))
    h.tx(t - 20 * HOUR,
         _transfer(TOKA, w, PAIR_TOKA, 1_000 * E18),
         _transfer(WETH, PAIR_TOKA, w, E18 // 2),
         (UNISWAP_V2_SWAP, PAIR_TOKA, {"sender": ROUTER, "amount0In": 1_000 * E18, "amount1In": 0,
                                       "amount0Out": 0, "amount1Out": E18 // 2, "to": w}))
    h.tx(t - 5 * HOUR, _transfer(WETH, w, DUMP, E18 // 2))
    h.tx(t - 4 * HOUR, _transfer(TOKB, w, DUMP, 500 * E18))
    h.tx(t - 3 * HOUR, _transfer(TOKC, w, DUMP, 500 * E18))
    return h


def idle_holder() -> History:
    """Known since 1000 days ago (first_seen); received USDC and WETH long ago and has done nothing since."""
    h, w, t = History(decoder(), 0x1D1E), IDLE, AS_OF
    h.tx(t - 900 * DAY, _transfer(USDC, EXCHANGE, w, 5_000 * E6))
    h.tx(t - 500 * DAY, _transfer(WETH, EXCHANGE, w, 2 * E18))
    return h
