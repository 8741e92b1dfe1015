// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuraConsumer} from "./IAuraConsumer.sol";
import {IAuraOracle, PRIVATE_TIER} from "./IAuraOracle.sol";

/// @title AuraOracle
/// @notice Takes credit-assessment requests and accepts answers signed (EIP-712) by registered enclave
///         signers. What consumers call and read (its structs, events and their errors) is `IAuraOracle`; wire
///         formats: docs/protocol.md.
/// @dev Per pending request only a commitment to its fields is stored, its top bit set (pending), its
///      lowest bit replaced by whether the requester ran code when it asked (so `fulfil` reads neither the
///      requester's account nor the settings slot for an EOA) and its next bit by whether it asked for a private
///      assessment; `fulfil` and `cancel` take the fields back from calldata. Fulfilment overwrites the request's
///      slot with the assessment's score commitment, its top bit cleared (nonzero to nonzero: no new slot), and a
///      cancelled request's slot holds a sentinel, so the slot alone tells None, Pending, Fulfilled and Cancelled
///      apart. A subject's latest assessment is one slot, naming the request that stored it by its sequence number
///      (the low 64 bits of its id, from which the id follows) and keeping the commitment's top bit, so the full
///      commitment is read back from the request's slot. State is always written before any external call.
///      Fees accrue to the signer whose assessment fulfilled the request and are paid to the payee
///      registered with it, never to the transmitter: copying a fulfilment's calldata earns nothing.
///      A quorum: the owner sets a threshold k (`setThreshold`, default 1). While k > 1 a fulfilment carries k or
///      more signatures over the same digest (`fulfilQuorum`, `fulfilBatchQuorum`): the first one's signer is
///      checked as `fulfil` checks it and earns the whole fee (a node puts its own enclave's first), the others
///      come in strictly ascending order of signer address and are looked up in the roster of the measurement
///      (the active signers registered with it, kept as the code of a data contract: one cold account read for
///      all, none per signer). The subject's record names them all in a second slot, so it counts only while k
///      of them stay active.
///      A private assessment (`requestPrivateAssessment`): every fulfilment path refuses a payload whose form does
///      not match the request's choice (`PrivacyMismatch`), so the stored record of a private one is score 0,
///      tier `PRIVATE_TIER`, PD 0, its flags and the commitment to the real score, which only a threshold proof
///      (AuraThresholdVerifier) speaks for. What that hides and what it does not: docs/protocol.md.
contract AuraOracle is IAuraOracle {
    /// @dev `facts` packs the signed small fields into one word of calldata, from the lowest bits up:
    ///      score (16), tier (8), pdBps (16), flags (32), timestamp (64), expiry (64); bits 200 and up must be
    ///      zero (`ScoreOutOfRange` otherwise: they read as part of an out-of-range score).
    struct Assessment {
        uint256 facts;
        bytes32 measurement;
        bytes32 commitment;
        uint64 blockNumber;
        bytes32 blockHash;
        bytes32 featuresHash;
    }

    /// @notice An EIP-2098 compact signature: `r`, and `s` with the recovery bit (`v - 27`) as its top bit.
    struct Signature {
        bytes32 r;
        bytes32 yParityAndS;
    }

    /// @dev What `fulfil` reads and writes of a signer, in one slot: its index while it is active (zero once
    ///      revoked), the fees its fulfilments earned that its payee has not withdrawn yet, and copies of
    ///      `maxAssessmentValidity` and `threshold` (kept by their setters), so `fulfil` reads no settings slot.
    struct SignerAccount {
        uint32 index;
        uint96 owed;
        uint32 maxValidity;
        uint8 threshold;
    }

    /// @dev The latest assessment of a subject, in one slot (16 + 8 + 16 + 32 + 40 + 40 + 32 + 64 + 8 = 256
    ///      bits). Its commitment lives in the slot of the request it answered (`_requests`, the id of request
    ///      `seq`) with its top bit cleared; `commitmentTopBit` is that bit. Times fit 40 bits (until the year
    ///      36812): `fulfil` refuses later ones (`AssessmentTimeOutOfRange`). `signerIndex` is the signer's index,
    ///      or for an assessment of two or more signers the first one's with `QUORUM_RECORD` set: its signers and
    ///      the threshold they met are then in the subject's `_quorums` word.
    struct PackedAssessment {
        uint16 score;
        uint8 tier;
        uint16 pdBps;
        uint32 flags;
        uint40 timestamp;
        uint40 expiry;
        uint32 signerIndex;
        uint64 seq;
        bool commitmentTopBit;
    }

    bytes32 public constant ASSESSMENT_TYPEHASH = keccak256(
        "Assessment(bytes32 requestId,address subject,uint16 score,uint8 tier,uint16 pdBps,uint32 flags,"
        "bytes32 measurement,bytes32 commitment,uint64 blockNumber,bytes32 blockHash,bytes32 featuresHash,"
        "uint64 timestamp,uint64 expiry)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("AuraOracle");
    bytes32 private constant VERSION_HASH = keccak256("1");

    uint256 public constant MAX_PARAMS_LENGTH = 1024;
    uint16 public constant MAX_SCORE = 1000;
    uint8 public constant MAX_TIER = 2;
    uint16 public constant MAX_PD_BPS = 10_000;
    uint64 public constant MAX_REQUEST_TTL = 30 days;
    uint32 public constant MAX_CALLBACK_GAS_LIMIT = 5_000_000;
    /// @notice The longest `maxAssessmentValidity` the owner may set.
    uint32 public constant ASSESSMENT_VALIDITY_LIMIT = 30 days;
    /// @notice `maxAssessmentValidity` at deployment: the longest validity (`assessment_ttl_s`) a node's
    ///         scoring config accepts, so an honestly configured node's assessments always pass.
    uint32 public constant DEFAULT_MAX_ASSESSMENT_VALIDITY = 7 days;
    /// @notice Gas a callback needs on top of `callbackGasLimit` and its 1/64 share: the CALL itself
    ///         (a cold account included) and what follows it (the event).
    uint256 public constant CALLBACK_GAS_OVERHEAD = 20_000;
    /// @notice Gas `fulfilBatch` sets aside per item for what follows its validation (its writes and its event;
    ///         its callback comes on top): an item is skipped with `InsufficientGas` when less remains.
    uint256 public constant BATCH_SETTLE_GAS = 70_000;
    /// @notice Gas `fulfilBatch` needs per item up front, on top of each callback's full share: the batch
    ///         reverts `InsufficientGas` when it starts with less than the sum.
    uint256 public constant BATCH_ITEM_GAS = 90_000;
    /// @dev The most signatures one quorum fulfilment carries, and so the highest threshold: the subject's quorum
    ///      word keeps 15 signer indexes of 16 bits beside the threshold and the count. Constants that the hot path
    ///      need not dispatch past are private (each public one costs every call after it ~24 gas).
    uint8 private constant MAX_QUORUM_SIGNERS = 15;
    /// @dev Gas `fulfilBatchQuorum` sets aside, up front and again before it settles an item, per signature after
    ///      an item's first: its recovery, its account and its share of the fee.
    uint256 private constant QUORUM_SIGNATURE_GAS = 15_000;
    /// @dev Gas `fulfilBatchQuorum` sets aside for an item of two or more signatures on top of that: the
    ///      subject's quorum word, a first write at worst, and the roster.
    uint256 private constant QUORUM_RECORD_GAS = 30_000;
    /// @dev The most active signers one measurement's roster holds: its data contract's code, a STOP and 32 bytes
    ///      per signer, stays within EIP-170's 24,576 bytes.
    uint256 private constant MAX_ROSTER_SIGNERS = 767;
    /// @dev The creation code of a roster's data contract, before its runtime code (a STOP, then the entries):
    ///      PUSH2 <runtime size>, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN.
    bytes1 private constant ROSTER_PUSH2 = 0x61;
    bytes9 private constant ROSTER_COPY_RETURN = 0x80600c6000396000f3;
    /// @notice The EIP-2935 contract that serves the hashes of the last 8191 blocks, where the chain has it.
    address public constant BLOCK_HASH_HISTORY = 0x0000F90827F1C53a10cb7A02335B175320002935;

    /// @dev The tag of an operator's update id (`updateId`), and the low 64 bits every such id has.
    bytes32 private constant UPDATE_TAG = keccak256("AuraOracle.update");
    uint64 private constant UPDATE_SEQ = type(uint64).max;
    /// @dev A cancelled request's slot. A fulfilled one holds the low 255 bits of a score commitment, never
    ///      zero or this (`UnstorableCommitment`).
    bytes32 private constant CANCELLED = bytes32(uint256(2));
    /// @dev The lowest bit of a pending request's commitment: the requester had code when it asked.
    uint256 private constant CALLBACK_BIT = 1;
    /// @dev The next bit of a pending request's commitment: the requester asked for a private assessment.
    uint256 private constant PRIVATE_BIT = 2;
    /// @dev The top bit of a request's slot: set while it is pending, clear once it is fulfilled or cancelled.
    uint256 private constant PENDING_BIT = 1 << 255;
    /// @dev The bits of a pending request's slot that are the oracle's own marks, not its commitment's.
    uint256 private constant MARKS = PENDING_BIT | PRIVATE_BIT | CALLBACK_BIT;
    /// @dev The low 40 bits of a private assessment's `facts`: score 0, tier `PRIVATE_TIER`, pdBps 0.
    uint256 private constant PRIVATE_FACTS = uint256(PRIVATE_TIER) << 16;
    /// @dev Set in `PackedAssessment.signerIndex` when the assessment has two or more signers (indexes fit 16 bits).
    uint32 private constant QUORUM_RECORD = 1 << 31;
    /// @dev The latest assessment keeps its times in 40 bits.
    uint64 private constant MAX_TIME = type(uint40).max;
    uint256 private constant SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    uint256 private immutable _cachedChainId;
    address private immutable _cachedThis;
    bytes32 private immutable _cachedDomainSeparator;

    // Slot 0: what requestAssessment and fulfil read, packed together.
    uint96 public fee;
    uint64 public requestTtl;
    uint32 public callbackGasLimit;
    /// @dev 16 bits, so that a quorum word holds 15 indexes; `signerCount()` returns it as before.
    uint16 private _signerCount;
    /// @notice How many signers must sign an assessment: 1 ..= min(MAX_QUORUM_SIGNERS, activeSignerCount).
    uint8 public threshold;
    /// @notice The longest validity (`expiry - timestamp`, seconds) an assessment may claim to be fulfilled.
    uint32 public maxAssessmentValidity;
    // Slot 1.
    address public owner;
    /// @notice How many requests were made: the next request's sequence number (the low 64 bits of its id).
    uint64 public requestCount;
    /// @notice How many registered signers are not revoked: `setThreshold`'s upper bound.
    uint16 public activeSignerCount;

    /// @dev A pending request's commitment (top bit set), a fulfilled one's score commitment (top bit clear),
    ///      or `CANCELLED`.
    mapping(bytes32 requestId => bytes32) private _requests;
    mapping(address subject => PackedAssessment) private _latest;
    mapping(address signer => SignerInfo) private _signers;
    mapping(uint32 index => address) private _signerAt;
    /// @dev keccak256(abi.encode(signer, measurement)) -> its index while active and the fees it is owed: what
    ///      `fulfil` checks and credits, in one slot. `_signers` tells the reason when the index is zero.
    mapping(bytes32 signerKey => SignerAccount) private _accounts;
    /// @dev The signers of a subject's latest assessment when it has two or more (`QUORUM_RECORD`), from the lowest
    ///      bits up: the threshold in force when it was fulfilled (8), how many signed (8), then each signer's index
    ///      (16 each, in signature order). Stale, and unread, once a single-signer assessment replaces it.
    mapping(address subject => uint256) private _quorums;
    /// @dev Per measurement, the data contract whose code is a STOP then the entries of the active signers
    ///      registered with it (`index << 160 | signer`, 32 bytes each, in ascending order of address); none when
    ///      no active signer has it. `registerSigner` and `revokeSigner` replace it (`_setRoster`), so a revoked
    ///      signer leaves it in the same transaction. A quorum's further signers are looked up in it.
    mapping(bytes32 measurement => address) private _rosters;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event FeeSet(uint96 fee);
    event RequestTtlSet(uint64 requestTtl);
    event CallbackGasLimitSet(uint32 callbackGasLimit);
    event MaxAssessmentValiditySet(uint32 maxAssessmentValidity);
    event ThresholdSet(uint8 threshold);
    event SignerRegistered(address indexed signer, uint32 indexed index, bytes32 measurement);
    event SignerRevoked(address indexed signer, uint32 indexed index);
    event SignerPayeeSet(address indexed signer, address indexed payee);
    event FeesWithdrawn(address indexed signer, address indexed payee, uint256 amount);

    error NotOwner();
    error ZeroAddress();
    error ZeroMeasurement();
    error InvalidRequestTtl(uint64 requestTtl);
    error InvalidCallbackGasLimit(uint32 callbackGasLimit);
    error InvalidMaxAssessmentValidity(uint32 maxAssessmentValidity);
    error SignerAlreadyRegistered(address signer);
    error SignerNotActive(address signer);
    error NotOwnerOrPayee(address caller);
    /// @notice A threshold of 0 or above `MAX_QUORUM_SIGNERS`.
    error InvalidThreshold(uint8 threshold);
    error ThresholdAboveActiveSigners(uint8 threshold, uint16 activeSigners);
    /// @notice Every one of the 65,535 signer indexes is taken.
    error SignerRegistryFull();
    /// @notice `MAX_ROSTER_SIGNERS` (767) signers registered with `measurement` are active already.
    error RosterFull(bytes32 measurement);


    error RequestExpired(bytes32 requestId, uint64 expiresAt);
    error ScoreOutOfRange(uint16 score);
    error TierOutOfRange(uint8 tier);
    /// @notice The payload's form does not match the request's choice: a private request takes score 0, tier
    ///         `PRIVATE_TIER` and pdBps 0; a public one any tier but `PRIVATE_TIER`.
    error PrivacyMismatch(bytes32 requestId);
    error PdOutOfRange(uint16 pdBps);
    error AssessmentFromFuture(uint64 timestamp);
    error AssessmentExpired(uint64 expiry);
    error AssessmentValidityTooLong(uint64 validity, uint32 maxValidity);
    /// @notice The assessment's times do not fit the 40 bits the latest assessment keeps them in.
    error AssessmentTimeOutOfRange(uint64 timestamp, uint64 expiry);
    /// @notice A score commitment whose low 255 bits are below 3: stored in its request's slot, zero would read
    ///         as an unknown request and 2 as a cancelled one (1 is refused with them: one comparison). A
    ///         keccak256 output is one of these with probability 3 * 2^-255.
    error UnstorableCommitment(bytes32 commitment);
    error BlockNumberMismatch(uint64 requested, uint64 signed);
    error UnknownBlock(uint64 blockNumber);
    error NonCanonicalBlockHash(uint64 blockNumber, bytes32 canonical, bytes32 signed);
    error InvalidSignatureS(bytes32 s);
    error InvalidSignature();
    error UnknownSigner(address signer);
    error RevokedSigner(address signer);
    error MeasurementMismatch(bytes32 registered, bytes32 signed);
    error InsufficientGas();
    error LengthMismatch(uint256 requests, uint256 assessments, uint256 signatures);
    /// @notice Fewer valid signatures than the threshold in force (`fulfil` carries one).
    error QuorumNotMet(uint256 got, uint256 needed);
    /// @notice A quorum's signers after the first must come in strictly ascending order of address, none the
    ///         first's: one cannot count twice.
    error SignersNotAscending(address previous, address next);
    error TooManySignatures(uint256 got, uint256 max);


    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(uint96 fee_, uint64 requestTtl_, uint32 callbackGasLimit_) {
        _cachedChainId = block.chainid;
        _cachedThis = address(this);
        _cachedDomainSeparator = _buildDomainSeparator();
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        _setFee(fee_);
        _setRequestTtl(requestTtl_);
        _setCallbackGasLimit(callbackGasLimit_);
        _setMaxAssessmentValidity(DEFAULT_MAX_ASSESSMENT_VALIDITY);
        threshold = 1; // no signer is active yet: the one threshold `setThreshold` could not set
        emit ThresholdSet(1);
    }

    // ------------------------------------------------------------------ admin

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setFee(uint96 fee_) external onlyOwner {
        _setFee(fee_);
    }

    function setRequestTtl(uint64 requestTtl_) external onlyOwner {
        _setRequestTtl(requestTtl_);
    }

    /// @notice Zero turns callbacks off.
    function setCallbackGasLimit(uint32 callbackGasLimit_) external onlyOwner {
        _setCallbackGasLimit(callbackGasLimit_);
    }

    /// @notice Cap an assessment's validity (`expiry - timestamp`): 1 second to `ASSESSMENT_VALIDITY_LIMIT`.
    ///         Applies to fulfilments from now on; stored assessments keep their expiry.
    function setMaxAssessmentValidity(uint32 maxAssessmentValidity_) external onlyOwner {
        _setMaxAssessmentValidity(maxAssessmentValidity_);
    }

    /// @notice How many signatures a fulfilment needs: 1 ..= `MAX_QUORUM_SIGNERS`, and at most the active
    ///         signers. Applies to fulfilments from now on; a stored assessment keeps the threshold it met.
    function setThreshold(uint8 threshold_) external onlyOwner {
        if (threshold_ == 0 || threshold_ > MAX_QUORUM_SIGNERS) revert InvalidThreshold(threshold_);
        uint16 active = activeSignerCount;
        if (threshold_ > active) revert ThresholdAboveActiveSigners(threshold_, active);
        threshold = threshold_;
        _syncAccounts(maxAssessmentValidity, threshold_);
        emit ThresholdSet(threshold_);
    }

    /// @notice Register an enclave signer with its measurement and the payee its fulfilments' fees go to.
    function registerSigner(address signer, bytes32 measurement, address payee) external onlyOwner {
        if (signer == address(0) || payee == address(0)) revert ZeroAddress();
        if (measurement == bytes32(0)) revert ZeroMeasurement();
        if (_signers[signer].index != 0) revert SignerAlreadyRegistered(signer);
        if (_signerCount == type(uint16).max) revert SignerRegistryFull();
        uint16 index = ++_signerCount;
        ++activeSignerCount;
        _signers[signer] = SignerInfo({
            index: index,
            active: true,
            registeredAt: uint64(block.timestamp),
            revokedAt: 0,
            measurement: measurement,
            payee: payee
        });
        _signerAt[index] = signer;
        SignerAccount storage account = _accounts[_signerKey(signer, measurement)];
        (account.index, account.maxValidity, account.threshold) = (index, maxAssessmentValidity, threshold);
        _rosterInsert(measurement, signer, index);
        emit SignerRegistered(signer, index, measurement);
        emit SignerPayeeSet(signer, payee);
    }

    /// @notice Stop accepting `signer`'s assessments; those it signed stop counting unless enough of their other
    ///         signers stay active. The fees it earned stay withdrawable by its payee. Never refused for the
    ///         threshold: while fewer signers than it are active, nothing is fulfilled until the owner lowers it.
    function revokeSigner(address signer) external onlyOwner {
        SignerInfo storage info = _signers[signer];
        if (!info.active) revert SignerNotActive(signer);
        info.active = false;
        info.revokedAt = uint64(block.timestamp);
        _accounts[_signerKey(signer, info.measurement)].index = 0;
        _rosterRemove(info.measurement, signer);
        --activeSignerCount;
        emit SignerRevoked(signer, info.index);
    }

    /// @notice Change where `signer`'s fees go: the owner or the current payee may (revoked signers included).
    function setSignerPayee(address signer, address payee) external {
        SignerInfo storage info = _signers[signer];
        if (info.index == 0) revert UnknownSigner(signer);
        if (msg.sender != owner && msg.sender != info.payee) revert NotOwnerOrPayee(msg.sender);
        if (payee == address(0)) revert ZeroAddress();
        info.payee = payee;
        emit SignerPayeeSet(signer, payee);
    }

    /// @notice Pay the fees `signer`'s fulfilments earned to its payee; anyone may trigger it.
    function withdrawFees(address signer) external returns (uint256 amount) {
        SignerInfo storage info = _signers[signer];
        if (info.index == 0) revert UnknownSigner(signer);
        SignerAccount storage account = _accounts[_signerKey(signer, info.measurement)];
        amount = account.owed;
        if (amount == 0) return 0;
        account.owed = 0;
        address payee = info.payee;
        emit FeesWithdrawn(signer, payee, amount);
        _pay(payee, amount);
    }

    function _setFee(uint96 fee_) private {
        fee = fee_;
        emit FeeSet(fee_);
    }

    function _setRequestTtl(uint64 requestTtl_) private {
        if (requestTtl_ == 0 || requestTtl_ > MAX_REQUEST_TTL) revert InvalidRequestTtl(requestTtl_);
        requestTtl = requestTtl_;
        emit RequestTtlSet(requestTtl_);
    }

    function _setCallbackGasLimit(uint32 callbackGasLimit_) private {
        if (callbackGasLimit_ > MAX_CALLBACK_GAS_LIMIT) revert InvalidCallbackGasLimit(callbackGasLimit_);
        callbackGasLimit = callbackGasLimit_;
        emit CallbackGasLimitSet(callbackGasLimit_);
    }

    function _setMaxAssessmentValidity(uint32 maxAssessmentValidity_) private {
        if (maxAssessmentValidity_ == 0 || maxAssessmentValidity_ > ASSESSMENT_VALIDITY_LIMIT) {
            revert InvalidMaxAssessmentValidity(maxAssessmentValidity_);
        }
        maxAssessmentValidity = maxAssessmentValidity_;
        _syncAccounts(maxAssessmentValidity_, threshold);
        emit MaxAssessmentValiditySet(maxAssessmentValidity_);
    }

    /// @dev Copy the settings `fulfil` reads into every active signer's account.
    function _syncAccounts(uint32 maxValidity, uint8 threshold_) private {
        uint32 count = _signerCount;
        for (uint32 i = 1; i <= count; ++i) {
            address signer = _signerAt[i];
            SignerInfo storage info = _signers[signer];
            if (info.active) {
                SignerAccount storage account = _accounts[_signerKey(signer, info.measurement)];
                (account.maxValidity, account.threshold) = (maxValidity, threshold_);
            }
        }
    }

    /// @dev Add `signer` (index `index`) to `measurement`'s roster, in its place by address.
    function _rosterInsert(bytes32 measurement, address signer, uint32 index) private {
        uint256[] memory old = _rosterOf(measurement);
        uint256 n = old.length;
        if (n == MAX_ROSTER_SIGNERS) revert RosterFull(measurement);
        uint256 at;
        while (at < n && uint160(old[at]) < uint160(signer)) ++at;
        uint256[] memory entries = new uint256[](n + 1);
        for (uint256 i; i < n; ++i) {
            entries[i < at ? i : i + 1] = old[i];
        }
        entries[at] = uint256(index) << 160 | uint160(signer);
        _setRoster(measurement, entries);
    }

    /// @dev Take `signer`, an active one registered with `measurement`, out of its roster.
    function _rosterRemove(bytes32 measurement, address signer) private {
        uint256[] memory old = _rosterOf(measurement);
        uint256[] memory entries = new uint256[](old.length - 1);
        uint256 j;
        for (uint256 i; i < old.length; ++i) {
            if (address(uint160(old[i])) != signer) entries[j++] = old[i];
        }
        _setRoster(measurement, entries);
    }

    /// @dev Deploy a data contract holding `entries` and make it `measurement`'s roster (none when empty).
    function _setRoster(bytes32 measurement, uint256[] memory entries) private {
        address pointer;
        if (entries.length != 0) {
            bytes memory code = abi.encodePacked(
                ROSTER_PUSH2, uint16(1 + 32 * entries.length), ROSTER_COPY_RETURN, bytes1(0x00), entries
            );
            assembly ("memory-safe") {
                pointer := create(0, add(code, 0x20), mload(code))
            }
            if (pointer == address(0)) revert InsufficientGas();
        }
        _rosters[measurement] = pointer;
    }

    // --------------------------------------------------------------- requests

    /// @notice Ask for an assessment of `subject`. All of `msg.value` is the request's fee: it goes to the payee
    ///         of the signer whose assessment fulfils the request, or back to the requester on `cancel`. The
    ///         assessment is computed at this block (`Request.blockNumber`).
    function requestAssessment(address subject, bytes calldata params)
        external
        payable
        returns (bytes32 requestId)
    {
        return _request(subject, params, false);
    }

    /// @notice `requestAssessment` for a private assessment: it is fulfilled only with score 0, tier
    ///         `PRIVATE_TIER` and pdBps 0 beside the commitment to the score, which the subject alone can open.
    function requestPrivateAssessment(address subject, bytes calldata params)
        external
        payable
        returns (bytes32 requestId)
    {
        return _request(subject, params, true);
    }

    /// @dev Both request calls: the request's commitment, marked pending, calling back or not and private or not.
    function _request(address subject, bytes calldata params, bool isPrivate) private returns (bytes32 requestId) {
        uint256 required = fee;
        if (msg.value < required) revert InsufficientFee(msg.value, required);
        if (msg.value > type(uint96).max) revert FeeTooLarge(msg.value);
        if (subject == address(0)) revert ZeroSubject();
        if (params.length > MAX_PARAMS_LENGTH) revert ParamsTooLong(params.length, MAX_PARAMS_LENGTH);
        uint64 seq = requestCount++;
        requestId = _requestId(seq);
        uint64 expiresAt = uint64(block.timestamp) + requestTtl;
        // A caller that is not the transaction's origin runs code (a contract, or one under construction); an
        // origin with code is an EIP-7702 delegated account.
        bool callsBack = msg.sender != tx.origin || msg.sender.code.length != 0;
        _requests[requestId] = bytes32(
            uint256(_commitment(msg.sender, subject, uint96(msg.value), expiresAt, uint64(block.number))) & ~MARKS
                | (callsBack ? CALLBACK_BIT : 0) | (isPrivate ? PRIVATE_BIT : 0) | PENDING_BIT
        );
        emit AssessmentRequested(requestId, msg.sender, subject, uint96(msg.value), expiresAt, params, isPrivate);
    }

    /// @notice Store a signed assessment, credit the request's fee to the signer (for its payee) and call the
    ///         requester back. Refused with `QuorumNotMet(1, threshold)` while the threshold is above 1.
    function fulfil(Request calldata req, Assessment calldata a, Signature calldata signature) external {
        (bytes memory err, address signer, SignerAccount storage account, bool callsBack,) =
            _validate(req, a, signature, 1);
        // `_revertWith` and `_callbackGasLimit` spelled out (~50 gas less on the hot path): the settings slot and
        // the requester's account are read only for a requester that had code when it asked.
        if (err.length != 0) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
        uint256 gasLimit;
        if (callsBack) {
            gasLimit = callbackGasLimit;
            if (gasLimit != 0 && req.requester.code.length == 0) gasLimit = 0;
        }
        _settle(req, a, signer, account, gasLimit, req.fee, 0);
    }

    /// @notice Store an assessment signed by `threshold` or more active signers (at most `MAX_QUORUM_SIGNERS`), each
    ///         registered with the assessment's measurement: the first signature any of them (it earns the request's
    ///         whole fee: a node puts its own enclave's first), the others in strictly ascending order of signer
    ///         address and none the first's signer. Then call the requester back.
    function fulfilQuorum(Request calldata req, Assessment calldata a, Signature[] calldata signatures) external {
        (bytes memory err, address first, SignerAccount storage account, bool callsBack, uint256 word) =
            _validateQuorum(req, a, signatures);
        _revertWith(err);
        _settle(req, a, first, account, _callbackGasLimit(req, callsBack), req.fee, word);
    }

    /// @notice Fulfil many requests. An item that fails validation is skipped with `FulfilmentSkipped`
    ///         (carrying the selector of the error `fulfil` would raise). Every item's callback is given its
    ///         full gas whatever the others burn: the batch reverts `InsufficientGas` unless it starts with
    ///         `BATCH_ITEM_GAS` per item plus a callback's full share per pending item with the callback bit,
    ///         and an item left with less than it needs is skipped with `InsufficientGas` (it stays pending).
    function fulfilBatch(Request[] calldata reqs, Assessment[] calldata assessments, Signature[] calldata signatures)
        external
    {
        uint256 n = reqs.length;
        if (assessments.length != n || signatures.length != n) {
            revert LengthMismatch(n, assessments.length, signatures.length);
        }
        (uint256 gasLimit, uint256 callbackGas, uint256 reserve) = _batchReserve(reqs);
        if (gasleft() < reserve) revert InsufficientGas();
        uint256 freeMemory = _freeMemory();
        for (uint256 i; i < n; ++i) {
            Request calldata req = reqs[i];
            (bytes memory err, address signer, SignerAccount storage account, bool callsBack,) =
                _validate(req, assessments[i], signatures[i], 1);
            if (err.length == 0) (err, callsBack) = _checkSettleGas(req, callsBack, gasLimit, callbackGas, 0);
            if (err.length != 0) {
                emit FulfilmentSkipped(req.id, bytes4(err));
            } else {
                _settle(req, assessments[i], signer, account, callsBack ? gasLimit : 0, req.fee, 0);
            }
            _resetMemory(freeMemory);
        }
    }

    /// @notice `fulfilQuorum` for many requests, as `fulfilBatch` does it: an item that fails is skipped with
    ///         `FulfilmentSkipped` and its error's selector. The gas set aside per item, up front and before it
    ///         settles, grows by 30,000 for an item of two or more signatures and 15,000 per signature after its
    ///         first (`QUORUM_RECORD_GAS`, `QUORUM_SIGNATURE_GAS`).
    function fulfilBatchQuorum(
        Request[] calldata reqs,
        Assessment[] calldata assessments,
        Signature[][] calldata signatures
    ) external {
        uint256 n = reqs.length;
        if (assessments.length != n || signatures.length != n) {
            revert LengthMismatch(n, assessments.length, signatures.length);
        }
        (uint256 gasLimit, uint256 callbackGas, uint256 reserve) = _batchReserve(reqs);
        for (uint256 i; i < n; ++i) {
            reserve += _quorumGas(signatures[i].length);
        }
        if (gasleft() < reserve) revert InsufficientGas();
        uint256 freeMemory = _freeMemory();
        for (uint256 i; i < n; ++i) {
            Request calldata req = reqs[i];
            (bytes memory err, address first, SignerAccount storage account, bool callsBack, uint256 word) =
                _validateQuorum(req, assessments[i], signatures[i]);
            if (err.length == 0) {
                (err, callsBack) =
                    _checkSettleGas(req, callsBack, gasLimit, callbackGas, _quorumGas(signatures[i].length));
            }
            if (err.length != 0) {
                emit FulfilmentSkipped(req.id, bytes4(err));
            } else {
                _settle(req, assessments[i], first, account, callsBack ? gasLimit : 0, req.fee, word);
            }
            _resetMemory(freeMemory);
        }
    }

    /// @notice Take back the fee of a request nobody fulfilled before it expired.
    function cancel(Request calldata req) external {
        (bytes memory err,,) = _checkRequest(req);
        _revertWith(err);
        if (msg.sender != req.requester) revert NotRequester(msg.sender);
        if (block.timestamp <= req.expiresAt) revert NotExpired(req.expiresAt);
        _requests[req.id] = CANCELLED;
        emit AssessmentCancelled(req.id);
        if (req.fee != 0) _pay(msg.sender, req.fee);
    }

    // ------------------------------------------------------------------ views

    /// @notice The latest assessment stored for `subject`, whoever signed it (a revoked signer's included:
    ///         see `latestAssessmentStatus`). `signer` is its first signer when it has several (`latestSigners`).
    function latestAssessment(address subject) external view returns (AssessmentRecord memory record) {
        (record,) = _record(subject);
    }

    /// @notice The latest assessment of `subject` and whether it still counts: its signer is still active, or,
    ///         for an assessment of several signers, at least the threshold it met of them are. One that no
    ///         longer counts should be treated as absent.
    function latestAssessmentStatus(address subject)
        external
        view
        returns (AssessmentRecord memory record, bool signerActive)
    {
        return _record(subject);
    }

    /// @notice Whether `subject` has an assessment whose features are at most `maxAge` seconds old and that still
    ///         counts (`latestAssessmentStatus`).
    function isFresh(address subject, uint64 maxAge) external view returns (bool) {
        PackedAssessment storage p = _latest[subject];
        uint32 signerIndex = p.signerIndex;
        return signerIndex != 0 && block.timestamp - p.timestamp <= maxAge && _counts(subject, signerIndex);
    }

    /// @notice Who signed `subject`'s latest assessment (in signature order: the first, then ascending), the
    ///         threshold in force when it was fulfilled (1 for a single signer's) and how many of them are still
    ///         active: it counts while `active >= threshold_`. Empty, 0 and 0 when nothing is stored.
    function latestSigners(address subject)
        external
        view
        returns (address[] memory signers_, uint8 threshold_, uint256 active)
    {
        uint32 signerIndex = _latest[subject].signerIndex;
        if (signerIndex == 0) return (signers_, 0, 0);
        if (signerIndex & QUORUM_RECORD == 0) {
            signers_ = new address[](1);
            signers_[0] = _signerAt[signerIndex];
            return (signers_, 1, _signers[signers_[0]].active ? 1 : 0);
        }
        uint256 word = _quorums[subject];
        uint256 count = uint8(word >> 8);
        signers_ = new address[](count);
        for (uint256 i; i < count; ++i) {
            signers_[i] = _signerAt[_quorumIndex(word, i)];
            if (_signers[signers_[i]].active) ++active;
        }
        threshold_ = uint8(word);
    }

    /// @notice The status of request `requestId`, from its slot alone: empty (None), the cancelled sentinel,
    ///         top bit set (Pending) or a score commitment (Fulfilled).
    function requestStatus(bytes32 requestId) external view returns (RequestStatus) {
        uint256 stored = uint256(_requests[requestId]);
        if (stored == 0) return RequestStatus.None;
        if (stored == uint256(CANCELLED)) return RequestStatus.Cancelled;
        if (stored & PENDING_BIT != 0) return RequestStatus.Pending;
        return RequestStatus.Fulfilled;
    }

    /// @notice What the oracle keeps of request `requestId`, from its slot alone (`RequestRecord`). A pending
    ///         request's fields are not stored, only committed to: rebuild them from its `AssessmentRequested`
    ///         log (docs/evm.md) and check them with `isRequestPending`.
    function requestRecord(bytes32 requestId) external view returns (RequestRecord memory record) {
        uint256 stored = uint256(_requests[requestId]);
        if (stored == 0) return record;
        if (stored == uint256(CANCELLED)) {
            record.status = RequestStatus.Cancelled;
        } else if (stored & PENDING_BIT != 0) {
            record.status = RequestStatus.Pending;
            record.callsBack = stored & CALLBACK_BIT != 0;
            record.isPrivate = stored & PRIVATE_BIT != 0;
            record.commitment = bytes32(stored);
        } else {
            record.status = RequestStatus.Fulfilled;
            record.commitment = bytes32(stored);
        }
    }

    /// @notice Whether `req` is pending with exactly these fields: `cancel` and `fulfil` take it.
    function isRequestPending(Request calldata req) external view returns (bool) {
        (bytes memory err,,) = _checkRequest(req);
        return err.length == 0;
    }

    /// @notice keccak256(abi.encode(requester, subject, fee, expiresAt, blockNumber)): what the oracle keeps of a
    ///         pending request (`requestRecord`), bits 0, 1 and 255 aside.
    function requestCommitment(Request calldata req) external pure returns (bytes32) {
        return _commitment(req.requester, req.subject, req.fee, req.expiresAt, req.blockNumber);
    }

    function signers(address signer) external view returns (SignerInfo memory) {
        return _signers[signer];
    }

    /// @notice The fees `signer`'s fulfilments earned that its payee has not withdrawn.
    function feesOwed(address signer) external view returns (uint256) {
        return _accounts[_signerKey(signer, _signers[signer].measurement)].owed;
    }

    /// @notice The signer registered `index`-th (1-based); zero when none.
    function signerAt(uint32 index) external view returns (address) {
        return _signerAt[index];
    }

    /// @notice How many signers were ever registered (revoked ones included): the last index given.
    function signerCount() external view returns (uint32) {
        return _signerCount;
    }

    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == _cachedChainId && address(this) == _cachedThis) return _cachedDomainSeparator;
        return _buildDomainSeparator();
    }

    /// @notice The id an operator's update of `subject` is signed and stored under, for an assessment of
    ///         `timestamp`: keccak256(abi.encode(keccak256("AuraOracle.update"), chainId, this, subject, timestamp))
    ///         with its low 64 bits set, which no request's id has (theirs are its sequence number). An update
    ///         is `fulfil`, `fulfilQuorum` or a batch of them with the `Request` {id: this, requester: zero,
    ///         subject, fee: 0, expiresAt: any, blockNumber: the assessment's}: the same signatures, threshold and
    ///         checks of the assessment as a fulfilment, no request, no fee, no callback; once per id.
    function updateId(address subject, uint64 timestamp) public view returns (bytes32) {
        uint256 hash = uint256(keccak256(abi.encode(UPDATE_TAG, block.chainid, address(this), subject, timestamp)));
        return bytes32(hash | UPDATE_SEQ);
    }

    /// @notice The EIP-712 digest the enclave signs for `a` answering `req`.
    function assessmentDigest(Request calldata req, Assessment calldata a) external view returns (bytes32) {
        return _digest(req, a);
    }

    // --------------------------------------------------------------- internal

    function _record(address subject) private view returns (AssessmentRecord memory record, bool signerActive) {
        PackedAssessment memory p = _latest[subject];
        if (p.signerIndex == 0) return (record, false);
        address signer = _signerAt[p.signerIndex & ~QUORUM_RECORD];
        SignerInfo storage info = _signers[signer];
        record = AssessmentRecord({
            exists: true,
            score: p.score,
            tier: p.tier,
            pdBps: p.pdBps,
            flags: p.flags,
            timestamp: p.timestamp,
            expiry: p.expiry,
            signer: signer,
            measurement: info.measurement,
            commitment: bytes32(
                uint256(_requests[p.seq == UPDATE_SEQ ? updateId(subject, p.timestamp) : _requestId(p.seq)])
                    | (p.commitmentTopBit ? PENDING_BIT : 0)
            )
        });
        signerActive = _counts(subject, p.signerIndex);
    }

    /// @dev Whether the latest assessment of `subject`, whose `PackedAssessment.signerIndex` is `signerIndex`,
    ///      still counts: its signer is active, or as many of its signers as the threshold it met are.
    function _counts(address subject, uint32 signerIndex) private view returns (bool) {
        if (signerIndex & QUORUM_RECORD == 0) return _signers[_signerAt[signerIndex]].active;
        uint256 word = _quorums[subject];
        uint256 needed = uint8(word);
        uint256 count = uint8(word >> 8);
        for (uint256 i; i < count && needed != 0; ++i) {
            if (_signers[_signerAt[_quorumIndex(word, i)]].active) --needed;
        }
        return needed == 0;
    }

    /// @dev The index of the `i`-th signer of a quorum word.
    function _quorumIndex(uint256 word, uint256 i) private pure returns (uint32) {
        return uint16(word >> (16 + 16 * i));
    }

    /// @dev The id of request `seq`: keccak256(abi.encode(chainId, this, seq)) with its low 64 bits replaced by
    ///      `seq`. Ids are distinct per request and per chain and contract; the id follows from `seq` alone.
    function _requestId(uint64 seq) private view returns (bytes32) {
        uint256 hash = uint256(keccak256(abi.encode(block.chainid, address(this), seq)));
        return bytes32(hash & ~uint256(type(uint64).max) | seq);
    }

    function _commitment(address requester, address subject, uint96 fee_, uint64 expiresAt, uint64 blockNumber)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(requester, subject, fee_, expiresAt, blockNumber));
    }

    function _score(Assessment calldata a) private pure returns (uint16) {
        return uint16(a.facts);
    }

    function _tier(Assessment calldata a) private pure returns (uint8) {
        return uint8(a.facts >> 16);
    }

    function _pdBps(Assessment calldata a) private pure returns (uint16) {
        return uint16(a.facts >> 24);
    }

    function _flags(Assessment calldata a) private pure returns (uint32) {
        return uint32(a.facts >> 40);
    }

    function _timestamp(Assessment calldata a) private pure returns (uint64) {
        return uint64(a.facts >> 72);
    }

    function _expiry(Assessment calldata a) private pure returns (uint64) {
        return uint64(a.facts >> 136);
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function _digest(Request calldata req, Assessment calldata a) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                ASSESSMENT_TYPEHASH,
                req.id,
                req.subject,
                _score(a),
                _tier(a),
                _pdBps(a),
                _flags(a),
                a.measurement,
                a.commitment,
                a.blockNumber,
                a.blockHash,
                a.featuresHash,
                _timestamp(a),
                _expiry(a)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @dev The request is pending and `req` carries its committed fields, whether its requester had code when it
    ///      asked (the commitment's lowest bit) and whether it asked for a private assessment (the next bit); else
    ///      the error to raise.
    function _checkRequest(Request calldata req) private view returns (bytes memory, bool callsBack, bool isPrivate) {
        uint256 stored = uint256(_requests[req.id]);
        if (stored & PENDING_BIT == 0) {
            bytes4 reason = stored == 0
                ? UnknownRequest.selector
                : stored == uint256(CANCELLED) ? RequestCancelled.selector : AlreadyFulfilled.selector;
            return (abi.encodeWithSelector(reason, req.id), false, false);
        }
        uint256 expected = uint256(_commitment(req.requester, req.subject, req.fee, req.expiresAt, req.blockNumber));
        // All bits but the three the slot uses for its own marks (pending, private, callback).
        if (stored | MARKS != expected | MARKS) {
            return (abi.encodeWithSelector(RequestMismatch.selector, req.id), false, false);
        }
        return ("", stored & CALLBACK_BIT != 0, stored & PRIVATE_BIT != 0);
    }

    /// @dev An operator's update (`requester` zero): no request, no fee and no callback; its id is
    ///      `updateId(subject, timestamp)`, which takes it once (its slot then holds its commitment, as a fulfilled
    ///      request's does); never over a subject whose latest assessment is private (an update is public). Its
    ///      `expiresAt` is not read.
    function _checkUpdate(Request calldata req, Assessment calldata a) private view returns (bytes memory) {
        if (req.fee != 0 || req.id != updateId(req.subject, _timestamp(a))) {
            return abi.encodeWithSelector(RequestMismatch.selector, req.id);
        }
        if (_requests[req.id] != 0) return abi.encodeWithSelector(AlreadyFulfilled.selector, req.id);
        if (_latest[req.subject].tier == PRIVATE_TIER) return abi.encodeWithSelector(PrivacyMismatch.selector, req.id);
        return "";
    }

    /// @dev Everything `fulfil` checks, without reverting: `err` is the ABI-encoded error, empty when valid;
    ///      else the signer, its account, whether the requester had code when it asked, and the digest. `count`
    ///      is how many signatures the fulfilment carries (1 for `fulfil`): the threshold is checked against it
    ///      once the first signer is known, from that signer's slot.
    function _validate(Request calldata req, Assessment calldata a, Signature calldata signature, uint256 count)
        private
        view
        returns (bytes memory err, address signer, SignerAccount storage account, bool callsBack, bytes32 digest)
    {
        account = _accounts[bytes32(0)];
        bool isPrivate;
        if (req.requester == address(0)) {
            err = _checkUpdate(req, a);
        } else {
            (err, callsBack, isPrivate) = _checkRequest(req);
            if (err.length == 0 && block.timestamp > req.expiresAt) {
                err = abi.encodeWithSelector(RequestExpired.selector, req.id, req.expiresAt);
            }
        }
        if (err.length != 0) return (err, address(0), account, false, 0);
        err = _checkFacts(req, a, isPrivate);
        if (err.length != 0) return (err, address(0), account, false, 0);
        digest = _digest(req, a);
        (err, signer) = _recover(digest, signature);
        if (err.length != 0) return (err, address(0), account, false, 0);
        account = _accounts[_signerKey(signer, a.measurement)];
        // The signer's slot read once: its index, and the copies of the threshold and the validity cap.
        uint256 word;
        assembly ("memory-safe") {
            word := sload(account.slot)
        }
        (uint32 index, uint32 maxValidity, uint8 needed) = _unpackAccount(word);
        if (index == 0) return (_signerError(signer, a.measurement), address(0), account, false, 0);
        if (count < needed) {
            return (abi.encodeWithSelector(QuorumNotMet.selector, count, needed), address(0), account, false, 0);
        }
        uint64 validity;
        unchecked {
            validity = _expiry(a) - _timestamp(a); // timestamp <= block.timestamp <= expiry: no underflow
        }
        if (validity > maxValidity) {
            err = abi.encodeWithSelector(AssessmentValidityTooLong.selector, validity, maxValidity);
            return (err, address(0), account, false, 0);
        }
        // timestamp <= block.timestamp <= expiry: an expiry that fits 40 bits takes the timestamp with it. Checked
        // after the cap, so a far-off expiry is still reported as too long a validity.
        if (_expiry(a) > MAX_TIME) {
            err = abi.encodeWithSelector(AssessmentTimeOutOfRange.selector, _timestamp(a), _expiry(a));
            return (err, address(0), account, false, 0);
        }
    }

    /// @dev Everything `fulfilQuorum` checks, without reverting: `err` is the ABI-encoded error, empty when valid;
    ///      else the first signer, its account (which the fee goes to), whether the requester had code when it
    ///      asked, and for two or more signatures the subject's quorum word (`_quorums`; zero for one). No signature,
    ///      or more than `MAX_QUORUM_SIGNERS`, is refused first; then `_validate` with the first signature and the
    ///      count; then each further signature: recovered, its signer found in the measurement's roster (so
    ///      active, with the assessment's measurement) above the one before it, and not the first signer.
    function _validateQuorum(Request calldata req, Assessment calldata a, Signature[] calldata signatures)
        private
        view
        returns (bytes memory err, address first, SignerAccount storage account, bool callsBack, uint256 word)
    {
        account = _accounts[bytes32(0)];
        uint256 count = signatures.length;
        if (count == 0) return (abi.encodeWithSelector(QuorumNotMet.selector, 0, threshold), first, account, false, 0);
        if (count > MAX_QUORUM_SIGNERS) {
            err = abi.encodeWithSelector(TooManySignatures.selector, count, MAX_QUORUM_SIGNERS);
            return (err, first, account, false, 0);
        }
        bytes32 digest;
        (err, first, account, callsBack, digest) = _validate(req, a, signatures[0], count);
        if (err.length != 0 || count == 1) return (err, first, account, callsBack, 0);
        word = uint256(account.threshold) | count << 8 | uint256(account.index) << 16;
        uint256[] memory roster = _rosterOf(a.measurement);
        uint256 next; // the roster position the next signer is looked for from
        address previous;
        for (uint256 i = 1; i < count; ++i) {
            address signer;
            (err, signer) = _recover(digest, signatures[i]);
            if (err.length != 0) return (err, address(0), account, false, 0);
            uint256 entry;
            (next, entry) = _find(roster, next, signer);
            if (entry == 0) return (_unlisted(signer, previous, a.measurement), address(0), account, false, 0);
            if (signer == first) {
                err = abi.encodeWithSelector(SignersNotAscending.selector, first, signer);
                return (err, address(0), account, false, 0);
            }
            previous = signer;
            word |= (entry >> 160) << (16 + 16 * i);
        }
    }

    /// @dev The entries of `measurement`'s roster (`_rosters`), read from its data contract's code; empty when none.
    function _rosterOf(bytes32 measurement) private view returns (uint256[] memory entries) {
        address pointer = _rosters[measurement];
        assembly ("memory-safe") {
            let n := shr(5, extcodesize(pointer)) // a STOP, then 32 bytes per entry
            entries := mload(0x40)
            mstore(entries, n)
            extcodecopy(pointer, add(entries, 0x20), 1, shl(5, n))
            mstore(0x40, add(add(entries, 0x20), shl(5, n)))
        }
    }

    /// @dev `signer`'s entry in `roster`, looked for from position `from` on (the roster is in ascending order of
    ///      address), and the position after it; zero when it is not there at or after `from`.
    function _find(uint256[] memory roster, uint256 from, address signer)
        private
        pure
        returns (uint256 next, uint256 entry)
    {
        uint256 n = roster.length;
        for (next = from; next < n; ++next) {
            uint256 candidate = roster[next];
            address listed = address(uint160(candidate));
            if (listed == signer) return (next + 1, candidate);
            if (listed > signer) break;
        }
        return (next, 0);
    }

    /// @dev Why a further signer of a quorum is not in its roster from where it was looked for: it is no active
    ///      registration with `measurement` (`_signerError`), or it is one that came too early, at or below
    ///      `previous` (the roster holds every active one).
    function _unlisted(address signer, address previous, bytes32 measurement) private view returns (bytes memory) {
        if (_accounts[_signerKey(signer, measurement)].index == 0) return _signerError(signer, measurement);
        return abi.encodeWithSelector(SignersNotAscending.selector, previous, signer);
    }

    /// @dev A `SignerAccount` slot's index, validity cap and threshold (its layout: index 32 bits, owed 96,
    ///      maxValidity 32, threshold 8, from the lowest bits up).
    function _unpackAccount(uint256 word) private pure returns (uint32 index, uint32 maxValidity, uint8 needed) {
        return (uint32(word), uint32(word >> 128), uint8(word >> 160));
    }

    /// @dev The assessment's own fields: ranges, the form the request's privacy asks for (`isPrivate`: score,
    ///      tier and pdBps exactly `PRIVATE_FACTS`; else no `PRIVATE_TIER`), times, and the pinned block (the
    ///      request's, and canonical).
    function _checkFacts(Request calldata req, Assessment calldata a, bool isPrivate)
        private
        view
        returns (bytes memory)
    {
        if (_score(a) > MAX_SCORE || a.facts >> 200 != 0) {
            return abi.encodeWithSelector(ScoreOutOfRange.selector, _score(a));
        }
        if (isPrivate) {
            if (uint40(a.facts) != PRIVATE_FACTS) return abi.encodeWithSelector(PrivacyMismatch.selector, req.id);
        } else if (_tier(a) > MAX_TIER) {
            if (_tier(a) == PRIVATE_TIER) return abi.encodeWithSelector(PrivacyMismatch.selector, req.id);
            return abi.encodeWithSelector(TierOutOfRange.selector, _tier(a));
        }
        if (_pdBps(a) > MAX_PD_BPS) return abi.encodeWithSelector(PdOutOfRange.selector, _pdBps(a));
        uint64 timestamp = _timestamp(a);
        if (timestamp > block.timestamp) return abi.encodeWithSelector(AssessmentFromFuture.selector, timestamp);
        uint64 expiry = _expiry(a);
        if (block.timestamp > expiry) return abi.encodeWithSelector(AssessmentExpired.selector, expiry);
        if (uint256(a.commitment) & ~PENDING_BIT <= uint256(CANCELLED)) {
            return abi.encodeWithSelector(UnstorableCommitment.selector, a.commitment);
        }
        uint64 number = a.blockNumber;
        if (number != req.blockNumber) {
            return abi.encodeWithSelector(BlockNumberMismatch.selector, req.blockNumber, number);
        }
        bytes32 canonical = _blockHash(number);
        if (canonical == bytes32(0)) return abi.encodeWithSelector(UnknownBlock.selector, number);
        if (canonical != a.blockHash) {
            return abi.encodeWithSelector(NonCanonicalBlockHash.selector, number, canonical, a.blockHash);
        }
        return "";
    }

    /// @dev The hash of block `blockNumber` of this chain: BLOCKHASH for the last 256 blocks, the EIP-2935 history
    ///      contract for older ones where the chain has it; zero when unknown (the current block, a future
    ///      one, one older than either window, or no history contract).
    function _blockHash(uint256 blockNumber) private view returns (bytes32 hash) {
        if (blockNumber >= block.number) return bytes32(0);
        if (block.number - blockNumber <= 256) return blockhash(blockNumber);
        address history = BLOCK_HASH_HISTORY;
        assembly ("memory-safe") {
            mstore(0, blockNumber)
            // The history contract reverts outside its window; an address without code returns nothing.
            let ok := staticcall(gas(), history, 0, 0x20, 0, 0x20)
            if and(ok, eq(returndatasize(), 0x20)) { hash := mload(0) }
        }
    }

    /// @dev Why `signer` with `measurement` is not an active registration.
    function _signerError(address signer, bytes32 measurement) private view returns (bytes memory) {
        SignerInfo storage info = _signers[signer];
        if (info.index == 0) return abi.encodeWithSelector(UnknownSigner.selector, signer);
        if (!info.active) return abi.encodeWithSelector(RevokedSigner.selector, signer);
        return abi.encodeWithSelector(MeasurementMismatch.selector, info.measurement, measurement);
    }

    function _signerKey(address signer, bytes32 measurement) private pure returns (bytes32) {
        return keccak256(abi.encode(signer, measurement));
    }

    /// @dev ECDSA recovery for a compact signature, `s` in the lower half order (its length and `v` cannot be
    ///      malformed: a compact signature has no length and one bit of `v`).
    function _recover(bytes32 digest, Signature calldata signature) private pure returns (bytes memory, address) {
        uint256 yParityAndS = uint256(signature.yParityAndS);
        bytes32 s = bytes32(yParityAndS & (type(uint256).max >> 1));
        if (uint256(s) > SECP256K1_HALF_N) return (abi.encodeWithSelector(InvalidSignatureS.selector, s), address(0));
        address signer = ecrecover(digest, uint8(27 + (yParityAndS >> 255)), signature.r, s);
        if (signer == address(0)) return (abi.encodeWithSelector(InvalidSignature.selector), address(0));
        return ("", signer);
    }

    /// @dev Mark `req` fulfilled (its slot takes the score commitment, top bit cleared), credit `amount` to the
    ///      signer's account, store `a` as the subject's latest unless a newer one is stored, call the requester
    ///      back and emit. Assessments arriving out of order never replace a newer one, unless the newer one no
    ///      longer counts (`_counts`; checked only on that rare path); their request's slot still takes their
    ///      commitment (its top bit is then kept nowhere but in calldata and the signatures). `quorumWord` is
    ///      zero for a single signer, else the subject's `_quorums` word, stored with the latest assessment.
    ///      `gasLimit` is the callback's gas, zero for none (no callback bit, no code now, or callbacks off).
    function _settle(
        Request calldata req,
        Assessment calldata a,
        address signer,
        SignerAccount storage account,
        uint256 gasLimit,
        uint96 amount,
        uint256 quorumWord
    ) private {
        uint256 commitment = uint256(a.commitment);
        _requests[req.id] = bytes32(commitment & ~PENDING_BIT); // nonzero to nonzero: `_checkFacts` saw to it
        uint256 signerIndex = account.index;
        if (amount != 0) account.owed += amount;
        PackedAssessment storage stored = _latest[req.subject];
        if (_timestamp(a) >= stored.timestamp || !_counts(req.subject, stored.signerIndex)) {
            if (quorumWord != 0) {
                signerIndex |= QUORUM_RECORD;
                _quorums[req.subject] = quorumWord;
            }
            // The struct's word, built at once: `facts` holds score, tier, pdBps and flags in the same low 72 bits
            // and the timestamp above them, which fits 40 bits as the expiry does (`_validate`); the id's low
            // 64 bits are the request's sequence number.
            uint256 facts = a.facts;
            uint256 word = facts & type(uint112).max | (facts >> 136) << 112 | signerIndex << 152
                | uint256(uint64(uint256(req.id))) << 184 | (commitment >> 255) << 248;
            assembly ("memory-safe") {
                sstore(stored.slot, word)
            }
        }
        CallbackOutcome callback;
        if (gasLimit != 0) {
            bool ok = _callback(
                req.requester,
                abi.encodeCall(
                    IAuraConsumer.onAssessment, (req.id, req.subject, _score(a), _tier(a), _pdBps(a), _flags(a))
                ),
                gasLimit
            );
            callback = ok ? CallbackOutcome.Succeeded : CallbackOutcome.Reverted;
        }
        emit AssessmentFulfilled(
            req.id,
            req.subject,
            a.facts,
            a.measurement,
            a.commitment,
            signer,
            quorumWord == 0 ? 1 : uint8(quorumWord >> 8),
            callback
        );
    }

    /// @dev The callback's gas for `req`: read only for a requester that had code when it asked (the CALL would
    ///      touch the account anyway); zero when callbacks are off or it has no code now.
    function _callbackGasLimit(Request calldata req, bool callsBack) private view returns (uint256 gasLimit) {
        if (callsBack) {
            gasLimit = callbackGasLimit;
            if (gasLimit != 0 && req.requester.code.length == 0) gasLimit = 0;
        }
    }

    /// @dev A batch's callback gas limit, a callback's full share and the gas the batch needs up front:
    ///      `BATCH_ITEM_GAS` per item and the share per pending item with the callback bit (the request slot read
    ///      here is read again, warm, when the item is validated).
    function _batchReserve(Request[] calldata reqs)
        private
        view
        returns (uint256 gasLimit, uint256 callbackGas, uint256 reserve)
    {
        gasLimit = callbackGasLimit;
        callbackGas = gasLimit == 0 ? 0 : gasLimit + gasLimit / 63 + CALLBACK_GAS_OVERHEAD;
        uint256 n = reqs.length;
        reserve = n * BATCH_ITEM_GAS;
        if (callbackGas != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 stored = uint256(_requests[reqs[i].id]);
                if (stored & (PENDING_BIT | CALLBACK_BIT) == PENDING_BIT | CALLBACK_BIT) reserve += callbackGas;
            }
        }
    }

    /// @dev What a quorum item of `count` signatures needs on top of a single signer's item (none for more than
    ///      `MAX_QUORUM_SIGNERS`: it is refused before any recovery).
    function _quorumGas(uint256 count) private pure returns (uint256) {
        if (count < 2 || count > MAX_QUORUM_SIGNERS) return 0;
        return QUORUM_RECORD_GAS + (count - 1) * QUORUM_SIGNATURE_GAS;
    }

    /// @dev Whether a validated batch item calls back now, and `InsufficientGas` when less gas remains than its
    ///      settlement needs: `BATCH_SETTLE_GAS`, its callback's share when it calls back, and `extra`.
    function _checkSettleGas(
        Request calldata req,
        bool callsBack,
        uint256 gasLimit,
        uint256 callbackGas,
        uint256 extra
    ) private view returns (bytes memory err, bool callsBackNow) {
        callsBackNow = callsBack && gasLimit != 0 && req.requester.code.length != 0;
        if (gasleft() < (callsBackNow ? BATCH_SETTLE_GAS + callbackGas : BATCH_SETTLE_GAS) + extra) {
            err = abi.encodeWithSelector(InsufficientGas.selector);
        }
    }

    /// @dev Revert with `err`, an ABI-encoded error, unless it is empty.
    function _revertWith(bytes memory err) private pure {
        if (err.length != 0) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }

    /// @dev The free memory pointer, which a batch restores after each item (`_resetMemory`).
    function _freeMemory() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Nothing a batch item allocates outlives it: reuse its memory so a long batch stays linear in gas.
    function _resetMemory(uint256 pointer) private pure {
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    /// @dev Call `target` with exactly `gasLimit` gas, never copying its returndata. Reverts
    ///      `InsufficientGas` when the 63/64 rule would hand the callee less than `gasLimit`.
    function _callback(address target, bytes memory data, uint256 gasLimit) private returns (bool success) {
        bytes4 insufficientGas = InsufficientGas.selector;
        assembly ("memory-safe") {
            if lt(gas(), add(add(gasLimit, div(gasLimit, 63)), CALLBACK_GAS_OVERHEAD)) {
                mstore(0, insufficientGas)
                revert(0, 4)
            }
            success := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// @dev Send `amount` wei to `to` with all remaining gas, never copying returndata.
    function _pay(address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert TransferFailed(to, amount);
    }
}
