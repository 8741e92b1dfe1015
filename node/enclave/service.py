"""The enclave's calls, `attest`, `assess` and `open`, independent of any transport."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chains.core import offchain
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.errors import AuraError
from chains.core.features import features_hash
from chains.registry import FAMILIES
from node.enclave.attestation import build_document, sign_document
from node.enclave.commitment import blinding, score_commitment
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import Measurement
from node.enclave.open import NonceBook, open_commitment, parse_open
from node.enclave.params import AssessParams, parse_assess
from node.enclave.targets import Targets
from node.scoring.engine import Engine
from node.scoring.features import as_dict, vector
from node.scoring.flags import Flag, flag_names

Clock = Callable[[], int]


def system_clock() -> int:
    return int(time.time())


class ClockSkew(AuraError, ValueError):
    """The pinned block's time is ahead of the enclave's clock, or so far behind it that its assessment would
    already have expired."""


class EnclaveService:
    """Holds the key, the measurement and the scoring engine it measured; computes and signs assessments.

    `questionnaire_reader(questionnaire, facts) -> (points, flags, reasons)` reads a questionnaire (the
    engine's local LLM and intent rules by default); it is only called for a request that carries one.

    `targets`: the chains and contracts it signs for (node/enclave/targets.py); the enclave process always
    passes those its key was sealed for. None signs for any request: only for recomputing (aura verify) and
    tests, never served.
    """

    def __init__(self, key: EnclaveKey, measurement: Measurement, engine: Engine, clock: Clock = system_clock,
                 questionnaire_reader: Callable[[Any, dict[str, Any]], tuple[int, int, tuple[str, ...]]] | None = None,
                 targets: Targets | None = None):
        self._key = key
        self._measurement = measurement
        self._engine = engine
        self._config = engine.config
        self._clock = clock
        self._read_questionnaire = questionnaire_reader or engine.read_questionnaire
        self._targets = targets
        self._attestation = sign_document(build_document(key.public_key, measurement, targets), key.sign_digest)
        self._nonces = NonceBook()

    @property
    def signer(self) -> str:
        return self._key.address

    @property
    def measurement(self) -> Measurement:
        return self._measurement

    def attest(self) -> dict[str, Any]:
        return self._attestation

    def assess(self, raw_params: Any) -> dict[str, Any]:
        """Validate (InvalidParams, also for a target it was not sealed for), check the clock (ClockSkew), score,
        commit, sign."""
        return self.assess_parsed(parse_assess(raw_params, None if self._targets is None else self._targets.check))

    def open(self, raw_params: Any) -> dict[str, Any]:
        """The opening of a commitment this enclave made, for its subject only (node/enclave/open.py):
        InvalidParams (also for a target it was not sealed for), OpenRefused."""
        check = None if self._targets is None else self._targets.check
        return open_commitment(parse_open(raw_params, check), self._key.commitment_secret, self._clock(),
                               self._nonces)

    def assess_parsed(self, params: AssessParams) -> dict[str, Any]:
        features = params.features
        now = self._clock()
        skew = self._config.max_clock_skew_s
        ttl = self._config.assessment_ttl_s
        if features.as_of_timestamp - now > skew:
            raise ClockSkew(
                f"features.as_of_timestamp {features.as_of_timestamp} is {features.as_of_timestamp - now:+d} s "
                f"from the enclave clock {now} (allowed: {skew} s ahead)"
            )
        if features.as_of_timestamp + ttl <= now:
            raise ClockSkew(
                f"features.as_of_timestamp {features.as_of_timestamp} is {now - features.as_of_timestamp} s before "
                f"the enclave clock {now}: its assessment would already have expired (ttl {ttl} s)"
            )
        intent: tuple[int | None, int, tuple[str, ...]] = (None, 0, ())
        if params.questionnaire is not None:
            intent = self._read_questionnaire(params.questionnaire, as_dict(vector(features)))
        result = self._engine.assess(features, intent_points=intent[0], intent_flags=intent[1],
                                     intent_reasons=intent[2], loan=params.loan)
        request = params.request
        flags = int(result.flags) | (int(Flag.CONTRACT_ACCOUNT) if params.proven.has_code else 0)
        commitment = score_commitment(
            result.score, blinding(self._key.commitment_secret, request.request_id, request.subject), request.subject
        )
        timestamp = features.as_of_timestamp
        facts = AssessmentFacts(
            # a private assessment signs the commitment alone: the chain never holds its score, tier or PD
            score=0 if params.private else result.score,
            tier=PRIVATE_TIER if params.private else result.tier,
            pd_bps=0 if params.private else result.pd_bps,
            flags=flags,
            measurement=self._measurement.digest,
            commitment=commitment,
            block_number=params.as_of_block,
            block_hash=params.block_hash,
            features_hash=features_hash(params.features_wire),
            timestamp=timestamp,
            expiry=timestamp + self._config.assessment_ttl_s,
        )
        if params.offchain:  # under a domain of its own: no contract takes it (chains/core/offchain.py)
            envelope = offchain.sign(params.family, request.chain_id, request.subject, facts, self._key)
        else:
            envelope = FAMILIES[params.family].codec.sign(request, facts, self._key)
        return {
            "score": result.score,
            "tier": result.tier,
            "pd_bps": result.pd_bps,
            "flags": flags,
            "dimensions": dict(result.dimensions),
            "flag_names": flag_names(flags),
            "scorecard": result.scorecard,
            "model_points": result.model_points,
            "anomaly_bps": result.anomaly_bps,
            "rules": list(result.rules),
            "reasons": result.reasons,
            "intent_reasons": list(result.intent_reasons),
            "terms": result.terms,
            "measurement": self._measurement.hex,
            "commitment": "0x" + commitment.hex(),
            "block_number": facts.block_number,
            "block_hash": "0x" + facts.block_hash.hex(),
            "features_hash": "0x" + facts.features_hash.hex(),
            "timestamp": facts.timestamp,
            "expiry": facts.expiry,
            "signer": self._key.address,
            "private": params.private,
            "offchain": params.offchain,
            "update": params.update,
            **envelope,
        }


__all__ = ["ClockSkew", "EnclaveService", "system_clock"]
