//! A stand-in for Kamino Lend (klend) on the local Solana endpoint: it takes klend's borrow and repay
//! instructions, with klend's instruction data and account layout, and succeeds without moving anything.
//! Loaded at klend's mainnet program id in tests, it gives the node's lending-event reader
//! (chains/solana/credit_events.py) real transactions to find; it is not a lending protocol.
//!
//! Instruction data: Anchor's 8-byte discriminator (`sha256("global:<name>")[..8]`), then
//! `liquidity_amount: u64` (little-endian). Any other data fails with Anchor's
//! `InstructionFallbackNotFound` (101).
//!
//! ### Accounts (as klend's IDL lists them; only `owner` is checked, and how many there are)
//! - `borrow_obligation_liquidity`: 0 owner (signer), obligation, lending_market, lending_market_authority,
//!   borrow_reserve, borrow_reserve_liquidity_mint, reserve_source_liquidity,
//!   borrow_reserve_liquidity_fee_receiver, user_destination_liquidity, referrer_token_state, token_program,
//!   instruction_sysvar_account (12).
//! - `borrow_obligation_liquidity_v2`: those 12, then obligation_farm_user_state, reserve_farm_state,
//!   farms_program (15).
//! - `repay_obligation_liquidity`: 0 owner (signer), obligation, lending_market, repay_reserve,
//!   reserve_liquidity_mint, reserve_destination_liquidity, user_source_liquidity, token_program,
//!   instruction_sysvar_account (9).
//! - `repay_obligation_liquidity_v2`: those 9, then obligation_farm_user_state, reserve_farm_state,
//!   lending_market_authority, farms_program (13).
//!
//! Fewer accounts fail with `AccountNotEnoughKeys` (3005), an owner that did not sign with
//! `AccountNotSigner` (3010).
//!
//! Input (SBPFv0, aligned): u64 account count; per account a duplicate marker (0xff: not a duplicate, then
//! is_signer, is_writable, executable, 4 bytes padding, key, owner, lamports, data_len, data, 10240 bytes of
//! room, padding to 8, rent_epoch; a duplicate is 8 bytes in all); u64 data length, the data, the program id.
#![no_std]

unsafe extern "C" {
    fn sol_log_(message: *const u8, len: u64);
}

/// One instruction the stand-in takes: its discriminator, the accounts it needs and the line it logs.
struct Taken {
    discriminator: [u8; 8],
    accounts: u64,
    log: &'static [u8],
}

const TAKEN: [Taken; 4] = [
    // sha256("global:borrow_obligation_liquidity")[..8]
    Taken {
        discriminator: [0x79, 0x7f, 0x12, 0xcc, 0x49, 0xf5, 0xe1, 0x41],
        accounts: 12,
        log: b"Instruction: BorrowObligationLiquidity",
    },
    // sha256("global:borrow_obligation_liquidity_v2")[..8]
    Taken {
        discriminator: [0xa1, 0x80, 0x8f, 0xf5, 0xab, 0xc7, 0xc2, 0x06],
        accounts: 15,
        log: b"Instruction: BorrowObligationLiquidityV2",
    },
    // sha256("global:repay_obligation_liquidity")[..8]
    Taken {
        discriminator: [0x91, 0xb2, 0x0d, 0xe1, 0x4c, 0xf0, 0x93, 0x48],
        accounts: 9,
        log: b"Instruction: RepayObligationLiquidity",
    },
    // sha256("global:repay_obligation_liquidity_v2")[..8]
    Taken {
        discriminator: [0x74, 0xae, 0xd5, 0x4c, 0xb4, 0x35, 0xd2, 0x90],
        accounts: 13,
        log: b"Instruction: RepayObligationLiquidityV2",
    },
];

const ARGS: usize = 8; // liquidity_amount: u64
const INSTRUCTION_FALLBACK_NOT_FOUND: u64 = 101;
const ACCOUNT_NOT_ENOUGH_KEYS: u64 = 3005;
const ACCOUNT_NOT_SIGNER: u64 = 3010;
const NOT_A_DUPLICATE: u8 = 0xff;
const ACCOUNT_HEADER: usize = 88; // marker .. data_len, where the data starts
const DATA_LEN_AT: usize = 80;
const ROOM: usize = 10_240;

fn log(message: &[u8]) {
    unsafe { sol_log_(message.as_ptr(), message.len() as u64) }
}

fn read_u64(at: *const u8) -> u64 {
    unsafe { (at as *const u64).read_unaligned() }
}

/// # Safety
/// Called by the runtime with its serialised input.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let count = read_u64(input);
    let mut at = unsafe { input.add(8) };
    let mut owner_signed = false;
    for i in 0..count {
        if unsafe { *at } == NOT_A_DUPLICATE {
            if i == 0 {
                owner_signed = unsafe { *at.add(1) } != 0;
            }
            let data_len = read_u64(unsafe { at.add(DATA_LEN_AT) }) as usize;
            let record = (ACCOUNT_HEADER + data_len + ROOM + 7) & !7;
            at = unsafe { at.add(record + 8) };
        } else {
            at = unsafe { at.add(8) };
        }
    }
    let len = read_u64(at) as usize;
    let data = unsafe { core::slice::from_raw_parts(at.add(8), len) };
    if data.len() < 8 + ARGS {
        return INSTRUCTION_FALLBACK_NOT_FOUND;
    }
    for taken in TAKEN.iter() {
        if data[..8] == taken.discriminator {
            if count < taken.accounts {
                return ACCOUNT_NOT_ENOUGH_KEYS;
            }
            if !owner_signed {
                return ACCOUNT_NOT_SIGNER;
            }
            log(taken.log);
            return 0;
        }
    }
    INSTRUCTION_FALLBACK_NOT_FOUND
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        fn abort() -> !;
    }
    unsafe { abort() }
}
