"""The enclave's two calls, `attest` and `assess`, independent of any transport."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from node.enclave import eip712, solana, sui
from node.enclave.attestation import build_document, sign_document
from node.enclave.commitment import blinding, score_commitment
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import Measurement
from node.enclave.params import AssessParams, EvmRequest, SolanaRequest, SuiRequest, parse_assess
from node.scoring.engine import Engine
from node.scoring.features import as_dict, vector
from node.scoring.flags import flag_names

Clock = Callable[[], int]


def system_clock() -> int:
    return int(time.time())


class ClockSkew(ValueError):
    """The features' as_of_timestamp is too far from the enclave's clock."""


@dataclass(frozen=True)
class _Signed:
    """The signed fields every family's envelope carries (measurement aside)."""

    score: int
    tier: int
    pd_bps: int
    flags: int
    commitment: bytes
    timestamp: int
    expiry: int

    def score_fields(self, measurement: bytes) -> dict[str, Any]:
        """The fields every family's payload carries under the same names."""
        return {"score": self.score, "tier": self.tier, "pd_bps": self.pd_bps, "flags": self.flags,
                "measurement": measurement, "commitment": self.commitment}


class EnclaveService:
    """Holds the key, the measurement and the scoring engine it measured; computes and signs assessments.

    `questionnaire_reader(questionnaire, facts) -> (points, flags, reasons)` reads a questionnaire (the
    engine's local LLM and intent rules by default); it is only called for a request that carries one.
    """

    def __init__(self, key: EnclaveKey, measurement: Measurement, engine: Engine, clock: Clock = system_clock,
                 questionnaire_reader: Callable[[Any, dict[str, Any]], tuple[int, int, tuple[str, ...]]] | None = None):
        self._key = key
        self._measurement = measurement
        self._engine = engine
        self._config = engine.config
        self._clock = clock
        self._read_questionnaire = questionnaire_reader or engine.read_questionnaire
        self._attestation = sign_document(build_document(key.public_key, measurement), key.sign_digest)
        self._public_key64 = solana.uncompressed_public_key(key.public_key)

    @property
    def signer(self) -> str:
        return self._key.address

    @property
    def measurement(self) -> Measurement:
        return self._measurement

    def attest(self) -> dict[str, Any]:
        return self._attestation

    def assess(self, raw_params: Any) -> dict[str, Any]:
        """Validate (InvalidParams), check the clock (ClockSkew), score, commit, sign."""
        return self.assess_parsed(parse_assess(raw_params))

    def assess_parsed(self, params: AssessParams) -> dict[str, Any]:
        features = params.features
        now = self._clock()
        skew = self._config.max_clock_skew_s
        if abs(features.as_of_timestamp - now) > skew:
            raise ClockSkew(
                f"features.as_of_timestamp {features.as_of_timestamp} is {features.as_of_timestamp - now:+d} s "
                f"from the enclave clock {now} (allowed: {skew} s)"
            )
        intent: tuple[int | None, int, tuple[str, ...]] = (None, 0, ())
        if params.questionnaire is not None:
            intent = self._read_questionnaire(params.questionnaire, as_dict(vector(features)))
        result = self._engine.assess(features, intent_points=intent[0], intent_flags=intent[1],
                                     intent_reasons=intent[2], loan=params.loan)
        request = params.request
        commitment = score_commitment(
            request.request_id, result.score, blinding(self._key.commitment_secret, request.request_id)
        )
        timestamp = features.as_of_timestamp
        signed = _Signed(
            score=result.score,
            tier=result.tier,
            pd_bps=result.pd_bps,
            flags=int(result.flags),
            commitment=commitment,
            timestamp=timestamp,
            expiry=timestamp + self._config.assessment_ttl_s,
        )
        if isinstance(request, SolanaRequest):
            envelope = self._sign_solana(request, signed)
        elif isinstance(request, SuiRequest):
            envelope = self._sign_sui(request, signed)
        else:
            envelope = self._sign_evm(request, signed)
        return {
            "score": result.score,
            "tier": result.tier,
            "pd_bps": result.pd_bps,
            "flags": int(result.flags),
            "dimensions": dict(result.dimensions),
            "flag_names": flag_names(int(result.flags)),
            "scorecard": result.scorecard,
            "model_points": result.model_points,
            "anomaly_bps": result.anomaly_bps,
            "rules": list(result.rules),
            "reasons": result.reasons,
            "intent_reasons": list(result.intent_reasons),
            "terms": result.terms,
            "measurement": self._measurement.hex,
            "commitment": "0x" + commitment.hex(),
            "timestamp": signed.timestamp,
            "expiry": signed.expiry,
            "signer": self._key.address,
            **envelope,
        }

    def _sign_evm(self, request: EvmRequest, signed: _Signed) -> dict[str, Any]:
        """EIP-712: `digest`, `signature` (r || s || v, v 27/28) and `typed_data`."""
        assessment = eip712.Assessment(
            request_id=request.request_id,
            subject=request.subject,
            **signed.score_fields(self._measurement.digest),
            timestamp=signed.timestamp,
            expiry=signed.expiry,
        )
        domain = eip712.Domain(request.chain_id, request.contract)
        digest = eip712.digest(domain, assessment)
        return {
            "digest": "0x" + digest.hex(),
            "signature": "0x" + self._key.sign_digest(digest).hex(),
            "typed_data": eip712.typed_data(domain, assessment),
        }

    def _sign_solana(self, request: SolanaRequest, signed: _Signed) -> dict[str, Any]:
        """docs/solana.md: `public_key`, `payload`, `digest` and `signature` (r || s || recovery id 0/1)."""
        payload = solana.Assessment(
            program=request.program,
            oracle=request.contract,
            request=request.request_id,
            subject=request.subject,
            **signed.score_fields(self._measurement.digest),
            timestamp=signed.timestamp,
            expiry=signed.expiry,
        ).payload()
        digest = solana.digest(payload)
        return {
            "public_key": "0x" + self._public_key64.hex(),
            "payload": "0x" + payload.hex(),
            "digest": "0x" + digest.hex(),
            "signature": "0x" + solana.recovery_id_signature(self._key.sign_digest(digest)).hex(),
        }

    def _sign_sui(self, request: SuiRequest, signed: _Signed) -> dict[str, Any]:
        """docs/sui.md: `public_key` (33 bytes), `intent_message` (BCS), `digest` (SHA-256), `signature`
        (64-byte low-S r || s) and the two times in milliseconds."""
        message = sui.Assessment(
            oracle=request.contract,
            request_id=request.request_id,
            subject=request.subject,
            **signed.score_fields(self._measurement.digest),
            timestamp_ms=signed.timestamp * 1000,
            expiry_ms=signed.expiry * 1000,
        ).to_bcs()
        digest = sui.digest(message)
        return {
            "public_key": "0x" + self._key.public_key.hex(),
            "intent_message": "0x" + message.hex(),
            "digest": "0x" + digest.hex(),
            "signature": "0x" + sui.compact_signature(self._key.sign_digest(digest)).hex(),
            "timestamp_ms": signed.timestamp * 1000,
            "expiry_ms": signed.expiry * 1000,
        }


__all__ = ["ClockSkew", "EnclaveService", "system_clock"]
