//! Discriminators and account layouts (docs/solana.md). Offsets are from the start of the account data,
//! the discriminator included. Every field is listed, used or not, as the layout's one description here.

#![allow(dead_code)]

// sha256("global:<name>")[..8]
pub const IX_INITIALIZE: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];
pub const IX_REGISTER_ENCLAVE: [u8; 8] = [212, 174, 251, 235, 52, 145, 141, 168];
pub const IX_REVOKE_ENCLAVE: [u8; 8] = [159, 107, 51, 105, 40, 186, 104, 20];
pub const IX_REQUEST_ASSESSMENT: [u8; 8] = [38, 71, 106, 218, 156, 145, 63, 15];
pub const IX_REQUEST_PRIVATE_ASSESSMENT: [u8; 8] = [28, 71, 99, 23, 189, 20, 57, 100];
pub const IX_FULFIL: [u8; 8] = [109, 45, 157, 48, 226, 221, 227, 101];
pub const IX_CANCEL: [u8; 8] = [232, 219, 223, 41, 219, 236, 220, 190];
pub const IX_REPIN: [u8; 8] = [221, 77, 11, 56, 44, 229, 54, 54];
pub const IX_SET_THRESHOLD: [u8; 8] = [155, 53, 245, 104, 116, 169, 239, 167];
pub const IX_FULFIL_QUORUM: [u8; 8] = [142, 193, 214, 235, 26, 177, 24, 30];
pub const IX_SCORE_STATUS: [u8; 8] = [118, 152, 230, 68, 92, 76, 2, 44];
pub const IX_SET_VERIFYING_KEY: [u8; 8] = [79, 162, 161, 210, 103, 106, 246, 78];
pub const IX_VERIFY_THRESHOLD: [u8; 8] = [255, 164, 9, 43, 13, 59, 224, 81];
pub const IX_UPDATE: [u8; 8] = [219, 200, 88, 176, 158, 63, 253, 127];

// sha256("account:<Name>")[..8]
pub const ACCOUNT_ORACLE: [u8; 8] = [139, 194, 131, 179, 140, 179, 229, 244];
pub const ACCOUNT_ENCLAVE: [u8; 8] = [222, 166, 223, 252, 18, 3, 84, 34];
pub const ACCOUNT_REQUEST: [u8; 8] = [125, 172, 150, 161, 162, 115, 39, 71];
pub const ACCOUNT_SCORE: [u8; 8] = [187, 110, 62, 119, 232, 235, 185, 90];
pub const ACCOUNT_VERIFYING_KEY: [u8; 8] = [248, 154, 12, 178, 205, 133, 193, 239];
pub const ACCOUNT_NULLIFIER: [u8; 8] = [18, 56, 142, 165, 181, 158, 187, 133];
pub const ACCOUNT_REQUEST_COUNTER: [u8; 8] = [220, 43, 83, 73, 39, 210, 63, 108];

// sha256("event:<Name>")[..8]
pub const EVENT_ASSESSMENT_REQUESTED: [u8; 8] = [130, 76, 185, 212, 165, 126, 171, 250];
pub const EVENT_ASSESSMENT_FULFILLED: [u8; 8] = [196, 146, 112, 69, 76, 136, 103, 68];
pub const EVENT_ASSESSMENT_CANCELLED: [u8; 8] = [91, 160, 94, 123, 211, 188, 155, 122];
pub const EVENT_ENCLAVE_REGISTERED: [u8; 8] = [139, 187, 11, 241, 61, 63, 139, 142];
pub const EVENT_ENCLAVE_REVOKED: [u8; 8] = [241, 158, 99, 210, 10, 120, 83, 51];
pub const EVENT_REQUEST_REPINNED: [u8; 8] = [199, 116, 57, 84, 27, 200, 56, 45];
pub const EVENT_THRESHOLD_SET: [u8; 8] = [178, 178, 45, 170, 57, 248, 177, 243];
pub const EVENT_QUORUM_SIGNED: [u8; 8] = [2, 0, 79, 224, 184, 208, 67, 147];
pub const EVENT_VERIFYING_KEY_SET: [u8; 8] = [215, 58, 1, 4, 206, 165, 84, 7];

/// The most signatures one `fulfil_quorum` takes, and so the highest threshold. Not 16: a transaction is
/// at most 1232 bytes and each signature brings 65 bytes and two accounts (its enclave and payee). With the
/// assessment, the fixed accounts and a compute-budget instruction (eight recoveries alone are the default
/// 200,000 units), eight fit a v0 transaction whose lookup table holds the enclaves and payees, five a
/// legacy one (docs/solana.md, "Quorum").
pub const MAX_QUORUM_SIGNERS: usize = 8;

pub mod oracle {
    pub const LEN: usize = 65;
    pub const ADMIN: usize = 8;
    pub const FEE_LAMPORTS: usize = 40;
    pub const REQUEST_TTL_S: usize = 48;
    pub const LAYOUT_VERSION: usize = 56;
    /// The cluster id the operator chose at `initialize`; every signed payload carries it.
    pub const CLUSTER_ID: usize = 57;
    /// 3: requests are numbered per requester (`request_counter`), so a request no longer writes the oracle.
    pub const CURRENT_LAYOUT: u8 = 3;
    pub const MAX_REQUEST_TTL_S: i64 = 604_800;
    /// The quorum tail, which `set_threshold` appends (the account is `LEN` bytes until then, threshold 1):
    /// the signatures a fulfilment needs (1 ..= MAX_QUORUM_SIGNERS).
    pub const THRESHOLD: usize = 65;
    pub const QUORUM_LEN: usize = 66;
}

/// A requester's request numbers on one oracle, PDA `["counter", oracle, requester]`, created by its first
/// request and never closed: each request takes `next_nonce`, so requests of different requesters share no
/// writable account and never race for a number.
pub mod request_counter {
    pub const SEED: &[u8; 7] = b"counter";
    pub const LEN: usize = 81;
    pub const ORACLE: usize = 8;
    pub const REQUESTER: usize = 40;
    pub const NEXT_NONCE: usize = 72;
    pub const BUMP: usize = 80;
}

pub mod enclave {
    pub const SEED: &[u8; 7] = b"enclave";
    pub const LEN: usize = 206;
    pub const ORACLE: usize = 8;
    pub const PUBLIC_KEY: usize = 40;
    pub const ADDRESS: usize = 104;
    pub const MEASUREMENT: usize = 124;
    pub const ACTIVE: usize = 156;
    pub const REGISTERED_AT: usize = 157;
    pub const REVOKED_AT: usize = 165;
    pub const BUMP: usize = 173;
    /// Receives the fee of every request this enclave's signature fulfils.
    pub const PAYEE: usize = 174;
}

pub mod request {
    pub const SEED: &[u8; 7] = b"request";
    /// Without the params' bytes.
    pub const BASE_LEN: usize = 159;
    pub const MAX_PARAMS: usize = 256;
    pub const ORACLE: usize = 8;
    pub const REQUESTER: usize = 40;
    pub const SUBJECT: usize = 72;
    /// The requester's request number on this oracle (its counter's `next_nonce` when the request was made).
    pub const NONCE: usize = 104;
    pub const FEE: usize = 112;
    pub const CREATED_SLOT: usize = 120;
    pub const CREATED_AT: usize = 128;
    pub const EXPIRES_AT: usize = 136;
    /// The slot the assessment is computed at: `created_slot`, or the slot of the last `repin`.
    pub const PINNED_SLOT: usize = 144;
    pub const STATUS: usize = 152;
    pub const BUMP: usize = 153;
    /// 1 when the requester asked for a private assessment (`request_private_assessment`), else 0: a fulfilment
    /// must then carry tier `PRIVATE_TIER`, score 0 and PD 0, and a public one any other tier.
    pub const PRIVATE: usize = 154;
    pub const PARAMS_LEN: usize = 155;
    pub const PARAMS: usize = 159;
    pub const PENDING: u8 = 0;
}

/// The tier a private assessment is signed with, in place of its own (score and PD are 0): the Score then holds
/// the commitment to the score, not the score (docs/protocol.md, "Private assessments").
pub const PRIVATE_TIER: u8 = 255;

pub mod score {
    pub const SEED: &[u8; 5] = b"score";
    pub const LEN: usize = 314;
    pub const ORACLE: usize = 8;
    pub const SUBJECT: usize = 40;
    /// score, tier, pd_bps, flags, measurement, commitment, slot, slot_hash, features_hash, assessed_at
    /// (the timestamp) and expiry: `fulfil`'s signed args as they are (161 bytes).
    pub const SCORE: usize = 72;
    pub const SLOT: usize = 145;
    pub const ASSESSED_AT: usize = 217;
    pub const EXPIRY: usize = 225;
    pub const SIGNER: usize = 233;
    pub const REQUEST: usize = 253;
    pub const CREATED_AT: usize = 285;
    pub const UPDATED_AT: usize = 293;
    pub const UPDATED_SLOT: usize = 301;
    pub const VERSION: usize = 309;
    pub const BUMP: usize = 313;
    /// The quorum tail (the IDL's `ScoreQuorum`, Borsh), present only while the stored assessment was
    /// written by `fulfil_quorum` (the account is then `QUORUM_BASE + 20 * count` bytes; `fulfil` truncates
    /// it back to `LEN`): the oracle's threshold when it was written, then its signers' addresses as a
    /// `Vec<[u8; 20]>`, ascending (`SIGNER` is the first).
    pub const THRESHOLD: usize = 314;
    pub const SIGNER_COUNT: usize = 315;
    pub const SIGNERS: usize = 319;
    pub const QUORUM_BASE: usize = 319;
}

/// The Groth16 verifying key of the threshold circuit, which the admin sets (`set_verifying_key`); PDA
/// `["verifying_key", oracle]`. The key is `groth16::key::LEN` bytes in the syscalls' encodings.
pub mod verifying_key {
    pub const SEED: &[u8; 13] = b"verifying_key";
    pub const ORACLE: usize = 8;
    pub const KEY: usize = 40;
    /// How many times the key was set (1 after the first).
    pub const VERSION: usize = 936;
    pub const BUMP: usize = 940;
    pub const LEN: usize = 941;
}

/// A spent nullifier (`verify_threshold` with `spend`); PDA `["nullifier", oracle, authority, nullifier]`.
pub mod nullifier {
    pub const SEED: &[u8; 9] = b"nullifier";
    pub const ORACLE: usize = 8;
    pub const AUTHORITY: usize = 40;
    pub const NULLIFIER: usize = 72;
    pub const SUBJECT: usize = 104;
    pub const SCOPE: usize = 136;
    pub const SPENT_AT: usize = 168;
    pub const BUMP: usize = 176;
    pub const LEN: usize = 177;
}

/// `verify_threshold`'s arguments (Borsh, no padding): the proof (A, B, C), then the public inputs the caller
/// gives and whether to spend the nullifier.
pub mod verify_args {
    pub const PROOF: usize = 0;
    pub const THRESHOLD: usize = 256;
    pub const SCOPE: usize = 258;
    pub const NULLIFIER: usize = 290;
    pub const SPEND: usize = 322;
    pub const LEN: usize = 323;
}

/// `verify_threshold`'s accounts: the fixed ones, then the enclave of each of the score's signers.
pub mod verify_accounts {
    pub const FIXED: usize = 6;
}

/// `fulfil`'s arguments, at their offsets in the args (Borsh, no padding).
pub mod fulfil_args {
    pub const LEN: usize = 226;
    pub const SCORE: usize = 0;
    pub const TIER: usize = 2;
    pub const PD_BPS: usize = 3;
    pub const FLAGS: usize = 5;
    pub const MEASUREMENT: usize = 9;
    pub const COMMITMENT: usize = 41;
    pub const SLOT: usize = 73;
    pub const SLOT_HASH: usize = 81;
    pub const FEATURES_HASH: usize = 113;
    pub const TIMESTAMP: usize = 145;
    pub const EXPIRY: usize = 153;
    /// score .. expiry: exactly the signed payload's last 161 bytes.
    pub const SIGNED_LEN: usize = 161;
    pub const SIGNATURE: usize = 161;
}

/// `fulfil_quorum`'s arguments: `fulfil`'s signed ones, then `signatures: Vec<[u8; 65]>`.
pub mod quorum_args {
    pub const SIGNATURE_COUNT: usize = 161;
    pub const SIGNATURES: usize = 165;
    pub const SIGNATURE_LEN: usize = 65;
}

/// `fulfil_quorum`'s accounts: the fixed ones, then an (enclave, payee) pair per signature, in their order.
pub mod quorum_accounts {
    pub const FIXED: usize = 7;
    pub const PER_SIGNER: usize = 2;
}

/// An operator's update (`update`): its id, and its accounts (the fixed ones, then each signature's enclave in
/// its order; its args are `fulfil_quorum`'s).
pub mod update {
    /// The id's preimage: this tag, the oracle, the subject and the assessment's timestamp (i64 LE), 89 bytes.
    /// A request's id is its PDA, sha256 of a 101-byte preimage (`"request"`, oracle, nonce, bump, program id,
    /// `"ProgramDerivedAddress"`): the two are equal only for a sha256 collision.
    pub const TAG: &[u8; 17] = b"AuraOracle.update";
    pub const FIXED: usize = 6;
}

/// The signed payload's first 23 bytes: the domain and payload version 2.
pub const PAYLOAD_PREFIX: &[u8; 23] = b"AURA/solana/assessment\x02";

/// The SlotHashes sysvar: `u64` count, then (slot u64, hash [u8; 32]) entries, newest first.
pub mod slot_hashes {
    /// `SysvarS1otHashes111111111111111111111111111`
    pub const ID: [u8; 32] = [
        6, 167, 213, 23, 25, 47, 10, 175, 198, 242, 101, 227, 251, 119, 204, 122, 218, 130, 197,
        41, 208, 190, 59, 19, 110, 45, 0, 85, 32, 0, 0, 0,
    ];
    pub const ENTRIES: usize = 8;
    pub const ENTRY_LEN: usize = 40;
}
