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

/// @notice Cheap (it records the call) until switched on; then its callback spins until it has burnt all the
///         gas it was given: a consumer that turns into a gas burner after a transmitter estimated its batch.
contract SwitchableBurner is TestConsumerBase {
    bool public burning;
    uint256 public calls;

    function setBurning(bool burning_) external {
        burning = burning_;
    }

    function onAssessment(bytes32, address, uint16, uint8, uint16, uint32) external {
        if (burning) {
            assembly {
                for {} 1 {} {}
            }
        }
        calls += 1;
    }
}

/// @notice A requester whose address has no code when a batch starts and code by its turn: the factory's
///         own callback deploys it (CREATE2), then burns the rest of its gas.
contract LateRequester is IAuraConsumer {
    constructor(AuraOracle oracle, address subject) payable {
        LateCodeFactory factory = LateCodeFactory(payable(msg.sender));
        if (factory.phase() == 0) {
            oracle.requestAssessment{value: msg.value}(subject, "");
            // Created in this transaction, so SELFDESTRUCT (run here through DELEGATECALL) still removes its
            // code (EIP-6780).
            (bool ok,) = factory.selfDestructor().delegatecall("");
            require(ok);
        }
    }

    function onAssessment(bytes32, address, uint16, uint8, uint16, uint32) external {}
}

contract LateCodeFactory is TestConsumerBase {
    bytes32 private constant SALT = keccak256("late requester");
    /// @notice Code `CALLER SELFDESTRUCT` (0x33ff).
    address public immutable selfDestructor;
    uint8 public phase;
    AuraOracle private _oracle;
    address private _subject;

    constructor() {
        address deployed;
        assembly {
            // init code: PUSH2 0x33ff PUSH1 0 MSTORE PUSH1 2 PUSH1 30 RETURN
            mstore(0, 0x6133ff6000526002601ef3)
            deployed := create(0, 21, 11)
        }
        require(deployed != address(0));
        selfDestructor = deployed;
    }

    /// @notice Ask from an address that ends the transaction without code.
    function requestFromEmptyAddress(AuraOracle oracle, address subject) external payable returns (address child) {
        (_oracle, _subject) = (oracle, subject);
        child = address(new LateRequester{salt: SALT, value: msg.value}(oracle, subject));
    }

    function onAssessment(bytes32, address, uint16, uint8, uint16, uint32) external {
        if (phase == 0) {
            phase = 1;
            new LateRequester{salt: SALT}(_oracle, _subject);
        }
        while (gasleft() > 5_000) {}
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
        AuraOracle.Signature calldata signature
    ) external {
        oracle.fulfil(req, a, signature);
    }
}
