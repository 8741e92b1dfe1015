"""docs/evm.md, the integrator's guide, run: its JavaScript snippets are the marked parts of evm_guide.mjs, run
with viem and ethers (npm, pinned) against the session's anvil; its Solidity snippets are lines of the contracts."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from node.scoring.flags import Flag
from tests.integration.evm.conftest import Req

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "evm.md"
SCRIPT = Path(__file__).with_name("evm_guide.mjs")
CONTRACTS = ("contracts/IAuraOracle.sol", "contracts/IAuraConsumer.sol", "contracts/ExampleLender.sol")
CANCELLED = 3


def _blocks(language: str) -> list[str]:
    """The fenced `language` blocks of the guide, in order."""
    return [m.group(1) for m in re.finditer(rf"^```{language}\n(.*?)^```$", GUIDE.read_text(), re.S | re.M)]


def _marked() -> dict[str, str]:
    """The parts of evm_guide.mjs between `// --- guide: <name>` and `// --- end`, dedented."""
    found = re.finditer(r"^ *// --- guide: ([^\n]+)\n(.*?)^ *// --- end\n", SCRIPT.read_text(), re.S | re.M)
    return {m.group(1): textwrap.dedent(m.group(2)) for m in found}


def _run(chain: Any, phase: str, *requests: dict[str, Any]) -> dict[str, Any]:
    args = ["node", str(SCRIPT), phase, chain.w3.provider.endpoint_uri, chain.oracle.address, chain.REQUESTER_KEY,
            chain.subject, *(json.dumps(r) for r in requests)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    answer: dict[str, Any] = json.loads(out.stdout)
    return answer


def _req(r: dict[str, Any]) -> Req:
    return Req(bytes.fromhex(r["id"][2:]), r["requester"], r["subject"], int(r["fee"]), int(r["expiresAt"]),
               int(r["blockNumber"]))


def test_every_javascript_snippet_of_the_guide_is_run():
    marked = _marked()
    assert sorted(marked) == ["cancel", "read the answer", "rebuild a request", "rebuild a request with ethers",
                              "request", "use the latest assessment"]
    assert sorted(_blocks("js")) == sorted(marked.values())


def test_every_solidity_snippet_of_the_guide_is_in_the_contracts():
    sources = "\n".join(textwrap.dedent((ROOT / p).read_text()) for p in CONTRACTS)
    lines = {line.strip() for line in sources.splitlines()}
    blocks = _blocks("solidity")
    assert blocks, "the guide shows the consumer's Solidity"
    for block in blocks:
        assert [line for line in block.splitlines() if line.strip() and line.strip() not in lines] == []


def test_the_guide_run_against_anvil(chain):
    asked = _run(chain, "request")
    first, second = _req(asked["first"]), _req(asked["second"])
    assert (first.requester, first.subject, first.fee) == (chain.requester, chain.subject, chain.FEE)
    assert chain.oracle.functions.isRequestPending(first.tuple()).call() is True
    assert asked["refused"] == f"NotExpired({second.expires_at})"

    a = chain.assessment(score=702, tier=1, pd_bps=480, flags=int(Flag.QUESTIONNAIRE))
    chain.fulfil(first, a)
    read = _run(chain, "read", asked["first"], asked["second"])
    assert read["answer"] == {
        "score": 702, "tier": 1, "pdBps": 480, "flags": int(Flag.QUESTIONNAIRE), "timestamp": str(a.timestamp),
        "expiry": str(a.expiry), "signer": chain.enclave, "signerCount": 1, "callback": chain.CALLBACK_NONE,
        "measurement": "0x" + chain.MEASUREMENT.hex(), "commitment": "0x" + a.commitment.hex()}
    assert read["latest"] == {"usable": True, "score": 702, "flags": int(Flag.QUESTIONNAIRE),
                              "signer": chain.enclave, "counts": True}
    assert _req(read["rebuilt"]) == _req(read["ethersReq"]) == second
    assert (read["pending"], read["ethersPending"]) == (True, True)
    assert (read["cancelled"], read["status"]) == ("cancelled", CANCELLED)
    assert chain.status(second.id) == CANCELLED


def test_a_flagged_assessment_is_not_usable(chain):
    asked = _run(chain, "request")
    chain.fulfil(_req(asked["first"]), chain.assessment(score=900, flags=int(Flag.LIQUIDATED)))
    read = _run(chain, "read", asked["first"], asked["second"])
    assert read["latest"] == {"usable": False, "score": 900, "flags": int(Flag.LIQUIDATED),
                              "signer": chain.enclave, "counts": True}


def test_the_flag_table_is_the_python_flags():
    table = re.search(r"^### Risk flags\n(.*?)^## ", (ROOT / "docs" / "protocol.md").read_text(), re.S | re.M)
    assert table is not None
    rows = re.findall(r"^\| (\d+) \| (0x[0-9a-f]+) \| ([A-Z_]+) \|", table.group(1), re.M)
    assert [(int(bit), int(value, 16), name) for bit, value, name in rows] == [
        (int(f).bit_length() - 1, int(f), f.name) for f in Flag if f is not Flag.NONE]
