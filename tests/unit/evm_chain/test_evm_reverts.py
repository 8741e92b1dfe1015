"""Custom errors read back from refused calls (chains/evm/reverts.py), and the gas floor of a quorum batch
(chains/evm/batch_gas.py)."""

from __future__ import annotations

from eth_abi import encode as abi_encode
from eth_utils import keccak

from chains.evm.artifacts import load_artifact
from chains.evm.batch_gas import batch_quorum_floor, calldata_gas, quorum_gas
from chains.evm.reverts import CustomErrors, Revert

ERRORS = CustomErrors(load_artifact("AuraOracle").abi)
SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _data(signature: str, types: list[str], args: list[object]) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, args)


class _Refused(Exception):
    def __init__(self, message: str, data: object = None) -> None:
        super().__init__(message)
        self.data = data


def test_quorum_errors_are_read_with_their_arguments() -> None:
    quorum = ERRORS.decode(_data("QuorumNotMet(uint256,uint256)", ["uint256", "uint256"], [2, 3]))
    assert quorum == Revert("QuorumNotMet", (2, 3)) and str(quorum) == "QuorumNotMet(2, 3)"
    revoked = ERRORS.decode(_data("RevokedSigner(address)", ["address"], [SIGNER.lower()]))
    assert str(revoked) == f"RevokedSigner({SIGNER})"
    order = ERRORS.decode(_data("SignersNotAscending(address,address)", ["address", "address"], [SIGNER, SIGNER]))
    assert str(order) == f"SignersNotAscending({SIGNER}, {SIGNER})"
    mismatch = ERRORS.decode(_data("MeasurementMismatch(bytes32,bytes32)", ["bytes32", "bytes32"],
                                   [b"\x01" * 32, b"\x02" * 32]))
    assert str(mismatch) == f"MeasurementMismatch(0x{'01' * 32}, 0x{'02' * 32})"
    assert str(ERRORS.decode(keccak(text="InvalidSignature()")[:4])) == "InvalidSignature()"


def test_what_is_not_a_known_error_is_none() -> None:
    assert ERRORS.decode(keccak(text="NoSuchError(uint256)")[:4] + bytes(32)) is None
    assert ERRORS.decode(keccak(text="QuorumNotMet(uint256,uint256)")[:4] + bytes(3)) is None  # arguments cut short


def test_the_error_is_found_in_the_exception_data_or_text() -> None:
    data = "0x" + _data("QuorumNotMet(uint256,uint256)", ["uint256", "uint256"], [1, 3]).hex()
    assert str(ERRORS.of(_Refused("execution reverted", data))) == "QuorumNotMet(1, 3)"
    assert str(ERRORS.of(_Refused(f"execution reverted: custom error 0xdeadbeef, data: {data}"))) == \
        "QuorumNotMet(1, 3)"
    assert ERRORS.of(_Refused("insufficient funds for gas * price + value")) is None


def test_the_floor_is_what_the_contract_sets_aside_for_a_quorum_batch() -> None:
    assert [quorum_gas(n) for n in (0, 1, 2, 3, 15)] == [0, 0, 45_000, 60_000, 240_000]
    assert calldata_gas(b"\x00\x01\x00\xff") == 4 + 16 + 4 + 16
    data = b"\x00" * 10 + b"\x07" * 5
    assert batch_quorum_floor(data, [2, 3]) == 21_000 + 120 + 10_000 + 90_000 * 2 + 45_000 + 60_000
