"""`aura verify`: recompute a fulfilled assessment from the chain alone and compare it, field by field, with what
the chain stored.

The signed assessment is read back from the chain (the fulfilment transaction), the request's pinned block is
taken from the request as every node takes it, the features are re-read at that block over an RPC of the user's
choosing, and the assessment is recomputed by the enclave's own code and model (node/enclave/service.py) under a
throwaway key: every signed field except the commitment (blinded by the enclave's secret) must come out equal.
Nothing is read from the node's store.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chains.base import ChainAdapter, Fulfilled
from chains.config import ChainConfig
from chains.core.errors import AuraError
from chains.family import BuildContext
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure_engine
from node.enclave.service import EnclaveService
from node.request_params import decode_params, loan_param
from node.scoring.config import load_config
from node.scoring.engine import Engine

COMPARED = ("block_number", "block_hash", "timestamp", "expiry", "features_hash", "measurement", "score", "tier",
            "pd_bps", "flags")


class VerifyError(AuraError, ValueError):
    """The assessment cannot be verified at all: not fulfilled, or its questionnaire is needed and absent."""


@dataclass(frozen=True)
class Row:
    field: str
    on_chain: str
    recomputed: str

    @property
    def matches(self) -> bool:
        return self.on_chain == self.recomputed


@dataclass(frozen=True)
class Report:
    chain: str
    request_id: str
    tx_hash: str
    signer: str
    rows: tuple[Row, ...]
    features: dict[str, Any]
    notes: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return all(row.matches for row in self.rows)

    @property
    def first_difference(self) -> Row | None:
        return next((row for row in self.rows if not row.matches), None)

    def to_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "request_id": self.request_id, "fulfilment_tx": self.tx_hash,
                "signer": self.signer, "match": self.matches,
                "fields": [{"field": r.field, "on_chain": r.on_chain, "recomputed": r.recomputed, "match": r.matches}
                           for r in self.rows],
                "features": self.features, "notes": list(self.notes)}

    def text(self) -> str:
        width = max(len(r.field) for r in self.rows)
        lines = [f"{self.chain} request {self.request_id}", f"fulfilled by {self.tx_hash}, signed by {self.signer}"]
        for r in self.rows:
            mark = "ok  " if r.matches else "DIFF"
            lines.append(f"{mark} {r.field:<{width}}  {r.on_chain}" + ("" if r.matches else f"  != {r.recomputed}"))
        lines += [f"note: {n}" for n in self.notes]
        first = self.first_difference
        lines.append("match" if first is None else f"first difference: {first.field}")
        return "\n".join(lines)


def _text(value: Any) -> str:
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)


async def verify(cfg: ChainConfig, data_dir: Path, request_id: str, scoring_config: Path | None = None,
                 questionnaire: dict[str, Any] | None = None) -> Report:
    """Recompute the assessment that fulfilled `request_id` on the chain `cfg` names (its RPC as given).

    Raises:
        VerifyError: the request is not fulfilled, or it carries a questionnaire and none was given.
        RetryLater, ChainError: the chain could not be read.
    """
    loaded = load_config(scoring_config)
    engine = Engine.load(loaded)
    measurement = measure_engine(engine, loaded)
    with ExitStack() as resources:
        ctx = BuildContext(data_dir=data_dir, cache=None, sequence_floor=lambda: None, resources=resources)
        family = FAMILIES[cfg.family]
        adapter = (family.reader or family.build)(cfg, ctx)
        await adapter.connect()
        try:
            return await _verify(adapter, request_id, engine, measurement, questionnaire)
        finally:
            await adapter.close()


async def _verify(adapter: ChainAdapter, request_id: str, engine: Engine, measurement: Any,
                  questionnaire: dict[str, Any] | None) -> Report:
    found = await adapter.read_fulfilment(request_id)
    if found is None:
        raise VerifyError(f"request {request_id} is not fulfilled on {adapter.name}")
    request = found.request
    pinned = await adapter.pinned(request)
    features = await adapter.read_features(request.subject, pinned)
    params: dict[str, Any] = {"request": adapter.enclave_request(request), "features": features}
    proof = await adapter.state_proof(request.subject, pinned)
    if proof is not None:
        params["proof"] = proof
    notes = _extras(request.params, questionnaire, params)
    if request.private:
        params["private"] = True
    service = EnclaveService(EnclaveKey.generate(), measurement, engine, clock=lambda: pinned.timestamp)
    recomputed = service.assess(params)
    return Report(chain=adapter.name, request_id=request_id, tx_hash=found.tx_hash, signer=found.signer,
                  rows=_rows(found, recomputed), features=features, notes=notes)


def _extras(params_hex: str, questionnaire: dict[str, Any] | None, params: dict[str, Any]) -> tuple[str, ...]:
    """Add the request's loan and questionnaire to `params` as the node would; notes on what was not checked."""
    extras = decode_params(params_hex)
    loan = loan_param(extras)
    if loan is not None:
        params["loan"] = loan
    notes = ["commitment: blinded by the enclave's secret, not recomputable"]
    if extras.questionnaire_hash is not None:
        if questionnaire is None:
            raise VerifyError(f"the request carries questionnaire {extras.questionnaire_hash}: pass its document "
                              "with --questionnaire (the borrower has it; the chain holds only its hash)")
        params["questionnaire"] = {"hash": extras.questionnaire_hash, "document": questionnaire}
        notes.append("questionnaire: the one given, checked against the request's hash")
    return tuple(notes)


def _rows(found: Fulfilled, recomputed: dict[str, Any]) -> tuple[Row, ...]:
    facts = found.facts
    return tuple(Row(name, _text(getattr(facts, name)), _text(_fact(recomputed, name))) for name in COMPARED)


def _fact(recomputed: dict[str, Any], name: str) -> Any:
    value = recomputed[name]
    return bytes.fromhex(value[2:]) if isinstance(value, str) and value.startswith("0x") else value


def load_questionnaire(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise VerifyError(f"--questionnaire {path}: {e}") from None
    if not isinstance(body, dict):
        raise VerifyError(f"--questionnaire {path}: not a JSON object")
    return body
