//! Aura oracle: enclave-signed credit assessments on Solana (docs/solana.md).
//!
//! A dependency-free `no_std` program that speaks Anchor's wire format: instruction, account and event
//! discriminators, Borsh bodies and Anchor custom error codes, described by the IDL beside this crate.
//!
//! `no_std` on chain. A host build (`cargo check`, `cargo clippy`) links std only for its panic handler;
//! the program uses nothing from it.

#![cfg_attr(
    any(target_os = "solana", target_arch = "bpf", target_arch = "sbf"),
    no_std
)]

mod error;
mod groth16;
mod input;
mod processor;
mod quorum;
mod state;
mod sys;
mod update;
mod zk;

/// The program's entrypoint: parses the serialised input in place and runs the instruction.
/// Returns 0, or the Anchor error code (`6000 + index`), which the runtime reports as
/// `custom program error: 0x…`.
///
/// # Safety
/// `input` must be the runtime's serialised input (SBPFv0 aligned layout).
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let input = input::Input::parse(input);
    match processor::process(&input) {
        Ok(()) => 0,
        Err(index) => {
            error::log_error(index);
            (error::ERROR_CODE_OFFSET + index) as u64
        }
    }
}

#[cfg(any(target_os = "solana", target_arch = "bpf", target_arch = "sbf"))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // SAFETY: the abort syscall ends the program.
    unsafe { sys::abort() }
}
