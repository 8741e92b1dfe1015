/// The lender's private path (`borrow_with_proof`): approval at the minimum loan-to-value on a proof for threshold
/// 600 and the lender's own scope, the nullifier spent, and each refusal with its code. The `sui::groth16` natives
/// panic in the WASM test runner (docs/sui.md, "Threshold proofs"), so the proof's verdict is given
/// (`borrow_with_proof_for_testing`, the same code around `zk::verify_threshold_for_testing`).
#[test_only]
module example_lender::private_tests;

use aura_oracle::oracle::Oracle;
use aura_oracle::zk::{Self, ThresholdVerified};
use example_lender::lender::{Self, Lender, PrivateLoanApproved};
use example_lender::world;
use std::unit_test::assert_eq;
use sui::event;
use sui::test_scenario as ts;

/// Risk flags (node/scoring/flags.py).
const LIMITED_DATA: u32 = 1 << 3;
const LIQUIDATED: u32 = 1 << 6;
const ANOMALOUS: u32 = 1 << 11;

const NULLIFIER: u256 = 16382909383440480928024575988542992694180077444622420637681551687238399915099;
const SCALAR_ORDER: u256 = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

#[test]
fun a_valid_proof_approves_at_the_minimum_loan_to_value_and_spends_the_nullifier() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, LIMITED_DATA);
    world::set_verifying_key(&mut scenario);
    let l = scenario.take_shared<Lender>();
    let mut o = scenario.take_shared<Oracle>();
    let approval = l.borrow_with_proof_for_testing(&mut o, NULLIFIER, world::proof(), true, &clock, scenario.ctx());
    assert_eq!(approval.private_approval_borrower(), world::borrower());
    assert_eq!(approval.private_approval_nullifier(), NULLIFIER);
    assert_eq!(approval.private_approval_max_ltv_bps(), 5000);
    let scope = l.private_scope();
    assert_eq!(
        event::events_by_type<PrivateLoanApproved>(),
        vector[lender::private_loan_approved_for_testing(object::id(&l), world::borrower(), NULLIFIER, 5000)],
    );
    // The lender asked for threshold 600 and its own scope, and had the nullifier spent.
    assert_eq!(
        event::events_by_type<ThresholdVerified>(),
        vector[
            zk::threshold_verified_for_testing(
                object::id(&o),
                world::borrower(),
                600,
                scope,
                NULLIFIER,
                true,
                1,
                world::borrower(),
            ),
        ],
    );
    assert!(zk::is_nullifier_spent(&o, scope, NULLIFIER));
    ts::return_shared(o);
    ts::return_shared(l);
    world::finish(scenario, clock);
}

#[test]
fun the_scope_is_the_lenders_id_below_the_field_order() {
    let (scenario, clock) = world::begin(1);
    let l = scenario.take_shared<Lender>();
    assert_eq!(l.private_scope(), object::id(&l).to_address().to_u256() % SCALAR_ORDER);
    assert!(l.private_scope() < SCALAR_ORDER);
    ts::return_shared(l);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = zk::EInvalidProof)]
fun an_invalid_proof_is_refused() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, false, &clock);
    abort 0
}

#[test, expected_failure(abort_code = zk::ENullifierSpent)]
fun one_assessment_gives_one_private_approval() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    scenario.next_tx(world::borrower());
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = zk::EVerifyingKeyNotSet)]
fun the_private_path_is_closed_until_the_verifying_key_is_set() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EFlagged)]
fun a_reject_flag_refuses_before_the_proof() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, LIQUIDATED);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EManualReview)]
fun a_review_flag_refuses_as_the_private_path_has_no_manual_review() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, ANOMALOUS);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EScoreExpired)]
fun an_expired_score_is_refused() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::set_verifying_key(&mut scenario);
    clock.set_for_testing(world::expiry_ms() + 1);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ESignersRevoked)]
fun a_score_whose_signer_was_revoked_is_refused() {
    let (mut scenario, mut clock) = world::begin(2);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::set_verifying_key(&mut scenario);
    world::revoke(&mut scenario, 0, &clock);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ENoScore)]
fun a_borrower_never_assessed_is_refused() {
    let (mut scenario, clock) = world::begin(1);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::ENoScore)]
fun a_proof_sent_by_another_sender_is_checked_against_that_senders_score() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed(&mut scenario, &mut clock, 900, 0);
    world::set_verifying_key(&mut scenario);
    scenario.next_tx(@0xb1);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}

// === A private assessment's record (`apply_private`): the private path takes it, the public path refuses it ===

#[test]
fun apply_private_asks_for_a_private_assessment() {
    let (mut scenario, clock) = world::begin(1);
    let request_id = world::apply_private(&mut scenario, &clock);
    let o = scenario.take_shared<Oracle>();
    assert!(o.request_private(request_id));
    assert_eq!(o.request_subject(request_id), world::borrower());
    ts::return_shared(o);
    assert_eq!(world::borrower_coin(&scenario), world::change());
    world::finish(scenario, clock);
}

#[test]
fun a_private_record_approves_on_the_private_path() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed_private(&mut scenario, &mut clock, LIMITED_DATA);
    world::set_verifying_key(&mut scenario);
    {
        let o = scenario.take_shared<Oracle>();
        let s = o.score_of(world::borrower());
        assert!(s.is_private());
        assert_eq!(s.score(), 0);
        ts::return_shared(o);
    };
    scenario.next_tx(world::borrower());
    let approval = world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    assert_eq!(approval.private_approval_max_ltv_bps(), 5000);
    world::finish(scenario, clock);
}

#[test, expected_failure(abort_code = lender::EPrivateScore)]
fun the_public_path_refuses_a_private_record() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed_private(&mut scenario, &mut clock, 0);
    world::approve(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EPrivateScore)]
fun a_quote_refuses_a_private_record() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed_private(&mut scenario, &mut clock, 0);
    world::quote(&mut scenario, &clock);
    abort 0
}

#[test, expected_failure(abort_code = lender::EFlagged)]
fun a_private_records_flags_still_count_on_the_private_path() {
    let (mut scenario, mut clock) = world::begin(1);
    world::assessed_private(&mut scenario, &mut clock, LIQUIDATED);
    world::set_verifying_key(&mut scenario);
    world::borrow_with_proof(&mut scenario, NULLIFIER, true, &clock);
    abort 0
}
