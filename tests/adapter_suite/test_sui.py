"""The suite against Sui's GraphQL service as recorded (tests/recorded_sui_graphql): a replay server answers
from the schema-checked recordings. The recorded network is fixed, so the driver's actions choose which
recorded state the service is in: the requests it "makes" are the recorded ones, a fulfilment sent and then
advanced past is the recorded executed one, a killed one is the one whose gas coin another transaction used."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest_asyncio

from chains.base import OracleRequest, SignedAssessment, Submission
from chains.core.assessment import AssessmentFacts
from chains.core.errors import NotSupported
from node.enclave.keys import EnclaveKey
from tests.recorded_sui_graphql import scenario
from tests.recorded_sui_graphql.conftest import Serve, chain_config, key_file, serve  # noqa: F401 - fixtures
from tests.recorded_sui_graphql.replay import RECORDINGS, Replay

from .driver import Driver
from .suite import ChainAdapterSuite

BASE = ("connect", "poll", "poll_bounds", "request_status", "pinned", "features", "prepare", "status_unknown")
"""The service before anything is sent: requests A and B (pinned to the checkpoints holding them, A's features read
at its checkpoint), A pending, a fulfilment of A not executed."""
LANDED = ("prepare_abort", "status_success")
"""The fulfilment of A executed in a checkpoint: A fulfilled, a new fulfilment of A aborts."""
SETTLED_ELSEWHERE = ("prepare_abort",)
"""Another transmitter fulfilled A."""
KILLED = ("status_used_elsewhere",)
"""The fulfilment's gas coin version was used by another transaction."""


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
    already_fulfilled = f"{scenario.CHAIN}: fulfilment would abort with ERequestNotPending"

    def __init__(self, server: Replay, transmitter_key: Path, data_dir: Path) -> None:
        self.server = server
        super().__init__(chain_config(server.url, transmitter_key), data_dir)
        self.script = [scenario.REQ_A, scenario.REQ_B]
        self.states = list(BASE)
        self.landed = False

    def _serve(self, *names: str) -> None:
        self.states += names
        self.server.exchanges = recorded(self.states)
        self.server.used.clear()

    async def make_request(self) -> str:
        """The next of the recorded requests (A at checkpoint 1005, B at 1100)."""
        return self.script.pop(0).request_id

    async def start_cursor(self) -> tuple[str | None, int]:
        return "1000", 1000  # where the recorded polls start

    def windows(self, reached: int, head: int) -> list[int]:
        return [1050, 1200]  # recorded in poll_bounds.json: the second stops at the service's index, 1150

    async def advance(self, heights: int = 1) -> None:
        """A fulfilment sent meanwhile executes in a checkpoint (the recorded one, the only one there is)."""
        if not self.landed and "AuraExecute" in self.server.operations():
            self.landed = True
            self._serve(*LANDED)

    async def pause(self) -> None:
        """The recorded service executes nothing until the driver advances."""

    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        return SignedAssessment.from_wire(scenario.assessment(request)).facts  # what the recordings were made with

    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        assert request.request_id == scenario.REQ_A.request_id, "only request A is recorded fulfilled elsewhere"
        self._serve(*SETTLED_ELSEWHERE)

    async def cancel(self, request: OracleRequest) -> None:
        raise NotSupported("sui", "a recorded cancellation")  # the suite's test is in SKIPS

    async def kill(self, submission: Submission) -> None:
        self._serve(*KILLED)

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id=scenario.REQ_UNKNOWN_ID)

    def too_many(self, count: int) -> str:
        return "a Sui fulfilment carries exactly one request"


class TestSuiAdapter(ChainAdapterSuite):
    SKIPS = {
        "test_fulfilment_goes_pending_included_final":
            "the recordings hold no effects before their checkpoint, so a Sui fulfilment's INCLUDED state cannot "
            "be shown offline; PENDING and FINAL are shown by the other fulfilment tests",
        "test_cancelled_request_is_cancelled":
            "no recording cancels a request the driver can make (request_status.json holds one already "
            "cancelled, read by tests/recorded_sui_graphql/test_recorded_reads.py); cancelling needs a network",
    }

    @pytest_asyncio.fixture(loop_scope="function")
    async def driver(self, serve: Serve, key_file: Path, tmp_path: Path) -> AsyncIterator[Driver]:  # noqa: F811
        async with SuiDriver(await serve(*BASE), key_file, tmp_path).connected() as driver:
            yield driver
