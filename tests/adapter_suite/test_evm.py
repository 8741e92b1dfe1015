"""The suite against a real anvil: the contracts deployed once per session and a chain snapshot reverted after
every test (tests/integration/evm/conftest.py), the adapter built through the registry with a transmitter
keystore, fulfilments in batches of two; then what the suite leaves to the EVM family of a quorum (TestEvmQuorum)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_utils import keccak
from hexbytes import HexBytes

from chains.base import (
    ChainAdapter,
    ItemOutcome,
    OracleRequest,
    RequestStatus,
    SignedAssessment,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.errors import ChainError, CosignerRefused, WaitFor
from chains.core.secp256k1 import recover_address
from chains.evm import calldata
from chains.evm.artifacts import deploy
from chains.evm.batch_gas import batch_quorum_floor
from chains.evm.config import EvmChain, IndexerSection
from chains.evm.keystore import create_keystore
from chains.family import BuildContext
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil
from node.workshop.devnet.protocols import MAX_UINT, Transactor
from tests.integration.evm.conftest import (  # noqa: F401 - anvil, artefacts, chain and deployment are fixtures
    CHAIN_ID,
    ENCLAVE_KEY,
    MEASUREMENT,
    OWNER_KEY,
    REQUEST_TTL,
    REQUESTER_KEY,
    STRANGER_KEY,
    TRANSMITTER_KEY,
    Chain,
    Req,
    anvil,
    artefacts,
    chain,
    deployment,
)

from .driver import Driver
from .signing import signed_assessment
from .suite import QUORUM, ChainAdapterSuite

NAME = "anvil"
BATCH = 2
FINALITY = 2
GWEI = 10**9


@pytest.fixture(scope="session")
def transmitter_keystore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The transmitter's keystore (a light scrypt) and passphrase file."""
    root = tmp_path_factory.mktemp("evm-transmitter")
    passphrase = root / "passphrase"
    passphrase.write_text("suite passphrase\n")
    passphrase.chmod(0o600)
    create_keystore(root / "keystore.json", "suite passphrase", TRANSMITTER_KEY, kdf_n=2**10)
    return root / "keystore.json", passphrase


class EvmDriver(Driver):
    finality = FINALITY
    enclave = EnclaveKey(bytes.fromhex(ENCLAVE_KEY[2:]))  # registered with MEASUREMENT by the deployment
    measurement = MEASUREMENT
    already_fulfilled = f"{NAME}: fulfilment would revert: AlreadyFulfilled"
    updates = True
    update_mismatch = f"{NAME}: fulfilment would revert: RequestMismatch"
    privacy_mismatch = f"{NAME}: fulfilment would revert: PrivacyMismatch"

    def __init__(self, deployed: Chain, cfg: EvmChain, data_dir: Path) -> None:
        self.chain = deployed
        self.paused = False
        super().__init__(cfg, data_dir)

    def resume(self) -> None:
        """Automatic mining again, and an empty mempool (before the snapshot is reverted)."""
        self.chain.rpc("anvil_dropAllTransactions")
        self.chain.rpc("evm_setAutomine", True)

    def _unpaused(self, what: str) -> None:
        assert not self.paused, f"the EVM driver {what} only while blocks are mined automatically"

    reorganises = True

    async def reorg(self, depth: int, keep: bool = True) -> None:
        """`anvil_reorg`: the same signed transactions (same hashes) at the same offsets from the fork."""
        self._unpaused("reorganises")
        w3 = self.chain.w3
        head = w3.eth.block_number
        again: list[list[Any]] = []
        if keep:
            for offset, number in enumerate(range(head - depth + 1, head + 1)):
                for tx_hash in w3.eth.get_block(number)["transactions"]:
                    raw = self.chain.rpc("eth_getRawTransactionByHash", "0x" + bytes(tx_hash).hex())
                    again.append([raw, offset])
        self.chain.rpc("anvil_reorg", depth, again)

    async def make_request(self, private: bool = False) -> str:
        self._unpaused("makes requests")
        return "0x" + self.chain.request(private=private).id.hex()

    async def advance(self, heights: int = 1) -> None:
        for _ in range(heights):
            self.chain.rpc("evm_mine")

    async def pause(self) -> None:
        self.chain.rpc("evm_setAutomine", False)
        self.paused = True

    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        now = self.chain.now()
        return AssessmentFacts(score=742, tier=1, pd_bps=350, flags=8, measurement=MEASUREMENT,
                               commitment=keccak(hexstr=request.request_id), block_number=request.block_number,
                               block_hash=self.chain.block_hash(request.block_number),
                               features_hash=keccak(b"features of " + bytes.fromhex(request.request_id[2:])),
                               timestamp=now, expiry=now + 600)

    @staticmethod
    def _req(request: OracleRequest) -> Req:
        return Req(bytes.fromhex(request.request_id[2:]), request.requester, request.subject, request.fee,
                   request.expires_at, request.block_number)

    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        self._unpaused("fulfils as another transmitter")
        self.chain.fulfil(self._req(request), key=STRANGER_KEY)

    async def cancel(self, request: OracleRequest) -> None:
        self._unpaused("cancels")
        self.chain.rpc("evm_increaseTime", REQUEST_TTL + 1)
        self.chain.rpc("evm_mine")
        self.chain.send(self.chain.oracle.functions.cancel(self._req(request).tuple()), REQUESTER_KEY)

    async def kill(self, submission: Submission) -> None:
        """Drop it from the mempool and use its nonce with a transfer to self."""
        self.chain.rpc("anvil_dropTransaction", submission.tx_hash)
        account = Account.from_key(TRANSMITTER_KEY)
        tx = {"to": account.address, "value": 0, "nonce": submission.sequence, "gas": 21_000, "chainId": CHAIN_ID,
              "maxFeePerGas": 100 * GWEI, "maxPriorityFeePerGas": GWEI, "type": 2}
        self.chain.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        if self.paused:
            self.chain.rpc("evm_mine")

    lends = True
    BORROWERS = (DEFAULT_KEYS[9], DEFAULT_KEYS[8])

    async def lending(self) -> tuple[ChainAdapter, tuple[str, str]]:
        """An Aave-V3-shaped pool of the devnet (contracts/devnet) with one reserve, liquidity and each borrower's
        collateral in it, and an adapter whose indexer reads it."""
        self._unpaused("deploys a lending pool")
        w3, tx = self.chain.w3, Transactor(self.chain.w3)
        token = deploy(w3, "DevToken", ["Suite Dollar", "sUSD", 6], OWNER_KEY)
        pool = deploy(w3, "DevLendingPool", [], OWNER_KEY)
        tx.call(OWNER_KEY, "DevLendingPool", pool, "listReserve", token, 10**8, 8000, 8500, 500, 0)
        for key in (OWNER_KEY, *self.BORROWERS):
            who = Account.from_key(key).address
            tx.call(OWNER_KEY, "DevToken", token, "mint", who, 10**12)
            tx.call(key, "DevToken", token, "approve", pool, MAX_UINT)
            tx.call(key, "DevLendingPool", pool, "supply", token, 10**11, who, 0)
        self.pool, self.token = pool, token
        cfg = self.cfg.model_copy(update={"indexer": IndexerSection(protocols={"aave-v3": [pool]})})
        ctx = BuildContext(data_dir=self.data_dir, cache=None, sequence_floor=lambda: None, resources=self._resources)
        adapter = FAMILIES["evm"].build(cfg, ctx)
        self._adapters.append(adapter)
        await adapter.connect()
        return adapter, tuple(Account.from_key(k).address for k in self.BORROWERS)  # type: ignore[return-value]

    async def lend(self, wallet: str, kind: str) -> None:
        key = next(k for k in self.BORROWERS if Account.from_key(k).address == wallet)
        tx = Transactor(self.chain.w3)
        if kind == "borrow":
            tx.call(key, "DevLendingPool", self.pool, "borrow", self.token, 10**6, 2, 0, wallet)
        else:
            tx.call(key, "DevLendingPool", self.pool, "repay", self.token, 10**6, 2, wallet)

    async def revoke(self, signer: str) -> None:
        self._unpaused("revokes")
        self.chain.send(self.chain.oracle.functions.revokeSigner(signer), OWNER_KEY)

    async def add_signer(self, key: EnclaveKey) -> None:
        self._unpaused("registers signers")
        self.chain.send(self.chain.oracle.functions.registerSigner(key.address, MEASUREMENT, self.chain.payee),
                        OWNER_KEY)

    async def set_threshold(self, threshold: int) -> None:
        self._unpaused("sets the threshold")
        self.chain.set_threshold(threshold)

    def quorum_not_met(self, got: int, needed: int) -> str:
        return f"{NAME}: fulfilment would revert: QuorumNotMet({got}, {needed})"

    def revoked_cosigner(self, signer: str) -> str:
        return f"{NAME}: fulfilment would revert: RevokedSigner({signer}) (cosigner {signer})"

    def too_many_signatures(self, count: int) -> str:
        return f"{count} signatures on one assessment; max_signatures is 15"

    async def transmitter_balance(self) -> int:
        return self.chain.balance(self.chain.transmitter)

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id="0x" + keccak(b"nobody asked").hex())

    def too_many(self, count: int) -> str:
        return f"{count} fulfilments in one transaction; batch_size is {BATCH}"


@pytest_asyncio.fixture(loop_scope="function")
async def driver(anvil: Anvil, chain: Chain, transmitter_keystore: tuple[Path, Path],  # noqa: F811
                 tmp_path: Path) -> AsyncIterator[EvmDriver]:
    keystore, passphrase = transmitter_keystore
    cfg = EvmChain.model_validate({
        "family": "evm", "name": NAME, "chain_id": CHAIN_ID, "rpc_url": anvil.url,
        "oracle": chain.oracle.address, "confirmations": 1, "finality_depth": FINALITY, "batch_size": BATCH,
        "transmitter_keystore": str(keystore), "transmitter_passphrase_file": str(passphrase),
    })
    driver = EvmDriver(chain, cfg, tmp_path)
    try:
        async with driver.connected():
            yield driver
    finally:
        driver.resume()


class TestEvmAdapter(ChainAdapterSuite):
    """The suite, with the module's `driver`."""


class TestEvmQuorum:
    """What the suite leaves to the family: a quorum batch's skipped items and their reasons, its gas, each way
    a cosigner is refused by name, the enclave's own signer refused in a quorum, and a quorum fulfilment read
    back."""

    async def _fulfilled(self, driver: EvmDriver, items: list[tuple[OracleRequest, SignedAssessment]]) \
            -> SubmissionStatus:
        sub = await driver.adapter.prepare(items)
        await driver.adapter.broadcast(sub)
        await driver.advance(1)
        st = await driver.adapter.status(sub)
        assert (st.state, st.reverted) == (TxState.INCLUDED, False)
        return st

    async def test_a_quorum_batch_skips_an_item_under_the_threshold_and_says_why(self, driver: EvmDriver) -> None:
        for key in QUORUM[:2]:
            await driver.add_signer(key)
        await driver.set_threshold(3)
        three, two = await driver.requested(), await driver.requested()
        items = [(three, await driver.cosign(three, QUORUM[:2])), (two, await driver.cosign(two, QUORUM[:1]))]
        st = await self._fulfilled(driver, items)
        assert st.outcomes == {three.key: ItemOutcome(True), two.key: ItemOutcome(False, "QuorumNotMet")}
        assert await driver.adapter.request_status(two) is RequestStatus.PENDING

    async def test_a_revoked_cosigner_skips_its_item_of_a_batch(self, driver: EvmDriver) -> None:
        for key in QUORUM[:2]:
            await driver.add_signer(key)
        await driver.set_threshold(2)
        kept, revoked = await driver.requested(), await driver.requested()
        items = [(kept, await driver.cosign(kept, QUORUM[:1])), (revoked, await driver.cosign(revoked, QUORUM[1:2]))]
        await driver.revoke(QUORUM[1].address)
        st = await self._fulfilled(driver, items)
        assert st.outcomes == {kept.key: ItemOutcome(True),
                               revoked.key: ItemOutcome(False, "RevokedSigner", retry_alone=True)}
        with pytest.raises(CosignerRefused) as refused:  # alone, the refusal names the revoked cosigner
            await driver.adapter.prepare([items[1]])
        assert refused.value.signer == QUORUM[1].address

    async def test_a_quorum_batch_carries_what_the_contract_sets_aside(self, driver: EvmDriver) -> None:
        for key in QUORUM[:14]:
            await driver.add_signer(key)
        first, second = await driver.requested(), await driver.requested()
        items = [(first, await driver.cosign(first, QUORUM[:14])), (second, await driver.cosign(second, QUORUM[:1]))]
        sub = await driver.adapter.prepare(items)
        tx = TypedTransaction.from_bytes(HexBytes(sub.raw)).as_dict()
        assert tx["data"][:4] == calldata.BATCH_QUORUM_SELECTOR
        assert tx["gas"] >= batch_quorum_floor(bytes(tx["data"]), [15, 2])
        await driver.adapter.broadcast(sub)
        await driver.advance(1)
        st = await driver.adapter.status(sub)
        assert st.outcomes == {first.key: ItemOutcome(True), second.key: ItemOutcome(True)}

    async def _refused(self, driver: EvmDriver, request: OracleRequest, signed: SignedAssessment) -> CosignerRefused:
        with pytest.raises(CosignerRefused) as refused:
            await driver.adapter.prepare([(request, signed)])
        assert await driver.adapter.request_status(request) is RequestStatus.PENDING
        return refused.value

    async def test_a_cosigner_registered_with_another_measurement_is_refused_by_name(self, driver: EvmDriver) -> None:
        other = keccak(b"another enclave build")
        driver.chain.send(driver.chain.oracle.functions.registerSigner(QUORUM[0].address, other, driver.chain.payee),
                          OWNER_KEY)
        request = await driver.requested()
        refused = await self._refused(driver, request, await driver.cosign(request, QUORUM[:1]))
        assert (refused.signer, str(refused)) == (
            QUORUM[0].address, f"{NAME}: fulfilment would revert: MeasurementMismatch(0x{other.hex()}, "
                               f"0x{MEASUREMENT.hex()}) (cosigner {QUORUM[0].address})")

    async def test_an_unregistered_cosigner_is_refused_by_name(self, driver: EvmDriver) -> None:
        request = await driver.requested()
        refused = await self._refused(driver, request, await driver.cosign(request, QUORUM[:1]))
        assert (refused.signer, str(refused)) == (
            QUORUM[0].address, f"{NAME}: fulfilment would revert: UnknownSigner({QUORUM[0].address}) "
                               f"(cosigner {QUORUM[0].address})")

    async def test_a_cosigner_that_signed_another_payload_is_refused_by_name(self, driver: EvmDriver) -> None:
        await driver.add_signer(QUORUM[0])
        request = await driver.requested()
        own = await driver.sign(request)
        elsewhere = signed_assessment(driver.adapter.enclave_request(request),
                                      replace(await driver.facts(request), score=743), QUORUM[0])
        stranger = recover_address(own.digest, elsewhere.signature)
        signed = own.with_cosigners([replace(elsewhere, digest=own.digest)])
        refused = await self._refused(driver, request, signed)
        assert (refused.signer, str(refused)) == (
            QUORUM[0].address, f"{NAME}: fulfilment would revert: UnknownSigner({stranger}) "
                               f"(cosigner {QUORUM[0].address})")

    async def test_the_enclaves_own_revoked_signer_waits_in_a_quorum_too(self, driver: EvmDriver) -> None:
        await driver.add_signer(QUORUM[0])
        await driver.revoke(driver.enclave.address)
        request = await driver.requested()
        with pytest.raises(WaitFor) as waiting:
            await driver.adapter.prepare([(request, await driver.cosign(request, QUORUM[:1]))])
        assert (waiting.value.cause, str(waiting.value)) == ("signer", f"{NAME}: fulfilment would revert: "
                                                                       "RevokedSigner")

    async def test_a_quorum_fulfilment_is_read_back_with_its_first_signer(self, driver: EvmDriver) -> None:
        """The enclave's own signature goes first (its signer earns the fee), whatever its address: here not the
        lowest; the cosigners' follow by ascending address."""
        for key in QUORUM[:2]:
            await driver.add_signer(key)
        await driver.set_threshold(2)
        lone, first, second = await driver.requested(), await driver.requested(), await driver.requested()
        signed = {r.key: await driver.cosign(r, QUORUM[:2]) for r in (lone, first, second)}
        await self._fulfilled(driver, [(lone, signed[lone.key])])
        cosigners = sorted((k.address for k in QUORUM[:2]), key=lambda a: int(a, 16))
        assert int(driver.enclave.address, 16) > int(cosigners[0], 16)
        in_order = [driver.enclave.address, *cosigners]
        assert driver.chain.latest_signers(lone.subject) == (in_order, 2, 3)
        assert driver.chain.oracle.functions.feesOwed(driver.enclave.address).call() == lone.fee
        await self._fulfilled(driver, [(first, signed[first.key]), (second, signed[second.key])])
        for request in (lone, second):
            back = await driver.adapter.read_fulfilment(request.request_id)
            own = calldata.ordered(signed[request.key])[0]
            assert own is signed[request.key]
            assert back is not None and (back.request.request_id, back.facts, back.signer, back.signature) == (
                request.request_id, signed[request.key].facts, driver.enclave.address, own.signature)


class TestEvmPrivate:
    """What the suite leaves to the family of private assessments: a batch skips an item of the other privacy and
    says why, and a private fulfilment is read back with its request's privacy."""

    async def test_a_batch_skips_an_item_of_the_other_privacy_and_reads_back_the_other(self,
                                                                                        driver: EvmDriver) -> None:
        private, public = await driver.requested(private=True), await driver.requested()
        sub = await driver.adapter.prepare([(private, await driver.sign(private)),
                                            (public, await driver.sign(public, private=True))])
        await driver.adapter.broadcast(sub)
        await driver.advance(1)
        st = await driver.adapter.status(sub)
        assert st.outcomes == {private.key: ItemOutcome(True), public.key: ItemOutcome(False, "PrivacyMismatch")}
        assert await driver.adapter.request_status(public) is RequestStatus.PENDING
        back = await driver.adapter.read_fulfilment(private.request_id)
        assert back is not None and (back.request, back.facts.score, back.facts.tier, back.facts.pd_bps) == (
            private, 0, PRIVATE_TIER, 0)


class TestEvmOffchain:
    """An off-chain request's subject as the EVM family takes it: any case, given back checksummed; not an address,
    refused by name."""

    async def test_the_subject_is_checksummed_or_refused(self, driver: EvmDriver) -> None:
        await driver.finalize()
        request, _ = await driver.adapter.offchain_request(driver.chain.subject.lower())
        assert request.subject == driver.chain.subject
        with pytest.raises(ChainError) as refused:
            await driver.adapter.offchain_request("0x1234")
        assert str(refused.value) == f"{NAME}: '0x1234' is not an EVM address"
