//! The SBPFv0 (loaders v2/v3, aligned) input serialisation, read and written in place.
//!
//! ```text
//! u64 account count
//! per account: u8 duplicate marker (0xff: not a duplicate, else the index of the first occurrence; a
//!              duplicate is 8 bytes in all), u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding
//!              (original data length), key [32], owner [32], lamports u64, data_len u64, data,
//!              10240 bytes of room to grow, padding to 8, rent_epoch u64
//! u64 instruction data length, instruction data, program id [32]
//! ```

use crate::error::{self, Result};
use crate::state;
use crate::sys::{self, eq32, rd_u64, wr_u64};

/// The most accounts an instruction uses (`fulfil_quorum` with the most signatures); more are allowed and
/// ignored.
pub const MAX_ACCOUNTS: usize =
    state::quorum_accounts::FIXED + state::quorum_accounts::PER_SIGNER * state::MAX_QUORUM_SIGNERS;
const MAX_PERMITTED_DATA_INCREASE: u64 = 10_240;

const SIGNER: usize = 1;
const WRITABLE: usize = 2;
const EXECUTABLE: usize = 3;
const KEY: usize = 8;
const OWNER: usize = 40;
const LAMPORTS: usize = 72;
const DATA_LEN: usize = 80;
const DATA: usize = 88;

/// The system program's id: 32 zero bytes.
pub const SYSTEM_PROGRAM: [u8; 32] = [0; 32];

/// One account of the input, by the address of its serialised record.
#[derive(Clone, Copy)]
pub struct Account(*mut u8);

impl Account {
    const fn null() -> Self {
        Account(core::ptr::null_mut())
    }

    // SAFETY (all accessors): `self.0` points at a non-duplicate account record of the input.
    pub fn is_signer(self) -> bool {
        unsafe { *self.0.add(SIGNER) != 0 }
    }
    pub fn is_writable(self) -> bool {
        unsafe { *self.0.add(WRITABLE) != 0 }
    }
    pub fn executable(self) -> bool {
        unsafe { *self.0.add(EXECUTABLE) != 0 }
    }
    pub fn key(self) -> *const u8 {
        unsafe { self.0.add(KEY) }
    }
    pub fn owner(self) -> *const u8 {
        unsafe { self.0.add(OWNER) }
    }
    pub fn lamports(self) -> u64 {
        rd_u64(unsafe { self.0.add(LAMPORTS) })
    }
    pub fn set_lamports(self, v: u64) {
        wr_u64(unsafe { self.0.add(LAMPORTS) }, v)
    }
    pub fn data_len(self) -> usize {
        rd_u64(unsafe { self.0.add(DATA_LEN) }) as usize
    }
    pub fn data(self) -> *mut u8 {
        unsafe { self.0.add(DATA) }
    }
    /// A byte pointer `offset` bytes into the data.
    pub fn at(self, offset: usize) -> *mut u8 {
        unsafe { self.0.add(DATA + offset) }
    }

    pub fn owned_by(self, program: *const u8) -> bool {
        eq32(self.owner(), program)
    }

    /// Whether the data is at least `len` bytes and starts with `discriminator`.
    pub fn has_type(self, discriminator: &[u8; 8], len: usize) -> bool {
        self.data_len() >= len && rd_u64(self.data()) == u64::from_le_bytes(*discriminator)
    }

    pub fn require_signer(self) -> Result<()> {
        if self.is_signer() {
            Ok(())
        } else {
            Err(error::MISSING_SIGNATURE)
        }
    }

    pub fn require_writable(self) -> Result<()> {
        if self.is_writable() {
            Ok(())
        } else {
            Err(error::NOT_WRITABLE)
        }
    }

    pub fn require_system_program(self) -> Result<()> {
        if eq32(self.key(), SYSTEM_PROGRAM.as_ptr()) {
            Ok(())
        } else {
            Err(error::WRONG_SYSTEM_PROGRAM)
        }
    }

    /// The account as `sol_invoke_signed_c` takes it, pointing at its record so that the runtime
    /// writes the result of the call back in place.
    pub fn info(self) -> sys::AccountInfo {
        sys::AccountInfo {
            key: self.key(),
            lamports: unsafe { self.0.add(LAMPORTS) } as *mut u64,
            data_len: self.data_len() as u64,
            data: self.data(),
            owner: self.owner(),
            rent_epoch: 0,
            is_signer: self.is_signer(),
            is_writable: self.is_writable(),
            executable: self.executable(),
        }
    }

    /// Resizes a program-owned, writable account's data in place, as `AccountInfo::realloc` does: the
    /// runtime takes the new length from the record (at most 10,240 bytes more than the instruction started
    /// with, which the record has room for). Growing leaves the new bytes as they are (zero from the runtime
    /// unless this instruction wrote there): callers write them all, and keep the account rent-exempt.
    pub fn set_data_len(self, len: usize) {
        wr_u64(unsafe { self.0.add(DATA_LEN) }, len as u64)
    }

    /// Closes a program-owned account in place: lamports to zero (the caller has moved them), data
    /// zeroed and truncated, owner the system program.
    pub fn close(self) {
        let len = self.data_len();
        // SAFETY: the data is `len` bytes of the record.
        unsafe {
            sys::zero(self.data(), len);
            wr_u64(self.0.add(DATA_LEN), 0);
            sys::copy(self.0.add(OWNER), SYSTEM_PROGRAM.as_ptr(), 32);
        }
        self.set_lamports(0);
    }
}

/// The parsed input: the first accounts, the instruction data and the program id.
pub struct Input {
    pub accounts: [Account; MAX_ACCOUNTS],
    pub account_count: usize,
    pub data: *const u8,
    pub data_len: usize,
    pub program_id: *const u8,
}

impl Input {
    /// Parses the input the runtime passed to the entrypoint.
    ///
    /// # Safety
    /// `input` must be the runtime's serialised input.
    #[inline(never)]
    pub unsafe fn parse(input: *mut u8) -> Input {
        let mut accounts = [Account::null(); MAX_ACCOUNTS];
        let count = rd_u64(input) as usize;
        let mut offset = 8usize;
        let mut i = 0usize;
        while i < count {
            let record = input.add(offset);
            let marker = *record;
            if marker != 0xff {
                // A duplicate: the same record as an earlier account.
                if i < MAX_ACCOUNTS && (marker as usize) < i {
                    *accounts.get_unchecked_mut(i) = *accounts.get_unchecked(marker as usize);
                }
                offset += 8;
            } else {
                if i < MAX_ACCOUNTS {
                    *accounts.get_unchecked_mut(i) = Account(record);
                }
                let data_len = rd_u64(record.add(DATA_LEN));
                offset += DATA + (data_len + MAX_PERMITTED_DATA_INCREASE) as usize;
                offset = (offset + 7) & !7;
                offset += 8; // rent_epoch
            }
            i += 1;
        }
        let data_len = rd_u64(input.add(offset)) as usize;
        let data = input.add(offset + 8);
        Input {
            accounts,
            account_count: count,
            data,
            data_len,
            program_id: data.add(data_len),
        }
    }

    /// The instruction's first `n` accounts, or `NotEnoughAccounts`.
    pub fn require_accounts(&self, n: usize) -> Result<()> {
        if self.account_count >= n {
            Ok(())
        } else {
            Err(error::NOT_ENOUGH_ACCOUNTS)
        }
    }

    pub fn account(&self, i: usize) -> Account {
        if i < MAX_ACCOUNTS {
            // SAFETY: bounds checked above.
            unsafe { *self.accounts.get_unchecked(i) }
        } else {
            Account::null()
        }
    }

    /// The instruction's arguments (the data after the discriminator).
    pub fn args(&self) -> *const u8 {
        // SAFETY: the dispatcher checked that the data holds the discriminator.
        unsafe { self.data.add(8) }
    }

    /// The argument length, exactly `n`, or `InvalidInstructionData`.
    pub fn require_args_len(&self, n: usize) -> Result<()> {
        if self.data_len == 8 + n {
            Ok(())
        } else {
            Err(error::INVALID_INSTRUCTION_DATA)
        }
    }
}
