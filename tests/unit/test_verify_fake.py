"""`aura verify` over the in-memory chain: an honest fulfilment recomputes field for field, and one signed on
features the host invented (a family without a state proof takes them on trust) shows its first difference.
The EVM one, against anvil and the real contract: tests/integration/node/test_verify_evm.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chains.base import Confidence, OracleRequest, SignedAssessment
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.verify import VerifyError, verify
from tests.fakechain import FAMILY
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.config import FakeChain
from tests.fakechain.ledger import FakeLedger, served

CONTRACT = "0x" + "c0" * 32
KEY = EnclaveKey(keccak256(b"aura verify enclave"))


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeLedger, FakeChain]]:
    monkeypatch.setitem(FAMILIES, "fake", FAMILY)
    with served(FakeLedger(name="verify", contract=CONTRACT)) as ledger:
        ledger.register(KEY.address)
        yield ledger, ledger.config("verify")


async def fulfil(ledger: FakeLedger, cfg: FakeChain, invent: dict[str, Any] | None = None) -> OracleRequest:
    """A request, and its fulfilment signed by a real enclave service on the features read (or on invented ones)."""
    adapter = FakeAdapter(cfg)
    await adapter.connect()
    ledger.request()
    ledger.mine()
    (request,) = (await adapter.poll_requests(None, await adapter.head(Confidence.LATEST))).items
    features = {**await adapter.read_features(request.subject, await adapter.pinned(request)), **(invent or {})}
    enclave = EnclaveService(KEY, measure(), Engine.load(load_config()), clock=lambda: ledger.latest.timestamp)
    signed = SignedAssessment.from_wire(enclave.assess({"request": adapter.enclave_request(request),
                                                        "features": features}))
    await adapter.broadcast(await adapter.prepare([(request, signed)]))
    ledger.mine()
    await adapter.close()
    return request


async def test_an_honest_fulfilment_matches_field_for_field(chain: tuple[FakeLedger, FakeChain],
                                                            tmp_path: Path) -> None:
    ledger, cfg = chain
    request = await fulfil(ledger, cfg)
    report = await verify(cfg, tmp_path, request.request_id)
    assert report.matches and report.first_difference is None
    assert [row.field for row in report.rows] == ["block_number", "block_hash", "timestamp", "expiry",
                                                  "features_hash", "measurement", "score", "tier", "pd_bps", "flags"]
    assert report.signer == KEY.address
    assert report.text().splitlines()[-1] == "match"


async def test_invented_features_show_the_first_difference(chain: tuple[FakeLedger, FakeChain],
                                                           tmp_path: Path) -> None:
    ledger, cfg = chain
    request = await fulfil(ledger, cfg, invent={"tx_count": 2500, "balance_wei": str(90 * 10**18)})
    report = await verify(cfg, tmp_path, request.request_id)
    assert not report.matches
    first = report.first_difference
    assert first is not None and first.field == "features_hash"
    differ = {row.field for row in report.rows if not row.matches}
    assert "features_hash" in differ and "score" in differ
    assert report.text().splitlines()[-1] == "first difference: features_hash"
    assert report.to_json()["match"] is False


async def test_a_request_not_fulfilled_is_an_error(chain: tuple[FakeLedger, FakeChain], tmp_path: Path) -> None:
    ledger, cfg = chain
    request_id = ledger.request()
    ledger.mine()
    with pytest.raises(VerifyError) as caught:
        await verify(cfg, tmp_path, request_id)
    assert str(caught.value) == f"request {request_id} is not fulfilled on verify"
