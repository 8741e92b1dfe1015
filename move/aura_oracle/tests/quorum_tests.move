/// The quorum (docs/sui.md, "Quorum"): the threshold, `fulfil_quorum` with the vector's three keys, the split
/// fee, the stored signer set and when a stored score stops counting. Every check has its attack next to it.
#[test_only]
module aura_oracle::quorum_tests;

use aura_oracle::oracle::{Self, AdminCap, Oracle, AssessmentFulfilled, QuorumFulfilled, ThresholdSet};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::ecdsa_k1;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const STRANGER: address = @0x5747;

/// The payee each quorum key is registered with, in the keys' (address) order.
fun payees(): vector<address> { vector[@0xfee0, @0xfee1, @0xfee2] }

fun key(i: u64): vector<u8> { v::quorum_public_keys()[i] }

fun first_sig(i: u64): vector<u8> { v::quorum_first_signatures()[i] }

fun second_sig(i: u64): vector<u8> { v::quorum_second_signatures()[i] }

/// A time at which both vector assessments are fresh.
fun now_ms(): u64 { v::second_timestamp_ms() + 1_000 }

/// The set-up with the three quorum keys registered (each with its own payee) and the threshold set to
/// `threshold`; the clock at `now_ms()` and the transmitter to send the next transaction.
fun begin_with_threshold(threshold: u8): (Scenario, Clock) {
    let (mut scenario, mut clock) = setup::begin();
    clock.set_for_testing(now_ms());
    let mut i = 0;
    while (i < 3) {
        scenario.next_tx(v::admin());
        setup::register_with_payee(&mut scenario, key(i), v::measurement(), payees()[i], &clock);
        i = i + 1;
    };
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, threshold);
    scenario.next_tx(v::transmitter());
    (scenario, clock)
}

/// The admin sets the threshold in the current transaction.
fun set_threshold(scenario: &mut Scenario, threshold: u8) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_threshold(&cap, &mut o, threshold);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

/// The current sender answers the first request with the first assessment and these keys and signatures.
fun quorum_first(
    scenario: &mut Scenario,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil_quorum(
        &mut o,
        v::first_request_id(),
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
        public_keys,
        signatures,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// The current sender answers the second request with the second assessment and these keys and signatures.
fun quorum_second(
    scenario: &mut Scenario,
    public_keys: vector<vector<u8>>,
    signatures: vector<vector<u8>>,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil_quorum(
        &mut o,
        v::second_request_id(),
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
        public_keys,
        signatures,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// The `AssessmentFulfilled` a quorum fulfilment of the first request gives: the first key, its signature, its
/// payee and its share.
fun first_fulfilled(version: u64, stored: bool, transmitter: address, fee: u64): AssessmentFulfilled {
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
        version,
        stored,
        key(0),
        first_sig(0),
        transmitter,
        payees()[0],
        fee,
    )
}

fun revoke(scenario: &mut Scenario, public_key: vector<u8>, clock: &Clock) {
    scenario.next_tx(v::admin());
    setup::revoke(scenario, public_key, clock);
    scenario.next_tx(v::transmitter());
}

/// Whether the subject's stored score still counts.
fun counts(scenario: &Scenario): bool {
    let o = scenario.take_shared<Oracle>();
    let counts = o.score_counts(o.score_of(v::subject()));
    ts::return_shared(o);
    counts
}

/// A 33-byte key with a valid prefix, different for each `i` (registration checks the form, not the curve).
fun made_up_key(i: u8): vector<u8> {
    let mut public_key = vector[0x02];
    31u8.do!(|_| public_key.push_back(0x11));
    public_key.push_back(i);
    public_key
}

/// Whether 20-byte `a` is below `b` as a big-endian number: the first byte that differs decides.
fun less(a: &vector<u8>, b: &vector<u8>): bool {
    let mut i = 0;
    while (i < 20 && a[i] == b[i]) i = i + 1;
    i < 20 && a[i] < b[i]
}

/// The admin registers `count` made-up keys, one transaction each, and sends the next transaction too.
fun register_made_up_keys(scenario: &mut Scenario, count: u8, clock: &Clock) {
    count.do!(|i| {
        scenario.next_tx(v::admin());
        setup::register(scenario, made_up_key(i), v::measurement(), clock);
    });
    scenario.next_tx(v::admin());
}

// === The vector ===

#[test]
fun the_quorum_vector_signs_the_case_messages_in_address_order() {
    let mut i = 0;
    while (i < 3) {
        assert!(ecdsa_k1::secp256k1_verify(&first_sig(i), &key(i), &v::first_intent_message(), 1));
        assert!(ecdsa_k1::secp256k1_verify(&second_sig(i), &key(i), &v::second_intent_message(), 1));
        assert_eq!(oracle::signer_address(&key(i)), v::quorum_addresses()[i]);
        i = i + 1;
    };
    // Strictly ascending as 20-byte big-endian numbers.
    let a = v::quorum_addresses();
    assert!(less(&a[0], &a[1]) && less(&a[1], &a[2]));
    // The vector's own key is the evm.json signer.
    assert_eq!(oracle::signer_address(&v::public_key()), x"2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    // A signature is bound to its message.
    assert!(!ecdsa_k1::secp256k1_verify(&second_sig(1), &key(1), &v::first_intent_message(), 1));
}

// === The threshold ===

#[test]
fun the_threshold_starts_at_1_and_the_active_keys_are_counted() {
    let (mut scenario, clock) = begin_with_threshold(1);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.threshold(), 1);
    assert_eq!(o.active_enclaves(), 4); // the set-up's key and the three quorum keys
    ts::return_shared(o);
    revoke(&mut scenario, key(2), &clock);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.active_enclaves(), 3);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun set_threshold_sets_it_and_emits() {
    let (mut scenario, clock) = begin_with_threshold(1);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 4);
    assert_eq!(event::events_by_type<ThresholdSet>(), vector[oracle::threshold_set_for_testing(v::oracle_id(), 4)]);
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.threshold(), 4);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun set_threshold_accepts_16_with_16_active_keys() {
    let (mut scenario, clock) = begin_with_threshold(1);
    register_made_up_keys(&mut scenario, 12, &clock);
    set_threshold(&mut scenario, 16);
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.active_enclaves(), 16);
    assert_eq!(o.threshold(), 16);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidThreshold)]
fun set_threshold_rejects_0() {
    let (mut scenario, clock) = begin_with_threshold(1);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 0);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidThreshold)]
fun set_threshold_rejects_17_even_with_17_active_keys() {
    let (mut scenario, clock) = begin_with_threshold(1);
    register_made_up_keys(&mut scenario, 13, &clock);
    set_threshold(&mut scenario, 17);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EThresholdAboveActiveSigners)]
fun set_threshold_rejects_more_than_the_active_keys() {
    let (mut scenario, clock) = begin_with_threshold(1);
    revoke(&mut scenario, key(0), &clock);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 4); // 3 active
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun set_threshold_rejects_another_oracles_cap() {
    let (mut scenario, clock) = begin_with_threshold(1);
    scenario.next_tx(STRANGER);
    let cap = oracle::create(0, 1, 1, 0, scenario.ctx());
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::set_threshold(&cap, &mut o, 1);
    abort 0
}

#[test]
fun revoking_below_the_threshold_is_not_refused() {
    // Revocation is never held back by the threshold: with 2 active keys left of a threshold of 3 nothing is
    // fulfilled until the admin lowers it.
    let (mut scenario, clock) = begin_with_threshold(3);
    revoke(&mut scenario, v::public_key(), &clock);
    revoke(&mut scenario, key(2), &clock);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.active_enclaves(), 2);
    assert_eq!(o.threshold(), 3);
    ts::return_shared(o);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 2);
    scenario.next_tx(v::transmitter());
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    setup::finish(scenario, clock);
}

// === One signature: `fulfil` ===

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun fulfil_with_one_signature_is_refused_above_threshold_1() {
    let (mut scenario, clock) = begin_with_threshold(2);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestExpired)]
fun fulfil_checks_the_request_before_the_threshold() {
    let (mut scenario, mut clock) = begin_with_threshold(2);
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::fulfil_first(&mut scenario, &clock);
    setup::finish(scenario, clock);
}

#[test]
fun fulfil_with_one_signature_works_again_once_the_threshold_is_1() {
    let (mut scenario, clock) = begin_with_threshold(2);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 1);
    scenario.next_tx(v::transmitter());
    setup::fulfil_first(&mut scenario, &clock);
    // `fulfil` emits no `QuorumFulfilled`.
    assert_eq!(event::events_by_type<QuorumFulfilled>().length(), 0);
    assert_eq!(event::events_by_type<AssessmentFulfilled>().length(), 1);
    setup::finish(scenario, clock);
}

// === `fulfil_quorum`: the happy paths ===

#[test]
fun two_of_three_fulfil_split_the_fee_and_store_the_signer_set() {
    let (mut scenario, clock) = begin_with_threshold(2);
    let keys = vector[key(0), key(1)];
    let sigs = vector[first_sig(0), first_sig(1)];
    quorum_first(&mut scenario, keys, sigs, &clock);
    let half = v::fee() / 2;
    assert_eq!(event::events_by_type<AssessmentFulfilled>(), vector[first_fulfilled(1, true, v::transmitter(), half)]);
    assert_eq!(
        event::events_by_type<QuorumFulfilled>(),
        vector[
            oracle::quorum_fulfilled_for_testing(
                v::oracle_id(),
                v::first_request_id(),
                2,
                keys,
                sigs,
                vector[payees()[0], payees()[1]],
                vector[half, half],
            ),
        ],
    );
    let effects = scenario.next_tx(v::transmitter());
    assert_eq!(effects.num_user_events(), 2);
    assert_eq!(effects.deleted().length(), 1); // the request's body
    assert_eq!(effects.transferred_to_account().length(), 2);
    assert_eq!(setup::coin_total(&scenario, payees()[0]), half);
    assert_eq!(setup::coin_total(&scenario, payees()[1]), half);
    assert_eq!(setup::coin_total(&scenario, payees()[2]), 0);
    assert_eq!(setup::coin_total(&scenario, v::transmitter()), 0);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::first_request_id()), 1);
    assert_eq!(o.request_fee_held(v::first_request_id()), 0);
    let s = o.score_of(v::subject());
    assert_eq!(s.score(), v::first_score());
    assert_eq!(s.commitment(), v::first_commitment());
    assert_eq!(s.request_id(), v::first_request_id());
    assert_eq!(s.signers(), keys);
    assert_eq!(s.score_threshold(), 2);
    assert_eq!(s.version(), 1);
    assert!(o.score_counts(s));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun three_signers_share_the_fee_and_the_first_takes_the_remainder() {
    let (mut scenario, clock) = begin_with_threshold(3);
    quorum_first(&mut scenario, v::quorum_public_keys(), v::quorum_first_signatures(), &clock);
    let share = v::fee() / 3;
    let first_share = v::fee() - 2 * share;
    assert_eq!(first_share, share + 2);
    assert_eq!(
        event::events_by_type<QuorumFulfilled>(),
        vector[
            oracle::quorum_fulfilled_for_testing(
                v::oracle_id(),
                v::first_request_id(),
                3,
                v::quorum_public_keys(),
                v::quorum_first_signatures(),
                payees(),
                vector[first_share, share, share],
            ),
        ],
    );
    assert_eq!(
        event::events_by_type<AssessmentFulfilled>(),
        vector[first_fulfilled(1, true, v::transmitter(), first_share)],
    );
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::coin_total(&scenario, payees()[0]), first_share);
    assert_eq!(setup::coin_total(&scenario, payees()[1]), share);
    assert_eq!(setup::coin_total(&scenario, payees()[2]), share);
    setup::finish(scenario, clock);
}

#[test]
fun more_signatures_than_the_threshold_all_count() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, v::quorum_public_keys(), v::quorum_first_signatures(), &clock);
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::coin_total(&scenario, payees()[2]), v::fee() / 3);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).signers(), v::quorum_public_keys());
    assert_eq!(o.score_of(v::subject()).score_threshold(), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun the_quorum_entry_takes_one_signature_at_threshold_1() {
    let (mut scenario, clock) = begin_with_threshold(1);
    quorum_first(&mut scenario, vector[key(2)], vector[first_sig(2)], &clock);
    assert_eq!(
        event::events_by_type<QuorumFulfilled>(),
        vector[
            oracle::quorum_fulfilled_for_testing(
                v::oracle_id(),
                v::first_request_id(),
                1,
                vector[key(2)],
                vector[first_sig(2)],
                vector[payees()[2]],
                vector[v::fee()],
            ),
        ],
    );
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::coin_total(&scenario, payees()[2]), v::fee());
    setup::finish(scenario, clock);
}

#[test]
fun signers_need_not_be_adjacent_in_the_registry() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(2)], vector[first_sig(0), first_sig(2)], &clock);
    scenario.next_tx(v::transmitter());
    assert_eq!(setup::coin_total(&scenario, payees()[1]), 0);
    assert_eq!(setup::coin_total(&scenario, payees()[2]), v::fee() / 2);
    setup::finish(scenario, clock);
}

#[test]
fun a_copied_quorum_fulfilment_pays_the_registered_payees() {
    let (mut scenario, clock) = begin_with_threshold(2);
    scenario.next_tx(STRANGER);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    scenario.next_tx(v::transmitter());
    assert!(!ts::has_most_recent_for_address<Coin<SUI>>(STRANGER));
    assert_eq!(setup::coin_total(&scenario, payees()[0]) + setup::coin_total(&scenario, payees()[1]), v::fee());
    setup::finish(scenario, clock);
}

// === `fulfil_quorum`: the attacks, each with its own abort ===

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun fewer_signatures_than_the_threshold_are_refused() {
    let (mut scenario, clock) = begin_with_threshold(3);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun no_signature_is_refused_at_threshold_1() {
    let (mut scenario, clock) = begin_with_threshold(1);
    quorum_first(&mut scenario, vector[], vector[], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignersNotAscending)]
fun one_signature_twice_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(0)], vector[first_sig(0), first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignersNotAscending)]
fun signers_in_descending_order_are_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(1), key(0)], vector[first_sig(1), first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ETooManySignatures)]
fun more_than_16_signatures_are_refused() {
    let (mut scenario, clock) = begin_with_threshold(1);
    let mut keys = vector[];
    let mut sigs = vector[];
    17u8.do!(|_| {
        keys.push_back(key(0));
        sigs.push_back(first_sig(0));
    });
    quorum_first(&mut scenario, keys, sigs, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignatureCountMismatch)]
fun a_key_without_its_signature_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun an_unregistered_signer_is_refused() {
    // The other vector key is not registered: refused before its place in the order is looked at.
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(
        &mut scenario,
        vector[key(0), v::other_public_key()],
        vector[first_sig(0), v::first_signature_other_key()],
        &clock,
    );
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun a_signer_revoked_between_signing_and_submission_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    revoke(&mut scenario, key(1), &clock);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EMeasurementMismatch)]
fun a_signer_with_another_measurement_is_refused() {
    // The set-up's key is registered; a fourth key registered with another measurement signs beside it.
    let (mut scenario, clock) = begin_with_threshold(2);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::first_commitment(), &clock);
    scenario.next_tx(v::transmitter());
    quorum_first(
        &mut scenario,
        vector[v::public_key(), v::other_public_key()],
        vector[v::first_signature(), v::first_signature_other_key()],
        &clock,
    );
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun a_signature_over_another_payload_is_refused() {
    // The second signer signed the second request's assessment: with the key given, `secp256k1_verify` refuses
    // it over the first's message (there is no key to recover, so it is not an unknown signer but a bad
    // signature).
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), second_sig(1)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun another_signers_signature_in_a_slot_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(2)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EInvalidSignature)]
fun the_high_s_twin_of_a_quorum_signature_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    assert_eq!(v::quorum_high_s_signer(), 1);
    let sigs = vector[first_sig(0), v::quorum_first_signature_high_s()];
    quorum_first(&mut scenario, vector[key(0), key(1)], sigs, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadSignature)]
fun a_short_quorum_signature_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    let mut short = first_sig(1);
    short.pop_back();
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), short], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun a_second_quorum_fulfilment_of_one_request_is_refused() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    scenario.next_tx(v::transmitter());
    quorum_first(&mut scenario, vector[key(1), key(2)], vector[first_sig(1), first_sig(2)], &clock);
    setup::finish(scenario, clock);
}

// === The order of the checks ===

#[test, expected_failure(abort_code = oracle::ERequestExpired)]
fun the_request_is_checked_before_the_count() {
    let (mut scenario, mut clock) = begin_with_threshold(3);
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    quorum_first(&mut scenario, vector[key(0)], vector[first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignatureCountMismatch)]
fun the_pairing_is_checked_before_the_maximum() {
    let (mut scenario, clock) = begin_with_threshold(1);
    let mut keys = vector[];
    17u8.do!(|_| keys.push_back(key(0)));
    quorum_first(&mut scenario, keys, vector[first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EQuorumNotMet)]
fun the_count_is_checked_before_the_keys() {
    let (mut scenario, clock) = begin_with_threshold(3);
    quorum_first(&mut scenario, vector[x"02", key(0)], vector[first_sig(0), first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun each_key_is_checked_before_the_order() {
    // The second key is revoked and out of order: the registry check on it comes first.
    let (mut scenario, clock) = begin_with_threshold(2);
    revoke(&mut scenario, key(0), &clock);
    quorum_first(&mut scenario, vector[key(1), key(0)], vector[first_sig(1), first_sig(0)], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ESignersNotAscending)]
fun the_order_is_checked_before_the_sizes() {
    let (mut scenario, clock) = begin_with_threshold(2);
    let mut short = first_sig(0);
    short.pop_back();
    quorum_first(&mut scenario, vector[key(1), key(0)], vector[first_sig(1), short], &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EStaleAssessment)]
fun the_times_are_checked_before_the_signatures() {
    let (mut scenario, mut clock) = begin_with_threshold(2);
    clock.set_for_testing(v::first_timestamp_ms() + v::max_age_ms() + 1);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), second_sig(1)], &clock);
    setup::finish(scenario, clock);
}

// === The stored score: it counts while its threshold of signers are active ===

#[test]
fun revoking_one_signer_of_a_two_signer_2_of_3_score_stops_it_counting() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    scenario.next_tx(v::transmitter());
    assert!(counts(&scenario));
    revoke(&mut scenario, key(2), &clock); // not a signer of it
    assert!(counts(&scenario));
    revoke(&mut scenario, key(1), &clock);
    assert!(!counts(&scenario));
    setup::finish(scenario, clock);
}

#[test]
fun a_score_signed_by_three_at_2_of_3_survives_one_revocation() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, v::quorum_public_keys(), v::quorum_first_signatures(), &clock);
    revoke(&mut scenario, key(0), &clock);
    assert!(counts(&scenario));
    revoke(&mut scenario, key(2), &clock);
    assert!(!counts(&scenario));
    setup::finish(scenario, clock);
}

#[test]
fun a_score_keeps_the_threshold_it_was_stored_under() {
    // Stored at 2 of 3 by two signers, then the threshold is lowered to 1: the stored score still needs both.
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    scenario.next_tx(v::admin());
    set_threshold(&mut scenario, 1);
    revoke(&mut scenario, key(0), &clock);
    assert!(!counts(&scenario));
    setup::finish(scenario, clock);
}

#[test]
fun an_older_assessment_replaces_a_score_that_no_longer_counts() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_second(&mut scenario, vector[key(0), key(1)], vector[second_sig(0), second_sig(1)], &clock);
    revoke(&mut scenario, key(1), &clock);
    quorum_first(&mut scenario, vector[key(0), key(2)], vector[first_sig(0), first_sig(2)], &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events, vector[first_fulfilled(2, true, v::transmitter(), v::fee() / 2)]);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    let s = o.score_of(v::subject());
    assert_eq!(s.request_id(), v::first_request_id());
    assert_eq!(s.signers(), vector[key(0), key(2)]);
    assert_eq!(s.version(), 2);
    assert!(o.score_counts(s));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun an_older_assessment_keeps_a_newer_score_that_still_counts() {
    let (mut scenario, clock) = begin_with_threshold(2);
    quorum_second(&mut scenario, v::quorum_public_keys(), v::quorum_second_signatures(), &clock);
    revoke(&mut scenario, key(2), &clock);
    quorum_first(&mut scenario, vector[key(0), key(1)], vector[first_sig(0), first_sig(1)], &clock);
    let events = event::events_by_type<AssessmentFulfilled>();
    assert_eq!(events, vector[first_fulfilled(1, false, v::transmitter(), v::fee() / 2)]);
    scenario.next_tx(v::transmitter());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.score_of(v::subject()).request_id(), v::second_request_id());
    assert_eq!(o.score_of(v::subject()).signers(), v::quorum_public_keys());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}
