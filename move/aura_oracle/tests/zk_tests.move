/// Threshold proofs (`zk`): the verifying key's layout checks, the public-input bytes, every refusal before the
/// proof is checked and the nullifier bookkeeping after it. The `sui::groth16` natives panic in the WASM test
/// runner (docs/sui.md, "Threshold proofs"), so the verification itself is stood in for by
/// `verify_threshold_for_testing`'s verdict, and `set_verifying_key` is run only up to its refusals;
/// tests/unit/zk/test_sui_groth16.py checks the byte forms with a BN254 pairing instead.
#[test_only]
module aura_oracle::zk_tests;

use aura_oracle::oracle::{Self, AdminCap, Oracle};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use aura_oracle::zk::{Self, ThresholdVerified, VerifyingKeySet};
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin;
use sui::ecdsa_k1;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

// tests/vectors/zk.json: the commitment (big-endian, as the enclave stores it), subject, scope and nullifier of
// its proof, and the public inputs chains/sui/groth16.py encodes from its public signals (the Python test checks
// these constants against the vector and the encoder).
const VECTOR_COMMITMENT: vector<u8> = x"167b10da956132c5e45cd70707ec8aef7673ff163130db6b52457c10bbc5be56";
const VECTOR_SUBJECT: address = @0x3ce655bb9c6451656c7bd8d9c6477fd63132150eb27cec1bb0fbed34e330a848;
const VECTOR_SCOPE: u256 = 121653625081406720567630436250040715098945209715;
const VECTOR_NULLIFIER: u256 = 16382909383440480928024575988542992694180077444622420637681551687238399915099;
const VECTOR_THRESHOLD: u16 = 600;
const VECTOR_PUBLIC_INPUTS: vector<u8> =
    x"56bec5bb107c45526bdb303116ff7376ef8aec0707d75ce4c5326195da107b165802000000000000000000000000000000000000000000000000000000000000d67f47c6d9d87b6c6551649cbb55e63c0000000000000000000000000000000048a830e334edfbb01bec7cb20e1532310000000000000000000000000000000073c5c75f8b9938922ffadd2fb9edc19920234f150000000000000000000000005b7415e142ca9270bbe04d2403068e1c6ca9ca54c361a7db045d1a83ea653824";

const SCALAR_ORDER: u256 = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
/// How long after the set-up's clock the stored score expires.
const VALIDITY_MS: u64 = 600_000;
const PROTOCOL: address = @0xa11ce;

fun proof(): vector<u8> { vector::tabulate!(128, |i| i as u8) }

/// `setup::begin`, then the admin stores a prepared key (placeholder bytes: nothing here runs the natives) and a
/// score for the vector's subject with its commitment, signed by the set-up's key. Left at a tx of PROTOCOL.
fun begin(): (Scenario, Clock) {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_key(&mut scenario);
    scenario.next_tx(v::admin());
    store_score(&mut scenario, VECTOR_COMMITMENT, setup::request_time_ms() + VALIDITY_MS);
    scenario.next_tx(PROTOCOL);
    (scenario, clock)
}

fun set_key(scenario: &mut Scenario) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    zk::set_prepared_key_for_testing(&cap, &mut o, x"01", x"02", x"03", x"04");
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

fun store_score(scenario: &mut Scenario, commitment: vector<u8>, expiry_ms: u64) {
    let mut o = scenario.take_shared<Oracle>();
    o.store_score_for_testing(VECTOR_SUBJECT, commitment, vector[v::public_key()], 1, expiry_ms, scenario.ctx());
    ts::return_shared(o);
}

/// The current sender verifies the vector's statement, the native's answer being `verdict`.
fun verify(scenario: &mut Scenario, scope: u256, nullifier: u256, spend: bool, verdict: bool, clock: &Clock) {
    let mut o = scenario.take_shared<Oracle>();
    zk::verify_threshold_for_testing(
        &mut o,
        VECTOR_SUBJECT,
        VECTOR_THRESHOLD,
        scope,
        nullifier,
        spend,
        proof(),
        verdict,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

// === public_inputs ===

#[test]
fun public_inputs_are_the_encoders_bytes_of_the_vector() {
    let bytes = zk::public_inputs(VECTOR_COMMITMENT, VECTOR_THRESHOLD, VECTOR_SUBJECT, VECTOR_SCOPE, VECTOR_NULLIFIER);
    assert_eq!(bytes, VECTOR_PUBLIC_INPUTS);
}

#[test]
fun public_inputs_put_the_subjects_high_bits_first_little_endian() {
    let bytes = zk::public_inputs(vector::tabulate!(32, |_| 0), 1, @0x1, 2, 3);
    let mut expected = vector[];
    vector[0u8, 1, 0, 1, 2, 3].do!(|first| {
        expected.push_back(first);
        expected.append(vector::tabulate!(31, |_| 0));
    });
    assert_eq!(bytes, expected);
    let bytes = zk::public_inputs(vector::tabulate!(32, |_| 0), 0, @0x80000000000000000000000000000000ff, 0, 0);
    assert_eq!(bytes[64], 0x80);
    assert_eq!(bytes[96], 0xff);
}

#[test, expected_failure(abort_code = zk::EPublicInputOutOfField)]
fun public_inputs_refuse_a_commitment_not_below_the_order() {
    zk::public_inputs(vector::tabulate!(32, |_| 0xff), 1, VECTOR_SUBJECT, 0, 0);
}

#[test, expected_failure(abort_code = zk::EPublicInputOutOfField)]
fun public_inputs_refuse_a_commitment_of_31_bytes() {
    zk::public_inputs(vector::tabulate!(31, |_| 0), 1, VECTOR_SUBJECT, 0, 0);
}

#[test, expected_failure(abort_code = zk::EPublicInputOutOfField)]
fun public_inputs_refuse_a_scope_equal_to_the_order() {
    zk::public_inputs(VECTOR_COMMITMENT, 1, VECTOR_SUBJECT, SCALAR_ORDER, 0);
}

#[test, expected_failure(abort_code = zk::EPublicInputOutOfField)]
fun public_inputs_refuse_a_nullifier_equal_to_the_order() {
    zk::public_inputs(VECTOR_COMMITMENT, 1, VECTOR_SUBJECT, 0, SCALAR_ORDER);
}

#[test]
fun public_inputs_take_the_largest_scalar() {
    let bytes = zk::public_inputs(VECTOR_COMMITMENT, 1, VECTOR_SUBJECT, SCALAR_ORDER - 1, 0);
    assert_eq!(bytes.length(), 192);
}

// === set_verifying_key: its refusals (past them the groth16 native runs) ===

fun set_verifying_key(scenario: &mut Scenario, key: vector<u8>) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    zk::set_verifying_key(&cap, &mut o, key);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

/// 456 bytes with `count` where the key's IC count goes.
fun key_with_count(count: u8): vector<u8> {
    vector::tabulate!(456, |i| if (i == 224) count else 0)
}

#[test, expected_failure(abort_code = zk::EBadVerifyingKey)]
fun set_verifying_key_refuses_a_key_of_455_bytes() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = key_with_count(7);
    key.pop_back();
    set_verifying_key(&mut scenario, key);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EBadVerifyingKey)]
fun set_verifying_key_refuses_a_key_of_another_number_of_inputs() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_verifying_key(&mut scenario, key_with_count(6));
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun set_verifying_key_refuses_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let other = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    let mut o = scenario.take_shared<Oracle>();
    zk::set_verifying_key(&other, &mut o, key_with_count(7));
    abort 0
}

#[test]
fun the_stored_key_is_replaced_and_versioned() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    {
        let o = scenario.take_shared<Oracle>();
        assert!(!zk::has_verifying_key(&o));
        ts::return_shared(o);
    };
    scenario.next_tx(v::admin());
    set_key(&mut scenario);
    scenario.next_tx(v::admin());
    set_key(&mut scenario);
    let events = event::events_by_type<VerifyingKeySet>();
    assert_eq!(events.length(), 1);
    assert_eq!(events[0], zk::verifying_key_set_for_testing(v::oracle_id(), vector[], 2));
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert!(zk::has_verifying_key(&o));
    assert_eq!(zk::verifying_key_version(&o), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === verify_threshold: refusals before the proof ===

#[test, expected_failure(abort_code = zk::EBadProof)]
fun verify_refuses_a_proof_of_127_bytes() {
    let (mut scenario, clock) = begin();
    let mut o = scenario.take_shared<Oracle>();
    let mut short = proof();
    short.pop_back();
    zk::verify_threshold_for_testing(&mut o, VECTOR_SUBJECT, 600, 0, 0, false, short, true, &clock, scenario.ctx());
    abort 0
}

#[test, expected_failure(abort_code = zk::EVerifyingKeyNotSet)]
fun verify_refuses_before_a_key_is_set() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    store_score(&mut scenario, VECTOR_COMMITMENT, setup::request_time_ms() + VALIDITY_MS);
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::ENoScore)]
fun verify_refuses_a_subject_without_a_score() {
    let (mut scenario, clock) = begin();
    let mut o = scenario.take_shared<Oracle>();
    zk::verify_threshold_for_testing(&mut o, v::subject(), 600, 0, 0, false, proof(), true, &clock, scenario.ctx());
    abort 0
}

#[test, expected_failure(abort_code = zk::EScoreExpired)]
fun verify_refuses_an_expired_score() {
    let (mut scenario, mut clock) = begin();
    clock.set_for_testing(setup::request_time_ms() + VALIDITY_MS + 1);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test]
fun verify_takes_a_score_at_its_expiry() {
    let (mut scenario, mut clock) = begin();
    clock.set_for_testing(setup::request_time_ms() + VALIDITY_MS);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EScoreRevoked)]
fun verify_refuses_a_score_whose_signer_was_revoked() {
    let (mut scenario, clock) = begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EPublicInputOutOfField)]
fun verify_refuses_a_stored_commitment_outside_the_field() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_key(&mut scenario);
    scenario.next_tx(v::admin());
    store_score(&mut scenario, vector::tabulate!(32, |_| 0xff), setup::request_time_ms() + VALIDITY_MS);
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EInvalidProof)]
fun verify_refuses_a_proof_the_verifier_rejects() {
    let (mut scenario, clock) = begin();
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, false, &clock);
    setup::finish(scenario, clock);
}

// === verify_threshold: what a verified proof does ===

#[test]
fun a_verified_proof_emits_threshold_verified_and_spends_nothing_without_spend() {
    let (mut scenario, clock) = begin();
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    let events = event::events_by_type<ThresholdVerified>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        zk::threshold_verified_for_testing(
            v::oracle_id(),
            VECTOR_SUBJECT,
            VECTOR_THRESHOLD,
            VECTOR_SCOPE,
            VECTOR_NULLIFIER,
            false,
            1,
            PROTOCOL,
        ),
    );
    // without spend, it can be shown again
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    scenario.next_tx(PROTOCOL);
    let o = scenario.take_shared<Oracle>();
    assert!(!zk::is_nullifier_spent(&o, VECTOR_SCOPE, VECTOR_NULLIFIER));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun spend_records_the_nullifier_for_its_scope_only() {
    let (mut scenario, clock) = begin();
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, true, &clock);
    let events = event::events_by_type<ThresholdVerified>();
    assert_eq!(
        events[0],
        zk::threshold_verified_for_testing(
            v::oracle_id(),
            VECTOR_SUBJECT,
            VECTOR_THRESHOLD,
            VECTOR_SCOPE,
            VECTOR_NULLIFIER,
            true,
            1,
            PROTOCOL,
        ),
    );
    scenario.next_tx(PROTOCOL);
    let o = scenario.take_shared<Oracle>();
    assert!(zk::is_nullifier_spent(&o, VECTOR_SCOPE, VECTOR_NULLIFIER));
    assert!(!zk::is_nullifier_spent(&o, VECTOR_SCOPE + 1, VECTOR_NULLIFIER));
    assert!(!zk::is_nullifier_spent(&o, VECTOR_SCOPE, VECTOR_NULLIFIER + 1));
    ts::return_shared(o);
    // the same statement may still be shown without spending
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, false, true, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::ENullifierSpent)]
fun a_nullifier_is_spent_once() {
    let (mut scenario, clock) = begin();
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, true, &clock);
    scenario.next_tx(@0xb0b);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, true, &clock);
    setup::finish(scenario, clock);
}

// === A private assessment's record ===

/// The score a private assessment of the vector's subject stores: the set-up's key is replaced by a key of the
/// tests (seeded here), the subject asks for a private assessment and it is fulfilled through `oracle::fulfil`
/// with score 0, tier 255, pd 0 and the vector's commitment, signed by that key. Left at a tx of PROTOCOL.
fun begin_private(): (Scenario, Clock) {
    let (mut scenario, mut clock) = setup::begin();
    let keypair = ecdsa_k1::secp256k1_keypair_from_seed(&vector::tabulate!(32, |_| 0x2c));
    let public_key = *keypair.public_key();
    scenario.next_tx(v::admin());
    set_key(&mut scenario);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, public_key, v::measurement(), &clock);
    scenario.next_tx(VECTOR_SUBJECT);
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(o.fee(), scenario.ctx());
    let id = oracle::request_private_assessment(&mut o, VECTOR_SUBJECT, vector[], payment, &clock, scenario.ctx());
    ts::return_shared(o);
    scenario.next_tx(v::transmitter());
    let timestamp_ms = v::first_timestamp_ms();
    clock.set_for_testing(timestamp_ms + 1_000);
    let expiry_ms = timestamp_ms + VALIDITY_MS;
    let message = oracle::intent_message_bytes(
        v::oracle_id(),
        id,
        VECTOR_SUBJECT,
        0,
        oracle::private_tier(),
        0,
        0,
        v::measurement(),
        VECTOR_COMMITMENT,
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        timestamp_ms,
        expiry_ms,
    );
    let signature = ecdsa_k1::secp256k1_sign(keypair.private_key(), &message, 1, false);
    let mut o = scenario.take_shared<Oracle>();
    o.fulfil(
        id,
        0,
        oracle::private_tier(),
        0,
        0,
        v::measurement(),
        VECTOR_COMMITMENT,
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        timestamp_ms,
        expiry_ms,
        public_key,
        signature,
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
    scenario.next_tx(PROTOCOL);
    (scenario, clock)
}

#[test]
fun a_proof_against_a_private_records_commitment_verifies() {
    let (mut scenario, clock) = begin_private();
    {
        let o = scenario.take_shared<Oracle>();
        let s = o.score_of(VECTOR_SUBJECT);
        assert!(s.is_private());
        assert_eq!(s.score(), 0);
        assert_eq!(s.commitment(), VECTOR_COMMITMENT);
        ts::return_shared(o);
    };
    scenario.next_tx(PROTOCOL);
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, true, &clock);
    let events = event::events_by_type<ThresholdVerified>();
    assert_eq!(
        events[0],
        zk::threshold_verified_for_testing(
            v::oracle_id(),
            VECTOR_SUBJECT,
            VECTOR_THRESHOLD,
            VECTOR_SCOPE,
            VECTOR_NULLIFIER,
            true,
            1,
            PROTOCOL,
        ),
    );
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EInvalidProof)]
fun a_private_record_still_refuses_a_proof_the_verifier_rejects() {
    let (mut scenario, clock) = begin_private();
    verify(&mut scenario, VECTOR_SCOPE, VECTOR_NULLIFIER, true, false, &clock);
    setup::finish(scenario, clock);
}
