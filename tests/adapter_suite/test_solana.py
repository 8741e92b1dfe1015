"""The suite against the local Solana endpoint (LiteSVM behind JSON-RPC, its own process, one per session)
with the `aura_oracle` program built from source. Each test gets a fresh oracle account (solana_setup) with
the suite's enclave registered; slots are then paused, and the driver moves them with the endpoint's
`aura_*` controls, so what the adapter sees is exact.

No lending protocol's program can run here, so the endpoint also loads a stand-in at Kamino Lend's mainnet program
id: programs/devnet_lending, which takes klend's borrow and repay instructions (its data and account layout) and
succeeds. The adapter reads it as it would read klend itself (chains/solana/credit_events.py)."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import MemcmpOpts
from solders.address_lookup_table_account import AddressLookupTable
from solders.commitment_config import CommitmentLevel
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.config import RpcContextConfig
from solders.rpc.requests import IsBlockhashValid
from solders.rpc.responses import IsBlockhashValidResp
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from chains.base import (
    ChainAdapter,
    Confidence,
    Height,
    ItemOutcome,
    OracleRequest,
    RequestStatus,
    SignedAssessment,
    SignerStatus,
    Submission,
    TxState,
)
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.base58 import b58encode
from chains.core.errors import ChainError, CosignerRefused, RetryLater, WaitFor
from chains.core.secp256k1 import keccak256, parse_address
from chains.family import BuildContext
from chains.registry import FAMILIES
from chains.solana import program as prog
from chains.solana.adapter import UPDATE_PIN_S, SolanaAdapter
from chains.solana.config import SolanaChain
from chains.solana.credit_events import KAMINO
from chains.solana.keypair import load_keypair
from chains.solana.lookup_table import AUTHORITY_OFFSET, LOOKUP_TABLE_PROGRAM, TransmitterTable, create_ix, extend_ix
from chains.solana.payload import uncompressed_public_key
from chains.solana.quorum import PACKET_SIZE
from chains.solana.status import enclave_account
from chains.solana.update_id import update_request_id
from node.enclave.keys import EnclaveKey
from node.workshop.devnet.solana_ledger import MAX_PROCESSING_AGE
from node.workshop.devnet.solana_proc import REPO, SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import CLUSTER_ID, REQUEST_TTL_S, SolanaDevnet, airdrop, send, setup_solana
from programs.sbf.build import build_program
from tests.unit.solana_chain.solana_upstream import Upstream

from .driver import Driver
from .signing import signed_assessment
from .suite import QUORUM, STRANGER, ChainAdapterSuite

NAME = "solana-suite"
FINALITY = 2  # the endpoint's default finality depth, in slots
MEASUREMENT = keccak256(b"aura solana suite measurement")
PAYEE_LAMPORTS = 10**9
ENCLAVE = EnclaveKey(keccak256(b"aura solana suite enclave"))
KAMINO_LEND = Pubkey.from_string("KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD")
"""Where the stand-in lending program (programs/devnet_lending) is loaded: Kamino Lend's mainnet program id (the
`declare_id!` of klend's programs/klend/src/lib.rs)."""
LOOK_ALIKE = Keypair.from_seed(keccak256(b"aura solana suite: a lending look-alike")).pubkey()
"""Where the endpoint loads the stand-in a second time: a program no `lending_programs` names."""
KLEND = {"borrow": ("borrow_obligation_liquidity_v2", 15), "repay": ("repay_obligation_liquidity_v2", 13)}
"""The klend instruction `lend` sends for each kind, and how many accounts klend's IDL lists for it (the owner
first; programs/devnet_lending/src/lib.rs)."""


def lending_so() -> Path:
    """The stand-in lending program, built from `programs/devnet_lending` (quick when it is up to date)."""
    return Path(build_program(REPO / "programs" / "devnet_lending"))


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SolanaEndpoint]:
    log = tmp_path_factory.mktemp("solana-endpoint") / "endpoint.log"
    stand_in = lending_so()
    programs = {str(prog.idl_address()): program_so(), str(KAMINO_LEND): stand_in, str(LOOK_ALIKE): stand_in}
    node = SolanaEndpoint(programs, slot_ms=50, log_path=log).start()
    try:
        yield node
    finally:
        node.stop()


class SolanaDriver(Driver):
    finality = FINALITY
    lends = True
    enclave = ENCLAVE
    measurement = MEASUREMENT
    already_fulfilled = f"{NAME}: fulfilment would fail: RequestNotFound"  # a fulfilled request's account is closed
    privacy_mismatch = f"{NAME}: fulfilment would fail: PrivacyMismatch"
    updates = True
    update_window_s = UPDATE_PIN_S  # how long the update's slot stays in SlotHashes (no repin moves an update)
    update_replayed = f"{NAME}: fulfilment would fail: UpdateNotNewer"
    update_mismatch = (f"{NAME}: fulfilment would fail: the update's id is not the one of its assessment's time "
                       "(chains/solana/update_id.py)")

    async def update_pin(self, subject: str) -> Height:
        """Where the node pins an update (`OffchainScorer`, `offchain_request`): the newest slot SlotHashes holds at
        or below the finalized one (the local endpoint's SlotHashes has the finalized slot itself only from the
        next slot on)."""
        return (await self.adapter.offchain_request(subject))[1]

    def __init__(self, endpoint: SolanaEndpoint, dev: SolanaDevnet, data_dir: Path) -> None:
        self.endpoint = endpoint
        self.dev = dev
        self.stranger = Keypair()  # another transmitter
        self.client = Client(endpoint.url, commitment=Commitment("processed"))
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.requester = dev.keypair("requester")
        self.subject = Keypair().pubkey()
        self.borrowers: dict[str, Keypair] = {}  # `lending`'s wallets by address
        super().__init__(SolanaChain.model_validate({
            "family": "solana", "name": NAME, "chain_id": CLUSTER_ID, "rpc_url": endpoint.url, "program_id": dev.program,
            "oracle": dev.oracle, "commitment": "confirmed",
            "transmitter_keypair": str(Path(dev.keys_dir) / "solana-transmitter.json"),
        }), data_dir)

    def resume(self) -> None:
        """Slots close on their own again; the driver's client is closed."""
        self.control("aura_resumeSlots")
        self.client._provider.session.close()  # noqa: SLF001 - solana-py's sync client has no close

    def control(self, method: str, *params: int) -> None:
        self.endpoint.call(method, list(params))

    async def make_request(self, private: bool = False) -> str:
        counter = self.client.get_account_info(prog.counter_pda(self.program, self.oracle, self.requester.pubkey())[0])
        ix, request = prog.next_request_ix(self.program, self.oracle, self.requester.pubkey(), self.subject,
                                           counter.value, private=private)
        send(self.client, [self.requester], [ix], wait=False)
        return str(request)

    async def advance(self, heights: int = 1) -> None:
        self.control("aura_advanceSlots", heights)

    async def pause(self) -> None:
        self.control("aura_pauseSlots")

    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        at = await self.adapter.pinned(request)
        return AssessmentFacts(score=742, tier=1, pd_bps=350, flags=8, measurement=MEASUREMENT,
                               commitment=keccak256(request.request_id.encode()), block_number=at.number,
                               block_hash=bytes.fromhex(at.hash[2:]), features_hash=keccak256(b"solana suite features"),
                               timestamp=at.timestamp, expiry=at.timestamp + 86_400)

    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        signed = await self.sign(request)
        enclave = prog.enclave_pda(self.program, self.oracle, bytes.fromhex(self.enclave.address[2:]))[0]
        send(self.client, [self.stranger], [prog.fulfil_ix(
            self.program, self.oracle, Pubkey.from_string(request.request_id), enclave,
            Pubkey.from_string(request.subject), Pubkey.from_string(request.requester), self.stranger.pubkey(),
            Pubkey.from_string(self.dev.transmitter), signed)], wait=False)
        await self.advance(1)

    async def cancel(self, request: OracleRequest) -> None:
        self.control("aura_advanceTime", REQUEST_TTL_S + 1)
        cancel = prog.cancel_ix(self.program, self.oracle, Pubkey.from_string(request.request_id),
                                self.requester.pubkey())
        send(self.client, [self.requester], [cancel], wait=False)
        await self.advance(1)

    async def kill(self, submission: Submission) -> None:
        """Let its blockhash expire."""
        await self.advance(MAX_PROCESSING_AGE + 1)

    async def revoke(self, signer: str) -> None:
        admin = self.dev.keypair("admin")
        send(self.client, [admin], [prog.revoke_enclave_ix(self.program, self.oracle, admin.pubkey(),
                                                           bytes.fromhex(signer[2:]))], wait=False)
        await self.advance(1)

    async def add_signer(self, key: EnclaveKey, measurement: bytes = MEASUREMENT) -> None:
        """Registers `key` with a payee of its own, which the admin funds in the same transaction (a fee share
        alone would leave a new account below rent exemption)."""
        admin, payee = self.dev.keypair("admin"), Keypair().pubkey()
        send(self.client, [admin], [
            transfer(TransferParams(from_pubkey=admin.pubkey(), to_pubkey=payee, lamports=PAYEE_LAMPORTS)),
            prog.register_enclave_ix(self.program, self.oracle, admin.pubkey(),
                                     uncompressed_public_key(key.public_key), measurement, payee)], wait=False)
        await self.advance(1)

    async def set_threshold(self, threshold: int) -> None:
        admin = self.dev.keypair("admin")
        send(self.client, [admin], [prog.set_threshold_ix(self.program, self.oracle, admin.pubkey(), threshold)],
             wait=False)
        await self.advance(1)

    def transmitter_tables(self) -> list[Pubkey]:
        """The address lookup tables whose authority is the transmitter."""
        owned = MemcmpOpts(offset=AUTHORITY_OFFSET, bytes=b58encode(b"\x01" + bytes(Pubkey.from_string(self.dev.transmitter))))
        found = self.client.get_program_accounts(LOOKUP_TABLE_PROGRAM, commitment=Commitment("processed"),
                                                 filters=[owned]).value
        return sorted((k.pubkey for k in found), key=bytes)

    async def new_adapter(self, **config: str) -> ChainAdapter:
        """A connected adapter of this driver's config, with `config` changed (a restarted node's)."""
        ctx = BuildContext(data_dir=self.data_dir, cache=None, sequence_floor=lambda: None, resources=self._resources)
        adapter = FAMILIES["solana"].build(self.cfg.model_copy(update=config), ctx)
        self._adapters.append(adapter)
        await adapter.connect()
        return adapter

    def quorum_not_met(self, got: int, needed: int) -> str:
        return f"{NAME}: fulfilment would fail: QuorumNotMet({got}, {needed})"

    def revoked_cosigner(self, signer: str) -> str:
        return f"{NAME}: fulfilment would fail: EnclaveRevoked({signer})"

    def too_many_signatures(self, count: int) -> str:
        return f"{count} signatures on one assessment; a Solana fulfilment carries at most 8"

    async def transmitter_balance(self) -> int:
        return self.client.get_balance(Pubkey.from_string(self.dev.transmitter), commitment=Commitment("confirmed")).value

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id=str(Keypair().pubkey()))

    async def lending(self) -> tuple[ChainAdapter, tuple[str, str]]:
        """The stand-in for Kamino Lend at its program id, an adapter reading only that program, and two wallets
        (their fees paid by `stranger`: a borrower signs, nothing more)."""
        self.borrowers = {str(k.pubkey()): k for k in (Keypair(), Keypair())}
        cfg = self.cfg.model_copy(update={"lending_programs": {str(KAMINO_LEND): KAMINO}})
        ctx = BuildContext(data_dir=self.data_dir, cache=None, sequence_floor=lambda: None, resources=self._resources)
        adapter = FAMILIES["solana"].build(cfg, ctx)
        self._adapters.append(adapter)
        await adapter.connect()
        return adapter, tuple(self.borrowers)  # type: ignore[return-value]

    async def lend(self, wallet: str, kind: str) -> None:
        """klend's `borrow_obligation_liquidity_v2` or `repay_obligation_liquidity_v2` of 1 USDC (6 decimals),
        signed by `wallet` as the obligation's owner, included at the next `advance`. The slot open now is closed
        first: the endpoint's finalized head is its open slot (its Clock sysvar is the newest bank's at every
        commitment), so the transaction lands after any head read before it, and in a slot of its own (as anvil
        mines each transaction in a block of its own)."""
        await self.advance(1)
        name, count = KLEND[kind]
        self.klend(wallet, name, count)

    def klend(self, wallet: str, name: str, count: int, program: Pubkey = KAMINO_LEND, signed: bool = True
              ) -> Signature:
        """Send klend's instruction `name` (1 USDC) to `program` with `count` accounts, `wallet` the first (and a
        signer when `signed`), the fee paid by `stranger`; not waited for."""
        owner = self.borrowers[wallet]
        accounts = [AccountMeta(owner.pubkey(), signed, False)] + [
            AccountMeta(Keypair().pubkey(), False, True) for _ in range(count - 1)]
        data = hashlib.sha256(f"global:{name}".encode()).digest()[:8] + struct.pack("<Q", 1_000_000)
        return send(self.client, [self.stranger, owner] if signed else [self.stranger],
                    [Instruction(program, data, accounts)], wait=False)

    def too_many(self, count: int) -> str:
        return "a Solana fulfilment carries exactly one request"


async def _lands_with_every_signer(driver: SolanaDriver, request: OracleRequest, signed: SignedAssessment,
                                   sub: Submission) -> None:
    """`sub` lands; the score keeps every signer of `signed` in ascending order, under a threshold of all of them
    (as the tests set it), and `read_fulfilment` reads back the signature of the signer its event names (the
    lowest address)."""
    adapter = driver.adapter
    await adapter.broadcast(sub)
    await driver.advance(1)
    st = await adapter.status(sub)
    assert (st.state, st.reverted, st.outcomes) == (TxState.INCLUDED, False, {request.key: ItemOutcome(True)})
    score = prog.score_pda(driver.program, driver.oracle, Pubkey.from_string(request.subject))[0]
    stored = driver.client.get_account_info(score).value
    assert stored is not None
    given = sorted(parse_address(s.signer) for s in signed.signers())
    assert prog.score_signers(bytes(stored.data)) == prog.ScoreSigners(len(given), tuple(given))
    fulfilled = await adapter.read_fulfilment(request.request_id)
    first = min(signed.signers(), key=lambda s: parse_address(s.signer))
    assert fulfilled is not None
    assert (fulfilled.signer, fulfilled.signature, fulfilled.facts) == (first.signer, first.signature, signed.facts)


class TestSolanaAdapter(ChainAdapterSuite):
    @pytest_asyncio.fixture(loop_scope="function")
    async def driver(self, endpoint: SolanaEndpoint, tmp_path: Path) -> AsyncIterator[Driver]:
        document = {"public_key": "0x" + ENCLAVE.public_key.hex(), "measurement": "0x" + MEASUREMENT.hex()}
        driver = SolanaDriver(endpoint, setup_solana(tmp_path / "oracle", endpoint.url, document), tmp_path)
        airdrop(driver.client, driver.stranger.pubkey(), 10**10)
        await driver.pause()
        try:
            async with driver.connected():
                yield driver
        finally:
            driver.resume()

    async def test_failed_lending_transactions_and_look_alikes_are_not_events(self, driver: Driver) -> None:
        """Solana only: a borrow the stand-in refuses (too few accounts, as klend would), one whose owner did not
        sign, and a borrow that succeeds at another program id are not events; the repayment after them is."""
        assert isinstance(driver, SolanaDriver)
        adapter, (wallet, _) = await driver.lending()
        head = await adapter.head(Confidence.FINALIZED)
        await driver.advance(1)
        refused = [driver.klend(wallet, "borrow_obligation_liquidity_v2", 14),
                   driver.klend(wallet, "borrow_obligation_liquidity_v2", 15, signed=False)]
        look_alike = driver.klend(wallet, "borrow_obligation_liquidity_v2", 15, program=LOOK_ALIKE)
        await driver.lend(wallet, "repay")
        await driver.finalize()
        statuses = driver.client.get_signature_statuses([*refused, look_alike]).value
        assert [s is not None and s.err is not None for s in statuses] == [True, True, False]
        final = await adapter.head(Confidence.FINALIZED)
        found = await adapter.credit_events([wallet], str(head.number), final)
        assert [(e.subject, e.kind, e.protocol) for e in found.items] == [(wallet, "repay", KAMINO)]

    async def test_a_request_older_than_slot_hashes_is_repinned(self, driver: Driver) -> None:
        """Solana only: SlotHashes keeps 512 slots. `pinned` of a request older than that sends `repin` and says
        to try again; then the request is pinned at a recent slot, signed there, and its fulfilment lands."""
        request = await driver.requested()
        first = await driver.adapter.pinned(request)
        await driver.advance(520)
        with pytest.raises(RetryLater, match="repin sent"):
            await driver.adapter.pinned(request)
        await driver.advance(2)
        pinned = await driver.adapter.pinned(request)
        assert first.number == request.block_number < pinned.number - 512
        other = driver.fresh_adapter()
        await other.connect()
        assert await other.pinned(request) == pinned  # another node reads the new pin from the request account
        assert driver.adapter.enclave_request(request)["block_number"] == pinned.number
        submission = await driver.adapter.prepare([(request, await driver.sign(request))])
        await driver.adapter.broadcast(submission)
        await driver.finalize()
        status = await driver.adapter.status(submission)
        assert status.state is TxState.FINAL and status.outcomes == {request.key: ItemOutcome(True)}

    async def test_a_private_fulfilment_reads_back_private(self, driver: Driver) -> None:
        """Solana only: `read_fulfilment` takes the privacy from the `AssessmentRequested` event, and the facts as
        the program took them (score 0, PD 0, PRIVATE_TIER)."""
        request = await driver.requested(private=True)
        signed = await driver.sign(request)
        submission = await driver.adapter.prepare([(request, signed)])
        await driver.adapter.broadcast(submission)
        await driver.finalize()
        fulfilled = await driver.adapter.read_fulfilment(request.request_id)
        assert fulfilled is not None
        assert (fulfilled.request.private, fulfilled.facts, fulfilled.signature) == (True, signed.facts, signed.signature)
        assert (fulfilled.facts.score, fulfilled.facts.tier, fulfilled.facts.pd_bps) == (0, PRIVATE_TIER, 0)

    async def test_features_are_read_as_of_the_pinned_slot(self, driver: Driver) -> None:
        """Solana only: transactions after the pinned slot change neither the count nor the balance read."""
        assert isinstance(driver, SolanaDriver)
        subject = Keypair()
        driver.client.request_airdrop(subject.pubkey(), 5 * 10**9)
        await driver.advance(1)
        send(driver.client, [subject], [transfer(TransferParams(
            from_pubkey=subject.pubkey(), to_pubkey=Keypair().pubkey(), lamports=10**9))], wait=False)
        await driver.advance(1)
        before = driver.client.get_balance(subject.pubkey()).value
        driver.subject = subject.pubkey()
        request = await driver.requested()
        send(driver.client, [subject], [transfer(TransferParams(
            from_pubkey=subject.pubkey(), to_pubkey=Keypair().pubkey(), lamports=2 * 10**9))], wait=False)
        await driver.advance(2)
        assert driver.client.get_balance(subject.pubkey()).value < before
        pinned = await driver.adapter.pinned(request)
        features = await driver.adapter.read_features(str(subject.pubkey()), pinned)
        assert (features["tx_count"], features["balance_wei"]) == (2, str(before * 10**9))
        assert features["first_seen_timestamp"] is not None

    async def test_an_enclave_address_holding_only_lamports_is_unregistered(self, driver: Driver) -> None:
        """Solana only: lamports sent to a signer's Enclave address first make a system account there, not a
        registration."""
        assert isinstance(driver, SolanaDriver)
        address = enclave_account(driver.program, driver.oracle, STRANGER.address)
        driver.client.request_airdrop(address, 10**9)
        await driver.advance(1)
        assert driver.client.get_balance(address, commitment=Commitment("confirmed")).value == 10**9
        status = await driver.adapter.signer_status(STRANGER.address, "0x" + MEASUREMENT.hex())
        assert status is SignerStatus.UNREGISTERED

    async def test_signer_status_and_balance_wait_while_no_endpoint_answers(self, driver: Driver,
                                                                           endpoint: SolanaEndpoint) -> None:
        """Solana only: the reads go through the endpoints' provider; when none answers, RetryLater names each."""
        assert isinstance(driver, SolanaDriver) and isinstance(driver.cfg, SolanaChain)
        async with Upstream(endpoint.url) as upstream:
            adapter = SolanaAdapter(driver.cfg.reading_from(upstream.url), driver.dev.keypair("transmitter"))
            await adapter.connect()
            try:
                await upstream.close_port()
                with pytest.raises(RetryLater) as signer:
                    await adapter.signer_status(ENCLAVE.address, "0x" + MEASUREMENT.hex())
                with pytest.raises(RetryLater) as balance:
                    await adapter.transmitter_balance()
                with pytest.raises(RetryLater) as tables:  # the lookup table is found by listing the transmitter's
                    await adapter._lookup_table().holding([Keypair().pubkey()], 1)  # noqa: SLF001
            finally:
                await adapter.close()
        where = f"on every RPC endpoint: {upstream.url}: connection failed: ConnectionRefusedError"
        assert str(signer.value) == f"{NAME}: getAccountInfo failed {where}"
        assert str(balance.value) == f"{NAME}: getBalance failed {where}"
        assert str(tables.value) == (f"{NAME}: getProgramAccounts failed {where}; the transmitter's address lookup "
                                     "tables cannot be listed: name one as `lookup_table` if this persists")

    async def test_four_signatures_fit_a_legacy_transaction_in_the_programs_order(self, driver: Driver) -> None:
        """Solana only: four signatures, each enclave with a payee of its own (the largest legacy transaction), fit
        a legacy transaction and make no lookup table; they go in ascending order of address whatever order the
        assessment holds them in; the score keeps them, and `read_fulfilment` reads back the signature of the
        signer its event names."""
        assert isinstance(driver, SolanaDriver)
        adapter = driver.adapter
        most = 4
        for key in QUORUM[:most - 1]:
            await driver.add_signer(key)
        await driver.set_threshold(most)
        request = await driver.requested()
        signed = await driver.cosign(request, QUORUM[:most - 1])
        given = [parse_address(s.signer) for s in signed.signers()]
        assert given != sorted(given)
        sub = await adapter.prepare([(request, signed)])
        assert len(base64.b64decode(sub.raw)) <= PACKET_SIZE
        assert not isinstance(VersionedTransaction.from_bytes(base64.b64decode(sub.raw)).message, MessageV0)
        assert driver.transmitter_tables() == []
        await _lands_with_every_signer(driver, request, signed, sub)

    async def test_eight_signatures_go_through_the_transmitter_s_lookup_table(self, driver: Driver) -> None:
        """Solana only: eight signatures (the program's most, each with a payee of its own) are too many for a legacy
        transaction. The adapter creates the transmitter's address lookup table, then adds the signers' enclaves
        and payees, each step waiting (RetryLater) for the chain and none sent twice; the fulfilment then goes as a
        v0 transaction inside the packet and lands. A new adapter (a restart) finds the table by its authority."""
        assert isinstance(driver, SolanaDriver)
        adapter = driver.adapter
        assert adapter.capabilities.max_signatures == 8
        for key in QUORUM[:7]:
            await driver.add_signer(key)
        await driver.set_threshold(8)
        request = await driver.requested()
        signed = await driver.cosign(request, QUORUM[:7])
        with pytest.raises(RetryLater) as created:
            await adapter.prepare([(request, signed)])
        assert str(created.value).startswith(f"{NAME}: creating the transmitter's address lookup table ")
        await driver.advance(1)
        (table,) = driver.transmitter_tables()
        with pytest.raises(RetryLater) as extending:
            await adapter.prepare([(request, signed)])
        assert str(extending.value).startswith(f"{NAME}: adding 16 signer account(s) to address lookup table {table} (")
        with pytest.raises(RetryLater) as waiting:  # the runtime takes addresses added in a slot from the next
            await adapter.prepare([(request, signed)])
        slot = driver.client.get_slot(commitment=Commitment("processed")).value
        assert str(waiting.value) == (f"{NAME}: address lookup table {table} was extended in slot {slot}; its new "
                                      "addresses are usable from the next")
        await driver.advance(1)
        held = driver.client.get_account_info(table).value
        assert held is not None and len(AddressLookupTable.deserialize(bytes(held.data)).addresses) == 16  # once each
        sub = await adapter.prepare([(request, signed)])
        raw = base64.b64decode(sub.raw)
        assert len(raw) <= PACKET_SIZE
        message = VersionedTransaction.from_bytes(raw).message
        assert isinstance(message, MessageV0)
        assert [lookup.account_key for lookup in message.address_table_lookups] == [table]
        await _lands_with_every_signer(driver, request, signed, sub)

        restarted = await driver.new_adapter()
        again = await driver.requested()
        sub = await restarted.prepare([(again, await driver.cosign(again, QUORUM[:7]))])
        message = VersionedTransaction.from_bytes(base64.b64decode(sub.raw)).message
        assert isinstance(message, MessageV0)
        assert [lookup.account_key for lookup in message.address_table_lookups] == [table]
        assert driver.transmitter_tables() == [table]

    async def test_a_lookup_table_transaction_lost_on_the_way_is_sent_again_only_once_it_cannot_land(
            self, driver: Driver) -> None:
        """Solana only: the table's create and extend transactions are sent by a sender that loses them (the local
        endpoint applies what it receives at once, so a transaction still on its way is played by one never
        delivered). Until a blockhash's lifetime (150 slots) has passed, the table waits rather than sending again,
        so it never holds an address twice; after it, the lost transaction is sent anew."""
        assert isinstance(driver, SolanaDriver) and isinstance(driver.adapter, SolanaAdapter)
        adapter, transmitter = driver.adapter, Pubkey.from_string(driver.dev.transmitter)
        lost: list[list[Instruction]] = []

        async def lose(instructions: list[Instruction]) -> str:
            lost.append(instructions)
            return "lost"

        table = TransmitterTable(NAME, adapter.client, transmitter, None, adapter._rpc, lose,  # noqa: SLF001
                                 Commitment("processed"))
        keys = [Keypair().pubkey() for _ in range(3)]
        slot = driver.client.get_slot(commitment=Commitment("processed")).value
        with pytest.raises(RetryLater, match=r"creating the transmitter's address lookup table "):
            await table.holding(keys, slot)
        assert table.address is not None
        with pytest.raises(RetryLater) as waiting:
            await table.holding(keys, slot + 149)
        assert str(waiting.value) == f"{NAME}: address lookup table {table.address} is not created yet"
        assert len(lost) == 1
        with pytest.raises(RetryLater, match=r"creating the transmitter's address lookup table "):
            await table.holding(keys, slot + 150)
        assert len(lost) == 2

        # a table that exists (created for real), and an extend that is lost
        real = TransmitterTable(NAME, adapter.client, transmitter, None, adapter._rpc,  # noqa: SLF001
                                adapter._send_now, Commitment("processed"))  # noqa: SLF001
        with pytest.raises(RetryLater, match=r"creating"):
            await real.holding(keys, slot)
        await driver.advance(1)
        table = TransmitterTable(NAME, adapter.client, transmitter, None, adapter._rpc, lose,  # noqa: SLF001
                                 Commitment("processed"))
        with pytest.raises(RetryLater) as adding:
            await table.holding(keys, slot)
        assert str(adding.value) == (f"{NAME}: adding 3 signer account(s) to address lookup table {real.address} "
                                     "(lost)")
        with pytest.raises(RetryLater) as waiting:
            await table.holding(keys[:2], slot + 149)
        assert str(waiting.value) == (f"{NAME}: waiting for 2 signer account(s) to enter address lookup table "
                                      f"{real.address}")
        assert len(lost) == 3
        with pytest.raises(RetryLater, match=r"adding 3 signer account"):
            await table.holding(keys, slot + 150)
        assert len(lost) == 4

    async def test_a_full_table_of_the_node_s_is_followed_by_a_new_one(self, driver: Driver) -> None:
        """Solana only: the transmitter's table with 240 addresses has room for a first fulfilment's 16 and is used;
        full then, the next fulfilment's other signers make the node start a new table rather than refuse."""
        assert isinstance(driver, SolanaDriver)
        adapter = driver.adapter
        transmitter = load_keypair(Path(driver.dev.keys_dir) / "solana-transmitter.json")
        slot = driver.client.get_slot(commitment=Commitment("finalized")).value
        create, full = create_ix(transmitter.pubkey(), slot)
        send(driver.client, [transmitter], [create], wait=False)
        await driver.advance(1)
        for _ in range(12):
            send(driver.client, [transmitter], [extend_ix(full, transmitter.pubkey(),
                                                          [Keypair().pubkey() for _ in range(20)])], wait=False)
        await driver.advance(1)
        for key in QUORUM[:14]:
            await driver.add_signer(key)
        await driver.set_threshold(8)
        held = driver.client.get_account_info(full).value
        async def fulfilled(keys: list[EnclaveKey]) -> tuple[Pubkey, list[str]]:
            """The table the fulfilment went through, and what the adapter waited for before it."""
            request = await driver.requested()
            signed = await driver.cosign(request, keys)
            waited = []
            for _ in range(6):
                try:
                    sub = await adapter.prepare([(request, signed)])
                except RetryLater as e:
                    waited.append(str(e))
                    await driver.advance(1)
                    continue
                await _lands_with_every_signer(driver, request, signed, sub)
                message = VersionedTransaction.from_bytes(base64.b64decode(sub.raw)).message
                assert isinstance(message, MessageV0)
                (lookup,) = message.address_table_lookups
                return lookup.account_key, waited
            raise AssertionError(f"not prepared after {waited}")

        used, waited = await fulfilled(QUORUM[:7])
        assert used == full and waited[0].startswith(f"{NAME}: adding 16 signer account(s) to address lookup table "
                                                     f"{full} (")
        held = driver.client.get_account_info(full).value
        assert held is not None and len(AddressLookupTable.deserialize(bytes(held.data)).addresses) == 256
        used, waited = await fulfilled(QUORUM[7:14])
        assert used != full and waited[0].startswith(f"{NAME}: creating the transmitter's address lookup table {used} ")
        assert driver.transmitter_tables() == sorted([full, used], key=bytes)

    async def test_a_lookup_table_named_in_the_config_must_be_the_transmitter_s(self, driver: Driver) -> None:
        """Solana only: `lookup_table` names a table the adapter uses and extends; one that does not exist, or whose
        authority is another key, is refused by name before anything is sent."""
        assert isinstance(driver, SolanaDriver)
        for key in QUORUM[:7]:
            await driver.add_signer(key)
        await driver.set_threshold(8)
        request = await driver.requested()
        signed = await driver.cosign(request, QUORUM[:7])
        slot = driver.client.get_slot(commitment=Commitment("finalized")).value
        ix, theirs = create_ix(driver.stranger.pubkey(), slot)
        driver.client.request_airdrop(driver.stranger.pubkey(), 10**9)
        await driver.advance(1)
        send(driver.client, [driver.stranger], [ix], wait=False)
        await driver.advance(1)
        missing = Keypair().pubkey()
        for table, error in ((missing, f"{NAME}: no address lookup table {missing} (`lookup_table`)"),
                             (theirs, f"{NAME}: address lookup table {theirs} is not the transmitter's (its authority "
                                      f"is {driver.stranger.pubkey()})")):
            adapter = await driver.new_adapter(lookup_table=str(table))
            with pytest.raises(ChainError) as refused:
                await adapter.prepare([(request, signed)])
            assert str(refused.value) == error
        assert driver.transmitter_tables() == []

    async def test_a_cosigner_the_program_would_not_count_is_refused_by_its_address(self, driver: Driver) -> None:
        """Solana only: an unregistered cosigner, one of another measurement, and a signature under a registered
        cosigner's name that is not its key's are each named before anything is sent."""
        assert isinstance(driver, SolanaDriver)
        await driver.add_signer(QUORUM[0])
        await driver.add_signer(QUORUM[1], measurement=keccak256(b"another measurement"))
        await driver.set_threshold(2)
        request = await driver.requested()
        own = await driver.sign(request)
        forged = replace(own, signer=QUORUM[0].address)  # the driver's signature, under QUORUM[0]'s name
        cases = [(await driver.cosign(request, [STRANGER]), STRANGER.address, "UnknownSigner"),
                 (await driver.cosign(request, [QUORUM[1]]), QUORUM[1].address, "MeasurementMismatch"),
                 (own.with_cosigners([forged]), QUORUM[0].address, "UnknownSigner")]
        for signed, signer, error in cases:
            with pytest.raises(CosignerRefused) as refused:
                await driver.adapter.prepare([(request, signed)])
            assert (refused.value.signer, str(refused.value)) == (signer, f"{NAME}: fulfilment would fail: {error}({signer})")
        await driver.adapter.prepare([(request, await driver.cosign(request, [QUORUM[0]]))])
        assert await driver.adapter.request_status(request) is RequestStatus.PENDING

    async def test_a_quorum_whose_own_signer_is_revoked_waits_for_the_signer(self, driver: Driver) -> None:
        """Solana only: the adapter's own signer not counted in a quorum waits, as with `fulfil`."""
        await driver.add_signer(QUORUM[0])
        await driver.set_threshold(2)
        request = await driver.requested()
        signed = await driver.cosign(request, QUORUM[:1])
        await driver.revoke(driver.enclave.address)
        with pytest.raises(WaitFor) as waits:
            await driver.adapter.prepare([(request, signed)])
        assert (waits.value.cause, str(waits.value)) == ("signer", f"{NAME}: fulfilment would fail: EnclaveRevoked")

    async def test_items_with_and_without_cosigners_are_refused_together(self, driver: Driver) -> None:
        """Solana only (one request a transaction): the mix is named before the count."""
        await driver.add_signer(QUORUM[0])
        first, second = await driver.requested(), await driver.requested()
        items = [(first, await driver.sign(first)), (second, await driver.cosign(second, QUORUM[:1]))]
        with pytest.raises(ValueError, match=r"^items with and without cosigners in one fulfilment$"):
            await driver.adapter.prepare(items)

    # -------------------------------------------------------------------------------- operator updates
    async def update_at(self, driver: Driver) -> tuple[OracleRequest, Height]:
        """An operator update of a subject with a request, pinned where the node pins its off-chain re-score (the
        newest slot SlotHashes holds at or below the finalized one), as `OffchainScorer` makes it."""
        subject = (await driver.requested()).subject
        await driver.finalize()
        _, at = await driver.adapter.offchain_request(subject)
        return await driver.adapter.update_request(subject, at), at

    async def test_an_update_costs_the_transmitter_its_fee_and_the_scores_rent_only(self, driver: Driver) -> None:
        """Solana only: the update's id is the program's derivation, requester the all-zero key; landing it moves
        no lamports but the transaction's fee and the new Score's rent, and the Score names the update's id."""
        assert isinstance(driver, SolanaDriver)
        request, at = await self.update_at(driver)
        assert request.requester == "11111111111111111111111111111111"
        assert request.request_id == str(Pubkey.from_bytes(update_request_id(
            bytes(driver.oracle), bytes(Pubkey.from_string(request.subject)), at.timestamp)))
        assert await driver.adapter.pinned(request) == at
        balance = await driver.transmitter_balance()
        sub = await driver.adapter.prepare([(request, await driver.sign_update(request, at))])
        await driver.adapter.broadcast(sub)
        await driver.finalize()
        score = prog.score_pda(driver.program, driver.oracle, Pubkey.from_string(request.subject))[0]
        stored = driver.client.get_account_info(score, commitment=Commitment("confirmed")).value
        assert stored is not None
        assert str(prog.pubkey(prog.decode_account("Score", bytes(stored.data)).request)) == request.request_id
        tx = driver.client.get_transaction(Signature.from_string(sub.tx_hash), commitment=Commitment("confirmed"),
                                           max_supported_transaction_version=0).value
        assert tx is not None and tx.transaction.meta is not None
        assert balance - await driver.transmitter_balance() == tx.transaction.meta.fee + stored.lamports

    async def test_an_update_replaced_by_a_newer_assessment_still_reads_fulfilled(self, driver: Driver) -> None:
        """Solana only: once a request's fulfilment replaced the update in the Score, the update's own
        `AssessmentFulfilled` among the Score's transactions still says it landed."""
        request, at = await self.update_at(driver)
        sub = await driver.adapter.prepare([(request, await driver.sign_update(request, at))])
        await driver.adapter.broadcast(sub)
        await driver.finalize()
        later = await driver.requested()
        assert later.subject == request.subject
        await driver.fulfil_elsewhere(later)
        await driver.finalize()
        score = prog.score_pda(driver.program, driver.oracle, Pubkey.from_string(request.subject))[0]
        stored = driver.client.get_account_info(score, commitment=Commitment("confirmed")).value
        assert stored is not None
        assert str(prog.pubkey(prog.decode_account("Score", bytes(stored.data)).request)) == later.request_id
        assert await driver.adapter.request_status(request) is RequestStatus.FULFILLED

    async def test_an_update_whose_slot_left_slot_hashes_can_no_longer_land(self, driver: Driver) -> None:
        """Solana only: no `repin` moves an update (its id follows from its slot's time): once its slot leaves
        SlotHashes it is refused as unpinnable, no longer canonical, and still pending (it never landed)."""
        request, at = await self.update_at(driver)
        await driver.advance(prog.SLOT_HASHES_MAX + 8)
        with pytest.raises(ChainError) as lost:
            await driver.adapter.pinned(request)
        assert type(lost.value) is ChainError
        assert str(lost.value) == (f"{NAME}: update {request.request_id} is pinned at slot {at.number}, which leaves "
                                   "SlotHashes within 64 slots or has left it: it can no longer land")
        assert not await driver.adapter.is_canonical(request)
        assert await driver.adapter.request_status(request) is RequestStatus.PENDING

    async def test_a_blockhash_the_finalized_bank_still_takes_is_not_dropped(self, driver: Driver) -> None:
        """Solana only: a fulfilment whose blockhash the newest bank refuses is pending while the finalized bank
        still takes it (a bank built on that one, on another fork, could include it), and dropped only after."""
        request, sub = await driver.prepared()
        blockhash = Transaction.from_bytes(base64.b64decode(sub.raw)).message.recent_blockhash

        def takes(commitment: CommitmentLevel) -> bool:
            body = IsBlockhashValid(blockhash, RpcContextConfig(commitment=commitment))
            return bool(driver.client._provider.make_request(body, IsBlockhashValidResp).value)

        await driver.advance(MAX_PROCESSING_AGE - FINALITY)
        for _ in range(2 * FINALITY):
            if not takes(CommitmentLevel.Processed):
                break
            await driver.advance(1)
        assert (takes(CommitmentLevel.Processed), takes(CommitmentLevel.Finalized)) == (False, True)
        assert (await driver.adapter.status(sub)).state is TxState.PENDING
        await driver.advance(FINALITY)
        assert not takes(CommitmentLevel.Finalized)
        assert (await driver.adapter.status(sub)).state is TxState.DROPPED
        assert await driver.adapter.request_status(request) is RequestStatus.PENDING

    async def test_a_quorum_update_carries_every_signature_and_no_payee(self, driver: Driver) -> None:
        """Solana only: at threshold 2 an update goes with both signatures (each with its enclave account) and
        lands; the Score keeps both signers."""
        assert isinstance(driver, SolanaDriver)
        await driver.add_signer(QUORUM[0])
        await driver.set_threshold(2)
        request, at = await self.update_at(driver)
        own = await driver.sign_update(request, at)
        with pytest.raises(ChainError) as alone:
            await driver.adapter.prepare([(request, own)])
        assert str(alone.value) == f"{NAME}: fulfilment would fail: QuorumNotMet(1, 2)"
        cosigned = signed_assessment(driver.adapter.enclave_request(request), own.facts, QUORUM[0])
        signed = own.with_cosigners([cosigned])
        sub = await driver.adapter.prepare([(request, signed)])
        await driver.adapter.broadcast(sub)
        await driver.advance(1)
        st = await driver.adapter.status(sub)
        assert (st.state, st.outcomes) == (TxState.INCLUDED, {request.key: ItemOutcome(True)})
        score = prog.score_pda(driver.program, driver.oracle, Pubkey.from_string(request.subject))[0]
        stored = driver.client.get_account_info(score).value
        assert stored is not None
        given = sorted(parse_address(s.signer) for s in signed.signers())
        assert prog.score_signers(bytes(stored.data)) == prog.ScoreSigners(2, tuple(given))
        assert await driver.adapter.request_status(request) is RequestStatus.FULFILLED

