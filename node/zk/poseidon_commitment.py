"""The score commitment the circuit of circuits/threshold.circom opens, and the nullifier it binds: Poseidon over
the BN254 scalar field, bit for bit as circomlib computes it (circomlibpy 1.0.0, checked against the circuit's own
witness by tests/unit/zk and tests/vectors/zk.json).

    commitment = Poseidon(score, blinding, subject_hi, subject_lo)
    nullifier  = Poseidon(blinding, scope)

The subject is its chain's address in one 32-byte form, read as one big-endian number and split into two 128-bit
limbs, for every family alike: a Solana public key or a Sui address is its 32 bytes as they are; an EVM address is
its 20 bytes left-padded with 12 zero bytes (as `abi.encode` and `bytes32(uint256(uint160(a)))` write it), so its
high limb holds its top 32 bits. 32-byte addresses do not fit in one field element (254 bits), hence the limbs. The
limbs are public inputs of the proof, so a verifier computes them from the wallet whose stored commitment it reads:
a proof for one wallet says nothing about another.
"""

from __future__ import annotations

from circomlibpy.poseidon import PoseidonHash

# The order of BN254's G1 (the scalar field circom and snarkjs work in).
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617
SCORE_MAX = 1000
LIMB_BITS = 128
# EVM addresses are 20 bytes; Solana public keys and Sui addresses are 32.
SUBJECT_LENGTHS = (20, 32)

_POSEIDON = PoseidonHash()


def poseidon(inputs: list[int]) -> int:
    """circomlib's Poseidon of 1 to 16 field elements.

    Raises:
        ValueError: no input, more than 16, or one outside the field (two numbers equal modulo the field would
            hash alike: the caller reduces on purpose or not at all).
    """
    if not 1 <= len(inputs) <= 16:
        raise ValueError(f"Poseidon takes 1 to 16 inputs, not {len(inputs)}")
    for value in inputs:
        _check_field(value, "Poseidon input")
    return int(_POSEIDON.hash(len(inputs), list(inputs)))


def subject_word(subject: bytes) -> bytes:
    """The subject's 32-byte form: a 32-byte address as it is, a 20-byte EVM address left-padded with zeros.

    Raises:
        ValueError: the address is not 20 or 32 bytes.
    """
    if len(subject) not in SUBJECT_LENGTHS:
        raise ValueError(f"subject must be 20 or 32 bytes, not {len(subject)}")
    return subject.rjust(32, b"\x00")


def limbs(subject: bytes) -> list[int]:
    """The subject's 32-byte form as [high 128 bits, low 128 bits] of its big-endian value (a 20-byte EVM address
    and its 32-byte form give the same limbs).

    Raises:
        ValueError: the address is not 20 or 32 bytes.
    """
    value = int.from_bytes(subject_word(subject), "big")
    return [value >> LIMB_BITS, value & ((1 << LIMB_BITS) - 1)]


def commitment(score: int, blinding: int, subject: bytes) -> int:
    """Poseidon(score, blinding, subject_hi, subject_lo): what the enclave writes on chain and the proof opens.

    Raises:
        ValueError: the score is outside 0..1000, the blinding outside the field or the subject not 20 or 32 bytes.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= SCORE_MAX:
        raise ValueError(f"score must be an integer in 0..{SCORE_MAX}")
    _check_field(blinding, "blinding")
    return poseidon([score, blinding, *limbs(subject)])


def nullifier(blinding: int, scope: int) -> int:
    """Poseidon(blinding, scope): one per assessment and verifying protocol, unlinkable across scopes.

    Raises:
        ValueError: the blinding or the scope is outside the field.
    """
    _check_field(blinding, "blinding")
    _check_field(scope, "scope")
    return poseidon([blinding, scope])


def _check_field(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < FIELD_MODULUS:
        raise ValueError(f"{name} must be an integer in 0..p-1 (BN254 scalar field)")
