"""Fixtures of the pipeline tests: the fake family registered, a ledger with the stub enclave's signer, a node."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from chains.registry import FAMILIES
from tests.fakechain import FAMILY
from tests.fakechain.ledger import FakeLedger, served
from tests.unit.pipeline.harness import ENCLAVE, Clock, Node
from tests.unit.pipeline.quorum_harness import Operator, link

QUORUM_THRESHOLD = 2


@pytest.fixture(autouse=True)
def fake_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FAMILIES, "fake", FAMILY)


@pytest.fixture
def store_dir(tmp_path: Path) -> Iterator[Path]:
    """Where store files go: a memory file system where there is one (the same SQLite files, without waiting
    for a disk's fsync), else `tmp_path`."""
    memory = Path("/dev/shm")
    if not memory.is_dir():
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="aura-pipeline-", dir=memory))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def ledger() -> Iterator[FakeLedger]:
    with served(FakeLedger()) as chain:
        chain.register(ENCLAVE.address)
        yield chain


@pytest_asyncio.fixture(loop_scope="function")
async def node(ledger: FakeLedger, store_dir: Path) -> AsyncIterator[Node]:
    made = Node(ledger, store_dir / "aura.sqlite", Clock())
    await made.start()
    yield made
    made.store.close()


@pytest_asyncio.fixture(loop_scope="function")
async def operators(ledger: FakeLedger, store_dir: Path) -> AsyncIterator[list[Operator]]:
    """Three operators of one quorum (threshold QUORUM_THRESHOLD) on `ledger`, each serving its API, linked."""
    ledger.threshold = QUORUM_THRESHOLD
    clock = Clock()
    made = [Operator(ledger, store_dir / f"op{i}.sqlite", clock, {"transmitter": "0x" + f"{0xe0 + i:02x}" * 32},
                     index=i) for i in range(3)]
    for op in made:
        ledger.register(op.key.address)
        await op.start()
        await op.serve()
    link(made)
    yield made
    for op in made:
        await op.close()
