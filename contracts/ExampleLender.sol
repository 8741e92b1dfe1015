// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuraConsumer} from "./IAuraConsumer.sol";
import {IAuraOracle, PRIVATE_TIER} from "./IAuraOracle.sol";
import {IAuraThresholdVerifier} from "./IAuraThresholdVerifier.sol";

/// @title ExampleLender
/// @notice A lender that asks `AuraOracle` to assess each applicant and decides on the callback:
///         score >= 600 (Standard tier) approves with a max loan-to-value from 50% (600) rising linearly to 80% (800+, Premium),
///         450..599 goes to manual review, below 450 is rejected. Risk flags override the score: any of
///         `REJECT_FLAGS` (LIQUIDATED, UNDISCLOSED_LIABILITY) rejects, any of `REVIEW_FLAGS` (BURST_ACTIVITY,
///         ANOMALOUS, INTENT_MISMATCH) turns an approval into manual review. An approval is used once, by
///         `takeLoan`, within `APPROVAL_TTL` of the decision. `quote` answers from the oracle's stored
///         assessment, but only while it is at most one hour old, not past its expiry, and its signer has not been
///         revoked; never a private one (tier `PRIVATE_TIER`: score 0 is no score), which `quote` and `takeLoan`
///         refuse with `PrivateAssessment`.
///
///         A borrower who does not want its score read takes the private path, `borrowWithProof`: a zero-knowledge
///         proof (IAuraThresholdVerifier) that the score committed in its assessment is at least `APPROVE_SCORE`.
///         The lender learns only that, so it lends at `MIN_LTV_BPS`, the loan-to-value of a score of 600; a
///         borrower who wants more shows its score on the public path.
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

    /// @dev A `DecisionRecord` and whether its approval has been used (two slots).
    struct StoredDecision {
        bytes32 requestId;
        Decision decision;
        uint16 maxLtvBps;
        uint16 score;
        uint64 decidedAt;
        uint96 amount;
        bool taken;
    }

    uint16 public constant APPROVE_SCORE = 600;
    uint16 public constant REVIEW_SCORE = 450;
    uint16 public constant FULL_LTV_SCORE = 800;
    uint16 public constant MIN_LTV_BPS = 5000;
    uint16 public constant MAX_LTV_BPS = 8000;
    uint64 public constant MAX_ASSESSMENT_AGE = 1 hours;
    /// @notice How long after the decision an approval can be taken up.
    uint64 public constant APPROVAL_TTL = 1 hours;

    // Risk flag bits of the signed assessment (node/scoring/flags.py, docs/protocol.md).
    uint32 private constant LIQUIDATED = 1 << 6;
    uint32 private constant BURST_ACTIVITY = 1 << 10;
    uint32 private constant ANOMALOUS = 1 << 11;
    uint32 private constant UNDISCLOSED_LIABILITY = 1 << 13;
    uint32 private constant INTENT_MISMATCH = 1 << 14;
    /// @notice Flags that reject whatever the score: liquidated before, or denied debts the chain shows.
    uint32 public constant REJECT_FLAGS = LIQUIDATED | UNDISCLOSED_LIABILITY;
    /// @notice Flags that send an approval to manual review: farming/sybil burst, outlier, contradicting intent.
    uint32 public constant REVIEW_FLAGS = BURST_ACTIVITY | ANOMALOUS | INTENT_MISMATCH;

    IAuraOracle public immutable oracle;
    /// @notice Who deployed the lender: the one account that may set `verifier`, once.
    address public immutable deployer;
    /// @notice The threshold-proof verifier of `oracle`'s commitments that `borrowWithProof` calls; zero until
    ///         `setVerifier`.
    IAuraThresholdVerifier public verifier;

    mapping(bytes32 requestId => Application) public applications;
    mapping(address borrower => StoredDecision) private _decisions;

    event LoanRequested(bytes32 indexed requestId, address indexed borrower, uint256 amount);
    event ApplicationCancelled(bytes32 indexed requestId, address indexed borrower, uint256 refund);
    event LoanDecision(
        bytes32 indexed requestId, address indexed borrower, uint8 decision, uint16 maxLtvBps, uint16 score
    );
    event LoanTaken(bytes32 indexed requestId, address indexed borrower, uint256 amount, uint16 maxLtvBps);
    event VerifierSet(address verifier);
    /// @notice A loan of `amount` at `maxLtvBps` on a proof that `borrower`'s score is at least `APPROVE_SCORE`;
    ///         `nullifier`, now spent, names the assessment without revealing it.
    event PrivateLoanTaken(address indexed borrower, uint256 indexed nullifier, uint256 amount, uint16 maxLtvBps);

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
    error ExpiredAssessment(uint64 expiry);
    error NotApproved(uint8 decision);
    error ApprovalUsed(bytes32 requestId);
    error ApprovalExpired(bytes32 requestId, uint64 validUntil);
    error ApprovalWithdrawn(bytes32 requestId, uint8 decision);
    error NotDeployer(address caller);
    error VerifierAlreadySet(address verifier);
    error VerifierOfAnotherOracle(address oracle);
    error NoVerifier();
    /// @notice The public path met a private assessment (tier `PRIVATE_TIER`): it holds no score to decide on.
    ///         Borrow on a proof instead (`borrowWithProof`).
    error PrivateAssessment();

    uint32 public constant DEFAULT_TERM_DAYS = 90;
    uint32 public constant MAX_TERM_DAYS = 3650;

    constructor(IAuraOracle oracle_) {
        oracle = oracle_;
        deployer = msg.sender;
    }

    /// @notice Opens the private path: `verifier_` must check proofs against this lender's oracle. Set once, by
    ///         the deployer: the verifier keeps the spent nullifiers, so a second one would lend again on every
    ///         assessment already used (a new ceremony means a new verifier, and a new lender).
    function setVerifier(IAuraThresholdVerifier verifier_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(verifier) != address(0)) revert VerifierAlreadySet(address(verifier));
        IAuraOracle verifiersOracle = verifier_.oracle();
        if (verifiersOracle != oracle) revert VerifierOfAnotherOracle(address(verifiersOracle));
        verifier = verifier_;
        emit VerifierSet(address(verifier_));
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
    ///         An application whose request was fulfilled but whose callback failed (reverted, ran out of
    ///         gas, or callbacks were off) can be withdrawn at any time: the fee paid for the answer, so the
    ///         refund is zero.
    /// @param req the request's fields as the oracle's `AssessmentRequested` event carried them, and the number
    ///        of the block holding that event.
    function cancelApplication(IAuraOracle.Request calldata req) external {
        Application memory app = applications[req.id];
        if (app.borrower == address(0)) revert UnknownApplication(req.id);
        if (msg.sender != app.borrower) revert NotBorrower(msg.sender);
        delete applications[req.id];
        if (oracle.requestStatus(req.id) == IAuraOracle.RequestStatus.Fulfilled) {
            emit ApplicationCancelled(req.id, app.borrower, 0);
            return;
        }
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
    function onAssessment(bytes32 requestId, address, uint16 score, uint8, uint16, uint32 flags) external {
        if (msg.sender != address(oracle)) revert NotOracle();
        Application memory app = applications[requestId];
        if (app.borrower == address(0)) revert UnknownApplication(requestId);
        delete applications[requestId];
        (Decision decision, uint16 maxLtvBps) = decide(score, flags);
        _decisions[app.borrower] = StoredDecision({
            requestId: requestId,
            decision: decision,
            maxLtvBps: maxLtvBps,
            score: score,
            decidedAt: uint64(block.timestamp),
            amount: app.amount,
            taken: false
        });
        emit LoanDecision(requestId, app.borrower, uint8(decision), maxLtvBps, score);
    }

    /// @notice Take up the caller's approval, once. It must be at most `APPROVAL_TTL` old and not past the
    ///         expiry of the oracle's current assessment of the caller, and that assessment must still
    ///         approve (as `quote`: fresh, signer not revoked, no disqualifying flag). The loan-to-value is
    ///         the lower of the approval's and the current one. A real lender would disburse here.
    function takeLoan() external returns (uint256 amount, uint16 maxLtvBps) {
        StoredDecision storage d = _decisions[msg.sender];
        if (d.decision != Decision.Approved) revert NotApproved(uint8(d.decision));
        bytes32 requestId = d.requestId;
        if (d.taken) revert ApprovalUsed(requestId);
        uint64 validUntil = d.decidedAt + APPROVAL_TTL;
        if (block.timestamp > validUntil) revert ApprovalExpired(requestId, validUntil);
        (Decision current, uint16 currentLtvBps, uint64 expiry) = _quote(msg.sender);
        if (block.timestamp > expiry) revert ApprovalExpired(requestId, expiry);
        if (current != Decision.Approved) revert ApprovalWithdrawn(requestId, uint8(current));
        d.taken = true;
        amount = d.amount;
        maxLtvBps = currentLtvBps < d.maxLtvBps ? currentLtvBps : d.maxLtvBps;
        emit LoanTaken(requestId, msg.sender, amount, maxLtvBps);
    }

    /// @notice Borrow `amount` without showing the score: `proof` (IAuraThresholdVerifier's encoding) shows that
    ///         the score committed in the caller's latest assessment is at least `APPROVE_SCORE`, for the scope
    ///         `privateScope()` and `nullifier`. The verifier spends the nullifier, so one assessment gives one loan
    ///         here; a proof copied by another account is checked against that account's commitment and fails.
    ///         Decided and taken in one call, always at `MIN_LTV_BPS`. The assessment must be usable as `quote`
    ///         wants it (counting, at most `MAX_ASSESSMENT_AGE` old, not past its expiry), checked before the proof;
    ///         its flags are public and weigh as on a score of 600: `REJECT_FLAGS` and `REVIEW_FLAGS` both refuse
    ///         (`NotApproved`), as this path has no manual review. The verifier's errors (`InvalidProof`,
    ///         `NullifierSpent`, ...) come back as they are.
    function borrowWithProof(uint256 amount, uint256 nullifier, uint256[8] calldata proof)
        external
        returns (uint16 maxLtvBps)
    {
        IAuraThresholdVerifier verifier_ = verifier;
        if (address(verifier_) == address(0)) revert NoVerifier();
        if (amount == 0) revert ZeroAmount();
        (IAuraOracle.AssessmentRecord memory record, bool counts) = oracle.latestAssessmentStatus(msg.sender);
        if (!record.exists || !counts) revert NoAssessment();
        if (block.timestamp - record.timestamp > MAX_ASSESSMENT_AGE) revert StaleAssessment(record.timestamp);
        if (block.timestamp > record.expiry) revert ExpiredAssessment(record.expiry);
        Decision decision;
        (decision, maxLtvBps) = decide(APPROVE_SCORE, record.flags);
        if (decision != Decision.Approved) revert NotApproved(uint8(decision));
        verifier_.verifyThreshold(msg.sender, APPROVE_SCORE, privateScope(), nullifier, proof);
        emit PrivateLoanTaken(msg.sender, nullifier, amount, maxLtvBps);
    }

    /// @notice The scope a borrower proves for on the private path: this lender's address as a field element, so
    ///         that its nullifiers are its own.
    function privateScope() public view returns (uint256) {
        return uint160(address(this));
    }

    /// @notice The decision taken on `borrower`'s latest application that was answered.
    function decisionOf(address borrower) external view returns (DecisionRecord memory) {
        StoredDecision storage d = _decisions[borrower];
        return DecisionRecord({
            requestId: d.requestId,
            decision: d.decision,
            maxLtvBps: d.maxLtvBps,
            score: d.score,
            decidedAt: d.decidedAt,
            amount: d.amount
        });
    }

    /// @notice `borrower`'s latest approval: its request, the end of its `APPROVAL_TTL` (zero when the latest
    ///         decision is not an approval) and whether it was taken. `takeLoan` also stops at the current
    ///         assessment's expiry.
    function approvalOf(address borrower) external view returns (bytes32 requestId, uint64 validUntil, bool taken) {
        StoredDecision storage d = _decisions[borrower];
        if (d.decision != Decision.Approved) return (d.requestId, 0, false);
        return (d.requestId, d.decidedAt + APPROVAL_TTL, d.taken);
    }

    /// @notice What the lender would decide now from the oracle's latest assessment of `borrower`. An
    ///         assessment whose signer was revoked counts as none; one past its expiry is refused
    ///         (`takeLoan` says so as `ApprovalExpired`), and so is a private one (`PrivateAssessment`).
    function quote(address borrower) external view returns (Decision decision, uint16 maxLtvBps) {
        uint64 expiry;
        (decision, maxLtvBps, expiry) = _quote(borrower);
        if (block.timestamp > expiry) revert ExpiredAssessment(expiry);
    }

    function _quote(address borrower) private view returns (Decision decision, uint16 maxLtvBps, uint64 expiry) {
        (IAuraOracle.AssessmentRecord memory record, bool signerActive) = oracle.latestAssessmentStatus(borrower);
        if (!record.exists || !signerActive) revert NoAssessment();
        if (record.tier == PRIVATE_TIER) revert PrivateAssessment();
        if (block.timestamp - record.timestamp > MAX_ASSESSMENT_AGE) revert StaleAssessment(record.timestamp);
        (decision, maxLtvBps) = decide(record.score, record.flags);
        expiry = record.expiry;
    }

    /// @notice The decision for `score` with risk `flags`: `REJECT_FLAGS` reject, `REVIEW_FLAGS` cap it at
    ///         manual review, otherwise the score decides.
    function decide(uint16 score, uint32 flags) public pure returns (Decision decision, uint16 maxLtvBps) {
        if (flags & REJECT_FLAGS != 0) return (Decision.Rejected, 0);
        (decision, maxLtvBps) = _decideScore(score);
        if (decision == Decision.Approved && flags & REVIEW_FLAGS != 0) return (Decision.ManualReview, 0);
    }

    function _decideScore(uint16 score) private pure returns (Decision decision, uint16 maxLtvBps) {
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
