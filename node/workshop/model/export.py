"""Train the PD and anomaly models on the host and export them to the enclave's integer artefacts.

Host side only (numpy, xgboost, scikit-learn: the `model` extra); the enclave reads the artefacts with
node/scoring/gbm.py and node/scoring/anomaly.py, whose docstrings define the formats.

Training data are rows of `int | None` in the order of `features` (node/scoring/features.py VECTOR for the
shipped models); None is missing. Both libraries compute in float32 internally, so integers above 2**24
reach the trees rounded; the exported integer model compares the exact integers, which is the reference.
For such a value lying within float32 rounding just below a threshold, xgboost's own prediction may differ
from the artefact's (never for |x| <= 2**24).

Conversions (every one exact or rounded once, half to even, with no platform-dependent maths):
- xgboost splits are `float32(x) < t`: for an integer x that is `x < ceil(t)`, the artefact's threshold.
- sklearn splits are `x <= t` (t a float64): for an integer x that is `x < floor(t) + 1`.
- leaf values (float32) times SCALE, rounded half to even (`round` of an exact Fraction).
- an internal node's value: the sum of its leaves' value * cover (xgboost's hessian sum) over the sum of
  their covers, computed as an exact Fraction, then scaled and rounded likewise.
- the base margin: logit of xgboost's base score (a float32 probability), computed with `decimal` at 40
  digits; logarithms for the cut-points and isolation path lengths likewise, so the artefact's bytes do not
  depend on the machine's libm.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from node.scoring.anomaly import ISOLATION_FORMAT, ISOLATION_VERSION
from node.scoring.gbm import GBM_FORMAT, GBM_VERSION, PD_STEPS, Ratio

SCALE = 1 << 24
"""Fixed-point scale of margins and path lengths: 2**24 rounds each float32 leaf value by at most 3e-8."""

ROUNDS_CAP = 800
CV_FOLDS = 5
CV_PATIENCE = 200
"""Early stopping inside the training data: xgboost's cross-validation over CV_FOLDS stratified folds (drawn with
the training seed) grows up to ROUNDS_CAP rounds; if CV_PATIENCE rounds in a row fail to lower the mean held-out
log loss before the cap, the rounds after the best one are dropped, otherwise all ROUNDS_CAP are kept. The model
is then trained on all the rows for that many rounds. The cap, the round count fixed before, bounds the enclave's
model: training can stop sooner, never later (docs/model-card.md)."""
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "logloss",
    "tree_method": "hist",
    "max_depth": 3,
    "eta": 0.01,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "lambda": 1.0,
    "max_bin": 256,
}
"""Shallow, slow-learning trees: small credit data sets overfit quickly; depth 3 keeps interactions few. eta 0.01
(0.05 over 200 rounds before) ranks better on German credit and Taiwan under their protocols and on other seeds'
folds of both; stopping early by cross-validation inside the training data (800 rounds fixed before, now the
most) ranks better on Taiwan over 36 other splits (docs/model-card.md)."""
RATIO_SCALE = 10_000
"""A ratio input in units of 1/10,000 of its denominator (basis points)."""

_DIGITS = 40
_EULER_GAMMA = Decimal("0.5772156649015328606065120900824024310421593359399")


# --- canonical bytes -----------------------------------------------------------------------------------


def dumps(artefact: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no spaces, ASCII only, no NaN, one trailing newline."""
    text = json.dumps(artefact, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.encode("ascii") + b"\n"


# --- exact maths -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _ln_odd() -> tuple[Decimal, ...]:
    """ln(j) for j = 0..19999 at odd j (even slots unused): every cut-point needs only these."""
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return tuple(Decimal(j).ln() if j % 2 else Decimal(0) for j in range(2 * PD_STEPS))


def _to_int(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=rounding))


@lru_cache(maxsize=8)
def logistic_cutpoints(scale: int) -> tuple[int, ...]:
    """Cut-point k (1..10000) = ceil(scale * logit((k - 0.5) / 10000)).

    Then the number of cut-points <= m is floor(10000 * sigmoid(m / scale) + 1/2): PD in bps rounded.
    logit((2k - 1) / 20000) = ln(2k - 1) - ln(20001 - 2k), both odd, so one table of logarithms serves.
    """
    ln = _ln_odd()
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return tuple(_to_int((ln[2 * k - 1] - ln[20001 - 2 * k]) * scale, ROUND_CEILING)
                     for k in range(1, PD_STEPS + 1))


@lru_cache(maxsize=4096)
def average_path_length(n: int) -> Decimal:
    """c(n): the mean depth of an unsuccessful search in a binary search tree of n keys (Liu et al. 2008),
    as scikit-learn uses it: 0 for n <= 1, 1 for n == 2, else 2 (ln(n - 1) + gamma) - 2 (n - 1) / n."""
    if n <= 1:
        return Decimal(0)
    if n == 2:
        return Decimal(1)
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return 2 * (Decimal(n - 1).ln() + _EULER_GAMMA) - Decimal(2 * (n - 1)) / Decimal(n)


def isolation_cutpoints(scale: int, n_trees: int, max_samples: int) -> tuple[int, ...]:
    """Ascending cut-points such that (number of cut-points >= H) = round(10000 * 2**(-H / (S T c(psi)))).

    For k = 1..10000 the score is >= (k - 0.5) / 10000 iff H <= S T c(psi) * -log2((2k - 1) / 20000); the
    largest such integer H is the floor of the right side.
    """
    ln = _ln_odd()
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        unit = Decimal(scale * n_trees) * average_path_length(max_samples) / Decimal(2).ln()
        ln_steps = Decimal(2 * PD_STEPS).ln()
        cuts = [_to_int(unit * (ln_steps - ln[2 * k - 1]), ROUND_FLOOR) for k in range(1, PD_STEPS + 1)]
    return tuple(sorted(cuts))


def _fixed(value: Fraction, scale: int) -> int:
    """round(value * scale), half to even."""
    return round(value * scale)


def _f32(value: Any) -> Fraction:
    """The exact value of a float32 (as stored by xgboost) as a Fraction."""
    number = np.float32(value)
    if not np.isfinite(number):
        raise ValueError(f"non-finite value {value!r} in the model")
    return Fraction(float(number))


# --- gradient boosting -----------------------------------------------------------------------------------


def _matrix(X: Sequence[Sequence[int | None]], n_features: int) -> np.ndarray:
    rows = []
    for r, row in enumerate(X):
        if len(row) != n_features:
            raise ValueError(f"X[{r}]: has {len(row)} values, expected {n_features}")
        out = []
        for c, value in enumerate(row):
            if value is None:
                out.append(math.nan)
            elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                out.append(float(value))
            else:
                raise ValueError(f"X[{r}][{c}]: must be an integer or None")
        rows.append(out)
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), n_features)


def ratios_between(features: Sequence[str], names: Sequence[str], scale: int = RATIO_SCALE) -> tuple[Ratio, ...]:
    """A ratio input for every ordered pair of the named features (`a/b` and `b/a`), in the order of `names`."""
    index = {name: i for i, name in enumerate(features)}
    unknown = [name for name in names if name not in index]
    if unknown:
        raise ValueError(f"ratios: unknown features {unknown}")
    return tuple(Ratio(f"{a}/{b}", index[a], index[b], scale) for a in names for b in names if a != b)


def with_ratios(X: Sequence[Sequence[int | None]], ratios: Sequence[Ratio]) -> list[list[int | None]]:
    """Each row followed by its ratio inputs, computed by the enclave's own `Ratio.of`."""
    return [[*row, *(r.of(row) for r in ratios)] for row in X]


def train_gbm(X: Sequence[Sequence[int | None]], y: Sequence[int], features: Sequence[str], *, seed: int = 7,
              params: Mapping[str, Any] | None = None, n_threads: int = 2, ratios: Sequence[Ratio] = ()) -> Any:
    """Train an xgboost binary:logistic booster on integer rows (None -> missing).

    `params` overrides DEFAULT_PARAMS; two extra keys are understood: `num_boost_round` (by default chosen by
    cross-validation inside X: see ROUNDS_CAP) and `monotone_constraints` as a mapping {feature name: -1 | 0 | 1}.
    `ratios` (see `ratios_between`) are computed from each row and given to the trees after the features, as the
    exported model computes them. The seed drives the folds of the round choice and row and column subsampling;
    the same seed, data and thread count give a byte-identical booster.
    """
    import xgboost as xgb

    if ratios:
        X = with_ratios(X, ratios)
    features = list(features) + [r.name for r in ratios]
    merged = {**DEFAULT_PARAMS, **(params or {})}
    fixed = merged.pop("num_boost_round", None)
    monotone = merged.pop("monotone_constraints", None)
    if isinstance(monotone, Mapping):
        unknown = sorted(set(monotone) - set(features))
        if unknown:
            raise ValueError(f"monotone_constraints: unknown features {unknown}")
        merged["monotone_constraints"] = "(" + ",".join(str(int(monotone.get(f, 0))) for f in features) + ")"
    elif monotone is not None:
        merged["monotone_constraints"] = monotone
    if merged.get("objective") != "binary:logistic":
        raise ValueError("objective: only binary:logistic is supported")
    merged.update({"seed": seed, "nthread": n_threads, "verbosity": 0})
    labels = np.asarray(list(y), dtype=np.float64)
    if labels.shape != (len(X),) or not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("y: must hold one 0/1 label per row")
    dtrain = xgb.DMatrix(_matrix(X, len(features)), label=labels, missing=math.nan, feature_names=features)
    rounds = int(fixed) if fixed is not None else chosen_rounds(merged, dtrain, seed)
    return xgb.train(merged, dtrain, num_boost_round=rounds)


def chosen_rounds(params: Mapping[str, Any], dtrain: Any, seed: int) -> int:
    """The round count of ROUNDS_CAP's doc: early stopping on the mean held-out log loss over CV_FOLDS stratified
    folds drawn with `seed` (the best round once CV_PATIENCE have not lowered it, ROUNDS_CAP if the cap comes
    first)."""
    import xgboost as xgb

    history = xgb.cv(dict(params), dtrain, num_boost_round=ROUNDS_CAP, nfold=CV_FOLDS, stratified=True, seed=seed,
                     early_stopping_rounds=CV_PATIENCE, metrics="logloss")
    return len(history)


def _base_score(model: Mapping[str, Any]) -> Fraction:
    raw = model["learner"]["learner_model_param"]["base_score"]
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        parts = [p for p in text[1:-1].split(",") if p.strip()]
        if len(parts) != 1:
            raise ValueError(f"base_score {raw!r}: expected one value")
        text = parts[0]
    return _f32(float(text))


def _logit_fixed(p: Fraction, scale: int) -> int:
    """round(scale * ln(p / (1 - p))), half to even."""
    if not 0 < p < 1:
        raise ValueError(f"base_score {float(p)} is not a probability in (0, 1)")
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        odds = Decimal(p.numerator) / Decimal(p.denominator - p.numerator)
        return _to_int(odds.ln() * scale, ROUND_HALF_EVEN)


def _export_tree(tree: Mapping[str, Any], n_features: int, scale: int, index: int) -> tuple[list[dict], int]:
    """One xgboost JSON tree to artefact nodes (pre-order from the root), and its root value."""
    place = f"tree {index}"
    if any(int(t) != 0 for t in tree.get("split_type", [])):
        raise ValueError(f"{place}: categorical splits are not supported")
    left, right = tree["left_children"], tree["right_children"]
    cond, cover = tree["split_conditions"], tree["sum_hessian"]
    split_index, default_left = tree["split_indices"], tree["default_left"]

    # Pre-order numbering of the nodes reachable from the root (skips any deleted slots).
    order: list[int] = []
    stack = [0]
    while stack:
        i = stack.pop()
        order.append(i)
        if left[i] != -1:
            stack.extend((right[i], left[i]))
    new_id = {old: new for new, old in enumerate(order)}

    # Exact cover-weighted means: (sum value * cover, sum cover) per node, children before parents.
    sums: dict[int, tuple[Fraction, Fraction]] = {}
    for i in reversed(order):
        if left[i] == -1:
            c = _f32(cover[i])
            sums[i] = (_f32(cond[i]) * c, c)
        else:
            (a, ca), (b, cb) = sums[left[i]], sums[right[i]]
            sums[i] = (a + b, ca + cb)

    def mean(i: int) -> Fraction:
        if left[i] == -1:
            return _f32(cond[i])
        total, weight = sums[i]
        if weight == 0:
            raise ValueError(f"{place}: node {i} has zero cover")
        return total / weight

    nodes: list[dict[str, Any]] = []
    for i in order:
        value = _fixed(mean(i), scale)
        if left[i] == -1:
            nodes.append({"value": value})
            continue
        feature = int(split_index[i])
        if not 0 <= feature < n_features:
            raise ValueError(f"{place}: split on feature {feature}, the model has {n_features}")
        nodes.append({
            "feature": feature,
            "threshold": math.ceil(_f32(cond[i])),
            "missing": "left" if int(default_left[i]) else "right",
            "left": new_id[left[i]],
            "right": new_id[right[i]],
            "value": value,
        })
    return nodes, nodes[0]["value"]


def export_gbm(booster: Any, features: Sequence[str], *, scale: int = SCALE,
               ratios: Sequence[Ratio] = ()) -> dict[str, Any]:
    """The GbmModel artefact of a binary:logistic gbtree booster (see node/scoring/gbm.py); `ratios` are the
    ones it was trained with (`train_gbm`).

    Trees are centred: each tree's root value is subtracted from its nodes and added to base_margin, so
    base_margin is the expected margin and contributions sum to margin - base_margin.
    """
    features = list(features)
    inputs = features + [r.name for r in ratios]
    config = json.loads(booster.save_config())
    objective = config["learner"]["objective"]["name"]
    if objective != "binary:logistic":
        raise ValueError(f"objective {objective!r}: only binary:logistic is supported")
    model = json.loads(bytes(booster.save_raw(raw_format="json")))
    learner = model["learner"]
    if learner["gradient_booster"]["name"] != "gbtree":
        raise ValueError(f"booster {learner['gradient_booster']['name']!r}: only gbtree is supported")
    if int(learner["learner_model_param"]["num_feature"]) != len(inputs):
        raise ValueError(f"the booster has {learner['learner_model_param']['num_feature']} features, "
                         f"{len(inputs)} names were given")
    names = learner.get("feature_names") or []
    if names and list(names) != inputs:
        raise ValueError("the booster's feature names differ from `features` and `ratios`")
    gbtree = learner["gradient_booster"]["model"]
    if any(int(g) != 0 for g in gbtree["tree_info"]):
        raise ValueError("only single-output models are supported")

    base_margin = _logit_fixed(_base_score(model), scale)
    trees = []
    for t, raw in enumerate(gbtree["trees"]):
        nodes, root = _export_tree(raw, len(inputs), scale, t)
        for node in nodes:
            node["value"] -= root
        base_margin += root
        trees.append({"nodes": nodes})
    derived = {"ratios": [{"name": r.name, "numerator": r.numerator, "denominator": r.denominator, "scale": r.scale}
                          for r in ratios]} if ratios else {}
    return {
        "format": GBM_FORMAT,
        "version": GBM_VERSION,
        "features": features,
        **derived,
        "scale": scale,
        "base_margin": base_margin,
        "trees": trees,
        "pd_cutpoints": list(logistic_cutpoints(scale)),
    }


# --- isolation forest ------------------------------------------------------------------------------------


def median_fill(X: Sequence[Sequence[int | None]], n_features: int) -> list[int]:
    """Per feature: the lower median of its non-missing training values (0 when all are missing).

    A missing value then looks typical to the forest: missingness alone neither raises nor lowers the score
    (wallets without an indexer miss all history values at once, which should not read as anomalous).
    """
    fill = []
    for c in range(n_features):
        values = sorted(v for row in X if (v := row[c]) is not None)
        fill.append(int(values[(len(values) - 1) // 2]) if values else 0)
    return fill


def fit_isolation(X: Sequence[Sequence[int | None]], fill: Sequence[int], *, seed: int = 7,
                  n_estimators: int = 100, max_samples: int = 256) -> Any:
    """The fitted scikit-learn IsolationForest behind `train_isolation` (None replaced by `fill`)."""
    from sklearn.ensemble import IsolationForest

    n = len(fill)
    if any(type(v) is not int for v in fill):
        raise ValueError(f"fill: must be {n} integers")
    filled = [[fill[c] if v is None else v for c, v in enumerate(row)] for row in X]
    forest = IsolationForest(n_estimators=n_estimators, max_samples=min(max_samples, len(filled)),
                             random_state=seed, n_jobs=1)
    return forest.fit(_matrix(filled, n))


def train_isolation(X: Sequence[Sequence[int | None]], features: Sequence[str], *, seed: int = 7,
                    n_estimators: int = 100, max_samples: int = 256,
                    fill: Sequence[int] | None = None, scale: int = SCALE) -> dict[str, Any]:
    """Train a scikit-learn IsolationForest on the filled rows and export its IsolationModel artefact.

    `fill` (one integer per feature) defaults to `median_fill`; it replaces None before training and is
    stored so the enclave applies the same value.
    """
    features = list(features)
    fill = list(fill) if fill is not None else median_fill(X, len(features))
    if len(fill) != len(features):
        raise ValueError(f"fill: must be {len(features)} integers")
    forest = fit_isolation(X, fill, seed=seed, n_estimators=n_estimators, max_samples=max_samples)
    return export_isolation(forest, features, fill, scale=scale)


def export_isolation(forest: Any, features: Sequence[str], fill: Sequence[int], *,
                     scale: int = SCALE) -> dict[str, Any]:
    """The IsolationModel artefact of a fitted IsolationForest trained on rows filled with `fill`."""
    features = list(features)
    psi = int(forest.max_samples_)
    trees = []
    for estimator, columns in zip(forest.estimators_, forest.estimators_features_):
        t = estimator.tree_
        left, right = t.children_left, t.children_right
        order: list[tuple[int, int]] = []  # (sklearn node, depth), pre-order
        stack = [(0, 0)]
        while stack:
            i, depth = stack.pop()
            order.append((i, depth))
            if left[i] != -1:
                stack.extend(((int(right[i]), depth + 1), (int(left[i]), depth + 1)))
        new_id = {old: new for new, (old, _) in enumerate(order)}
        nodes: list[dict[str, Any]] = []
        for i, depth in order:
            if left[i] == -1:
                with localcontext() as ctx:
                    ctx.prec = _DIGITS
                    path = (Decimal(depth) + average_path_length(int(t.n_node_samples[i]))) * scale
                nodes.append({"path": _to_int(path, ROUND_HALF_EVEN)})
                continue
            feature = int(columns[int(t.feature[i])])
            threshold = math.floor(float(t.threshold[i])) + 1
            nodes.append({
                "feature": feature,
                "threshold": threshold,
                "missing": "left" if fill[feature] < threshold else "right",
                "left": new_id[int(left[i])],
                "right": new_id[int(right[i])],
            })
        trees.append({"nodes": nodes})
    return {
        "format": ISOLATION_FORMAT,
        "version": ISOLATION_VERSION,
        "features": features,
        "scale": scale,
        "fill": [int(v) for v in fill],
        "max_samples": psi,
        "trees": trees,
        "score_cutpoints": list(isolation_cutpoints(scale, len(trees), psi)),
    }
