/// The lender: applying (the fee paid exactly), approving on a score that counts, and each refusal with its code.
#[test_only]
module example_lender::lender_tests;

use aura_oracle::oracle::{Self, AdminCap, Oracle};
use example_lender::lender::{Self, Lender, LoanApplied, LoanApproved};
use example_lender::world;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario as ts;

/// Risk flags (node/scoring/flags.py).
const LIMITED_DATA: u32 = 1 << 3;
const LIQUIDATED: u32 = 1 << 6;
const ANOMALOUS: u32 = 1 << 11;
const UNDISCLOSED_LIABILITY: u32 = 1 << 13;

const APPROVED: u8 = 1;
const MANUAL_REVIEW: u8 = 2;
const REJECTED: u8 = 3;

// === Applying ===

#[test]
fun apply_requests_an_assessment_of_the_sender_paying_exactly_the_fee() {
    let (mut scenario, clock) = world::begin(1);
    let l = scenario.take_shared<Lender>();
    let mut o = scenario.take_shared<Oracle>();
    let mut payment = coin::mint_for_testing<SUI>(world::fee() + world::change(), scenario.ctx());
    let request_id = l.apply(&mut o, &mut payment, &clock, scenario.ctx());
    assert_eq!(payment.value(), world::change());
    assert_eq!(
        event::events_by_type<LoanApplied>(),
        vector[lender::loan_applied_for_testing(object::id(&l), world::borrower(), request_id, world::fee())],
    );
    assert_eq!(o.request_status(request_id), 0);
    assert_eq!(o.request_requester(request_id), world::borrower());
    assert_eq!(o.request_subject(request_id), world::borrower());
    assert_eq!(o.request_fee_held(request_id), world::fee());
    assert_eq!(o.request_params(request_id), vector[]);
    coin::burn_for_testing(payment);
    ts::return_shared(o);
    ts::return_shared(l);
    world::finish(scenario, clock);
}

#[test]
fun apply_takes_a_coin_of_exactly_the_fee() {
    let (mut scenario, clock) = world::begin(1);
    let request_id = world::apply_with(&mut scenario, world::fee(), &clock);
    assert_eq!(world::borrower_coin(&scenario), 0);
    let o = scenario.take_shared<Oracle>();
    assert_eq!(o.request_fee_held(request_id), world::fee());
    ts::return_shared(o);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::EPaymentTooSmall)]
fun apply_refuses_a_coin_below_the_fee() {
    let (mut scenario, clock) = world::begin(1);
    world::apply_with(&mut scenario, world::fee() - 1, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EWrongOracle)]
fun apply_refuses_another_oracle() {
    let (mut scenario, clock) = world::begin(1);
    let other = oracle::create(world::fee(), 3_600_000, 600_000, 60_000, scenario.ctx());
    let other_id = other.cap_oracle();
    transfer::public_transfer(other, world::admin());
    scenario.next_tx(world::borrower());
    let l = scenario.take_shared<Lender>();
    let mut o = scenario.take_shared_by_id<Oracle>(other_id);
    let mut payment = coin::mint_for_testing<SUI>(world::fee(), scenario.ctx());
    l.apply(&mut o, &mut payment, &clock, scenario.ctx());
    abort 0
}

// === Approving ===

#[test]
fun approve_on_a_fresh_counting_score_gives_the_loan_to_value() {
    let (mut scenario, mut clock) = world::begin(1);
    let request_id = world::assessed(&mut scenario, &mut clock, 700, LIMITED_DATA);
    assert_quotes(&mut scenario, &clock, APPROVED, 6500);
    let l = scenario.take_shared<Lender>();
    let o = scenario.take_shared<Oracle>();
    let approval = l.approve(&o, &clock, scenario.ctx());
    assert_eq!(approval.approval_borrower(), world::borrower());
    assert_eq!(approval.approval_request_id(), request_id);
    assert_eq!(approval.approval_version(), 1);
    assert_eq!(approval.approval_score(), 700);
    assert_eq!(approval.approval_max_ltv_bps(), 6500);
    assert_eq!(
        event::events_by_type<LoanApproved>(),
        vector[lender::loan_approved_for_testing(object::id(&l), world::borrower(), request_id, 1, 700, 6500)],
    );
    ts::return_shared(o);
    ts::return_shared(l);
    world::finish(scenario, clock);
}

#[test]
fun approve_takes_the_newest_score() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 610, 0);
    let second = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, second, 900, 0, vector[0]);
    let approval = world::approve(&mut scenario, &clock);
    assert_eq!(approval.approval_request_id(), second);
    assert_eq!(approval.approval_version(), 2);
    assert_eq!(approval.approval_max_ltv_bps(), 8000);
    world::finish(scenario, clock);
}

#[test]
fun approve_up_to_the_expiry_inclusive() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    clock.set_for_testing(world::expiry_ms());
    assert_eq!(world::approve(&mut scenario, &clock).approval_max_ltv_bps(), 6500);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::EScoreExpired)]
fun approve_refuses_a_score_past_its_expiry() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    clock.set_for_testing(world::expiry_ms() + 1);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ESignersRevoked)]
fun approve_refuses_a_score_whose_signer_was_revoked() {
    let (mut scenario, mut clock) = world::begin(2);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    world::revoke(&mut scenario, 0, &clock);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test]
fun revoking_another_key_leaves_the_score_counting() {
    let (mut scenario, mut clock) = world::begin(2);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    world::revoke(&mut scenario, 1, &clock);
    assert_eq!(world::approve(&mut scenario, &clock).approval_score(), 700);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::EFlagged)]
fun approve_refuses_a_liquidated_borrower_whatever_the_score() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 1000, LIQUIDATED | LIMITED_DATA);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EFlagged)]
fun approve_refuses_an_undisclosed_liability() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 800, UNDISCLOSED_LIABILITY);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ENoScore)]
fun approve_refuses_a_borrower_never_assessed() {
    let (mut scenario, clock) = world::begin(1);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ENoScore)]
fun approve_refuses_a_borrower_whose_request_is_pending() {
    let (mut scenario, clock) = world::begin(1);
    world::apply(&mut scenario, &clock);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ENoScore)]
fun approve_refuses_another_borrower_than_the_one_assessed() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    scenario.next_tx(@0xb1);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EScoreTooLow)]
fun approve_refuses_a_score_below_the_review_band() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 449, 0);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EManualReview)]
fun approve_refuses_a_score_in_the_review_band() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 599, 0);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EManualReview)]
fun approve_refuses_a_high_score_with_a_review_flag() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, ANOMALOUS);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EWrongOracle)]
fun approve_refuses_the_score_of_another_oracle() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    let other = oracle::create(world::fee(), 3_600_000, 600_000, 60_000, scenario.ctx());
    let other_id = other.cap_oracle();
    transfer::public_transfer(other, world::admin());
    scenario.next_tx(world::borrower());
    let l = scenario.take_shared<Lender>();
    let o = scenario.take_shared_by_id<Oracle>(other_id);
    l.approve(&o, &clock, scenario.ctx());
    abort 0
}

// === Quorum: a score counts while its threshold of its signers are active ===

#[test]
fun a_two_of_three_score_counts_while_two_of_its_signers_are_active() {
    let (mut scenario, mut clock) = world::begin(3);
    world::set_threshold(&mut scenario, 2);
    let request_id = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, request_id, 700, 0, vector[0, 1, 2]);
    world::revoke(&mut scenario, 1, &clock);
    assert_eq!(world::approve(&mut scenario, &clock).approval_request_id(), request_id);
    world::finish(scenario, clock);
}

#[test]
fun revoking_a_key_that_did_not_sign_leaves_a_two_of_three_score_counting() {
    let (mut scenario, mut clock) = world::begin(3);
    world::set_threshold(&mut scenario, 2);
    let request_id = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, request_id, 700, 0, vector[0, 2]);
    world::revoke(&mut scenario, 1, &clock);
    assert_eq!(world::approve(&mut scenario, &clock).approval_request_id(), request_id);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::ESignersRevoked)]
fun a_two_of_three_score_signed_by_two_stops_counting_when_one_is_revoked() {
    let (mut scenario, mut clock) = world::begin(3);
    world::set_threshold(&mut scenario, 2);
    let request_id = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, request_id, 700, 0, vector[0, 2]);
    world::revoke(&mut scenario, 2, &clock);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ESignersRevoked)]
fun a_two_of_three_score_signed_by_three_stops_counting_when_two_are_revoked() {
    let (mut scenario, mut clock) = world::begin(3);
    world::set_threshold(&mut scenario, 2);
    let request_id = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, request_id, 700, 0, vector[0, 1, 2]);
    world::revoke(&mut scenario, 0, &clock);
    world::revoke(&mut scenario, 2, &clock);
    world::approve(&mut scenario, &clock);
    abort 0
}

// === Quote: the same checks, the decision returned ===

#[test]
fun quote_returns_review_and_rejection_without_aborting() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 599, 0);
    assert_quotes(&mut scenario, &clock, MANUAL_REVIEW, 0);
    let second = world::apply(&mut scenario, &clock);
    world::fulfil(&mut scenario, &mut clock, second, 900, LIQUIDATED, vector[0]);
    assert_quotes(&mut scenario, &clock, REJECTED, 0);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::EScoreExpired)]
fun quote_refuses_a_score_past_its_expiry() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 700, 0);
    clock.set_for_testing(world::expiry_ms() + 1);
    assert_quotes(&mut scenario, &clock, APPROVED, 6500);
    abort 0
}

// === The decision table ===

#[test]
fun decide_rejects_on_flags_first_then_on_the_score() {
    assert_decides(1000, LIQUIDATED, REJECTED, 0);
    assert_decides(1000, UNDISCLOSED_LIABILITY, REJECTED, 0);
    assert_decides(449, 0, REJECTED, 0);
    assert_decides(0, 0, REJECTED, 0);
    assert_decides(449, ANOMALOUS, REJECTED, 0);
}

#[test]
fun decide_reviews_the_band_and_the_review_flags() {
    assert_decides(450, 0, MANUAL_REVIEW, 0);
    assert_decides(599, 0, MANUAL_REVIEW, 0);
    assert_decides(600, 1 << 10, MANUAL_REVIEW, 0);
    assert_decides(1000, ANOMALOUS, MANUAL_REVIEW, 0);
    assert_decides(700, 1 << 14, MANUAL_REVIEW, 0);
}

#[test]
fun decide_approves_with_a_loan_to_value_rising_from_600_to_800() {
    assert_decides(600, 0, APPROVED, 5000);
    assert_decides(601, 0, APPROVED, 5015);
    assert_decides(700, 0, APPROVED, 6500);
    assert_decides(799, 0, APPROVED, 7985);
    assert_decides(800, 0, APPROVED, 8000);
    assert_decides(1000, 0, APPROVED, 8000);
    // Flags outside both sets change nothing.
    assert_decides(700, LIMITED_DATA | 1 << 16, APPROVED, 6500);
}

#[test]
fun the_lender_names_the_oracle_it_trusts() {
    let (scenario, clock) = world::begin(1);
    let l = scenario.take_shared<Lender>();
    let cap = scenario.take_from_address<AdminCap>(world::admin());
    assert_eq!(l.oracle_id(), cap.cap_oracle());
    ts::return_to_address(world::admin(), cap);
    ts::return_shared(l);
    world::finish(scenario, clock);
}

fun assert_decides(score: u16, flags: u32, decision: u8, max_ltv_bps: u16) {
    let (got_decision, got_max_ltv_bps) = lender::decide(score, flags);
    assert_eq!(got_decision, decision);
    assert_eq!(got_max_ltv_bps, max_ltv_bps);
}

fun assert_quotes(scenario: &mut ts::Scenario, clock: &Clock, decision: u8, max_ltv_bps: u16) {
    let (got_decision, got_max_ltv_bps) = world::quote(scenario, clock);
    assert_eq!(got_decision, decision);
    assert_eq!(got_max_ltv_bps, max_ltv_bps);
}
