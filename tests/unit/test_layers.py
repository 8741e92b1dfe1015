"""The layers of design.md, checked on every import (module-level or not) of every file under chains/ and node/:

- `chains/core` imports nothing else of `chains`, nor `node`;
- `chains` imports nothing of `node`;
- a family folder `chains/<f>/` imports no other family's folder;
- the product (chains/ and node/ but node/workshop/) never imports `node.workshop`;
- outside `chains/<family>/`, nothing compares a family (`family`, `cfg.family`, `request["family"]`, ...) with a
  family's name written out ("evm", "solana", "sui"): what differs lives in the family's folder.

A failure lists every violation as file:line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAMILY_NAMES = frozenset({"evm", "solana", "sui"})
FAMILY_DIRS = frozenset(p.name for p in (ROOT / "chains").iterdir()
                        if p.is_dir() and (p / "__init__.py").is_file() and p.name != "core")
IMPORTERS = frozenset({"import_module", "__import__"})
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)


@dataclass(frozen=True)
class Source:
    path: Path

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def module(self) -> str:
        parts = list(self.path.relative_to(ROOT).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    @property
    def package(self) -> str:
        return self.module if self.path.name == "__init__.py" else self.module.rpartition(".")[0]

    @property
    def family(self) -> str | None:
        """The family folder the file is in, if any."""
        parts = self.path.relative_to(ROOT).parts
        return parts[1] if parts[0] == "chains" and len(parts) > 2 and parts[1] in FAMILY_DIRS else None

    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(), self.rel)

    def at(self, node: ast.AST) -> str:
        return f"{self.rel}:{getattr(node, 'lineno', 0)}"


def sources() -> list[Source]:
    return [Source(p) for top in ("chains", "node") for p in sorted((ROOT / top).rglob("*.py"))]


def _absolute(source: Source, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = source.package.split(".")
    base = base[:len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports(source: Source, tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """(node, module) for every import anywhere in the tree; `from a import b` gives `a.b` (a module or a name
    in `a`); `importlib.import_module("x")` and `__import__("x")` with a literal give `x`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(source, node.module, node.level)
            for alias in node.names:
                yield node, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in IMPORTERS:
                yield node, node.args[0].value


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_violations(source: Source, tree: ast.AST) -> Iterator[str]:
    top = source.rel.split("/")[0]
    in_workshop = _under(source.module, "node.workshop")
    for node, module in imports(source, tree):
        if _under(source.module, "chains.core") and _under(module, "chains") and not _under(module, "chains.core"):
            yield f"{source.at(node)}: chains/core imports {module}"
        if top == "chains" and _under(module, "node"):
            yield f"{source.at(node)}: chains imports {module}"
        if source.family is not None:
            for other in FAMILY_DIRS - {source.family}:
                if _under(module, f"chains.{other}"):
                    yield f"{source.at(node)}: family {source.family} imports family {other} ({module})"
        if not in_workshop and _under(module, "node.workshop"):
            yield f"{source.at(node)}: the product imports the workshop ({module})"


def _names_family(expr: ast.AST) -> bool:
    """`family`, `x.family`, `x["family"]`, `x.get("family")`, `cfg.family_name`, ..."""
    if isinstance(expr, ast.Name):
        return "family" in expr.id.lower()
    if isinstance(expr, ast.Attribute):
        return "family" in expr.attr.lower()
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, str) and "family" in key.value.lower()
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
        first = expr.args[0] if expr.args else None
        return isinstance(first, ast.Constant) and isinstance(first.value, str) and "family" in first.value.lower()
    return False


def _family_literals(expr: ast.AST) -> set[str]:
    """The family names written out in a literal (a string, or a tuple, list or set of them)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and expr.value in FAMILY_NAMES:
        return {expr.value}
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_family_literals(e) for e in expr.elts)) if expr.elts else set()
    return set()


def family_branches(source: Source, tree: ast.AST) -> Iterator[str]:
    if source.family is not None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:]):
                if not isinstance(op, COMPARISONS):
                    continue
                for subject, literal in ((left, right), (right, left)):
                    names = _family_literals(literal)
                    if names and _names_family(subject):
                        yield f"{source.at(node)}: compares {ast.unparse(subject)} with {sorted(names)}"
        elif isinstance(node, ast.Match) and _names_family(node.subject):
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, ast.MatchValue) and _family_literals(pattern.value):
                        yield f"{source.at(pattern)}: matches {ast.unparse(node.subject)} against a family name"


def _check(find: str) -> list[str]:
    out: list[str] = []
    for source in sources():
        tree = source.tree()
        out += layer_violations(source, tree) if find == "imports" else family_branches(source, tree)
    return out


def test_the_family_folders_are_found() -> None:
    assert FAMILY_DIRS == FAMILY_NAMES


def test_imports_follow_the_layers() -> None:
    found = _check("imports")
    assert not found, "imports against the layers of design.md:\n" + "\n".join(found)


def test_nothing_outside_a_family_folder_branches_on_a_family_name() -> None:
    found = _check("families")
    assert not found, "branches on a family name outside chains/<family>/:\n" + "\n".join(found)


@pytest.mark.parametrize(("where", "code", "expected"), [
    ("chains/core/x.py", "def f():\n    from chains.evm import adapter\n", ["chains/core/x.py:2: chains/core imports chains.evm.adapter"]),
    ("chains/core/x.py", "from .. import registry\n", ["chains/core/x.py:1: chains/core imports chains.registry"]),
    ("chains/evm/x.py", "import importlib\nimportlib.import_module('node.store')\n", ["chains/evm/x.py:2: chains imports node.store"]),
    ("chains/sui/x.py", "from ..solana import program\n", ["chains/sui/x.py:1: family sui imports family solana (chains.solana.program)"]),
    ("node/api.py", "def f():\n    import node.workshop.demo\n", ["node/api.py:2: the product imports the workshop (node.workshop.demo)"]),
    ("node/workshop/demo.py", "from node.workshop import devnet\nfrom chains.evm import codec\n", []),
])  # fmt: skip
def test_the_import_check_sees_every_kind_of_import(where: str, code: str, expected: list[str]) -> None:
    source = Source(ROOT / where)
    assert list(layer_violations(source, ast.parse(code))) == expected


@pytest.mark.parametrize(("where", "code", "expected"), [
    ("node/x.py", "if cfg.family == 'evm': pass\n", ["node/x.py:1: compares cfg.family with ['evm']"]),
    ("node/x.py", "ok = 'sui' != request['family']\n", ["node/x.py:1: compares request['family'] with ['sui']"]),
    ("chains/x.py", "ok = r.get('family') in ('evm', 'solana')\n", ["chains/x.py:1: compares r.get('family') with ['evm', 'solana']"]),
    ("node/x.py", "match family:\n    case 'solana':\n        pass\n", ["node/x.py:2: matches family against a family name"]),
    ("chains/evm/x.py", "ok = cfg.family == 'evm'\n", []),
    ("node/x.py", "ok = cfg.family == name\nkind = 'evm'\n", []),
])  # fmt: skip
def test_the_family_check_sees_comparisons_with_family_names(where: str, code: str, expected: list[str]) -> None:
    assert list(family_branches(Source(ROOT / where), ast.parse(code))) == expected
