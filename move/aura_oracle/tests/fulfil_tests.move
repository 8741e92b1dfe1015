/// The signed payload and `fulfil`: every check in its documented order, the payment and the stored score.
#[test_only]
module aura_oracle::fulfil_tests;

use aura_oracle::oracle::{Self, AdminCap, Oracle, AssessmentFulfilled};
use aura_oracle::setup;
use aura_oracle::test_enclave;
use aura_oracle::vector_data as v;
use std::hash;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::ecdsa_k1;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const STRANGER: address = @0x5747;

/// The arguments of one `fulfil` call; tests start from a vector case and change one thing.
public struct Args has copy, drop {
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
}

fun first(): Args {
    Args {
        request_id: v::first_request_id(),
        score: v::first_score(),
        tier: v::first_tier(),
        pd_bps: v::first_pd_bps(),
        flags: v::first_flags(),
        measurement: v::measurement(),
        commitment: v::first_commitment(),
        checkpoint: v::first_checkpoint(),
        checkpoint_digest: v::first_checkpoint_digest(),
        features_hash: v::first_features_hash(),
        timestamp_ms: v::first_timestamp_ms(),
        expiry_ms: v::first_expiry_ms(),
        public_key: v::public_key(),
        signature: v::first_signature(),
    }
}

fun second(): Args {
    Args {
        request_id: v::second_request_id(),
        score: v::second_score(),
        tier: v::second_tier(),
        pd_bps: v::second_pd_bps(),
        flags: v::second_flags(),
        measurement: v::measurement(),
        commitment: v::second_commitment(),
        checkpoint: v::second_checkpoint(),
        checkpoint_digest: v::second_checkpoint_digest(),
        features_hash: v::second_features_hash(),
        timestamp_ms: v::second_timestamp_ms(),
        expiry_ms: v::second_expiry_ms(),
        public_key: v::public_key(),
        signature: v::second_signature(),
    }
}

fun submit(scenario: &mut Scenario, a: Args, clock: &Clock) {
    setup::fulfil(
        scenario,
        a.request_id,
        a.score,
        a.tier,
        a.pd_bps,
        a.flags,
        a.measurement,
        a.commitment,
        a.checkpoint,
        a.checkpoint_digest,
        a.features_hash,
        a.timestamp_ms,
        a.expiry_ms,
        a.public_key,
        a.signature,
        clock,
    );
}

/// An assessment of `v::subject()` for `request_id` by the tests' own enclave key (`test_enclave`, which
/// `register_test_enclave` registers), valid for ten minutes from `timestamp_ms`.
fun signed(request_id: ID, score: u16, tier: u8, timestamp_ms: u64): Args {
    let pd_bps = 500;
    let flags = 2;
    let expiry_ms = timestamp_ms + 600_000;
    Args {
        request_id,
        score,
        tier,
        pd_bps,
        flags,
        measurement: v::measurement(),
        commitment: v::first_commitment(),
        checkpoint: v::first_checkpoint(),
        checkpoint_digest: v::first_checkpoint_digest(),
        features_hash: v::first_features_hash(),
        timestamp_ms,
        expiry_ms,
        public_key: test_enclave::public_key(),
        signature: test_enclave::sign(request_id, score, tier, pd_bps, flags, timestamp_ms, expiry_ms),
    }
}

fun register_test_enclave(scenario: &mut Scenario, clock: &Clock) {
    scenario.next_tx(v::admin());
    setup::register(scenario, test_enclave::public_key(), v::measurement(), clock);
    scenario.next_tx(v::transmitter());
}

/// The `AssessmentFulfilled` event `a` gives when `transmitter` sends it (its fee goes to the set-up's payee).
fun fulfilled_event(a: &Args, version: u64, stored: bool, transmitter: address): AssessmentFulfilled {
    oracle::assessment_fulfilled_for_testing(
        v::oracle_id(),
        a.request_id,
        v::subject(),
        a.score,
        a.tier,
        a.pd_bps,
        a.flags,
        a.measurement,
        a.commitment,
        a.checkpoint,
        a.checkpoint_digest,
        a.features_hash,
        a.timestamp_ms,
        a.expiry_ms,
        version,
        stored,
        a.public_key,
        a.signature,
        transmitter,
        setup::payee(),
        v::fee(),
    )
}

fun message_of(a: &Args): vector<u8> {
    oracle::intent_message_bytes(
        v::oracle_id(),
        a.request_id,
        v::subject(),
        a.score,
        a.tier,
        a.pd_bps,
        a.flags,
        a.measurement,
        a.commitment,
        a.checkpoint,
        a.checkpoint_digest,
        a.features_hash,
        a.timestamp_ms,
        a.expiry_ms,
    )
}

/// The set-up, with the clock at `now_ms` and the transmitter to send the next transaction.
fun begin_at(now_ms: u64): (Scenario, Clock) {
    let (scenario, mut clock) = setup::begin();
    clock.set_for_testing(now_ms);
    (scenario, clock)
}

/// A time at which the first assessment is fresh: a second after its timestamp.
fun first_time(): u64 { v::first_timestamp_ms() + 1_000 }

/// A time at which the second assessment is fresh (and the first too).
fun second_time(): u64 { v::second_timestamp_ms() + 1_000 }

fun set_windows(scenario: &mut Scenario, request_ttl_ms: u64, max_age_ms: u64, max_skew_ms: u64) {
    scenario.next_tx(v::admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_windows(&cap, &mut o, request_ttl_ms, max_age_ms, max_skew_ms);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.next_tx(v::transmitter());
}

fun drop_last(mut bytes: vector<u8>): vector<u8> {
    bytes.pop_back();
    bytes
}

fun append_zero(mut bytes: vector<u8>): vector<u8> {
    bytes.push_back(0);
    bytes
}

// === The signed payload ===

#[test]
fun the_package_encodes_the_vector_messages() {
    let a = first();
    let message = message_of(&a);
    assert_eq!(message.length(), 262);
    assert_eq!(message, v::first_intent_message());
    assert_eq!(hash::sha2_256(message), v::first_digest());
    assert!(ecdsa_k1::secp256k1_verify(&v::first_signature(), &v::public_key(), &message, 1));

    let b = second();
    let message = message_of(&b);
    assert_eq!(message.length(), 262);
    assert_eq!(message, v::second_intent_message());
    assert_eq!(hash::sha2_256(message), v::second_digest());
    assert!(ecdsa_k1::secp256k1_verify(&v::second_signature(), &v::public_key(), &message, 1));

    // The other key's signature is over the first message, by the other key.
    assert!(
        ecdsa_k1::secp256k1_verify(
            &v::first_signature_other_key(),
            &v::other_public_key(),
            &v::first_intent_message(),
            1,
        ),
    );
}

#[test]
fun the_encoding_is_the_documented_layout() {
    let a = first();
    let m = message_of(&a);
    assert_eq!(m[0], 1); // intent
    assert_eq!(m[114], 32); // the measurement's length
    assert_eq!(m[147], 32); // the commitment's length
    assert_eq!(m[188], 32); // the checkpoint digest's length
    assert_eq!(m[221], 32); // the features hash's length
    let mut i = 0;
    while (i < 32) {
        assert_eq!(m[9 + i], object::id_to_bytes(&v::oracle_id())[i]);
        assert_eq!(m[41 + i], object::id_to_bytes(&a.request_id)[i]);
        assert_eq!(m[73 + i], sui::address::to_bytes(v::subject())[i]);
        assert_eq!(m[115 + i], a.measurement[i]);
        assert_eq!(m[148 + i], a.commitment[i]);
        assert_eq!(m[189 + i], a.checkpoint_digest[i]);
        assert_eq!(m[222 + i], a.features_hash[i]);
        i = i + 1;
    };
    // Little-endian integers.
    assert_eq!((m[105] as u16) | ((m[106] as u16) << 8), a.score);
    assert_eq!(m[107], a.tier);
    assert_eq!((m[108] as u16) | ((m[109] as u16) << 8), a.pd_bps);
    let mut timestamp = 0u64;
    let mut checkpoint = 0u64;
    let mut expiry = 0u64;
    let mut k = 8;
    while (k > 0) {
        k = k - 1;
        timestamp = (timestamp << 8) | (m[1 + k] as u64);
        checkpoint = (checkpoint << 8) | (m[180 + k] as u64);
        expiry = (expiry << 8) | (m[254 + k] as u64);
    };
    assert_eq!(timestamp, a.timestamp_ms);
    assert_eq!(checkpoint, a.checkpoint);
    assert_eq!(expiry, a.expiry_ms);
}

// === Fulfilling ===

#[test]
fun fulfil_pays_the_payee_and_stores_the_first_score() {
    let (mut scenario, clock) = begin_at(first_time());
    setup::fulfil_first(&mut scenario, &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        oracle::assessment_fulfilled_for_testing(
            v::oracle_id(),
            v::first_request_id(),
            v::subject(),
            v::first_score(),
            v::first_tier(),
            v::first_pd_bps(),
            v::first_flags(),
            v::measurement(),
            v::first_commitment(),
            v::first_checkpoint(),
            v::first_checkpoint_digest(),
            v::first_features_hash(),
            v::first_timestamp_ms(),
            v::first_expiry_ms(),
            1,
            true,
            v::public_key(),
            v::first_signature(),
            v::transmitter(),
            setup::payee(),
            v::fee(),
        ),
    );

    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.num_user_events(), 1);
    // The request's body (its dynamic field) is deleted: its storage rebate goes to the sender.
    assert_eq!(effects.deleted().length(), 1);
    // The fee, exactly, as one coin to the key's payee; nothing to the sender.
    assert_eq!(effects.transferred_to_account().length(), 1);
    assert_eq!(ts::ids_for_address<Coin<SUI>>(setup::payee()).length(), 1);
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    assert_eq!(ts::ids_for_address<Coin<SUI>>(v::transmitter()).length(), 0);
    assert_eq!(setup::coin_total(&scenario, v::requester()), 0);

    let o = scenario.take_shared<Oracle>();
    // Only the settled request's status is left of it.
    assert_eq!(o.request_status(v::first_request_id()), 1);
    assert_eq!(o.request_fee_held(v::first_request_id()), 0);
    assert!(!oracle::has_request_body_for_testing(&o, v::first_request_id()));
    assert_eq!(o.request_status(v::second_request_id()), 0);
    assert_eq!(o.request_fee_held(v::second_request_id()), v::fee());
    assert!(oracle::has_request_body_for_testing(&o, v::second_request_id()));
    assert!(o.has_score(v::subject()));
    assert!(!o.has_score(v::requester()));
    let s = o.score_of(v::subject());
    assert_eq!(s.subject(), v::subject());
    assert_eq!(s.score(), v::first_score());
    assert_eq!(s.tier(), v::first_tier());
    assert_eq!(s.pd_bps(), v::first_pd_bps());
    assert_eq!(s.flags(), v::first_flags());
    assert_eq!(s.measurement(), v::measurement());
    assert_eq!(s.commitment(), v::first_commitment());
    assert_eq!(s.checkpoint(), v::first_checkpoint());
    assert_eq!(s.features_hash(), v::first_features_hash());
    assert_eq!(s.timestamp_ms(), v::first_timestamp_ms());
    assert_eq!(s.expiry_ms(), v::first_expiry_ms());
    assert_eq!(s.request_id(), v::first_request_id());
    assert_eq!(s.signers(), vector[v::public_key()]);
    assert_eq!(s.score_threshold(), 1);
    assert!(o.score_counts(s));
    assert_eq!(s.version(), 1);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun a_later_assessment_updates_the_score_and_its_version() {
    let (mut scenario, mut clock) = begin_at(first_time());
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    let score_id = {
        let o = scenario.take_shared<Oracle>();
        let id = object::id(o.score_of(v::subject()));
        ts::return_shared(o);
        id
    };

    // Another transmitter answers the second request: the fee still goes to the key's payee.
    scenario.next_tx(STRANGER);
    clock.set_for_testing(second_time());
    setup::fulfil_second(&mut scenario, &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        oracle::assessment_fulfilled_for_testing(
            v::oracle_id(),
            v::second_request_id(),
            v::subject(),
            v::second_score(),
            v::second_tier(),
            v::second_pd_bps(),
            v::second_flags(),
            v::measurement(),
            v::second_commitment(),
            v::second_checkpoint(),
            v::second_checkpoint_digest(),
            v::second_features_hash(),
            v::second_timestamp_ms(),
            v::second_expiry_ms(),
            2,
            true,
            v::public_key(),
            v::second_signature(),
            STRANGER,
            setup::payee(),
            v::fee(),
        ),
    );
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.num_user_events(), 1);
    assert_eq!(setup::coin_total(&scenario, STRANGER), 0);
    assert_eq!(setup::coin_total(&scenario, v::transmitter()), 0);
    assert_eq!(setup::coin_total(&scenario, setup::payee()), 2 * v::fee());

    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::first_request_id()), 1);
    assert_eq!(o.request_status(v::second_request_id()), 1);
    assert_eq!(o.request_fee_held(v::second_request_id()), 0);
    let s = o.score_of(v::subject());
    assert_eq!(object::id(s), score_id); // updated in place
    assert_eq!(s.score(), v::second_score());
    assert_eq!(s.tier(), v::second_tier());
    assert_eq!(s.pd_bps(), v::second_pd_bps());
    assert_eq!(s.flags(), v::second_flags());
    assert_eq!(s.commitment(), v::second_commitment());
    assert_eq!(s.checkpoint(), v::second_checkpoint());
    assert_eq!(s.features_hash(), v::second_features_hash());
    assert_eq!(s.timestamp_ms(), v::second_timestamp_ms());
    assert_eq!(s.expiry_ms(), v::second_expiry_ms());
    assert_eq!(s.request_id(), v::second_request_id());
    assert_eq!(s.version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_accepts_the_edges_of_the_time_windows() {
    // The earliest moment: the timestamp is exactly max_skew_ms ahead of the clock.
    let (mut scenario, mut clock) = begin_at(v::first_timestamp_ms() - v::max_skew_ms());
    setup::fulfil_first(&mut scenario, &clock);
    // The latest moment for the second: its age is exactly max_age_ms (its expiry is no earlier).
    scenario.next_tx(v::transmitter());
    let last = v::second_timestamp_ms() + v::max_age_ms();
    assert!(last <= v::second_expiry_ms());
    clock.set_for_testing(last);
    setup::fulfil_second(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun any_registered_enclave_may_answer() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::measurement(), &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.public_key = v::other_public_key();
    a.signature = v::first_signature_other_key();
    submit(&mut scenario, a, &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).signers(), vector[v::other_public_key()]);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EKeyRevoked)]
fun a_revoked_enclave_cannot_be_registered_again() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::public_key(), v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test]
fun an_operator_comes_back_with_a_new_key() {
    // The vector key is revoked; the other vector key, registered with the same measurement, answers.
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::measurement(), &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.public_key = v::other_public_key();
    a.signature = v::first_signature_other_key();
    submit(&mut scenario, a, &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events, vector[fulfilled_event(&a, 1, true, v::transmitter())]);
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    let o = scenario.take_shared<Oracle>();
    assert!(!o.is_enclave_active(v::public_key()));
    assert_eq!(o.score_of(v::subject()).signers(), vector[v::other_public_key()]);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun the_held_fee_is_paid_even_after_the_fee_changes() {
    // With the fee set to 0 after the requests were paid, the held fees still go to the payee.
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    {
        let mut o = scenario.take_shared<Oracle>();
        let cap = scenario.take_from_sender<AdminCap>();
        oracle::set_fee(&cap, &mut o, 0);
        scenario.return_to_sender(cap);
        ts::return_shared(o);
    };
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.transferred_to_account().length(), 1);
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    setup::finish(scenario, clock);
}

// === A copied fulfilment ===

#[test]
fun a_copied_fulfilment_pays_the_payee_not_the_copier() {
    // The signed assessment is public once broadcast: a copier who sends the same arguments first settles the
    // request, but the fee goes to the key's payee; the copier receives no coin.
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(STRANGER);
    setup::fulfil_first(&mut scenario, &clock);
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[fulfilled_event(&first(), 1, true, STRANGER)]);
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.transferred_to_account().length(), 1);
    assert!(!ts::has_most_recent_for_address<Coin<SUI>>(STRANGER));
    assert_eq!(setup::coin_total(&scenario, setup::payee()), v::fee());
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun the_transmitter_after_a_copier_is_refused() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(STRANGER);
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_pays_the_payee_the_admin_set_last() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    {
        let mut o = scenario.take_shared<Oracle>();
        let cap = scenario.take_from_sender<AdminCap>();
        oracle::set_enclave_payee(&cap, &mut o, v::public_key(), STRANGER);
        scenario.return_to_sender(cap);
        ts::return_shared(o);
    };
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::coin_total(&scenario, STRANGER), v::fee());
    assert!(!ts::has_most_recent_for_address<Coin<SUI>>(setup::payee()));
    assert!(!ts::has_most_recent_for_address<Coin<SUI>>(v::transmitter()));
    setup::finish(scenario, clock);
}

// === 1. The request ===

#[test, expected_failure(abort_code = oracle::ERequestNotFound)]
fun fulfil_rejects_an_unknown_request() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.request_id = v::oracle_id();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun fulfil_rejects_a_fulfilled_request() {
    let (mut scenario, clock) = begin_at(first_time());
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun fulfil_rejects_a_cancelled_request() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestExpired)]
fun fulfil_rejects_an_expired_request() {
    let (mut scenario, clock) = begin_at(setup::request_expiry_ms() + 1);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EStaleAssessment)]
fun fulfil_at_the_request_expiry_passes_the_request_checks() {
    // At exactly `expires_ms` the request is still open: the assessment (long stale by then) is what fails.
    let (mut scenario, clock) = begin_at(setup::request_expiry_ms());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

// === 2. The enclave and the sizes ===

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun fulfil_rejects_a_short_public_key() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.public_key = drop_last(a.public_key);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun fulfil_rejects_a_long_public_key() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.public_key = append_zero(a.public_key);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun fulfil_rejects_an_unregistered_key() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.public_key = v::other_public_key();
    a.signature = v::first_signature_other_key();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun fulfil_rejects_a_revoked_key() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun fulfil_rejects_another_measurement() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    *&mut a.measurement[31] = a.measurement[31] ^ 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun fulfil_rejects_a_short_measurement() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.measurement = drop_last(a.measurement);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun fulfil_rejects_a_long_measurement() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.measurement = append_zero(a.measurement);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun fulfil_rejects_the_old_measurement_under_a_new_key() {
    // The operator comes back with a new key and a new measurement: what its key signs over the old one is refused.
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::first_commitment(), &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.public_key = v::other_public_key();
    a.signature = v::first_signature_other_key();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCommitment)]
fun fulfil_rejects_a_short_commitment() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.commitment = drop_last(a.commitment);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCommitment)]
fun fulfil_rejects_a_long_commitment() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.commitment = append_zero(a.commitment);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCheckpointDigest)]
fun fulfil_rejects_a_short_checkpoint_digest() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.checkpoint_digest = drop_last(a.checkpoint_digest);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCheckpointDigest)]
fun fulfil_rejects_a_long_checkpoint_digest() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.checkpoint_digest = append_zero(a.checkpoint_digest);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadFeaturesHash)]
fun fulfil_rejects_a_short_features_hash() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.features_hash = drop_last(a.features_hash);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadFeaturesHash)]
fun fulfil_rejects_a_long_features_hash() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.features_hash = append_zero(a.features_hash);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadSignature)]
fun fulfil_rejects_a_short_signature() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.signature = drop_last(a.signature);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadSignature)]
fun fulfil_rejects_a_recoverable_65_byte_signature() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.signature = append_zero(a.signature);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

// === 3. Ranges ===

#[test, expected_failure(abort_code = oracle::EScoreOutOfRange)]
fun fulfil_rejects_a_score_over_1000() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.score = 1001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETierOutOfRange)]
fun fulfil_rejects_tier_3() {
    // Signed by a registered key: only the tier is wrong. Tiers are 0 Basic, 1 Standard, 2 Premium.
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    submit(&mut scenario, signed(v::first_request_id(), 900, 3, first_time()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETierOutOfRange)]
fun fulfil_rejects_tier_4() {
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    submit(&mut scenario, signed(v::first_request_id(), 900, 4, first_time()), &clock);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_stores_the_premium_tier() {
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    let a = signed(v::first_request_id(), 900, 2, first_time());
    submit(&mut scenario, a, &clock);
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[fulfilled_event(&a, 1, true, v::transmitter())]);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 900);
    assert_eq!(s.tier(), 2);
    assert_eq!(s.signers(), vector[test_enclave::public_key()]);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPdOutOfRange)]
fun fulfil_rejects_a_pd_over_10000() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.pd_bps = 10001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun the_range_maxima_pass_the_range_checks() {
    // 1000, 2 and 10000 are in range: the (now unsigned) fields fail only at the signature.
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.score = 1000;
    a.tier = 2;
    a.pd_bps = 10000;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

// === 4. Times ===

#[test, expected_failure(abort_code = oracle::ECheckpointBeforeRequest)]
fun fulfil_rejects_a_checkpoint_from_before_the_request() {
    // Signed by a registered key, fresh by the clock, but stamped a second before the request was made: no
    // checkpoint holding the request can be that old.
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    submit(&mut scenario, signed(v::first_request_id(), 700, 1, setup::request_time_ms() - 1_000), &clock);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_accepts_a_checkpoint_in_the_second_of_the_request() {
    // A request made 400 ms into a second: its checkpoint's time, in whole seconds as signed, may be that second.
    let (mut scenario, mut clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    let made = first_time() + 400;
    clock.set_for_testing(made);
    scenario.next_tx(v::requester());
    let request_id = setup::request(&mut scenario, b"{}", &clock);
    scenario.next_tx(v::transmitter());
    let a = signed(request_id, 640, 1, made - 400);
    submit(&mut scenario, a, &clock);
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[fulfilled_event(&a, 1, true, v::transmitter())]);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ECheckpointBeforeRequest)]
fun fulfil_rejects_a_checkpoint_a_second_before_the_request() {
    let (mut scenario, mut clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    let made = first_time() + 400;
    clock.set_for_testing(made);
    scenario.next_tx(v::requester());
    let request_id = setup::request(&mut scenario, b"{}", &clock);
    scenario.next_tx(v::transmitter());
    submit(&mut scenario, signed(request_id, 640, 1, made - 1_400), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETimestampInFuture)]
fun fulfil_rejects_a_timestamp_beyond_the_skew() {
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() - v::max_skew_ms() - 1);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EStaleAssessment)]
fun fulfil_rejects_a_stale_assessment() {
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() + v::max_age_ms() + 1);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EAssessmentExpired)]
fun fulfil_rejects_an_expired_assessment() {
    // With a longer max age the first assessment is not stale a millisecond after its expiry, but expired.
    let (mut scenario, mut clock) = setup::begin();
    set_windows(&mut scenario, v::request_ttl_ms(), v::max_age_ms() + 100_000, v::max_skew_ms());
    clock.set_for_testing(v::first_expiry_ms() + 1);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EAssessmentExpired)]
fun fulfil_rejects_an_expiry_not_after_the_timestamp() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.expiry_ms = a.timestamp_ms;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_accepts_the_last_moment_before_expiry() {
    let (mut scenario, mut clock) = setup::begin();
    set_windows(&mut scenario, v::request_ttl_ms(), v::max_age_ms() + 100_000, v::max_skew_ms());
    clock.set_for_testing(v::first_expiry_ms());
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

// === 5. The signature ===

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_the_high_s_twin_of_a_valid_signature() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.signature = v::first_signature_high_s();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_signature_by_another_key() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.signature = v::first_signature_other_key();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_registered_key_with_another_keys_signature() {
    // The other key is registered, but the signature is the first key's.
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::measurement(), &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.public_key = v::other_public_key();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_score() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.score = a.score + 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_changed_flags() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.flags = a.flags | 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_commitment() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.commitment = v::second_commitment();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_checkpoint() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.checkpoint = v::second_checkpoint();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_checkpoint_digest() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.checkpoint_digest = v::second_checkpoint_digest();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_features_hash() {
    // Features other than those the enclave scored cannot be claimed for the score.
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.features_hash = v::second_features_hash();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_timestamp() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.timestamp_ms = a.timestamp_ms + 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_a_changed_expiry() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.expiry_ms = a.expiry_ms - 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_an_assessment_for_another_request() {
    // The first assessment, offered for the second request (same subject): the request id is signed.
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.request_id = v::second_request_id();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun fulfil_rejects_an_assessment_for_another_oracle() {
    // A second oracle whose request happens to get the same request id cannot reuse the signature: the oracle
    // is signed too. Here the second oracle's own request, made when the set-up's were, is answered with the
    // first signed assessment.
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, STRANGER);
    scenario.next_tx(STRANGER);
    let other_id = {
        let mut o = scenario.take_shared<Oracle>();
        assert!(object::id(&o) != v::oracle_id());
        let cap = scenario.take_from_sender<AdminCap>();
        oracle::register_enclave(&cap, &mut o, v::public_key(), v::measurement(), setup::payee(), &clock);
        scenario.return_to_sender(cap);
        let id = object::id(&o);
        ts::return_shared(o);
        id
    };
    scenario.next_tx(v::requester());
    let request_id = {
        let mut o = scenario.take_shared_by_id<Oracle>(other_id);
        let payment = sui::coin::mint_for_testing<SUI>(v::fee(), scenario.ctx());
        let id = oracle::request_assessment(&mut o, v::subject(), vector[], payment, &clock, scenario.ctx());
        ts::return_shared(o);
        id
    };
    scenario.next_tx(v::transmitter());
    clock.set_for_testing(first_time());
    let mut o = scenario.take_shared_by_id<Oracle>(other_id);
    let a = first();
    oracle::fulfil(
        &mut o,
        request_id,
        a.score,
        a.tier,
        a.pd_bps,
        a.flags,
        a.measurement,
        a.commitment,
        a.checkpoint,
        a.checkpoint_digest,
        a.features_hash,
        a.timestamp_ms,
        a.expiry_ms,
        a.public_key,
        a.signature,
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === The stored score ===

#[test]
fun an_older_assessment_fulfils_without_replacing_the_stored_score() {
    // The second assessment is stored first; the first (older) still settles its request and pays its fee.
    let (mut scenario, clock) = begin_at(second_time());
    setup::fulfil_second(&mut scenario, &clock);
    scenario.next_tx(STRANGER);
    setup::fulfil_first(&mut scenario, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled_event(&first(), 1, false, STRANGER)],
    );
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.deleted().length(), 1); // the request's body
    assert_eq!(setup::coin_total(&scenario, STRANGER), 0);
    assert_eq!(setup::coin_total(&scenario, setup::payee()), 2 * v::fee());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::first_request_id()), 1);
    assert_eq!(o.request_fee_held(v::first_request_id()), 0);
    assert!(!oracle::has_request_body_for_testing(&o, v::first_request_id()));
    // The stored score is still the second, unchanged.
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), v::second_score());
    assert_eq!(s.tier(), v::second_tier());
    assert_eq!(s.pd_bps(), v::second_pd_bps());
    assert_eq!(s.commitment(), v::second_commitment());
    assert_eq!(s.checkpoint(), v::second_checkpoint());
    assert_eq!(s.features_hash(), v::second_features_hash());
    assert_eq!(s.timestamp_ms(), v::second_timestamp_ms());
    assert_eq!(s.expiry_ms(), v::second_expiry_ms());
    assert_eq!(s.request_id(), v::second_request_id());
    assert_eq!(s.version(), 1);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_equally_old_assessment_replaces_the_stored_score() {
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    let a = signed(v::second_request_id(), 650, 1, v::first_timestamp_ms());
    submit(&mut scenario, a, &clock);
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[fulfilled_event(&a, 2, true, v::transmitter())]);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).score(), 650);
    assert_eq!(o.score_of(v::subject()).request_id(), v::second_request_id());
    assert_eq!(o.score_of(v::subject()).version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun a_future_stamped_score_does_not_block_later_requests() {
    // A second after the first timestamp, the second assessment is 59 s ahead of the clock (the skew allows 60 s):
    // it is stored. A request made after it, honestly assessed at the clock's time, is older than the stored score:
    // it is fulfilled and paid without replacing it. Once the clock has passed the stored timestamp, a later
    // request's assessment replaces it.
    let (mut scenario, mut clock) = begin_at(first_time());
    assert!(v::second_timestamp_ms() > first_time());
    assert!(v::second_timestamp_ms() <= first_time() + v::max_skew_ms());
    register_test_enclave(&mut scenario, &clock);
    setup::fulfil_second(&mut scenario, &clock);

    let now = first_time() + 1_000;
    clock.set_for_testing(now);
    scenario.next_tx(v::requester());
    let later = setup::request(&mut scenario, b"{}", &clock);
    scenario.next_tx(v::transmitter());
    let honest = signed(later, 610, 1, now);
    submit(&mut scenario, honest, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled_event(&honest, 1, false, v::transmitter())],
    );
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    {
        let o = scenario.take_shared<Oracle>();
        assert_eq!(o.request_status(later), 1);
        assert_eq!(o.request_fee_held(later), 0);
        assert_eq!(o.score_of(v::subject()).request_id(), v::second_request_id());
        assert_eq!(o.score_of(v::subject()).timestamp_ms(), v::second_timestamp_ms());
        assert_eq!(o.score_of(v::subject()).version(), 1);
        ts::return_shared(o);
    };

    let now = v::second_timestamp_ms() + 1_000;
    clock.set_for_testing(now);
    scenario.next_tx(v::requester());
    let latest = setup::request(&mut scenario, b"{}", &clock);
    scenario.next_tx(v::transmitter());
    let newer = signed(latest, 620, 1, now);
    submit(&mut scenario, newer, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled_event(&newer, 2, true, v::transmitter())],
    );
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 620);
    assert_eq!(s.timestamp_ms(), now);
    assert_eq!(s.request_id(), latest);
    assert_eq!(s.signers(), vector[test_enclave::public_key()]);
    assert_eq!(s.version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_older_assessment_replaces_a_score_whose_enclave_was_revoked() {
    // The stored (newer) score's key is revoked: it no longer counts, so the older assessment replaces it.
    let (mut scenario, clock) = begin_at(second_time());
    register_test_enclave(&mut scenario, &clock);
    setup::fulfil_second(&mut scenario, &clock);
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::transmitter());
    let a = signed(v::first_request_id(), 700, 1, v::first_timestamp_ms());
    submit(&mut scenario, a, &clock);
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[fulfilled_event(&a, 2, true, v::transmitter())]);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 700);
    assert_eq!(s.timestamp_ms(), v::first_timestamp_ms());
    assert_eq!(s.request_id(), v::first_request_id());
    assert_eq!(s.signers(), vector[test_enclave::public_key()]);
    assert_eq!(s.version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETimestampInFuture)]
fun a_score_cannot_be_stamped_beyond_the_skew() {
    // What a stored score's timestamp can be ahead of the clock is bounded by the skew check.
    let (mut scenario, clock) = begin_at(first_time());
    register_test_enclave(&mut scenario, &clock);
    submit(&mut scenario, signed(v::first_request_id(), 700, 1, first_time() + v::max_skew_ms() + 1), &clock);
    setup::finish(scenario, clock);
}

// === The order of the checks ===

#[test, expected_failure(abort_code = oracle::ERequestExpired)]
fun the_request_is_checked_before_the_enclave() {
    let (mut scenario, clock) = begin_at(setup::request_expiry_ms() + 1);
    let mut a = first();
    a.public_key = v::other_public_key();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun the_key_size_is_checked_before_the_other_sizes() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.public_key = drop_last(a.public_key);
    a.measurement = drop_last(a.measurement);
    a.signature = drop_last(a.signature);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun the_measurement_is_checked_before_the_commitment() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.measurement = drop_last(a.measurement);
    a.commitment = drop_last(a.commitment);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCommitment)]
fun the_commitment_is_checked_before_the_signature_size() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.commitment = drop_last(a.commitment);
    a.signature = drop_last(a.signature);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCommitment)]
fun the_commitment_is_checked_before_the_checkpoint_digest() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.commitment = drop_last(a.commitment);
    a.checkpoint_digest = drop_last(a.checkpoint_digest);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadCheckpointDigest)]
fun the_checkpoint_digest_is_checked_before_the_features_hash() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.checkpoint_digest = drop_last(a.checkpoint_digest);
    a.features_hash = drop_last(a.features_hash);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadFeaturesHash)]
fun the_features_hash_is_checked_before_the_signature_size() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.features_hash = append_zero(a.features_hash);
    a.signature = drop_last(a.signature);
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun the_enclave_is_checked_before_the_ranges() {
    let (mut scenario, clock) = begin_at(first_time());
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.score = 1001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadSignature)]
fun the_sizes_are_checked_before_the_ranges() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.signature = append_zero(a.signature);
    a.tier = 5;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EScoreOutOfRange)]
fun the_score_is_checked_before_the_tier_and_pd() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.score = 1001;
    a.tier = 5;
    a.pd_bps = 10001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETierOutOfRange)]
fun the_tier_is_checked_before_the_pd() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.tier = 5;
    a.pd_bps = 10001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPdOutOfRange)]
fun the_ranges_are_checked_before_the_times() {
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() + v::max_age_ms() + 1);
    let mut a = first();
    a.pd_bps = 10001;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPdOutOfRange)]
fun the_ranges_are_checked_before_the_checkpoint_bound() {
    let (mut scenario, clock) = begin_at(first_time());
    let mut a = first();
    a.pd_bps = 10001;
    a.timestamp_ms = setup::request_time_ms() - 1_000;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ECheckpointBeforeRequest)]
fun the_checkpoint_bound_is_checked_before_the_other_times() {
    // Stamped before the request and stale by the clock: the bound on the request comes first.
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() + v::max_age_ms() + 1);
    let mut a = first();
    a.timestamp_ms = setup::request_time_ms() - 1_000;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EStaleAssessment)]
fun staleness_is_checked_before_expiry() {
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() + v::max_age_ms() + 1);
    let mut a = first();
    a.expiry_ms = a.timestamp_ms;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETimestampInFuture)]
fun the_times_are_checked_before_the_signature() {
    let (mut scenario, clock) = begin_at(v::first_timestamp_ms() - v::max_skew_ms() - 1);
    let mut a = first();
    a.signature = v::first_signature_high_s();
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun the_signature_is_checked_before_the_stored_score() {
    let (mut scenario, clock) = begin_at(second_time());
    setup::fulfil_second(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    let mut a = first();
    a.score = a.score + 1;
    submit(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}
