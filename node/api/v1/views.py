"""The store's rows as the API's answers, with the privacy rule applied once, here.

A stored assessment is the enclave's whole answer: the signed fields, the family's envelope, and the unsigned
explanation (`UNSIGNED`). The signed payload is the answer without the explanation, passed through untouched.
A private assessment (its request asked for one, docs/protocol.md "Private assessments") keeps the real score
in the store; what explains or reveals it (`HIDDEN_WHEN_PRIVATE`) is answered as null.
"""

from __future__ import annotations

import json
from typing import Any

from node.api.models import Assessment, Block, Cosigner, RequestStatus, SignedPayload, Transition
from node.scoring.flags import flag_names

UNSIGNED = frozenset({"score", "tier", "pd_bps", "dimensions", "flag_names", "scorecard", "model_points",
                      "anomaly_bps", "rules", "reasons", "intent_reasons", "terms", "private", "offchain", "update"})
"""Keys of the enclave's answer that are not part of the signed payload (node/enclave/service.py)."""
HIDDEN_WHEN_PRIVATE = ("score", "tier", "pd_bps", "dimensions", "scorecard", "reasons", "intent_reasons", "rules",
                       "terms")


def assessment_view(row: dict[str, Any]) -> Assessment:
    """One row of `Store.subject_assessments` as the API answers it."""
    result: dict[str, Any] = json.loads(row["result"])
    private = bool(row["private"]) or result.get("private") is True
    shown = {k: None if private else result.get(k) for k in HIDDEN_WHEN_PRIVATE}
    signed = {k: v for k, v in result.items() if k not in UNSIGNED}
    return Assessment(
        chain=row["chain"], family=row["family"], subject=row["subject"], request_key=row["key"],
        request_id=row["request_id"], request_tx=row["tx_hash"], fulfilment_tx=row["submission"] or None,
        state=row["state"], private=private, operator_update=bool(row.get("operator_update")),
        block=Block(number=result["block_number"], hash=result["block_hash"]),
        features_hash=result["features_hash"],
        features=None if row["scored_features"] is None else json.loads(row["scored_features"]),
        flags=result["flags"], flag_names=flag_names(result["flags"]),
        signed=SignedPayload.model_validate(signed), cosigners=_cosigners(row.get("cosigners"), signed),
        scored_at=row["scored_at"], **shown)


def _cosigners(text: str | None, signed: dict[str, Any]) -> list[Cosigner]:
    """Each cosigner's signed fields that differ from this node's (a cosigner signed the same digest: the rest is
    the same payload)."""
    out = []
    for wire in json.loads(text) if text else []:
        own = {k: v for k, v in wire.items() if k not in UNSIGNED and signed.get(k) != v}
        out.append(Cosigner.model_validate({"signer": wire["signer"], "signature": wire["signature"], **own}))
    return out


def request_view(row: dict[str, Any], transitions: list[dict[str, Any]], assessed: bool) -> RequestStatus:
    """A `requests` row and its `Store.history` as the API answers them."""
    return RequestStatus(
        chain=row["chain"], family=row["family"], request_key=row["key"], request_id=row["request_id"],
        subject=row["subject"], requester=row["requester"], private=bool(row["private"]), state=row["state"],
        reason=row["reason"] or "", block=Block(number=row["block_number"], hash=row["block_hash"]),
        request_tx=row["tx_hash"], fee=str(row["fee"]), expires_at=row["expires_at"],
        fulfilment_tx=row["submission"] or None, fulfil_block=row["fulfil_block"], assessed=assessed,
        seen_at=row["seen_at"], updated_at=row["updated_at"],
        transitions=[Transition(src=t["src"], dst=t["dst"], at=t["at"], detail=t["detail"] or "")
                     for t in transitions])
