"""Edits the model tests make to a valid artefact to see it refused: one value set at a path of keys and indices,
and the message the loader refuses the edited copy with."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from node.scoring.gbm import ModelError

Edit = Callable[[dict[str, Any]], None]


def set_at(path: tuple[Any, ...], value: Any) -> Edit:
    """An edit setting `value` at `path` (dict keys and list indices, from the root)."""
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return change


def refusal(load: Callable[[Any], Any], artefact: dict[str, Any], change: Edit) -> str:
    """The ModelError message `load` refuses a copy of `artefact` with once `change` is made to it."""
    data = copy.deepcopy(artefact)
    change(data)
    with pytest.raises(ModelError) as info:
        load(data)
    return str(info.value)
