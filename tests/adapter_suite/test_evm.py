"""The suite against a real anvil: the contracts deployed once per session and a chain snapshot reverted after
every test (tests/integration/evm/conftest.py), the adapter built through the registry with a transmitter
keystore, fulfilments in batches of two."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from eth_account import Account
from eth_utils import keccak

from chains.base import OracleRequest, Submission
from chains.core.assessment import AssessmentFacts
from chains.evm.config import EvmChain
from chains.evm.keystore import create_keystore
from node.enclave.keys import EnclaveKey
from node.workshop.devnet.anvil import Anvil
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
from .suite import ChainAdapterSuite

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

    async def make_request(self) -> str:
        self._unpaused("makes requests")
        return "0x" + self.chain.request().id.hex()

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

    async def revoke(self, signer: str) -> None:
        self._unpaused("revokes")
        self.chain.send(self.chain.oracle.functions.revokeSigner(signer), OWNER_KEY)

    async def transmitter_balance(self) -> int:
        return self.chain.balance(self.chain.transmitter)

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id="0x" + keccak(b"nobody asked").hex())

    def too_many(self, count: int) -> str:
        return f"{count} fulfilments in one transaction; batch_size is {BATCH}"


class TestEvmAdapter(ChainAdapterSuite):
    @pytest_asyncio.fixture(loop_scope="function")
    async def driver(self, anvil: Anvil, chain: Chain, transmitter_keystore: tuple[Path, Path],  # noqa: F811
                     tmp_path: Path) -> AsyncIterator[Driver]:
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
