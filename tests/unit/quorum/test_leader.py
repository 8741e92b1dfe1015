"""The operators' order for a request (node/quorum/leader.py): rendezvous hashing over the signers that answer,
the first leading, the next taking over after `takeover_after_s`, round again after the last."""

from __future__ import annotations

from collections import Counter

import pytest

from chains.core.secp256k1 import keccak256
from node.quorum.leader import leader_at, operator_order, turn_order
from tests.unit.quorum.operators import operator

REQUEST = bytes.fromhex("11" * 32)
A, B, C = (operator(i).address for i in (1, 2, 3))
# keccak256(REQUEST || address) begins 80f39179 for A, aa442d59 for B, 888a79f1 for C
ORDER = (A, C, B)


def test_order_is_ascending_keccak_of_request_id_and_address() -> None:
    assert operator_order(REQUEST, [A, B, C]) == ORDER
    weights = [keccak256(REQUEST + bytes.fromhex(s[2:])) for s in ORDER]
    assert weights == sorted(weights)


def test_order_ignores_input_order_case_and_repeats() -> None:
    assert operator_order(REQUEST, [B, C.lower(), A.upper().replace("0X", "0x"), B]) == ORDER


def test_a_signer_leaving_keeps_the_others_in_their_order() -> None:
    assert operator_order(REQUEST, [A, B]) == (A, B)
    assert operator_order(REQUEST, [C, B]) == (C, B)


def test_leadership_spreads_over_requests() -> None:
    leaders = Counter(operator_order(keccak256(i.to_bytes(2, "big")), [A, B, C])[0] for i in range(300))
    assert set(leaders) == {A, B, C} and min(leaders.values()) >= 70


@pytest.mark.parametrize(("elapsed", "leader"), [
    (-5.0, A), (0.0, A), (29.999, A), (30.0, C), (59.9, C), (60.0, B), (89.0, B), (90.0, A), (150.0, B),
])
def test_the_next_takes_over_after_each_turn(elapsed: float, leader: str) -> None:
    assert leader_at(REQUEST, [A, B, C], elapsed, 30.0) == leader


def test_alone_this_node_always_leads() -> None:
    assert leader_at(REQUEST, [B], 1e6, 30.0) == B


@pytest.mark.parametrize(("signers", "takeover", "error"), [
    ([], 30.0, "no signer to lead: at least this node's own"),
    ([A], 0.0, "takeover_after_s must be above 0, got 0.0"),
    (["0x1234"], 30.0, "must be 0x followed by 40 hex digits"),
])
def test_refusals(signers: list[str], takeover: float, error: str) -> None:
    with pytest.raises(ValueError) as refused:
        leader_at(REQUEST, signers, 0.0, takeover)
    assert str(refused.value) == error


@pytest.mark.parametrize(("elapsed", "order"), [
    (0.0, (A, C, B)), (30.0, (C, B, A)), (60.0, (B, A, C)), (90.0, (A, C, B)),
])
def test_the_turn_order_is_the_order_rotated_once_a_turn(elapsed: float, order: tuple[str, ...]) -> None:
    assert ORDER == (A, C, B)
    assert turn_order(REQUEST, [A, B, C], elapsed, 30.0) == order
