//! The runtime's syscalls, declared as C functions (SBPFv0 resolves them by name), and small helpers
//! over them. Nothing here allocates or panics.

use crate::error::{self, Result};

/// A slice as the syscalls take it: address and length.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slice {
    pub addr: *const u8,
    pub len: u64,
}

impl Slice {
    pub const fn new(addr: *const u8, len: usize) -> Self {
        Slice {
            addr,
            len: len as u64,
        }
    }
}

/// `SolSignerSeeds`: the seeds of one signing PDA.
#[repr(C)]
pub struct SignerSeeds {
    pub addr: *const Slice,
    pub len: u64,
}

#[repr(C)]
pub struct AccountMeta {
    pub pubkey: *const u8,
    pub is_writable: bool,
    pub is_signer: bool,
}

#[repr(C)]
pub struct Instruction {
    pub program_id: *const u8,
    pub accounts: *const AccountMeta,
    pub account_len: u64,
    pub data: *const u8,
    pub data_len: u64,
}

/// `SolAccountInfo` (the C ABI of `sol_invoke_signed_c`).
#[repr(C)]
pub struct AccountInfo {
    pub key: *const u8,
    pub lamports: *mut u64,
    pub data_len: u64,
    pub data: *mut u8,
    pub owner: *const u8,
    pub rent_epoch: u64,
    pub is_signer: bool,
    pub is_writable: bool,
    pub executable: bool,
}

extern "C" {
    fn sol_log_(message: *const u8, len: u64);
    fn sol_log_data(fields: *const Slice, len: u64);
    fn sol_keccak256(vals: *const Slice, val_len: u64, hash_result: *mut u8) -> u64;
    fn sol_sha256(vals: *const Slice, val_len: u64, hash_result: *mut u8) -> u64;
    fn sol_secp256k1_recover(
        hash: *const u8,
        recovery_id: u64,
        signature: *const u8,
        result: *mut u8,
    ) -> u64;
    fn sol_try_find_program_address(
        seeds: *const Slice,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
        bump: *mut u8,
    ) -> u64;
    fn sol_get_clock_sysvar(addr: *mut u8) -> u64;
    fn sol_get_rent_sysvar(addr: *mut u8) -> u64;
    fn sol_invoke_signed_c(
        instruction: *const Instruction,
        account_infos: *const AccountInfo,
        account_infos_len: u64,
        signers_seeds: *const SignerSeeds,
        signers_seeds_len: u64,
    ) -> u64;
    fn sol_set_return_data(data: *const u8, len: u64);
    fn sol_alt_bn128_group_op(
        group_op: u64,
        input: *const u8,
        input_size: u64,
        result: *mut u8,
    ) -> u64;
    fn sol_memcpy_(dst: *mut u8, src: *const u8, n: u64);
    fn sol_memset_(s: *mut u8, c: u8, n: u64);
    pub fn abort() -> !;
}

pub fn log(message: *const u8, len: usize) {
    // SAFETY: the caller passes a readable range.
    unsafe { sol_log_(message, len as u64) }
}

pub fn log_str(message: &[u8]) {
    log(message.as_ptr(), message.len())
}

/// Emits an Anchor event: one `sol_log_data` field holding the discriminator and the Borsh body.
pub fn emit(event: *const u8, len: usize) {
    let field = Slice::new(event, len);
    // SAFETY: one readable field.
    unsafe { sol_log_data(&field, 1) }
}

/// Sets the instruction's return data (what a view returns: a caller reads it with `sol_get_return_data`, a
/// simulation as `Program return:`).
pub fn set_return_data(data: &[u8]) {
    // SAFETY: a readable range.
    unsafe { sol_set_return_data(data.as_ptr(), data.len() as u64) }
}

/// keccak256 of the concatenation of `parts`.
pub fn keccak(parts: &[Slice], out: &mut [u8; 32]) {
    // SAFETY: the parts are readable, the result has room for 32 bytes.
    unsafe { sol_keccak256(parts.as_ptr(), parts.len() as u64, out.as_mut_ptr()) };
}

/// sha256 of the concatenation of `parts`.
pub fn sha256(parts: &[Slice], out: &mut [u8; 32]) {
    // SAFETY: the parts are readable, the result has room for 32 bytes.
    unsafe { sol_sha256(parts.as_ptr(), parts.len() as u64, out.as_mut_ptr()) };
}

/// Recovers the 64-byte public key (`x || y`) that signed `hash` into `out`; false if there is none.
pub fn secp256k1_recover(
    hash: &[u8; 32],
    recovery_id: u8,
    signature: *const u8,
    out: &mut [u8; 64],
) -> bool {
    // SAFETY: signature points at 64 readable bytes; the result has room for 64.
    unsafe {
        sol_secp256k1_recover(
            hash.as_ptr(),
            recovery_id as u64,
            signature,
            out.as_mut_ptr(),
        ) == 0
    }
}

/// The canonical bump of `seeds` if `key` is their program address.
pub fn find_program_address(seeds: &[Slice], program_id: *const u8, key: *const u8) -> Option<u8> {
    let mut address = [0u8; 32];
    let mut bump = 0u8;
    // SAFETY: readable seeds and program id; room for the address and the bump.
    let rc = unsafe {
        sol_try_find_program_address(
            seeds.as_ptr(),
            seeds.len() as u64,
            program_id,
            address.as_mut_ptr(),
            &mut bump,
        )
    };
    if rc == 0 && eq32(address.as_ptr(), key) {
        Some(bump)
    } else {
        None
    }
}

pub struct Clock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

pub fn clock() -> Clock {
    // slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp
    let mut raw = [0u64; 5];
    // SAFETY: 40 bytes of room.
    unsafe { sol_get_clock_sysvar(raw.as_mut_ptr() as *mut u8) };
    Clock {
        slot: raw[0],
        unix_timestamp: raw[4] as i64,
    }
}

/// Bytes of overhead the rent of every account is charged for (`ACCOUNT_STORAGE_OVERHEAD`).
const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// The rent-exempt minimum balance of an account of `space` bytes.
pub fn minimum_balance(space: u64) -> Result<u64> {
    // lamports_per_byte_year: u64, exemption_threshold: f64, burn_percent: u8 (+ padding)
    let mut raw = [0u64; 3];
    // SAFETY: 24 bytes of room.
    unsafe { sol_get_rent_sysvar(raw.as_mut_ptr() as *mut u8) };
    let threshold = whole_f64(raw[1]).ok_or(error::UNSUPPORTED_RENT)?;
    let bytes = ACCOUNT_STORAGE_OVERHEAD
        .checked_add(space)
        .ok_or(error::ARITHMETIC_OVERFLOW)?;
    mul(bytes, raw[0])
        .and_then(|v| mul(v, threshold))
        .ok_or(error::ARITHMETIC_OVERFLOW)
}

/// `a * b` if it fits a u64, from 32-bit halves. (Not `checked_mul`, nor a division test that LLVM turns
/// back into it: both need a 128-bit multiply, for which BPF has no routine.)
pub fn mul(a: u64, b: u64) -> Option<u64> {
    let (a_hi, a_lo, b_hi, b_lo) = (a >> 32, a & 0xffff_ffff, b >> 32, b & 0xffff_ffff);
    if a_hi != 0 && b_hi != 0 {
        return None;
    }
    let cross = a_hi * b_lo + a_lo * b_hi; // one term is zero; each fits: < 2^64
    if cross >> 32 != 0 {
        return None;
    }
    (cross << 32).checked_add(a_lo * b_lo)
}

/// The value of an IEEE-754 double given as its bits, if it is a whole number that fits a u64; read with
/// integer operations only (the program uses no floating point).
pub fn whole_f64(bits: u64) -> Option<u64> {
    if bits == 0 {
        return Some(0);
    }
    if bits >> 63 != 0 {
        return None; // negative (or -0.0, which no rent sysvar holds)
    }
    let exponent = (bits >> 52) & 0x7ff;
    let fraction = bits & ((1u64 << 52) - 1);
    if exponent == 0x7ff || exponent < 1023 {
        return None; // infinity, NaN, or below 1 (fractions and subnormals)
    }
    let e = exponent - 1023;
    let mantissa = fraction | (1u64 << 52);
    if e <= 52 {
        let shift = 52 - e;
        if mantissa & ((1u64 << shift) - 1) != 0 {
            return None;
        }
        Some(mantissa >> shift)
    } else if e <= 63 {
        Some(mantissa << (e - 52))
    } else {
        None
    }
}

/// The `sol_alt_bn128_group_op` operations (big-endian encodings, as Ethereum's precompiles 6, 7 and 8).
pub const BN254_ADD: u64 = 0;
pub const BN254_MUL: u64 = 2;
pub const BN254_PAIRING: u64 = 3;

/// One BN254 group operation on `input` into `result` (64 bytes for addition and multiplication, 32 for the
/// pairing check); false when the runtime refuses the input (a point not on the curve or not in its group, a
/// coordinate not below the field modulus, a length the operation does not take).
pub fn alt_bn128(op: u64, input: &[u8], result: &mut [u8]) -> bool {
    // SAFETY: the input is readable; every operation writes at most 64 bytes, and callers pass room for the
    // operation's result.
    unsafe {
        sol_alt_bn128_group_op(op, input.as_ptr(), input.len() as u64, result.as_mut_ptr()) == 0
    }
}

/// Invokes `instruction` with `infos`, signing with `signers` (may be empty).
pub fn invoke(instruction: &Instruction, infos: &[AccountInfo], signers: &[SignerSeeds]) -> u64 {
    // SAFETY: every pointer in the structures points into the input buffer or at live locals.
    unsafe {
        sol_invoke_signed_c(
            instruction,
            infos.as_ptr(),
            infos.len() as u64,
            signers.as_ptr(),
            signers.len() as u64,
        )
    }
}

/// Copies `n` bytes; the ranges must not overlap.
///
/// # Safety
/// Both ranges must be valid for `n` bytes.
pub unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) {
    if n != 0 {
        sol_memcpy_(dst, src, n as u64);
    }
}

/// Zeroes `n` bytes.
///
/// # Safety
/// The range must be valid for `n` bytes.
pub unsafe fn zero(dst: *mut u8, n: usize) {
    if n != 0 {
        sol_memset_(dst, 0, n as u64);
    }
}

// Loads and stores of little-endian integers at any address. An aligned one is one instruction; an
// unaligned one is split into bytes (about 24 instructions for a u64), so each checks first. Most fields
// the program reads (keys, owners, lamports, the start of every account's data) are 8-byte aligned in the
// input. The aligned access is volatile only so that LLVM cannot merge the two branches into the byte-wise
// one (which it otherwise does, as both compute the same value).

/// Reads a little-endian u64 at any alignment.
pub fn rd_u64(p: *const u8) -> u64 {
    // SAFETY: callers pass a pointer to 8 readable bytes; the aligned read is only done when aligned.
    unsafe {
        if (p as usize) & 7 == 0 {
            u64::from_le(core::ptr::read_volatile(p as *const u64))
        } else {
            u64::from_le_bytes(core::ptr::read_unaligned(p as *const [u8; 8]))
        }
    }
}

pub fn rd_i64(p: *const u8) -> i64 {
    rd_u64(p) as i64
}

pub fn rd_u32(p: *const u8) -> u32 {
    // SAFETY: callers pass a pointer to 4 readable bytes; the aligned read is only done when aligned.
    unsafe {
        if (p as usize) & 3 == 0 {
            u32::from_le(core::ptr::read_volatile(p as *const u32))
        } else {
            u32::from_le_bytes(core::ptr::read_unaligned(p as *const [u8; 4]))
        }
    }
}

pub fn rd_u16(p: *const u8) -> u16 {
    // SAFETY: callers pass a pointer to 2 readable bytes.
    u16::from_le_bytes(unsafe { core::ptr::read_unaligned(p as *const [u8; 2]) })
}

pub fn wr_u64(p: *mut u8, v: u64) {
    // SAFETY: callers pass a pointer to 8 writable bytes; the aligned write is only done when aligned.
    unsafe {
        if (p as usize) & 7 == 0 {
            core::ptr::write_volatile(p as *mut u64, v.to_le());
        } else {
            core::ptr::write_unaligned(p as *mut [u8; 8], v.to_le_bytes());
        }
    }
}

pub fn wr_i64(p: *mut u8, v: i64) {
    wr_u64(p, v as u64)
}

pub fn wr_u32(p: *mut u8, v: u32) {
    // SAFETY: callers pass a pointer to 4 writable bytes; the aligned write is only done when aligned.
    unsafe {
        if (p as usize) & 3 == 0 {
            core::ptr::write_volatile(p as *mut u32, v.to_le());
        } else {
            core::ptr::write_unaligned(p as *mut [u8; 4], v.to_le_bytes());
        }
    }
}

/// Whether two 32-byte ranges are equal (four word compares; no memcmp).
pub fn eq32(a: *const u8, b: *const u8) -> bool {
    let mut i = 0;
    while i < 32 {
        // SAFETY: callers pass pointers to 32 readable bytes.
        if unsafe { rd_u64(a.add(i)) != rd_u64(b.add(i)) } {
            return false;
        }
        i += 8;
    }
    true
}

/// Whether `n` bytes (a multiple of 4) are all zero.
pub fn is_zero(p: *const u8, n: usize) -> bool {
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: callers pass a pointer to n readable bytes.
        if rd_u32(unsafe { p.add(i) }) != 0 {
            return false;
        }
        i += 4;
    }
    true
}
