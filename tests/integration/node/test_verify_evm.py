"""`aura verify` against anvil and the real contract: a fulfilment the node made recomputes field for field from
the chain alone; one a dishonest host had signed on invented history (which the enclave cannot prove) is caught
at its features hash, and the score it inflated is named."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack
from pathlib import Path

from eth_account import Account

from chains.base import Confidence, SignedAssessment
from chains.family import BuildContext
from chains.registry import FAMILIES
from node.config import load_config as load_node_config
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.workshop.devnet.deploy import DEPLOYER_KEY, send
from tests.integration.node.conftest import Env
from tests.integration.node.test_node_evm import aura

SUBJECT = Account.from_key(DEFAULT_KEYS[4]).address
LIAR = EnclaveKey(bytes.fromhex("5a" * 32))
INVENTED_HISTORY = {
    "first_activity_timestamp": 1_600_000_000, "last_activity_timestamp": None, "active_months": 40,
    "tx_per_active_month_milli": 6_000, "longest_gap_days": 20, "tx_30d": 8, "tx_7d": 2, "counterparties": 60,
    "protocols": 5, "tokens": 9, "inflow_hhi_bps": 2_500, "stablecoin_share_bps": 5_000, "transfers_in_30d": 4,
    "swaps": 40, "supplies": 12, "borrows": 15, "repays": 15, "liquidations": 0, "borrows_30d": 1,
    "outstanding_positions": 0, "repayment_ratio_bps": 10_000,
}


def test_an_honest_fulfilment_verifies(env: Env) -> None:
    node = env.node().start()
    try:
        env.wait_healthy(node)
        request_id = env.request(SUBJECT)
        fulfilled = env.wait_fulfilled([request_id], node)[request_id][0]
    finally:
        node.stop()
    out = aura("verify", "anvil", request_id, "--config", env.dev.config_path, "--rpc", env.anvil.url, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["match"] is True and report["signer"] == env.dev.signer
    fields = {f["field"]: f for f in report["fields"]}
    assert fields["score"]["on_chain"] == str(fulfilled["score"])
    assert fields["measurement"]["on_chain"] == env.dev.measurement
    assert int(fields["block_number"]["on_chain"]) == report["features"]["as_of_block"]
    text = aura("verify", "anvil", request_id, "--config", env.dev.config_path)
    assert text.returncode == 0 and text.stdout.splitlines()[-1] == "match"


def test_a_fulfilment_signed_on_invented_history_is_caught(env: Env) -> None:
    """The attack on host-supplied features: a host invents the indexed history (the part no proof covers) of a
    wallet made minutes ago with one transaction. The enclave signs (it cannot tell), the contract stores it; verify names the difference."""
    oracle = env.oracle
    send(env.w3, DEFAULT_KEYS[4], {"to": Account.from_key(DEPLOYER_KEY).address, "value": 1})  # one transaction
    send(env.w3, DEPLOYER_KEY, {"to": env.dev.oracle, "data": oracle.encode_abi(
        "registerSigner", [LIAR.address, env.dev.measurement, Account.from_key(DEPLOYER_KEY).address])})
    request_id = env.request(SUBJECT)
    env.mine(2)
    cfg = next(c for c in load_node_config(Path(env.dev.config_path)).chains if c.name == "anvil")

    async def lie() -> int:
        with ExitStack() as resources:
            adapter = FAMILIES["evm"].build(cfg, BuildContext(env.root / "data", None, lambda: None, resources))
            await adapter.connect()
            (request,) = [r for r in (await adapter.poll_requests(None, await adapter.head(Confidence.LATEST))).items
                          if r.request_id == request_id]
            pinned = await adapter.pinned(request)
            features = await adapter.read_features(request.subject, pinned)
            features["history"] = {**INVENTED_HISTORY, "last_activity_timestamp": pinned.timestamp - 86_400}
            proof = await adapter.state_proof(request.subject, pinned)
            enclave = EnclaveService(LIAR, measure(), Engine.load(load_config()), clock=lambda: pinned.timestamp)
            answer = enclave.assess({"request": adapter.enclave_request(request), "features": features,
                                     "proof": proof})
            await adapter.broadcast(await adapter.prepare([(request, SignedAssessment.from_wire(answer))]))
            await adapter.close()
            return int(answer["score"])

    inflated = asyncio.run(lie())
    env.mine(1)
    assert request_id in env.fulfilled()
    out = aura("verify", "anvil", request_id, "--config", env.dev.config_path, "--rpc", env.anvil.url, "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["match"] is False and report["signer"] == LIAR.address
    rows = {f["field"]: f for f in report["fields"]}
    assert [f["field"] for f in report["fields"] if not f["match"]][0] == "features_hash"
    assert rows["score"]["on_chain"] == str(inflated) and int(rows["score"]["recomputed"]) < inflated
    assert all(rows[name]["match"] for name in ("block_number", "block_hash", "timestamp", "expiry", "measurement"))
    text = aura("verify", "anvil", request_id, "--config", env.dev.config_path)
    assert text.returncode == 1 and text.stdout.splitlines()[-1] == "first difference: features_hash"
