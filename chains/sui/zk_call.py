"""The Sui programmable transactions of the threshold verifier (`aura_oracle::zk`, docs/sui.md "Threshold proofs"):
what a protocol's client (or the operator, for the key) sends. Built here so that the argument order and encodings
follow the Move signatures in one place; they are checked against those signatures by the tests, never executed
here (no Sui network, and the WASM runner panics in `sui::groth16`).

- `verify_threshold(oracle, subject, threshold, scope, nullifier, spend, proof, clock)`: the oracle a mutable shared
  object, the subject an address, the threshold a u16, scope and nullifier u256 (BCS: 32 bytes little-endian),
  spend a bool, the proof's 128 bytes (chains/sui/groth16.py `proof_bytes`), the clock 0x6.
- `set_verifying_key(cap, oracle, verifying_key)`: the AdminCap owned by the sender, the key's bytes
  (`verifying_key_bytes`).
"""

from __future__ import annotations

from pysui.sui.sui_bcs import bcs

from chains.sui import package as pkg
from chains.sui import transaction as tx

ZK_MODULE = "zk"
VERIFY_THRESHOLD = "verify_threshold"
SET_VERIFYING_KEY = "set_verifying_key"
PROOF_BYTES = 128
FIELD_BYTES = 32


def u256(value: int, name: str) -> bytes:
    """A Move `u256` in BCS: 32 bytes, little-endian."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 256:
        raise ValueError(f"{name}: {value!r} does not fit u256")
    return value.to_bytes(FIELD_BYTES, "little")


def verify_threshold_kind(package: str, oracle: str, oracle_initial_shared_version: int, subject: str,
                          threshold: int, scope: int, nullifier: int, proof: bytes,
                          spend: bool = False) -> bcs.TransactionKind:
    """One call of `zk::verify_threshold`; ValueError naming the argument that does not fit its Move type."""
    if len(proof) != PROOF_BYTES:
        raise ValueError(f"proof: {len(proof)} bytes, not {PROOF_BYTES} (A, B, C compressed)")
    return tx.move_call(package, ZK_MODULE, VERIFY_THRESHOLD, [
        tx.shared_object(oracle, oracle_initial_shared_version, True),
        tx.pure(tx.id_bytes(subject)),
        tx.pure(tx.uint(threshold, 16, "threshold")),
        tx.pure(u256(scope, "scope")),
        tx.pure(u256(nullifier, "nullifier")),
        tx.pure(b"\x01" if spend else b"\x00"),
        tx.pure(tx.vector_u8(proof)),
        tx.shared_object(pkg.CLOCK_ID, pkg.CLOCK_INITIAL_SHARED_VERSION, False),
    ])


def set_verifying_key_kind(package: str, admin_cap: tx.ObjectRef, oracle: str, oracle_initial_shared_version: int,
                           verifying_key: bytes) -> bcs.TransactionKind:
    """One call of `zk::set_verifying_key` by the AdminCap's owner."""
    return tx.move_call(package, ZK_MODULE, SET_VERIFYING_KEY, [
        bcs.ObjectArg("ImmOrOwnedObject", admin_cap.to_bcs()),
        tx.shared_object(oracle, oracle_initial_shared_version, True),
        tx.pure(tx.vector_u8(verifying_key)),
    ])


__all__ = ["set_verifying_key_kind", "verify_threshold_kind"]
