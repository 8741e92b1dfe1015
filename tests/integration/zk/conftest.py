"""The circuit's build artefacts, made by `make zk` (circuits/setup.mjs)."""

from __future__ import annotations

import pytest

from node.zk import snarkjs


@pytest.fixture(scope="session")
def zk_build() -> snarkjs.ZkBuild:
    """Fails the tests with `run make zk` when the circuit is not built."""
    try:
        return snarkjs.locate()
    except snarkjs.ZkError as e:
        pytest.fail(str(e), pytrace=False)
