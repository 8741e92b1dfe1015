//! The quorum (docs/solana.md, "Quorum"): the threshold k the admin sets (`set_threshold`), a fulfilment
//! by k or more enclaves' signatures over the one payload (`fulfil_quorum`; `update` checks its signatures
//! here too), and whether a stored assessment still counts (`score_status`).
//!
//! The oracle and the score keep their k = 1 layout: the quorum's fields are a tail that `set_threshold`
//! appends to the oracle and `fulfil_quorum` to the score (the payer tops the rent up), so `fulfil` reads
//! one more byte of the oracle, refuses while k > 1, and otherwise runs as before.

use crate::error::{self, Result};
use crate::input::{Account, Input};
use crate::processor::{self as p, event_buffer, EventWriter, FulfilAccounts, Target};
use crate::state::{
    self, enclave, fulfil_args as fa, oracle, quorum_accounts as qa, quorum_args as qa_args,
    request, score, MAX_QUORUM_SIGNERS,
};
use crate::sys::{self, eq32, rd_i64, rd_u32, rd_u64};

/// The oracle's threshold: 1 until `set_threshold` appends the quorum tail.
pub fn threshold(oracle_acc: Account) -> u8 {
    if oracle_acc.data_len() > oracle::THRESHOLD {
        // SAFETY: within the account's data.
        unsafe { *oracle_acc.at(oracle::THRESHOLD) }
    } else {
        1
    }
}

/// `set_threshold(threshold: u8)`.
///
/// ### Accounts
/// oracle (writable), admin (signer, writable: pays the rent of the oracle's quorum tail the first time),
/// system_program.
#[inline(never)]
pub fn set_threshold(input: &Input) -> Result<()> {
    input.require_args_len(1)?;
    input.require_accounts(3)?;
    let (oracle_acc, admin, system_program) =
        (input.account(0), input.account(1), input.account(2));
    oracle_acc.require_writable()?;
    admin.require_signer()?;
    admin.require_writable()?;
    system_program.require_system_program()?;
    p::load_oracle(input, oracle_acc)?;
    if !eq32(oracle_acc.at(oracle::ADMIN), admin.key()) {
        return Err(error::UNAUTHORIZED);
    }
    // SAFETY: the args are 1 byte.
    let k = unsafe { *input.args() };
    if k == 0 || k as usize > MAX_QUORUM_SIGNERS {
        error::log_numbers(error::INVALID_THRESHOLD, &[k as u64]);
        return Err(error::INVALID_THRESHOLD);
    }
    let previous = threshold(oracle_acc);
    if oracle_acc.data_len() < oracle::QUORUM_LEN {
        let rent = sys::minimum_balance(oracle::QUORUM_LEN as u64)?;
        p::top_up(admin, oracle_acc, rent)?;
        oracle_acc.set_data_len(oracle::QUORUM_LEN);
    }
    // SAFETY: the oracle now holds QUORUM_LEN bytes.
    unsafe { *oracle_acc.at(oracle::THRESHOLD) = k };
    let mut buf = event_buffer!(8 + 32 + 2);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        8 + 32 + 2,
        &state::EVENT_THRESHOLD_SET,
    );
    e.put(oracle_acc.key(), 32);
    let values = [previous, k];
    e.put(values.as_ptr(), 2);
    e.emit();
    Ok(())
}

/// `fulfil_quorum`: `fulfil`'s signed args, then `signatures: Vec<[u8; 65]>`, each over the same payload, in
/// strictly ascending order of their signers' addresses, at least the oracle's threshold of them.
///
/// ### Accounts
/// oracle, request (writable), score (writable), requester (writable), transmitter (signer, writable),
/// system_program, slot_hashes; then for each signature, in its order: its enclave, and that enclave's payee
/// (writable).
#[inline(never)]
pub fn fulfil_quorum(input: &Input) -> Result<()> {
    let n = signature_count(input)?;
    input.require_accounts(qa::FIXED + n * qa::PER_SIGNER)?;
    let args = input.args();
    let oracle_acc = input.account(0);
    let request_acc = input.account(1);
    let score_acc = input.account(2);
    let requester = input.account(3);
    let transmitter = input.account(4);
    let sysvar = input.account(6);
    request_acc.require_writable()?;
    score_acc.require_writable()?;
    requester.require_writable()?;
    transmitter.require_signer()?;
    transmitter.require_writable()?;
    let mut i = 0;
    while i < n {
        payee(input, &FULFIL_SIGNERS, i).require_writable()?;
        i += 1;
    }
    input.account(5).require_system_program()?;
    p::require_slot_hashes(sysvar)?;
    p::load_oracle(input, oracle_acc)?;
    p::load_request(input, oracle_acc, request_acc)?;
    if !eq32(requester.key(), request_acc.at(request::REQUESTER)) {
        return Err(error::REQUESTER_MISMATCH);
    }
    let k = threshold(oracle_acc);
    if n < k as usize {
        error::log_numbers(error::QUORUM_NOT_MET, &[n as u64, k as u64]);
        return Err(error::QUORUM_NOT_MET);
    }
    let target = Target::of_request(request_acc);
    let score_bump = p::check_score_account(input, oracle_acc, target.subject, score_acc)?;
    let clock = sys::clock();
    p::check_assessment(args, clock.unix_timestamp, &target)?;
    p::check_pinned_slot(args, &target, sysvar)?;
    let mut hash = [0u8; 32];
    p::payload_hash(input, oracle_acc, &target, &mut hash);
    check_signers(input, oracle_acc, &hash, n, &FULFIL_SIGNERS)?;

    let accounts = FulfilAccounts {
        oracle: oracle_acc,
        id: target.id,
        subject: target.subject,
        enclave: enclave(input, &FULFIL_SIGNERS, 0),
        score: score_acc,
        transmitter,
    };
    let space = score::QUORUM_BASE + 20 * n;
    // `stored`: this assessment becomes the subject's score; `replaced`: it overwrites an earlier one.
    let (stored, replaced) = match score_bump {
        Some(bump) => {
            p::create_score(input, &accounts, bump, clock.unix_timestamp, space)?;
            (true, false)
        }
        // SAFETY: the args hold the signed fields.
        None => {
            let newer =
                rd_i64(unsafe { args.add(fa::TIMESTAMP) }) >= rd_i64(score_acc.at(score::ASSESSED_AT));
            (newer, newer)
        }
    };
    if stored {
        if score_acc.data_len() != space {
            p::top_up(transmitter, score_acc, sys::minimum_balance(space as u64)?)?;
            score_acc.set_data_len(space);
        }
        p::write_score(input, &accounts, &clock)?;
        write_signers(input, score_acc, k, n, &FULFIL_SIGNERS);
    }
    p::emit_fulfilled(input, &accounts, replaced);
    emit_signed(input, &accounts, k, n, &FULFIL_SIGNERS);
    pay(input, request_acc, requester, n)?;
    request_acc.close();
    Ok(())
}

/// How many signatures the args' `signatures: Vec<[u8; 65]>` (after the signed fields) holds, at most
/// `MAX_QUORUM_SIGNERS`; the args must be exactly the signed fields and those signatures.
#[inline(never)]
pub fn signature_count(input: &Input) -> Result<usize> {
    if input.data_len < 8 + qa_args::SIGNATURES {
        return Err(error::INVALID_INSTRUCTION_DATA);
    }
    // SAFETY: the args hold at least SIGNATURES bytes.
    let n = rd_u32(unsafe { input.args().add(qa_args::SIGNATURE_COUNT) }) as usize;
    if n > MAX_QUORUM_SIGNERS {
        error::log_numbers(
            error::TOO_MANY_SIGNATURES,
            &[n as u64, MAX_QUORUM_SIGNERS as u64],
        );
        return Err(error::TOO_MANY_SIGNATURES);
    }
    input.require_args_len(qa_args::SIGNATURES + n * qa_args::SIGNATURE_LEN)?;
    Ok(n)
}

/// Where the signers' accounts are: from account `first` on, each signature's enclave, followed by its payee
/// when `payees` (`fulfil_quorum`: the fee is split among them; `update` pays no fee).
pub struct Signers {
    pub first: usize,
    pub payees: bool,
}

pub const FULFIL_SIGNERS: Signers = Signers {
    first: qa::FIXED,
    payees: true,
};

/// The i-th signature's enclave account.
pub fn enclave(input: &Input, at: &Signers, i: usize) -> Account {
    input.account(at.first + (1 + at.payees as usize) * i)
}

/// The i-th signature's payee account (`at.payees`).
fn payee(input: &Input, at: &Signers, i: usize) -> Account {
    input.account(at.first + qa::PER_SIGNER * i + 1)
}

/// Each signature's enclave: this oracle's, above the previous one's address, active, with the signed
/// measurement and (where the layout has payees) the payee given; and the signature, over `hash`, is its key's.
#[inline(never)]
pub fn check_signers(
    input: &Input,
    oracle_acc: Account,
    hash: &[u8; 32],
    n: usize,
    at: &Signers,
) -> Result<()> {
    let args = input.args();
    let mut previous: *const u8 = core::ptr::null();
    let mut i = 0;
    while i < n {
        let enclave_acc = enclave(input, at, i);
        p::load_enclave(input, oracle_acc, enclave_acc)?;
        let address = enclave_acc.at(enclave::ADDRESS);
        if !previous.is_null() && !below(previous, address) {
            error::log_addresses(error::SIGNERS_NOT_ASCENDING, previous, address);
            return Err(error::SIGNERS_NOT_ASCENDING);
        }
        // SAFETY: the enclave holds LEN bytes (load_enclave).
        if unsafe { *enclave_acc.at(enclave::ACTIVE) } != 1 {
            return Err(error::ENCLAVE_REVOKED);
        }
        // SAFETY: the args hold the signed fields.
        if !eq32(
            unsafe { args.add(fa::MEASUREMENT) },
            enclave_acc.at(enclave::MEASUREMENT),
        ) {
            return Err(error::MEASUREMENT_MISMATCH);
        }
        if at.payees && !eq32(payee(input, at, i).key(), enclave_acc.at(enclave::PAYEE)) {
            return Err(error::PAYEE_MISMATCH);
        }
        // SAFETY: the args hold n signatures of 65 bytes after SIGNATURES.
        let signature = unsafe { args.add(qa_args::SIGNATURES + qa_args::SIGNATURE_LEN * i) };
        p::check_signature(hash, signature, enclave_acc)?;
        previous = address;
        i += 1;
    }
    Ok(())
}

/// Whether the 20-byte address at `a` is below the one at `b` (as big-endian numbers).
fn below(a: *const u8, b: *const u8) -> bool {
    let mut i = 0;
    while i < 20 {
        // SAFETY: both are 20 bytes.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x < y;
        }
        i += 1;
    }
    false
}

/// The score's quorum tail: the threshold in force, the signer count and the signers' addresses.
#[inline(never)]
pub fn write_signers(input: &Input, score_acc: Account, k: u8, n: usize, at: &Signers) {
    // SAFETY: the score holds QUORUM_BASE + 20 * n bytes; each enclave's address is 20 bytes.
    unsafe {
        *score_acc.at(score::THRESHOLD) = k;
        let mut i = 0;
        while i < n {
            sys::copy(
                score_acc.at(score::SIGNERS + 20 * i),
                enclave(input, at, i).at(enclave::ADDRESS),
                20,
            );
            i += 1;
        }
    }
    sys::wr_u32(score_acc.at(score::SIGNER_COUNT), n as u32);
}

/// The fee split equally among the signers' payees, the remainder to the first (the lowest address); the rest
/// of what the request holds (its rent) back to the requester. The caller closes the request.
#[inline(never)]
fn pay(input: &Input, request_acc: Account, requester: Account, n: usize) -> Result<()> {
    let held = request_acc.lamports();
    let fee = rd_u64(request_acc.at(request::FEE));
    let refund = held.checked_sub(fee).ok_or(error::ARITHMETIC_OVERFLOW)?;
    let share = fee / n as u64;
    let mut i = 0;
    while i < n {
        let amount = if i == 0 {
            fee - share * (n as u64 - 1)
        } else {
            share
        };
        let to = payee(input, &FULFIL_SIGNERS, i);
        to.set_lamports(
            to.lamports()
                .checked_add(amount)
                .ok_or(error::ARITHMETIC_OVERFLOW)?,
        );
        i += 1;
    }
    requester.set_lamports(
        requester
            .lamports()
            .checked_add(refund)
            .ok_or(error::ARITHMETIC_OVERFLOW)?,
    );
    Ok(())
}

/// `QuorumSigned { request, oracle, threshold, signers }`, after `AssessmentFulfilled` (which names the
/// first signer).
#[inline(never)]
pub fn emit_signed(input: &Input, a: &FulfilAccounts, k: u8, n: usize, at: &Signers) {
    const LEN: usize = 8 + 64 + 1 + 4 + 20 * MAX_QUORUM_SIGNERS;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_QUORUM_SIGNED,
    );
    e.put(a.id, 32);
    e.put(a.oracle.key(), 32);
    let count = (n as u32).to_le_bytes();
    e.put([k].as_ptr(), 1);
    e.put(count.as_ptr(), 4);
    let mut i = 0;
    while i < n {
        e.put(enclave(input, at, i).at(enclave::ADDRESS), 20);
        i += 1;
    }
    e.emit();
}

/// `score_status() -> bool`: whether the stored assessment still counts, that is at least the threshold it
/// was fulfilled under of its signers are still active (1 of 1 for a `fulfil`'s). Returned as the
/// instruction's return data (one byte, 1 or 0), for a program calling it or a client simulating it.
///
/// ### Accounts
/// oracle, score; then the enclave account of each of the score's signers, in the score's order.
#[inline(never)]
pub fn score_status(input: &Input) -> Result<()> {
    input.require_args_len(0)?;
    input.require_accounts(2)?;
    let (oracle_acc, score_acc) = (input.account(0), input.account(1));
    p::load_oracle(input, oracle_acc)?;
    load_score(input, oracle_acc, score_acc)?;
    let counts = still_counts(input, oracle_acc, score_acc, 2)?;
    sys::set_return_data(&[counts as u8]);
    Ok(())
}

/// A score of this oracle (its address pinned as the enclave's is, see `processor::load_enclave`).
pub fn load_score(input: &Input, oracle_acc: Account, score_acc: Account) -> Result<()> {
    if !score_acc.owned_by(input.program_id) {
        return Err(error::WRONG_OWNER);
    }
    if !score_acc.has_type(&state::ACCOUNT_SCORE, score::LEN) {
        return Err(error::WRONG_ACCOUNT_TYPE);
    }
    if !eq32(score_acc.at(score::ORACLE), oracle_acc.key()) {
        return Err(error::WRONG_ORACLE);
    }
    Ok(())
}

/// The score status rule, shared by `score_status` and `verify_threshold`: whether at least the threshold the
/// stored assessment was fulfilled under of its signers are still active (1 of 1 for a `fulfil`'s). The
/// enclave account of each of the score's signers comes in its order from account `first` on. The score is
/// this oracle's (the caller checked).
#[inline(never)]
pub fn still_counts(
    input: &Input,
    oracle_acc: Account,
    score_acc: Account,
    first: usize,
) -> Result<bool> {
    // SAFETY: a score longer than LEN holds its quorum tail (fulfil_quorum wrote it).
    let (k, n, signers) = if score_acc.data_len() >= score::QUORUM_BASE {
        unsafe {
            (
                *score_acc.at(score::THRESHOLD),
                sys::rd_u32(score_acc.at(score::SIGNER_COUNT)) as usize,
                score_acc.at(score::SIGNERS),
            )
        }
    } else {
        (1, 1, score_acc.at(score::SIGNER))
    };
    input.require_accounts(first + n)?;
    let mut active = 0usize;
    let mut i = 0;
    while i < n {
        let enclave_acc = input.account(first + i);
        p::load_enclave(input, oracle_acc, enclave_acc)?;
        // SAFETY: the stored signers are n addresses of 20 bytes.
        if !same_address(enclave_acc.at(enclave::ADDRESS), unsafe {
            signers.add(20 * i)
        }) {
            return Err(error::WRONG_PDA); // not the enclave PDA of this signer
        }
        // SAFETY: the enclave holds LEN bytes (load_enclave).
        if unsafe { *enclave_acc.at(enclave::ACTIVE) } == 1 {
            active += 1;
        }
        i += 1;
    }
    Ok(active >= k as usize)
}

fn same_address(a: *const u8, b: *const u8) -> bool {
    !below(a, b) && !below(b, a)
}
