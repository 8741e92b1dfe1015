"""The example consumer (`programs/example_client`, Anchor's TypeScript client over `idl.json`) against the local
Solana endpoint (LiteSVM behind JSON-RPC, its own process) with the node fulfilling: it requests an assessment,
reads the Score the node stores, and refuses it once it is past its expiry or its signer is revoked.

Its private path (`borrowWithProof`) runs against the same endpoint in this process, so that the test can write
the subject's Score (as tests/integration/solana_program/test_zk.py does) holding the Poseidon commitment of an
opening it knows, and prove it with snarkjs over build/zk: approved at the minimum loan-to-value, refused for a
spent nullifier, a proof of another subject and a rejecting flag (which spends nothing)."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import re
import struct
import subprocess
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from chains.core.assessment import PRIVATE_TIER
from chains.core.secp256k1 import keccak256
from chains.solana import groth16
from chains.solana import program as prog
from chains.solana.keypair import write_keypair
from node.enclave.keys import EnclaveKey
from node.scoring.flags import Flag, flag_names
from node.workshop.devnet.anvil import free_port
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_rpc import SolanaDevnet as LocalEndpoint
from node.workshop.devnet.solana_setup import (
    SolanaDevnet,
    airdrop,
    enclave_public_key,
    send,
    setup_solana,
    setup_solana_node,
)
from node.zk import snarkjs
from node.zk.poseidon_commitment import commitment, limbs, nullifier

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

    def client(self, command: str, subject: Pubkey, key: str = "requester", flags: Sequence[str] = (),
               **extra: str) -> dict[str, Any]:
        args = ["node", str(CLI), command, "--url", self.endpoint.url, "--oracle", self.dev.oracle,
                "--subject", str(subject), "--keypair", str(Path(self.dev.keys_dir) / f"solana-{key}.json"), *flags]
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

    def request_address(self, key: str, nonce: int) -> str:
        """The address of request number `nonce` of the `key` keypair (its RequestCounter's, on this oracle)."""
        program, oracle = Pubkey.from_string(self.dev.program), Pubkey.from_string(self.dev.oracle)
        return str(prog.request_pda(program, oracle, self.dev.keypair(key).pubkey(), nonce)[0])

    def next_nonce(self, key: str) -> int:
        """The `key` keypair's RequestCounter's `next_nonce` on this oracle (0 while it has none)."""
        program, oracle = Pubkey.from_string(self.dev.program), Pubkey.from_string(self.dev.oracle)
        account = Client(self.endpoint.url, commitment=Confirmed).get_account_info(
            prog.counter_pda(program, oracle, self.dev.keypair(key).pubkey())[0]).value
        return 0 if account is None else int(prog.decode_account("RequestCounter", bytes(account.data)).next_nonce)

    def fund(self, key: str) -> None:
        """Another requester: a funded keypair file `solana-<key>.json` beside the devnet's."""
        made = write_keypair(Path(self.dev.keys_dir) / f"solana-{key}.json")
        airdrop(Client(self.endpoint.url, commitment=Confirmed), made.pubkey(), 10**9)


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
    # the requester's first request on this oracle: number 0 of its RequestCounter, which it now holds
    assert (sent["nonce"], sent["request"], world.next_nonce("requester")) == (
        "0", world.request_address("requester", 0), 1)

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


def test_a_private_request_is_stored_private_and_the_public_path_refuses_it(world: World) -> None:
    """`request --private`: the node fulfils it in the private form, so the Score holds the commitment and no score;
    the reading is usable (fresh, its signer counts: the private path lends on it), but the public path refuses to
    decide on it, as ExampleLender does."""
    subject = Keypair().pubkey()
    sent = world.client("request", subject, flags=["--private"])
    reading = sent["reading"]
    stored = world.score(subject)
    assert reading["request"] == sent["request"] == str(prog.pubkey(stored.request))
    assert (stored.score, stored.tier, stored.pd_bps) == (0, PRIVATE_TIER, 0)
    assert bytes(stored.commitment) != bytes(32)
    assert (reading["score"], reading["tier"], reading["pdBps"], reading["flags"], reading["private"]) == (
        0, PRIVATE_TIER, 0, stored.flags, True)
    assert (reading["usable"], reading["reason"], reading["decision"], reading["maxLtvBps"]) == (
        True, None, "PrivateAssessment", 0)
    sent_public = world.client("request", subject)  # a public assessment replaces it and is decided on
    public = sent_public["reading"]
    assert (public["private"], public["tier"]) == (False, world.score(subject).tier)
    assert (public["decision"], public["maxLtvBps"]) == lender_decision(public["score"], public["flags"])
    # the requester's two requests are its numbers 0 and 1 (private or not, one counter)
    assert [(r["nonce"], r["request"]) for r in (sent, sent_public)] == [
        ("0", world.request_address("requester", 0)), ("1", world.request_address("requester", 1))]

    # another requester numbers its own requests from 0: its request shares no number, and no writable account,
    # with the first requester's, and the node fulfils it as well
    world.fund("second")
    other = Keypair().pubkey()
    second = world.client("request", other, key="second")
    assert (second["nonce"], second["request"]) == ("0", world.request_address("second", 0))
    assert second["request"] != sent["request"]
    assert second["reading"]["request"] == second["request"] == str(prog.pubkey(world.score(other).request))
    assert (world.next_nonce("requester"), world.next_nonce("second")) == (2, 1)


def test_read_without_a_score(world: World) -> None:
    assert world.client("read", Keypair().pubkey()) == {"stored": False, "usable": False, "reason": "NoAssessment"}


def test_guide_snippets_are_the_example_code() -> None:
    """Each JavaScript snippet of docs/solana.md's client guide is an excerpt of consumer.mjs, which the tests above
    run: the guide shows code that works."""
    doc = (ROOT / "docs" / "solana.md").read_text()
    guide = doc.split("## Use Aura from your client\n", 1)[1].split("\n## ", 1)[0]
    snippets = re.findall(r"```js\n(.*?)```", guide, flags=re.S)
    assert len(snippets) == 7
    code = CONSUMER.read_text()
    assert [s for s in snippets if s not in code] == []


# ------------------------------------------------------------------------------------------ the private path

ENCLAVE = EnclaveKey(keccak256(b"aura example client private path enclave"))
MEASUREMENT = keccak256(b"aura example client private path measurement")
SCORE_LEN = 314
# the endpoint runs on the session loop (the fixture's): the tests must too, or it is not served while they wait
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
BLINDING = 987654321987654321


@dataclass
class Private:
    """The endpoint in this process with an oracle, build/zk's verifying key set, and the lender's key."""

    endpoint: LocalEndpoint
    dev: SolanaDevnet
    build: snarkjs.ZkBuild

    @property
    def program(self) -> Pubkey:
        return Pubkey.from_string(self.dev.program)

    @property
    def oracle(self) -> Pubkey:
        return Pubkey.from_string(self.dev.oracle)

    @property
    def lender(self) -> Pubkey:
        return self.dev.keypair("requester").pubkey()

    async def client(self, command: str, subject: Pubkey, **extra: str) -> dict[str, Any]:
        args = [str(CLI), command, "--url", self.endpoint.url, "--oracle", self.dev.oracle, "--subject", str(subject),
                "--keypair", str(Path(self.dev.keys_dir) / "solana-requester.json")]
        for name, value in extra.items():
            args += [f"--{name.replace('_', '-')}", value]
        proc = await asyncio.create_subprocess_exec("node", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
        except TimeoutError:
            proc.kill()
            stdout, stderr = await proc.communicate()
            raise AssertionError(f"{command} did not finish: {stdout.decode()[-2000:]} {stderr.decode()[-3000:]}") from None
        assert proc.returncode == 0, stderr.decode()[-3000:]
        answer: dict[str, Any] = json.loads(stdout)
        return answer

    def now(self) -> int:
        """The cluster clock: the Clock sysvar's unix_timestamp."""
        clock = self.endpoint.get_account(CLOCK)
        assert clock is not None
        return int(struct.unpack_from("<q", bytes(clock.data), 32)[0])

    async def write_score(self, subject: Pubkey, committed: int, flags: int = 0) -> None:
        """`subject`'s Score (docs/solana.md's layout) as a private assessment stores it, score-free (score 0, PD 0,
        PRIVATE_TIER), holding `committed`, made now and signed by the registered enclave."""
        now, slot = self.now(), self.endpoint.slot
        body = (bytes(self.oracle) + bytes(subject) + struct.pack("<HBHI", 0, PRIVATE_TIER, 0, flags) + MEASUREMENT
                + committed.to_bytes(32, "big") + struct.pack("<Q", slot) + bytes(32) + bytes(32)
                + struct.pack("<qq", now, now + 86_400) + keccak256(enclave_public_key(document()))[12:]
                + bytes(32) + struct.pack("<qqQIB", now, now, slot, 1, 255))
        data = hashlib.sha256(b"account:Score").digest()[:8] + body
        assert len(data) == SCORE_LEN
        address = prog.score_pda(self.program, self.oracle, subject)[0]
        self.endpoint.set_account(address, Account(lamports=10**8, data=data, owner=self.program, executable=False))

    def prove(self, subject: Pubkey, score: int, scope: int) -> dict[str, str]:
        """A snarkjs proof that `subject`'s committed `score` is at least 600 for `scope`: `calldata.solana`."""
        hi, lo = limbs(bytes(subject))
        inputs = {"commitment": commitment(score, BLINDING, bytes(subject)), "threshold": 600, "subject_hi": hi,
                  "subject_lo": lo, "scope": scope, "nullifier": nullifier(BLINDING, scope), "score": score,
                  "blinding": BLINDING}
        proof, public_signals = snarkjs.prove(self.build, inputs)
        calldata: dict[str, str] = groth16.verifier_args(proof, public_signals)
        return calldata


def document() -> dict[str, str]:
    return {"public_key": "0x" + ENCLAVE.public_key.hex(), "measurement": "0x" + MEASUREMENT.hex()}


@pytest.fixture
async def private(tmp_path: Path) -> AsyncIterator[Private]:
    try:
        build = snarkjs.locate()
    except snarkjs.ZkError as e:
        pytest.skip(str(e))
    endpoint = LocalEndpoint(slot_ms=100, programs={prog.idl_address(): program_so()})
    await endpoint.start()
    try:
        with warnings.catch_warnings():  # setup_solana leaves its HTTP client to the collector
            warnings.simplefilter("ignore", ResourceWarning)
            dev = await asyncio.to_thread(setup_solana, tmp_path / "oracle", endpoint.url, document())
            key = groth16.verifying_key_bytes(json.loads(build.verification_key.read_text()))
            admin = dev.keypair("admin")
            ix = prog.set_verifying_key_ix(prog.idl_address(), Pubkey.from_string(dev.oracle), admin.pubkey(), key)
            await asyncio.to_thread(send, Client(endpoint.url, commitment=Confirmed), [admin], [ix])
            gc.collect()
        yield Private(endpoint, dev, build)
    finally:
        await endpoint.stop()


@SESSION_LOOP
async def test_private_path_lends_at_the_minimum_ltv_once_per_assessment(private: Private) -> None:
    subject = Keypair().pubkey()
    scope = int((await private.client("scope", subject))["scope"])
    assert scope == int.from_bytes(bytes(private.lender)[:31], "big")
    await private.write_score(subject, commitment(640, BLINDING, bytes(subject)), flags=int(Flag.LIMITED_DATA))
    # the public path will not decide on a private assessment, though it is usable
    reading = await private.client("read", subject)
    assert (reading["usable"], reading["private"], reading["tier"], reading["decision"], reading["maxLtvBps"]) == (
        True, True, PRIVATE_TIER, "PrivateAssessment", 0)
    calldata = await asyncio.to_thread(private.prove, subject, 640, scope)

    lent = await private.client("borrow-private", subject, **calldata)
    assert (lent["approved"], lent["maxLtvBps"], lent["nullifier"]) == (True, 5000, calldata["nullifier"])
    spent_at = prog.nullifier_pda(private.program, private.oracle, private.lender,
                                  bytes.fromhex(calldata["nullifier"][2:]))[0]
    spent = private.endpoint.get_account(spent_at)
    assert spent is not None and spent.owner == private.program

    again = await private.client("borrow-private", subject, **calldata)
    assert again == {"approved": False, "reason": "NullifierSpent", "maxLtvBps": 0}


@SESSION_LOOP
async def test_private_path_refuses_a_proof_of_another_subject(private: Private) -> None:
    subject, other = Keypair().pubkey(), Keypair().pubkey()
    scope = int.from_bytes(bytes(private.lender)[:31], "big")
    await private.write_score(subject, commitment(700, BLINDING, bytes(subject)))
    await private.write_score(other, commitment(700, BLINDING, bytes(subject)))  # the same commitment, elsewhere
    calldata = await asyncio.to_thread(private.prove, subject, 700, scope)
    refused = await private.client("borrow-private", other, **calldata)
    assert refused == {"approved": False, "reason": "InvalidProof", "maxLtvBps": 0}
    spent_at = prog.nullifier_pda(private.program, private.oracle, private.lender,
                                  bytes.fromhex(calldata["nullifier"][2:]))[0]
    assert private.endpoint.get_account(spent_at) is None


@SESSION_LOOP
async def test_private_path_refuses_public_flags_before_the_proof_and_spends_nothing(private: Private) -> None:
    subject = Keypair().pubkey()
    scope = int.from_bytes(bytes(private.lender)[:31], "big")
    calldata = await asyncio.to_thread(private.prove, subject, 900, scope)
    assert await private.client("borrow-private", subject, **calldata) == {
        "approved": False, "reason": "NoAssessment", "maxLtvBps": 0}
    await private.write_score(subject, commitment(900, BLINDING, bytes(subject)), flags=int(Flag.LIQUIDATED))
    assert await private.client("borrow-private", subject, **calldata) == {
        "approved": False, "reason": "Rejected", "flags": int(Flag.LIQUIDATED), "maxLtvBps": 0}
    await private.write_score(subject, commitment(900, BLINDING, bytes(subject)), flags=int(Flag.ANOMALOUS))
    assert await private.client("borrow-private", subject, **calldata) == {
        "approved": False, "reason": "ManualReview", "flags": int(Flag.ANOMALOUS), "maxLtvBps": 0}
    spent_at = prog.nullifier_pda(private.program, private.oracle, private.lender,
                                  bytes.fromhex(calldata["nullifier"][2:]))[0]
    assert private.endpoint.get_account(spent_at) is None
    # the same proof, once the flags are clear, is still good: nothing was spent
    await private.write_score(subject, commitment(900, BLINDING, bytes(subject)))
    assert (await private.client("borrow-private", subject, **calldata))["approved"] is True
