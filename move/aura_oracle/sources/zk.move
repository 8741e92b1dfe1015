/// Threshold proofs (docs/sui.md, "Threshold proofs"): the admin sets the Groth16 verifying key of
/// `circuits/threshold.circom` (`set_verifying_key`, prepared once there and stored under the oracle), and a
/// protocol checks a proof that a subject's committed score is at least its threshold (`verify_threshold`),
/// without learning the score.
///
/// The verifier takes from the caller only the proof, the threshold, the scope and the nullifier: the commitment
/// is the one stored in the subject's `WalletScore` and the subject limbs come from the subject's address, so a
/// proof opens only the commitment the oracle stored for that subject. The byte forms are those of
/// `sui::groth16` (BN254, arkworks canonical compressed points, 32-byte little-endian scalars), which
/// `chains/sui/groth16.py` writes from snarkjs' JSON.
module aura_oracle::zk;

use aura_oracle::oracle::{AdminCap, Oracle};
use sui::address;
use sui::bcs;
use sui::clock::Clock;
use sui::dynamic_field as df;
use sui::event;
use sui::groth16::{Self, PreparedVerifyingKey};
use sui::hash;

// === Errors (docs/sui.md, "Threshold proofs"; numbered on from `oracle`'s so that no code means two things) ===

const EBadVerifyingKey: u64 = 37;
const EVerifyingKeyNotSet: u64 = 38;
const EBadProof: u64 = 39;
const ENoScore: u64 = 40;
const EScoreExpired: u64 = 41;
const EScoreRevoked: u64 = 42;
const EPublicInputOutOfField: u64 = 43;
const ENullifierSpent: u64 = 44;
const EInvalidProof: u64 = 45;

// === Constants ===

/// The circuit's public inputs: commitment, threshold, subject_hi, subject_lo, scope, nullifier.
const PUBLIC_INPUTS: u64 = 6;
/// arkworks' compressed verifying key: alpha (G1, 32) || beta, gamma, delta (G2, 64 each) || u64 count || IC.
const G1_LEN: u64 = 32;
const KEY_IC_COUNT_AT: u64 = 224;
const KEY_LEN: u64 = 224 + 8 + (PUBLIC_INPUTS + 1) * G1_LEN;
/// A proof: A (G1) || B (G2) || C (G1), compressed.
const PROOF_LEN: u64 = 128;
const COMMITMENT_LEN: u64 = 32;
/// The order of BN254's G1: every public input is a scalar below it.
const SCALAR_ORDER: u256 =
    21888242871839275222246405745257275088548364400416034343698204186575808495617;
const LOW_128_BITS: u256 = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF;

// === Objects ===

/// Dynamic field name (under the oracle) of its verifying key.
public struct VerifyingKeyKey has copy, drop, store {}

/// The prepared verifying key, and how many times a key was set (1 for the first).
public struct VerifyingKey has store {
    pvk: PreparedVerifyingKey,
    version: u64,
}

/// Dynamic field name (under the oracle) of a spent nullifier.
public struct NullifierKey has copy, drop, store {
    scope: u256,
    nullifier: u256,
}

/// A spent nullifier: whose score it showed, and when.
public struct SpentNullifier has store {
    subject: address,
    spent_ms: u64,
}

// === Events ===

public struct VerifyingKeySet has copy, drop {
    oracle: ID,
    /// keccak-256 of the verifying key's bytes, as given.
    key_hash: vector<u8>,
    version: u64,
}

public struct ThresholdVerified has copy, drop {
    oracle: ID,
    subject: address,
    threshold: u16,
    scope: u256,
    nullifier: u256,
    /// Whether the nullifier was spent by this call.
    spent: bool,
    /// The version of the subject's score whose commitment the proof opened.
    score_version: u64,
    verifier: address,
}

// === Administration ===

/// Sets the verifying key (`chains/sui/groth16.py`'s `verifying_key_bytes`: 456 bytes, six public inputs, else
/// `EBadVerifyingKey`), prepared here once for every later verification. A later call replaces it: a new
/// ceremony needs no package upgrade. Aborts in `sui::groth16` for bytes that are no valid key.
public fun set_verifying_key(cap: &AdminCap, oracle: &mut Oracle, verifying_key: vector<u8>) {
    cap.check_cap(oracle);
    check_key_layout(&verifying_key);
    let pvk = groth16::prepare_verifying_key(&groth16::bn254(), &verifying_key);
    store_key(oracle, pvk, hash::keccak256(&verifying_key));
}

// === Verification ===

/// Aborts unless `proof` shows that the score committed in `subject`'s stored `WalletScore` is at least
/// `threshold`, for `scope` and `nullifier` (the circuit's public inputs). The stored score must still count: not
/// past its expiry (`EScoreExpired`) and signed by enough active enclaves (`EScoreRevoked`, the rule of
/// `oracle::score_counts`). With `spend`, the nullifier is spent for `scope`: a second spend aborts
/// (`ENullifierSpent`). Emits `ThresholdVerified`.
///
/// Other aborts: `EBadProof` (not 128 bytes), `EVerifyingKeyNotSet`, `ENoScore`, `EPublicInputOutOfField` (the
/// stored commitment, the scope or the nullifier not below the scalar field order), `EInvalidProof`.
public fun verify_threshold(
    oracle: &mut Oracle,
    subject: address,
    threshold: u16,
    scope: u256,
    nullifier: u256,
    spend: bool,
    proof: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
) {
    verify(oracle, subject, threshold, scope, nullifier, spend, proof, option::none(), clock, ctx)
}

/// The 192 bytes of public inputs the proof is checked against: the commitment (32 bytes, read big-endian), the
/// threshold, the subject's high and low 128 bits, the scope and the nullifier, each as a 32-byte little-endian
/// scalar. Aborts `EPublicInputOutOfField` for a commitment, scope or nullifier not below the scalar field order
/// (and a commitment that is not 32 bytes).
public fun public_inputs(
    commitment: vector<u8>,
    threshold: u16,
    subject: address,
    scope: u256,
    nullifier: u256,
): vector<u8> {
    assert!(commitment.length() == COMMITMENT_LEN, EPublicInputOutOfField);
    let mut value: u256 = 0;
    commitment.do_ref!(|byte| value = (value << 8) | (*byte as u256));
    let subject = address::to_u256(subject);
    let inputs = vector[value, threshold as u256, subject >> 128, subject & LOW_128_BITS, scope, nullifier];
    let mut bytes = vector[];
    inputs.do!(|input| {
        assert!(input < SCALAR_ORDER, EPublicInputOutOfField);
        bytes.append(bcs::to_bytes(&input));
    });
    bytes
}

// === Reading ===

public fun has_verifying_key(oracle: &Oracle): bool {
    df::exists_with_type<VerifyingKeyKey, VerifyingKey>(oracle.uid(), VerifyingKeyKey {})
}

/// How many times a key was set; aborts `EVerifyingKeyNotSet` before the first.
public fun verifying_key_version(oracle: &Oracle): u64 { borrow_key(oracle).version }

public fun is_nullifier_spent(oracle: &Oracle, scope: u256, nullifier: u256): bool {
    df::exists_with_type<NullifierKey, SpentNullifier>(oracle.uid(), NullifierKey { scope, nullifier })
}

// === Internal ===

fun check_key_layout(verifying_key: &vector<u8>) {
    assert!(verifying_key.length() == KEY_LEN, EBadVerifyingKey);
    let mut count: u64 = 0;
    let mut i = KEY_IC_COUNT_AT + 8;
    while (i > KEY_IC_COUNT_AT) {
        i = i - 1;
        count = (count << 8) | (verifying_key[i] as u64);
    };
    assert!(count == PUBLIC_INPUTS + 1, EBadVerifyingKey);
}

fun store_key(oracle: &mut Oracle, pvk: PreparedVerifyingKey, key_hash: vector<u8>) {
    let key = VerifyingKeyKey {};
    let version = if (has_verifying_key(oracle)) {
        let VerifyingKey { pvk: _, version } = df::remove<VerifyingKeyKey, VerifyingKey>(oracle.uid_mut(), key);
        version + 1
    } else 1;
    df::add(oracle.uid_mut(), key, VerifyingKey { pvk, version });
    event::emit(VerifyingKeySet { oracle: object::id(oracle), key_hash, version });
}

fun borrow_key(oracle: &Oracle): &VerifyingKey {
    assert!(has_verifying_key(oracle), EVerifyingKeyNotSet);
    df::borrow<VerifyingKeyKey, VerifyingKey>(oracle.uid(), VerifyingKeyKey {})
}

/// `verify_threshold`, with `verdict` standing in for `sui::groth16` when some (tests only: no Move test runner
/// here runs the groth16 natives).
fun verify(
    oracle: &mut Oracle,
    subject: address,
    threshold: u16,
    scope: u256,
    nullifier: u256,
    spend: bool,
    proof: vector<u8>,
    verdict: Option<bool>,
    clock: &Clock,
    ctx: &TxContext,
) {
    assert!(proof.length() == PROOF_LEN, EBadProof);
    assert!(has_verifying_key(oracle), EVerifyingKeyNotSet);
    assert!(oracle.has_score(subject), ENoScore);
    let score = oracle.score_of(subject);
    assert!(clock.timestamp_ms() <= score.expiry_ms(), EScoreExpired);
    assert!(oracle.score_counts(score), EScoreRevoked);
    let score_version = score.version();
    let inputs = public_inputs(score.commitment(), threshold, subject, scope, nullifier);
    let spent_key = NullifierKey { scope, nullifier };
    if (spend) assert!(!is_nullifier_spent(oracle, scope, nullifier), ENullifierSpent);
    let valid = if (verdict.is_some()) verdict.destroy_some() else {
        groth16::verify_groth16_proof(
            &groth16::bn254(),
            &borrow_key(oracle).pvk,
            &groth16::public_proof_inputs_from_bytes(inputs),
            &groth16::proof_points_from_bytes(proof),
        )
    };
    assert!(valid, EInvalidProof);
    if (spend) {
        df::add(oracle.uid_mut(), spent_key, SpentNullifier { subject, spent_ms: clock.timestamp_ms() });
    };
    event::emit(ThresholdVerified {
        oracle: object::id(oracle),
        subject,
        threshold,
        scope,
        nullifier,
        spent: spend,
        score_version,
        verifier: ctx.sender(),
    });
}

// === Test-only ===

/// `verify_threshold` with `sui::groth16`'s answer given as `verdict`: every check before and after it runs.
#[test_only]
public fun verify_threshold_for_testing(
    oracle: &mut Oracle,
    subject: address,
    threshold: u16,
    scope: u256,
    nullifier: u256,
    spend: bool,
    proof: vector<u8>,
    verdict: bool,
    clock: &Clock,
    ctx: &TxContext,
) {
    verify(oracle, subject, threshold, scope, nullifier, spend, proof, option::some(verdict), clock, ctx)
}

/// Stores a prepared key from its four parts (`groth16::pvk_from_bytes`), as `set_verifying_key` stores the one
/// `sui::groth16` prepares.
#[test_only]
public fun set_prepared_key_for_testing(
    cap: &AdminCap,
    oracle: &mut Oracle,
    vk_gamma_abc_g1: vector<u8>,
    alpha_g1_beta_g2: vector<u8>,
    gamma_g2_neg_pc: vector<u8>,
    delta_g2_neg_pc: vector<u8>,
) {
    cap.check_cap(oracle);
    let pvk = groth16::pvk_from_bytes(vk_gamma_abc_g1, alpha_g1_beta_g2, gamma_g2_neg_pc, delta_g2_neg_pc);
    store_key(oracle, pvk, vector[]);
}

#[test_only]
public fun threshold_verified_for_testing(
    oracle: ID,
    subject: address,
    threshold: u16,
    scope: u256,
    nullifier: u256,
    spent: bool,
    score_version: u64,
    verifier: address,
): ThresholdVerified {
    ThresholdVerified { oracle, subject, threshold, scope, nullifier, spent, score_version, verifier }
}

#[test_only]
public fun verifying_key_set_for_testing(oracle: ID, key_hash: vector<u8>, version: u64): VerifyingKeySet {
    VerifyingKeySet { oracle, key_hash, version }
}
