"""A fourth chain family plugs in with one folder (tests/fakechain) and one registry line: with `FAMILIES["fake"]`
set, a `family = "fake"` section parses, the daemon builds its adapter, the enclave signs its requests through
the registered codec, and the pipeline fulfils them. Nothing else in the product learns about it."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from chains.base import Confidence, SignedAssessment
from chains.core.errors import ConfigError
from chains.core.secp256k1 import keccak256, recover_address
from chains.registry import FAMILIES
from node.config import parse_config
from node.daemon import build_adapter
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.pipeline import ChainService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.store import Store
from tests.fakechain import FAMILY
from tests.fakechain import codec as fake_codec
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.config import FakeChain
from tests.fakechain.ledger import FakeLedger, served

CONTRACT = "0x" + "c0" * 32
CONFIG = f"""
[enclave]
passphrase_file = "passphrase"

[[chains]]
family = "fake"
name = "toy"
chain_id = 7
url = "fake://toy"
contract = "{CONTRACT}"
batch_size = 1
"""


class InProcessEnclave:
    """The pipeline's Assessor over an EnclaveService in this process (the node reaches it over a socket)."""

    def __init__(self, service: EnclaveService) -> None:
        self.service = service

    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.service.assess({"request": request, "features": features, **(extra or {})})


def test_an_unregistered_family_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(CONFIG, "toy.toml")
    assert str(refused.value) == (
        "1 problem(s) in toy.toml:\n  toy.toml:5: chains[0]: Input tag 'fake' found using 'family' does not match "
        f"any of the expected tags: {', '.join(repr(name) for name in FAMILIES)}")


async def test_a_registered_fourth_family_is_configured_built_signed_for_and_fulfilled(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(FAMILIES, "fake", FAMILY)
    (section,) = parse_config(CONFIG, "toy.toml").chains
    assert isinstance(section, FakeChain) and (section.name, section.url) == ("toy", "fake://toy")

    with served(FakeLedger(name="toy", contract=CONTRACT)) as ledger, ExitStack() as resources:
        store = Store(tmp_path / "aura.sqlite")
        resources.callback(store.close)
        adapter = build_adapter(section, store, tmp_path, resources)
        assert isinstance(adapter, FakeAdapter)
        await adapter.connect()

        key = EnclaveKey(keccak256(b"aura toy family enclave"))
        enclave = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: ledger.latest.timestamp)
        ledger.register(enclave.signer)
        request_id = ledger.request()
        ledger.mine()

        head = await adapter.head(Confidence.LATEST)
        (request,) = (await adapter.poll_requests(None, head)).items
        features = await adapter.read_features(request.subject, await adapter.pinned(request))
        answer = enclave.assess({"request": adapter.enclave_request(request), "features": features})
        signed = SignedAssessment.from_wire(answer)
        assert signed.digest == fake_codec.digest(7, bytes.fromhex(CONTRACT[2:]), bytes.fromhex(request_id[2:]),
                                                  bytes.fromhex(request.subject[2:]), signed.facts)
        assert recover_address(signed.digest, signed.signature) == signed.signer == key.address

        service = ChainService(adapter, store, InProcessEnclave(enclave), poll_interval_s=section.poll_interval_s,
                               batch_size=section.batch_size, resubmit_after_s=section.resubmit_after_s,
                               bump_after_s=section.bump_after_s, bump_pct=section.bump_pct)
        await service.tick()  # seen, confirmed, scored, submitted
        ledger.mine()
        await service.tick()  # included
        ledger.mine(2)
        await service.tick()  # final
        row = store.request(request.key)
        assert row is not None and row["state"] == "final"
        assert ledger.fulfilments(request_id) == 1
        assert store.assessment(request.key) == answer
        await adapter.close()
