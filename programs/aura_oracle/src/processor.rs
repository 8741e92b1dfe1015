//! The instructions (docs/solana.md, "Instructions"). Checks run in this order: instruction data, account
//! count, signer and writable flags, the system program and sysvar accounts, owners and discriminators,
//! oracle membership and authority, then each instruction's own rules (the PDA of an account it creates among
//! them). The quorum's instructions are in `quorum.rs`, over the checks here.

use crate::error::{self, Result};
use crate::input::{Account, Input, SYSTEM_PROGRAM};
use crate::quorum;
use crate::update;
use crate::state::{
    self, enclave, fulfil_args as fa, oracle, request, request_counter, score, slot_hashes, PRIVATE_TIER,
};
use crate::sys::{
    self, eq32, is_zero, rd_i64, rd_u16, rd_u32, rd_u64, wr_i64, wr_u32, wr_u64, Slice,
};
use crate::zk;

/// Half the secp256k1 group order, big-endian: a signature's `s` must not exceed it.
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

const fn disc(d: [u8; 8]) -> u64 {
    u64::from_le_bytes(d)
}

pub fn process(input: &Input) -> Result<()> {
    if input.data_len < 8 {
        return Err(error::UNKNOWN_INSTRUCTION);
    }
    let d = rd_u64(input.data);
    if d == disc(state::IX_FULFIL) {
        sys::log_str(b"Instruction: Fulfil");
        fulfil(input)
    } else if d == disc(state::IX_REQUEST_ASSESSMENT) {
        sys::log_str(b"Instruction: RequestAssessment");
        request_assessment(input, false)
    } else if d == disc(state::IX_REQUEST_PRIVATE_ASSESSMENT) {
        sys::log_str(b"Instruction: RequestPrivateAssessment");
        request_assessment(input, true)
    } else if d == disc(state::IX_REPIN) {
        sys::log_str(b"Instruction: Repin");
        repin(input)
    } else if d == disc(state::IX_CANCEL) {
        sys::log_str(b"Instruction: Cancel");
        cancel(input)
    } else if d == disc(state::IX_REGISTER_ENCLAVE) {
        sys::log_str(b"Instruction: RegisterEnclave");
        register_enclave(input)
    } else if d == disc(state::IX_REVOKE_ENCLAVE) {
        sys::log_str(b"Instruction: RevokeEnclave");
        revoke_enclave(input)
    } else if d == disc(state::IX_INITIALIZE) {
        sys::log_str(b"Instruction: Initialize");
        initialize(input)
    } else if d == disc(state::IX_FULFIL_QUORUM) {
        sys::log_str(b"Instruction: FulfilQuorum");
        quorum::fulfil_quorum(input)
    } else if d == disc(state::IX_SCORE_STATUS) {
        sys::log_str(b"Instruction: ScoreStatus");
        quorum::score_status(input)
    } else if d == disc(state::IX_VERIFY_THRESHOLD) {
        sys::log_str(b"Instruction: VerifyThreshold");
        zk::verify_threshold(input)
    } else if d == disc(state::IX_SET_VERIFYING_KEY) {
        sys::log_str(b"Instruction: SetVerifyingKey");
        zk::set_verifying_key(input)
    } else if d == disc(state::IX_SET_THRESHOLD) {
        sys::log_str(b"Instruction: SetThreshold");
        quorum::set_threshold(input)
    } else if d == disc(state::IX_UPDATE) {
        sys::log_str(b"Instruction: Update");
        update::update(input)
    } else {
        Err(error::UNKNOWN_INSTRUCTION)
    }
}

// ---------------------------------------------------------------------------------------------- initialize

#[inline(never)]
fn initialize(input: &Input) -> Result<()> {
    input.require_args_len(24)?;
    input.require_accounts(3)?;
    let (oracle_acc, admin, system_program) =
        (input.account(0), input.account(1), input.account(2));
    oracle_acc.require_signer()?;
    oracle_acc.require_writable()?;
    admin.require_signer()?;
    admin.require_writable()?;
    system_program.require_system_program()?;
    let args = input.args();
    let fee = rd_u64(args);
    // SAFETY: the args are 16 bytes.
    let ttl = rd_i64(unsafe { args.add(8) });
    // SAFETY: the args are 24 bytes.
    let cluster_id = rd_u64(unsafe { args.add(16) });
    if !(1..=oracle::MAX_REQUEST_TTL_S).contains(&ttl) {
        return Err(error::INVALID_REQUEST_TTL);
    }
    if cluster_id == 0 {
        return Err(error::INVALID_CLUSTER_ID);
    }
    if oracle_acc.lamports() != 0 || oracle_acc.data_len() != 0 {
        return Err(error::ALREADY_INITIALIZED);
    }
    let rent = sys::minimum_balance(oracle::LEN as u64)?;
    init_account(&Init {
        payer: admin,
        account: oracle_acc,
        lamports: rent,
        space: oracle::LEN as u64,
        program_id: input.program_id,
        seeds: &[],
    })?;
    // SAFETY: the account now holds LEN bytes.
    unsafe {
        sys::copy(oracle_acc.data(), state::ACCOUNT_ORACLE.as_ptr(), 8);
        sys::copy(oracle_acc.at(oracle::ADMIN), admin.key(), 32);
    }
    wr_u64(oracle_acc.at(oracle::FEE_LAMPORTS), fee);
    wr_i64(oracle_acc.at(oracle::REQUEST_TTL_S), ttl);
    wr_u64(oracle_acc.at(oracle::CLUSTER_ID), cluster_id);
    // SAFETY: within the account's data.
    unsafe { *oracle_acc.at(oracle::LAYOUT_VERSION) = oracle::CURRENT_LAYOUT };
    Ok(())
}

// ------------------------------------------------------------------------------------------------ enclaves

#[inline(never)]
fn register_enclave(input: &Input) -> Result<()> {
    input.require_args_len(128)?;
    input.require_accounts(4)?;
    let (oracle_acc, enclave_acc, admin, system_program) = (
        input.account(0),
        input.account(1),
        input.account(2),
        input.account(3),
    );
    enclave_acc.require_writable()?;
    admin.require_signer()?;
    admin.require_writable()?;
    system_program.require_system_program()?;
    load_oracle(input, oracle_acc)?;
    if !eq32(oracle_acc.at(oracle::ADMIN), admin.key()) {
        return Err(error::UNAUTHORIZED);
    }
    let public_key = input.args();
    // SAFETY: the args are 128 bytes.
    let (measurement, payee) = unsafe { (public_key.add(64), public_key.add(96)) };
    if is_zero(public_key, 64) {
        return Err(error::INVALID_ENCLAVE_KEY);
    }
    if is_zero(measurement, 32) {
        return Err(error::ZERO_MEASUREMENT);
    }
    let mut hash = [0u8; 32];
    sys::keccak(&[Slice::new(public_key, 64)], &mut hash);
    // SAFETY: the address is the hash's last 20 bytes.
    let address = unsafe { hash.as_ptr().add(12) };
    let mut bump = [0u8; 1];
    let mut seeds = [
        Slice::new(enclave::SEED.as_ptr(), 7),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(address, 20),
        Slice::new(bump.as_ptr(), 1),
    ];
    bump[0] = sys::find_program_address(&seeds[..3], input.program_id, enclave_acc.key())
        .ok_or(error::WRONG_PDA)?;
    seeds[3] = Slice::new(bump.as_ptr(), 1);
    if enclave_acc.owned_by(input.program_id) {
        return Err(error::ENCLAVE_ALREADY_REGISTERED);
    }
    if !enclave_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) || enclave_acc.data_len() != 0 {
        return Err(error::WRONG_OWNER);
    }
    let rent = sys::minimum_balance(enclave::LEN as u64)?;
    init_account(&Init {
        payer: admin,
        account: enclave_acc,
        lamports: rent,
        space: enclave::LEN as u64,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    let now = sys::clock().unix_timestamp;
    // SAFETY: the account now holds LEN bytes; the sources are 8, 32, 64, 20, 32 and 32 readable bytes.
    unsafe {
        sys::copy(enclave_acc.data(), state::ACCOUNT_ENCLAVE.as_ptr(), 8);
        sys::copy(enclave_acc.at(enclave::ORACLE), oracle_acc.key(), 32);
        sys::copy(enclave_acc.at(enclave::PUBLIC_KEY), public_key, 64);
        sys::copy(enclave_acc.at(enclave::ADDRESS), address, 20);
        sys::copy(enclave_acc.at(enclave::MEASUREMENT), measurement, 32);
        sys::copy(enclave_acc.at(enclave::PAYEE), payee, 32);
        *enclave_acc.at(enclave::ACTIVE) = 1;
        *enclave_acc.at(enclave::BUMP) = bump[0];
    }
    wr_i64(enclave_acc.at(enclave::REGISTERED_AT), now);
    wr_i64(enclave_acc.at(enclave::REVOKED_AT), 0);
    emit_enclave(
        state::EVENT_ENCLAVE_REGISTERED,
        oracle_acc,
        enclave_acc,
        true,
    );
    Ok(())
}

#[inline(never)]
fn revoke_enclave(input: &Input) -> Result<()> {
    input.require_args_len(0)?;
    input.require_accounts(3)?;
    let (oracle_acc, enclave_acc, admin) = (input.account(0), input.account(1), input.account(2));
    enclave_acc.require_writable()?;
    admin.require_signer()?;
    load_oracle(input, oracle_acc)?;
    if !eq32(oracle_acc.at(oracle::ADMIN), admin.key()) {
        return Err(error::UNAUTHORIZED);
    }
    load_enclave(input, oracle_acc, enclave_acc)?;
    // SAFETY: the enclave holds LEN bytes (load_enclave).
    unsafe {
        if *enclave_acc.at(enclave::ACTIVE) != 1 {
            return Err(error::ENCLAVE_NOT_ACTIVE);
        }
        *enclave_acc.at(enclave::ACTIVE) = 0;
    }
    wr_i64(
        enclave_acc.at(enclave::REVOKED_AT),
        sys::clock().unix_timestamp,
    );
    emit_enclave(state::EVENT_ENCLAVE_REVOKED, oracle_acc, enclave_acc, false);
    Ok(())
}

// ------------------------------------------------------------------------------------------------ requests

/// `request_assessment` and `request_private_assessment` (`private`): the same args and accounts; the request
/// keeps which one it was (`request::PRIVATE`), and its event says it. A private request is fulfilled only by the
/// private form of the assessment (tier `PRIVATE_TIER`, score 0, PD 0: `check_assessment`), so the Score keeps
/// the commitment to the score and not the score.
///
/// The request is numbered by the requester's own counter (created by its first request), not by the oracle:
/// the oracle is only read, so requests of different requesters share no writable account.
#[inline(never)]
fn request_assessment(input: &Input, private: bool) -> Result<()> {
    if input.data_len < 8 + 36 {
        return Err(error::INVALID_INSTRUCTION_DATA);
    }
    let subject = input.args();
    // SAFETY: the args hold at least 36 bytes.
    let params = unsafe { subject.add(32) };
    let params_len = rd_u32(params) as usize;
    input.require_args_len(36 + params_len)?;
    input.require_accounts(5)?;
    let (oracle_acc, counter_acc, request_acc, requester, system_program) = (
        input.account(0),
        input.account(1),
        input.account(2),
        input.account(3),
        input.account(4),
    );
    counter_acc.require_writable()?;
    request_acc.require_writable()?;
    requester.require_signer()?;
    requester.require_writable()?;
    system_program.require_system_program()?;
    load_oracle(input, oracle_acc)?;
    if is_zero(subject, 32) {
        return Err(error::ZERO_SUBJECT);
    }
    if params_len > request::MAX_PARAMS {
        return Err(error::PARAMS_TOO_LONG);
    }
    let nonce = load_or_create_counter(input, oracle_acc, counter_acc, requester)?;
    let nonce_le = nonce.to_le_bytes();
    let mut bump = [0u8; 1];
    let mut seeds = [
        Slice::new(request::SEED.as_ptr(), 7),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(requester.key(), 32),
        Slice::new(nonce_le.as_ptr(), 8),
        Slice::new(bump.as_ptr(), 1),
    ];
    bump[0] = sys::find_program_address(&seeds[..4], input.program_id, request_acc.key())
        .ok_or(error::WRONG_PDA)?;
    seeds[4] = Slice::new(bump.as_ptr(), 1);
    if request_acc.data_len() != 0 || !request_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) {
        return Err(error::ALREADY_INITIALIZED);
    }
    let clock = sys::clock();
    let expires_at = clock
        .unix_timestamp
        .checked_add(rd_i64(oracle_acc.at(oracle::REQUEST_TTL_S)))
        .ok_or(error::ARITHMETIC_OVERFLOW)?;
    let fee = rd_u64(oracle_acc.at(oracle::FEE_LAMPORTS));
    let space = (request::BASE_LEN + params_len) as u64;
    let rent = sys::minimum_balance(space)?;
    // The requester pays the fee in full and whatever rent a pre-funded account still lacks.
    let held = request_acc.lamports();
    let base = if held > rent { held } else { rent };
    let lamports = base.checked_add(fee).ok_or(error::ARITHMETIC_OVERFLOW)?;
    let next_nonce = nonce.checked_add(1).ok_or(error::ARITHMETIC_OVERFLOW)?;
    init_account(&Init {
        payer: requester,
        account: request_acc,
        lamports,
        space,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    // SAFETY: the account now holds `space` bytes; the sources are readable for the lengths copied.
    unsafe {
        sys::copy(request_acc.data(), state::ACCOUNT_REQUEST.as_ptr(), 8);
        sys::copy(request_acc.at(request::ORACLE), oracle_acc.key(), 32);
        sys::copy(request_acc.at(request::REQUESTER), requester.key(), 32);
        sys::copy(request_acc.at(request::SUBJECT), subject, 32);
        sys::copy(request_acc.at(request::PARAMS_LEN), params, 4 + params_len);
        *request_acc.at(request::STATUS) = request::PENDING;
        *request_acc.at(request::BUMP) = bump[0];
        *request_acc.at(request::PRIVATE) = private as u8;
    }
    wr_u64(request_acc.at(request::NONCE), nonce);
    wr_u64(request_acc.at(request::FEE), fee);
    wr_u64(request_acc.at(request::CREATED_SLOT), clock.slot);
    wr_u64(request_acc.at(request::PINNED_SLOT), clock.slot);
    wr_i64(request_acc.at(request::CREATED_AT), clock.unix_timestamp);
    wr_i64(request_acc.at(request::EXPIRES_AT), expires_at);
    wr_u64(counter_acc.at(request_counter::NEXT_NONCE), next_nonce);
    emit_requested(oracle_acc, request_acc, params_len);
    Ok(())
}

/// The requester's next request number on this oracle, from its counter; a counter not yet made is created at
/// its PDA (the requester pays its rent once) and starts at 0. An existing counter is not derived again: the
/// program creates counters only at their PDA, so its owner, discriminator and the oracle and requester it
/// stores pin its address.
#[inline(never)]
fn load_or_create_counter(
    input: &Input,
    oracle_acc: Account,
    counter_acc: Account,
    requester: Account,
) -> Result<u64> {
    if counter_acc.data_len() != 0 || !counter_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) {
        if !counter_acc.owned_by(input.program_id) {
            return Err(error::WRONG_OWNER);
        }
        if !counter_acc.has_type(&state::ACCOUNT_REQUEST_COUNTER, request_counter::LEN) {
            return Err(error::WRONG_ACCOUNT_TYPE);
        }
        if !eq32(counter_acc.at(request_counter::ORACLE), oracle_acc.key()) {
            return Err(error::WRONG_ORACLE);
        }
        if !eq32(counter_acc.at(request_counter::REQUESTER), requester.key()) {
            return Err(error::REQUESTER_MISMATCH);
        }
        return Ok(rd_u64(counter_acc.at(request_counter::NEXT_NONCE)));
    }
    let mut bump = [0u8; 1];
    let mut seeds = [
        Slice::new(request_counter::SEED.as_ptr(), 7),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(requester.key(), 32),
        Slice::new(bump.as_ptr(), 1),
    ];
    bump[0] = sys::find_program_address(&seeds[..3], input.program_id, counter_acc.key())
        .ok_or(error::WRONG_PDA)?;
    seeds[3] = Slice::new(bump.as_ptr(), 1);
    let space = request_counter::LEN as u64;
    init_account(&Init {
        payer: requester,
        account: counter_acc,
        lamports: sys::minimum_balance(space)?,
        space,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    // SAFETY: the account now holds LEN bytes.
    unsafe {
        sys::copy(counter_acc.data(), state::ACCOUNT_REQUEST_COUNTER.as_ptr(), 8);
        sys::copy(counter_acc.at(request_counter::ORACLE), oracle_acc.key(), 32);
        sys::copy(counter_acc.at(request_counter::REQUESTER), requester.key(), 32);
        *counter_acc.at(request_counter::BUMP) = bump[0];
    }
    wr_u64(counter_acc.at(request_counter::NEXT_NONCE), 0);
    Ok(0)
}

#[inline(never)]
fn cancel(input: &Input) -> Result<()> {
    input.require_args_len(0)?;
    input.require_accounts(3)?;
    let (oracle_acc, request_acc, requester) =
        (input.account(0), input.account(1), input.account(2));
    request_acc.require_writable()?;
    requester.require_signer()?;
    requester.require_writable()?;
    load_oracle(input, oracle_acc)?;
    load_request(input, oracle_acc, request_acc)?;
    if !eq32(requester.key(), request_acc.at(request::REQUESTER)) {
        return Err(error::NOT_REQUESTER);
    }
    if sys::clock().unix_timestamp <= rd_i64(request_acc.at(request::EXPIRES_AT)) {
        return Err(error::NOT_EXPIRED);
    }
    emit_cancelled(oracle_acc, request_acc, requester);
    let held = request_acc.lamports();
    requester.set_lamports(
        requester
            .lamports()
            .checked_add(held)
            .ok_or(error::ARITHMETIC_OVERFLOW)?,
    );
    request_acc.close();
    Ok(())
}

/// Moves a pending request's pinned slot to the current slot once its old one has left SlotHashes (older
/// than the sysvar's oldest entry), so that it can still be fulfilled. Anyone may send it.
#[inline(never)]
fn repin(input: &Input) -> Result<()> {
    input.require_args_len(0)?;
    input.require_accounts(3)?;
    let (oracle_acc, request_acc, sysvar) = (input.account(0), input.account(1), input.account(2));
    request_acc.require_writable()?;
    require_slot_hashes(sysvar)?;
    load_oracle(input, oracle_acc)?;
    load_request(input, oracle_acc, request_acc)?;
    let clock = sys::clock();
    if clock.unix_timestamp > rd_i64(request_acc.at(request::EXPIRES_AT)) {
        return Err(error::REQUEST_EXPIRED);
    }
    let pinned = rd_u64(request_acc.at(request::PINNED_SLOT));
    let count = slot_hash_count(sysvar);
    if count == 0 || pinned >= entry_slot(sysvar, count - 1) {
        return Err(error::PIN_STILL_RECENT);
    }
    wr_u64(request_acc.at(request::PINNED_SLOT), clock.slot);
    emit_repinned(oracle_acc, request_acc, pinned);
    Ok(())
}

// ------------------------------------------------------------------------------------------------- fulfil

#[inline(never)]
fn fulfil(input: &Input) -> Result<()> {
    input.require_args_len(fa::LEN)?;
    input.require_accounts(9)?;
    let oracle_acc = input.account(0);
    let request_acc = input.account(1);
    let enclave_acc = input.account(2);
    let score_acc = input.account(3);
    let requester = input.account(4);
    let transmitter = input.account(5);
    let payee = input.account(7);
    let sysvar = input.account(8);
    request_acc.require_writable()?;
    score_acc.require_writable()?;
    requester.require_writable()?;
    transmitter.require_signer()?;
    transmitter.require_writable()?;
    payee.require_writable()?;
    input.account(6).require_system_program()?;
    require_slot_hashes(sysvar)?;
    load_oracle(input, oracle_acc)?;
    load_request(input, oracle_acc, request_acc)?;
    if !eq32(requester.key(), request_acc.at(request::REQUESTER)) {
        return Err(error::REQUESTER_MISMATCH);
    }
    load_enclave(input, oracle_acc, enclave_acc)?;
    let threshold = quorum::threshold(oracle_acc);
    if threshold > 1 {
        error::log_numbers(error::QUORUM_NOT_MET, &[1, threshold as u64]);
        return Err(error::QUORUM_NOT_MET);
    }
    // SAFETY: the enclave holds LEN bytes (load_enclave).
    if unsafe { *enclave_acc.at(enclave::ACTIVE) } != 1 {
        return Err(error::ENCLAVE_REVOKED);
    }
    if !eq32(payee.key(), enclave_acc.at(enclave::PAYEE)) {
        return Err(error::PAYEE_MISMATCH);
    }
    let target = Target::of_request(request_acc);
    let score_bump = check_score_account(input, oracle_acc, target.subject, score_acc)?;
    let clock = sys::clock();
    let args = input.args();
    check_assessment(args, clock.unix_timestamp, &target)?;
    // SAFETY: the args are LEN bytes; the enclave holds LEN bytes.
    if !eq32(
        unsafe { args.add(fa::MEASUREMENT) },
        enclave_acc.at(enclave::MEASUREMENT),
    ) {
        return Err(error::MEASUREMENT_MISMATCH);
    }
    check_pinned_slot(args, &target, sysvar)?;
    verify_signature(input, oracle_acc, &target, enclave_acc)?;

    let accounts = FulfilAccounts {
        oracle: oracle_acc,
        id: target.id,
        subject: target.subject,
        enclave: enclave_acc,
        score: score_acc,
        transmitter,
    };
    // `stored`: this assessment becomes the subject's score; `replaced`: it overwrites an earlier one.
    let (stored, replaced) = match score_bump {
        Some(bump) => {
            create_score(input, &accounts, bump, clock.unix_timestamp, score::LEN)?;
            (true, false)
        }
        // SAFETY: the args are LEN bytes.
        None => {
            let newer =
                rd_i64(unsafe { args.add(fa::TIMESTAMP) }) >= rd_i64(score_acc.at(score::ASSESSED_AT));
            (newer, newer)
        }
    };
    if stored {
        if score_acc.data_len() != score::LEN {
            score_acc.set_data_len(score::LEN); // a quorum's signers no longer describe the stored assessment
        }
        write_score(input, &accounts, &clock)?;
    }
    emit_fulfilled(input, &accounts, replaced);

    // The fee to the enclave's payee, everything else (the rent) back to the requester; then close.
    let held = request_acc.lamports();
    let fee = rd_u64(request_acc.at(request::FEE));
    let refund = held.checked_sub(fee).ok_or(error::ARITHMETIC_OVERFLOW)?;
    payee.set_lamports(
        payee
            .lamports()
            .checked_add(fee)
            .ok_or(error::ARITHMETIC_OVERFLOW)?,
    );
    requester.set_lamports(
        requester
            .lamports()
            .checked_add(refund)
            .ok_or(error::ARITHMETIC_OVERFLOW)?,
    );
    request_acc.close();
    Ok(())
}

/// What an assessment answers: a pending request (its account), or an operator's update (no account: its id is
/// derived from the oracle, the subject and the assessment's timestamp, `update::update_id`).
pub(crate) struct Target {
    /// The request account's address, or the update id: what the payload names as `request` and the Score keeps.
    pub id: *const u8,
    pub subject: *const u8,
    /// The request's `expires_at`; `i64::MAX` for an update, which has no request to expire.
    pub expires_at: i64,
    /// Whether the request is private; an update never is.
    pub private: bool,
    /// The request's `pinned_slot`, which the signed slot must be; `None` for an update, whose signed slot need
    /// only be in SlotHashes with the signed hash.
    pub pinned_slot: Option<u64>,
}

impl Target {
    /// A pending request of this oracle (`load_request` checked it).
    pub fn of_request(request_acc: Account) -> Target {
        Target {
            id: request_acc.key(),
            subject: request_acc.at(request::SUBJECT),
            expires_at: rd_i64(request_acc.at(request::EXPIRES_AT)),
            // SAFETY: the request holds BASE_LEN bytes (load_request).
            private: unsafe { *request_acc.at(request::PRIVATE) } != 0,
            pinned_slot: Some(rd_u64(request_acc.at(request::PINNED_SLOT))),
        }
    }
}

/// The request's expiry, the privacy, range and time checks of `fulfil`'s args. A private request takes only
/// the private form (tier `PRIVATE_TIER`, score 0, PD 0); a public one (and an update) any other tier, and the
/// ranges.
#[inline(never)]
pub(crate) fn check_assessment(args: *const u8, now: i64, target: &Target) -> Result<()> {
    if now > target.expires_at {
        return Err(error::REQUEST_EXPIRED);
    }
    // SAFETY: the args are fa::LEN bytes.
    unsafe {
        let (score, tier, pd) = (
            rd_u16(args.add(fa::SCORE)),
            *args.add(fa::TIER),
            rd_u16(args.add(fa::PD_BPS)),
        );
        if target.private {
            if tier != PRIVATE_TIER || score != 0 || pd != 0 {
                return Err(error::PRIVACY_MISMATCH);
            }
        } else {
            if tier == PRIVATE_TIER {
                return Err(error::PRIVACY_MISMATCH);
            }
            if score > 1000 {
                return Err(error::SCORE_OUT_OF_RANGE);
            }
            if tier > 2 {
                return Err(error::TIER_OUT_OF_RANGE);
            }
            if pd > 10_000 {
                return Err(error::PD_OUT_OF_RANGE);
            }
        }
        if rd_i64(args.add(fa::TIMESTAMP)) > now {
            return Err(error::ASSESSMENT_FROM_FUTURE);
        }
        if now > rd_i64(args.add(fa::EXPIRY)) {
            return Err(error::ASSESSMENT_EXPIRED);
        }
    }
    Ok(())
}

/// The SlotHashes sysvar account, by its address.
pub(crate) fn require_slot_hashes(sysvar: Account) -> Result<()> {
    if eq32(sysvar.key(), slot_hashes::ID.as_ptr()) && sysvar.data_len() >= slot_hashes::ENTRIES {
        Ok(())
    } else {
        Err(error::WRONG_SYSVAR)
    }
}

/// How many entries the SlotHashes data holds (the count it states, bounded by its length).
fn slot_hash_count(sysvar: Account) -> usize {
    let stated = rd_u64(sysvar.data()) as usize;
    let room = (sysvar.data_len() - slot_hashes::ENTRIES) / slot_hashes::ENTRY_LEN;
    if stated < room {
        stated
    } else {
        room
    }
}

/// The slot of SlotHashes entry `i` (`i` below the count).
fn entry_slot(sysvar: Account, i: usize) -> u64 {
    rd_u64(sysvar.at(slot_hashes::ENTRIES + i * slot_hashes::ENTRY_LEN))
}

/// The hash SlotHashes holds for `slot`: a binary search of the entries, which are newest first.
#[inline(never)]
fn find_slot_hash(sysvar: Account, slot: u64) -> Option<*const u8> {
    let (mut lo, mut hi) = (0usize, slot_hash_count(sysvar));
    while lo < hi {
        let mid = (lo + hi) / 2;
        let at = entry_slot(sysvar, mid);
        if at == slot {
            return Some(sysvar.at(slot_hashes::ENTRIES + mid * slot_hashes::ENTRY_LEN + 8));
        }
        if at > slot {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    None
}

/// The signed slot is the request's pinned slot (an update has none), and the signed slot hash is the one
/// SlotHashes holds.
#[inline(never)]
pub(crate) fn check_pinned_slot(args: *const u8, target: &Target, sysvar: Account) -> Result<()> {
    // SAFETY: the args are fa::LEN bytes.
    let slot = rd_u64(unsafe { args.add(fa::SLOT) });
    if let Some(pinned) = target.pinned_slot {
        if slot != pinned {
            return Err(error::SLOT_MISMATCH);
        }
    }
    let hash = find_slot_hash(sysvar, slot).ok_or(error::SLOT_HASH_UNKNOWN)?;
    // SAFETY: as above; the entry's hash is 32 bytes.
    if !eq32(unsafe { args.add(fa::SLOT_HASH) }, hash) {
        return Err(error::SLOT_HASH_MISMATCH);
    }
    Ok(())
}

/// Rebuilds the signed payload in pieces (no copy), hashes it, recovers the signer and compares it with
/// the enclave's key.
#[inline(never)]
fn verify_signature(
    input: &Input,
    oracle_acc: Account,
    target: &Target,
    enclave_acc: Account,
) -> Result<()> {
    let mut hash = [0u8; 32];
    payload_hash(input, oracle_acc, target, &mut hash);
    // SAFETY: the args are fa::LEN bytes: the signature is their last 65.
    check_signature(
        &hash,
        unsafe { input.args().add(fa::SIGNATURE) },
        enclave_acc,
    )
}

/// Writes keccak256 of the signed payload (docs/solana.md) to `hash`, rebuilt in pieces from the oracle's
/// cluster id, the program id, the oracle account, the target's id and subject and the args' signed fields
/// (their first `fa::SIGNED_LEN` bytes, the same in `fulfil`, `fulfil_quorum` and `update`).
#[inline(never)]
pub(crate) fn payload_hash(input: &Input, oracle_acc: Account, target: &Target, hash: &mut [u8; 32]) {
    let parts = [
        Slice::new(state::PAYLOAD_PREFIX.as_ptr(), 23),
        Slice::new(oracle_acc.at(oracle::CLUSTER_ID), 8),
        Slice::new(input.program_id, 32),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(target.id, 32),
        Slice::new(target.subject, 32),
        Slice::new(input.args(), fa::SIGNED_LEN),
    ];
    sys::keccak(&parts, hash);
}

/// The 65-byte signature at `signature` (`r || s || recovery_id`, `s` low) over `hash` recovers the enclave's
/// key.
#[inline(never)]
pub(crate) fn check_signature(
    hash: &[u8; 32],
    signature: *const u8,
    enclave_acc: Account,
) -> Result<()> {
    // SAFETY: the signature is 65 bytes.
    let recovery_id = unsafe { *signature.add(64) };
    if recovery_id > 1 {
        return Err(error::INVALID_RECOVERY_ID);
    }
    // SAFETY: r and s are the signature's two 32-byte halves.
    let (r, s) = (signature, unsafe { signature.add(32) });
    if is_zero(r, 32) || is_zero(s, 32) || !be_le(s, HALF_ORDER.as_ptr()) {
        return Err(error::INVALID_SIGNATURE_S);
    }
    let mut key = [0u8; 64];
    if !sys::secp256k1_recover(hash, recovery_id, signature, &mut key) {
        return Err(error::INVALID_SIGNATURE);
    }
    let expected = enclave_acc.at(enclave::PUBLIC_KEY);
    // SAFETY: both keys are 64 bytes.
    if !eq32(key.as_ptr(), expected)
        || !eq32(unsafe { key.as_ptr().add(32) }, unsafe { expected.add(32) })
    {
        return Err(error::UNKNOWN_SIGNER);
    }
    Ok(())
}

/// Whether the 32-byte big-endian number at `a` is at most the one at `b`.
fn be_le(a: *const u8, b: *const u8) -> bool {
    let mut i = 0;
    while i < 32 {
        // SAFETY: both are 32 bytes.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x < y;
        }
        i += 1;
    }
    true
}

/// Checks the score account: `Ok(None)` if it exists (this oracle's score of `subject`, which pins its address
/// as for `load_enclave`), `Ok(Some(bump))` if it is still to be created at the PDA of `subject` (derived
/// here: the one `find_program_address` in `fulfil`).
#[inline(never)]
pub(crate) fn check_score_account(
    input: &Input,
    oracle_acc: Account,
    subject: *const u8,
    score_acc: Account,
) -> Result<Option<u8>> {
    if score_acc.owned_by(input.program_id) {
        if !score_acc.has_type(&state::ACCOUNT_SCORE, score::LEN) {
            return Err(error::WRONG_ACCOUNT_TYPE);
        }
        if !eq32(score_acc.at(score::ORACLE), oracle_acc.key()) {
            return Err(error::WRONG_ORACLE);
        }
        if !eq32(score_acc.at(score::SUBJECT), subject) {
            return Err(error::WRONG_PDA); // another subject's score
        }
        return Ok(None);
    }
    if !score_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) || score_acc.data_len() != 0 {
        return Err(error::WRONG_OWNER);
    }
    let seeds = [
        Slice::new(score::SEED.as_ptr(), 5),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(subject, 32),
    ];
    match sys::find_program_address(&seeds, input.program_id, score_acc.key()) {
        Some(bump) => Ok(Some(bump)),
        None => Err(error::WRONG_PDA),
    }
}

/// `fulfil`'s accounts, for the helpers that need several (functions take at most five arguments), with the
/// target's id and subject. In `fulfil_quorum` and `update`, `enclave` is the first signer's.
pub(crate) struct FulfilAccounts {
    pub oracle: Account,
    /// The request account's address, or the update id (`Target::id`).
    pub id: *const u8,
    pub subject: *const u8,
    pub enclave: Account,
    pub score: Account,
    pub transmitter: Account,
}

/// Creates the score account (`space` bytes: `score::LEN`, or more for a quorum's signers) at the PDA of the
/// subject; the transmitter pays its rent.
#[inline(never)]
pub(crate) fn create_score(
    input: &Input,
    a: &FulfilAccounts,
    bump: u8,
    now: i64,
    space: usize,
) -> Result<()> {
    let (oracle_acc, score_acc, subject) = (a.oracle, a.score, a.subject);
    let bump = [bump];
    let seeds = [
        Slice::new(score::SEED.as_ptr(), 5),
        Slice::new(oracle_acc.key(), 32),
        Slice::new(subject, 32),
        Slice::new(bump.as_ptr(), 1),
    ];
    let rent = sys::minimum_balance(space as u64)?;
    init_account(&Init {
        payer: a.transmitter,
        account: score_acc,
        lamports: rent,
        space: space as u64,
        program_id: input.program_id,
        seeds: &seeds,
    })?;
    // SAFETY: the account now holds LEN bytes.
    unsafe {
        sys::copy(score_acc.data(), state::ACCOUNT_SCORE.as_ptr(), 8);
        sys::copy(score_acc.at(score::ORACLE), oracle_acc.key(), 32);
        sys::copy(score_acc.at(score::SUBJECT), subject, 32);
        *score_acc.at(score::BUMP) = bump[0];
    }
    wr_i64(score_acc.at(score::CREATED_AT), now);
    Ok(())
}

#[inline(never)]
pub(crate) fn write_score(input: &Input, a: &FulfilAccounts, clock: &sys::Clock) -> Result<()> {
    let (enclave_acc, score_acc) = (a.enclave, a.score);
    let args = input.args();
    let version = rd_u32(score_acc.at(score::VERSION))
        .checked_add(1)
        .ok_or(error::ARITHMETIC_OVERFLOW)?;
    // SAFETY: the score holds LEN bytes, the args fa::LEN: the signed args are SIGNED_LEN bytes at both.
    unsafe {
        sys::copy(score_acc.at(score::SCORE), args, fa::SIGNED_LEN);
        sys::copy(
            score_acc.at(score::SIGNER),
            enclave_acc.at(enclave::ADDRESS),
            20,
        );
        sys::copy(score_acc.at(score::REQUEST), a.id, 32);
    }
    wr_i64(score_acc.at(score::UPDATED_AT), clock.unix_timestamp);
    wr_u64(score_acc.at(score::UPDATED_SLOT), clock.slot);
    wr_u32(score_acc.at(score::VERSION), version);
    Ok(())
}

// ------------------------------------------------------------------------------------------ account checks

/// The oracle: owned by this program, an `Oracle` of the current layout (its length, with or without the quorum
/// tail, and its version: an oracle of an earlier layout would be read at the wrong offsets).
pub(crate) fn load_oracle(input: &Input, oracle_acc: Account) -> Result<()> {
    if !oracle_acc.owned_by(input.program_id) {
        return Err(error::WRONG_OWNER);
    }
    let len = oracle_acc.data_len();
    if !oracle_acc.has_type(&state::ACCOUNT_ORACLE, oracle::LEN)
        || (len != oracle::LEN && len != oracle::QUORUM_LEN)
        // SAFETY: the account holds at least LEN bytes.
        || unsafe { *oracle_acc.at(oracle::LAYOUT_VERSION) } != oracle::CURRENT_LAYOUT
    {
        return Err(error::WRONG_ACCOUNT_TYPE);
    }
    Ok(())
}

/// An enclave of this oracle. Its address is not derived again: the program creates enclaves only at their
/// PDA, so ownership, discriminator and the oracle it stores pin it.
#[inline(never)]
pub(crate) fn load_enclave(input: &Input, oracle_acc: Account, enclave_acc: Account) -> Result<()> {
    if !enclave_acc.owned_by(input.program_id) {
        return Err(error::WRONG_OWNER);
    }
    if !enclave_acc.has_type(&state::ACCOUNT_ENCLAVE, enclave::LEN) {
        return Err(error::WRONG_ACCOUNT_TYPE);
    }
    if !eq32(enclave_acc.at(enclave::ORACLE), oracle_acc.key()) {
        return Err(error::WRONG_ORACLE);
    }
    Ok(())
}

/// A pending request of this oracle (its address pinned as the enclave's is, see `load_enclave`).
#[inline(never)]
pub(crate) fn load_request(input: &Input, oracle_acc: Account, request_acc: Account) -> Result<()> {
    if request_acc.data_len() == 0 && request_acc.owned_by(SYSTEM_PROGRAM.as_ptr()) {
        return Err(error::REQUEST_NOT_FOUND); // never made, or closed by fulfil or cancel
    }
    if !request_acc.owned_by(input.program_id) {
        return Err(error::WRONG_OWNER);
    }
    if !request_acc.has_type(&state::ACCOUNT_REQUEST, request::BASE_LEN) {
        return Err(error::WRONG_ACCOUNT_TYPE);
    }
    if !eq32(request_acc.at(request::ORACLE), oracle_acc.key()) {
        return Err(error::WRONG_ORACLE);
    }
    // SAFETY: the request holds at least BASE_LEN bytes.
    if unsafe { *request_acc.at(request::STATUS) } != request::PENDING {
        return Err(error::REQUEST_NOT_PENDING);
    }
    Ok(())
}

// ------------------------------------------------------------------------------------ account creation (CPI)

/// Creating a program account through the System Program as Anchor's `init` does: `create_account` for an
/// empty account; for one that already holds lamports (pre-funded), `transfer` what it lacks, `allocate`
/// and `assign`.
pub(crate) struct Init<'a> {
    pub payer: Account,
    pub account: Account,
    /// The least the account must hold afterwards.
    pub lamports: u64,
    pub space: u64,
    pub program_id: *const u8,
    /// The account's PDA seeds, bump included; empty for an account that signs the transaction itself.
    pub seeds: &'a [Slice],
}

const CREATE_ACCOUNT: u32 = 0;
const ASSIGN: u32 = 1;
const TRANSFER: u32 = 2;
const ALLOCATE: u32 = 8;

#[inline(never)]
pub(crate) fn init_account(init: &Init) -> Result<()> {
    let held = init.account.lamports();
    if held == 0 {
        // create_account { lamports, space, owner }
        let mut data = [0u8; 52];
        let p = data.as_mut_ptr();
        wr_u32(p, CREATE_ACCOUNT);
        // SAFETY: within the 52 bytes.
        unsafe {
            wr_u64(p.add(4), init.lamports);
            wr_u64(p.add(12), init.space);
            sys::copy(p.add(20), init.program_id, 32);
        }
        system_call(init, init.payer, &data)
    } else {
        if init.lamports > held {
            let mut data = [0u8; 12];
            wr_u32(data.as_mut_ptr(), TRANSFER);
            // SAFETY: within the 12 bytes.
            wr_u64(unsafe { data.as_mut_ptr().add(4) }, init.lamports - held);
            system_call(init, init.payer, &data)?;
        }
        let mut data = [0u8; 12];
        wr_u32(data.as_mut_ptr(), ALLOCATE);
        // SAFETY: within the 12 bytes.
        wr_u64(unsafe { data.as_mut_ptr().add(4) }, init.space);
        system_call(init, init.account, &data)?;
        let mut data = [0u8; 36];
        wr_u32(data.as_mut_ptr(), ASSIGN);
        // SAFETY: within the 36 bytes.
        unsafe { sys::copy(data.as_mut_ptr().add(4), init.program_id, 32) };
        system_call(init, init.account, &data)
    }
}

/// Tops `account` (writable) up to `lamports` with a System Program transfer from `payer` (a signer) when it
/// holds less: the rent of an account this program grows.
#[inline(never)]
pub(crate) fn top_up(payer: Account, account: Account, lamports: u64) -> Result<()> {
    let held = account.lamports();
    if held >= lamports {
        return Ok(());
    }
    let mut data = [0u8; 12];
    wr_u32(data.as_mut_ptr(), TRANSFER);
    // SAFETY: within the 12 bytes.
    wr_u64(unsafe { data.as_mut_ptr().add(4) }, lamports - held);
    let metas = [
        sys::AccountMeta {
            pubkey: payer.key(),
            is_writable: true,
            is_signer: true,
        },
        sys::AccountMeta {
            pubkey: account.key(),
            is_writable: true,
            is_signer: false,
        },
    ];
    let infos = [payer.info(), account.info()];
    let instruction = sys::Instruction {
        program_id: SYSTEM_PROGRAM.as_ptr(),
        accounts: metas.as_ptr(),
        account_len: 2,
        data: data.as_ptr(),
        data_len: 12,
    };
    if sys::invoke(&instruction, &infos, &[]) != 0 {
        // The runtime aborts the program on a failed invocation; this is not reached.
        // SAFETY: the abort syscall.
        unsafe { sys::abort() }
    }
    Ok(())
}

/// One System Program instruction on `init.account`: from `first` (the payer, or the account itself for
/// allocate/assign) to the account.
#[inline(never)]
fn system_call(init: &Init, first: Account, data: &[u8]) -> Result<()> {
    let same = eq32(first.key(), init.account.key());
    let metas = [
        sys::AccountMeta {
            pubkey: first.key(),
            is_writable: true,
            is_signer: true,
        },
        sys::AccountMeta {
            pubkey: init.account.key(),
            is_writable: true,
            is_signer: !same,
        },
    ];
    let infos = [first.info(), init.account.info()];
    let signer = sys::SignerSeeds {
        addr: init.seeds.as_ptr(),
        len: init.seeds.len() as u64,
    };
    let n = if same { 1 } else { 2 };
    let instruction = sys::Instruction {
        program_id: SYSTEM_PROGRAM.as_ptr(),
        accounts: metas.as_ptr(),
        account_len: n as u64,
        data: data.as_ptr(),
        data_len: data.len() as u64,
    };
    let signers = if init.seeds.is_empty() {
        &[][..]
    } else {
        core::slice::from_ref(&signer)
    };
    // SAFETY: n <= 2.
    let infos = unsafe { core::slice::from_raw_parts(infos.as_ptr(), n) };
    if sys::invoke(&instruction, infos, signers) != 0 {
        // The runtime aborts the program on a failed invocation; this is not reached.
        // SAFETY: the abort syscall.
        unsafe { sys::abort() }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------- events

/// Writes an event (discriminator, then Borsh fields) into a caller's buffer and logs it.
pub(crate) struct EventWriter {
    buf: *mut u8,
    len: usize,
    cap: usize,
}

impl EventWriter {
    /// `buf` (uninitialised is fine: only what is written is logged) of `cap >= 8` bytes.
    pub fn new(buf: *mut u8, cap: usize, discriminator: &[u8; 8]) -> Self {
        // SAFETY: the buffer holds at least 8 bytes.
        unsafe { sys::copy(buf, discriminator.as_ptr(), 8) };
        EventWriter { buf, len: 8, cap }
    }

    /// Appends `n` bytes; callers size the buffer for the largest event.
    pub fn put(&mut self, src: *const u8, n: usize) {
        if self.len + n <= self.cap {
            // SAFETY: within the buffer.
            unsafe { sys::copy(self.buf.add(self.len), src, n) };
            self.len += n;
        }
    }

    pub fn emit(&self) {
        sys::emit(self.buf, self.len);
    }
}

/// An uninitialised stack buffer for one event.
macro_rules! event_buffer {
    ($n:expr) => {
        core::mem::MaybeUninit::<[u8; $n]>::uninit()
    };
}
pub(crate) use event_buffer;

#[inline(never)]
fn emit_enclave(
    discriminator: [u8; 8],
    oracle_acc: Account,
    enclave_acc: Account,
    with_measurement: bool,
) {
    let mut buf = event_buffer!(92);
    let mut e = EventWriter::new(buf.as_mut_ptr() as *mut u8, 92, &discriminator);
    e.put(oracle_acc.key(), 32);
    e.put(enclave_acc.at(enclave::ADDRESS), 20);
    if with_measurement {
        e.put(enclave_acc.at(enclave::MEASUREMENT), 32);
    }
    e.emit();
}

#[inline(never)]
fn emit_requested(oracle_acc: Account, request_acc: Account, params_len: usize) {
    const LEN: usize = 8 + 128 + 24 + 1 + 4 + request::MAX_PARAMS;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_ASSESSMENT_REQUESTED,
    );
    e.put(request_acc.key(), 32);
    e.put(oracle_acc.key(), 32);
    e.put(request_acc.at(request::REQUESTER), 32);
    e.put(request_acc.at(request::SUBJECT), 32);
    e.put(request_acc.at(request::NONCE), 16); // nonce, fee
    e.put(request_acc.at(request::EXPIRES_AT), 8);
    e.put(request_acc.at(request::PRIVATE), 1 + 4 + params_len); // private, then params
    e.emit();
}

#[inline(never)]
pub(crate) fn emit_fulfilled(input: &Input, a: &FulfilAccounts, replaced: bool) {
    let (enclave_acc, transmitter) = (a.enclave, a.transmitter);
    const LEN: usize = 8 + 128 + 9 + 20 + 1;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_ASSESSMENT_FULFILLED,
    );
    e.put(a.id, 32);
    e.put(a.oracle.key(), 32);
    e.put(a.subject, 32);
    e.put(transmitter.key(), 32);
    e.put(input.args(), 9); // score, tier, pd_bps, flags
    e.put(enclave_acc.at(enclave::ADDRESS), 20);
    let replaced = [replaced as u8];
    e.put(replaced.as_ptr(), 1);
    e.emit();
}

#[inline(never)]
fn emit_repinned(oracle_acc: Account, request_acc: Account, old_slot: u64) {
    const LEN: usize = 8 + 64 + 16;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_REQUEST_REPINNED,
    );
    e.put(request_acc.key(), 32);
    e.put(oracle_acc.key(), 32);
    let old = old_slot.to_le_bytes();
    e.put(old.as_ptr(), 8);
    e.put(request_acc.at(request::PINNED_SLOT), 8);
    e.emit();
}

#[inline(never)]
fn emit_cancelled(oracle_acc: Account, request_acc: Account, requester: Account) {
    const LEN: usize = 8 + 96;
    let mut buf = event_buffer!(LEN);
    let mut e = EventWriter::new(
        buf.as_mut_ptr() as *mut u8,
        LEN,
        &state::EVENT_ASSESSMENT_CANCELLED,
    );
    e.put(request_acc.key(), 32);
    e.put(oracle_acc.key(), 32);
    e.put(requester.key(), 32);
    e.emit();
}
