// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuraOracle} from "./IAuraOracle.sol";

/// @title IAuraThresholdVerifier
/// @notice What a protocol calls to learn that a subject's committed score is at least its threshold without
///         learning the score: a Groth16 proof of circuits/threshold.circom checked against the commitment the
///         oracle stored for the subject (docs/evm.md, "Prove a threshold").
/// @dev Field elements (`scope`, `nullifier`) are numbers below the BN254 scalar field order `r`. A proof is
///      `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`: EIP-197's encoding, each G2 coordinate's imaginary
///      part first (snarkjs writes the real part first; chains/evm/groth16.py swaps them).
interface IAuraThresholdVerifier {
    /// @notice A proof was accepted by `verifyThreshold`; `verifier` is its caller, for whom a non-zero scope's
    ///         nullifier is now spent.
    event ThresholdVerified(
        address indexed subject, address indexed verifier, uint16 threshold, uint256 scope, uint256 nullifier
    );

    /// @notice The oracle holds no assessment of `subject`.
    error NoAssessment(address subject);
    /// @notice The subject's assessment no longer counts: its signer, or too many of its quorum, was revoked.
    error AssessmentRevoked(address subject);
    /// @notice The subject's assessment is past its expiry.
    error AssessmentExpired(uint64 expiry);
    /// @notice Public input `index` (circuit order: commitment, threshold, subject_hi, subject_lo, scope,
    ///         nullifier) is not below the scalar field order: as given it would verify as itself minus `r`.
    error PublicInputOutOfField(uint256 index);
    /// @notice The proof does not verify for these public inputs, or one of its points is not a valid BN254 point.
    error InvalidProof();
    /// @notice The caller already spent this nullifier.
    error NullifierSpent(uint256 nullifier);

    /// @notice Checks that `proof` shows `subject`'s committed score is at least `threshold`, for `scope` and
    ///         `nullifier`; the commitment is the one the oracle stored for `subject`, and the assessment must
    ///         still count and not be past its expiry. When `scope` is not zero, spends `nullifier` for the caller:
    ///         a second call with it fails (`NullifierSpent`).
    function verifyThreshold(
        address subject,
        uint16 threshold,
        uint256 scope,
        uint256 nullifier,
        uint256[8] calldata proof
    ) external;

    /// @notice The checks of `verifyThreshold` for `msg.sender`, nothing spent: reverts with the error
    ///         `verifyThreshold` would raise now.
    function checkThreshold(
        address subject,
        uint16 threshold,
        uint256 scope,
        uint256 nullifier,
        uint256[8] calldata proof
    ) external view;

    /// @notice Whether `verifier` has spent `nullifier`.
    function nullifierSpent(address verifier, uint256 nullifier) external view returns (bool);

    /// @notice The oracle whose stored commitments proofs open.
    function oracle() external view returns (IAuraOracle);
}
