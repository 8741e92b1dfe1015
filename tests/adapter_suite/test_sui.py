"""The suite against Sui's GraphQL service as recorded (tests/recorded_sui_graphql): a replay server answers
from the schema-checked recordings. The recorded network is fixed, so the driver's actions choose which
recorded state the service is in: the requests it "makes" are the recorded ones (a private one too), a fulfilment
sent and then advanced past is the recorded executed one (of request A, or of the private request), a killed one
is the one whose gas coin another transaction used, a revoked signer is the recorded enclave's key with its record
inactive, an operator update is the recorded one of the subject at the latest checkpoint (sent and advanced past,
it is recorded taken). A payload of the other privacy than its request's is refused by the adapter before any call, so no
recording answers one: the Move tests show the package's abort (EPrivacyMismatch, code 46)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from chains.base import ChainAdapter, OracleRequest, SignedAssessment, SignerStatus, Submission
from chains.core.assessment import AssessmentFacts
from chains.core.errors import ChainError, NotSupported, RetryLater
from chains.sui import package as pkg
from chains.sui.adapter import SuiAdapter
from chains.sui.credit_events import MAINNET_LENDING_EVENTS, PROTOCOLS
from chains.sui.keys import load_transmitter
from node.enclave.keys import EnclaveKey
from tests.recorded_sui_graphql import scenario
from tests.recorded_sui_graphql.conftest import Serve, chain_config, key_file, serve  # noqa: F401 - fixtures
from tests.recorded_sui_graphql.faulty import Faulty
from tests.recorded_sui_graphql.replay import RECORDINGS, Replay

from .driver import Driver
from .suite import ChainAdapterSuite

BASE = ("connect", "poll", "poll_bounds", "request_status", "pinned", "features", "prepare", "prepare_private",
        "status_unknown", "signer", "offchain", "update")
"""The service before anything is sent: requests A and B (pinned to the checkpoints holding them, A's features read
at its checkpoint) and the private request, A and the private one pending, a fulfilment of either not executed; the
enclave's key registered and active, the transmitter's SUI; the subject's features at the latest checkpoint (an
off-chain assessment's pin); the operator update of the subject at the latest checkpoint not taken."""
LANDED = ("prepare_abort", "status_success")
"""The fulfilment of A executed in a checkpoint: A fulfilled, a new fulfilment of A aborts."""
PRIVATE_LANDED = ("status_private_success",)
"""The fulfilment of the private request executed in a checkpoint: that request fulfilled."""
UPDATE_LANDED = ("update_landed",)
"""The operator update executed in a checkpoint: its id recorded fulfilled, the same update again aborts."""
SETTLED_ELSEWHERE = ("prepare_abort",)
"""Another transmitter fulfilled A."""
KILLED = ("status_used_elsewhere",)
"""The fulfilment's gas coin version was used by another transaction."""
REVOKED = ("signer_revoked",)
"""The enclave's key revoked."""
LENT = ("lending",)
"""After the latest checkpoint, to 1210: the recorded wallets' borrows and repayment (scenario.LENDS)."""


def recorded(names: list[str]) -> list[dict[str, Any]]:
    """The exchanges of these recordings (after start.json); where several answer the same operation and
    variables, the last recording's answers replace the others'."""
    answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for name in ("start", *names):
        mine: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for exchange in json.loads((RECORDINGS / f"{name}.json").read_text())["exchanges"]:
            key = (exchange["operation"], json.dumps(exchange["variables"], sort_keys=True))
            mine.setdefault(key, []).append(exchange)
        answers.update(mine)
    return [exchange for group in answers.values() for exchange in group]


class SuiDriver(Driver):
    finality = 0
    enclave = EnclaveKey(scenario.ENCLAVE_SECRET)
    measurement = scenario.MEASUREMENT
    already_fulfilled = f"{scenario.CHAIN}: fulfilment would abort with ERequestNotPending"
    privacy_mismatch = f"{scenario.CHAIN}: fulfilment would abort with EPrivacyMismatch"
    updates = True
    lends = True
    update_mismatch = f"{scenario.CHAIN}: fulfilment would abort with EInvalidSignature"

    def __init__(self, server: Replay, transmitter_key: Path, data_dir: Path) -> None:
        self.server = server
        super().__init__(chain_config(server.url, transmitter_key), data_dir)
        self.script = [scenario.REQ_A, scenario.REQ_B]
        self.private_script = [scenario.REQ_PRIVATE]
        self.states = list(BASE)
        self.landed = False
        self.private_landed = False
        self.update_landed = False
        self.lent: list[tuple[str, str]] = []
        self.lending_landed = False

    def _serve(self, *names: str) -> None:
        self.states += names
        self.server.exchanges = recorded(self.states)
        self.server.used.clear()

    async def make_request(self, private: bool = False) -> str:
        """The next of the recorded requests (A at checkpoint 1005, B at 1100; the private one at 1120)."""
        return (self.private_script if private else self.script).pop(0).request_id

    async def start_cursor(self) -> tuple[str | None, int]:
        return "1000", 1000  # where the recorded polls start

    def windows(self, reached: int, head: int) -> list[int]:
        return [1050, 1200]  # recorded in poll_bounds.json: the second stops at the service's index, 1150

    async def advance(self, heights: int = 1) -> None:
        """A fulfilment sent meanwhile executes in a checkpoint (the recorded one of its request: the private
        request's, the operator update's, or A's, the only others there are)."""
        sent = {variables["transactionDataBcs"] for operation, variables in self.server.requests
                if operation == "AuraExecute"}
        private = scenario.execute_vars(scenario.REQ_PRIVATE.oracle_request())["transactionDataBcs"]
        update = scenario.execute_vars(scenario.update_request())["transactionDataBcs"]
        if not self.private_landed and private in sent:
            self.private_landed = True
            self._serve(*PRIVATE_LANDED)
        if not self.update_landed and update in sent:
            self.update_landed = True
            self._serve(*UPDATE_LANDED)
        if not self.landed and sent - {private, update}:
            self.landed = True
            self._serve(*LANDED)
        if self.lent and not self.lending_landed:
            recorded_lends = [(lend.wallet, PROTOCOLS[MAINNET_LENDING_EVENTS[lend.event_type]][
                lend.event_type.split("::", 1)[1]].kind) for lend in scenario.LENDS]
            assert recorded_lends == self.lent, "only scenario.LENDS are recorded"
            self.lending_landed = True
            self._serve(*LENT)

    async def lending(self) -> tuple[ChainAdapter, tuple[str, str]]:
        """The driver's adapter (the default `lending_events`: Navi's and Scallop's mainnet types) and the recorded
        borrower and bystander."""
        return self.adapter, (scenario.BORROWER, scenario.BYSTANDER)

    async def lend(self, wallet: str, kind: str) -> None:
        """Noted; the next `advance` serves the recorded checkpoints that hold scenario.LENDS, which must be these."""
        self.lent.append((wallet, kind))

    async def pause(self) -> None:
        """The recorded service executes nothing until the driver advances."""

    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        """What the recordings were made with, in the public form (`sign` makes the private one of it, which is the
        recorded private request's)."""
        return SignedAssessment.from_wire(scenario.assessment(replace(request, private=False))).facts

    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        assert request.request_id == scenario.REQ_A.request_id, "only request A is recorded fulfilled elsewhere"
        self._serve(*SETTLED_ELSEWHERE)

    async def cancel(self, request: OracleRequest) -> None:
        raise NotSupported("sui", "a recorded cancellation")  # the suite's test is in SKIPS

    async def kill(self, submission: Submission) -> None:
        self._serve(*KILLED)

    async def revoke(self, signer: str) -> None:
        assert signer == self.enclave.address, "only the recorded enclave's key is recorded revoked"
        self._serve(*REVOKED)

    async def transmitter_balance(self) -> int:
        return scenario.TRANSMITTER_BALANCE  # what the recorded service answers for its coins

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id=scenario.REQ_UNKNOWN_ID)

    def too_many(self, count: int) -> str:
        return "a Sui fulfilment carries exactly one request"

    def quorum_not_met(self, got: int, needed: int) -> str:
        return f"{scenario.CHAIN}: fulfilment would abort with EQuorumNotMet({got}, {needed})"

    def revoked_cosigner(self, signer: str) -> str:
        return f"{scenario.CHAIN}: fulfilment would abort with EEnclaveRevoked for cosigner {signer}"

    def too_many_signatures(self, count: int) -> str:
        return f"a Sui fulfilment carries at most {pkg.MAX_QUORUM_SIGNERS} signatures, not {count}"


QUORUM = ("the recorded service holds no quorum: no other operator's key registered, no threshold set, no "
          "fulfil_quorum dry run or effects (no Sui node or Move VM runs here to answer them; the Move tests check "
          "fulfil_quorum); tests/unit/sui_chain/test_sui_quorum.py checks the transaction prepare builds, threshold() "
          "and the aborts' mapping over crafted answers")
"""Why the suite's quorum tests that need a chain are skipped (the one that needs none runs)."""


class TestSuiAdapter(ChainAdapterSuite):
    SKIPS = {
        "test_fulfilment_goes_pending_included_final":
            "the recordings hold no effects before their checkpoint, so a Sui fulfilment's INCLUDED state cannot "
            "be shown offline; PENDING and FINAL are shown by the other fulfilment tests",
        "test_cancelled_request_is_cancelled":
            "no recording cancels a request the driver can make (request_status.json holds one already "
            "cancelled, read by tests/recorded_sui_graphql/test_recorded_reads.py); cancelling needs a network",
        "test_k_signatures_fulfil_under_a_threshold_of_k": QUORUM,
        "test_fewer_signatures_than_the_threshold_are_refused": QUORUM,
        "test_a_revoked_cosigner_is_refused": QUORUM,
    }

    @pytest_asyncio.fixture(loop_scope="function")
    async def driver(self, serve: Serve, key_file: Path, tmp_path: Path) -> AsyncIterator[Driver]:  # noqa: F811
        async with SuiDriver(await serve(*BASE), key_file, tmp_path).connected() as driver:
            yield driver

    async def test_signer_status_and_balance_wait_while_the_service_fails(self, driver: Driver,
                                                                          key_file: Path) -> None:  # noqa: F811
        """Sui only: the reads go through the GraphQL endpoints; when none answers, RetryLater names each."""
        assert isinstance(driver, SuiDriver)
        async with Faulty(driver.server.url) as faulty:
            adapter = SuiAdapter(chain_config(faulty.url, key_file), load_transmitter(key_file))
            await adapter.connect()
            try:
                faulty.mode = "503"
                with pytest.raises(RetryLater) as signer:
                    await adapter.signer_status(driver.enclave.address, "0x" + scenario.MEASUREMENT.hex())
                with pytest.raises(RetryLater) as balance:
                    await adapter.transmitter_balance()
            finally:
                await adapter.close()
        where = f"on every GraphQL endpoint: {faulty.url.removesuffix('/graphql')}: HTTP 503"
        assert str(signer.value) == f"{scenario.CHAIN}: AuraRegistrations failed {where}"
        assert str(balance.value) == f"{scenario.CHAIN}: AuraBalance failed {where}"

    async def test_a_signer_whose_registration_the_service_no_longer_keeps_is_read_by_its_key(
            self, serve: Serve, key_file: Path) -> None:  # noqa: F811
        """Sui only: a service that keeps no `EnclaveRegistered` event of the signer (pruned) cannot show its key, so
        a lookup by address reads it unregistered; given the key (the node gives its own enclave's), the record under
        it is read, and the key is kept for later lookups. A key of another address is refused."""
        key, other = EnclaveKey(scenario.ENCLAVE_SECRET), EnclaveKey(scenario.OTHER_ENCLAVE_SECRET)
        pruned = scenario.ex("AuraRegistrations", scenario.registrations_vars(None),
                             {"events": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}})
        server = await serve("connect", extra=[pruned, scenario.enclave_exchange(scenario.enclave_value())])
        adapter = SuiAdapter(chain_config(server.url, key_file), load_transmitter(key_file))
        await adapter.connect()
        measurement = "0x" + scenario.MEASUREMENT.hex()
        try:
            assert await adapter.signer_status(key.address, measurement) is SignerStatus.UNREGISTERED
            assert await adapter.signer_status(key.address, measurement, key.public_key) is SignerStatus.ACTIVE
            assert await adapter.signer_status(key.address.lower(), measurement) is SignerStatus.ACTIVE
            with pytest.raises(ValueError) as wrong:
                await adapter.signer_status(key.address, measurement, other.public_key)
        finally:
            await adapter.close()
        assert str(wrong.value) == (f"public key 0x{other.public_key.hex()} is {other.address}'s, not signer "
                                    f"{key.address.lower()}'s")

    async def test_a_record_under_the_key_that_is_no_enclave_is_refused(self, serve: Serve,  # noqa: F811
                                                                        key_file: Path) -> None:  # noqa: F811
        """Sui only: what the service shows under the enclave's key must be an `Enclave` of the package, whole."""
        signer = EnclaveKey(scenario.ENCLAVE_SECRET).address
        other_type = scenario.enclave_exchange(scenario.enclave_value())
        other_type["response"]["data"]["object"]["dynamicField"]["value"]["type"]["repr"] = \
            pkg.type_name(scenario.PACKAGE, "Request")
        malformed = scenario.enclave_exchange({**scenario.enclave_value(), "active": 1})
        server = await serve("connect", extra=[*scenario.registrations_exchanges(), other_type, malformed])
        adapter = SuiAdapter(chain_config(server.url, key_file), load_transmitter(key_file))
        await adapter.connect()
        try:
            with pytest.raises(ChainError) as held:
                await adapter.signer_status(signer, "0x" + scenario.MEASUREMENT.hex())
            with pytest.raises(ChainError) as bad:
                await adapter.signer_status(signer, "0x" + scenario.MEASUREMENT.hex())
        finally:
            await adapter.close()
        assert not isinstance(held.value, RetryLater) and not isinstance(bad.value, RetryLater)
        assert str(held.value) == (f"{scenario.CHAIN}: the key of signer {signer} holds a "
                                   f"{pkg.type_name(scenario.PACKAGE, 'Request')}, not an Enclave")
        assert str(bad.value) == f"{scenario.CHAIN}: the Enclave record of signer {signer}: active: 1 is not a bool"
