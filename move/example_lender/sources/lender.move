/// An example consumer of Aura on Sui (docs/sui.md, "Use Aura from your Move module"): a lender that has Aura
/// assess a borrower and decides, from the borrower's `WalletScore`, whether to lend and up to what loan-to-value.
///
/// What every consumer does, shown here once: it trusts one `Oracle` object, named when the lender is created (any
/// one can create an `Oracle` and register keys of their own); it pays exactly the oracle's fee; and before relying
/// on a score it checks that there is one, that it still counts (at least the threshold it was stored under of its
/// signers are still active: a revoked key's scores stop counting), that the clock has not passed its expiry, and
/// what its flags say. The decision is the EVM ExampleLender's (docs/protocol.md, "ExampleLender").
module example_lender::lender;

use aura_oracle::oracle::{Oracle, WalletScore};
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
    check_oracle(lender, oracle);
    let fee = oracle.fee();
    assert!(payment.value() >= fee, EPaymentTooSmall);
    let fee_coin = payment.split(fee, ctx);
    let borrower = ctx.sender();
    // Empty params ask for a plain assessment (docs/protocol.md, "Request params").
    let request_id = oracle.request_assessment(borrower, vector[], fee_coin, clock, ctx);
    event::emit(LoanApplied { lender: object::id(lender), borrower, request_id, fee });
    request_id
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
/// `checked_score` does.
public fun quote(lender: &Lender, oracle: &Oracle, borrower: address, clock: &Clock): (u8, u16) {
    let score = checked_score(lender, oracle, borrower, clock);
    decide(score.score(), score.flags())
}

/// Approves the sender on their current score, or aborts with why not: `checked_score`'s aborts, then
/// `EFlagged`, `EScoreTooLow` or `EManualReview`.
public fun approve(lender: &Lender, oracle: &Oracle, clock: &Clock, ctx: &TxContext): Approval {
    let borrower = ctx.sender();
    let score = checked_score(lender, oracle, borrower, clock);
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

fun check_oracle(lender: &Lender, oracle: &Oracle) {
    assert!(object::id(oracle) == lender.oracle, EWrongOracle);
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
