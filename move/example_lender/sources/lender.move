/// An example consumer of Aura on Sui (docs/sui.md, "Use Aura from your Move module"): a lender that has Aura
/// assess a borrower and decides, from the borrower's `WalletScore`, whether to lend and up to what loan-to-value.
///
/// What every consumer does, shown here once: it trusts one `Oracle` object, named when the lender is created (any
/// one can create an `Oracle` and register keys of their own); it pays exactly the oracle's fee; and before relying
/// on a score it checks that there is one, that it still counts (at least the threshold it was stored under of its
/// signers are still active: a revoked key's scores stop counting), that the clock has not passed its expiry, and
/// what its flags say. The decision is the EVM ExampleLender's (docs/protocol.md, "ExampleLender").
///
/// A borrower who does not want its score read takes the private path, `borrow_with_proof`: a zero-knowledge proof
/// (`aura_oracle::zk`) that the score committed in its `WalletScore` is at least `APPROVE_SCORE`, for this lender's
/// scope. The lender learns only that, so it approves at `MIN_LTV_BPS`, the loan-to-value of a score of 600. Such a
/// borrower may also have the oracle keep its score private (`apply_private`): the stored record then has score 0
/// and tier 255 with the commitment to the real score, and the public path refuses it (`EPrivateScore`).
module example_lender::lender;

use aura_oracle::oracle::{Oracle, WalletScore};
use aura_oracle::zk;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::event;
use sui::sui::SUI;

// === Errors ===

/// The `Oracle` passed is not the one this lender trusts.
const EWrongOracle: u64 = 1;
/// The oracle holds no score for the borrower (never assessed, or the request is not fulfilled yet).
const ENoScore: u64 = 2;
/// The score no longer counts: fewer than its threshold of its signers are still active.
const ESignersRevoked: u64 = 3;
/// The clock is past the score's expiry.
const EScoreExpired: u64 = 4;
/// The score carries a flag in `REJECT_FLAGS`.
const EFlagged: u64 = 5;
/// The score is below `REVIEW_SCORE`.
const EScoreTooLow: u64 = 6;
/// The score asks for a manual review: between `REVIEW_SCORE` and `APPROVE_SCORE`, or a flag in `REVIEW_FLAGS`.
const EManualReview: u64 = 7;
/// The coin offered holds less than the oracle's fee.
const EPaymentTooSmall: u64 = 8;
/// The score is a private assessment's (tier 255, score 0): it says nothing to read; take `borrow_with_proof`.
const EPrivateScore: u64 = 9;

// === Policy (the EVM ExampleLender's) ===

/// LIQUIDATED (bit 6) | UNDISCLOSED_LIABILITY (bit 13): either rejects, whatever the score.
const REJECT_FLAGS: u32 = 0x2040;
/// BURST_ACTIVITY (bit 10) | ANOMALOUS (bit 11) | INTENT_MISMATCH (bit 14): an approval becomes a manual review.
const REVIEW_FLAGS: u32 = 0x4c00;
/// From this score on, approved.
const APPROVE_SCORE: u16 = 600;
/// From this score up to `APPROVE_SCORE`, a manual review; below it, rejected.
const REVIEW_SCORE: u16 = 450;
/// The maximum loan-to-value rises linearly from `MIN_LTV_BPS` at `APPROVE_SCORE` to `MAX_LTV_BPS` at
/// `FULL_LTV_SCORE`, and stays there above it.
const MIN_LTV_BPS: u16 = 5000;
const MAX_LTV_BPS: u16 = 8000;
const FULL_LTV_SCORE: u16 = 800;
/// The order of BN254's scalar field: the private path's scope (`private_scope`) is reduced below it, as every
/// public input of the proof must be.
const SCALAR_ORDER: u256 =
    21888242871839275222246405745257275088548364400416034343698204186575808495617;

// === Decisions ===

const APPROVED: u8 = 1;
const MANUAL_REVIEW: u8 = 2;
const REJECTED: u8 = 3;

// === Objects ===

/// A lender (shared): the one oracle whose scores it takes.
public struct Lender has key {
    id: UID,
    oracle: ID,
}

/// An approval, for the lending step of the same transaction: it has `drop` only, so it is never stored and
/// always reflects the score as it is now.
public struct Approval has drop {
    borrower: address,
    /// The request the approving score answered, and the score's version.
    request_id: ID,
    version: u64,
    score: u16,
    max_ltv_bps: u16,
}

/// An approval on the private path (`borrow_with_proof`), for the lending step of the same transaction: like
/// `Approval`, `drop` only. It holds no score: the lender never learns it.
public struct PrivateApproval has drop {
    borrower: address,
    /// The nullifier the proof spent for `private_scope`: it names the assessment without revealing it.
    nullifier: u256,
    max_ltv_bps: u16,
}

// === Events ===

public struct LoanApplied has copy, drop {
    lender: ID,
    borrower: address,
    request_id: ID,
    fee: u64,
}

public struct LoanApproved has copy, drop {
    lender: ID,
    borrower: address,
    request_id: ID,
    version: u64,
    score: u16,
    max_ltv_bps: u16,
}

/// An approval on the private path: a proof that `borrower`'s score is at least `APPROVE_SCORE`, `nullifier` now
/// spent.
public struct PrivateLoanApproved has copy, drop {
    lender: ID,
    borrower: address,
    nullifier: u256,
    max_ltv_bps: u16,
}

// === Functions ===

/// Shares a lender that takes the scores of `oracle` only.
public fun create(oracle: &Oracle, ctx: &mut TxContext) {
    transfer::share_object(Lender { id: object::new(ctx), oracle: object::id(oracle) });
}

/// Has the oracle assess the sender, paying its fee, exactly, out of `payment` (the rest stays in `payment`).
/// Returns the request id; the borrower calls `approve` once the request is fulfilled.
public fun apply(
    lender: &Lender,
    oracle: &mut Oracle,
    payment: &mut Coin<SUI>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    apply_for(lender, oracle, payment, false, clock, ctx)
}

/// `apply` for a private assessment: the oracle stores score 0 and tier 255 with the commitment to the sender's
/// real score, so the borrower then takes `borrow_with_proof` (`approve` and `quote` refuse a private score).
public fun apply_private(
    lender: &Lender,
    oracle: &mut Oracle,
    payment: &mut Coin<SUI>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    apply_for(lender, oracle, payment, true, clock, ctx)
}

/// The borrower's score, once it is safe to rely on: from the trusted oracle (`EWrongOracle`), present
/// (`ENoScore`), still counting (`ESignersRevoked`) and not expired (`EScoreExpired`). What it says is the
/// caller's to judge (`decide`).
public fun checked_score(lender: &Lender, oracle: &Oracle, borrower: address, clock: &Clock): &WalletScore {
    check_oracle(lender, oracle);
    assert!(oracle.has_score(borrower), ENoScore);
    let score = oracle.score_of(borrower);
    assert!(oracle.score_counts(score), ESignersRevoked);
    assert!(clock.timestamp_ms() <= score.expiry_ms(), EScoreExpired);
    score
}

/// The decision on the borrower's current score and its maximum loan-to-value (0 unless approved); aborts as
/// `checked_score` does, and `EPrivateScore` for a private assessment's record.
public fun quote(lender: &Lender, oracle: &Oracle, borrower: address, clock: &Clock): (u8, u16) {
    let score = checked_score(lender, oracle, borrower, clock);
    assert!(!score.is_private(), EPrivateScore);
    decide(score.score(), score.flags())
}

/// Approves the sender on their current score, or aborts with why not: `checked_score`'s aborts, then
/// `EPrivateScore` (a private assessment's record: score 0, tier 255, nothing to read; the private path is
/// `borrow_with_proof`), `EFlagged`, `EScoreTooLow` or `EManualReview`.
public fun approve(lender: &Lender, oracle: &Oracle, clock: &Clock, ctx: &TxContext): Approval {
    let borrower = ctx.sender();
    let score = checked_score(lender, oracle, borrower, clock);
    assert!(!score.is_private(), EPrivateScore);
    let (decision, max_ltv_bps) = decide(score.score(), score.flags());
    assert!(score.flags() & REJECT_FLAGS == 0, EFlagged);
    assert!(decision != REJECTED, EScoreTooLow);
    assert!(decision == APPROVED, EManualReview);
    let approval = Approval {
        borrower,
        request_id: score.request_id(),
        version: score.version(),
        score: score.score(),
        max_ltv_bps,
    };
    event::emit(LoanApproved {
        lender: object::id(lender),
        borrower,
        request_id: approval.request_id,
        version: approval.version,
        score: approval.score,
        max_ltv_bps,
    });
    approval
}

/// Approves the sender without reading their score: `proof` (`aura prove`'s `calldata.sui.proof`) shows that the
/// score committed in their `WalletScore` is at least `APPROVE_SCORE`, for the scope `private_scope(lender)` and
/// `nullifier`. The lender names the threshold and the scope itself, never the borrower, and has `zk` spend the
/// nullifier: one assessment gives one approval here, and a proof copied by another sender is checked against
/// that sender's commitment and fails. Always at `MIN_LTV_BPS`. The score must be usable as `approve` wants it
/// (`checked_score`'s aborts), checked before the proof; its flags are public and weigh as on a score of 600:
/// `REJECT_FLAGS` abort `EFlagged` and `REVIEW_FLAGS` `EManualReview`, as this path has no manual review. The
/// verifier's aborts (`zk::EInvalidProof`, `zk::ENullifierSpent`, ...) come back as they are; an abort reverts
/// the whole transaction, so a refused borrower spends nothing. Emits `PrivateLoanApproved`.
public fun borrow_with_proof(
    lender: &Lender,
    oracle: &mut Oracle,
    nullifier: u256,
    proof: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
): PrivateApproval {
    let (borrower, max_ltv_bps) = private_terms(lender, oracle, clock, ctx);
    let scope = private_scope(lender);
    zk::verify_threshold(oracle, borrower, APPROVE_SCORE, scope, nullifier, true, proof, clock, ctx);
    private_approval(lender, borrower, nullifier, max_ltv_bps)
}

/// The scope a borrower proves for on the private path: this lender's ID as a number, reduced below the scalar
/// field order, so that its nullifiers are its own.
public fun private_scope(lender: &Lender): u256 {
    object::id(lender).to_address().to_u256() % SCALAR_ORDER
}

/// The decision (1 approved, 2 manual review, 3 rejected) and the maximum loan-to-value in basis points (0
/// unless approved): risk flags first, then the score.
public fun decide(score: u16, flags: u32): (u8, u16) {
    if (flags & REJECT_FLAGS != 0 || score < REVIEW_SCORE) return (REJECTED, 0);
    if (score < APPROVE_SCORE || flags & REVIEW_FLAGS != 0) return (MANUAL_REVIEW, 0);
    let above = (score.min(FULL_LTV_SCORE) - APPROVE_SCORE) as u64;
    let span = (FULL_LTV_SCORE - APPROVE_SCORE) as u64;
    let ltv = (MIN_LTV_BPS as u64) + above * ((MAX_LTV_BPS - MIN_LTV_BPS) as u64) / span;
    (APPROVED, ltv as u16)
}

/// The oracle this lender takes scores from.
public fun oracle_id(lender: &Lender): ID { lender.oracle }

public fun approval_borrower(approval: &Approval): address { approval.borrower }

public fun approval_request_id(approval: &Approval): ID { approval.request_id }

public fun approval_version(approval: &Approval): u64 { approval.version }

public fun approval_score(approval: &Approval): u16 { approval.score }

public fun approval_max_ltv_bps(approval: &Approval): u16 { approval.max_ltv_bps }

public fun private_approval_borrower(approval: &PrivateApproval): address { approval.borrower }

public fun private_approval_nullifier(approval: &PrivateApproval): u256 { approval.nullifier }

public fun private_approval_max_ltv_bps(approval: &PrivateApproval): u16 { approval.max_ltv_bps }

fun check_oracle(lender: &Lender, oracle: &Oracle) {
    assert!(object::id(oracle) == lender.oracle, EWrongOracle);
}

/// `apply` and `apply_private`: pays the fee out of `payment` and asks for the sender's assessment.
fun apply_for(
    lender: &Lender,
    oracle: &mut Oracle,
    payment: &mut Coin<SUI>,
    private: bool,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    check_oracle(lender, oracle);
    let fee = oracle.fee();
    assert!(payment.value() >= fee, EPaymentTooSmall);
    let fee_coin = payment.split(fee, ctx);
    let borrower = ctx.sender();
    // Empty params ask for a plain assessment (docs/protocol.md, "Request params").
    let request_id = if (private) {
        oracle.request_private_assessment(borrower, vector[], fee_coin, clock, ctx)
    } else {
        oracle.request_assessment(borrower, vector[], fee_coin, clock, ctx)
    };
    event::emit(LoanApplied { lender: object::id(lender), borrower, request_id, fee });
    request_id
}

/// The private path before the proof: the sender and the loan-to-value it gets, once the sender's score is usable
/// (`checked_score`) and its flags let a score of `APPROVE_SCORE` through.
fun private_terms(lender: &Lender, oracle: &Oracle, clock: &Clock, ctx: &TxContext): (address, u16) {
    let borrower = ctx.sender();
    let flags = checked_score(lender, oracle, borrower, clock).flags();
    let (decision, max_ltv_bps) = decide(APPROVE_SCORE, flags);
    assert!(decision != REJECTED, EFlagged);
    assert!(decision == APPROVED, EManualReview);
    (borrower, max_ltv_bps)
}

/// The private path after the proof: the approval, and its event.
fun private_approval(lender: &Lender, borrower: address, nullifier: u256, max_ltv_bps: u16): PrivateApproval {
    event::emit(PrivateLoanApproved { lender: object::id(lender), borrower, nullifier, max_ltv_bps });
    PrivateApproval { borrower, nullifier, max_ltv_bps }
}

// === Test-only ===

/// `borrow_with_proof` with `sui::groth16`'s answer given as `verdict` (`zk::verify_threshold_for_testing`: no
/// Move test runner here runs the groth16 natives); everything else is the same code.
#[test_only]
public fun borrow_with_proof_for_testing(
    lender: &Lender,
    oracle: &mut Oracle,
    nullifier: u256,
    proof: vector<u8>,
    verdict: bool,
    clock: &Clock,
    ctx: &TxContext,
): PrivateApproval {
    let (borrower, max_ltv_bps) = private_terms(lender, oracle, clock, ctx);
    let scope = private_scope(lender);
    zk::verify_threshold_for_testing(
        oracle,
        borrower,
        APPROVE_SCORE,
        scope,
        nullifier,
        true,
        proof,
        verdict,
        clock,
        ctx,
    );
    private_approval(lender, borrower, nullifier, max_ltv_bps)
}

// === Test-only event constructors (the tests compare emitted events with these) ===

#[test_only]
public fun loan_applied_for_testing(lender: ID, borrower: address, request_id: ID, fee: u64): LoanApplied {
    LoanApplied { lender, borrower, request_id, fee }
}

#[test_only]
public fun loan_approved_for_testing(
    lender: ID,
    borrower: address,
    request_id: ID,
    version: u64,
    score: u16,
    max_ltv_bps: u16,
): LoanApproved {
    LoanApproved { lender, borrower, request_id, version, score, max_ltv_bps }
}

#[test_only]
public fun private_loan_approved_for_testing(
    lender: ID,
    borrower: address,
    nullifier: u256,
    max_ltv_bps: u16,
): PrivateLoanApproved {
    PrivateLoanApproved { lender, borrower, nullifier, max_ltv_bps }
}
