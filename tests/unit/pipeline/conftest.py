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
