//! Operator updates (docs/solana.md, "Operator updates"): an assessment of a subject that no request asked
//! for, pushed by an operator with no request account and no fee. It is signed under an id the program
//! derives from the oracle, the subject and the assessment's timestamp (`update_id`), and checked as a
//! fulfilment is, by the same code: `check_assessment`, `check_pinned_slot` (the signed slot must be in
//! SlotHashes with the signed hash), `payload_hash` and the quorum's `check_signers`.
//!
//! Each id lands at most once with no marker account: an update must be strictly newer (by `assessed_at`) than
//! the subject's stored assessment, and a Score's `assessed_at` never decreases, so once an update of time t is
//! stored no update of time t (or older) is taken again; nor does an older update ever replace a newer record.

use crate::error::{self, Result};
use crate::input::{Account, Input};
use crate::processor::{self as p, FulfilAccounts, Target};
use crate::quorum::{self, Signers};
use crate::state::{fulfil_args as fa, score, update as ua, PRIVATE_TIER};
use crate::sys::{self, is_zero, rd_i64, Slice};

/// Each signature's enclave follows the fixed accounts; an update pays no payee.
const UPDATE_SIGNERS: Signers = Signers {
    first: ua::FIXED,
    payees: false,
};

/// `update`: `fulfil_quorum`'s args (the signed fields, then `signatures: Vec<[u8; 65]>`), at least the
/// oracle's threshold of signatures, in strictly ascending order of their signers' addresses (one when the
/// threshold is 1).
///
/// ### Accounts
/// oracle, subject (any key but the all-zero one), score (writable; PDA `["score", oracle, subject]`,
/// created on first use), transmitter (signer, writable; pays the score account's rent and its growth),
/// system_program, slot_hashes; then each signature's enclave, in its order.
#[inline(never)]
pub fn update(input: &Input) -> Result<()> {
    let n = quorum::signature_count(input)?;
    input.require_accounts(ua::FIXED + n)?;
    let oracle_acc = input.account(0);
    let subject = input.account(1).key();
    let score_acc = input.account(2);
    let transmitter = input.account(3);
    let sysvar = input.account(5);
    score_acc.require_writable()?;
    transmitter.require_signer()?;
    transmitter.require_writable()?;
    input.account(4).require_system_program()?;
    p::require_slot_hashes(sysvar)?;
    p::load_oracle(input, oracle_acc)?;
    if is_zero(subject, 32) {
        return Err(error::ZERO_SUBJECT);
    }
    let k = quorum::threshold(oracle_acc);
    if n < k as usize {
        error::log_numbers(error::QUORUM_NOT_MET, &[n as u64, k as u64]);
        return Err(error::QUORUM_NOT_MET);
    }
    let score_bump = p::check_score_account(input, oracle_acc, subject, score_acc)?;
    let args = input.args();
    if score_bump.is_none() {
        check_stored(args, score_acc)?;
    }
    let mut id = [0u8; 32];
    update_id(oracle_acc, subject, args, &mut id);
    let target = Target {
        id: id.as_ptr(),
        subject,
        expires_at: i64::MAX,
        private: false,
        pinned_slot: None,
    };
    let clock = sys::clock();
    p::check_assessment(args, clock.unix_timestamp, &target)?;
    p::check_pinned_slot(args, &target, sysvar)?;
    let mut hash = [0u8; 32];
    p::payload_hash(input, oracle_acc, &target, &mut hash);
    quorum::check_signers(input, oracle_acc, &hash, n, &UPDATE_SIGNERS)?;

    let accounts = FulfilAccounts {
        oracle: oracle_acc,
        id: target.id,
        subject,
        enclave: quorum::enclave(input, &UPDATE_SIGNERS, 0),
        score: score_acc,
        transmitter,
    };
    // One signature: `fulfil`'s layout; more: the quorum tail after it, as `fulfil_quorum` writes it.
    let space = if n == 1 {
        score::LEN
    } else {
        score::QUORUM_BASE + 20 * n
    };
    match score_bump {
        Some(bump) => p::create_score(input, &accounts, bump, clock.unix_timestamp, space)?,
        None => {
            if score_acc.data_len() != space {
                p::top_up(transmitter, score_acc, sys::minimum_balance(space as u64)?)?;
                score_acc.set_data_len(space);
            }
        }
    }
    p::write_score(input, &accounts, &clock)?;
    if n > 1 {
        quorum::write_signers(input, score_acc, k, n, &UPDATE_SIGNERS);
    }
    p::emit_fulfilled(input, &accounts, score_bump.is_none());
    if n > 1 {
        quorum::emit_signed(input, &accounts, k, n, &UPDATE_SIGNERS);
    }
    Ok(())
}

/// An existing score takes an update only when the update is strictly newer than its assessment
/// (`UpdateNotNewer`: a replay, or an older update) and that assessment is public (`PrivacyMismatch`: an
/// update is public and never replaces a private record).
#[inline(never)]
fn check_stored(args: *const u8, score_acc: Account) -> Result<()> {
    // SAFETY: the args hold the signed fields.
    let timestamp = rd_i64(unsafe { args.add(fa::TIMESTAMP) });
    if timestamp <= rd_i64(score_acc.at(score::ASSESSED_AT)) {
        return Err(error::UPDATE_NOT_NEWER);
    }
    // SAFETY: the score holds at least LEN bytes (check_score_account).
    if unsafe { *score_acc.at(score::SCORE + fa::TIER) } == PRIVATE_TIER {
        return Err(error::PRIVACY_MISMATCH);
    }
    Ok(())
}

/// The update id: sha256(`"AuraOracle.update"` || oracle || subject || timestamp as i64 LE), the timestamp the
/// signed one (docs/solana.md, "Operator updates"; `chains/solana/update_id.py`).
#[inline(never)]
fn update_id(oracle_acc: Account, subject: *const u8, args: *const u8, id: &mut [u8; 32]) {
    let parts = [
        Slice::new(ua::TAG.as_ptr(), ua::TAG.len()),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(subject, 32),
        // SAFETY: the args hold the signed fields.
        Slice::new(unsafe { args.add(fa::TIMESTAMP) }, 8),
    ];
    sys::sha256(&parts, id);
}
