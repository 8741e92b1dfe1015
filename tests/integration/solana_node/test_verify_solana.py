"""`aura verify` on Solana, through the local endpoint: a fulfilment the node made recomputes field for field from
the chain alone; one a dishonest host had signed on invented features (on Solana the enclave proves none of them)
is caught at its features hash, with the score it inflated named."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from contextlib import ExitStack

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.base import Confidence, SignedAssessment
from chains.family import BuildContext
from chains.registry import FAMILIES
from chains.solana import payload as solana_payload
from chains.solana import program as prog
from node.config import load_config as load_node_config
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.workshop.devnet.solana_setup import send
from tests.integration.solana_node.conftest import SolEnv, stored_result

LIAR = EnclaveKey(bytes.fromhex("6b" * 32))
CHAIN = "solana-local"


def aura(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node.cli", *args], capture_output=True, text=True, timeout=120)


def test_an_honest_fulfilment_verifies(sol_env: SolEnv) -> None:
    env = sol_env
    node = env.node().start()
    try:
        node.wait_healthy(env.api_port)
        request = env.request(Keypair().pubkey())
        env.wait_fulfilled([request], node)
        env.wait_states([request], "final", node)
    finally:
        node.stop()
    signed = stored_result(env, request)
    keys = env.root / "keys"
    keys.rename(env.root / "keys-elsewhere")  # verifying needs none of the operator's keys
    out = aura("verify", CHAIN, request, "--config", str(env.config), "--rpc", env.endpoint.url, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["match"] is True and report["signer"] == signed["signer"]
    fields = {f["field"]: f for f in report["fields"]}
    assert fields["score"]["on_chain"] == str(signed["score"])
    assert (int(fields["block_number"]["on_chain"]), fields["block_hash"]["on_chain"]) == (
        signed["block_number"], signed["block_hash"]) == (report["features"]["as_of_block"],
                                                          report["features"]["as_of_block_hash"])
    assert fields["features_hash"]["on_chain"] == signed["features_hash"]
    text = aura("verify", CHAIN, request, "--config", str(env.config))
    assert text.returncode == 0 and text.stdout.splitlines()[-1] == "match"


def test_a_fulfilment_signed_on_invented_features_is_caught(sol_env: SolEnv) -> None:
    """A host invents a fresh wallet's features (transaction count, balance, age: all host-supplied on Solana).
    The enclave signs (it cannot tell), the program stores it; verify names the first difference."""
    env = sol_env
    admin = env.dev.keypair("admin")
    public_key = solana_payload.uncompressed_public_key(LIAR.public_key)
    send(env.client, [admin], [prog.register_enclave_ix(env.program, env.oracle, admin.pubkey(), public_key,
                                                        measure().digest, Pubkey.from_string(env.dev.transmitter))])
    request_id = env.request(Keypair().pubkey())
    env.control("aura_advanceSlots", 2)
    cfg = next(c for c in load_node_config(env.config).chains if c.name == CHAIN)

    async def lie() -> int:
        with ExitStack() as resources:
            adapter = FAMILIES["solana"].build(cfg, BuildContext(env.root / "data", None, lambda: None, resources))
            await adapter.connect()
            try:
                head = await adapter.head(Confidence.LATEST)
                (request,) = [r for r in (await adapter.poll_requests(None, head)).items
                              if r.request_id == request_id]
                pinned = await adapter.pinned(request)
                features = await adapter.read_features(request.subject, pinned)
                features.update(tx_count=4_000, balance_wei=str(900 * 10**18),
                                first_seen_timestamp=pinned.timestamp - 3 * 365 * 86_400)
                enclave = EnclaveService(LIAR, measure(), Engine.load(load_config()), clock=lambda: pinned.timestamp)
                answer = enclave.assess({"request": adapter.enclave_request(request), "features": features})
                await adapter.broadcast(await adapter.prepare([(request, SignedAssessment.from_wire(answer))]))
            finally:
                await adapter.close()
            return int(answer["score"])

    inflated = asyncio.run(lie())
    env.control("aura_advanceSlots", 2)
    assert env.client.get_account_info(Pubkey.from_string(request_id)).value is None  # fulfilled and closed
    out = aura("verify", CHAIN, request_id, "--config", str(env.config), "--rpc", env.endpoint.url, "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["match"] is False and report["signer"] == LIAR.address
    rows = {f["field"]: f for f in report["fields"]}
    assert [f["field"] for f in report["fields"] if not f["match"]][0] == "features_hash"
    assert rows["score"]["on_chain"] == str(inflated) and int(rows["score"]["recomputed"]) < inflated
    assert all(rows[name]["match"] for name in ("block_number", "block_hash", "timestamp", "expiry", "measurement"))
    text = aura("verify", CHAIN, request_id, "--config", str(env.config))
    assert text.returncode == 1 and text.stdout.splitlines()[-1] == "first difference: features_hash"
