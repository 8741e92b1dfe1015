// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IDevToken} from "./DevToken.sol";

/// @title DevComet
/// @notice A small Compound-V3-shaped market for one base token, for the local devnet. Accounts supply the
///         base token to earn or supply listed collateral assets; withdrawing more base than an account has
///         supplied borrows it, up to the collateral's borrow factor. An account whose debt exceeds its
///         collateral at the liquidation factor is underwater, and `absorb` (open to anyone, as in Comet)
///         takes all its collateral into the protocol and wipes its debt.
///
///         It emits Comet's own events for each path: `Supply`/`Withdraw` plus the ERC-20 `Transfer` mirror of
///         the positive base balance for base moves, `SupplyCollateral`/`WithdrawCollateral` for collateral,
///         and `AbsorbCollateral` then `AbsorbDebt` for an absorption. Simplifications against Comet: no
///         interest (balances are present values), no supply caps, no rewards, no `buyCollateral`, and prices
///         come from the owner acting as price keeper; lowering a collateral's price is how the devnet puts an
///         account underwater.
contract DevComet {
    struct AssetConfig {
        bool listed;
        uint8 decimals;
        uint16 borrowCollateralFactorBps; // share of collateral value that may be borrowed against
        uint16 liquidateCollateralFactorBps; // share of collateral value below which the account is underwater
        uint16 liquidationFactorBps; // share of collateral value credited to the account on absorb
        uint128 priceE8; // USD per whole token, 8 decimals
    }

    uint256 private constant BPS = 10_000;

    address public immutable owner;
    address public immutable baseToken;
    uint8 public immutable decimals;
    uint128 public basePriceE8;

    address[] public assetList;
    mapping(address asset => AssetConfig) public assets;
    mapping(address account => int256) public baseBalanceOf; // > 0 supplied, < 0 borrowed
    mapping(address account => mapping(address asset => uint256)) public collateralBalanceOf;
    mapping(address asset => uint256) public collateralReserves; // collateral taken in by absorbs
    uint256 public totalSupplyBase;
    uint256 public totalBorrowBase;

    event Supply(address indexed from, address indexed dst, uint256 amount);
    event Transfer(address indexed from, address indexed to, uint256 amount);
    event Withdraw(address indexed src, address indexed to, uint256 amount);
    event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount);
    event WithdrawCollateral(address indexed src, address indexed to, address indexed asset, uint256 amount);
    event AbsorbDebt(address indexed absorber, address indexed borrower, uint256 basePaidOut, uint256 usdValue);
    event AbsorbCollateral(
        address indexed absorber, address indexed borrower, address indexed asset, uint256 collateralAbsorbed, uint256 usdValue
    );

    error NotOwner();
    error ZeroAddress();
    error ZeroAmount();
    error BadAsset(address asset);
    error AssetAlreadyListed(address asset);
    error InvalidFactors();
    error InvalidPrice();
    error NotCollateralized(address account);
    error NotLiquidatable(address account);
    error InsufficientCollateralBalance(address asset, uint256 balance, uint256 requested);
    error TransferFailed(address token);

    constructor(address baseToken_, uint128 basePriceE8_) {
        if (baseToken_ == address(0)) revert ZeroAddress();
        if (basePriceE8_ == 0) revert InvalidPrice();
        owner = msg.sender;
        baseToken = baseToken_;
        decimals = IDevToken(baseToken_).decimals();
        basePriceE8 = basePriceE8_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // ---- administration: the owner lists collateral and keeps prices. No events, so every log of this
    //      market is one of Comet's own.

    function listAsset(
        address asset,
        uint128 priceE8,
        uint16 borrowCollateralFactorBps,
        uint16 liquidateCollateralFactorBps,
        uint16 liquidationFactorBps
    ) external onlyOwner {
        if (asset == address(0) || asset == baseToken) revert BadAsset(asset);
        if (assets[asset].listed) revert AssetAlreadyListed(asset);
        if (
            borrowCollateralFactorBps == 0 || borrowCollateralFactorBps >= liquidateCollateralFactorBps
                || liquidateCollateralFactorBps >= BPS || liquidationFactorBps == 0 || liquidationFactorBps > BPS
        ) revert InvalidFactors();
        if (priceE8 == 0) revert InvalidPrice();
        assets[asset] = AssetConfig({
            listed: true,
            decimals: IDevToken(asset).decimals(),
            borrowCollateralFactorBps: borrowCollateralFactorBps,
            liquidateCollateralFactorBps: liquidateCollateralFactorBps,
            liquidationFactorBps: liquidationFactorBps,
            priceE8: priceE8
        });
        assetList.push(asset);
    }

    /// @notice Set the USD price (8 decimals) of a collateral asset or of the base token.
    function setPrice(address asset, uint128 priceE8) external onlyOwner {
        if (priceE8 == 0) revert InvalidPrice();
        if (asset == baseToken) {
            basePriceE8 = priceE8;
        } else {
            if (!assets[asset].listed) revert BadAsset(asset);
            assets[asset].priceE8 = priceE8;
        }
    }

    // ---- Comet entry points

    /// @notice Supply base (repaying the caller's borrow first; `type(uint256).max` repays exactly all of it)
    ///         or a listed collateral asset.
    function supply(address asset, uint256 amount) external {
        if (asset == baseToken) {
            if (amount == type(uint256).max) amount = borrowBalanceOf(msg.sender);
            if (amount == 0) revert ZeroAmount();
            _pull(asset, msg.sender, amount);
            int256 old = baseBalanceOf[msg.sender];
            uint256 repaid = old < 0 ? _min(amount, uint256(-old)) : 0;
            uint256 supplied = amount - repaid;
            baseBalanceOf[msg.sender] = old + int256(amount);
            totalBorrowBase -= repaid;
            totalSupplyBase += supplied;
            emit Supply(msg.sender, msg.sender, amount);
            if (supplied > 0) emit Transfer(address(0), msg.sender, supplied);
        } else {
            if (!assets[asset].listed) revert BadAsset(asset);
            if (amount == 0) revert ZeroAmount();
            _pull(asset, msg.sender, amount);
            collateralBalanceOf[msg.sender][asset] += amount;
            emit SupplyCollateral(msg.sender, msg.sender, asset, amount);
        }
    }

    /// @notice Withdraw base (past the caller's supplied balance this borrows, which its collateral must
    ///         cover; `type(uint256).max` withdraws exactly the supplied balance) or collateral.
    function withdraw(address asset, uint256 amount) external {
        if (asset == baseToken) {
            if (amount == type(uint256).max) amount = balanceOf(msg.sender);
            if (amount == 0) revert ZeroAmount();
            int256 old = baseBalanceOf[msg.sender];
            uint256 withdrawn = old > 0 ? _min(amount, uint256(old)) : 0;
            uint256 borrowed = amount - withdrawn;
            baseBalanceOf[msg.sender] = old - int256(amount);
            totalSupplyBase -= withdrawn;
            totalBorrowBase += borrowed;
            if (!isBorrowCollateralized(msg.sender)) revert NotCollateralized(msg.sender);
            _push(asset, msg.sender, amount);
            emit Withdraw(msg.sender, msg.sender, amount);
            if (withdrawn > 0) emit Transfer(msg.sender, address(0), withdrawn);
        } else {
            if (!assets[asset].listed) revert BadAsset(asset);
            if (amount == 0) revert ZeroAmount();
            uint256 held = collateralBalanceOf[msg.sender][asset];
            if (amount > held) revert InsufficientCollateralBalance(asset, held, amount);
            collateralBalanceOf[msg.sender][asset] = held - amount;
            if (!isBorrowCollateralized(msg.sender)) revert NotCollateralized(msg.sender);
            _push(asset, msg.sender, amount);
            emit WithdrawCollateral(msg.sender, msg.sender, asset, amount);
        }
    }

    /// @notice Absorb underwater accounts: their collateral moves into the protocol's reserves, they are
    ///         credited its value at the liquidation factor, and a debt larger than that credit is written
    ///         off, so every absorbed account ends with a balance >= 0.
    function absorb(address absorber, address[] calldata accounts) external {
        for (uint256 i = 0; i < accounts.length; ++i) {
            _absorb(absorber, accounts[i]);
        }
    }

    // ---- views

    /// @notice The account's supplied base (0 when it borrows): the balance the `Transfer` events track.
    function balanceOf(address account) public view returns (uint256) {
        int256 b = baseBalanceOf[account];
        return b > 0 ? uint256(b) : 0;
    }

    function borrowBalanceOf(address account) public view returns (uint256) {
        int256 b = baseBalanceOf[account];
        return b < 0 ? uint256(-b) : 0;
    }

    function totalSupply() external view returns (uint256) {
        return totalSupplyBase;
    }

    function isBorrowCollateralized(address account) public view returns (bool) {
        uint256 debt = borrowBalanceOf(account);
        if (debt == 0) return true;
        return _collateralValueE8(account, true) >= _baseValueE8(debt);
    }

    function isLiquidatable(address account) public view returns (bool) {
        uint256 debt = borrowBalanceOf(account);
        if (debt == 0) return false;
        return _collateralValueE8(account, false) < _baseValueE8(debt);
    }

    function numAssets() external view returns (uint256) {
        return assetList.length;
    }

    // ---- internals

    function _absorb(address absorber, address account) private {
        if (!isLiquidatable(account)) revert NotLiquidatable(account);
        int256 old = baseBalanceOf[account];
        uint256 creditE8;
        uint256 n = assetList.length;
        for (uint256 i = 0; i < n; ++i) {
            address asset = assetList[i];
            uint256 seized = collateralBalanceOf[account][asset];
            if (seized == 0) continue;
            AssetConfig storage a = assets[asset];
            uint256 valueE8 = seized * a.priceE8 / (10 ** a.decimals);
            collateralBalanceOf[account][asset] = 0;
            collateralReserves[asset] += seized;
            creditE8 += valueE8 * a.liquidationFactorBps / BPS;
            emit AbsorbCollateral(absorber, account, asset, seized, valueE8);
        }
        int256 updated = old + int256(creditE8 * (10 ** decimals) / basePriceE8);
        if (updated < 0) updated = 0; // the shortfall is the protocol's loss
        baseBalanceOf[account] = updated;
        totalBorrowBase -= uint256(-old);
        totalSupplyBase += uint256(updated);
        uint256 basePaidOut = uint256(updated - old);
        emit AbsorbDebt(absorber, account, basePaidOut, _baseValueE8(basePaidOut));
        if (updated > 0) emit Transfer(address(0), account, uint256(updated));
    }

    /// @dev Collateral value in USD (8 decimals) at the borrow (`forBorrow`) or the liquidation factor.
    function _collateralValueE8(address account, bool forBorrow) private view returns (uint256 total) {
        uint256 n = assetList.length;
        for (uint256 i = 0; i < n; ++i) {
            address asset = assetList[i];
            uint256 held = collateralBalanceOf[account][asset];
            if (held == 0) continue;
            AssetConfig storage a = assets[asset];
            uint256 factor = forBorrow ? a.borrowCollateralFactorBps : a.liquidateCollateralFactorBps;
            total += held * a.priceE8 / (10 ** a.decimals) * factor / BPS;
        }
    }

    function _baseValueE8(uint256 amount) private view returns (uint256) {
        return amount * basePriceE8 / (10 ** decimals);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _pull(address token, address from, uint256 amount) private {
        if (!IDevToken(token).transferFrom(from, address(this), amount)) revert TransferFailed(token);
    }

    function _push(address token, address to, uint256 amount) private {
        if (!IDevToken(token).transfer(to, amount)) revert TransferFailed(token);
    }
}
