"""`aura request`'s EVM consumer (chains/evm/consumer.py) on the session's anvil: `private=True` sends
`requestPrivateAssessment`, the default `requestAssessment`; each says which it sent, as the chain logged it, and a
private one waited for comes back with the private record's score 0 and tier 255."""

from __future__ import annotations

import asyncio
from pathlib import Path

from chains.core.assessment import PRIVATE_TIER
from chains.evm import consumer
from chains.evm.config import EvmChain
from node.workshop.devnet.anvil import Anvil
from tests.integration.evm.conftest import CHAIN_ID, REQUESTER_KEY, Chain, Req

PENDING = 1


def _config(anvil: Anvil, chain: Chain, tmp_path: Path) -> EvmChain:
    return EvmChain.model_validate({
        "family": "evm", "name": "anvil", "chain_id": CHAIN_ID, "rpc_url": anvil.url,
        "oracle": chain.oracle.address, "transmitter_keystore": str(tmp_path / "unused.json"),
        "transmitter_passphrase_file": str(tmp_path / "unused"),
    })


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "requester.key"
    path.write_text(REQUESTER_KEY + "\n")
    path.chmod(0o600)
    return path


def _record(chain: Chain, request_id: str) -> tuple[int, bool]:
    status, _, is_private, _ = chain.oracle.functions.requestRecord(bytes.fromhex(request_id[2:])).call()
    return status, is_private


def test_private_sends_the_private_request(anvil: Anvil, chain: Chain, tmp_path: Path) -> None:
    cfg, key = _config(anvil, chain, tmp_path), _key_file(tmp_path)
    for private in (True, False):
        out = asyncio.run(consumer.request_assessment(cfg, subject=chain.subject.lower(), params=b"",
                                                      requester_key=key, config_dir=tmp_path, wait=False,
                                                      timeout=30, private=private))
        assert (out["subject"], out["private"], out["fee"]) == (chain.subject, private, chain.FEE)
        assert _record(chain, out["request_id"]) == (PENDING, private)


def test_a_private_request_waited_for_reads_the_private_record(anvil: Anvil, chain: Chain, tmp_path: Path) -> None:
    cfg, key = _config(anvil, chain, tmp_path), _key_file(tmp_path)

    start = chain.w3.eth.block_number + 1

    async def ask_and_answer() -> dict[str, object]:
        asking = asyncio.create_task(consumer.request_assessment(
            cfg, subject=chain.subject, params=b"", requester_key=key, config_dir=tmp_path, wait=True, timeout=30,
            private=True))
        logs: list = []
        for _ in range(600):  # until the request is mined (30 s at most); the consumer then waits for its answer
            await asyncio.sleep(0.05)
            if asking.done():
                return await asking  # it failed before its request was answered: its error, raised here
            logs = chain.oracle.events.AssessmentRequested().get_logs(from_block=start)
            if logs:
                break
        assert logs, "the consumer's request was not mined"
        args = logs[-1]["args"]
        req = Req(bytes(args["requestId"]), args["requester"], args["subject"], args["fee"], args["expiresAt"],
                  int(logs[-1]["blockNumber"]))
        await asyncio.to_thread(chain.fulfil, req, chain.private_assessment(flags=8))
        return await asking

    out = asyncio.run(ask_and_answer())
    assert (out["status"], out["private"], out["score"], out["tier"], out["pd_bps"], out["flags"]) == (
        "fulfilled", True, 0, PRIVATE_TIER, 0, 8)
