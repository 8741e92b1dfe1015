"""The PD model: a gradient-boosted tree ensemble evaluated with integers only.

The enclave runs this module (it is part of the measured code), so it uses the standard library only and
no floating point: every machine must turn the same vector into the same margin, the same PD and the same
explanation, bit for bit. The artefact is trained and exported on the host (node/workshop/model/export.py); here it
is validated strictly and evaluated.

Artefact (a JSON object; `node.workshop.model.export.dumps` writes its canonical bytes):

    {"format": "aura-gbm", "version": 2,
     "features": [name, ...],          # the vector's names, in order (node/scoring/features.py VECTOR)
     "ratios": [ratio, ...],           # optional (version 2): inputs derived from the vector, see "Ratios"
     "scale": 16777216,                # fixed-point scale S: an integer x stands for x / S (a power of two)
     "base_margin": int,               # fixed-point margin before any tree (see "Centring" below)
     "trees": [{"nodes": [node, ...]}, ...],
     "pd_cutpoints": [int x 10000]}    # sorted fixed-point margins, see "PD" below

A node is either a leaf `{"value": v}` or an internal node
`{"feature": f, "threshold": t, "missing": "left"|"right", "left": i, "right": j, "value": v}`:
go to `left` iff `vector[f] < t` (integers), to the side named by `missing` when `vector[f]` is None.
`left`/`right` index the tree's `nodes`; node 0 is the root; every other node has exactly one parent.
Features 0..F-1 are the vector's; F.. are the ratios, in their order.
`value` is the node's expected margin in fixed point: a leaf's output, or for an internal node the
training-cover-weighted mean of the leaves below it, which therefore lies between its children's values.
All integers must fit in signed 64 bits so another implementation can use machine words.

margin(vec)    = base_margin + sum over trees of the value of the leaf the vector reaches.
pd_bps(vec)    = the number of cut-points <= margin (0..10000): bisection, monotone in the margin.
               The exporter sets cut-point k (1..10000) to ceil(S * logit((k - 0.5) / 10000)), which makes
               pd_bps = floor(10000 * sigmoid(margin / S) + 1/2) exactly, i.e. round(sigmoid * 10000).
               Any other sorted list (a calibration) is accepted; pd is monotone either way.
contributions(vec) = Saabas path attribution: for every split on the path, the child's value minus the
               parent's value is credited to the split's feature. Per tree these telescope to
               leaf value - root value, so margin == base_margin + sum(root values) + sum(contributions)
               exactly. `expected_margin` is that first part.
Ratios: `{"name": n, "numerator": i, "denominator": j, "scale": k}` (i != j vector indices, k in 1..2**32, n a
               name unused by the features and the other ratios) is the tree input
               floor(vector[i] * k / max(vector[j], 1)), clamped to the signed 64-bit range, or None when
               either value is None: a quantity per unit of another (an amount per month, a bill per unit
               of its limit), which trees over the raw values can only approximate with many splits. A
               denominator below one counts as one. Its contribution is reported under its name.
Versions: 1 is the format without `ratios`; both are read.
Centring: the exporter subtracts each tree's root value from all of that tree's node values and adds it
to base_margin (exact integer arithmetic, the margin does not change), so every root value is 0 and
base_margin is the model's expected margin: contributions then sum to margin - base_margin.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chains.core.errors import AuraError

GBM_FORMAT = "aura-gbm"
GBM_VERSION = 2
GBM_VERSIONS = (1, 2)
MAX_RATIO_SCALE = 1 << 32
PD_STEPS = 10_000
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
MAX_TREES = 10_000
MAX_NODES_PER_TREE = 1 << 16
MAX_DEPTH = 64
MAX_FEATURES = 4_096
MIN_SCALE_BITS = 8
MAX_SCALE_BITS = 48


class ModelError(AuraError, ValueError):
    """A model artefact (or a vector given to it) is invalid; the message names the place, e.g.
    `trees[3].nodes[7].threshold: must be an integer`."""


# --- validation helpers (shared with node/scoring/anomaly.py) -------------------------------------------


def check_object(value: Any, place: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict:
    """`value` must be a dict with string keys, all of `required` and nothing outside required+optional."""
    if not isinstance(value, dict):
        raise ModelError(f"{place}: must be an object")
    allowed = set(required) | set(optional)
    for key in sorted(value, key=str):
        if key not in allowed:
            raise ModelError(f"{place}: unknown key {key!r}")
    for key in required:
        if key not in value:
            raise ModelError(f"{place}: missing key {key!r}")
    return value


def check_int(value: Any, place: str, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    """An integer in [low, high]; bools and floats (even 3.0) are rejected."""
    if type(value) is not int:
        raise ModelError(f"{place}: must be an integer")
    if not low <= value <= high:
        raise ModelError(f"{place}: must be between {low} and {high}")
    return value


def check_constant(value: Any, place: str, expected: Any) -> None:
    if type(value) is not type(expected) or value != expected:
        raise ModelError(f"{place}: must be {expected!r}")


def check_features(value: Any, place: str = "features") -> tuple[str, ...]:
    """A non-empty list of distinct non-empty ASCII names."""
    if not isinstance(value, list) or not value:
        raise ModelError(f"{place}: must be a non-empty list of names")
    if len(value) > MAX_FEATURES:
        raise ModelError(f"{place}: more than {MAX_FEATURES} names")
    seen: set[str] = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name or not name.isascii():
            raise ModelError(f"{place}[{i}]: must be a non-empty ASCII string")
        if name in seen:
            raise ModelError(f"{place}[{i}]: duplicate name {name!r}")
        seen.add(name)
    return tuple(value)


def check_expected_features(actual: tuple[str, ...], expected: Sequence[str] | None) -> None:
    """The artefact's feature list must equal the caller's vector names exactly (same names, same order)."""
    if expected is None:
        return
    expected = tuple(expected)
    if actual == expected:
        return
    for i, (a, e) in enumerate(zip(actual, expected)):
        if a != e:
            raise ModelError(f"features[{i}]: the model has {a!r} where the vector has {e!r}")
    raise ModelError(f"features: the model has {len(actual)} names, the vector has {len(expected)}")


def check_scale(value: Any, place: str = "scale") -> int:
    scale = check_int(value, place, 1, 1 << MAX_SCALE_BITS)
    if scale & (scale - 1) or scale < (1 << MIN_SCALE_BITS):
        raise ModelError(f"{place}: must be a power of two between 2**{MIN_SCALE_BITS} and 2**{MAX_SCALE_BITS}")
    return scale


def check_cutpoints(value: Any, place: str) -> tuple[int, ...]:
    """Exactly PD_STEPS integers in non-decreasing order."""
    if not isinstance(value, list) or len(value) != PD_STEPS:
        raise ModelError(f"{place}: must be a list of {PD_STEPS} integers")
    previous = INT64_MIN
    for i, cut in enumerate(value):
        check_int(cut, f"{place}[{i}]")
        if cut < previous:
            raise ModelError(f"{place}[{i}]: must not be below {place}[{i - 1}]")
        previous = cut
    return tuple(value)


class Ratio:
    """One derived input: floor(vector[numerator] * scale / max(vector[denominator], 1)), clamped to int64."""

    __slots__ = ("name", "numerator", "denominator", "scale")

    def __init__(self, name: str, numerator: int, denominator: int, scale: int) -> None:
        self.name = name
        self.numerator = numerator
        self.denominator = denominator
        self.scale = scale

    def of(self, vec: Sequence[int | None]) -> int | None:
        top, bottom = vec[self.numerator], vec[self.denominator]
        if top is None or bottom is None:
            return None
        return min(INT64_MAX, max(INT64_MIN, top * self.scale // max(bottom, 1)))


def check_ratios(value: Any, features: tuple[str, ...], place: str = "ratios") -> tuple[Ratio, ...]:
    """A list of ratio objects over the vector's indices, each named apart from the features and each other."""
    if not isinstance(value, list):
        raise ModelError(f"{place}: must be a list")
    if len(features) + len(value) > MAX_FEATURES:
        raise ModelError(f"{place}: more than {MAX_FEATURES} inputs with the features")
    taken = set(features)
    ratios = []
    for r, raw in enumerate(value):
        where = f"{place}[{r}]"
        check_object(raw, where, ("name", "numerator", "denominator", "scale"))
        name = raw["name"]
        if not isinstance(name, str) or not name or not name.isascii():
            raise ModelError(f"{where}.name: must be a non-empty ASCII string")
        if name in taken:
            raise ModelError(f"{where}.name: {name!r} is already a feature or ratio")
        taken.add(name)
        top = check_int(raw["numerator"], f"{where}.numerator", 0, len(features) - 1)
        bottom = check_int(raw["denominator"], f"{where}.denominator", 0, len(features) - 1)
        if top == bottom:
            raise ModelError(f"{where}: numerator and denominator must differ")
        scale = check_int(raw["scale"], f"{where}.scale", 1, MAX_RATIO_SCALE)
        ratios.append(Ratio(name, top, bottom, scale))
    return tuple(ratios)


class Tree:
    """One validated tree in flat arrays (index = node id). `feature[i] < 0` marks a leaf; `missing[i]` is
    the child a missing value goes to; `value[i]` is the leaf or node value (0 where a format has none)."""

    __slots__ = ("feature", "threshold", "missing", "left", "right", "value")

    def __init__(self, size: int) -> None:
        self.feature = [-1] * size
        self.threshold = [0] * size
        self.missing = [0] * size
        self.left = [0] * size
        self.right = [0] * size
        self.value = [0] * size

    def leaf(self, vec: Sequence[int | None]) -> int:
        """The index of the leaf `vec` reaches."""
        feature, threshold, missing, left, right = self.feature, self.threshold, self.missing, self.left, self.right
        i = 0
        f = feature[0]
        while f >= 0:
            x = vec[f]
            if x is None:
                i = missing[i]
            elif x < threshold[i]:
                i = left[i]
            else:
                i = right[i]
            f = feature[i]
        return i


_SIDES = {"left": True, "right": False}


def check_tree_list(value: Any, place: str = "trees") -> list:
    """A non-empty list of at most MAX_TREES raw trees."""
    if not isinstance(value, list) or not value:
        raise ModelError(f"{place}: must be a non-empty list")
    if len(value) > MAX_TREES:
        raise ModelError(f"{place}: more than {MAX_TREES} trees")
    return value


def parse_tree(raw: Any, place: str, n_features: int, *, leaf_key: str, leaf_low: int, internal_value: bool) -> Tree:
    """Validate one tree `{"nodes": [...]}` and return its flat arrays.

    Leaves are `{leaf_key: int >= leaf_low}`; internal nodes carry feature/threshold/missing/left/right and,
    when `internal_value`, a `value` too. The structure must be a tree rooted at node 0: every child index in
    range, no node reached twice (which rules out cycles and shared children), every node reachable, and no
    path longer than MAX_DEPTH splits (bounding the evaluation time).
    """
    check_object(raw, place, ("nodes",))
    nodes = raw["nodes"]
    if not isinstance(nodes, list) or not nodes:
        raise ModelError(f"{place}.nodes: must be a non-empty list")
    if len(nodes) > MAX_NODES_PER_TREE:
        raise ModelError(f"{place}.nodes: more than {MAX_NODES_PER_TREE} nodes")
    size = len(nodes)
    tree = Tree(size)
    internal_keys = ("feature", "threshold", "missing", "left", "right") + (("value",) if internal_value else ())
    for i, node in enumerate(nodes):
        where = f"{place}.nodes[{i}]"
        if isinstance(node, dict) and set(node) == {leaf_key}:
            tree.value[i] = check_int(node[leaf_key], f"{where}.{leaf_key}", leaf_low)
            continue
        check_object(node, where, internal_keys)
        tree.feature[i] = check_int(node["feature"], f"{where}.feature", 0, n_features - 1)
        tree.threshold[i] = check_int(node["threshold"], f"{where}.threshold")
        side = node["missing"]
        if not isinstance(side, str) or side not in _SIDES:
            raise ModelError(f"{where}.missing: must be 'left' or 'right'")
        tree.left[i] = check_int(node["left"], f"{where}.left", 0, size - 1)
        tree.right[i] = check_int(node["right"], f"{where}.right", 0, size - 1)
        tree.missing[i] = tree.left[i] if _SIDES[side] else tree.right[i]
        if internal_value:
            tree.value[i] = check_int(node["value"], f"{where}.value")
    # Walk from the root: each node once, bounded depth.
    depth = [-1] * size
    depth[0] = 0
    stack = [0]
    while stack:
        i = stack.pop()
        if tree.feature[i] < 0:
            continue
        for key, child in (("left", tree.left[i]), ("right", tree.right[i])):
            if depth[child] >= 0:
                raise ModelError(f"{place}.nodes[{i}].{key}: node {child} is reached twice (a cycle or a shared child)")
            if depth[i] + 1 > MAX_DEPTH:
                raise ModelError(f"{place}: deeper than {MAX_DEPTH} levels")
            depth[child] = depth[i] + 1
            stack.append(child)
    for i, d in enumerate(depth):
        if d < 0:
            raise ModelError(f"{place}.nodes[{i}]: not reachable from the root")
    return tree


def check_vector(vec: Any, n_features: int) -> Sequence[int | None]:
    """The vector given to a model: `n_features` values, each an integer or None."""
    if not isinstance(vec, (tuple, list)):
        raise ModelError("vector: must be a tuple or list")
    if len(vec) != n_features:
        raise ModelError(f"vector: has {len(vec)} values, the model expects {n_features}")
    for i, x in enumerate(vec):
        if x is not None and type(x) is not int:
            raise ModelError(f"vector[{i}]: must be an integer or None")
    return vec


# --- the model --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """A vector's PD in basis points, its per-input contributions and its ratio inputs' values (see GbmModel)."""

    pd_bps: int
    contributions: dict[str, int]
    ratio_values: dict[str, int | None]


class GbmModel:
    """A validated gradient-boosted ensemble. Build it with `from_dict`; evaluation never uses floats."""

    __slots__ = ("features", "ratios", "inputs", "scale", "base_margin", "trees", "pd_cutpoints", "expected_margin")

    def __init__(self, features: tuple[str, ...], scale: int, base_margin: int, trees: tuple[Tree, ...],
                 pd_cutpoints: tuple[int, ...], ratios: tuple[Ratio, ...] = ()) -> None:
        self.features = features
        self.ratios = ratios
        self.inputs = features + tuple(r.name for r in ratios)  # what the trees' feature indices name
        self.scale = scale
        self.base_margin = base_margin
        self.trees = trees
        self.pd_cutpoints = pd_cutpoints
        # What contributions are measured from: base_margin plus each tree's root value (0 when centred).
        self.expected_margin = base_margin + sum(tree.value[0] for tree in trees)

    @classmethod
    def from_dict(cls, data: Any, features: Sequence[str] | None = None) -> GbmModel:
        """Validate an artefact; `features`, when given, is the caller's vector names and must match."""
        check_object(data, "<root>", ("format", "version", "features", "scale", "base_margin", "trees",
                                      "pd_cutpoints"), ("ratios",))
        check_constant(data["format"], "format", GBM_FORMAT)
        version = data["version"]
        if type(version) is not int or version not in GBM_VERSIONS:
            raise ModelError(f"version: must be one of {', '.join(map(str, GBM_VERSIONS))}")
        names = check_features(data["features"])
        check_expected_features(names, features)
        if "ratios" in data and version < 2:
            raise ModelError("ratios: needs version 2")
        ratios = check_ratios(data.get("ratios", []), names)
        scale = check_scale(data["scale"])
        base_margin = check_int(data["base_margin"], "base_margin")
        raw_trees = check_tree_list(data["trees"])
        trees = []
        for t, raw in enumerate(raw_trees):
            tree = parse_tree(raw, f"trees[{t}]", len(names) + len(ratios), leaf_key="value", leaf_low=INT64_MIN,
                              internal_value=True)
            for i, f in enumerate(tree.feature):
                if f >= 0:
                    a, b = tree.value[tree.left[i]], tree.value[tree.right[i]]
                    if not min(a, b) <= tree.value[i] <= max(a, b):
                        raise ModelError(f"trees[{t}].nodes[{i}].value: must lie between its children's values "
                                         f"({a} and {b})")
            trees.append(tree)
        cutpoints = check_cutpoints(data["pd_cutpoints"], "pd_cutpoints")
        return cls(names, scale, base_margin, tuple(trees), cutpoints, ratios)

    def _inputs(self, vec: Sequence[int | None]) -> Sequence[int | None]:
        """The vector, checked, followed by its ratios: what the trees read."""
        check_vector(vec, len(self.features))
        if not self.ratios:
            return vec
        return (*vec, *(r.of(vec) for r in self.ratios))

    def ratio_values(self, vec: Sequence[int | None]) -> dict[str, int | None]:
        """Each ratio's value for `vec`, by name (empty for a model without ratios)."""
        return self.explain(vec).ratio_values

    def margin(self, vec: Sequence[int | None]) -> int:
        """The log-odds of default in fixed point (divide by `scale` for the real value)."""
        vec = self._inputs(vec)
        total = self.base_margin
        for tree in self.trees:
            total += tree.value[tree.leaf(vec)]
        return total

    def pd_from_margin(self, margin: int) -> int:
        """PD in basis points for a fixed-point margin: the number of cut-points <= margin."""
        return bisect_right(self.pd_cutpoints, margin)

    def pd_bps(self, vec: Sequence[int | None]) -> int:
        """Probability of default in basis points, 0..10000."""
        return self.pd_from_margin(self.margin(vec))

    def contributions(self, vec: Sequence[int | None]) -> dict[str, int]:
        """Per-input Saabas contributions in fixed point; every feature and ratio is present (0 when unused).

        expected_margin + sum(values) == margin(vec) exactly (expected_margin == base_margin once centred).
        """
        return self.explain(vec).contributions

    def explain(self, vec: Sequence[int | None]) -> Explanation:
        """`pd_bps`, `contributions` and `ratio_values` of `vec` from one check of the vector and one walk of each
        tree: what an assessment reports."""
        inputs = self._inputs(vec)
        totals = [0] * len(self.inputs)
        margin = self.base_margin
        for tree in self.trees:
            feature, threshold, missing, left, right, value = (
                tree.feature, tree.threshold, tree.missing, tree.left, tree.right, tree.value)
            i = 0
            f = feature[0]
            while f >= 0:
                x = inputs[f]
                child = missing[i] if x is None else (left[i] if x < threshold[i] else right[i])
                totals[f] += value[child] - value[i]
                i = child
                f = feature[i]
            margin += value[i]
        n = len(self.features)
        return Explanation(self.pd_from_margin(margin), dict(zip(self.inputs, totals)),
                           dict(zip(self.inputs[n:], inputs[n:])))
