"""The demo reads each request's signed assessment from whichever operator scored it: in a quorum an operator
that polled late finds the request fulfilled by its peers and stores nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chains.core.errors import AuraError
from node.workshop.devnet.quorum import Operator
from node.workshop.devnet.stored import stored_assessment


def operator(tmp: Path, name: str, signer: str, rows: dict[str, dict[str, str]] | None) -> Operator:
    root = tmp / name
    if rows is not None:
        (root / "data").mkdir(parents=True)
        con = sqlite3.connect(root / "data" / "aura.sqlite")
        con.execute("CREATE TABLE assessments (key TEXT PRIMARY KEY, result TEXT)")
        con.executemany("INSERT INTO assessments VALUES (?, ?)", [(k, json.dumps(v)) for k, v in rows.items()])
        con.commit()
        con.close()
    return Operator(name=name, root=str(root), config_path="", api_port=0, signer=signer, transmitter="")


def test_the_first_operator_that_stored_the_request_answers_with_its_signer(tmp_path: Path) -> None:
    ops = [operator(tmp_path, "op1", "0xA1", {"anvil:0x01": {"signature": "first"}}),
           operator(tmp_path, "op2", "0xB2", {"anvil:0x02": {"signature": "second"}}),
           operator(tmp_path, "op3", "0xC3", None)]
    found = stored_assessment(ops, "anvil:0x02", "0x02")
    assert (found.operator, found.signer, found.signed) == ("op2", "0xB2", {"signature": "second"})
    assert stored_assessment(ops, "anvil:0x01", "0x01").operator == "op1"


def test_a_request_no_operator_stored_is_named(tmp_path: Path) -> None:
    ops = [operator(tmp_path, "op1", "0xA1", {}), operator(tmp_path, "op2", "0xB2", None)]
    with pytest.raises(AuraError) as err:
        stored_assessment(ops, "solana-local:Req", "Solana request Req")
    assert str(err.value) == "no stored assessment for Solana request Req in any operator's store (op1, op2)"
