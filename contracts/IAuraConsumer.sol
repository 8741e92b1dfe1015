// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IAuraConsumer
/// @notice What a contract that asks `AuraOracle` for assessments implements to hear the answer.
/// @dev The oracle calls back only requesters that have code, with exactly its `callbackGasLimit` gas,
///      and ignores the outcome: a reverting callback does not undo the fulfilment (its `AssessmentFulfilled`
///      says `CallbackOutcome.Reverted`; read the answer from it). Check that `msg.sender` is the oracle.
interface IAuraConsumer {
    function onAssessment(bytes32 requestId, address subject, uint16 score, uint8 tier, uint16 pdBps, uint32 flags)
        external;
}
