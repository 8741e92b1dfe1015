//! `compiler_builtins` for SBF programs (SBPFv0).
//!
//! Every `no_std` crate depends on a crate of this name. LLVM's BPF backend cannot call the usual
//! runtime library, so this one holds only the memory routines, and sends each to the Solana syscall
//! that does the work in one step (`sol_memcpy_`, `sol_memmove_`, `sol_memset_`, `sol_memcmp_`):
//!
//! * `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, under their C names, for code that calls them;
//! * `__sbf_memcpy`, `__sbf_memmove` and `__sbf_memset`, which the build calls in place of LLVM's memory
//!   intrinsics whose length is not a small constant (programs/sbf/lower.py).
//!
//! This crate is compiled to machine code on its own, outside link-time optimisation, as rustc does with
//! every `compiler_builtins`; it must not use a memory intrinsic itself.
#![no_std]
#![feature(compiler_builtins)]
#![compiler_builtins]
#![no_builtins]
#![allow(internal_features)]

unsafe extern "C" {
    fn sol_memcpy_(dst: *mut u8, src: *const u8, n: u64);
    fn sol_memmove_(dst: *mut u8, src: *const u8, n: u64);
    fn sol_memset_(s: *mut u8, c: u8, n: u64);
    fn sol_memcmp_(s1: *const u8, s2: *const u8, n: u64, result: *mut i32);
}

/// Copies `n` bytes. `sol_memcpy_` refuses overlapping ranges, and LLVM may copy a value onto itself,
/// so an exact self-copy (and an empty one) does nothing.
///
/// # Safety
/// As C `memcpy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __sbf_memcpy(dst: *mut u8, src: *const u8, n: usize) {
    if n != 0 && dst as *const u8 != src {
        unsafe { sol_memcpy_(dst, src, n as u64) }
    }
}

/// # Safety
/// As C `memmove`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __sbf_memmove(dst: *mut u8, src: *const u8, n: usize) {
    if n != 0 && dst as *const u8 != src {
        unsafe { sol_memmove_(dst, src, n as u64) }
    }
}

/// # Safety
/// As C `memset`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __sbf_memset(s: *mut u8, c: u8, n: usize) {
    if n != 0 {
        unsafe { sol_memset_(s, c, n as u64) }
    }
}

/// # Safety
/// As C `memcpy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    unsafe { __sbf_memcpy(dst, src, n) };
    dst
}

/// # Safety
/// As C `memmove`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    unsafe { __sbf_memmove(dst, src, n) };
    dst
}

/// # Safety
/// As C `memset`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(s: *mut u8, c: i32, n: usize) -> *mut u8 {
    unsafe { __sbf_memset(s, c as u8, n) };
    s
}

/// # Safety
/// As C `memcmp`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(s1: *const u8, s2: *const u8, n: usize) -> i32 {
    let mut result: i32 = 0;
    if n != 0 {
        unsafe { sol_memcmp_(s1, s2, n as u64, &mut result) }
    }
    result
}

/// # Safety
/// As C `bcmp`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(s1: *const u8, s2: *const u8, n: usize) -> i32 {
    unsafe { memcmp(s1, s2, n) }
}
