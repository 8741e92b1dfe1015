/// Creating the oracle, the fee and windows, and the enclave registry.
#[test_only]
module aura_oracle::admin_tests;

use aura_oracle::oracle::{
    Self,
    AdminCap,
    Oracle,
    OracleCreated,
    EnclaveRegistered,
    EnclaveRevoked,
    EnclavePayeeSet
};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use std::unit_test::assert_eq;
use sui::clock;
use sui::event;
use sui::test_scenario as ts;

const STRANGER: address = @0x5747;

// === create ===

#[test]
fun create_shares_the_oracle_and_returns_its_cap() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    let cap_id = object::id(&cap);
    let events = event::events_by_type<OracleCreated>();
    assert_eq!(events.length(), 1);
    assert_eq!(event::num_events(), 1);
    transfer::public_transfer(cap, v::admin());

    let effects = scenario.next_tx(v::admin());
    assert_eq!(effects.shared().length(), 1);
    assert_eq!(effects.num_user_events(), 1);
    let o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    assert_eq!(object::id(&o), v::oracle_id());
    assert_eq!(effects.shared()[0], v::oracle_id());
    assert_eq!(cap.cap_oracle(), v::oracle_id());
    assert_eq!(object::id(&cap), cap_id);
    assert_eq!(o.fee(), v::fee());
    assert_eq!(o.request_ttl_ms(), v::request_ttl_ms());
    assert_eq!(o.max_age_ms(), v::max_age_ms());
    assert_eq!(o.max_skew_ms(), v::max_skew_ms());
    assert_eq!(o.next_nonce(), 0);
    assert!(!o.has_score(v::subject()));
    assert!(!o.is_enclave_registered(v::public_key()));
    // The event names the oracle, its cap and the fee.
    assert_eq!(events[0], oracle::oracle_created_for_testing(v::oracle_id(), cap_id, v::fee()));
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.end();
}

#[test]
fun create_accepts_the_window_bounds() {
    let mut scenario = ts::begin(v::admin());
    let low = oracle::create(0, 1, 1, 0, scenario.ctx());
    let high = oracle::create(1, 604_800_000, 86_400_000, 300_000, scenario.ctx());
    transfer::public_transfer(low, v::admin());
    transfer::public_transfer(high, v::admin());
    scenario.end();
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun create_rejects_a_zero_request_ttl() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), 0, v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    scenario.end();
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun create_rejects_a_request_ttl_over_a_week() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), 604_800_001, v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    scenario.end();
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun create_rejects_a_zero_max_age() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), 0, v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    scenario.end();
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun create_rejects_a_max_age_over_a_day() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), 86_400_001, v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    scenario.end();
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun create_rejects_a_max_skew_over_five_minutes() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), 300_001, scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    scenario.end();
}

// === set_fee, set_windows ===

#[test]
fun admin_sets_the_fee_and_windows() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_fee(&cap, &mut o, 7);
    oracle::set_windows(&cap, &mut o, 1, 1, 0);
    assert_eq!(o.fee(), 7);
    assert_eq!(o.request_ttl_ms(), 1);
    assert_eq!(o.max_age_ms(), 1);
    assert_eq!(o.max_skew_ms(), 0);
    oracle::set_windows(&cap, &mut o, 604_800_000, 86_400_000, 300_000);
    assert_eq!(o.request_ttl_ms(), 604_800_000);
    assert_eq!(o.max_age_ms(), 86_400_000);
    assert_eq!(o.max_skew_ms(), 300_000);
    assert_eq!(o.next_nonce(), 2);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadWindow)]
fun set_windows_rejects_a_bad_window() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_windows(&cap, &mut o, v::request_ttl_ms(), v::max_age_ms(), 300_001);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

/// A cap of another oracle: `STRANGER` creates one and keeps its cap, then uses it on the set-up's oracle.
fun take_foreign_cap(scenario: &mut ts::Scenario): AdminCap {
    scenario.next_tx(STRANGER);
    let cap = oracle::create(1, 1, 1, 0, scenario.ctx());
    transfer::public_transfer(cap, STRANGER);
    scenario.next_tx(STRANGER);
    scenario.take_from_sender<AdminCap>()
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun set_fee_rejects_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    let cap = take_foreign_cap(&mut scenario);
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::set_fee(&cap, &mut o, 1);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun set_windows_rejects_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    let cap = take_foreign_cap(&mut scenario);
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::set_windows(&cap, &mut o, 1, 1, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun register_enclave_rejects_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    let cap = take_foreign_cap(&mut scenario);
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::register_enclave(&cap, &mut o, v::other_public_key(), v::measurement(), setup::payee(), &clock);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun revoke_enclave_rejects_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    let cap = take_foreign_cap(&mut scenario);
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::revoke_enclave(&cap, &mut o, v::public_key(), &clock);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === register_enclave, revoke_enclave ===

#[test]
fun register_enclave_stores_the_record_and_emits() {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(1_234);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::public_key(), v::measurement(), &clock);
    let events = event::events_by_type<EnclaveRegistered>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        oracle::enclave_registered_for_testing(v::oracle_id(), v::public_key(), v::measurement(), setup::payee()),
    );
    let effects = scenario.next_tx(v::admin());
    assert_eq!(effects.num_user_events(), 1);
    let o = scenario.take_shared<Oracle>();
    assert!(o.is_enclave_registered(v::public_key()));
    assert!(o.is_enclave_active(v::public_key()));
    assert_eq!(o.enclave_measurement(v::public_key()), v::measurement());
    assert_eq!(o.enclave_payee(v::public_key()), setup::payee());
    assert_eq!(o.enclave_registered_ms(v::public_key()), 1_234);
    assert_eq!(o.enclave_revoked_ms(v::public_key()), 0);
    assert!(!o.is_enclave_registered(v::other_public_key()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun register_enclave_accepts_both_compressed_prefixes() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = v::other_public_key();
    *&mut key[0] = 0x03;
    setup::register(&mut scenario, key, v::measurement(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::measurement(), &clock);
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert!(o.is_enclave_active(key));
    assert!(o.is_enclave_active(v::other_public_key()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun revoke_enclave_keeps_the_record_inactive_and_emits() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    let revoked_ms = setup::request_time_ms() + 5_000;
    clock.set_for_testing(revoked_ms);
    setup::revoke(&mut scenario, v::public_key(), &clock);
    let revoked = event::events_by_type<EnclaveRevoked>();
    assert_eq!(revoked.length(), 1);
    assert_eq!(revoked[0], oracle::enclave_revoked_for_testing(v::oracle_id(), v::public_key()));

    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert!(o.is_enclave_registered(v::public_key()));
    assert!(!o.is_enclave_active(v::public_key()));
    assert_eq!(o.enclave_measurement(v::public_key()), v::measurement());
    assert_eq!(o.enclave_registered_ms(v::public_key()), setup::request_time_ms());
    assert_eq!(o.enclave_revoked_ms(v::public_key()), revoked_ms);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EKeyRevoked)]
fun register_enclave_rejects_a_revoked_key_with_a_new_measurement() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    clock.set_for_testing(setup::request_time_ms() + 1_000);
    scenario.next_tx(v::admin());
    let new_measurement = x"1111111111111111111111111111111111111111111111111111111111111111";
    setup::register(&mut scenario, v::public_key(), new_measurement, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EKeyRevoked)]
fun register_enclave_rejects_a_revoked_key_with_its_measurement() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::public_key(), v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test]
fun a_new_key_is_registered_beside_a_revoked_one() {
    // How an operator whose key was revoked comes back: with a new key.
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::other_public_key(), v::measurement(), &clock);
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert!(!o.is_enclave_active(v::public_key()));
    assert!(o.is_enclave_active(v::other_public_key()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveExists)]
fun register_enclave_rejects_an_active_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::register(&mut scenario, v::public_key(), v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun register_enclave_rejects_a_short_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = v::other_public_key();
    key.pop_back();
    setup::register(&mut scenario, key, v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun register_enclave_rejects_a_long_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = v::other_public_key();
    key.push_back(0);
    setup::register(&mut scenario, key, v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun register_enclave_rejects_a_key_that_is_not_compressed() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = v::other_public_key();
    *&mut key[0] = 0x04;
    setup::register(&mut scenario, key, v::measurement(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadMeasurement)]
fun register_enclave_rejects_a_short_measurement() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut measurement = v::measurement();
    measurement.pop_back();
    setup::register(&mut scenario, v::other_public_key(), measurement, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadMeasurement)]
fun register_enclave_rejects_a_long_measurement() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut measurement = v::measurement();
    measurement.push_back(0);
    setup::register(&mut scenario, v::other_public_key(), measurement, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EZeroPayee)]
fun register_enclave_rejects_the_zero_payee() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::register_with_payee(&mut scenario, v::other_public_key(), v::measurement(), @0x0, &clock);
    setup::finish(scenario, clock);
}

// === set_enclave_payee ===

fun set_payee(scenario: &mut ts::Scenario, public_key: vector<u8>, payee: address) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_enclave_payee(&cap, &mut o, public_key, payee);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

#[test]
fun set_enclave_payee_changes_the_payee_and_emits() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_payee(&mut scenario, v::public_key(), STRANGER);
    let events = event::events_by_type<EnclavePayeeSet>();
    assert_eq!(events.length(), 1);
    assert_eq!(events[0], oracle::enclave_payee_set_for_testing(v::oracle_id(), v::public_key(), STRANGER));
    scenario.next_tx(v::admin());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.enclave_payee(v::public_key()), STRANGER);
    assert!(o.is_enclave_active(v::public_key()));
    assert_eq!(o.enclave_measurement(v::public_key()), v::measurement());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EZeroPayee)]
fun set_enclave_payee_rejects_the_zero_payee() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_payee(&mut scenario, v::public_key(), @0x0);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun set_enclave_payee_rejects_an_unknown_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    set_payee(&mut scenario, v::other_public_key(), STRANGER);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun set_enclave_payee_rejects_a_revoked_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    set_payee(&mut scenario, v::public_key(), STRANGER);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongCap)]
fun set_enclave_payee_rejects_another_oracles_cap() {
    let (mut scenario, clock) = setup::begin();
    let cap = take_foreign_cap(&mut scenario);
    let mut o = scenario.take_shared_by_id<Oracle>(v::oracle_id());
    oracle::set_enclave_payee(&cap, &mut o, v::public_key(), STRANGER);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun revoke_enclave_rejects_an_unknown_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::other_public_key(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EBadPublicKey)]
fun revoke_enclave_rejects_a_short_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    let mut key = v::public_key();
    key.pop_back();
    setup::revoke(&mut scenario, key, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveRevoked)]
fun revoke_enclave_rejects_a_revoked_key() {
    let (mut scenario, clock) = setup::begin();
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    scenario.next_tx(v::admin());
    setup::revoke(&mut scenario, v::public_key(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EEnclaveNotRegistered)]
fun enclave_readers_reject_an_unknown_key() {
    let (mut scenario, clock) = setup::begin();
    let o = scenario.take_shared<Oracle>();
    o.is_enclave_active(v::other_public_key());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}
