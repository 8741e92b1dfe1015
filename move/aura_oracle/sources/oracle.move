/// Aura's oracle on Sui (docs/sui.md).
///
/// A shared `Oracle` takes paid assessment requests, holds each fee until the request is fulfilled (the fee goes
/// to the payees registered with the signing enclave keys, whoever sends the fulfilment) or cancelled after it
/// expired (the fee goes back to the requester), and keeps the current, versioned `WalletScore` of every assessed
/// wallet. A settled request leaves only its status behind. A fulfilment carries an assessment signed by at least
/// `threshold` registered, active enclave keys (one with `fulfil` while the threshold is 1; `fulfil_quorum` for
/// any threshold): secp256k1 ECDSA signatures (low-S, SHA-256) over the BCS bytes of
/// `IntentMessage<AssessmentPayload>`, which binds this oracle, the request and its subject, the checkpoint the
/// assessment was computed at and the hash of the features it scored.
///
/// An operator may also push a watched wallet's re-score with no request and no fee (`update`, `update_quorum`):
/// the same signed assessment under an id derived on-chain from the oracle, the subject and the assessment's time
/// (`update_id`), checked as strictly as a fulfilment and taken once per id (docs/protocol.md, "Operator updates").
///
/// A request may ask for a private assessment (`request_private_assessment`): its fulfilment then carries score 0,
/// pd 0 and tier `PRIVATE_TIER` in place of the score's own, and the Poseidon commitment to the real score as
/// always, so the chain never holds the score and a protocol learns it only from a threshold proof (`zk`), which
/// the subject alone can make. The score is still a function of public history and the open model, so anyone who
/// replays the scoring can recompute it (docs/protocol.md, "Private assessments").
module aura_oracle::oracle;

use sui::balance::{Self, Balance};
use sui::bcs;
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::dynamic_field as df;
use sui::dynamic_object_field as dof;
use sui::ecdsa_k1;
use sui::event;
use sui::hash;
use sui::sui::SUI;

// === Errors (docs/sui.md, "Errors"; the node maps these codes to their names) ===

const EWrongCap: u64 = 1;
const EBadWindow: u64 = 2;
const EBadPublicKey: u64 = 3;
const EBadMeasurement: u64 = 4;
const EEnclaveNotRegistered: u64 = 5;
const EEnclaveRevoked: u64 = 6;
const EWrongFee: u64 = 7;
const EParamsTooLong: u64 = 8;
const ERequestNotFound: u64 = 9;
const ERequestNotPending: u64 = 10;
const ERequestExpired: u64 = 11;
const EMeasurementMismatch: u64 = 12;
const EBadCommitment: u64 = 13;
const EBadSignature: u64 = 14;
const EScoreOutOfRange: u64 = 15;
const ETierOutOfRange: u64 = 16;
const EPdOutOfRange: u64 = 17;
const ETimestampInFuture: u64 = 18;
const EStaleAssessment: u64 = 19;
const EAssessmentExpired: u64 = 20;
const EInvalidSignature: u64 = 21;
// 22 is retired (it was `EOlderThanStored`: an older assessment now fulfils its request without replacing the
// stored score). Codes are never reused.
const ENotRequester: u64 = 23;
const ENotExpired: u64 = 24;
const EEnclaveExists: u64 = 25;
const EKeyRevoked: u64 = 26;
const EBadCheckpointDigest: u64 = 27;
const EBadFeaturesHash: u64 = 28;
const ECheckpointBeforeRequest: u64 = 29;
const EZeroPayee: u64 = 30;
const EQuorumNotMet: u64 = 31;
const EInvalidThreshold: u64 = 32;
const EThresholdAboveActiveSigners: u64 = 33;
const ESignersNotAscending: u64 = 34;
const ETooManySignatures: u64 = 35;
const ESignatureCountMismatch: u64 = 36;
// 37 to 45 are `zk`'s.
const EPrivacyMismatch: u64 = 46;

// === Constants ===

/// The intent byte of an Aura assessment.
const ASSESSMENT_INTENT: u8 = 1;
/// What an operator update's id (`update_id`) hashes first: the hashes Sui derives object IDs from begin with a
/// one-byte scope instead, so an update id is never an object's (a request's) ID.
const UPDATE_TAG: vector<u8> = b"AuraOracle.update";
/// `secp256k1_verify`'s name for SHA-256.
const SHA256: u8 = 1;

const PUBLIC_KEY_LENGTH: u64 = 33;
const MEASUREMENT_LENGTH: u64 = 32;
const COMMITMENT_LENGTH: u64 = 32;
const CHECKPOINT_DIGEST_LENGTH: u64 = 32;
const FEATURES_HASH_LENGTH: u64 = 32;
const SIGNATURE_LENGTH: u64 = 64;
const MAX_PARAMS_LENGTH: u64 = 1024;
/// The most signatures a quorum fulfilment carries, and so the highest threshold. Sui's limits (16 KiB per pure
/// argument, 1000 dynamic fields read per transaction) would allow far more; 16 keeps the gas of one fulfilment
/// bounded (EVM keeps 15, for how it packs a score's signers).
const MAX_QUORUM_SIGNERS: u64 = 16;

const MAX_REQUEST_TTL_MS: u64 = 604_800_000;
const MAX_AGE_MS: u64 = 86_400_000;
const MAX_SKEW_MS: u64 = 300_000;

const MAX_SCORE: u16 = 1000;
/// Tiers: 0 Basic, 1 Standard, 2 Premium (docs/protocol.md).
const MAX_TIER: u8 = 2;
const MAX_PD_BPS: u16 = 10000;
/// The tier of a private assessment, whose score and pd are 0 (docs/protocol.md, "Private assessments").
const PRIVATE_TIER: u8 = 255;

const STATUS_PENDING: u8 = 0;
const STATUS_FULFILLED: u8 = 1;
const STATUS_CANCELLED: u8 = 2;

/// Half the order of secp256k1: a signature's `s` above it is the malleated (high-S) twin of a valid one.
const SECP256K1_HALF_ORDER: u256 =
    0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

// === Objects ===

/// The oracle: shared, one per deployment. Enclaves, requests and scores hang off its UID.
public struct Oracle has key {
    id: UID,
    /// MIST a request pays, exactly.
    fee: u64,
    request_ttl_ms: u64,
    max_age_ms: u64,
    max_skew_ms: u64,
    next_nonce: u64,
    /// How many distinct active enclave keys must sign an assessment: 1 ..= MAX_QUORUM_SIGNERS, 1 at `create`.
    threshold: u8,
    /// How many registered keys are not revoked: `set_threshold`'s upper bound.
    active_enclaves: u64,
}

/// The right to register and revoke enclaves and set the fee and windows of the oracle it names.
public struct AdminCap has key, store {
    id: UID,
    oracle: ID,
}

/// Dynamic field name of an enclave record.
public struct EnclaveKey has copy, drop, store {
    public_key: vector<u8>,
}

/// An enclave key's record. A revoked key stays revoked: it is never registered again.
public struct Enclave has drop, store {
    measurement: vector<u8>,
    /// Where the fees of the requests this key's assessments fulfil go.
    payee: address,
    active: bool,
    registered_ms: u64,
    revoked_ms: u64,
}

/// Dynamic field name of a request's status record.
public struct RequestKey has copy, drop, store {
    request_id: ID,
}

/// A request's status record: added with the request and kept for good, so `request_status` answers for a
/// settled request too. It is all that is left of a request once it is fulfilled or cancelled. An operator update
/// has one too, added fulfilled under its `update_id` when the update is taken.
public struct Request has store {
    status: u8,
}

/// Dynamic field name of a pending request's body.
public struct PendingKey has copy, drop, store {
    request_id: ID,
}

/// What a pending request holds: removed (with its storage rebate, to the sender) when it is settled.
public struct PendingRequest has store {
    nonce: u64,
    requester: address,
    subject: address,
    /// Held until fulfilled (to the signing key's payee) or cancelled (to the requester).
    fee: Balance<SUI>,
    fee_paid: u64,
    created_ms: u64,
    expires_ms: u64,
    params: vector<u8>,
    /// Whether it asked for a private assessment: its fulfilment must then carry the private form (score 0, tier
    /// PRIVATE_TIER, pd 0), and a public request's must not carry tier PRIVATE_TIER (`EPrivacyMismatch`).
    private: bool,
}

/// Dynamic object field name of a subject's score.
public struct ScoreKey has copy, drop, store {
    subject: address,
}

/// A subject's current score; `version` is 1 for the first and grows by one on each update. It counts
/// (`score_counts`) while at least `threshold` of its `signers` are active.
public struct WalletScore has key, store {
    id: UID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    /// The sequence number of the checkpoint the assessment was computed at (the one holding its request).
    checkpoint: u64,
    /// keccak-256 of the canonical features the enclave scored (docs/protocol.md), 32 bytes.
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    request_id: ID,
    /// The enclave keys that signed it (33 bytes compressed each), in ascending order of their addresses.
    signers: vector<vector<u8>>,
    /// The threshold in force when it was stored.
    threshold: u8,
    version: u64,
}

// === The signed payload ===

public struct AssessmentPayload has copy, drop {
    oracle: ID,
    request_id: ID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    expiry_ms: u64,
}

public struct IntentMessage<T: copy + drop> has copy, drop {
    intent: u8,
    timestamp_ms: u64,
    payload: T,
}

// === Events ===

public struct OracleCreated has copy, drop {
    oracle: ID,
    admin_cap: ID,
    fee: u64,
}

public struct EnclaveRegistered has copy, drop {
    oracle: ID,
    public_key: vector<u8>,
    measurement: vector<u8>,
    payee: address,
}

public struct EnclavePayeeSet has copy, drop {
    oracle: ID,
    public_key: vector<u8>,
    payee: address,
}

public struct EnclaveRevoked has copy, drop {
    oracle: ID,
    public_key: vector<u8>,
}

public struct ThresholdSet has copy, drop {
    oracle: ID,
    threshold: u8,
}

public struct AssessmentRequested has copy, drop {
    oracle: ID,
    request_id: ID,
    nonce: u64,
    requester: address,
    subject: address,
    fee: u64,
    created_ms: u64,
    expires_ms: u64,
    params: vector<u8>,
    private: bool,
}

public struct AssessmentFulfilled has copy, drop {
    oracle: ID,
    request_id: ID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    /// The version of the subject's stored score after this fulfilment.
    version: u64,
    /// Whether this assessment is now the subject's stored score; false when the stored one is newer (and still
    /// counts), so it was kept: the request is settled and the fee paid all the same.
    stored: bool,
    /// The signing key, and its signature; with `fulfil_quorum`, the first (lowest address) of the signers.
    public_key: vector<u8>,
    signature: vector<u8>,
    /// The fulfilling transaction's sender.
    transmitter: address,
    /// Who was paid `fee`: the payee registered with `public_key`.
    payee: address,
    fee: u64,
}

/// Emitted by `fulfil_quorum`, after its `AssessmentFulfilled`: every signer, its signature, payee and share.
public struct QuorumFulfilled has copy, drop {
    oracle: ID,
    request_id: ID,
    /// The threshold in force.
    threshold: u8,
    /// In ascending order of their addresses; the first is `AssessmentFulfilled`'s `public_key`.
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    /// The payee of each key, and what it was paid: equal shares, the remainder to the first.
    payees: vector<address>,
    fees: vector<u64>,
}

public struct AssessmentCancelled has copy, drop {
    oracle: ID,
    request_id: ID,
    requester: address,
    refund: u64,
}

// === Administration ===

/// Shares a new oracle and returns the capability that administers it.
public fun create(
    fee: u64,
    request_ttl_ms: u64,
    max_age_ms: u64,
    max_skew_ms: u64,
    ctx: &mut TxContext,
): AdminCap {
    check_windows(request_ttl_ms, max_age_ms, max_skew_ms);
    let oracle = Oracle {
        id: object::new(ctx),
        fee,
        request_ttl_ms,
        max_age_ms,
        max_skew_ms,
        next_nonce: 0,
        threshold: 1,
        active_enclaves: 0,
    };
    let oracle_id = object::id(&oracle);
    let cap = AdminCap { id: object::new(ctx), oracle: oracle_id };
    event::emit(OracleCreated { oracle: oracle_id, admin_cap: object::id(&cap), fee });
    transfer::share_object(oracle);
    cap
}

public fun set_fee(cap: &AdminCap, oracle: &mut Oracle, fee: u64) {
    check_cap(cap, oracle);
    oracle.fee = fee;
}

public fun set_windows(
    cap: &AdminCap,
    oracle: &mut Oracle,
    request_ttl_ms: u64,
    max_age_ms: u64,
    max_skew_ms: u64,
) {
    check_cap(cap, oracle);
    check_windows(request_ttl_ms, max_age_ms, max_skew_ms);
    oracle.request_ttl_ms = request_ttl_ms;
    oracle.max_age_ms = max_age_ms;
    oracle.max_skew_ms = max_skew_ms;
}

/// Sets how many distinct active enclave keys must sign an assessment, for fulfilments from now on (a stored
/// score keeps the threshold it was stored under): 1 ..= MAX_QUORUM_SIGNERS (`EInvalidThreshold`), and at most
/// the active keys (`EThresholdAboveActiveSigners`).
public fun set_threshold(cap: &AdminCap, oracle: &mut Oracle, threshold: u8) {
    check_cap(cap, oracle);
    assert!(threshold >= 1 && (threshold as u64) <= MAX_QUORUM_SIGNERS, EInvalidThreshold);
    assert!((threshold as u64) <= oracle.active_enclaves, EThresholdAboveActiveSigners);
    oracle.threshold = threshold;
    event::emit(ThresholdSet { oracle: object::id(oracle), threshold });
}

/// Registers an enclave key (33-byte compressed secp256k1) with its 32-byte measurement and the payee its
/// fulfilments' fees go to (not @0x0). A key is registered at most once: an active one aborts `EEnclaveExists`, a
/// revoked one `EKeyRevoked` (a revoked key stays revoked; an operator comes back with a new key).
public fun register_enclave(
    cap: &AdminCap,
    oracle: &mut Oracle,
    public_key: vector<u8>,
    measurement: vector<u8>,
    payee: address,
    clock: &Clock,
) {
    check_cap(cap, oracle);
    assert!(is_compressed_key(&public_key), EBadPublicKey);
    assert!(measurement.length() == MEASUREMENT_LENGTH, EBadMeasurement);
    assert!(payee != @0x0, EZeroPayee);
    let key = EnclaveKey { public_key };
    if (df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, key)) {
        assert!(!df::borrow<EnclaveKey, Enclave>(&oracle.id, key).active, EEnclaveExists);
        abort EKeyRevoked
    };
    df::add(
        &mut oracle.id,
        key,
        Enclave { measurement, payee, active: true, registered_ms: clock.timestamp_ms(), revoked_ms: 0 },
    );
    oracle.active_enclaves = oracle.active_enclaves + 1;
    event::emit(EnclaveRegistered { oracle: object::id(oracle), public_key, measurement, payee });
}

/// Changes where an active enclave key's fulfilments pay their fees (not @0x0).
public fun set_enclave_payee(cap: &AdminCap, oracle: &mut Oracle, public_key: vector<u8>, payee: address) {
    check_cap(cap, oracle);
    assert!(public_key.length() == PUBLIC_KEY_LENGTH, EBadPublicKey);
    assert!(payee != @0x0, EZeroPayee);
    let key = EnclaveKey { public_key };
    assert!(df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, key), EEnclaveNotRegistered);
    let enclave = df::borrow_mut<EnclaveKey, Enclave>(&mut oracle.id, key);
    assert!(enclave.active, EEnclaveRevoked);
    enclave.payee = payee;
    event::emit(EnclavePayeeSet { oracle: object::id(oracle), public_key, payee });
}

/// Revokes an active enclave key for good: its signatures are refused from now on, and a stored score it signed
/// stops counting once fewer than its threshold of signers are active. Never refused for the threshold: with fewer
/// active keys than the threshold nothing is fulfilled until more are registered or the threshold is lowered.
public fun revoke_enclave(cap: &AdminCap, oracle: &mut Oracle, public_key: vector<u8>, clock: &Clock) {
    check_cap(cap, oracle);
    assert!(public_key.length() == PUBLIC_KEY_LENGTH, EBadPublicKey);
    let key = EnclaveKey { public_key };
    assert!(df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, key), EEnclaveNotRegistered);
    let enclave = df::borrow_mut<EnclaveKey, Enclave>(&mut oracle.id, key);
    assert!(enclave.active, EEnclaveRevoked);
    enclave.active = false;
    enclave.revoked_ms = clock.timestamp_ms();
    oracle.active_enclaves = oracle.active_enclaves - 1;
    event::emit(EnclaveRevoked { oracle: object::id(oracle), public_key });
}

// === Requests ===

/// Asks for an assessment of `subject`, paying exactly the oracle's fee. Returns the request id.
public fun request_assessment(
    oracle: &mut Oracle,
    subject: address,
    params: vector<u8>,
    payment: Coin<SUI>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    new_request(oracle, subject, params, payment, false, clock, ctx)
}

/// `request_assessment` for a private assessment: its fulfilment stores score 0, pd 0 and tier `PRIVATE_TIER`
/// with the commitment to the real score, which only a threshold proof (`zk::verify_threshold`) reveals anything
/// of. Returns the request id.
public fun request_private_assessment(
    oracle: &mut Oracle,
    subject: address,
    params: vector<u8>,
    payment: Coin<SUI>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    new_request(oracle, subject, params, payment, true, clock, ctx)
}

/// Stores a pending request (public or `private`) and emits `AssessmentRequested`.
fun new_request(
    oracle: &mut Oracle,
    subject: address,
    params: vector<u8>,
    payment: Coin<SUI>,
    private: bool,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    let fee_paid = payment.value();
    assert!(fee_paid == oracle.fee, EWrongFee);
    assert!(params.length() <= MAX_PARAMS_LENGTH, EParamsTooLong);

    let uid = object::new(ctx);
    let request_id = uid.to_inner();
    uid.delete();

    let nonce = oracle.next_nonce;
    oracle.next_nonce = nonce + 1;
    let created_ms = clock.timestamp_ms();
    let expires_ms = created_ms + oracle.request_ttl_ms;
    let requester = ctx.sender();
    df::add(&mut oracle.id, RequestKey { request_id }, Request { status: STATUS_PENDING });
    df::add(
        &mut oracle.id,
        PendingKey { request_id },
        PendingRequest {
            nonce,
            requester,
            subject,
            fee: payment.into_balance(),
            fee_paid,
            created_ms,
            expires_ms,
            params,
            private,
        },
    );
    event::emit(AssessmentRequested {
        oracle: object::id(oracle),
        request_id,
        nonce,
        requester,
        subject,
        fee: fee_paid,
        created_ms,
        expires_ms,
        params,
        private,
    });
    request_id
}

/// Answers a pending request with an assessment signed by one enclave key, while the threshold is 1
/// (`EQuorumNotMet` above it): pays the held fee to the payee registered with the signing key (never to the
/// sender: whoever copies a broadcast fulfilment and is executed first gains no fee), removes the request's body
/// (its storage rebate goes to the sender, as on any Sui deletion) and stores the subject's score, unless the
/// stored one is newer and still counts. The checks run in the order of docs/sui.md.
public fun fulfil(
    oracle: &mut Oracle,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    public_key: vector<u8>,
    signature: vector<u8>,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let (message, created_ms, private) = open_request(
        oracle,
        request_id,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
        clock,
    );
    settle_signed(
        oracle,
        message,
        created_ms,
        private,
        vector[public_key],
        vector[signature],
        false,
        false,
        clock,
        ctx,
    );
}

/// `fulfil` for any threshold: the same assessment signed by at least `threshold` and at most MAX_QUORUM_SIGNERS
/// distinct active keys, `public_keys[i]` signing `signatures[i]`, in strictly ascending order of the keys'
/// addresses (`signer_address`), so that one key cannot count twice. The fee is split equally between the keys'
/// registered payees, the remainder to the first; the stored score keeps the keys and the threshold. Emits
/// `AssessmentFulfilled` (naming the first key) and then `QuorumFulfilled` (naming all).
public fun fulfil_quorum(
    oracle: &mut Oracle,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let (message, created_ms, private) = open_request(
        oracle,
        request_id,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
        clock,
    );
    settle_signed(oracle, message, created_ms, private, public_keys, signatures, true, false, clock, ctx);
}

/// Check 1, the request (pending and not expired), and the message its assessment must be signed over, rebuilt
/// from this oracle, the request's stored subject and the arguments; and the request's `created_ms` and privacy.
fun open_request(
    oracle: &Oracle,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    clock: &Clock,
): (IntentMessage<AssessmentPayload>, u64, bool) {
    let request = borrow_pending(oracle, request_id);
    assert!(clock.timestamp_ms() <= request.expires_ms, ERequestExpired);
    let message = intent_message(
        object::id(oracle),
        request_id,
        request.subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
    );
    (message, request.created_ms, request.private)
}

/// Checks 2 to 5 of a fulfilment whose request is open, or of an operator update (`update`: no request, so
/// `created_ms` 0 and no fee), then settles it: pays the keys' payees (nothing, for an update), marks the
/// request (or records the update's id) fulfilled, stores the score and emits `AssessmentFulfilled` (and
/// `QuorumFulfilled` when `quorum`).
fun settle_signed(
    oracle: &mut Oracle,
    message: IntentMessage<AssessmentPayload>,
    created_ms: u64,
    private: bool,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    quorum: bool,
    update: bool,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let now = clock.timestamp_ms();
    let bytes = bcs::to_bytes(&message); // what step 5 verifies each signature over
    let IntentMessage { timestamp_ms, payload, .. } = message;
    let AssessmentPayload {
        oracle: oracle_id,
        request_id,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        expiry_ms,
    } = payload;

    // 2. How many signed; each key, in ascending order of addresses; the sizes of what they signed.
    let count = public_keys.length();
    assert!(signatures.length() == count, ESignatureCountMismatch);
    assert!(count <= MAX_QUORUM_SIGNERS, ETooManySignatures);
    let threshold = oracle.threshold;
    assert!(count >= (threshold as u64), EQuorumNotMet);
    let mut payees = vector[];
    let mut previous: u256 = 0;
    let mut i = 0;
    while (i < count) {
        let public_key = public_keys[i];
        assert!(public_key.length() == PUBLIC_KEY_LENGTH, EBadPublicKey);
        let enclave_key = EnclaveKey { public_key };
        assert!(df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, enclave_key), EEnclaveNotRegistered);
        let enclave = df::borrow<EnclaveKey, Enclave>(&oracle.id, enclave_key);
        assert!(enclave.active, EEnclaveRevoked);
        assert!(
            measurement.length() == MEASUREMENT_LENGTH && measurement == enclave.measurement,
            EMeasurementMismatch,
        );
        payees.push_back(enclave.payee);
        // One key alone needs no order (and its address is not computed: `fulfil` costs what it did).
        if (count > 1) {
            let number = address_number(&signer_address(&public_key));
            assert!(i == 0 || previous < number, ESignersNotAscending);
            previous = number;
        };
        i = i + 1;
    };
    assert!(commitment.length() == COMMITMENT_LENGTH, EBadCommitment);
    assert!(checkpoint_digest.length() == CHECKPOINT_DIGEST_LENGTH, EBadCheckpointDigest);
    assert!(features_hash.length() == FEATURES_HASH_LENGTH, EBadFeaturesHash);
    signatures.do_ref!(|signature| assert!(signature.length() == SIGNATURE_LENGTH, EBadSignature));

    // 3. The request's privacy, then the ranges: a private request takes exactly the private form, a public one
    // never tier PRIVATE_TIER.
    if (private) {
        assert!(score == 0 && tier == PRIVATE_TIER && pd_bps == 0, EPrivacyMismatch);
    } else {
        assert!(tier != PRIVATE_TIER, EPrivacyMismatch);
        assert!(score <= MAX_SCORE, EScoreOutOfRange);
        assert!(tier <= MAX_TIER, ETierOutOfRange);
        assert!(pd_bps <= MAX_PD_BPS, EPdOutOfRange);
    };

    // 4. Times. The signed timestamp is the pinned checkpoint's, in whole seconds; that checkpoint holds the
    // request's transaction, whose clock was at most the checkpoint's time: so it is not before the second the
    // request was made in (an update has no request: its `created_ms` is 0). The next check bounds `timestamp_ms`,
    // so the sum after it cannot overflow.
    assert!(timestamp_ms >= created_ms / 1000 * 1000, ECheckpointBeforeRequest);
    assert!(timestamp_ms <= now + oracle.max_skew_ms, ETimestampInFuture);
    assert!(now <= timestamp_ms + oracle.max_age_ms, EStaleAssessment);
    assert!(timestamp_ms < expiry_ms && now <= expiry_ms, EAssessmentExpired);

    // 5. Each signature over the message: one `secp256k1_verify` per key.
    let mut i = 0;
    while (i < count) {
        let signature = &signatures[i];
        assert!(
            is_low_s(signature) && ecdsa_k1::secp256k1_verify(signature, &public_keys[i], &bytes, SHA256),
            EInvalidSignature,
        );
        i = i + 1;
    };

    // Settle the request (an update's id is recorded fulfilled, with nothing held) and pay the keys' payees: equal
    // shares, the remainder to the first.
    let mut fee = if (update) {
        df::add(&mut oracle.id, RequestKey { request_id }, Request { status: STATUS_FULFILLED });
        balance::zero()
    } else {
        settle(oracle, request_id, STATUS_FULFILLED)
    };
    let share = fee.value() / count;
    let mut fees = vector[];
    let mut i = count;
    while (i > 1) {
        i = i - 1;
        pay(fee.split(share), payees[i], ctx);
        fees.push_back(share);
    };
    fees.push_back(fee.value());
    fees.reverse();
    pay(fee, payees[0], ctx);

    // Store the score, unless the stored one is newer and still counts: then it is kept.
    let score_key = ScoreKey { subject };
    let has_stored = dof::exists_with_type<ScoreKey, WalletScore>(&oracle.id, score_key);
    let stored = !has_stored || {
        let current = dof::borrow<ScoreKey, WalletScore>(&oracle.id, score_key);
        current.timestamp_ms <= timestamp_ms || !score_counts(oracle, current)
    };
    let version = if (!stored) {
        dof::borrow<ScoreKey, WalletScore>(&oracle.id, score_key).version
    } else if (has_stored) {
        let current = dof::borrow_mut<ScoreKey, WalletScore>(&mut oracle.id, score_key);
        current.score = score;
        current.tier = tier;
        current.pd_bps = pd_bps;
        current.flags = flags;
        current.measurement = measurement;
        current.commitment = commitment;
        current.checkpoint = checkpoint;
        current.features_hash = features_hash;
        current.timestamp_ms = timestamp_ms;
        current.expiry_ms = expiry_ms;
        current.request_id = request_id;
        current.signers = public_keys;
        current.threshold = threshold;
        current.version = current.version + 1;
        current.version
    } else {
        dof::add(
            &mut oracle.id,
            score_key,
            WalletScore {
                id: object::new(ctx),
                subject,
                score,
                tier,
                pd_bps,
                flags,
                measurement,
                commitment,
                checkpoint,
                features_hash,
                timestamp_ms,
                expiry_ms,
                request_id,
                signers: public_keys,
                threshold,
                version: 1,
            },
        );
        1
    };

    event::emit(AssessmentFulfilled {
        oracle: oracle_id,
        request_id,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
        version,
        stored,
        public_key: public_keys[0],
        signature: signatures[0],
        transmitter: ctx.sender(),
        payee: payees[0],
        fee: fees[0],
    });
    if (quorum) {
        event::emit(QuorumFulfilled {
            oracle: oracle_id,
            request_id,
            threshold,
            public_keys,
            signatures,
            payees,
            fees,
        });
    };
}

// === Operator updates ===

/// Pushes an operator's re-score of `subject`, signed by one enclave key while the threshold is 1 (`EQuorumNotMet`
/// above it): `fulfil` with no request. The assessment is signed (`intent_message_bytes`) for the request id
/// `update_id(oracle, subject, timestamp_ms)`, which this call derives itself, and passes the same checks 2 to 5
/// as a fulfilment's; it pays no fee. An update id is taken once (`ERequestNotPending` again: its status record,
/// `request_status`, then reads fulfilled), and an update is always public: it aborts `EPrivacyMismatch` when the
/// subject's stored score is private, as for a payload of tier PRIVATE_TIER. As with any fulfilment, a stored
/// score that is newer and still counts is kept. Emits `AssessmentFulfilled` (fee 0, the key's payee).
public fun update(
    oracle: &mut Oracle,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    public_key: vector<u8>,
    signature: vector<u8>,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let message = open_update(
        oracle,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
    );
    settle_signed(oracle, message, 0, false, vector[public_key], vector[signature], false, true, clock, ctx);
}

/// `update` for any threshold, signed as `fulfil_quorum` is (distinct active keys in strictly ascending order of
/// their addresses, at least `threshold`). Emits `AssessmentFulfilled` and then `QuorumFulfilled` (fees 0).
public fun update_quorum(
    oracle: &mut Oracle,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let message = open_update(
        oracle,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
    );
    settle_signed(oracle, message, 0, false, public_keys, signatures, true, true, clock, ctx);
}

/// The id an operator's update of `subject` with an assessment of `timestamp_ms` is signed and recorded under:
/// blake2b-256 of `UPDATE_TAG` ("AuraOracle.update") followed by the BCS of the oracle's ID, `subject` and
/// `timestamp_ms` (a u64, little-endian), as an ID (chains/sui/update_id.py). What the enclave signs as the
/// assessment's `request_id`.
public fun update_id(oracle: &Oracle, subject: address, timestamp_ms: u64): ID {
    derive_update_id(object::id(oracle), subject, timestamp_ms)
}

fun derive_update_id(oracle: ID, subject: address, timestamp_ms: u64): ID {
    let mut bytes = UPDATE_TAG;
    bytes.append(bcs::to_bytes(&oracle));
    bytes.append(bcs::to_bytes(&subject));
    bytes.append(bcs::to_bytes(&timestamp_ms));
    object::id_from_bytes(hash::blake2b256(&bytes))
}

/// Check 1 of an update: its id (derived here) not taken before (`ERequestNotPending`) and the subject's stored
/// score not private (`EPrivacyMismatch`); and the message its assessment must be signed over, rebuilt from this
/// oracle, that id, `subject` and the arguments.
fun open_update(
    oracle: &Oracle,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
): IntentMessage<AssessmentPayload> {
    let oracle_id = object::id(oracle);
    let request_id = derive_update_id(oracle_id, subject, timestamp_ms);
    assert!(!df::exists_with_type<RequestKey, Request>(&oracle.id, RequestKey { request_id }), ERequestNotPending);
    let score_key = ScoreKey { subject };
    assert!(
        !dof::exists_with_type<ScoreKey, WalletScore>(&oracle.id, score_key)
            || dof::borrow<ScoreKey, WalletScore>(&oracle.id, score_key).tier != PRIVATE_TIER,
        EPrivacyMismatch,
    );
    intent_message(
        oracle_id,
        request_id,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
    )
}

/// Cancels the sender's own request once it has expired, refunding the fee (and the storage rebate of the
/// request's body).
public fun cancel(oracle: &mut Oracle, request_id: ID, clock: &Clock, ctx: &mut TxContext) {
    let oracle_id = object::id(oracle);
    let request = borrow_pending(oracle, request_id);
    let requester = request.requester;
    assert!(ctx.sender() == requester, ENotRequester);
    assert!(clock.timestamp_ms() > request.expires_ms, ENotExpired);
    let refund = settle(oracle, request_id, STATUS_CANCELLED);
    let refund_amount = refund.value();
    pay(refund, requester, ctx);
    event::emit(AssessmentCancelled { oracle: oracle_id, request_id, requester, refund: refund_amount });
}

// === The signed payload ===

/// The BCS bytes of `IntentMessage<AssessmentPayload>` (262 bytes): what the enclave signs the SHA-256 of.
public fun intent_message_bytes(
    oracle: ID,
    request_id: ID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
): vector<u8> {
    bcs::to_bytes(
        &intent_message(
            oracle,
            request_id,
            subject,
            score,
            tier,
            pd_bps,
            flags,
            measurement,
            commitment,
            checkpoint,
            checkpoint_digest,
            features_hash,
            timestamp_ms,
            expiry_ms,
        ),
    )
}

/// The 20-byte address of an enclave key, as on EVM: the last 20 bytes of keccak-256 of the 64-byte
/// uncompressed public key. `fulfil_quorum`'s keys are in strictly ascending order of it. Aborts (in
/// `ecdsa_k1::decompress_pubkey`) for 33 bytes that are not a point of the curve.
public fun signer_address(public_key: &vector<u8>): vector<u8> {
    let mut point = ecdsa_k1::decompress_pubkey(public_key);
    point.remove(0); // the 0x04 that marks an uncompressed key
    let hash = hash::keccak256(&point);
    vector::tabulate!(20, |i| hash[12 + i])
}

fun intent_message(
    oracle: ID,
    request_id: ID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
): IntentMessage<AssessmentPayload> {
    IntentMessage {
        intent: ASSESSMENT_INTENT,
        timestamp_ms,
        payload: AssessmentPayload {
            oracle,
            request_id,
            subject,
            score,
            tier,
            pd_bps,
            flags,
            measurement,
            commitment,
            checkpoint,
            checkpoint_digest,
            features_hash,
            expiry_ms,
        },
    }
}

// === Reading ===

public fun has_score(oracle: &Oracle, subject: address): bool {
    dof::exists_with_type<ScoreKey, WalletScore>(&oracle.id, ScoreKey { subject })
}

/// The subject's current score; aborts (dynamic field not found) when `has_score` is false. Check
/// `score_counts` (and the expiry) before relying on it.
public fun score_of(oracle: &Oracle, subject: address): &WalletScore {
    dof::borrow<ScoreKey, WalletScore>(&oracle.id, ScoreKey { subject })
}

/// Whether a stored score still counts: at least the threshold it was stored under of its signers are active
/// (revoking one signer of a 2-of-3 score signed by exactly two makes it stop counting).
public fun score_counts(oracle: &Oracle, s: &WalletScore): bool {
    let mut active = 0;
    s.signers.do_ref!(|public_key| if (borrow_enclave(oracle, *public_key).active) active = active + 1);
    active >= (s.threshold as u64)
}

/// 0 pending, 1 fulfilled, 2 cancelled; aborts `ERequestNotFound` for an unknown request. An operator update's id
/// (`update_id`) reads 1 once taken, and is unknown before.
public fun request_status(oracle: &Oracle, request_id: ID): u8 {
    borrow_request(oracle, request_id).status
}

// The readers of a request's fields answer while it is pending: they abort `ERequestNotFound` for an unknown
// request and `ERequestNotPending` for a settled one (its body is gone), except `request_fee_held`.

public fun request_nonce(oracle: &Oracle, request_id: ID): u64 { borrow_pending(oracle, request_id).nonce }

public fun request_requester(oracle: &Oracle, request_id: ID): address {
    borrow_pending(oracle, request_id).requester
}

public fun request_subject(oracle: &Oracle, request_id: ID): address {
    borrow_pending(oracle, request_id).subject
}

public fun request_fee_paid(oracle: &Oracle, request_id: ID): u64 {
    borrow_pending(oracle, request_id).fee_paid
}

/// The fee still held: `fee_paid` while pending, 0 once fulfilled or cancelled.
public fun request_fee_held(oracle: &Oracle, request_id: ID): u64 {
    if (borrow_request(oracle, request_id).status != STATUS_PENDING) return 0;
    borrow_pending(oracle, request_id).fee.value()
}

public fun request_created_ms(oracle: &Oracle, request_id: ID): u64 {
    borrow_pending(oracle, request_id).created_ms
}

public fun request_expires_ms(oracle: &Oracle, request_id: ID): u64 {
    borrow_pending(oracle, request_id).expires_ms
}

public fun request_params(oracle: &Oracle, request_id: ID): vector<u8> {
    borrow_pending(oracle, request_id).params
}

/// Whether the pending request asked for a private assessment.
public fun request_private(oracle: &Oracle, request_id: ID): bool {
    borrow_pending(oracle, request_id).private
}

public fun is_enclave_registered(oracle: &Oracle, public_key: vector<u8>): bool {
    df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, EnclaveKey { public_key })
}

/// Aborts `EEnclaveNotRegistered` for an unknown key, as do the other enclave readers.
public fun is_enclave_active(oracle: &Oracle, public_key: vector<u8>): bool {
    borrow_enclave(oracle, public_key).active
}

public fun enclave_measurement(oracle: &Oracle, public_key: vector<u8>): vector<u8> {
    borrow_enclave(oracle, public_key).measurement
}

public fun enclave_payee(oracle: &Oracle, public_key: vector<u8>): address {
    borrow_enclave(oracle, public_key).payee
}

public fun enclave_registered_ms(oracle: &Oracle, public_key: vector<u8>): u64 {
    borrow_enclave(oracle, public_key).registered_ms
}

public fun enclave_revoked_ms(oracle: &Oracle, public_key: vector<u8>): u64 {
    borrow_enclave(oracle, public_key).revoked_ms
}

public fun fee(oracle: &Oracle): u64 { oracle.fee }

public fun request_ttl_ms(oracle: &Oracle): u64 { oracle.request_ttl_ms }

public fun max_age_ms(oracle: &Oracle): u64 { oracle.max_age_ms }

public fun max_skew_ms(oracle: &Oracle): u64 { oracle.max_skew_ms }

public fun next_nonce(oracle: &Oracle): u64 { oracle.next_nonce }

/// How many distinct active keys must sign an assessment now.
public fun threshold(oracle: &Oracle): u8 { oracle.threshold }

/// How many registered keys are not revoked.
public fun active_enclaves(oracle: &Oracle): u64 { oracle.active_enclaves }

public fun cap_oracle(cap: &AdminCap): ID { cap.oracle }

// WalletScore accessors.

public fun subject(s: &WalletScore): address { s.subject }

public fun score(s: &WalletScore): u16 { s.score }

public fun tier(s: &WalletScore): u8 { s.tier }

/// The tier of a private assessment (255), whose stored score and pd are 0: a consumer that reads `score`
/// refuses such a record, and learns about it only from a threshold proof (`zk::verify_threshold`).
public fun private_tier(): u8 { PRIVATE_TIER }

/// Whether the score is a private assessment's (tier `PRIVATE_TIER`; score and pd 0).
public fun is_private(s: &WalletScore): bool { s.tier == PRIVATE_TIER }

public fun pd_bps(s: &WalletScore): u16 { s.pd_bps }

public fun flags(s: &WalletScore): u32 { s.flags }

public fun measurement(s: &WalletScore): vector<u8> { s.measurement }

public fun commitment(s: &WalletScore): vector<u8> { s.commitment }

public fun checkpoint(s: &WalletScore): u64 { s.checkpoint }

public fun features_hash(s: &WalletScore): vector<u8> { s.features_hash }

public fun timestamp_ms(s: &WalletScore): u64 { s.timestamp_ms }

public fun expiry_ms(s: &WalletScore): u64 { s.expiry_ms }

public fun request_id(s: &WalletScore): ID { s.request_id }

/// The keys that signed the score, in ascending order of their addresses.
public fun signers(s: &WalletScore): vector<vector<u8>> { s.signers }

/// The threshold in force when the score was stored.
public fun score_threshold(s: &WalletScore): u8 { s.threshold }

public fun version(s: &WalletScore): u64 { s.version }

// === For the package's other modules (`zk`) ===

/// The oracle's UID, under which `zk` keeps the verifying key and the spent nullifiers.
public(package) fun uid(oracle: &Oracle): &UID { &oracle.id }

public(package) fun uid_mut(oracle: &mut Oracle): &mut UID { &mut oracle.id }

/// Aborts `EWrongCap` unless `cap` administers `oracle`.
public(package) fun check_cap(cap: &AdminCap, oracle: &Oracle) {
    assert!(cap.oracle == object::id(oracle), EWrongCap);
}

// === Internal ===

fun check_windows(request_ttl_ms: u64, max_age_ms: u64, max_skew_ms: u64) {
    assert!(request_ttl_ms >= 1 && request_ttl_ms <= MAX_REQUEST_TTL_MS, EBadWindow);
    assert!(max_age_ms >= 1 && max_age_ms <= MAX_AGE_MS, EBadWindow);
    assert!(max_skew_ms <= MAX_SKEW_MS, EBadWindow);
}

fun is_compressed_key(public_key: &vector<u8>): bool {
    public_key.length() == PUBLIC_KEY_LENGTH && (public_key[0] == 0x02 || public_key[0] == 0x03)
}

/// Whether the 64-byte `r || s` has `s <= n / 2`.
fun is_low_s(signature: &vector<u8>): bool {
    big_endian(signature, 32, SIGNATURE_LENGTH) <= SECP256K1_HALF_ORDER
}

/// A 20-byte address as a number, to compare.
fun address_number(signer: &vector<u8>): u256 { big_endian(signer, 0, 20) }

/// `bytes[from..to]` (at most 32 bytes) read as a big-endian number.
fun big_endian(bytes: &vector<u8>, from: u64, to: u64): u256 {
    let mut n: u256 = 0;
    let mut i = from;
    while (i < to) {
        n = (n << 8) | (bytes[i] as u256);
        i = i + 1;
    };
    n
}

fun borrow_request(oracle: &Oracle, request_id: ID): &Request {
    let key = RequestKey { request_id };
    assert!(df::exists_with_type<RequestKey, Request>(&oracle.id, key), ERequestNotFound);
    df::borrow<RequestKey, Request>(&oracle.id, key)
}

/// A pending request's body: aborts `ERequestNotFound` for an unknown request, `ERequestNotPending` for a settled
/// one. A request has its body exactly while its status is pending.
fun borrow_pending(oracle: &Oracle, request_id: ID): &PendingRequest {
    assert!(borrow_request(oracle, request_id).status == STATUS_PENDING, ERequestNotPending);
    df::borrow<PendingKey, PendingRequest>(&oracle.id, PendingKey { request_id })
}

/// Marks a pending request `status` and removes its body, returning the fee it held.
fun settle(oracle: &mut Oracle, request_id: ID, status: u8): Balance<SUI> {
    df::borrow_mut<RequestKey, Request>(&mut oracle.id, RequestKey { request_id }).status = status;
    let PendingRequest { fee, .. } = df::remove<PendingKey, PendingRequest>(
        &mut oracle.id,
        PendingKey { request_id },
    );
    fee
}

fun borrow_enclave(oracle: &Oracle, public_key: vector<u8>): &Enclave {
    let key = EnclaveKey { public_key };
    assert!(df::exists_with_type<EnclaveKey, Enclave>(&oracle.id, key), EEnclaveNotRegistered);
    df::borrow<EnclaveKey, Enclave>(&oracle.id, key)
}

/// Sends `amount` to `recipient` as a coin; an empty balance (a zero fee) is destroyed instead.
fun pay(amount: Balance<SUI>, recipient: address, ctx: &mut TxContext) {
    if (amount.value() == 0) {
        amount.destroy_zero();
    } else {
        transfer::public_transfer(coin::from_balance(amount, ctx), recipient);
    }
}

// === Test-only ===

/// Whether the request's body (its `PendingKey` dynamic field) is still under the oracle.
#[test_only]
public fun has_request_body_for_testing(oracle: &Oracle, request_id: ID): bool {
    df::exists_with_type<PendingKey, PendingRequest>(&oracle.id, PendingKey { request_id })
}

/// Stores a score for `subject` (which has none) with the given commitment, signers, threshold and expiry, and
/// zeros elsewhere: the threshold-proof tests (`zk_tests`) need the commitment of tests/vectors/zk.json's proof
/// stored for its subject, which no signed vector of `vector_data` is for.
#[test_only]
public fun store_score_for_testing(
    oracle: &mut Oracle,
    subject: address,
    commitment: vector<u8>,
    signers: vector<vector<u8>>,
    threshold: u8,
    expiry_ms: u64,
    ctx: &mut TxContext,
) {
    let score = WalletScore {
        id: object::new(ctx),
        subject,
        score: 0,
        tier: 0,
        pd_bps: 0,
        flags: 0,
        measurement: vector[],
        commitment,
        checkpoint: 0,
        features_hash: vector[],
        timestamp_ms: 0,
        expiry_ms,
        request_id: object::id_from_address(@0x0),
        signers,
        threshold,
        version: 1,
    };
    dof::add(&mut oracle.id, ScoreKey { subject }, score);
}

/// `update_id` of the oracle with ID `oracle`, for tests that sign an update while no transaction holds the oracle.
#[test_only]
public fun update_id_for_testing(oracle: ID, subject: address, timestamp_ms: u64): ID {
    derive_update_id(oracle, subject, timestamp_ms)
}

// === Test-only event constructors (the tests compare emitted events with these) ===

#[test_only]
public fun oracle_created_for_testing(oracle: ID, admin_cap: ID, fee: u64): OracleCreated {
    OracleCreated { oracle, admin_cap, fee }
}

#[test_only]
public fun enclave_registered_for_testing(
    oracle: ID,
    public_key: vector<u8>,
    measurement: vector<u8>,
    payee: address,
): EnclaveRegistered {
    EnclaveRegistered { oracle, public_key, measurement, payee }
}

#[test_only]
public fun enclave_payee_set_for_testing(oracle: ID, public_key: vector<u8>, payee: address): EnclavePayeeSet {
    EnclavePayeeSet { oracle, public_key, payee }
}

#[test_only]
public fun enclave_revoked_for_testing(oracle: ID, public_key: vector<u8>): EnclaveRevoked {
    EnclaveRevoked { oracle, public_key }
}

#[test_only]
public fun threshold_set_for_testing(oracle: ID, threshold: u8): ThresholdSet {
    ThresholdSet { oracle, threshold }
}

#[test_only]
public fun quorum_fulfilled_for_testing(
    oracle: ID,
    request_id: ID,
    threshold: u8,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    payees: vector<address>,
    fees: vector<u64>,
): QuorumFulfilled {
    QuorumFulfilled { oracle, request_id, threshold, public_keys, signatures, payees, fees }
}

#[test_only]
public fun assessment_requested_for_testing(
    oracle: ID,
    request_id: ID,
    nonce: u64,
    requester: address,
    subject: address,
    fee: u64,
    created_ms: u64,
    expires_ms: u64,
    params: vector<u8>,
    private: bool,
): AssessmentRequested {
    AssessmentRequested {
        oracle,
        request_id,
        nonce,
        requester,
        subject,
        fee,
        created_ms,
        expires_ms,
        params,
        private,
    }
}

#[test_only]
public fun assessment_fulfilled_for_testing(
    oracle: ID,
    request_id: ID,
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    version: u64,
    stored: bool,
    public_key: vector<u8>,
    signature: vector<u8>,
    transmitter: address,
    payee: address,
    fee: u64,
): AssessmentFulfilled {
    AssessmentFulfilled {
        oracle,
        request_id,
        subject,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
        version,
        stored,
        public_key,
        signature,
        transmitter,
        payee,
        fee,
    }
}

#[test_only]
public fun assessment_cancelled_for_testing(
    oracle: ID,
    request_id: ID,
    requester: address,
    refund: u64,
): AssessmentCancelled {
    AssessmentCancelled { oracle, request_id, requester, refund }
}
