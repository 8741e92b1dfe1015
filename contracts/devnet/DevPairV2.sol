// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IDevToken} from "./DevToken.sol";

/// @title DevPairV2
/// @notice A constant-product pair of two tokens with Uniswap V2's `swap` and `Swap` event, for the local
///         devnet. Tokens are ordered by address as in Uniswap (token0 < token1) and every swap pays a 0.3%
///         fee that stays in the pool.
///
///         `swap(amount0Out, amount1Out, to, data)` is V2's core call: the caller sends the input tokens to
///         the pair first and the pair checks the fee-adjusted invariant against its balances. `swapExactIn`
///         does the router's part in one call (pull the input, price the output, swap), so a wallet swaps in
///         one transaction; the pair then reports the wallet as `sender`, where on mainnet it would be the
///         router. Liquidity is the owner's, added with `addLiquidity` and not tokenised; flash swaps
///         (non-empty `data`) are not offered. Its only event is `Swap`.
contract DevPairV2 {
    uint256 private constant FEE_PER_MILLE = 3;

    address public immutable owner;
    address public immutable token0;
    address public immutable token1;
    uint112 private _reserve0;
    uint112 private _reserve1;
    uint32 private _blockTimestampLast;
    bool private _locked;

    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );

    error NotOwner();
    error Locked();
    error IdenticalTokens();
    error ZeroAddress();
    error NotPairToken(address token);
    error InsufficientOutputAmount();
    error InsufficientInputAmount();
    error InsufficientLiquidity();
    error InvalidTo(address to);
    error FlashSwapsUnsupported();
    error InvariantViolated();
    error Overflow();
    error SlippageExceeded(uint256 amountOut, uint256 minAmountOut);
    error TransferFailed(address token);

    constructor(address tokenA, address tokenB) {
        if (tokenA == tokenB) revert IdenticalTokens();
        if (tokenA == address(0) || tokenB == address(0)) revert ZeroAddress();
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        owner = msg.sender;
    }

    modifier lock() {
        if (_locked) revert Locked();
        _locked = true;
        _;
        _locked = false;
    }

    function getReserves() public view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast) {
        return (_reserve0, _reserve1, _blockTimestampLast);
    }

    /// @notice The output for `amountIn` against reserves (reserveIn, reserveOut), after the 0.3% fee.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        if (amountIn == 0) revert InsufficientInputAmount();
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 inWithFee = amountIn * (1000 - FEE_PER_MILLE);
        return inWithFee * reserveOut / (reserveIn * 1000 + inWithFee);
    }

    /// @notice Add the owner's tokens to the pool's reserves (amounts in token0 / token1 order).
    function addLiquidity(uint256 amount0, uint256 amount1) external lock {
        if (msg.sender != owner) revert NotOwner();
        _pull(token0, msg.sender, amount0);
        _pull(token1, msg.sender, amount1);
        _sync();
    }

    /// @notice Uniswap V2's swap: send `amount0Out`/`amount1Out` to `to`; the input must already be in the pair.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external lock {
        if (data.length != 0) revert FlashSwapsUnsupported();
        _swap(amount0Out, amount1Out, to);
    }

    /// @notice Pull `amountIn` of `tokenIn` from the caller and send the priced output to `to`.
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minAmountOut, address to)
        external
        lock
        returns (uint256 amountOut)
    {
        bool zeroIn = tokenIn == token0;
        if (!zeroIn && tokenIn != token1) revert NotPairToken(tokenIn);
        (uint256 reserveIn, uint256 reserveOut) = zeroIn ? (_reserve0, _reserve1) : (_reserve1, _reserve0);
        amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
        if (amountOut < minAmountOut) revert SlippageExceeded(amountOut, minAmountOut);
        _pull(tokenIn, msg.sender, amountIn);
        (uint256 amount0Out, uint256 amount1Out) = zeroIn ? (uint256(0), amountOut) : (amountOut, uint256(0));
        _swap(amount0Out, amount1Out, to);
    }

    function _swap(uint256 amount0Out, uint256 amount1Out, address to) private {
        if (amount0Out == 0 && amount1Out == 0) revert InsufficientOutputAmount();
        (uint112 r0, uint112 r1) = (_reserve0, _reserve1);
        if (amount0Out >= r0 || amount1Out >= r1) revert InsufficientLiquidity();
        if (to == token0 || to == token1 || to == address(0)) revert InvalidTo(to);
        if (amount0Out > 0) _push(token0, to, amount0Out);
        if (amount1Out > 0) _push(token1, to, amount1Out);
        uint256 balance0 = IDevToken(token0).balanceOf(address(this));
        uint256 balance1 = IDevToken(token1).balanceOf(address(this));
        uint256 amount0In = balance0 > r0 - amount0Out ? balance0 - (r0 - amount0Out) : 0;
        uint256 amount1In = balance1 > r1 - amount1Out ? balance1 - (r1 - amount1Out) : 0;
        if (amount0In == 0 && amount1In == 0) revert InsufficientInputAmount();
        // the fee-adjusted invariant: (b0 * 1000 - in0 * 3) * (b1 * 1000 - in1 * 3) >= r0 * r1 * 1000^2
        uint256 adjusted0 = balance0 * 1000 - amount0In * FEE_PER_MILLE;
        uint256 adjusted1 = balance1 * 1000 - amount1In * FEE_PER_MILLE;
        if (adjusted0 * adjusted1 < uint256(r0) * r1 * 1_000_000) revert InvariantViolated();
        _sync();
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    function _sync() private {
        uint256 balance0 = IDevToken(token0).balanceOf(address(this));
        uint256 balance1 = IDevToken(token1).balanceOf(address(this));
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert Overflow();
        _reserve0 = uint112(balance0);
        _reserve1 = uint112(balance1);
        _blockTimestampLast = uint32(block.timestamp);
    }

    function _pull(address token, address from, uint256 amount) private {
        if (!IDevToken(token).transferFrom(from, address(this), amount)) revert TransferFailed(token);
    }

    function _push(address token, address to, uint256 amount) private {
        if (!IDevToken(token).transfer(to, amount)) revert TransferFailed(token);
    }
}
