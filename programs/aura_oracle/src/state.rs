//! Discriminators and account layouts (docs/solana.md). Offsets are from the start of the account data,
//! the discriminator included. Every field is listed, used or not, as the layout's one description here.

#![allow(dead_code)]

// sha256("global:<name>")[..8]
pub const IX_INITIALIZE: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];
pub const IX_REGISTER_ENCLAVE: [u8; 8] = [212, 174, 251, 235, 52, 145, 141, 168];
pub const IX_REVOKE_ENCLAVE: [u8; 8] = [159, 107, 51, 105, 40, 186, 104, 20];
pub const IX_REQUEST_ASSESSMENT: [u8; 8] = [38, 71, 106, 218, 156, 145, 63, 15];
pub const IX_FULFIL: [u8; 8] = [109, 45, 157, 48, 226, 221, 227, 101];
pub const IX_CANCEL: [u8; 8] = [232, 219, 223, 41, 219, 236, 220, 190];

// sha256("account:<Name>")[..8]
pub const ACCOUNT_ORACLE: [u8; 8] = [139, 194, 131, 179, 140, 179, 229, 244];
pub const ACCOUNT_ENCLAVE: [u8; 8] = [222, 166, 223, 252, 18, 3, 84, 34];
pub const ACCOUNT_REQUEST: [u8; 8] = [125, 172, 150, 161, 162, 115, 39, 71];
pub const ACCOUNT_SCORE: [u8; 8] = [187, 110, 62, 119, 232, 235, 185, 90];

// sha256("event:<Name>")[..8]
pub const EVENT_ASSESSMENT_REQUESTED: [u8; 8] = [130, 76, 185, 212, 165, 126, 171, 250];
pub const EVENT_ASSESSMENT_FULFILLED: [u8; 8] = [196, 146, 112, 69, 76, 136, 103, 68];
pub const EVENT_ASSESSMENT_CANCELLED: [u8; 8] = [91, 160, 94, 123, 211, 188, 155, 122];
pub const EVENT_ENCLAVE_REGISTERED: [u8; 8] = [139, 187, 11, 241, 61, 63, 139, 142];
pub const EVENT_ENCLAVE_REVOKED: [u8; 8] = [241, 158, 99, 210, 10, 120, 83, 51];

pub mod oracle {
    pub const LEN: usize = 65;
    pub const ADMIN: usize = 8;
    pub const FEE_LAMPORTS: usize = 40;
    pub const REQUEST_TTL_S: usize = 48;
    pub const NEXT_NONCE: usize = 56;
    pub const LAYOUT_VERSION: usize = 64;
    pub const CURRENT_LAYOUT: u8 = 1;
    pub const MAX_REQUEST_TTL_S: i64 = 604_800;
}

pub mod enclave {
    pub const SEED: &[u8; 7] = b"enclave";
    pub const LEN: usize = 174;
    pub const ORACLE: usize = 8;
    pub const PUBLIC_KEY: usize = 40;
    pub const ADDRESS: usize = 104;
    pub const MEASUREMENT: usize = 124;
    pub const ACTIVE: usize = 156;
    pub const REGISTERED_AT: usize = 157;
    pub const REVOKED_AT: usize = 165;
    pub const BUMP: usize = 173;
}

pub mod request {
    pub const SEED: &[u8; 7] = b"request";
    /// Without the params' bytes.
    pub const BASE_LEN: usize = 150;
    pub const MAX_PARAMS: usize = 256;
    pub const ORACLE: usize = 8;
    pub const REQUESTER: usize = 40;
    pub const SUBJECT: usize = 72;
    pub const NONCE: usize = 104;
    pub const FEE: usize = 112;
    pub const CREATED_SLOT: usize = 120;
    pub const CREATED_AT: usize = 128;
    pub const EXPIRES_AT: usize = 136;
    pub const STATUS: usize = 144;
    pub const BUMP: usize = 145;
    pub const PARAMS_LEN: usize = 146;
    pub const PARAMS: usize = 150;
    pub const PENDING: u8 = 0;
}

pub mod score {
    pub const SEED: &[u8; 5] = b"score";
    pub const LEN: usize = 242;
    pub const ORACLE: usize = 8;
    pub const SUBJECT: usize = 40;
    /// score, tier, pd_bps, flags, measurement, commitment: the first 73 bytes of `fulfil`'s args.
    pub const SCORE: usize = 72;
    pub const SIGNER: usize = 145;
    pub const REQUEST: usize = 165;
    pub const ASSESSED_AT: usize = 197;
    pub const EXPIRY: usize = 205;
    pub const CREATED_AT: usize = 213;
    pub const UPDATED_AT: usize = 221;
    pub const UPDATED_SLOT: usize = 229;
    pub const VERSION: usize = 237;
    pub const BUMP: usize = 241;
}

/// `fulfil`'s arguments, at their offsets in the args (Borsh, no padding).
pub mod fulfil_args {
    pub const LEN: usize = 154;
    pub const SCORE: usize = 0;
    pub const TIER: usize = 2;
    pub const PD_BPS: usize = 3;
    pub const FLAGS: usize = 5;
    pub const MEASUREMENT: usize = 9;
    pub const COMMITMENT: usize = 41;
    pub const TIMESTAMP: usize = 73;
    pub const EXPIRY: usize = 81;
    /// score .. expiry: exactly the signed payload's last 89 bytes.
    pub const SIGNED_LEN: usize = 89;
    pub const SIGNATURE: usize = 89;
}

/// The signed payload's first 23 bytes: the domain and payload version 1.
pub const PAYLOAD_PREFIX: &[u8; 23] = b"AURA/solana/assessment\x01";
