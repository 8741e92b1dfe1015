// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuraOracle} from "./IAuraOracle.sol";
import {IAuraThresholdVerifier} from "./IAuraThresholdVerifier.sol";

/// @title AuraThresholdVerifier
/// @notice Checks Groth16 proofs of circuits/threshold.circom against the score commitments one `AuraOracle`
///         stores: a proof shows that the subject's committed score is at least a threshold, and nothing else.
///         The verifying key is fixed at deployment (a new ceremony deploys a new verifier), in immutables so that
///         a verification reads no storage for it.
/// @dev The circuit's public inputs, in its order: the commitment (read from the oracle, never taken from the
///      caller), the threshold, the subject's address as a 256-bit number split into its high and low 128 bits
///      (node/zk/poseidon_commitment.py `limbs`), the scope and the nullifier. The check is Groth16's
///      e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1, vk_x = IC[0] + sum(input[i] IC[i + 1]), on the
///      EIP-196/197 precompiles, which refuse points off the curve (and, for G2, outside its subgroup) and
///      coordinates not below the base field modulus; scalars they reduce silently, so public inputs are checked
///      below the scalar field order here.
contract AuraThresholdVerifier is IAuraThresholdVerifier {
    /// @notice A Groth16 verifying key in EIP-197's encoding: G1 points `[x, y]`, G2 points
    ///         `[x.c1, x.c0, y.c1, y.c0]`, and `ic` the seven points IC[0..6] as `[x0, y0, x1, y1, ...]`.
    struct VerifyingKey {
        uint256[2] alpha;
        uint256[4] beta;
        uint256[4] gamma;
        uint256[4] delta;
        uint256[14] ic;
    }

    /// @notice The verifying key has a coordinate out of range or a point that is not on its curve.
    error InvalidVerifyingKey();

    /// @dev BN254's scalar field order (public inputs) and base field modulus (coordinates).
    uint256 private constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 private constant PUBLIC_INPUTS = 6;
    uint256 private constant LIMB_MASK = (1 << 128) - 1;
    // Precompile addresses and the gas each call needs (EIP-1108): a fixed allowance, so that an invalid point
    // costs only that, not all the gas left.
    uint256 private constant EC_ADD = 6;
    uint256 private constant EC_MUL = 7;
    uint256 private constant PAIRING = 8;
    uint256 private constant EC_ADD_GAS = 150;
    uint256 private constant EC_MUL_GAS = 6000;
    uint256 private constant PAIRING_GAS = 45000 + 4 * 34000;

    IAuraOracle public immutable oracle;

    uint256 private immutable ALPHA_X;
    uint256 private immutable ALPHA_Y;
    uint256 private immutable BETA_X1;
    uint256 private immutable BETA_X0;
    uint256 private immutable BETA_Y1;
    uint256 private immutable BETA_Y0;
    uint256 private immutable GAMMA_X1;
    uint256 private immutable GAMMA_X0;
    uint256 private immutable GAMMA_Y1;
    uint256 private immutable GAMMA_Y0;
    uint256 private immutable DELTA_X1;
    uint256 private immutable DELTA_X0;
    uint256 private immutable DELTA_Y1;
    uint256 private immutable DELTA_Y0;
    uint256 private immutable IC0_X;
    uint256 private immutable IC0_Y;
    uint256 private immutable IC1_X;
    uint256 private immutable IC1_Y;
    uint256 private immutable IC2_X;
    uint256 private immutable IC2_Y;
    uint256 private immutable IC3_X;
    uint256 private immutable IC3_Y;
    uint256 private immutable IC4_X;
    uint256 private immutable IC4_Y;
    uint256 private immutable IC5_X;
    uint256 private immutable IC5_Y;
    uint256 private immutable IC6_X;
    uint256 private immutable IC6_Y;

    mapping(address verifier => mapping(uint256 nullifier => bool)) private _spent;

    /// @param oracle_ The oracle whose stored commitments the proofs open.
    /// @param key The verifying key of circuits/threshold.circom's ceremony (chains/evm/groth16.py
    ///        `verifying_key_arg` from snarkjs' verification_key.json), checked point by point here.
    constructor(IAuraOracle oracle_, VerifyingKey memory key) {
        _checkKey(key);
        oracle = oracle_;
        (ALPHA_X, ALPHA_Y) = (key.alpha[0], key.alpha[1]);
        (BETA_X1, BETA_X0, BETA_Y1, BETA_Y0) = (key.beta[0], key.beta[1], key.beta[2], key.beta[3]);
        (GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0) = (key.gamma[0], key.gamma[1], key.gamma[2], key.gamma[3]);
        (DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0) = (key.delta[0], key.delta[1], key.delta[2], key.delta[3]);
        (IC0_X, IC0_Y, IC1_X, IC1_Y) = (key.ic[0], key.ic[1], key.ic[2], key.ic[3]);
        (IC2_X, IC2_Y, IC3_X, IC3_Y) = (key.ic[4], key.ic[5], key.ic[6], key.ic[7]);
        (IC4_X, IC4_Y, IC5_X, IC5_Y) = (key.ic[8], key.ic[9], key.ic[10], key.ic[11]);
        (IC6_X, IC6_Y) = (key.ic[12], key.ic[13]);
    }

    /// @inheritdoc IAuraThresholdVerifier
    function verifyThreshold(
        address subject,
        uint16 threshold,
        uint256 scope,
        uint256 nullifier,
        uint256[8] calldata proof
    ) external {
        _check(subject, threshold, scope, nullifier, proof);
        if (scope != 0) _spent[msg.sender][nullifier] = true;
        emit ThresholdVerified(subject, msg.sender, threshold, scope, nullifier);
    }

    /// @inheritdoc IAuraThresholdVerifier
    function checkThreshold(
        address subject,
        uint16 threshold,
        uint256 scope,
        uint256 nullifier,
        uint256[8] calldata proof
    ) external view {
        _check(subject, threshold, scope, nullifier, proof);
    }

    /// @inheritdoc IAuraThresholdVerifier
    function nullifierSpent(address verifier, uint256 nullifier) external view returns (bool) {
        return _spent[verifier][nullifier];
    }

    /// @dev Every check of `verifyThreshold`, for `msg.sender`'s nullifiers: the stored assessment, the public
    ///      inputs, the nullifier, then the proof (the dearest last).
    function _check(
        address subject,
        uint16 threshold,
        uint256 scope,
        uint256 nullifier,
        uint256[8] calldata proof
    ) private view {
        (IAuraOracle.AssessmentRecord memory record, bool counts) = oracle.latestAssessmentStatus(subject);
        if (!record.exists) revert NoAssessment(subject);
        if (!counts) revert AssessmentRevoked(subject);
        if (block.timestamp > record.expiry) revert AssessmentExpired(record.expiry);
        uint256 subjectValue = uint160(subject);
        uint256[PUBLIC_INPUTS] memory inputs =
            [uint256(record.commitment), threshold, subjectValue >> 128, subjectValue & LIMB_MASK, scope, nullifier];
        for (uint256 i; i < PUBLIC_INPUTS; ++i) {
            if (inputs[i] >= R) revert PublicInputOutOfField(i);
        }
        if (scope != 0 && _spent[msg.sender][nullifier]) revert NullifierSpent(nullifier);
        if (!_verify(inputs, proof)) revert InvalidProof();
    }

    /// @dev Whether `proof` verifies for `inputs` (each below R) under the key; false also when a point of the
    ///      proof is invalid.
    function _verify(uint256[PUBLIC_INPUTS] memory inputs, uint256[8] calldata proof) private view returns (bool) {
        (bool ok, uint256 x, uint256 y) = _linearCombination(inputs);
        if (!ok || proof[1] >= Q) return false;
        uint256[24] memory pairs = [
            proof[0],
            proof[1] == 0 ? 0 : Q - proof[1], // -A
            proof[2],
            proof[3],
            proof[4],
            proof[5],
            ALPHA_X,
            ALPHA_Y,
            BETA_X1,
            BETA_X0,
            BETA_Y1,
            BETA_Y0,
            x,
            y,
            GAMMA_X1,
            GAMMA_X0,
            GAMMA_Y1,
            GAMMA_Y0,
            proof[6],
            proof[7],
            DELTA_X1,
            DELTA_X0,
            DELTA_Y1,
            DELTA_Y0
        ];
        uint256 result;
        assembly ("memory-safe") {
            let out := mload(0x40)
            ok := staticcall(PAIRING_GAS, PAIRING, pairs, 768, out, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            result := mload(out)
        }
        return ok && result == 1;
    }

    /// @dev vk_x = IC[0] + sum(inputs[i] IC[i + 1]); a zero input adds nothing and is skipped.
    function _linearCombination(uint256[PUBLIC_INPUTS] memory inputs)
        private
        view
        returns (bool ok, uint256 x, uint256 y)
    {
        uint256[14] memory ic = [
            IC0_X, IC0_Y, IC1_X, IC1_Y, IC2_X, IC2_Y, IC3_X, IC3_Y, IC4_X, IC4_Y, IC5_X, IC5_Y, IC6_X, IC6_Y
        ];
        assembly ("memory-safe") {
            // buf: the running sum (0x00..0x40), then a scratch point and scalar for ecMul (0x40..0xa0).
            let buf := mload(0x40)
            mstore(buf, mload(ic))
            mstore(add(buf, 0x20), mload(add(ic, 0x20)))
            ok := 1
            for { let i := 0 } lt(i, PUBLIC_INPUTS) { i := add(i, 1) } {
                let s := mload(add(inputs, mul(i, 0x20)))
                if s {
                    let point := add(ic, mul(add(i, 1), 0x40))
                    mstore(add(buf, 0x40), mload(point))
                    mstore(add(buf, 0x60), mload(add(point, 0x20)))
                    mstore(add(buf, 0x80), s)
                    ok := and(ok, staticcall(EC_MUL_GAS, EC_MUL, add(buf, 0x40), 0x60, add(buf, 0x40), 0x40))
                    ok := and(ok, staticcall(EC_ADD_GAS, EC_ADD, buf, 0x80, buf, 0x40))
                }
            }
            x := mload(buf)
            y := mload(add(buf, 0x20))
        }
    }

    /// @dev Reverts `InvalidVerifyingKey` unless every G1 point of `key` is on the curve (ecAdd refuses it
    ///      otherwise) and every G2 point on the twist and in its subgroup (the pairing refuses it otherwise, even
    ///      paired with the point at infinity).
    function _checkKey(VerifyingKey memory key) private view {
        bool ok = _onG1(key.alpha[0], key.alpha[1]);
        for (uint256 i; i < 14; i += 2) {
            ok = ok && _onG1(key.ic[i], key.ic[i + 1]);
        }
        uint256[18] memory pairs;
        for (uint256 i; i < 4; ++i) {
            (pairs[2 + i], pairs[8 + i], pairs[14 + i]) = (key.beta[i], key.gamma[i], key.delta[i]);
        }
        uint256 result;
        assembly ("memory-safe") {
            let out := mload(0x40)
            let called := staticcall(gas(), PAIRING, pairs, 576, out, 0x20)
            ok := and(ok, and(called, eq(returndatasize(), 0x20)))
            result := mload(out)
        }
        if (!ok || result != 1) revert InvalidVerifyingKey();
    }

    /// @dev Whether (x, y) is a valid G1 point, the point at infinity aside: ecAdd of it and infinity succeeds.
    function _onG1(uint256 x, uint256 y) private view returns (bool ok) {
        if (x == 0 && y == 0) return false;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(buf, x)
            mstore(add(buf, 0x20), y)
            mstore(add(buf, 0x40), 0)
            mstore(add(buf, 0x60), 0)
            ok := staticcall(EC_ADD_GAS, EC_ADD, buf, 0x80, buf, 0x40)
        }
    }
}
