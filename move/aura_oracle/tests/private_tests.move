/// Private assessments (docs/sui.md, "Private assessments"): `request_private_assessment`, and the privacy check
/// `fulfil` and `fulfil_quorum` make (`EPrivacyMismatch`), each refusal next to the path it guards. The
/// assessments are signed here, by two keys of the tests' own (the test-only `ecdsa_k1` natives).
#[test_only]
module aura_oracle::private_tests;

use aura_oracle::oracle::{Self, AdminCap, AssessmentFulfilled, AssessmentRequested, Oracle};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin;
use sui::ecdsa_k1::{Self, KeyPair};
use sui::event;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const PRIVATE_TIER: u8 = 255;
/// LIMITED_DATA: a private assessment keeps its flags.
const FLAGS: u32 = 8;

fun keypair(i: u8): KeyPair { ecdsa_k1::secp256k1_keypair_from_seed(&vector::tabulate!(32, |_| i + 0x51)) }

fun public_key(i: u8): vector<u8> { *keypair(i).public_key() }

/// A time at which the assessments signed here are fresh.
fun now_ms(): u64 { v::first_timestamp_ms() + 1_000 }

fun expiry_ms(): u64 { v::first_timestamp_ms() + 600_000 }

/// What an enclave signs for `request_id` of `v::subject()` with these score, tier and pd (the first vector's
/// commitment, checkpoint, digest and features hash).
fun message(request_id: ID, score: u16, tier: u8, pd_bps: u16): vector<u8> {
    oracle::intent_message_bytes(
        v::oracle_id(),
        request_id,
        v::subject(),
        score,
        tier,
        pd_bps,
        FLAGS,
        v::measurement(),
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        v::first_timestamp_ms(),
        expiry_ms(),
    )
}

fun sign(i: u8, message: &vector<u8>): vector<u8> {
    ecdsa_k1::secp256k1_sign(keypair(i).private_key(), message, 1, false)
}

/// The set-up, the tests' keys 0 and 1 registered, and a private request of `v::subject()` by the requester
/// (its id returned); the clock at `now_ms()`, the transmitter to send the next transaction.
fun begin(): (Scenario, Clock, ID) {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, public_key(0), v::measurement(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, public_key(1), v::measurement(), &clock);
    scenario.next_tx(v::requester());
    let id = request_private(&mut scenario, &clock);
    clock.set_for_testing(now_ms());
    scenario.next_tx(v::transmitter());
    (scenario, clock, id)
}

/// The current sender asks for a private assessment of `v::subject()`, paying the fee.
fun request_private(scenario: &mut Scenario, clock: &Clock): ID {
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(o.fee(), scenario.ctx());
    let id = oracle::request_private_assessment(&mut o, v::subject(), vector[], payment, clock, scenario.ctx());
    ts::return_shared(o);
    id
}

/// The current sender fulfils `request_id` with these values, signed by key 0 alone (`signature` for it).
fun fulfil_signed(
    scenario: &mut Scenario,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    signature: vector<u8>,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil(
        &mut o,
        request_id,
        score,
        tier,
        pd_bps,
        FLAGS,
        v::measurement(),
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        v::first_timestamp_ms(),
        expiry_ms(),
        public_key(0),
        signature,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// `fulfil_signed` with key 0's signature over exactly these values.
fun fulfil(scenario: &mut Scenario, request_id: ID, score: u16, tier: u8, pd_bps: u16, clock: &Clock) {
    let signature = sign(0, &message(request_id, score, tier, pd_bps));
    fulfil_signed(scenario, request_id, score, tier, pd_bps, signature, clock);
}

/// A 20-byte address as a number, to order keys by.
fun number(address: &vector<u8>): u256 {
    let mut n: u256 = 0;
    address.do_ref!(|byte| n = (n << 8) | (*byte as u256));
    n
}

/// The current sender fulfils `request_id` through `fulfil_quorum`, signed by keys 0 and 1 in ascending order
/// of their addresses.
fun fulfil_quorum(scenario: &mut Scenario, request_id: ID, score: u16, tier: u8, pd_bps: u16, clock: &Clock) {
    let m = message(request_id, score, tier, pd_bps);
    let zero_first =
        number(&oracle::signer_address(&public_key(0))) < number(&oracle::signer_address(&public_key(1)));
    let (a, b) = if (zero_first) (0, 1) else (1, 0);
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil_quorum(
        &mut o,
        request_id,
        score,
        tier,
        pd_bps,
        FLAGS,
        v::measurement(),
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        v::first_timestamp_ms(),
        expiry_ms(),
        vector[public_key(a), public_key(b)],
        vector[sign(a, &m), sign(b, &m)],
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// The admin sets the threshold to 2; the transmitter sends the next transaction.
fun threshold_two(scenario: &mut Scenario) {
    scenario.next_tx(v::admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_threshold(&cap, &mut o, 2);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.next_tx(v::transmitter());
}

/// The subject's stored score is the private form of what was signed here, by `signers` keys.
fun assert_private_record(scenario: &Scenario, request_id: ID, signers: u64) {
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(request_id), 1);
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 0);
    assert_eq!(s.tier(), PRIVATE_TIER);
    assert_eq!(s.pd_bps(), 0);
    assert_eq!(s.flags(), FLAGS);
    assert_eq!(s.commitment(), v::first_commitment());
    assert_eq!(s.request_id(), request_id);
    assert_eq!(s.signers().length(), signers);
    assert!(s.is_private());
    assert!(o.score_counts(s));
    ts::return_shared(o);
}

// === Requesting ===

#[test]
fun a_private_request_keeps_its_choice_and_its_event_carries_it() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::requester());
    let id = request_private(&mut scenario, &clock);
    let events = event::events_by_type<AssessmentRequested>();
    assert_eq!(events.length(), 1);
    let created_ms = setup::request_time_ms();
    assert_eq!(
        events[0],
        oracle::assessment_requested_for_testing(
            v::oracle_id(),
            id,
            2,
            v::requester(),
            v::subject(),
            v::fee(),
            created_ms,
            created_ms + v::request_ttl_ms(),
            vector[],
            true,
        ),
    );
    scenario.next_tx(v::requester());
    let o = scenario.take_shared<Oracle>();
    assert!(o.request_private(id));
    assert!(!o.request_private(v::first_request_id()));
    assert_eq!(o.request_fee_held(id), v::fee());
    assert_eq!(o.next_nonce(), 3);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongFee)]
fun a_private_request_pays_the_fee_exactly() {
    let (mut scenario, clock) = setup::begin();
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(v::fee() - 1, scenario.ctx());
    oracle::request_private_assessment(&mut o, v::subject(), vector[], payment, &clock, scenario.ctx());
    abort 0
}

// === Fulfilling: the private form, and only it ===

#[test]
fun a_private_request_is_fulfilled_by_its_private_payload() {
    let (mut scenario, clock, id) = begin();
    let signature = sign(0, &message(id, 0, PRIVATE_TIER, 0));
    fulfil_signed(&mut scenario, id, 0, PRIVATE_TIER, 0, signature, &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        oracle::assessment_fulfilled_for_testing(
            v::oracle_id(),
            id,
            v::subject(),
            0,
            PRIVATE_TIER,
            0,
            FLAGS,
            v::measurement(),
            v::first_commitment(),
            v::first_checkpoint(),
            v::first_checkpoint_digest(),
            v::first_features_hash(),
            v::first_timestamp_ms(),
            expiry_ms(),
            1,
            true,
            public_key(0),
            signature,
            v::transmitter(),
            setup::payee(),
            v::fee(),
        ),
    );
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    assert_private_record(&scenario, id, 1);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_private_request_refuses_a_public_payload() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, id, 742, 1, 350, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_private_request_refuses_a_public_payload_scoring_zero() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, id, 0, 0, 0, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_private_request_refuses_a_score_under_the_private_tier() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, id, 742, PRIVATE_TIER, 0, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_private_request_refuses_a_pd_under_the_private_tier() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, id, 0, PRIVATE_TIER, 350, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_public_request_refuses_a_private_payload() {
    let (mut scenario, clock, _) = begin();
    fulfil(&mut scenario, v::first_request_id(), 0, PRIVATE_TIER, 0, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_public_request_refuses_the_private_tier_whatever_the_score() {
    let (mut scenario, clock, _) = begin();
    fulfil(&mut scenario, v::first_request_id(), 742, PRIVATE_TIER, 350, &clock);
    setup::finish(scenario, clock);
}

#[test]
fun a_public_request_beside_a_private_one_is_fulfilled_as_before() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, v::first_request_id(), 742, 1, 350, &clock);
    scenario.next_tx(v::transmitter());
    {
        let o = scenario.take_shared<Oracle>();
        let s = o.score_of(v::subject());
        assert_eq!(s.score(), 742);
        assert!(!s.is_private());
        assert!(o.request_private(id));
        ts::return_shared(o);
    };
    scenario.next_tx(v::transmitter());
    // the private assessment of the same subject then replaces it: the newest is stored
    fulfil(&mut scenario, id, 0, PRIVATE_TIER, 0, &clock);
    scenario.next_tx(v::transmitter());
    assert_private_record(&scenario, id, 1);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === The check's place in the documented order ===

#[test, expected_failure(abort_code = oracle::EBadSignature)]
fun the_sizes_are_checked_before_the_privacy() {
    let (mut scenario, clock, id) = begin();
    let mut signature = sign(0, &message(id, 742, 1, 350));
    signature.pop_back();
    fulfil_signed(&mut scenario, id, 742, 1, 350, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun the_privacy_is_checked_before_the_ranges() {
    let (mut scenario, clock, id) = begin();
    fulfil(&mut scenario, id, 1001, 3, 10001, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun the_privacy_is_checked_before_the_times() {
    let (mut scenario, mut clock, id) = begin();
    clock.set_for_testing(v::first_timestamp_ms() + v::max_age_ms() + 1);
    fulfil(&mut scenario, id, 742, 1, 350, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun the_private_form_is_still_signed() {
    let (mut scenario, clock, id) = begin();
    // a public assessment's signature does not carry over to its private form
    let signature = sign(0, &message(id, 742, 1, 350));
    fulfil_signed(&mut scenario, id, 0, PRIVATE_TIER, 0, signature, &clock);
    setup::finish(scenario, clock);
}

// === fulfil_quorum ===

#[test]
fun a_private_request_is_fulfilled_by_a_private_quorum() {
    let (mut scenario, clock, id) = begin();
    threshold_two(&mut scenario);
    fulfil_quorum(&mut scenario, id, 0, PRIVATE_TIER, 0, &clock);
    scenario.next_tx(v::transmitter());
    assert_private_record(&scenario, id, 2);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_quorum_refuses_a_public_payload_for_a_private_request() {
    let (mut scenario, clock, id) = begin();
    threshold_two(&mut scenario);
    fulfil_quorum(&mut scenario, id, 742, 1, 350, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun a_quorum_refuses_a_private_payload_for_a_public_request() {
    let (mut scenario, clock, _) = begin();
    threshold_two(&mut scenario);
    fulfil_quorum(&mut scenario, v::first_request_id(), 0, PRIVATE_TIER, 0, &clock);
    setup::finish(scenario, clock);
}

// === tests/vectors/sui.json's private case: the enclave's own signature over the private form ===

/// The set-up, then the requester's private request in the next transaction: the vector's private request (its
/// id checked); the clock a second after the vector's private timestamp, the transmitter to send next.
fun begin_vector(): (Scenario, Clock) {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    let id = request_private(&mut scenario, &clock);
    assert_eq!(id, v::private_request_id());
    clock.set_for_testing(v::private_timestamp_ms() + 1_000);
    scenario.next_tx(v::transmitter());
    (scenario, clock)
}

#[test]
fun the_package_encodes_the_vector_private_message() {
    let message = oracle::intent_message_bytes(
        v::oracle_id(),
        v::private_request_id(),
        v::subject(),
        v::private_score(),
        v::private_tier(),
        v::private_pd_bps(),
        v::private_flags(),
        v::measurement(),
        v::private_commitment(),
        v::private_checkpoint(),
        v::private_checkpoint_digest(),
        v::private_features_hash(),
        v::private_timestamp_ms(),
        v::private_expiry_ms(),
    );
    assert_eq!(message, v::private_intent_message());
    assert_eq!(v::private_score(), 0);
    assert_eq!(v::private_tier(), oracle::private_tier());
    assert_eq!(v::private_pd_bps(), 0);
}

#[test]
fun the_vector_private_assessment_fulfils_its_private_request() {
    let (mut scenario, clock) = begin_vector();
    setup::fulfil(
        &mut scenario,
        v::private_request_id(),
        v::private_score(),
        v::private_tier(),
        v::private_pd_bps(),
        v::private_flags(),
        v::measurement(),
        v::private_commitment(),
        v::private_checkpoint(),
        v::private_checkpoint_digest(),
        v::private_features_hash(),
        v::private_timestamp_ms(),
        v::private_expiry_ms(),
        v::public_key(),
        v::private_signature(),
        &clock,
    );
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert!(s.is_private());
    assert_eq!(s.score(), 0);
    assert_eq!(s.tier(), PRIVATE_TIER);
    assert_eq!(s.pd_bps(), 0);
    assert_eq!(s.commitment(), v::private_commitment());
    assert_eq!(s.request_id(), v::private_request_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun the_vector_quorum_fulfils_the_private_request() {
    let (mut scenario, clock) = begin_vector();
    let keys = v::quorum_public_keys();
    keys.do_ref!(|key| {
        scenario.next_tx(v::admin());
        setup::register(&mut scenario, *key, v::measurement(), &clock);
    });
    threshold_two(&mut scenario);
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil_quorum(
        &mut o,
        v::private_request_id(),
        v::private_score(),
        v::private_tier(),
        v::private_pd_bps(),
        v::private_flags(),
        v::measurement(),
        v::private_commitment(),
        v::private_checkpoint(),
        v::private_checkpoint_digest(),
        v::private_features_hash(),
        v::private_timestamp_ms(),
        v::private_expiry_ms(),
        keys,
        v::quorum_private_signatures(),
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert!(s.is_private());
    assert_eq!(s.signers(), v::quorum_public_keys());
    assert_eq!(s.score_threshold(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun the_vector_private_assessment_does_not_answer_a_public_request() {
    // the first request is public: its own, public, assessment answers it; the private form never does
    let (mut scenario, clock) = begin_vector();
    setup::fulfil(
        &mut scenario,
        v::first_request_id(),
        v::private_score(),
        v::private_tier(),
        v::private_pd_bps(),
        v::private_flags(),
        v::measurement(),
        v::private_commitment(),
        v::private_checkpoint(),
        v::private_checkpoint_digest(),
        v::private_features_hash(),
        v::private_timestamp_ms(),
        v::private_expiry_ms(),
        v::public_key(),
        v::private_signature(),
        &clock,
    );
    setup::finish(scenario, clock);
}
