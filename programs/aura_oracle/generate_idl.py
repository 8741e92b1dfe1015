"""Generates the client files of `aura_oracle` from its one source, `idl.json` (Anchor's current IDL format).

- `idl.legacy.json`: the same program in the IDL format before Anchor 0.30, the one anchorpy 0.21 (its newest
  release) reads; the node loads it (`chains/solana/program.py`). Public keys are `[u8; 32]` there, the same
  bytes on the wire, so the node's coder takes and gives bytes.
- `types/aura_oracle.ts`: the `AuraOracle` type, the IDL with its names in camelCase as Anchor's TypeScript
  client sees it at run time (what `anchor build` writes to `target/types/aura_oracle.ts`).

    python programs/aura_oracle/generate_idl.py           # writes both
    python programs/aura_oracle/generate_idl.py --check   # exit 1 if a committed file is not what it makes

`tests/integration/solana_program/test_idl_files.py` checks that the committed files are what this makes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "idl.json"
LEGACY = HERE / "idl.legacy.json"
TYPES = HERE / "types" / "aura_oracle.ts"
PUBKEY_BYTES = {"array": ["u8", 32]}
# The keys whose values Anchor's TypeScript client puts in camelCase (`convertIdlToCamelCase`).
CAMEL_KEYS = ("name", "path", "account", "relations", "generic")


# ------------------------------------------------------------------------------------------------- legacy form

def legacy_type(t: Any) -> Any:
    """A field type in the legacy spelling: `pubkey` as its 32 bytes, `defined` by bare name."""
    if t == "pubkey":
        return PUBKEY_BYTES
    if isinstance(t, dict):
        if "defined" in t:
            return {"defined": t["defined"]["name"]}
        return {kind: ([legacy_type(inner[0]), inner[1]] if kind == "array" else legacy_type(inner))
                for kind, inner in t.items()}
    return t


def _field(f: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out = {"name": f["name"], **({"docs": f["docs"]} if f.get("docs") else {}), "type": legacy_type(f["type"])}
    return {**out, **extra}


def _seed_type(seed: dict[str, Any], args: dict[str, Any], types: dict[str, dict[str, Any]]) -> Any:
    """The legacy seed's `type`, which the current format leaves to the reader."""
    if seed["kind"] == "const":
        return "bytes"
    if seed["kind"] == "arg":
        t = args[seed["path"]]
    elif "." not in seed["path"]:
        return "publicKey"  # an account's address
    else:
        fields = {f["name"]: f["type"] for f in types[seed["account"]]["type"]["fields"]}
        t = fields[seed["path"].split(".", 1)[1]]
    return "publicKey" if t == "pubkey" else legacy_type(t)


def _account(a: dict[str, Any], args: dict[str, Any], types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": a["name"], "isMut": a.get("writable", False), "isSigner": a.get("signer", False)}
    if a.get("docs"):
        out["docs"] = a["docs"]
    if "pda" in a:
        out["pda"] = {"seeds": [{"kind": s["kind"], "type": _seed_type(s, args, types),
                                 **{k: v for k, v in s.items() if k != "kind"}} for s in a["pda"]["seeds"]]}
    return out


def _instruction(ix: dict[str, Any], types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    args = {f["name"]: f["type"] for f in ix["args"]}
    out: dict[str, Any] = {"name": ix["name"]}
    if ix.get("docs"):
        out["docs"] = ix["docs"]
    out["accounts"] = [_account(a, args, types) for a in ix["accounts"]]
    out["args"] = [_field(f) for f in ix["args"]]
    if "returns" in ix:
        out["returns"] = legacy_type(ix["returns"])
    return out


def _struct(t: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "struct", "fields": [_field(f) for f in t["type"]["fields"]]}


def legacy(idl: dict[str, Any]) -> dict[str, Any]:
    """The legacy IDL of the current-format `idl`: accounts and events carry their structs, the other structs
    stay under `types`, the program address moves to `metadata`."""
    types = {t["name"]: t for t in idl["types"]}
    inline = {a["name"] for a in idl["accounts"]} | {e["name"] for e in idl["events"]}

    def docs(name: str) -> dict[str, Any]:
        return {"docs": types[name]["docs"]} if types[name].get("docs") else {}

    return {
        "version": idl["metadata"]["version"],
        "name": idl["metadata"]["name"],
        "docs": [idl["metadata"]["description"]] if idl["metadata"].get("description") else [],
        "instructions": [_instruction(ix, types) for ix in idl["instructions"]],
        "accounts": [{"name": a["name"], **docs(a["name"]), "type": _struct(types[a["name"]])}
                     for a in idl["accounts"]],
        "types": [{"name": t["name"], **docs(t["name"]), "type": _struct(t)}
                  for t in idl["types"] if t["name"] not in inline],
        "events": [{"name": e["name"], "fields": [_field(f, index=False) for f in types[e["name"]]["type"]["fields"]]}
                   for e in idl["events"]],
        "errors": idl["errors"],
        "metadata": {"address": idl["address"]},
    }


# ---------------------------------------------------------------------------------------------- TypeScript type

def camel_case(name: str) -> str:
    """`name` as the `camelcase` package (which Anchor's client uses) spells it, each dotted part on its own:
    `fee_lamports` -> `feeLamports`, `AssessmentFulfilled` -> `assessmentFulfilled`, `oracle.next_nonce` ->
    `oracle.nextNonce`."""
    def part(text: str) -> str:
        words = [w for w in re.split(r"[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", text) if w]
        return "".join(w.lower() if i == 0 else w[:1].upper() + w[1:].lower() for i, w in enumerate(words))

    return ".".join(part(p) for p in name.split("."))


def camel_idl(value: Any, key: str | None = None) -> Any:
    """The IDL with the values of CAMEL_KEYS in camelCase, as `convertIdlToCamelCase` makes it."""
    if key in CAMEL_KEYS:
        return [camel_case(v) for v in value] if isinstance(value, list) else camel_case(value)
    if isinstance(value, dict):
        return {k: camel_idl(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_idl(v) for v in value]
    return value


def typescript(idl: dict[str, Any]) -> str:
    name = idl["metadata"]["name"]
    type_name = "".join(w[:1].upper() + w[1:] for w in name.split("_"))
    return (f"/**\n * Program IDL in camelCase format in order to be used in JS/TS.\n *\n"
            f" * Note that this is only a type helper and is not the actual IDL. The original\n"
            f" * IDL is `programs/{name}/idl.json`. Generated by `programs/{name}/generate_idl.py`: do not edit.\n"
            f" */\nexport type {type_name} = {json.dumps(camel_idl(idl), indent=2)};\n")


# ------------------------------------------------------------------------------------------------------ files

def outputs(source: Path = SOURCE) -> dict[Path, str]:
    """Each generated file's path and the text it should hold, from the source IDL."""
    idl = json.loads(source.read_text())
    return {LEGACY: json.dumps(legacy(idl), indent=2) + "\n", TYPES: typescript(idl)}


def stale(source: Path = SOURCE) -> list[Path]:
    """The generated files that are missing or differ from what the source makes now."""
    return [p for p, text in outputs(source).items() if not p.exists() or p.read_text() != text]


def check(source: Path = SOURCE) -> list[str]:
    """One line per generated file that is not up to date."""
    return [f"{p.relative_to(HERE.parent.parent)} is not what {source.name} makes: run generate_idl.py"
            for p in stale(source)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files that are not up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path.relative_to(HERE.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
