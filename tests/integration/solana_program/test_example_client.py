"""The example consumer (`programs/example_client`, Anchor's TypeScript client over `idl.json`) against the local
Solana endpoint (LiteSVM behind JSON-RPC, its own process) with the node fulfilling: it requests an assessment,
reads the Score the node stores, and refuses it once it is past its expiry or its signer is revoked."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.solana import program as prog
from node.scoring.flags import Flag, flag_names
from node.workshop.devnet.anvil import free_port
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, send, setup_solana_node

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "programs" / "example_client" / "cli.mjs"
CONSUMER = ROOT / "programs" / "example_client" / "consumer.mjs"


REJECT_FLAGS = Flag.LIQUIDATED | Flag.UNDISCLOSED_LIABILITY
REVIEW_FLAGS = Flag.BURST_ACTIVITY | Flag.ANOMALOUS | Flag.INTENT_MISMATCH


def lender_decision(score: int, flags: int) -> tuple[str, int]:
    """ExampleLender's `decide` (docs/protocol.md), which the example client applies to a usable Score."""
    if flags & REJECT_FLAGS:
        return "Rejected", 0
    if score >= 600:
        decision = ("Approved", 8000 if score >= 800 else 5000 + (score - 600) * 3000 // 200)
        return ("ManualReview", 0) if flags & REVIEW_FLAGS else decision
    return ("ManualReview", 0) if score >= 450 else ("Rejected", 0)


@dataclass
class World:
    endpoint: SolanaEndpoint
    dev: SolanaDevnet
    node: NodeProcess

    def client(self, command: str, subject: Pubkey, key: str = "requester", **extra: str) -> dict[str, Any]:
        args = ["node", str(CLI), command, "--url", self.endpoint.url, "--oracle", self.dev.oracle,
                "--subject", str(subject), "--keypair", str(Path(self.dev.keys_dir) / f"solana-{key}.json")]
        for name, value in extra.items():
            args += [f"--{name.replace('_', '-')}", value]
        out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
        assert out.returncode == 0, out.stderr[-3000:] + "\n" + self.node.tail()
        answer: dict[str, Any] = json.loads(out.stdout)
        return answer

    def score(self, subject: Pubkey) -> Any:
        program, oracle = Pubkey.from_string(self.dev.program), Pubkey.from_string(self.dev.oracle)
        account = Client(self.endpoint.url, commitment=Confirmed).get_account_info(
            prog.score_pda(program, oracle, subject)[0]).value
        assert account is not None
        return prog.decode_account("Score", bytes(account.data))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, log_path=tmp_path / "endpoint.log").start()
    node: NodeProcess | None = None
    try:
        port = free_port()
        dev, config = setup_solana_node(tmp_path / "node", endpoint.url, api_port=port, poll_interval_s=0.2)
        node = NodeProcess(config, tmp_path / "node" / "node.log", {}).start()
        node.wait_healthy(port)
        yield World(endpoint, dev, node)
    finally:
        if node is not None:
            node.stop()
        endpoint.stop()


def test_request_read_then_refuse_stale_and_revoked(world: World) -> None:
    subject = Keypair().pubkey()
    sent = world.client("request", subject)
    reading = sent["reading"]
    stored = world.score(subject)
    # the client read what the node stored for its request, through Anchor's coder over idl.json
    assert reading["request"] == sent["request"] == str(prog.pubkey(stored.request))
    assert (reading["score"], reading["tier"], reading["pdBps"], reading["flags"]) == (
        stored.score, stored.tier, stored.pd_bps, stored.flags)
    assert reading["flagNames"] == flag_names(stored.flags)
    assert (int(reading["assessedAt"]), int(reading["expiry"])) == (stored.assessed_at, stored.expiry)
    assert (reading["threshold"], reading["signers"]) == (1, [bytes(stored.signer).hex()])
    assert (reading["stored"], reading["fresh"], reading["signersActive"], reading["usable"], reading["reason"]) == (
        True, True, True, True, None)
    assert int(reading["now"]) < stored.expiry
    assert (reading["decision"], reading["maxLtvBps"]) == lender_decision(stored.score, stored.flags)
    assert int(sent["fee"]) == 1_000_000

    # older than the consumer's maximum age: stale for it, though not past the expiry
    world.endpoint.call("aura_advanceTime", [120])
    young = world.client("read", subject, max_age_s="60")
    assert (young["fresh"], young["usable"], young["reason"], young["decision"]) == (False, False, "Stale", None)

    # past the expiry on the cluster clock
    world.endpoint.call("aura_advanceTime", [stored.expiry - int(young["now"]) + 1])
    late = world.client("read", subject, max_age_s=str(10**9))
    assert int(late["now"]) > stored.expiry  # the clock also moves with the slots
    assert (late["fresh"], late["signersActive"], late["usable"], late["reason"]) == (False, True, False, "Stale")

    # the signer's enclave revoked: score_status says it no longer counts
    program, oracle = Pubkey.from_string(world.dev.program), Pubkey.from_string(world.dev.oracle)
    admin = world.dev.keypair("admin")
    send(Client(world.endpoint.url, commitment=Confirmed), [admin],
         [prog.revoke_enclave_ix(program, oracle, admin.pubkey(), bytes(stored.signer))])
    revoked = world.client("read", subject, max_age_s=str(10**9))
    assert (revoked["signersActive"], revoked["usable"], revoked["reason"]) == (False, False, "SignerRevoked")


def test_read_without_a_score(world: World) -> None:
    assert world.client("read", Keypair().pubkey()) == {"stored": False, "usable": False, "reason": "NoAssessment"}


def test_guide_snippets_are_the_example_code() -> None:
    """Each JavaScript snippet of docs/solana.md's client guide is an excerpt of consumer.mjs, which the tests above
    run: the guide shows code that works."""
    doc = (ROOT / "docs" / "solana.md").read_text()
    guide = doc.split("## Use Aura from your client\n", 1)[1].split("\n## ", 1)[0]
    snippets = re.findall(r"```js\n(.*?)```", guide, flags=re.S)
    assert len(snippets) == 6
    code = CONSUMER.read_text()
    assert [s for s in snippets if s not in code] == []
