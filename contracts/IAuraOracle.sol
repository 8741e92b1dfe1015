// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @dev The tier a private assessment carries in place of its own (`requestPrivateAssessment`): its record holds
///      score 0, this tier, pdBps 0, its flags and the commitment to the real score.
uint8 constant PRIVATE_TIER = 255;

/// @title IAuraOracle
/// @notice What a consumer of `AuraOracle` calls and reads: asking for an assessment, cancelling it, the views of
///         a subject's latest assessment, of a request and of the signers, and the events and errors it may see.
///         The integrator's guide: docs/evm.md; wire formats: docs/protocol.md.
/// @dev The owner's calls and the fulfilment calls a node sends are on `AuraOracle` only.
interface IAuraOracle {
    /// @notice A request as `AssessmentRequested` carries it, and as `cancel` takes it back: `id`, `requester`,
    ///         `subject`, `fee` and `expiresAt` are the event's arguments, `blockNumber` the block of its log.
    struct Request {
        bytes32 id;
        address requester;
        address subject;
        uint96 fee;
        uint64 expiresAt;
        /// @dev The block the request was made in: the block the assessment is computed at.
        uint64 blockNumber;
    }

    /// @notice The latest assessment of a subject as `latestAssessment` returns it.
    struct AssessmentRecord {
        bool exists;
        uint16 score;
        uint8 tier;
        uint16 pdBps;
        uint32 flags;
        uint64 timestamp;
        uint64 expiry;
        address signer;
        bytes32 measurement;
        bytes32 commitment;
    }

    /// @notice A registered enclave signer. Revoked signers stay in the registry; an address is registered
    ///         at most once, so `index` and `measurement` never change.
    struct SignerInfo {
        uint32 index;
        bool active;
        uint64 registeredAt;
        uint64 revokedAt;
        bytes32 measurement;
        /// @notice Where the fees of this signer's fulfilments are paid (`withdrawFees`).
        address payee;
    }

    /// @notice What the oracle keeps of a request: one slot (`requestRecord`). While it is pending, `commitment`
    ///         is `requestCommitment` of its fields (bits 0, 1 and 255 aside: the oracle's own marks), `callsBack`
    ///         whether the requester ran code when it asked and `isPrivate` whether it asked for a private
    ///         assessment; once fulfilled, `commitment` is the low 255 bits of the answer's score commitment (the
    ///         full one is in its `AssessmentFulfilled`, privacy in its `AssessmentRequested`); else zero.
    struct RequestRecord {
        RequestStatus status;
        bool callsBack;
        bool isPrivate;
        bytes32 commitment;
    }

    enum RequestStatus {
        None,
        Pending,
        Fulfilled,
        Cancelled
    }

    /// @notice What came of a fulfilment's callback: `None` when none was made (the requester had no code when it
    ///         asked or has none now, or callbacks are off), `Succeeded`, or `Reverted` (it reverted or ran out of
    ///         gas; the fulfilment stands).
    enum CallbackOutcome {
        None,
        Succeeded,
        Reverted
    }

    /// @notice A request was made; with the block number of this log it is the `Request` that `cancel` takes.
    ///         `isPrivate`: it asked for a private assessment (`requestPrivateAssessment`).
    event AssessmentRequested(
        bytes32 indexed requestId,
        address indexed requester,
        address indexed subject,
        uint96 fee,
        uint64 expiresAt,
        bytes params,
        bool isPrivate
    );
    /// @notice A request was answered: every value a consumer reads, in one log. `facts` is the signed small fields
    ///         packed as in the fulfilment's calldata, from the lowest bits up: score (16), tier (8), pdBps (16),
    ///         flags (32), timestamp (64: the pinned block's time), expiry (64: the end of its validity); one word
    ///         instead of six keeps a fulfilment within its gas budget (docs/evm.md shows the unpacking).
    ///         `measurement` and `commitment` are the signed ones, `signer` the first signer (the one the fee went
    ///         to) and `signerCount` how many signed (the others: `latestSigners`, while this is the subject's
    ///         latest). Who sent the fulfilment is the transaction's sender: it earns nothing (fees go to
    ///         `signer`'s payee), so it is not logged.
    event AssessmentFulfilled(
        bytes32 indexed requestId,
        address indexed subject,
        uint256 facts,
        bytes32 measurement,
        bytes32 commitment,
        address signer,
        uint8 signerCount,
        CallbackOutcome callback
    );
    /// @notice A batch item was not fulfilled: `reason` is the selector of the error `fulfil` would raise (an
    ///         `AuraOracle` error). The request stays pending.
    event FulfilmentSkipped(bytes32 indexed requestId, bytes4 reason);
    event AssessmentCancelled(bytes32 indexed requestId);

    error InsufficientFee(uint256 sent, uint256 required);
    error FeeTooLarge(uint256 sent);
    error ZeroSubject();
    error ParamsTooLong(uint256 length, uint256 maxLength);
    error UnknownRequest(bytes32 requestId);
    /// @notice The fields given are not the ones the request was made with.
    error RequestMismatch(bytes32 requestId);
    error AlreadyFulfilled(bytes32 requestId);
    error RequestCancelled(bytes32 requestId);
    error NotRequester(address caller);
    error NotExpired(uint64 expiresAt);
    error TransferFailed(address to, uint256 amount);

    /// @notice Ask for an assessment of `subject`. All of `msg.value` is the request's fee (at least `fee()`):
    ///         it goes to the payee of the signer whose assessment fulfils the request, or back on `cancel`.
    ///         `params`: docs/protocol.md (at most 1024 bytes).
    function requestAssessment(address subject, bytes calldata params) external payable returns (bytes32 requestId);

    /// @notice `requestAssessment` for a private assessment: the chain keeps the commitment to the score, never the
    ///         score. It is fulfilled only with score 0, tier `PRIVATE_TIER` and pdBps 0 (else `PrivacyMismatch`);
    ///         a protocol learns the score only from a threshold proof the subject makes (IAuraThresholdVerifier).
    ///         What this hides and what it does not: docs/protocol.md, "Private assessments".
    function requestPrivateAssessment(address subject, bytes calldata params)
        external
        payable
        returns (bytes32 requestId);

    /// @notice Take back the fee of a request nobody fulfilled before it expired (the requester only).
    function cancel(Request calldata req) external;

    /// @notice The fee a request must pay at least.
    function fee() external view returns (uint96);
    /// @notice How long a request stays open, in seconds.
    function requestTtl() external view returns (uint64);
    /// @notice The gas a callback gets; zero when callbacks are off.
    function callbackGasLimit() external view returns (uint32);
    /// @notice How many signers must sign an assessment.
    function threshold() external view returns (uint8);
    /// @notice How many requests were made: the next request's sequence number.
    function requestCount() external view returns (uint64);

    /// @notice The latest assessment stored for `subject`, whoever signed it (a revoked signer's included).
    function latestAssessment(address subject) external view returns (AssessmentRecord memory record);
    /// @notice The latest assessment of `subject` and whether it still counts: its signer is still active, or,
    ///         for an assessment of several signers, at least the threshold it met of them are. One that no
    ///         longer counts should be treated as absent.
    function latestAssessmentStatus(address subject)
        external
        view
        returns (AssessmentRecord memory record, bool signerActive);
    /// @notice Whether `subject` has an assessment whose features are at most `maxAge` seconds old and that still
    ///         counts.
    function isFresh(address subject, uint64 maxAge) external view returns (bool);
    /// @notice Who signed `subject`'s latest assessment, the threshold it met and how many of them are active.
    function latestSigners(address subject)
        external
        view
        returns (address[] memory signers_, uint8 threshold_, uint256 active);

    /// @notice The status of request `requestId`.
    function requestStatus(bytes32 requestId) external view returns (RequestStatus);
    /// @notice What the oracle keeps of request `requestId` (`RequestRecord`).
    function requestRecord(bytes32 requestId) external view returns (RequestRecord memory record);
    /// @notice Whether `req` is pending with exactly these fields: what `cancel` and `fulfil` check.
    function isRequestPending(Request calldata req) external view returns (bool);
    /// @notice The commitment to a request's fields that the oracle keeps while it is pending (bits 0, 1 and 255
    ///         aside): keccak256(abi.encode(requester, subject, fee, expiresAt, blockNumber)).
    function requestCommitment(Request calldata req) external pure returns (bytes32);

    /// @notice `signer`'s registration (`index` zero: never registered).
    function signers(address signer) external view returns (SignerInfo memory);
}
