"""Whether a peer signed the payload we did: equal digests agree; otherwise a Disagreement naming what differs.

A disagreement is never submitted (its signature is over another payload and would not count on chain). It
is logged once per (peer, request, peer's digest) and counted then in `aura_peer_disagreements_total{peer}`, so
that asking a peer again does not inflate the count.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.core.logs import fields
from node import metrics
from node.quorum.answer import SignedAnswer

log = logging.getLogger("aura.quorum")

SIGNED_FACTS = ("score", "tier", "pd_bps", "flags", "measurement", "commitment", "block_number", "block_hash",
                "features_hash", "timestamp", "expiry")
"""The facts every family's payload carries (chains/core/assessment.py), as the enclave's answer names them."""
REMEMBERED = 10_000


@dataclass(frozen=True)
class Disagreement:
    """A peer's signature over another payload than ours for request `key`: the two digests, the features that
    differ (dotted names for nested ones, e.g. `history.tx_30d`) and the signed facts that differ, by name."""

    key: str
    peer: str
    ours: str
    theirs: str
    features: tuple[str, ...]
    facts: tuple[str, ...]

    def __str__(self) -> str:
        return (f"peer {self.peer} signed {self.theirs} for {self.key}, we signed {self.ours}; features differing: "
                f"{', '.join(self.features) or 'none'}; signed facts differing: {', '.join(self.facts) or 'none'}")


def compare(ours: SignedAnswer, theirs: SignedAnswer, peer: str) -> Disagreement | None:
    """None when both signed the same digest; else what differs. With no features on one side, none are named."""
    if ours.digest == theirs.digest:
        return None
    features = () if ours.features is None or theirs.features is None else differing(ours.features, theirs.features)
    facts = tuple(name for name in SIGNED_FACTS if ours.assessment.get(name) != theirs.assessment.get(name))
    return Disagreement(key=ours.key, peer=peer, ours=ours.digest, theirs=theirs.digest, features=features,
                        facts=facts)


def differing(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[str, ...]:
    """The names, sorted, whose values differ between two feature sets, or that only one of them has."""
    flat_a, flat_b = _flatten(a), _flatten(b)
    return tuple(sorted(name for name in flat_a.keys() | flat_b.keys() if flat_a.get(name) != flat_b.get(name)))


def _flatten(features: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """name -> the value's canonical JSON; an object's members are named `name.member`."""
    out: dict[str, str] = {}
    for name, value in features.items():
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return out


class Disagreements:
    """Records disagreements: each (peer, request, peer's digest) logged and counted once, the last
    `remembered` of them kept in mind."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self._remembered = remembered

    def record(self, disagreement: Disagreement) -> bool:
        """Log and count `disagreement` unless it was already; True when it was new."""
        seen = (disagreement.peer, disagreement.key, disagreement.theirs)
        if seen in self._seen:
            self._seen.move_to_end(seen)
            return False
        self._seen[seen] = None
        if len(self._seen) > self._remembered:
            self._seen.popitem(last=False)
        metrics.PEER_DISAGREEMENTS.labels(peer=disagreement.peer).inc()
        log.warning("peer disagrees", extra=fields(
            key=disagreement.key, peer=disagreement.peer, ours=disagreement.ours, theirs=disagreement.theirs,
            features=list(disagreement.features), facts=list(disagreement.facts)))
        return True
