"""Anchor (@coral-xyz/anchor from npm, pinned in package.json) against the local endpoint with aura_oracle
loaded, as an integrator runs it: `program.methods.requestAssessment(...).rpc()` sends the transaction and
confirms it over the PubSub WebSocket (signatureSubscribe, found where web3.js looks for it: the HTTP port + 1),
and `addEventListener` receives the program's event over logsSubscribe (anchor_request.mjs)."""

from __future__ import annotations

import asyncio
import gc
import json
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from chains.core.secp256k1 import keccak256
from chains.solana import program as prog
from node.enclave.keys import EnclaveKey
from node.workshop.devnet.solana_proc import program_so
from node.workshop.devnet.solana_rpc import SolanaDevnet
from node.workshop.devnet.solana_setup import SolanaDevnet as OracleSetup
from node.workshop.devnet.solana_setup import setup_solana

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCRIPT = Path(__file__).with_name("anchor_request.mjs")
IDL = Path(__file__).resolve().parents[3] / "programs" / "aura_oracle" / "idl.json"  # the IDL clients load
ENCLAVE = EnclaveKey(keccak256(b"aura solana anchor enclave"))
MEASUREMENT = keccak256(b"aura solana anchor measurement")


@pytest_asyncio.fixture(loop_scope="session")
async def oracle_devnet(tmp_path: Path) -> AsyncIterator[tuple[SolanaDevnet, OracleSetup]]:
    """The endpoint with aura_oracle, its slot clock running, and an oracle set up through it."""
    dev = SolanaDevnet(slot_ms=100, programs={prog.idl_address(): program_so()})
    await dev.start()
    try:
        document = {"public_key": "0x" + ENCLAVE.public_key.hex(), "measurement": "0x" + MEASUREMENT.hex()}
        with warnings.catch_warnings():  # setup_solana leaves its HTTP client to the collector
            warnings.simplefilter("ignore", ResourceWarning)
            oracle = await asyncio.to_thread(setup_solana, tmp_path / "oracle", dev.url, document)
            gc.collect()
        yield dev, oracle
    finally:
        await dev.stop()


async def _anchor(request: dict[str, Any]) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec("node", str(SCRIPT), stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), 120)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    answer: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return answer


async def test_anchor_rpc_lands_and_confirms_over_the_websocket(
        oracle_devnet: tuple[SolanaDevnet, OracleSetup]) -> None:
    dev, oracle = oracle_devnet
    assert dev.ws_url == f"ws://127.0.0.1:{dev.port + 1}"  # where web3.js's Connection looks
    program, oracle_key = prog.idl_address(), Pubkey.from_string(oracle.oracle)
    async with AsyncClient(dev.url, commitment=Confirmed) as client:
        assert (await client.get_account_info(oracle_key)).value is not None
        requester = Keypair.from_json(Path(oracle.keys_dir, "solana-requester.json").read_text()).pubkey()
        counter = prog.counter_pda(program, oracle_key, requester)[0]
        assert prog.next_nonce((await client.get_account_info(counter)).value) == 0
        # the requester's first request names its request account (no counter yet for Anchor to read); the
        # second is resolved by Anchor from the counter the first created
        for nonce, resolved in ((0, "named"), (1, "anchor")):
            subject = Keypair().pubkey()
            out = await _anchor({"url": dev.url, "idl": str(IDL), "oracle": oracle.oracle,
                                 "keypair": str(Path(oracle.keys_dir) / "solana-requester.json"),
                                 "subject": str(subject)})

            assert "error" not in out, out["error"]
            assert (out["err"], out["resolved"]) == (None, resolved)
            assert out["confirmation"] in ("confirmed", "finalized")
            status = (await client.get_signature_statuses([Signature.from_string(out["signature"])])).value[0]
            assert status is not None and status.err is None
            request, _ = prog.request_pda(program, oracle_key, requester, nonce)
            account = (await client.get_account_info(request)).value
            assert account is not None and account.owner == program
            assert bytes(prog.decode_account("Request", bytes(account.data)).subject) == bytes(subject)
            assert out["event"] == {"signature": out["signature"], "slot": status.slot, "subject": str(subject),
                                    "nonce": str(nonce)}
