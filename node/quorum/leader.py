"""The operators' order for a request: the same on every node, from the request id and the signers that answer.

Rendezvous hashing: each signer's weight is keccak256(request id || its 20 address bytes), and the order is
ascending weight; the caller gives the request id as the UTF-8 of its text form, the same on every operator.
The first leads (collects the signatures and submits); if the request is still pending
`takeover_after_s` later the second leads, and so on, back to the first after the last. Adding or removing one
signer moves no other signer's place relative to the rest. Pure functions: the caller brings the clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from chains.core.secp256k1 import keccak256, parse_address, to_checksum_address


def operator_order(request_id: bytes, signers: Iterable[str]) -> tuple[str, ...]:
    """The signers (0x addresses, each counted once whatever its case) in the request's order, checksummed.

    Raises:
        ValueError: a signer is not a 0x address.
    """
    raw = {parse_address(s.lower()) for s in signers}
    return tuple(to_checksum_address(a) for a in sorted(raw, key=lambda a: (keccak256(request_id + a), a)))


def turn_order(request_id: bytes, signers: Iterable[str], elapsed_s: float, takeover_after_s: float) -> tuple[str, ...]:
    """The request's order as it stands `elapsed_s` after the request's start (a time every operator reads the same:
    the pinned block's time): rotated by one every `takeover_after_s`, so that the first leads until then, the
    second until twice that, and so on, round the order again after the last. The leader is the first in it that
    answers (node/quorum/collector.py).

    Raises:
        ValueError: no signer, a signer that is not a 0x address, or `takeover_after_s` not above 0.
    """
    if takeover_after_s <= 0:
        raise ValueError(f"takeover_after_s must be above 0, got {takeover_after_s}")
    order = operator_order(request_id, signers)
    if not order:
        raise ValueError("no signer to lead: at least this node's own")
    turn = int(max(elapsed_s, 0.0) // takeover_after_s) % len(order)
    return order[turn:] + order[:turn]


def leader_at(request_id: bytes, signers: Iterable[str], elapsed_s: float, takeover_after_s: float) -> str:
    """The signer leading `elapsed_s` after the request's start when all of `signers` answer: `turn_order`'s first.

    Raises:
        ValueError: as `turn_order`.
    """
    return turn_order(request_id, signers, elapsed_s, takeover_after_s)[0]
