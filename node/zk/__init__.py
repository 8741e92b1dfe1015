"""Zero-knowledge threshold proofs: the Poseidon commitment the circuit in circuits/ opens
(`poseidon_commitment`) and the pinned npm snarkjs run on the artefacts of `make zk` (`snarkjs`).

Importing this package imports nothing else; proofs are made and checked by snarkjs, never in Python.
"""
