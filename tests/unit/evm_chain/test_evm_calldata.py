"""The fulfilment calls (chains/evm/calldata.py): encoded as the contract's ABI encodes them (the single-signature
calls byte for byte as before quorums), a quorum's signatures in the contract's order (the enclave's own first,
then its cosigners' in ascending signer order), read back whichever call it is; and the items one call refuses."""

from __future__ import annotations

import pytest
from web3 import Web3

from chains.base import OracleRequest, SignedAssessment
from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import keccak256, recover_address
from chains.evm import calldata
from chains.evm import payload as eip712
from chains.evm.artifacts import load_artifact
from chains.evm.facts import pack_facts
from chains.evm.signature import compact, expand
from node.enclave.keys import EnclaveKey

ORACLE = "0x00000000000000000000000000000000000A0A0A"
KEYS = [EnclaveKey(keccak256(f"calldata test operator {i}".encode())) for i in range(16)]


def _request(n: int) -> OracleRequest:
    return OracleRequest(
        chain="anvil", family="evm", chain_id=31337, contract=ORACLE, request_id="0x" + keccak256(bytes([n])).hex(),
        requester="0x70997970C51812dc3A010C7d01b50e0d17dc79C8", subject="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        fee=10**15 + n, expires_at=2_000_000_000, params="0x", block_number=100 + n, block_hash="0x" + "ab" * 32,
        tx_hash="0x" + "cd" * 32, ordinal=n)


def _signed(request: OracleRequest, key: EnclaveKey) -> SignedAssessment:
    facts = AssessmentFacts(score=742, tier=1, pd_bps=350, flags=8, measurement=keccak256(b"m"),
                            commitment=keccak256(request.request_id.encode()), block_number=request.block_number,
                            block_hash=bytes.fromhex(request.block_hash[2:]), features_hash=keccak256(b"f"),
                            timestamp=1_700_000_000, expiry=1_700_000_600)
    assessment = eip712.Assessment(request_id=bytes.fromhex(request.request_id[2:]),
                                   subject=bytes.fromhex(request.subject[2:]), facts=facts)
    digest = eip712.digest(eip712.Domain(request.chain_id, bytes.fromhex(ORACLE[2:])), assessment)
    return SignedAssessment(facts=facts, signer=key.address, signature=key.sign_digest(digest), digest=digest)


def _cosigned(request: OracleRequest, keys: list[EnclaveKey]) -> SignedAssessment:
    return _signed(request, keys[0]).with_cosigners(_signed(request, key) for key in keys[1:])


def _abi_args(request: OracleRequest, a: SignedAssessment, signatures: list[bytes]) -> list[object]:
    f = a.facts
    req = (bytes.fromhex(request.request_id[2:]), request.requester, request.subject, request.fee,
           request.expires_at, request.block_number)
    body = (pack_facts(f.score, f.tier, f.pd_bps, f.flags, f.timestamp, f.expiry), f.measurement, f.commitment,
            f.block_number, f.block_hash, f.features_hash)
    return [req, body, [compact(s) for s in signatures]]


def _web3_encoded(function: str, args: list[object]) -> bytes:
    contract = Web3().eth.contract(abi=load_artifact("AuraOracle").abi)
    return bytes.fromhex(contract.encode_abi(function, args=args)[2:])


def _in_order(keys: list[EnclaveKey]) -> list[EnclaveKey]:
    """The contract's order: the first key (the enclave's own), then the others by ascending address."""
    return [keys[0], *sorted(keys[1:], key=lambda k: int(k.address, 16))]


def test_single_signature_calls_encode_as_the_abi_does() -> None:
    one, two = _request(1), _request(2)
    a1, a2 = _signed(one, KEYS[0]), _signed(two, KEYS[0])
    r1, b1, (s1,) = _abi_args(one, a1, [a1.signature])  # type: ignore[misc]
    r2, b2, (s2,) = _abi_args(two, a2, [a2.signature])  # type: ignore[misc]
    assert calldata.encode([(one, a1)]) == _web3_encoded("fulfil", [r1, b1, s1])
    assert calldata.encode([(one, a1), (two, a2)]) == _web3_encoded("fulfilBatch", [[r1, r2], [b1, b2], [s1, s2]])


def test_quorum_calls_encode_as_the_abi_does_own_signature_first_then_cosigners_ascending() -> None:
    one, two = _request(1), _request(2)
    keys = [KEYS[3], KEYS[0], KEYS[5]]  # addresses 0x8B.., 0xb2.., 0x09..: neither given nor ascending order
    a1, a2 = _cosigned(one, keys), _cosigned(two, keys[:2])
    in_order = [[_signed(r, k).signature for k in _in_order(ks)] for r, ks in ((one, keys), (two, keys[:2]))]
    r1, b1, s1 = _abi_args(one, a1, in_order[0])
    r2, b2, s2 = _abi_args(two, a2, in_order[1])
    assert calldata.encode([(one, a1)]) == _web3_encoded("fulfilQuorum", [r1, b1, s1])
    assert calldata.encode([(one, a1), (two, a2)]) == _web3_encoded("fulfilBatchQuorum",
                                                                    [[r1, r2], [b1, b2], [s1, s2]])
    assert [s.signer for s in calldata.ordered(a1)] == [k.address for k in (KEYS[3], KEYS[5], KEYS[0])]
    assert [s.signer for s in calldata.ordered(a1)] != [s.signer for s in a1.signers()]  # sorting did something


def test_each_call_is_read_back_with_its_signatures_in_order() -> None:
    one, two = _request(1), _request(2)
    keys = [KEYS[7], KEYS[2], KEYS[4]]
    lone, batch = _cosigned(one, keys), [(one, _cosigned(one, keys)), (two, _cosigned(two, keys[1:]))]
    for items in ([(one, _signed(one, KEYS[0]))], [(one, _signed(one, KEYS[0])), (two, _signed(two, KEYS[1]))],
                  [(one, lone)], batch):
        decoded = calldata.decode(calldata.encode(items))
        assert decoded is not None and len(decoded) == len(items)
        for (request, signed), (req, body, signatures) in zip(items, decoded, strict=True):
            assert "0x" + bytes(req[0]).hex() == request.request_id and body[1] == signed.facts.measurement
            signers = [recover_address(signed.digest, expand(*s)) for s in signatures]
            assert signers == [s.signer for s in calldata.ordered(signed)]


def test_another_call_is_not_read() -> None:
    assert calldata.decode(keccak256(b"withdrawFees(address)")[:4] + bytes(32)) is None


def test_items_with_and_without_cosigners_do_not_share_a_call() -> None:
    one, two = _request(1), _request(2)
    with pytest.raises(ValueError) as mixed:
        calldata.encode([(one, _signed(one, KEYS[0])), (two, _cosigned(two, KEYS[:2]))])
    assert str(mixed.value) == "items with and without cosigners in one fulfilment"


def test_an_item_takes_at_most_15_signatures() -> None:
    one = _request(1)
    assert calldata.signature_counts([(one, _cosigned(one, KEYS[:15]))]) == [15]
    with pytest.raises(ValueError) as many:
        calldata.encode([(one, _cosigned(one, KEYS[:16]))])
    assert str(many.value) == "16 signatures on one assessment; max_signatures is 15"


def test_nothing_is_not_a_call() -> None:
    with pytest.raises(ValueError) as empty:
        calldata.encode([])
    assert str(empty.value) == "nothing to fulfil"
