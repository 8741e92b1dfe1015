//! Threshold proofs (docs/solana.md, "Threshold proofs"): the admin sets the Groth16 verifying key of
//! `circuits/threshold.circom` (`set_verifying_key`), and a protocol checks a proof that a subject's committed
//! score is at least its threshold (`verify_threshold`), without learning the score.
//!
//! The verifier takes from the caller only the proof, the threshold, the scope and the nullifier; the commitment
//! comes from the subject's Score account and the subject limbs from the Score's subject key, so a proof opens
//! only the commitment the oracle stored for that subject.

use crate::error::{self, Result};
use crate::groth16::{self, key, PUBLIC_INPUTS};
use crate::input::{Account, Input, SYSTEM_PROGRAM};
use crate::processor::{self as p, event_buffer, EventWriter, Init};
use crate::quorum;
use crate::state::{
    self, fulfil_args as fa, nullifier, oracle, score, verify_accounts as vacc, verify_args as va,
    verifying_key as vk,
};
use crate::sys::{self, eq32, rd_i64, rd_u16, rd_u32, wr_i64, wr_u32, Slice};

// The layouts in state.rs hold the key and the proof as groth16.rs reads them.
const _: () = assert!(vk::VERSION == vk::KEY + key::LEN);
const _: () = assert!(va::THRESHOLD == va::PROOF + groth16::proof::LEN);

/// `set_verifying_key(alpha_g1, beta_g2, gamma_g2, delta_g2, ic)`: the key in the syscalls' encodings
/// (`groth16::key::LEN` bytes), checked point by point, stored in the oracle's VerifyingKey account (created the
/// first time, replaced after: a new ceremony needs no program upgrade).
///
/// ### Accounts
/// oracle, verifying_key (writable, PDA `["verifying_key", oracle]`), admin (signer, writable: pays the rent the
/// first time), system_program.
#[inline(never)]
pub fn set_verifying_key(input: &Input) -> Result<()> {
    input.require_args_len(key::LEN)?;
    input.require_accounts(4)?;
    let (oracle_acc, key_acc, admin, system_program) = (
        input.account(0),
        input.account(1),
        input.account(2),
        input.account(3),
    );
    key_acc.require_writable()?;
    admin.require_signer()?;
    admin.require_writable()?;
    system_program.require_system_program()?;
    p::load_oracle(input, oracle_acc)?;
    if !eq32(oracle_acc.at(oracle::ADMIN), admin.key()) {
        return Err(error::UNAUTHORIZED);
    }
    if key_acc.owned_by(input.program_id) {
        load_key(oracle_acc, key_acc)?;
    } else {
        create_key_account(input, oracle_acc, key_acc, admin)?;
    }
    groth16::check_key(input.args())?;
    let version = rd_u32(key_acc.at(vk::VERSION))
        .checked_add(1)
        .ok_or(error::ARITHMETIC_OVERFLOW)?;
    // SAFETY: the account holds LEN bytes, the args key::LEN.
    unsafe { sys::copy(key_acc.at(vk::KEY), input.args(), key::LEN) };
    wr_u32(key_acc.at(vk::VERSION), version);
    let mut hash = [0u8; 32];
    sys::keccak(&[Slice::new(input.args(), key::LEN)], &mut hash);
    const LEN: usize = 8 + 64 + 4;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_VERIFYING_KEY_SET,
    );
    e.put(oracle_acc.key(), 32);
    e.put(hash.as_ptr(), 32);
    e.put(key_acc.at(vk::VERSION), 4);
    e.emit();
    Ok(())
}

/// Creates the VerifyingKey account at its PDA; the admin pays the rent.
#[inline(never)]
fn create_key_account(
    input: &Input,
    oracle_acc: Account,
    key_acc: Account,
    admin: Account,
) -> Result<()> {
    let mut bump = [0u8; 1];
    let mut seeds = [
        Slice::new(vk::SEED.as_ptr(), vk::SEED.len()),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(bump.as_ptr(), 1),
    ];
    bump[0] = sys::find_program_address(&seeds[..2], input.program_id, key_acc.key())
        .ok_or(error::WRONG_PDA)?;
    seeds[2] = Slice::new(bump.as_ptr(), 1);
    if !key_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) || key_acc.data_len() != 0 {
        return Err(error::WRONG_OWNER);
    }
    p::init_account(&Init {
        payer: admin,
        account: key_acc,
        lamports: sys::minimum_balance(vk::LEN as u64)?,
        space: vk::LEN as u64,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    // SAFETY: the account now holds LEN bytes.
    unsafe {
        sys::copy(key_acc.data(), state::ACCOUNT_VERIFYING_KEY.as_ptr(), 8);
        sys::copy(key_acc.at(vk::ORACLE), oracle_acc.key(), 32);
        *key_acc.at(vk::BUMP) = bump[0];
    }
    Ok(())
}

/// This oracle's VerifyingKey account (its address pinned as the enclave's is, see `processor::load_enclave`).
fn load_key(oracle_acc: Account, key_acc: Account) -> Result<()> {
    if !key_acc.has_type(&state::ACCOUNT_VERIFYING_KEY, vk::LEN) {
        return Err(error::WRONG_ACCOUNT_TYPE);
    }
    if !eq32(key_acc.at(vk::ORACLE), oracle_acc.key()) {
        return Err(error::WRONG_ORACLE);
    }
    Ok(())
}

/// `verify_threshold(proof_a, proof_b, proof_c, threshold: u16, scope: [u8; 32], nullifier: [u8; 32],
/// spend: bool)`: succeeds only if the proof shows that the score committed in the subject's Score account is
/// at least `threshold`, for `scope` and `nullifier` (32-byte big-endian field elements). The stored assessment
/// must still count: not past its expiry (`AssessmentExpired`) and signed by enough active enclaves
/// (`EnclaveRevoked`, the rule of `score_status`). With `spend`, the nullifier is spent for `authority`: a
/// Nullifier account at `["nullifier", oracle, authority, nullifier]` is created (the authority pays its rent),
/// and a second spend fails (`NullifierSpent`).
///
/// ### Accounts
/// oracle, score, verifying_key, nullifier (writable), authority (signer, writable), system_program; then the
/// enclave account of each of the score's signers, in the score's order. Without `spend` the nullifier,
/// authority and system_program accounts are not read (any account will do, none need sign).
#[inline(never)]
pub fn verify_threshold(input: &Input) -> Result<()> {
    input.require_args_len(va::LEN)?;
    input.require_accounts(vacc::FIXED)?;
    let (oracle_acc, score_acc, key_acc) = (input.account(0), input.account(1), input.account(2));
    let args = input.args();
    // SAFETY: the args are va::LEN bytes.
    let spend = unsafe { *args.add(va::SPEND) };
    if spend > 1 {
        return Err(error::INVALID_INSTRUCTION_DATA);
    }
    if spend == 1 {
        input.account(3).require_writable()?;
        input.account(4).require_signer()?;
        input.account(4).require_writable()?;
        input.account(5).require_system_program()?;
    }
    p::load_oracle(input, oracle_acc)?;
    quorum::load_score(input, oracle_acc, score_acc)?;
    if !key_acc.owned_by(input.program_id) {
        return Err(error::WRONG_OWNER);
    }
    load_key(oracle_acc, key_acc)?;
    let now = sys::clock().unix_timestamp;
    if now > rd_i64(score_acc.at(score::EXPIRY)) {
        return Err(error::ASSESSMENT_EXPIRED);
    }
    if !quorum::still_counts(input, oracle_acc, score_acc, vacc::FIXED)? {
        return Err(error::ENCLAVE_REVOKED);
    }
    let mut inputs = [[0u8; 32]; PUBLIC_INPUTS];
    public_inputs(args, score_acc, &mut inputs)?;
    let bump = if spend == 1 {
        Some(check_nullifier(input, oracle_acc)?)
    } else {
        None
    };
    // SAFETY: the args start with the proof (va::PROOF).
    groth16::verify(key_acc.at(vk::KEY), unsafe { args.add(va::PROOF) }, &inputs)?;
    if let Some(bump) = bump {
        spend_nullifier(input, oracle_acc, score_acc, bump, now)?;
    }
    Ok(())
}

/// The circuit's public inputs in its order, 32-byte big-endian each: the Score's commitment, the threshold,
/// the Score subject's high and low 128 bits, the scope and the nullifier. Each must be below the scalar field
/// order (`PublicInputOutOfField(<index>)`): the limbs and the threshold always are.
#[inline(never)]
fn public_inputs(
    args: *const u8,
    score_acc: Account,
    inputs: &mut [[u8; 32]; PUBLIC_INPUTS],
) -> Result<()> {
    let subject = score_acc.at(score::SUBJECT);
    // SAFETY: the score holds LEN bytes and the args va::LEN; each copy is 32 or 16 bytes into 32.
    unsafe {
        sys::copy(
            inputs[0].as_mut_ptr(),
            score_acc.at(score::SCORE + fa::COMMITMENT),
            32,
        );
        let threshold = rd_u16(args.add(va::THRESHOLD)).to_be_bytes();
        inputs[1][30] = threshold[0];
        inputs[1][31] = threshold[1];
        sys::copy(inputs[2].as_mut_ptr().add(16), subject, 16);
        sys::copy(inputs[3].as_mut_ptr().add(16), subject.add(16), 16);
        sys::copy(inputs[4].as_mut_ptr(), args.add(va::SCOPE), 32);
        sys::copy(inputs[5].as_mut_ptr(), args.add(va::NULLIFIER), 32);
    }
    let mut i = 0;
    while i < PUBLIC_INPUTS {
        if !groth16::below(inputs[i].as_ptr(), &groth16::R) {
            error::log_numbers(error::PUBLIC_INPUT_OUT_OF_FIELD, &[i as u64]);
            return Err(error::PUBLIC_INPUT_OUT_OF_FIELD);
        }
        i += 1;
    }
    Ok(())
}

/// The nullifier account is the PDA of this oracle, authority and nullifier, and not spent yet: its bump.
#[inline(never)]
fn check_nullifier(input: &Input, oracle_acc: Account) -> Result<u8> {
    let (nullifier_acc, authority) = (input.account(3), input.account(4));
    // SAFETY: the args are va::LEN bytes.
    let value = unsafe { input.args().add(va::NULLIFIER) };
    let seeds = [
        Slice::new(nullifier::SEED.as_ptr(), nullifier::SEED.len()),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(authority.key(), 32),
        Slice::new(value, 32),
    ];
    let bump = sys::find_program_address(&seeds, input.program_id, nullifier_acc.key())
        .ok_or(error::WRONG_PDA)?;
    if nullifier_acc.owned_by(input.program_id) {
        return Err(error::NULLIFIER_SPENT);
    }
    if !nullifier_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) || nullifier_acc.data_len() != 0 {
        return Err(error::WRONG_OWNER);
    }
    Ok(bump)
}

/// Creates the Nullifier account (the authority pays its rent) and records who spent what, when.
#[inline(never)]
fn spend_nullifier(
    input: &Input,
    oracle_acc: Account,
    score_acc: Account,
    bump: u8,
    now: i64,
) -> Result<()> {
    let (nullifier_acc, authority) = (input.account(3), input.account(4));
    let args = input.args();
    // SAFETY: the args are va::LEN bytes.
    let value = unsafe { args.add(va::NULLIFIER) };
    let bump = [bump];
    let seeds = [
        Slice::new(nullifier::SEED.as_ptr(), nullifier::SEED.len()),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(authority.key(), 32),
        Slice::new(value, 32),
        Slice::new(bump.as_ptr(), 1),
    ];
    p::init_account(&Init {
        payer: authority,
        account: nullifier_acc,
        lamports: sys::minimum_balance(nullifier::LEN as u64)?,
        space: nullifier::LEN as u64,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    // SAFETY: the account now holds LEN bytes; the sources are 8 or 32 readable bytes.
    unsafe {
        sys::copy(nullifier_acc.data(), state::ACCOUNT_NULLIFIER.as_ptr(), 8);
        sys::copy(nullifier_acc.at(nullifier::ORACLE), oracle_acc.key(), 32);
        sys::copy(nullifier_acc.at(nullifier::AUTHORITY), authority.key(), 32);
        sys::copy(nullifier_acc.at(nullifier::NULLIFIER), value, 32);
        sys::copy(
            nullifier_acc.at(nullifier::SUBJECT),
            score_acc.at(score::SUBJECT),
            32,
        );
        sys::copy(nullifier_acc.at(nullifier::SCOPE), args.add(va::SCOPE), 32);
        *nullifier_acc.at(nullifier::BUMP) = bump[0];
    }
    wr_i64(nullifier_acc.at(nullifier::SPENT_AT), now);
    Ok(())
}
