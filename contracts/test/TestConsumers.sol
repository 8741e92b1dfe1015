// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AuraOracle} from "../AuraOracle.sol";
import {IAuraConsumer} from "../IAuraConsumer.sol";

// Test-only consumers of AuraOracle: each asks for an assessment and misbehaves (or not) on the callback.

abstract contract TestConsumerBase is IAuraConsumer {
    function request(AuraOracle oracle, address subject) external payable returns (bytes32) {
        return oracle.requestAssessment{value: msg.value}(subject, "");
    }

    /// @dev Refunds from `cancel` land here.
    receive() external payable {}
}

/// @notice Records the last callback and the gas it arrived with.
contract RecordingConsumer is TestConsumerBase {
    bytes32 public lastRequestId;
    address public lastSubject;
    uint16 public lastScore;
    uint8 public lastTier;
    uint16 public lastPdBps;
    uint32 public lastFlags;
    uint256 public gasAtEntry;
    uint256 public calls;

    function onAssessment(bytes32 requestId, address subject, uint16 score, uint8 tier, uint16 pdBps, uint32 flags)
        external
    {
        uint256 g = gasleft();
        gasAtEntry = g;
        lastRequestId = requestId;
        lastSubject = subject;
        lastScore = score;
        lastTier = tier;
        lastPdBps = pdBps;
        lastFlags = flags;
        calls += 1;
    }
}

/// @notice Its callback always reverts.
contract RevertingConsumer is TestConsumerBase {
    error NotToday(bytes32 requestId);

    function onAssessment(bytes32 requestId, address, uint16, uint8, uint16, uint32) external pure {
        revert NotToday(requestId);
    }
}

/// @notice Its callback spins until it has burnt all the gas it was given.
contract GasBurningConsumer is TestConsumerBase {
    function onAssessment(bytes32, address, uint16, uint8, uint16, uint32) external pure {
        assembly {
            for {} 1 {} {}
        }
    }
}

/// @notice Its callback returns `size` bytes, enough that a caller copying them would run out of gas.
contract ReturnBombConsumer is TestConsumerBase {
    uint256 public immutable size;

    constructor(uint256 size_) {
        size = size_;
    }

    function onAssessment(bytes32, address, uint16, uint8, uint16, uint32) external view {
        uint256 n = size;
        assembly {
            return(0, n)
        }
    }
}

/// @notice A transmitter that cannot take payment: fulfils through itself and has no receive function.
contract RejectingTransmitter {
    function fulfil(
        AuraOracle oracle,
        AuraOracle.Request calldata req,
        AuraOracle.Assessment calldata a,
        bytes calldata signature
    ) external {
        oracle.fulfil(req, a, signature);
    }
}
