/// Operator updates (docs/sui.md, "Operator updates"): `update` and `update_quorum` land a re-score with no
/// request and no fee, under the id `update_id` derives, checked as a fulfilment is; each refusal next to the path
/// it guards. The assessments are signed here, by keys of the tests' own (the test-only `ecdsa_k1` natives).
#[test_only]
module aura_oracle::update_tests;

use aura_oracle::oracle::{Self, AdminCap, AssessmentFulfilled, Oracle, QuorumFulfilled};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin;
use sui::ecdsa_k1::{Self, KeyPair};
use sui::event;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const STRANGER: address = @0x5747;
const PRIVATE_TIER: u8 = 255;
const FLAGS: u32 = 8;
const SCORE: u16 = 690;
const TIER: u8 = 1;
const PD_BPS: u16 = 420;

fun keypair(i: u8): KeyPair { ecdsa_k1::secp256k1_keypair_from_seed(&vector::tabulate!(32, |_| i + 0x71)) }

fun public_key(i: u8): vector<u8> { *keypair(i).public_key() }

fun sign(i: u8, message: &vector<u8>): vector<u8> {
    ecdsa_k1::secp256k1_sign(keypair(i).private_key(), message, 1, false)
}

/// The assessment time of the updates signed here (the first vector's), a later one, and when they expire.
fun time_ms(): u64 { v::first_timestamp_ms() }

fun later_ms(): u64 { v::first_timestamp_ms() + 60_000 }

fun expiry_of(timestamp_ms: u64): u64 { timestamp_ms + 600_000 }

/// A time at which both the assessments signed here are fresh.
fun now_ms(): u64 { later_ms() + 1_000 }

/// One update's arguments after the oracle; tests start from `args` and change one thing.
public struct Args has copy, drop {
    subject: address,
    score: u16,
    tier: u8,
    pd_bps: u16,
    measurement: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
}

fun args(timestamp_ms: u64): Args {
    Args {
        subject: v::subject(),
        score: SCORE,
        tier: TIER,
        pd_bps: PD_BPS,
        measurement: v::measurement(),
        timestamp_ms,
        expiry_ms: expiry_of(timestamp_ms),
    }
}

/// What an enclave signs for `a` answering `request_id` (the first vector's commitment, checkpoint, digest and
/// features hash).
fun message(request_id: ID, a: &Args): vector<u8> {
    oracle::intent_message_bytes(
        v::oracle_id(),
        request_id,
        a.subject,
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
    )
}

/// The id the oracle derives for an update of `subject` at `timestamp_ms` (`the_update_id_is_the_oracles` shows it
/// is `update_id`'s).
fun id_of(_scenario: &Scenario, subject: address, timestamp_ms: u64): ID {
    oracle::update_id_for_testing(v::oracle_id(), subject, timestamp_ms)
}

/// What an enclave signs for the update `a`: its assessment under the update's id.
fun update_message(scenario: &Scenario, a: &Args): vector<u8> {
    message(id_of(scenario, a.subject, a.timestamp_ms), a)
}

/// The set-up, the tests' keys 0 and 1 registered (key 2 never is); the clock at `now_ms()`, the transmitter to
/// send the next transaction.
fun begin(): (Scenario, Clock) { begin_at(now_ms()) }

/// `begin` with the clock at `clock_ms` (not before `setup::request_time_ms()`).
fun begin_at(clock_ms: u64): (Scenario, Clock) {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, public_key(0), v::measurement(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, public_key(1), v::measurement(), &clock);
    clock.set_for_testing(clock_ms);
    scenario.next_tx(v::transmitter());
    (scenario, clock)
}

/// The current sender sends `update` with `a`, key `key` and `signature`.
fun update_signed(scenario: &mut Scenario, a: Args, key: u8, signature: vector<u8>, clock: &Clock) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::update(
        &mut o,
        a.subject,
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
        public_key(key),
        signature,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// `update_signed` with key 0's signature over exactly the update `a`.
fun update(scenario: &mut Scenario, a: Args, clock: &Clock) {
    let signature = sign(0, &update_message(scenario, &a));
    update_signed(scenario, a, 0, signature, clock);
}

/// The current sender sends `update_quorum` with `a`, these keys and signatures.
fun update_quorum_signed(
    scenario: &mut Scenario,
    a: Args,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::update_quorum(
        &mut o,
        a.subject,
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
        public_keys,
        signatures,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// A 20-byte address as a number, to order keys by.
fun number(address: &vector<u8>): u256 {
    let mut n: u256 = 0;
    address.do_ref!(|byte| n = (n << 8) | (*byte as u256));
    n
}

/// Keys 0 and 1 in ascending order of their addresses.
fun ascending(): (u8, u8) {
    if (number(&oracle::signer_address(&public_key(0))) < number(&oracle::signer_address(&public_key(1)))) (0, 1)
    else (1, 0)
}

/// `update_quorum` signed by keys 0 and 1 over exactly the update `a`, in ascending order.
fun update_quorum(scenario: &mut Scenario, a: Args, clock: &Clock) {
    let m = update_message(scenario, &a);
    let (x, y) = ascending();
    update_quorum_signed(scenario, a, vector[public_key(x), public_key(y)], vector[sign(x, &m), sign(y, &m)], clock);
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

/// The `AssessmentFulfilled` an update `a` under `request_id` gives, signed by `key` with `signature`: fee 0, the
/// key's payee.
fun fulfilled(
    request_id: ID,
    a: &Args,
    version: u64,
    stored: bool,
    key: vector<u8>,
    signature: vector<u8>,
): AssessmentFulfilled {
    oracle::assessment_fulfilled_for_testing(
        v::oracle_id(),
        request_id,
        a.subject,
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
        version,
        stored,
        key,
        signature,
        v::transmitter(),
        setup::payee(),
        0,
    )
}

// === The id ===

#[test]
fun the_update_id_binds_the_oracle_subject_and_time() {
    let (scenario, clock) = begin();
    let id = id_of(&scenario, v::subject(), time_ms());
    // The same derivation as chains/sui/update_id.py (tests/unit/sui_chain/test_sui_update.py holds this value).
    assert_eq!(id, object::id_from_address(@0x2ee76a737fa6ac77103296a7bbef2dcceab5d81df53abc1745b7c078f306ed25));
    assert!(id != id_of(&scenario, STRANGER, time_ms()));
    assert!(id != id_of(&scenario, v::subject(), time_ms() + 1_000));
    assert!(id != v::first_request_id() && id != v::second_request_id());
    setup::finish(scenario, clock);
}

#[test]
fun the_update_id_is_the_oracles() {
    let (scenario, clock) = begin();
    let o = scenario.take_shared<Oracle>();
    assert_eq!(object::id(&o), v::oracle_id());
    assert_eq!(o.update_id(STRANGER, later_ms()), id_of(&scenario, STRANGER, later_ms()));
    assert_eq!(o.update_id(v::subject(), time_ms()), id_of(&scenario, v::subject(), time_ms()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === Landing an update ===

#[test]
fun an_update_lands_under_its_id_with_no_request_and_no_fee() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let id = id_of(&scenario, a.subject, a.timestamp_ms);
    let signature = sign(0, &update_message(&scenario, &a));
    update_signed(&mut scenario, a, 0, signature, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled(id, &a, 1, true, public_key(0), signature)],
    );
    assert_eq!(event::events_by_type<QuorumFulfilled>().length(), 0);
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.transferred_to_account().length(), 0); // nobody paid
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(id), 1);
    assert_eq!(o.request_fee_held(id), 0);
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), SCORE);
    assert_eq!(s.tier(), TIER);
    assert_eq!(s.pd_bps(), PD_BPS);
    assert_eq!(s.timestamp_ms(), time_ms());
    assert_eq!(s.request_id(), id);
    assert_eq!(s.signers(), vector[public_key(0)]);
    assert_eq!(s.score_threshold(), 1);
    assert_eq!(s.version(), 1);
    assert!(o.score_counts(s));
    // The subject's pending requests are untouched: still pending, their fees held.
    assert_eq!(o.request_status(v::first_request_id()), 0);
    assert_eq!(o.request_fee_held(v::first_request_id()), v::fee());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_update_of_a_subject_nobody_asked_about_lands() {
    let (mut scenario, clock) = begin();
    let mut a = args(time_ms());
    a.subject = STRANGER;
    update(&mut scenario, a, &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(o.update_id(STRANGER, time_ms())), 1);
    assert_eq!(o.score_of(STRANGER).score(), SCORE);
    assert!(!o.has_score(v::subject()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun a_newer_update_replaces_the_stored_score() {
    let (mut scenario, clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    let mut b = args(later_ms());
    b.score = 810;
    b.tier = 2;
    update(&mut scenario, b, &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 810);
    assert_eq!(s.version(), 2);
    assert_eq!(s.request_id(), o.update_id(v::subject(), later_ms()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_older_update_after_a_newer_one_is_taken_but_not_stored() {
    let (mut scenario, clock) = begin();
    let mut newer = args(later_ms());
    newer.score = 810;
    update(&mut scenario, newer, &clock);
    scenario.next_tx(v::transmitter());
    let older = args(time_ms());
    let id = id_of(&scenario, older.subject, older.timestamp_ms);
    let signature = sign(0, &update_message(&scenario, &older));
    update_signed(&mut scenario, older, 0, signature, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled(id, &older, 1, false, public_key(0), signature)],
    );
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(id), 1);
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), 810);
    assert_eq!(s.timestamp_ms(), later_ms());
    assert_eq!(s.version(), 1);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_older_update_replaces_a_newer_score_that_no_longer_counts() {
    let (mut scenario, clock) = begin();
    let newer = args(later_ms());
    let signature = sign(1, &update_message(&scenario, &newer));
    update_signed(&mut scenario, newer, 1, signature, &clock);
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, public_key(1), &clock);
    scenario.next_tx(v::transmitter());
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.timestamp_ms(), time_ms());
    assert_eq!(s.signers(), vector[public_key(0)]);
    assert_eq!(s.version(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun a_request_is_fulfilled_after_an_update_of_its_subject() {
    let (mut scenario, mut clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    clock.set_for_testing(v::second_timestamp_ms() + 1_000);
    setup::fulfil_second(&mut scenario, &clock);
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::last_coin_value(&scenario, setup::payee()), v::fee());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::second_request_id()), 1);
    assert_eq!(o.score_of(v::subject()).request_id(), v::second_request_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_update_lands_through_a_quorum() {
    let (mut scenario, clock) = begin();
    threshold_two(&mut scenario);
    let a = args(time_ms());
    let id = id_of(&scenario, a.subject, a.timestamp_ms);
    let m = update_message(&scenario, &a);
    let (x, y) = ascending();
    let (keys, signatures) = (vector[public_key(x), public_key(y)], vector[sign(x, &m), sign(y, &m)]);
    update_quorum_signed(&mut scenario, a, keys, signatures, &clock);
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[fulfilled(id, &a, 1, true, public_key(x), sign(x, &m))],
    );
    assert_eq!(
        event::events_by_type<QuorumFulfilled>(),
        vector[
            oracle::quorum_fulfilled_for_testing(
                v::oracle_id(),
                id,
                2,
                vector[public_key(x), public_key(y)],
                vector[sign(x, &m), sign(y, &m)],
                vector[setup::payee(), setup::payee()],
                vector[0, 0],
            ),
        ],
    );
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.transferred_to_account().length(), 0);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(id), 1);
    let s = o.score_of(v::subject());
    assert_eq!(s.signers(), vector[public_key(x), public_key(y)]);
    assert_eq!(s.score_threshold(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === Once per id ===

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun an_update_is_taken_once() {
    let (mut scenario, clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(STRANGER);
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun an_update_taken_alone_is_not_taken_again_by_a_quorum() {
    let (mut scenario, clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    update_quorum(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

// === Signed for what it is ===

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun an_update_signed_for_another_subject_is_refused() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &update_message(&scenario, &a));
    let mut b = a;
    b.subject = STRANGER;
    update_signed(&mut scenario, b, 0, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun an_update_signed_for_another_time_is_refused() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &update_message(&scenario, &a));
    let mut b = a;
    b.timestamp_ms = time_ms() + 1_000;
    update_signed(&mut scenario, b, 0, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun an_assessment_under_the_id_of_another_time_is_refused() {
    // The id is derived from the timestamp the update carries: one signed under another time's id never passes.
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &message(id_of(&scenario, a.subject, time_ms() - 1_000), &a));
    update_signed(&mut scenario, a, 0, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun a_fulfilment_signature_is_not_an_update() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &message(v::first_request_id(), &a));
    update_signed(&mut scenario, a, 0, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun an_update_signature_does_not_fulfil_a_request() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &update_message(&scenario, &a));
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil(
        &mut o,
        v::first_request_id(),
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
        public_key(0),
        signature,
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

/// `fulfil` of the update id itself, with the update's own signature.
fun fulfil_update_id(scenario: &mut Scenario, a: Args, clock: &Clock) {
    let id = id_of(scenario, a.subject, a.timestamp_ms);
    let signature = sign(0, &update_message(scenario, &a));
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil(
        &mut o,
        id,
        a.score,
        a.tier,
        a.pd_bps,
        FLAGS,
        a.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        a.timestamp_ms,
        a.expiry_ms,
        public_key(0),
        signature,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

#[test, expected_failure(abort_code = oracle::ERequestNotFound)]
fun an_update_id_is_no_request_to_fulfil() {
    let (mut scenario, clock) = begin();
    fulfil_update_id(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun a_taken_update_id_is_no_request_to_fulfil() {
    let (mut scenario, clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    fulfil_update_id(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun a_taken_update_id_cannot_be_cancelled() {
    let (mut scenario, clock) = begin();
    update(&mut scenario, args(time_ms()), &clock);
    scenario.next_tx(v::transmitter());
    let id = id_of(&scenario, v::subject(), time_ms());
    setup::cancel(&mut scenario, id, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun a_high_s_update_signature_is_refused() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(0, &update_message(&scenario, &a));
    // n - s: the malleated twin of the signature, which secp256k1 alone would accept.
    let n: u256 = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    let mut s: u256 = 0;
    let mut i = 32;
    while (i < 64) {
        s = (s << 8) | (signature[i] as u256);
        i = i + 1;
    };
    let high = n - s;
    let mut twin = vector::tabulate!(32, |j| signature[j]);
    let mut k = 32;
    while (k > 0) {
        k = k - 1;
        twin.push_back(((high >> ((k * 8) as u8)) & 0xff) as u8);
    };
    let mut twin_s: u256 = 0;
    let mut j = 32;
    while (j < 64) {
        twin_s = (twin_s << 8) | (twin[j] as u256);
        j = j + 1;
    };
    assert_eq!(twin_s + s, n);
    assert!(twin_s > n / 2);
    update_signed(&mut scenario, a, 0, twin, &clock);
    setup::finish(scenario, clock);
}

// === Signers and threshold ===

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun a_single_key_update_is_refused_above_threshold_one() {
    let (mut scenario, clock) = begin();
    threshold_two(&mut scenario);
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun a_quorum_update_with_fewer_signatures_than_the_threshold_is_refused() {
    let (mut scenario, clock) = begin();
    threshold_two(&mut scenario);
    let a = args(time_ms());
    let m = update_message(&scenario, &a);
    update_quorum_signed(&mut scenario, a, vector[public_key(0)], vector[sign(0, &m)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignersNotAscending)]
fun a_quorum_update_counts_no_key_twice() {
    let (mut scenario, clock) = begin();
    threshold_two(&mut scenario);
    let a = args(time_ms());
    let m = update_message(&scenario, &a);
    let (keys, signatures) = (vector[public_key(0), public_key(0)], vector[sign(0, &m), sign(0, &m)]);
    update_quorum_signed(&mut scenario, a, keys, signatures, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignersNotAscending)]
fun a_quorum_update_takes_its_keys_in_ascending_order() {
    let (mut scenario, clock) = begin();
    threshold_two(&mut scenario);
    let a = args(time_ms());
    let m = update_message(&scenario, &a);
    let (x, y) = ascending();
    let (keys, signatures) = (vector[public_key(y), public_key(x)], vector[sign(y, &m), sign(x, &m)]);
    update_quorum_signed(&mut scenario, a, keys, signatures, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun an_update_by_an_unknown_key_is_refused() {
    let (mut scenario, clock) = begin();
    let a = args(time_ms());
    let signature = sign(2, &update_message(&scenario, &a));
    update_signed(&mut scenario, a, 2, signature, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun an_update_by_a_revoked_key_is_refused() {
    let (mut scenario, clock) = begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, public_key(0), &clock);
    scenario.next_tx(v::transmitter());
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun an_update_from_another_measurement_is_refused() {
    let (mut scenario, clock) = begin();
    let mut a = args(time_ms());
    a.measurement = x"0000000000000000000000000000000000000000000000000000000000000001";
    update(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

// === Ranges and privacy ===

#[test, expected_failure(abort_code = oracle::EScoreOutOfRange)]
fun an_update_score_over_1000_is_refused() {
    let (mut scenario, clock) = begin();
    let mut a = args(time_ms());
    a.score = 1001;
    update(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun an_update_is_never_private() {
    let (mut scenario, clock) = begin();
    let mut a = args(time_ms());
    a.score = 0;
    a.tier = PRIVATE_TIER;
    a.pd_bps = 0;
    update(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EPrivacyMismatch)]
fun an_update_over_a_private_stored_score_is_refused() {
    let (mut scenario, mut clock) = begin_at(time_ms());
    // A private request of the subject, fulfilled with its private form by key 0.
    scenario.next_tx(v::requester());
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(o.fee(), scenario.ctx());
    let id = oracle::request_private_assessment(&mut o, v::subject(), vector[], payment, &clock, scenario.ctx());
    ts::return_shared(o);
    clock.set_for_testing(now_ms());
    scenario.next_tx(v::transmitter());
    let mut p = args(later_ms());
    p.score = 0;
    p.tier = PRIVATE_TIER;
    p.pd_bps = 0;
    let signature = sign(0, &message(id, &p));
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil(
        &mut o,
        id,
        0,
        PRIVATE_TIER,
        0,
        FLAGS,
        p.measurement,
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        p.timestamp_ms,
        p.expiry_ms,
        public_key(0),
        signature,
        &clock,
        scenario.ctx(),
    );
    assert!(o.score_of(v::subject()).is_private());
    ts::return_shared(o);
    scenario.next_tx(v::transmitter());
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

// === Times (no request: no checkpoint bound from one) ===

#[test]
fun an_update_from_before_any_request_lands() {
    // ECheckpointBeforeRequest bounds a request's assessment; an update has none.
    let (mut scenario, clock) = begin_at(setup::request_time_ms());
    let early = setup::request_time_ms() - 30_000;
    update(&mut scenario, args(early), &clock);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(o.update_id(v::subject(), early)), 1);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EStaleAssessment)]
fun a_stale_update_is_refused() {
    let (mut scenario, clock) = begin_at(time_ms() + v::max_age_ms() + 1);
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETimestampInFuture)]
fun an_update_from_the_future_is_refused() {
    let (mut scenario, clock) = begin_at(time_ms() - v::max_skew_ms() - 1);
    update(&mut scenario, args(time_ms()), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EAssessmentExpired)]
fun an_expired_update_is_refused() {
    let (mut scenario, clock) = begin();
    let mut a = args(time_ms());
    a.expiry_ms = time_ms();
    update(&mut scenario, a, &clock);
    setup::finish(scenario, clock);
}
