"""An assessment as one of the devnet's operators stored it: in a quorum not every operator scores every
request (one that polled late finds it fulfilled by its peers), so the first operator whose store holds the
request answers, with the signer that operator's enclave signs as."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError
from node.workshop.devnet.quorum import Operator


@dataclass(frozen=True)
class Stored:
    """The stored signed assessment (its JSON) and the operator that made it."""

    signed: dict[str, Any]
    operator: str
    signer: str


def store_path(operator: Operator) -> Path:
    return Path(operator.root) / "data" / "aura.sqlite"


def stored_assessment(operators: list[Operator], key: str, what: str) -> Stored:
    """The first operator's stored assessment under `key` (`<chain>:<request>`); AuraError naming `what` when
    no operator stored it."""
    for op in operators:
        path = store_path(op)
        if not path.exists():
            continue
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = con.execute("SELECT result FROM assessments WHERE key=?", [key]).fetchone()
        finally:
            con.close()
        if found is not None:
            return Stored(json.loads(found[0]), op.name, op.signer)
    names = ", ".join(o.name for o in operators)
    raise AuraError(f"no stored assessment for {what} in any operator's store ({names})")
