// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AuraOracle} from "./AuraOracle.sol";
import {IAuraConsumer} from "./IAuraConsumer.sol";

/// @title ExampleLender
/// @notice A lender that asks `AuraOracle` to assess each applicant and decides on the callback:
///         score >= 600 (Standard tier) approves with a max loan-to-value from 50% (600) rising linearly to 80% (800+, Premium),
///         450..599 goes to manual review, below 450 is rejected. `quote` answers from the oracle's stored
///         assessment, but only while it is at most one hour old.
contract ExampleLender is IAuraConsumer {
    enum Decision {
        None,
        Approved,
        ManualReview,
        Rejected
    }

    struct Application {
        address borrower;
        uint96 amount;
    }

    struct DecisionRecord {
        bytes32 requestId;
        Decision decision;
        uint16 maxLtvBps;
        uint16 score;
        uint64 decidedAt;
        uint96 amount;
    }

    uint16 public constant APPROVE_SCORE = 600;
    uint16 public constant REVIEW_SCORE = 450;
    uint16 public constant FULL_LTV_SCORE = 800;
    uint16 public constant MIN_LTV_BPS = 5000;
    uint16 public constant MAX_LTV_BPS = 8000;
    uint64 public constant MAX_ASSESSMENT_AGE = 1 hours;

    AuraOracle public immutable oracle;

    mapping(bytes32 requestId => Application) public applications;
    mapping(address borrower => DecisionRecord) private _decisions;

    event LoanRequested(bytes32 indexed requestId, address indexed borrower, uint256 amount);
    event ApplicationCancelled(bytes32 indexed requestId, address indexed borrower, uint256 refund);
    event LoanDecision(
        bytes32 indexed requestId, address indexed borrower, uint8 decision, uint16 maxLtvBps, uint16 score
    );

    error NotOracle();
    error NotBorrower(address caller);
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error BadTerm(uint32 termDays);
    error InsufficientFee(uint256 sent, uint256 required);
    error UnknownApplication(bytes32 requestId);
    error RefundFailed(address to, uint256 amount);
    error NoAssessment();
    error StaleAssessment(uint64 timestamp);

    uint32 public constant DEFAULT_TERM_DAYS = 90;
    uint32 public constant MAX_TERM_DAYS = 3650;

    constructor(AuraOracle oracle_) {
        oracle = oracle_;
    }

    /// @notice Apply for a loan of `amount` over the default term; send at least the oracle's fee, the surplus
    /// is refunded.
    function applyForLoan(uint256 amount) external payable returns (bytes32 requestId) {
        return _apply(amount, DEFAULT_TERM_DAYS, bytes32(0));
    }

    /// @notice Apply with a term and the hash of a questionnaire already sent to the oracle node
    /// (`POST /questionnaires`); a zero hash means none.
    function applyWithQuestionnaire(uint256 amount, uint32 termDays, bytes32 questionnaireHash)
        external
        payable
        returns (bytes32 requestId)
    {
        return _apply(amount, termDays, questionnaireHash);
    }

    function _apply(uint256 amount, uint32 termDays, bytes32 questionnaireHash) private returns (bytes32 requestId) {
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint96).max) revert AmountTooLarge(amount);
        if (termDays == 0 || termDays > MAX_TERM_DAYS) revert BadTerm(termDays);
        uint256 required = oracle.fee();
        if (msg.value < required) revert InsufficientFee(msg.value, required);
        // The oracle's params v1 (docs/protocol.md): version, questionnaire hash, loan amount, term in days.
        bytes memory params = abi.encode(uint8(1), questionnaireHash, amount, termDays);
        requestId = oracle.requestAssessment{value: required}(msg.sender, params);
        applications[requestId] = Application({borrower: msg.sender, amount: uint96(amount)});
        emit LoanRequested(requestId, msg.sender, amount);
        uint256 surplus = msg.value - required;
        if (surplus != 0) {
            (bool ok,) = msg.sender.call{value: surplus}("");
            if (!ok) revert RefundFailed(msg.sender, surplus);
        }
    }

    /// @notice Withdraw an application the oracle let expire; the oracle's fee goes back to the borrower.
    /// @param req the request's fields as the oracle's `AssessmentRequested` event carried them.
    function cancelApplication(AuraOracle.Request calldata req) external {
        Application memory app = applications[req.id];
        if (app.borrower == address(0)) revert UnknownApplication(req.id);
        if (msg.sender != app.borrower) revert NotBorrower(msg.sender);
        delete applications[req.id];
        uint256 before = address(this).balance;
        oracle.cancel(req);
        uint256 refund = address(this).balance - before;
        emit ApplicationCancelled(req.id, app.borrower, refund);
        if (refund != 0) {
            (bool ok,) = app.borrower.call{value: refund}("");
            if (!ok) revert RefundFailed(app.borrower, refund);
        }
    }

    /// @notice Only the oracle's refunds are accepted.
    receive() external payable {
        if (msg.sender != address(oracle)) revert NotOracle();
    }

    /// @inheritdoc IAuraConsumer
    function onAssessment(bytes32 requestId, address, uint16 score, uint8, uint16, uint32) external {
        if (msg.sender != address(oracle)) revert NotOracle();
        Application memory app = applications[requestId];
        if (app.borrower == address(0)) revert UnknownApplication(requestId);
        delete applications[requestId];
        (Decision decision, uint16 maxLtvBps) = decide(score);
        _decisions[app.borrower] = DecisionRecord({
            requestId: requestId,
            decision: decision,
            maxLtvBps: maxLtvBps,
            score: score,
            decidedAt: uint64(block.timestamp),
            amount: app.amount
        });
        emit LoanDecision(requestId, app.borrower, uint8(decision), maxLtvBps, score);
    }

    /// @notice The decision taken on `borrower`'s latest application that was answered.
    function decisionOf(address borrower) external view returns (DecisionRecord memory) {
        return _decisions[borrower];
    }

    /// @notice What the lender would decide now from the oracle's latest assessment of `borrower`.
    function quote(address borrower) external view returns (Decision decision, uint16 maxLtvBps) {
        AuraOracle.AssessmentRecord memory record = oracle.latestAssessment(borrower);
        if (!record.exists) revert NoAssessment();
        if (block.timestamp - record.timestamp > MAX_ASSESSMENT_AGE) revert StaleAssessment(record.timestamp);
        return decide(record.score);
    }

    function decide(uint16 score) public pure returns (Decision decision, uint16 maxLtvBps) {
        if (score >= FULL_LTV_SCORE) return (Decision.Approved, MAX_LTV_BPS);
        if (score >= APPROVE_SCORE) {
            uint256 ltv =
                MIN_LTV_BPS + uint256(score - APPROVE_SCORE) * (MAX_LTV_BPS - MIN_LTV_BPS) / (FULL_LTV_SCORE - APPROVE_SCORE);
            return (Decision.Approved, uint16(ltv));
        }
        if (score >= REVIEW_SCORE) return (Decision.ManualReview, 0);
        return (Decision.Rejected, 0);
    }
}
