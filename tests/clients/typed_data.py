"""Recover signers of the node's EVM results with the JavaScript clients integrators use (ethers 6, viem 2 from
npm, pinned in package.json), through verify_typed_data.mjs under Node."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("verify_typed_data.mjs")

ETHERS_V4_ERROR = 'ambiguous primary types or unused types: "Assessment", "EIP712Domain"'
"""What ethers 6 says when handed the eth_signTypedData_v4 form (its `types` with `EIP712Domain`) as is, the
types it names sorted (ethers names them in the order of the JSON's keys)."""


def recover_with_clients(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per result (`typed_data`, `typed_data_ethers`, `signature`): the signer ethers recovers from ethers' form
    (`ethers`), viem from each form (`viem_v4`, `viem_ethers`), and ethers' error on the v4 form
    (`ethers_v4_error`)."""
    out = subprocess.run(["node", str(SCRIPT)], input=json.dumps(results), capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    answer: list[dict[str, Any]] = json.loads(out.stdout)
    for row in answer:
        row["ethers_v4_error"] = _sorted_names(row["ethers_v4_error"])
    return answer


def _sorted_names(error: str | None) -> str | None:
    """ethers' error with the quoted type names it lists in sorted order."""
    if error is None or ": " not in error:
        return error
    head, names = error.split(": ", 1)
    return head + ": " + ", ".join(sorted(names.split(", ")))
