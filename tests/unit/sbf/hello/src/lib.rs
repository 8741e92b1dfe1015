//! A tiny SBF program that exercises the toolchain: logs, a .rodata constant, a function call,
//! sol_keccak256, a runtime-length memcpy, a custom error code and the panic handler.
//!
//! Input (no accounts): u64 account count (must be 0), u64 instruction data length, the data,
//! then the 32-byte program id.
#![no_std]

unsafe extern "C" {
    fn sol_log_(message: *const u8, len: u64);
    fn sol_log_64_(a: u64, b: u64, c: u64, d: u64, e: u64);
    fn sol_keccak256(vals: *const u8, val_len: u64, hash_result: *mut u8) -> u64;
}

static GREETING: &[u8] = b"hello from sbf";
const HEX: &[u8; 16] = b"0123456789abcdef";

fn log(message: &[u8]) {
    unsafe { sol_log_(message.as_ptr(), message.len() as u64) }
}

/// Writes `bytes` as lowercase hex into `out`, returning the number of characters written.
#[inline(never)]
fn to_hex(bytes: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    for b in bytes {
        out[n] = HEX[(b >> 4) as usize];
        out[n + 1] = HEX[(b & 15) as usize];
        n += 2;
    }
    n
}

#[inline(never)]
fn keccak(data: &[u8]) -> [u8; 32] {
    // One slice descriptor (address, length), as the syscall expects.
    let slices: [(*const u8, u64); 1] = [(data.as_ptr(), data.len() as u64)];
    let mut hash = [0u8; 32];
    unsafe { sol_keccak256(slices.as_ptr() as *const u8, 1, hash.as_mut_ptr()) };
    hash
}

/// # Safety
/// Called by the runtime with its serialized input.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let accounts = unsafe { (input as *const u64).read_unaligned() };
    if accounts != 0 {
        return 1;
    }
    let len = unsafe { (input.add(8) as *const u64).read_unaligned() } as usize;
    let data = unsafe { core::slice::from_raw_parts(input.add(16), len) };
    log(GREETING);
    if data.is_empty() {
        return 42;
    }
    if data == b"panic" {
        panic!("boom");
    }
    // Copy a runtime-length prefix onto the stack.
    let mut buf = [0u8; 48];
    let n = if data.len() < buf.len() { data.len() } else { buf.len() };
    buf[..n].copy_from_slice(&data[..n]);
    log(&buf[..n]);
    let hash = keccak(&buf[..n]);
    let mut hex = [0u8; 64];
    let written = to_hex(&hash, &mut hex);
    log(&hex[..written]);
    unsafe { sol_log_64_(n as u64, 0, 0, 0, 1) };
    0
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    log(b"panicked:");
    if let Some(message) = info.message().as_str() {
        log(message.as_bytes());
    }
    if let Some(location) = info.location() {
        log(location.file().as_bytes());
    }
    unsafe extern "C" {
        fn abort() -> !;
    }
    unsafe { abort() }
}
