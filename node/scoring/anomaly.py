"""The anomaly model: an isolation forest evaluated with integers only.

Like node/scoring/gbm.py this runs inside the enclave (standard library only, no floating point). The host
trains a scikit-learn IsolationForest and exports it (node/workshop/model/export.py `train_isolation`).

Artefact (a JSON object):

    {"format": "aura-isolation", "version": 1,
     "features": [name, ...],          # the vector's names, in order
     "scale": 16777216,                # fixed-point scale S of path lengths (a power of two)
     "fill": [int, ...],               # per feature: the value used when the vector's value is None
     "max_samples": 256,               # psi, the sub-sample size each tree was grown on (informative)
     "trees": [{"nodes": [node, ...]}, ...],
     "score_cutpoints": [int x 10000]} # sorted fixed-point total path lengths, see below

A node is a leaf `{"path": p}` or `{"feature": f, "threshold": t, "missing": "left"|"right", "left": i,
"right": j}` (go left iff value < t). A leaf's `path` is its depth plus c(n), the expected extra depth of an
unbuilt subtree over its n training samples, times S, rounded at export.

Missing values: scikit-learn's forest is trained on data where every None was replaced by the feature's
`fill` value, and `score_bps` applies the same `fill` first. Each node's `missing` side must be the side
the fill value takes there (checked at load), so the trees are also self-consistent for missing values.

score_bps(vec): H = sum over trees of the reached leaf's `path`; score_bps = the number of cut-points >= H
(0..10000; a larger score is more anomalous). The exporter puts cut-point k at
floor(S * T * c(psi) * -log2((k - 0.5) / 10000)), so score_bps = round(10000 * 2 ** (-E[h] / c(psi))),
the isolation-forest anomaly score, where E[h] = H / (S * T) is the mean path length.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from node.scoring.gbm import (
    PD_STEPS,
    ModelError,
    Tree,
    check_constant,
    check_cutpoints,
    check_expected_features,
    check_features,
    check_int,
    check_object,
    check_scale,
    check_tree_list,
    check_vector,
    parse_tree,
)

ISOLATION_FORMAT = "aura-isolation"
ISOLATION_VERSION = 1
MAX_SAMPLES_LIMIT = 1 << 24

__all__ = ["ISOLATION_FORMAT", "ISOLATION_VERSION", "IsolationModel", "ModelError"]


class IsolationModel:
    """A validated isolation forest. Build it with `from_dict`; evaluation never uses floats."""

    __slots__ = ("features", "scale", "fill", "max_samples", "trees", "score_cutpoints")

    def __init__(self, features: tuple[str, ...], scale: int, fill: tuple[int, ...], max_samples: int,
                 trees: tuple[Tree, ...], score_cutpoints: tuple[int, ...]) -> None:
        self.features = features
        self.scale = scale
        self.fill = fill
        self.max_samples = max_samples
        self.trees = trees
        self.score_cutpoints = score_cutpoints

    @classmethod
    def from_dict(cls, data: Any, features: Sequence[str] | None = None) -> IsolationModel:
        """Validate an artefact; `features`, when given, is the caller's vector names and must match."""
        check_object(data, "<root>", ("format", "version", "features", "scale", "fill", "max_samples", "trees",
                                      "score_cutpoints"))
        check_constant(data["format"], "format", ISOLATION_FORMAT)
        check_constant(data["version"], "version", ISOLATION_VERSION)
        names = check_features(data["features"])
        check_expected_features(names, features)
        scale = check_scale(data["scale"])
        raw_fill = data["fill"]
        if not isinstance(raw_fill, list) or len(raw_fill) != len(names):
            raise ModelError(f"fill: must be a list of {len(names)} integers (one per feature)")
        fill = tuple(check_int(v, f"fill[{i}]") for i, v in enumerate(raw_fill))
        max_samples = check_int(data["max_samples"], "max_samples", 2, MAX_SAMPLES_LIMIT)
        raw_trees = check_tree_list(data["trees"])
        trees = []
        for t, raw in enumerate(raw_trees):
            tree = parse_tree(raw, f"trees[{t}]", len(names), leaf_key="path", leaf_low=0, internal_value=False)
            for i, f in enumerate(tree.feature):
                if f < 0:
                    continue
                fill_side = tree.left[i] if fill[f] < tree.threshold[i] else tree.right[i]
                if tree.missing[i] != fill_side:
                    side = "left" if fill_side == tree.left[i] else "right"
                    raise ModelError(f"trees[{t}].nodes[{i}].missing: must be {side!r}, the side the fill value "
                                     f"{fill[f]} takes")
            trees.append(tree)
        cutpoints = check_cutpoints(data["score_cutpoints"], "score_cutpoints")
        return cls(names, scale, fill, max_samples, tuple(trees), cutpoints)

    def filled(self, vec: Sequence[int | None]) -> tuple[int, ...]:
        """The vector with every None replaced by its feature's fill value (what the forest was trained on)."""
        check_vector(vec, len(self.features))
        return tuple(self.fill[i] if x is None else x for i, x in enumerate(vec))

    def path_length(self, vec: Sequence[int | None]) -> int:
        """The total fixed-point path length H over all trees (smaller: isolated sooner, more anomalous)."""
        full = self.filled(vec)
        total = 0
        for tree in self.trees:
            total += tree.value[tree.leaf(full)]
        return total

    def score_from_path_length(self, total: int) -> int:
        """Anomaly score in basis points for a total path length: the number of cut-points >= total."""
        return PD_STEPS - bisect_left(self.score_cutpoints, total)

    def score_bps(self, vec: Sequence[int | None]) -> int:
        """The isolation-forest anomaly score 2**(-E[h]/c(psi)) in basis points, 0..10000."""
        return self.score_from_path_length(self.path_length(vec))
