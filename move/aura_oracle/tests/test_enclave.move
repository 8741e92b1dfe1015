/// An enclave key the tests hold (made from a fixed seed with the test-only `ecdsa_k1` natives), so they can sign
/// assessments for requests they make themselves and for fields the vectors do not cover. What it signs is
/// `oracle::intent_message_bytes` (checked against the shared vectors in `fulfil_tests`), hashed with SHA-256.
#[test_only]
module aura_oracle::test_enclave;

use aura_oracle::oracle;
use aura_oracle::vector_data as v;
use sui::ecdsa_k1::{Self, KeyPair};

const SEED: vector<u8> = x"a11ce0a11ce0a11ce0a11ce0a11ce0a11ce0a11ce0a11ce0a11ce0a11ce0a11c";

fun keypair(): KeyPair { ecdsa_k1::secp256k1_keypair_from_seed(&SEED) }

/// The key's 33-byte compressed form.
public fun public_key(): vector<u8> { *keypair().public_key() }

/// The 64-byte low-S signature over the assessment of `v::subject()` for `request_id` of the set-up's oracle,
/// with the vectors' measurement, the first commitment, and the first case's checkpoint, checkpoint digest and
/// features hash.
public fun sign(
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    timestamp_ms: u64,
    expiry_ms: u64,
): vector<u8> {
    let message = oracle::intent_message_bytes(
        v::oracle_id(),
        request_id,
        v::subject(),
        score,
        tier,
        pd_bps,
        flags,
        v::measurement(),
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        timestamp_ms,
        expiry_ms,
    );
    let signature = ecdsa_k1::secp256k1_sign(keypair().private_key(), &message, 1, false);
    assert!(ecdsa_k1::secp256k1_verify(&signature, &public_key(), &message, 1));
    signature
}
