//! A Groth16 verifier over BN254 with the `sol_alt_bn128_group_op` syscalls (docs/solana.md, "Threshold
//! proofs"), for the circuit of `circuits/threshold.circom` and its six public inputs.
//!
//! Points are in the syscalls' big-endian encodings (Ethereum's precompiles'): a G1 point is `x || y`, a G2
//! point `x.c1 || x.c0 || y.c1 || y.c0` (the imaginary part first), each coordinate 32 bytes, the point at
//! infinity all zeros. `chains/solana/groth16.py` writes snarkjs' JSON in these forms.
//!
//! The check is the usual one: with `vk_x = IC[0] + sum(input[i] * IC[i + 1])`,
//! `e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1`, one pairing syscall over four pairs.

use crate::error::{self, Result};
use crate::sys::{self, copy};

pub const G1: usize = 64;
pub const G2: usize = 128;
/// The circuit's public inputs: commitment, threshold, subject_hi, subject_lo, scope, nullifier.
pub const PUBLIC_INPUTS: usize = 6;

/// A proof: A (G1), B (G2), C (G1), A not negated.
pub mod proof {
    pub const A: usize = 0;
    pub const B: usize = 64;
    pub const C: usize = 192;
    pub const LEN: usize = 256;
}

/// A verifying key: alpha (G1), beta, gamma, delta (G2), then IC[0..=PUBLIC_INPUTS] (G1).
pub mod key {
    pub const ALPHA: usize = 0;
    pub const BETA: usize = 64;
    pub const GAMMA: usize = 192;
    pub const DELTA: usize = 320;
    pub const IC: usize = 448;
    pub const LEN: usize = 448 + 64 * (super::PUBLIC_INPUTS + 1);
}

/// BN254's base field modulus q, big-endian: a G1 point's negation is `(x, q - y)`.
const Q: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c, 0xfd, 0x47,
];

/// BN254's scalar field order r, big-endian: every public input must be below it (a scalar of r or more would
/// multiply as its remainder, so two inputs would verify alike).
pub const R: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Whether the 32-byte big-endian number at `a` is below the one in `m`.
pub fn below(a: *const u8, m: &[u8; 32]) -> bool {
    let mut i = 0;
    while i < 32 {
        // SAFETY: callers pass 32 readable bytes.
        let x = unsafe { *a.add(i) };
        let y = m[i];
        if x != y {
            return x < y;
        }
        i += 1;
    }
    false
}

/// Writes `-p` for the G1 point at `p` into `out`: `(x, q - y)`, the point at infinity unchanged. Refuses a `y`
/// not below q (the syscall would refuse the point anyway).
fn negate_g1(p: *const u8, out: &mut [u8; G1]) -> Result<()> {
    // SAFETY: p is a 64-byte point: y is its last 32 bytes.
    let y = unsafe { p.add(32) };
    // SAFETY: out holds 64 bytes, p 64 readable ones.
    unsafe { copy(out.as_mut_ptr(), p, 32) };
    if sys::is_zero(p, G1) {
        out[32..].fill(0);
        return Ok(());
    }
    if !below(y, &Q) {
        return Err(error::INVALID_PROOF);
    }
    // q - y, four big-endian 64-bit limbs from the least significant.
    let mut borrow = 0u64;
    let mut limb = 4;
    while limb > 0 {
        limb -= 1;
        let at = 8 * limb;
        // SAFETY: within Q's and y's 32 bytes.
        let (qv, yv) = unsafe {
            (
                u64::from_be_bytes(core::ptr::read_unaligned(
                    Q.as_ptr().add(at) as *const [u8; 8]
                )),
                u64::from_be_bytes(core::ptr::read_unaligned(y.add(at) as *const [u8; 8])),
            )
        };
        let (d, b1) = qv.overflowing_sub(yv);
        let (d, b2) = d.overflowing_sub(borrow);
        borrow = (b1 | b2) as u64;
        out[32 + at..40 + at].copy_from_slice(&d.to_be_bytes());
    }
    Ok(())
}

/// `vk_x = IC[0] + sum(inputs[i] * IC[i + 1])` into `out`. Each input is a 32-byte big-endian scalar below r
/// (the caller checks).
#[inline(never)]
fn linear_combination(
    key_at: *const u8,
    inputs: &[[u8; 32]; PUBLIC_INPUTS],
    out: &mut [u8; G1],
) -> Result<()> {
    // `sum` is the first half of the addition's input: [acc (64) | term (64)].
    let mut sum = [0u8; 2 * G1];
    let mut mul = [0u8; G1 + 32];
    // SAFETY: the key holds IC[0..=PUBLIC_INPUTS] at key::IC.
    unsafe { copy(sum.as_mut_ptr(), key_at.add(key::IC), G1) };
    let mut i = 0;
    while i < PUBLIC_INPUTS {
        // SAFETY: IC[i + 1] is within the key; the buffers are sized for the copies.
        unsafe {
            copy(mul.as_mut_ptr(), key_at.add(key::IC + G1 * (i + 1)), G1);
            copy(mul.as_mut_ptr().add(G1), inputs[i].as_ptr(), 32);
        }
        let mut term = [0u8; G1];
        if !sys::alt_bn128(sys::BN254_MUL, &mul, &mut term) {
            return Err(error::INVALID_VERIFYING_KEY);
        }
        sum[G1..].copy_from_slice(&term);
        let mut acc = [0u8; G1];
        if !sys::alt_bn128(sys::BN254_ADD, &sum, &mut acc) {
            return Err(error::INVALID_VERIFYING_KEY);
        }
        sum[..G1].copy_from_slice(&acc);
        i += 1;
    }
    out.copy_from_slice(&sum[..G1]);
    Ok(())
}

/// Verifies `proof` (`proof::LEN` bytes) for `inputs` under the verifying key at `key_at` (`key::LEN` bytes).
/// `Err(INVALID_PROOF)` when the pairing check fails or a proof point is refused by the syscall;
/// `Err(INVALID_VERIFYING_KEY)` when a key point is.
#[inline(never)]
pub fn verify(
    key_at: *const u8,
    proof_at: *const u8,
    inputs: &[[u8; 32]; PUBLIC_INPUTS],
) -> Result<()> {
    let mut vk_x = [0u8; G1];
    linear_combination(key_at, inputs, &mut vk_x)?;
    let mut neg_a = [0u8; G1];
    // SAFETY: A is within the proof.
    negate_g1(unsafe { proof_at.add(proof::A) }, &mut neg_a)?;
    // [-A, B] [alpha, beta] [vk_x, gamma] [C, delta]
    const PAIR: usize = G1 + G2;
    let mut pairs = [0u8; 4 * PAIR];
    let p = pairs.as_mut_ptr();
    // SAFETY: every copy is within `pairs` (4 * 192 bytes), the proof (256) or the key (key::LEN).
    unsafe {
        copy(p, neg_a.as_ptr(), G1);
        copy(p.add(G1), proof_at.add(proof::B), G2);
        copy(p.add(PAIR), key_at.add(key::ALPHA), G1);
        copy(p.add(PAIR + G1), key_at.add(key::BETA), G2);
        copy(p.add(2 * PAIR), vk_x.as_ptr(), G1);
        copy(p.add(2 * PAIR + G1), key_at.add(key::GAMMA), G2);
        copy(p.add(3 * PAIR), proof_at.add(proof::C), G1);
        copy(p.add(3 * PAIR + G1), key_at.add(key::DELTA), G2);
    }
    let mut result = [0u8; 32];
    if !sys::alt_bn128(sys::BN254_PAIRING, &pairs, &mut result) {
        return Err(error::INVALID_PROOF);
    }
    let mut one = [0u8; 32];
    one[31] = 1;
    if !sys::eq32(result.as_ptr(), one.as_ptr()) {
        return Err(error::INVALID_PROOF);
    }
    Ok(())
}

/// Checks that every point of the key at `key_at` is one the syscalls take: the G1 points through additions
/// (each refuses a point off the curve), the G2 points through one pairing with alpha (which refuses a G2 point
/// off the curve or outside its subgroup). `Err(INVALID_VERIFYING_KEY)` otherwise.
#[inline(never)]
pub fn check_key(key_at: *const u8) -> Result<()> {
    let mut sum = [0u8; 2 * G1];
    let mut out = [0u8; G1];
    // alpha and IC[0..=6]: four additions of two points each.
    let mut i = 0;
    while i < (PUBLIC_INPUTS + 2) / 2 {
        // SAFETY: within the key.
        unsafe {
            if i == 0 {
                copy(sum.as_mut_ptr(), key_at.add(key::ALPHA), G1);
                copy(sum.as_mut_ptr().add(G1), key_at.add(key::IC), G1);
            } else {
                copy(
                    sum.as_mut_ptr(),
                    key_at.add(key::IC + G1 * (2 * i - 1)),
                    2 * G1,
                );
            }
        }
        if !sys::alt_bn128(sys::BN254_ADD, &sum, &mut out) {
            return Err(error::INVALID_VERIFYING_KEY);
        }
        i += 1;
    }
    const PAIR: usize = G1 + G2;
    let mut pairs = [0u8; 3 * PAIR];
    let p = pairs.as_mut_ptr();
    // SAFETY: within `pairs` and the key.
    unsafe {
        copy(p, key_at.add(key::ALPHA), G1);
        copy(p.add(G1), key_at.add(key::BETA), G2);
        copy(p.add(PAIR), key_at.add(key::ALPHA), G1);
        copy(p.add(PAIR + G1), key_at.add(key::GAMMA), G2);
        copy(p.add(2 * PAIR), key_at.add(key::ALPHA), G1);
        copy(p.add(2 * PAIR + G1), key_at.add(key::DELTA), G2);
    }
    let mut result = [0u8; 32];
    if !sys::alt_bn128(sys::BN254_PAIRING, &pairs, &mut result) {
        return Err(error::INVALID_VERIFYING_KEY);
    }
    Ok(())
}
