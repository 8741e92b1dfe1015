// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IDevToken} from "./DevToken.sol";

/// @title DevLendingPool
/// @notice A small lending pool with Aave V3's `Pool` entry points and events, for the local devnet.
///         Each user has collateral and variable-rate debt per listed asset; tokens really move on every
///         call, and every event states exactly the change the call made.
///
///         Simplifications against Aave V3: no aTokens or debt tokens (balances live in this contract), no
///         interest accrual (the `borrowRate` in `Borrow` is the reserve's quoted rate), no credit delegation
///         (`onBehalfOf` of a borrow must be the caller), variable rate only (mode 2), and prices come from
///         the owner acting as price keeper. Liquidation follows Aave's rules: allowed for anyone once the
///         user's health factor is below 1, at most half the debt per call, collateral seized with the
///         reserve's liquidation bonus.
contract DevLendingPool {
    struct Reserve {
        bool listed;
        uint8 decimals;
        uint16 ltvBps; // borrowing power per unit of collateral value
        uint16 liquidationThresholdBps; // collateral value counted by the health factor
        uint16 liquidationBonusBps; // extra collateral a liquidator receives, e.g. 500 = 5%
        uint128 priceE8; // USD per whole token, 8 decimals
        uint128 borrowRateRay; // quoted variable rate, 27 decimals
    }

    uint256 public constant VARIABLE_RATE_MODE = 2;
    uint256 public constant CLOSE_FACTOR_BPS = 5000;
    uint256 public constant HEALTH_FACTOR_ONE = 1e18;
    uint256 private constant BPS = 10_000;

    address public immutable owner;
    address[] public reserveList;
    mapping(address asset => Reserve) public reserves;
    mapping(address user => mapping(address asset => uint256)) public collateralOf;
    mapping(address user => mapping(address asset => uint256)) public debtOf;

    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
    event Borrow(
        address indexed reserve,
        address user,
        address indexed onBehalfOf,
        uint256 amount,
        uint8 interestRateMode,
        uint256 borrowRate,
        uint16 indexed referralCode
    );
    event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens);
    event LiquidationCall(
        address indexed collateralAsset,
        address indexed debtAsset,
        address indexed user,
        uint256 debtToCover,
        uint256 liquidatedCollateralAmount,
        address liquidator,
        bool receiveAToken
    );

    error NotOwner();
    error ZeroAddress();
    error ZeroAmount();
    error ReserveNotListed(address asset);
    error ReserveAlreadyListed(address asset);
    error InvalidRiskParameters();
    error InvalidPrice();
    error InvalidInterestRateMode(uint256 mode);
    error DelegationNotSupported(address onBehalfOf);
    error InsufficientCollateral(uint256 borrowPowerE8, uint256 debtE8);
    error NotEnoughSupplied(address asset, uint256 supplied, uint256 requested);
    error NoDebt(address user, address asset);
    error HealthFactorNotBelowOne(uint256 healthFactor);
    error NoCollateral(address user, address asset);
    error TransferFailed(address token);

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    modifier listed(address asset) {
        if (!reserves[asset].listed) revert ReserveNotListed(asset);
        _;
    }

    // ---- administration: the owner is the devnet's risk admin and price keeper. These calls emit no
    //      events, so every log of this pool is one of the five Aave events above.

    function listReserve(
        address asset,
        uint128 priceE8,
        uint16 ltvBps,
        uint16 liquidationThresholdBps,
        uint16 liquidationBonusBps,
        uint128 borrowRateRay
    ) external onlyOwner {
        if (asset == address(0)) revert ZeroAddress();
        if (reserves[asset].listed) revert ReserveAlreadyListed(asset);
        if (ltvBps == 0 || ltvBps > liquidationThresholdBps || liquidationThresholdBps >= BPS) {
            revert InvalidRiskParameters();
        }
        // the bonus must leave a liquidation of a just-unhealthy position covered by its collateral
        if (uint256(liquidationThresholdBps) * (BPS + liquidationBonusBps) > BPS * BPS) revert InvalidRiskParameters();
        if (priceE8 == 0) revert InvalidPrice();
        reserves[asset] = Reserve({
            listed: true,
            decimals: IDevToken(asset).decimals(),
            ltvBps: ltvBps,
            liquidationThresholdBps: liquidationThresholdBps,
            liquidationBonusBps: liquidationBonusBps,
            priceE8: priceE8,
            borrowRateRay: borrowRateRay
        });
        reserveList.push(asset);
    }

    function setPrice(address asset, uint128 priceE8) external onlyOwner listed(asset) {
        if (priceE8 == 0) revert InvalidPrice();
        reserves[asset].priceE8 = priceE8;
    }

    // ---- Aave V3 IPool entry points

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external listed(asset) {
        if (amount == 0) revert ZeroAmount();
        if (onBehalfOf == address(0)) revert ZeroAddress();
        _pull(asset, msg.sender, amount);
        collateralOf[onBehalfOf][asset] += amount;
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    /// @notice Withdraw the caller's collateral (`type(uint256).max` = all of it) to `to`; what remains must
    ///         still cover the caller's debt at the reserves' loan-to-value.
    function withdraw(address asset, uint256 amount, address to) external listed(asset) returns (uint256) {
        if (to == address(0)) revert ZeroAddress();
        uint256 supplied = collateralOf[msg.sender][asset];
        if (amount == type(uint256).max) amount = supplied;
        if (amount == 0) revert ZeroAmount();
        if (amount > supplied) revert NotEnoughSupplied(asset, supplied, amount);
        collateralOf[msg.sender][asset] = supplied - amount;
        _requireBorrowPower(msg.sender);
        _push(asset, to, amount);
        emit Withdraw(asset, msg.sender, to, amount);
        return amount;
    }

    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
        listed(asset)
    {
        if (amount == 0) revert ZeroAmount();
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateMode(interestRateMode);
        if (onBehalfOf != msg.sender) revert DelegationNotSupported(onBehalfOf);
        debtOf[onBehalfOf][asset] += amount;
        _requireBorrowPower(onBehalfOf);
        _push(asset, msg.sender, amount);
        emit Borrow(
            asset, msg.sender, onBehalfOf, amount, uint8(VARIABLE_RATE_MODE), reserves[asset].borrowRateRay, referralCode
        );
    }

    /// @notice Repay `onBehalfOf`'s debt in `asset` from the caller's tokens; `type(uint256).max` or any
    ///         amount above the debt repays exactly the debt. Returns the amount repaid.
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        listed(asset)
        returns (uint256)
    {
        if (amount == 0) revert ZeroAmount();
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateMode(interestRateMode);
        uint256 debt = debtOf[onBehalfOf][asset];
        if (debt == 0) revert NoDebt(onBehalfOf, asset);
        uint256 paid = amount < debt ? amount : debt;
        debtOf[onBehalfOf][asset] = debt - paid;
        _pull(asset, msg.sender, paid);
        emit Repay(asset, onBehalfOf, msg.sender, paid, false);
        return paid;
    }

    /// @notice Cover up to half of an unhealthy `user`'s debt in `debtAsset` and take collateral worth the
    ///         covered debt plus the collateral's liquidation bonus. With `receiveAToken` the seized collateral
    ///         stays in the pool as the liquidator's supplied collateral, otherwise it is sent to them.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external listed(collateralAsset) listed(debtAsset) {
        if (debtToCover == 0) revert ZeroAmount();
        uint256 health = healthFactor(user);
        if (health >= HEALTH_FACTOR_ONE) revert HealthFactorNotBelowOne(health);
        uint256 debt = debtOf[user][debtAsset];
        if (debt == 0) revert NoDebt(user, debtAsset);
        uint256 available = collateralOf[user][collateralAsset];
        if (available == 0) revert NoCollateral(user, collateralAsset);

        uint256 maxCover = debt * CLOSE_FACTOR_BPS / BPS;
        uint256 covered = debtToCover < maxCover ? debtToCover : maxCover;
        Reserve storage c = reserves[collateralAsset];
        uint256 seized = _collateralFor(debtAsset, covered, c);
        if (seized > available) {
            // not enough collateral for the whole cover: take all of it and cover only what it pays for
            covered = covered * available / seized;
            seized = available;
        }
        if (covered == 0) revert ZeroAmount();

        debtOf[user][debtAsset] = debt - covered;
        collateralOf[user][collateralAsset] = available - seized;
        _pull(debtAsset, msg.sender, covered);
        if (receiveAToken) {
            collateralOf[msg.sender][collateralAsset] += seized;
        } else {
            _push(collateralAsset, msg.sender, seized);
        }
        emit LiquidationCall(collateralAsset, debtAsset, user, covered, seized, msg.sender, receiveAToken);
    }

    // ---- views

    /// @notice (collateral value, liquidation-threshold-weighted collateral, borrow power, debt value), USD 8 decimals.
    function accountData(address user)
        public
        view
        returns (uint256 collateralE8, uint256 thresholdE8, uint256 borrowPowerE8, uint256 debtE8)
    {
        uint256 n = reserveList.length;
        for (uint256 i = 0; i < n; ++i) {
            address asset = reserveList[i];
            Reserve storage r = reserves[asset];
            uint256 supplied = collateralOf[user][asset];
            if (supplied != 0) {
                uint256 value = _value(supplied, r);
                collateralE8 += value;
                thresholdE8 += value * r.liquidationThresholdBps / BPS;
                borrowPowerE8 += value * r.ltvBps / BPS;
            }
            uint256 owed = debtOf[user][asset];
            if (owed != 0) debtE8 += _value(owed, r);
        }
    }

    /// @notice Threshold-weighted collateral over debt, 18 decimals; `type(uint256).max` without debt.
    function healthFactor(address user) public view returns (uint256) {
        (, uint256 thresholdE8,, uint256 debtE8) = accountData(user);
        if (debtE8 == 0) return type(uint256).max;
        return thresholdE8 * HEALTH_FACTOR_ONE / debtE8;
    }

    function reserveCount() external view returns (uint256) {
        return reserveList.length;
    }

    // ---- internals

    function _requireBorrowPower(address user) private view {
        (,, uint256 borrowPowerE8, uint256 debtE8) = accountData(user);
        if (debtE8 > borrowPowerE8) revert InsufficientCollateral(borrowPowerE8, debtE8);
    }

    function _value(uint256 amount, Reserve storage r) private view returns (uint256) {
        return amount * r.priceE8 / (10 ** r.decimals);
    }

    function _collateralFor(address debtAsset, uint256 covered, Reserve storage c) private view returns (uint256) {
        Reserve storage d = reserves[debtAsset];
        // covered debt in collateral units, plus the bonus: covered * pD / 10^dD * 10^dC / pC * (1 + bonus)
        uint256 base = covered * d.priceE8 * (10 ** c.decimals) / (uint256(c.priceE8) * (10 ** d.decimals));
        return base * (BPS + c.liquidationBonusBps) / BPS;
    }

    function _pull(address token, address from, uint256 amount) private {
        if (!IDevToken(token).transferFrom(from, address(this), amount)) revert TransferFailed(token);
    }

    function _push(address token, address to, uint256 amount) private {
        if (!IDevToken(token).transfer(to, amount)) revert TransferFailed(token);
    }
}
