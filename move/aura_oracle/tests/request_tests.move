/// Requests: paying, storing, reading and cancelling them.
#[test_only]
module aura_oracle::request_tests;

use aura_oracle::oracle::{Self, AdminCap, Oracle, AssessmentRequested, AssessmentCancelled};
use aura_oracle::setup;
use aura_oracle::vector_data as v;
use std::unit_test::assert_eq;
use sui::coin;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario as ts;

const STRANGER: address = @0x5747;

#[test]
fun the_set_up_requests_have_the_vector_ids_and_their_fields() {
    let (mut scenario, clock, first, second) = setup::begin_with_request_ids();
    assert_eq!(first, v::first_request_id());
    assert_eq!(second, v::second_request_id());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(object::id(&o), v::oracle_id());
    assert_eq!(o.next_nonce(), 2);
    assert_eq!(o.request_status(first), 0);
    assert_eq!(o.request_nonce(first), 0);
    assert_eq!(o.request_nonce(second), 1);
    assert_eq!(o.request_requester(first), v::requester());
    assert_eq!(o.request_subject(first), v::subject());
    assert_eq!(o.request_fee_paid(first), v::fee());
    assert_eq!(o.request_fee_held(first), v::fee());
    assert_eq!(o.request_created_ms(first), setup::request_time_ms());
    assert_eq!(o.request_expires_ms(first), setup::request_time_ms() + v::request_ttl_ms());
    assert_eq!(o.request_params(first), setup::first_params());
    assert_eq!(o.request_params(second), setup::second_params());
    assert_eq!(o.request_status(second), 0);
    assert!(oracle::has_request_body_for_testing(&o, first));
    assert!(oracle::has_request_body_for_testing(&o, second));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test]
fun request_assessment_emits_the_request() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(STRANGER);
    clock.set_for_testing(setup::request_time_ms() + 10);
    let mut params = vector[];
    1024u64.do!(|i| params.push_back((i % 256) as u8));
    let id = setup::request(&mut scenario, params, &clock);
    let events = event::events_by_type<AssessmentRequested>();
    assert_eq!(events.length(), 1);
    let created_ms = setup::request_time_ms() + 10;
    assert_eq!(
        events[0],
        oracle::assessment_requested_for_testing(
            v::oracle_id(),
            id,
            2,
            STRANGER,
            v::subject(),
            v::fee(),
            created_ms,
            created_ms + v::request_ttl_ms(),
            params,
            false,
        ),
    );
    let effects = scenario.next_tx(STRANGER);
    assert_eq!(effects.num_user_events(), 1);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.next_nonce(), 3);
    // The request's status record and its body.
    assert_eq!(o.request_status(id), 0);
    assert!(oracle::has_request_body_for_testing(&o, id));
    assert_eq!(o.request_subject(id), v::subject());
    assert_eq!(o.request_fee_paid(id), v::fee());
    assert_eq!(o.request_created_ms(id), created_ms);
    assert_eq!(o.request_expires_ms(id), created_ms + v::request_ttl_ms());
    assert_eq!(o.request_nonce(id), 2);
    assert_eq!(o.request_requester(id), STRANGER);
    assert_eq!(o.request_params(id).length(), 1024);
    assert!(!o.request_private(id));
    assert_eq!(o.request_fee_held(id), v::fee());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongFee)]
fun request_assessment_rejects_an_underpayment() {
    let (mut scenario, clock) = setup::begin();
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(v::fee() - 1, scenario.ctx());
    oracle::request_assessment(&mut o, v::subject(), vector[], payment, &clock, scenario.ctx());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EWrongFee)]
fun request_assessment_rejects_an_overpayment() {
    let (mut scenario, clock) = setup::begin();
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(v::fee() + 1, scenario.ctx());
    oracle::request_assessment(&mut o, v::subject(), vector[], payment, &clock, scenario.ctx());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::EParamsTooLong)]
fun request_assessment_rejects_params_over_1024_bytes() {
    let (mut scenario, clock) = setup::begin();
    let mut params = vector[];
    1025u64.do!(|_| params.push_back(0x7b));
    setup::request(&mut scenario, params, &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotFound)]
fun request_status_rejects_an_unknown_request() {
    let (mut scenario, clock) = setup::begin();
    let o = scenario.take_shared<Oracle>();
    o.request_status(v::oracle_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

// === cancel ===

#[test]
fun cancel_after_expiry_refunds_the_requester() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    let events = event::events_by_type<AssessmentCancelled>();
    assert_eq!(events.length(), 1);
    assert_eq!(
        events[0],
        oracle::assessment_cancelled_for_testing(
            v::oracle_id(),
            v::first_request_id(),
            v::requester(),
            v::fee(),
        ),
    );

    let effects = scenario.next_tx(v::requester());
    assert_eq!(effects.num_user_events(), 1);
    assert_eq!(effects.transferred_to_account().length(), 1);
    // The request's body (its dynamic field) is deleted: its storage rebate goes to the requester.
    assert_eq!(effects.deleted().length(), 1);
    assert_eq!(setup::coin_total(&scenario, v::requester()), v::fee());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::first_request_id()), 2);
    assert_eq!(o.request_fee_held(v::first_request_id()), 0);
    assert!(!oracle::has_request_body_for_testing(&o, v::first_request_id()));
    // The other request is untouched.
    assert_eq!(o.request_status(v::second_request_id()), 0);
    assert_eq!(o.request_fee_held(v::second_request_id()), v::fee());
    assert!(oracle::has_request_body_for_testing(&o, v::second_request_id()));
    ts::return_shared(o);

    // Both refunds arrive, each exactly the fee.
    scenario.next_tx(v::requester());
    setup::cancel(&mut scenario, v::second_request_id(), &clock);
    scenario.next_tx(v::requester());
    assert_eq!(ts::ids_for_address<coin::Coin<SUI>>(v::requester()).length(), 2);
    assert_eq!(setup::coin_total(&scenario, v::requester()), 2 * v::fee());
    setup::finish(scenario, clock);
}

#[test]
fun cancel_of_a_free_request_sends_no_coin() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::admin());
    {
        let mut o = scenario.take_shared<Oracle>();
        let cap = scenario.take_from_sender<AdminCap>();
        oracle::set_fee(&cap, &mut o, 0);
        scenario.return_to_sender(cap);
        ts::return_shared(o);
    };
    scenario.next_tx(STRANGER);
    let id = setup::request(&mut scenario, b"", &clock);
    scenario.next_tx(STRANGER);
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, id, &clock);
    let events = event::events_by_type<AssessmentCancelled>();
    assert_eq!(
        events[0],
        oracle::assessment_cancelled_for_testing(v::oracle_id(), id, STRANGER, 0),
    );
    let effects = scenario.next_tx(STRANGER);
    assert_eq!(effects.transferred_to_account().length(), 0);
    assert!(!ts::has_most_recent_for_address<coin::Coin<SUI>>(STRANGER));
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(id), 2);
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ENotExpired)]
fun cancel_rejects_a_request_at_its_expiry() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms());
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ENotRequester)]
fun cancel_rejects_another_sender() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::transmitter());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotFound)]
fun cancel_rejects_an_unknown_request() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::oracle_id(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun cancel_rejects_a_cancelled_request() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    scenario.next_tx(v::requester());
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun cancel_rejects_a_fulfilled_request() {
    let (mut scenario, mut clock) = setup::begin();
    clock.set_for_testing(v::first_timestamp_ms() + 1_000);
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    setup::finish(scenario, clock);
}

// === Settled requests: only the status is left ===

#[test]
fun a_settled_request_keeps_only_its_status() {
    // One request fulfilled, the other cancelled: both answer request_status, neither has a body left.
    let (mut scenario, mut clock) = setup::begin();
    clock.set_for_testing(v::first_timestamp_ms() + 1_000);
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::second_request_id(), &clock);
    scenario.next_tx(v::requester());
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_status(v::first_request_id()), 1);
    assert_eq!(o.request_status(v::second_request_id()), 2);
    assert_eq!(o.request_fee_held(v::first_request_id()), 0);
    assert_eq!(o.request_fee_held(v::second_request_id()), 0);
    assert!(!oracle::has_request_body_for_testing(&o, v::first_request_id()));
    assert!(!oracle::has_request_body_for_testing(&o, v::second_request_id()));
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun the_fields_of_a_fulfilled_request_are_gone() {
    let (mut scenario, mut clock) = setup::begin();
    clock.set_for_testing(v::first_timestamp_ms() + 1_000);
    setup::fulfil_first(&mut scenario, &clock);
    scenario.next_tx(v::requester());
    let o = scenario.take_shared<Oracle>();
    o.request_fee_paid(v::first_request_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotPending)]
fun the_fields_of_a_cancelled_request_are_gone() {
    let (mut scenario, mut clock) = setup::begin();
    scenario.next_tx(v::requester());
    clock.set_for_testing(setup::request_expiry_ms() + 1);
    setup::cancel(&mut scenario, v::first_request_id(), &clock);
    scenario.next_tx(v::requester());
    let o = scenario.take_shared<Oracle>();
    o.request_params(v::first_request_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}

#[test, expected_failure(abort_code = oracle::ERequestNotFound)]
fun the_fields_of_an_unknown_request_are_not_found() {
    let (mut scenario, clock) = setup::begin();
    let o = scenario.take_shared<Oracle>();
    o.request_fee_held(v::oracle_id());
    ts::return_shared(o);
    setup::finish(scenario, clock);
}
