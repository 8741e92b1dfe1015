// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IDevToken} from "./DevToken.sol";

/// @title DevPoolV3
/// @notice A fixed-price pool of two tokens with Uniswap V3's `swap` signature and `Swap` event, for the local
///         devnet. The price never moves: it is set at deployment as `sqrtPriceX96` (sqrt(token1 per token0 in
///         raw units) * 2^96) with its `tick`, and every exact-input swap pays a 0.05% fee on its input.
///
///         Differences from a V3 pool, kept deliberately small: the input is pulled from the caller with
///         `transferFrom` instead of through the swap callback (so `data` is unused), exact-output swaps
///         (negative `amountSpecified`) are not offered, and the `liquidity` reported is sqrt(balance0 *
///         balance1) after the swap. Liquidity is the owner's, added with `addLiquidity`. Its only event is
///         `Swap`, whose amounts are the pool's deltas as in V3: positive in, negative out.
contract DevPoolV3 {
    uint256 private constant FEE_PIPS = 500; // 0.05%
    uint256 private constant PIPS = 1_000_000;
    int24 private constant MAX_TICK = 887_272;

    address public immutable owner;
    address public immutable token0;
    address public immutable token1;
    uint160 public immutable sqrtPriceX96;
    int24 public immutable tick;
    uint256 private immutable _priceX128; // token1 per token0, raw units, * 2^128
    bool private _locked;

    event Swap(
        address indexed sender,
        address indexed recipient,
        int256 amount0,
        int256 amount1,
        uint160 sqrtPriceX96,
        uint128 liquidity,
        int24 tick
    );

    error NotOwner();
    error Locked();
    error TokensNotOrdered();
    error ZeroAddress();
    error InvalidPrice();
    error InvalidTick(int24 tick);
    error ZeroAmount();
    error ExactOutputUnsupported();
    error PriceLimitReached(uint160 sqrtPriceLimitX96);
    error InsufficientLiquidity(uint256 available, uint256 needed);
    error TransferFailed(address token);

    /// @param token0_ The token with the lower address.
    /// @param token1_ The token with the higher address.
    /// @param sqrtPriceX96_ sqrt(token1 raw units per token0 raw unit) * 2^96, below 2^128.
    /// @param tick_ The tick of that price: floor(log_1.0001(price)).
    constructor(address token0_, address token1_, uint160 sqrtPriceX96_, int24 tick_) {
        if (token0_ == address(0) || token1_ == address(0)) revert ZeroAddress();
        if (token0_ >= token1_) revert TokensNotOrdered();
        if (sqrtPriceX96_ == 0 || sqrtPriceX96_ >= type(uint128).max) revert InvalidPrice();
        if (tick_ < -MAX_TICK || tick_ > MAX_TICK) revert InvalidTick(tick_);
        owner = msg.sender;
        token0 = token0_;
        token1 = token1_;
        sqrtPriceX96 = sqrtPriceX96_;
        tick = tick_;
        _priceX128 = uint256(sqrtPriceX96_) * sqrtPriceX96_ >> 64;
        if (_priceX128 == 0) revert InvalidPrice();
    }

    modifier lock() {
        if (_locked) revert Locked();
        _locked = true;
        _;
        _locked = false;
    }

    /// @notice Add the owner's tokens to the pool (amounts in token0 / token1 order).
    function addLiquidity(uint256 amount0, uint256 amount1) external lock {
        if (msg.sender != owner) revert NotOwner();
        _pull(token0, msg.sender, amount0);
        _pull(token1, msg.sender, amount1);
    }

    /// @notice What an exact-input swap of `amountIn` pays out.
    function quote(bool zeroForOne, uint256 amountIn) public view returns (uint256) {
        uint256 afterFee = amountIn * (PIPS - FEE_PIPS) / PIPS;
        return zeroForOne ? afterFee * _priceX128 >> 128 : afterFee * (1 << 128) / _priceX128;
    }

    /// @notice Uniswap V3's swap, exact input only: pulls `amountSpecified` of the input token from the
    ///         caller and sends the output to `recipient`. `sqrtPriceLimitX96` 0 means no limit; otherwise it
    ///         must lie on the far side of the fixed price, as V3 requires.
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata /* data */
    ) external lock returns (int256 amount0, int256 amount1) {
        if (recipient == address(0)) revert ZeroAddress();
        if (amountSpecified == 0) revert ZeroAmount();
        if (amountSpecified < 0) revert ExactOutputUnsupported();
        if (
            sqrtPriceLimitX96 != 0
                && (zeroForOne ? sqrtPriceLimitX96 >= sqrtPriceX96 : sqrtPriceLimitX96 <= sqrtPriceX96)
        ) revert PriceLimitReached(sqrtPriceLimitX96);
        uint256 amountIn = uint256(amountSpecified);
        uint256 amountOut = quote(zeroForOne, amountIn);
        if (amountOut == 0) revert ZeroAmount();
        (address tokenIn, address tokenOut) = zeroForOne ? (token0, token1) : (token1, token0);
        uint256 available = IDevToken(tokenOut).balanceOf(address(this));
        if (amountOut > available) revert InsufficientLiquidity(available, amountOut);
        _pull(tokenIn, msg.sender, amountIn);
        _push(tokenOut, recipient, amountOut);
        (amount0, amount1) = zeroForOne
            ? (int256(amountIn), -int256(amountOut))
            : (-int256(amountOut), int256(amountIn));
        emit Swap(msg.sender, recipient, amount0, amount1, sqrtPriceX96, liquidity(), tick);
    }

    /// @notice sqrt(balance0 * balance1), capped to uint128.
    function liquidity() public view returns (uint128) {
        uint256 root = _sqrt(IDevToken(token0).balanceOf(address(this)) * IDevToken(token1).balanceOf(address(this)));
        return root > type(uint128).max ? type(uint128).max : uint128(root);
    }

    function _sqrt(uint256 x) private pure returns (uint256 y) {
        if (x == 0) return 0;
        // Newton's method from an over-estimate: 2^ceil(bits/2) >= sqrt(x)
        uint256 bits;
        for (uint256 t = x; t > 0; t >>= 1) ++bits;
        y = 1 << ((bits + 1) / 2);
        while (true) {
            uint256 next = (y + x / y) >> 1;
            if (next >= y) return y;
            y = next;
        }
    }

    function _pull(address token, address from, uint256 amount) private {
        if (!IDevToken(token).transferFrom(from, address(this), amount)) revert TransferFailed(token);
    }

    function _push(address token, address to, uint256 amount) private {
        if (!IDevToken(token).transfer(to, amount)) revert TransferFailed(token);
    }
}
