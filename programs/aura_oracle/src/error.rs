//! Error codes: Anchor custom errors, returned as `6000 + index` (`custom program error: 0x1770 + index`)
//! and logged as Anchor logs them. The index, name and message of each are the IDL's `errors`. An error with
//! values (the quorum's) also logs them, the line before, as `<Name>(<value>, ...)`.

use crate::sys;

/// What a failing instruction returns: an index into the error table below.
pub type Result<T> = core::result::Result<T, u32>;

/// Anchor's first custom error code.
pub const ERROR_CODE_OFFSET: u32 = 6000;
/// How many errors there are.
pub const ERROR_COUNT: u32 = 55;

pub const UNKNOWN_INSTRUCTION: u32 = 0;
pub const INVALID_INSTRUCTION_DATA: u32 = 1;
pub const NOT_ENOUGH_ACCOUNTS: u32 = 2;
pub const MISSING_SIGNATURE: u32 = 3;
pub const NOT_WRITABLE: u32 = 4;
pub const WRONG_OWNER: u32 = 5;
pub const WRONG_ACCOUNT_TYPE: u32 = 6;
pub const WRONG_PDA: u32 = 7;
pub const WRONG_SYSTEM_PROGRAM: u32 = 8;
pub const ALREADY_INITIALIZED: u32 = 9;
pub const UNAUTHORIZED: u32 = 10;
pub const INVALID_REQUEST_TTL: u32 = 11;
pub const INVALID_ENCLAVE_KEY: u32 = 12;
pub const ZERO_MEASUREMENT: u32 = 13;
pub const ENCLAVE_ALREADY_REGISTERED: u32 = 14;
pub const ENCLAVE_NOT_ACTIVE: u32 = 15;
pub const ENCLAVE_REVOKED: u32 = 16;
pub const WRONG_ORACLE: u32 = 17;
pub const ZERO_SUBJECT: u32 = 18;
pub const PARAMS_TOO_LONG: u32 = 19;
pub const REQUEST_NOT_FOUND: u32 = 20;
pub const REQUEST_NOT_PENDING: u32 = 21;
pub const REQUESTER_MISMATCH: u32 = 22;
pub const REQUEST_EXPIRED: u32 = 23;
pub const SCORE_OUT_OF_RANGE: u32 = 24;
pub const TIER_OUT_OF_RANGE: u32 = 25;
pub const PD_OUT_OF_RANGE: u32 = 26;
pub const ASSESSMENT_FROM_FUTURE: u32 = 27;
pub const ASSESSMENT_EXPIRED: u32 = 28;
pub const MEASUREMENT_MISMATCH: u32 = 29;
pub const INVALID_RECOVERY_ID: u32 = 30;
pub const INVALID_SIGNATURE_S: u32 = 31;
pub const INVALID_SIGNATURE: u32 = 32;
pub const UNKNOWN_SIGNER: u32 = 33;
pub const NOT_REQUESTER: u32 = 34;
pub const NOT_EXPIRED: u32 = 35;
pub const ARITHMETIC_OVERFLOW: u32 = 36;
pub const UNSUPPORTED_RENT: u32 = 37;
pub const INVALID_CLUSTER_ID: u32 = 38;
pub const WRONG_SYSVAR: u32 = 39;
pub const SLOT_MISMATCH: u32 = 40;
pub const SLOT_HASH_UNKNOWN: u32 = 41;
pub const SLOT_HASH_MISMATCH: u32 = 42;
pub const PAYEE_MISMATCH: u32 = 43;
pub const PIN_STILL_RECENT: u32 = 44;
pub const INVALID_THRESHOLD: u32 = 45;
pub const QUORUM_NOT_MET: u32 = 46;
pub const SIGNERS_NOT_ASCENDING: u32 = 47;
pub const TOO_MANY_SIGNATURES: u32 = 48;
pub const INVALID_VERIFYING_KEY: u32 = 49;
pub const PUBLIC_INPUT_OUT_OF_FIELD: u32 = 50;
pub const INVALID_PROOF: u32 = 51;
pub const NULLIFIER_SPENT: u32 = 52;
pub const PRIVACY_MISMATCH: u32 = 53;
pub const UPDATE_NOT_NEWER: u32 = 54;

// Names and messages (the IDL's), concatenated, with where each ends: plain bytes, so nothing here needs
// relocating (a table of string slices would hold pointers).
pub const ERROR_NAMES: &[u8; 838] = b"\
    UnknownInstruction\
    InvalidInstructionData\
    NotEnoughAccounts\
    MissingSignature\
    NotWritable\
    WrongOwner\
    WrongAccountType\
    WrongPda\
    WrongSystemProgram\
    AlreadyInitialized\
    Unauthorized\
    InvalidRequestTtl\
    InvalidEnclaveKey\
    ZeroMeasurement\
    EnclaveAlreadyRegistered\
    EnclaveNotActive\
    EnclaveRevoked\
    WrongOracle\
    ZeroSubject\
    ParamsTooLong\
    RequestNotFound\
    RequestNotPending\
    RequesterMismatch\
    RequestExpired\
    ScoreOutOfRange\
    TierOutOfRange\
    PdOutOfRange\
    AssessmentFromFuture\
    AssessmentExpired\
    MeasurementMismatch\
    InvalidRecoveryId\
    InvalidSignatureS\
    InvalidSignature\
    UnknownSigner\
    NotRequester\
    NotExpired\
    ArithmeticOverflow\
    UnsupportedRent\
    InvalidClusterId\
    WrongSysvar\
    SlotMismatch\
    SlotHashUnknown\
    SlotHashMismatch\
    PayeeMismatch\
    PinStillRecent\
    InvalidThreshold\
    QuorumNotMet\
    SignersNotAscending\
    TooManySignatures\
    InvalidVerifyingKey\
    PublicInputOutOfField\
    InvalidProof\
    NullifierSpent\
    PrivacyMismatch\
    UpdateNotNewer";
pub const ERROR_NAME_END: [u16; 55] = [
    18, 40, 57, 73, 84, 94, 110, 118, 136, 154, 166, 183, 200, 215, 239, 255, 269, 280, 291, 304,
    319, 336, 353, 367, 382, 396, 408, 428, 445, 464, 481, 498, 514, 527, 539, 549, 567, 582, 598,
    609, 621, 636, 652, 665, 679, 695, 707, 726, 743, 762, 783, 795, 809, 824, 838,
];
pub const ERROR_MSGS: &[u8; 2118] = b"\
    Unknown instruction\
    Invalid instruction data\
    Not enough accounts\
    An account that must sign did not\
    An account that must be writable is not\
    An account is not owned by this program\
    An account's discriminator is not the expected one\
    An account is not at the address its seeds give\
    The system program account is not the system program\
    The account is already initialized\
    The signer is not the oracle's admin\
    The request TTL is outside 1 ..= 604800 seconds\
    The enclave public key is all zeros\
    The measurement is all zeros\
    The enclave is already registered\
    The enclave is already revoked\
    The enclave is revoked\
    The account belongs to another oracle\
    The subject is the all-zero key\
    The params are longer than 256 bytes\
    No pending request at that address\
    The request is not pending\
    The requester account is not the request's requester\
    The request has expired\
    The score is above 1000\
    The tier is above 2\
    The PD is above 10000 bps\
    The assessment's timestamp is later than the cluster clock\
    The assessment has expired\
    The signed measurement is not the enclave's registered one\
    The signature's recovery id is not 0 or 1\
    The signature's r or s is zero or s is high\
    No key could be recovered from the signature\
    The recovered key is not the enclave's key\
    Only the requester may cancel\
    The request has not expired\
    Arithmetic overflow\
    The rent exemption threshold is not a whole number\
    The cluster id is zero\
    The slot_hashes account is not the SlotHashes sysvar\
    The signed slot is not the request's pinned slot\
    The pinned slot is not in the SlotHashes sysvar\
    The signed slot hash is not the SlotHashes sysvar's\
    The payee account is not the enclave's payee\
    The request's pinned slot is still in the SlotHashes sysvar\
    The threshold is outside 1 ..= 8\
    Fewer signatures than the oracle's threshold\
    The signers are not in strictly ascending order of address\
    More than 8 signatures\
    The verifying key holds a point the alt_bn128 syscalls refuse\
    A public input is not below the BN254 scalar field order\
    The proof does not verify for these public inputs\
    The nullifier is already spent\
    The assessment's privacy does not match the request's\
    The update is not newer than the subject's stored assessment";
pub const ERROR_MSG_END: [u16; 55] = [
    19, 43, 62, 95, 134, 173, 223, 270, 322, 356, 392, 439, 474, 502, 535, 565, 587, 624, 655, 691,
    725, 751, 803, 826, 849, 868, 893, 951, 977, 1035, 1076, 1119, 1163, 1205, 1234, 1261, 1280,
    1330, 1352, 1404, 1452, 1499, 1550, 1594, 1653, 1685, 1729, 1787, 1809, 1870, 1926, 1975, 2005,
    2058, 2118,
];

/// Logs `AnchorError occurred. Error Code: <Name>. Error Number: <n>. Error Message: <msg>.` as Anchor does.
#[inline(never)]
pub fn log_error(index: u32) {
    if index >= ERROR_COUNT {
        return;
    }
    let (name_start, name_end) = range(&ERROR_NAME_END, index);
    let (msg_start, msg_end) = range(&ERROR_MSG_END, index);
    let mut buf = [0u8; 240];
    let mut w = Writer {
        buf: buf.as_mut_ptr(),
        len: 0,
        cap: 240,
    };
    w.put(b"AnchorError occurred. Error Code: ".as_ptr(), 34);
    // SAFETY: the ranges are within the tables (built together with the end offsets).
    unsafe { w.put(ERROR_NAMES.as_ptr().add(name_start), name_end - name_start) };
    w.put(b". Error Number: ".as_ptr(), 16);
    w.put_decimal((ERROR_CODE_OFFSET + index) as u64);
    w.put(b". Error Message: ".as_ptr(), 17);
    unsafe { w.put(ERROR_MSGS.as_ptr().add(msg_start), msg_end - msg_start) };
    w.put(b".".as_ptr(), 1);
    sys::log(w.buf, w.len);
}

/// Logs an error's numbers as `<Name>(<a>, <b>, ...)`, as Solidity shows a custom error, just before the
/// error is returned: a Solana custom error is a code only.
#[inline(never)]
pub fn log_numbers(index: u32, values: &[u64]) {
    let mut buf = [0u8; 120];
    let mut w = Writer::named(buf.as_mut_ptr(), 120, index);
    let mut i = 0;
    while i < values.len() {
        if i > 0 {
            w.put(b", ".as_ptr(), 2);
        }
        // SAFETY: i < len.
        w.put_decimal(unsafe { *values.get_unchecked(i) });
        i += 1;
    }
    w.put(b")".as_ptr(), 1);
    sys::log(w.buf, w.len);
}

/// Logs an error's two 20-byte addresses as `<Name>(0x<a>, 0x<b>)` (lowercase hex), as `log_numbers` does.
#[inline(never)]
pub fn log_addresses(index: u32, a: *const u8, b: *const u8) {
    let mut buf = [0u8; 120];
    let mut w = Writer::named(buf.as_mut_ptr(), 120, index);
    w.put_hex(a, 20);
    w.put(b", ".as_ptr(), 2);
    w.put_hex(b, 20);
    w.put(b")".as_ptr(), 1);
    sys::log(w.buf, w.len);
}

/// Where entry `index` (below ERROR_COUNT) of a table of end offsets starts and ends.
fn range(ends: &[u16], index: u32) -> (usize, usize) {
    let i = index as usize;
    // SAFETY: callers pass index < ERROR_COUNT, the length of both end tables.
    unsafe {
        (
            if i == 0 {
                0
            } else {
                *ends.get_unchecked(i - 1) as usize
            },
            *ends.get_unchecked(i) as usize,
        )
    }
}

struct Writer {
    buf: *mut u8,
    len: usize,
    cap: usize,
}

impl Writer {
    /// A writer over `buf` (`cap` bytes) that starts with error `index`'s name and `(`.
    fn named(buf: *mut u8, cap: usize, index: u32) -> Self {
        let mut w = Writer { buf, len: 0, cap };
        if index < ERROR_COUNT {
            let (start, end) = range(&ERROR_NAME_END, index);
            // SAFETY: the range is within the table.
            unsafe { w.put(ERROR_NAMES.as_ptr().add(start), end - start) };
        }
        w.put(b"(".as_ptr(), 1);
        w
    }

    fn put(&mut self, src: *const u8, n: usize) {
        let n = if n > self.cap - self.len {
            self.cap - self.len
        } else {
            n
        };
        // SAFETY: the destination range is within the buffer (clamped above).
        unsafe { sys::copy(self.buf.add(self.len), src, n) };
        self.len += n;
    }

    fn put_decimal(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut n = 0usize;
        loop {
            // SAFETY: a u64 has at most 20 decimal digits.
            unsafe { *digits.as_mut_ptr().add(19 - n) = b'0' + (v % 10) as u8 };
            n += 1;
            v /= 10;
            if v == 0 || n == 20 {
                break;
            }
        }
        // SAFETY: the last n digits were written.
        self.put(unsafe { digits.as_ptr().add(20 - n) }, n);
    }

    /// `0x` and the `n` bytes at `src` in lowercase hex.
    fn put_hex(&mut self, src: *const u8, n: usize) {
        self.put(b"0x".as_ptr(), 2);
        let mut i = 0;
        while i < n {
            // SAFETY: callers pass n readable bytes.
            let byte = unsafe { *src.add(i) };
            let pair = [hex_digit(byte >> 4), hex_digit(byte & 15)];
            self.put(pair.as_ptr(), 2);
            i += 1;
        }
    }
}

fn hex_digit(v: u8) -> u8 {
    if v < 10 {
        b'0' + v
    } else {
        b'a' + v - 10
    }
}
