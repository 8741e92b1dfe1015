"""Causes outside a request (the transmitter's funds, the enclave's signer not registered) make fulfilments wait,
visibly, and cost nothing while they hold; when the cause passes, the requests land without anyone's help."""

from __future__ import annotations

from node.metrics import REGISTRY
from tests.fakechain.ledger import FakeLedger
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, Node


def waiting(cause: str) -> float | None:
    return REGISTRY.get_sample_value("aura_requests_waiting", {"chain": CHAIN, "cause": cause})


async def test_an_unfunded_transmitter_makes_fulfilments_wait_until_it_is_funded(node: Node,
                                                                                 ledger: FakeLedger) -> None:
    ledger.funded = False
    ids = [ledger.request() for _ in range(3)]
    ledger.mine()
    for _ in range(3):
        await node.tick()
        ledger.mine()
    assert [node.state(r) for r in ids] == [("scored", "")] * 3
    assert node.service.waiting == {"funds": f"{CHAIN}: insufficient funds for gas"}
    assert node.submissions() == []
    assert [waiting(cause) for cause in ("funds", "signer", "fee_cap")] == [3, 0, 0]
    ledger.funded = True
    await node.settle()
    assert waiting("funds") == 0
    assert [node.state(r) for r in ids] == [("final", "")] * 3
    assert node.service.waiting == {}
    assert [ledger.fulfilments(r) for r in ids] == [1, 1, 1]


async def test_an_unregistered_signer_makes_fulfilments_wait_until_it_is_registered(node: Node,
                                                                                    ledger: FakeLedger) -> None:
    ledger.signers.clear()
    request_id = ledger.request()
    ledger.mine()
    for _ in range(3):
        await node.tick()
        ledger.mine()
    assert node.state(request_id) == ("scored", "")
    assert node.service.waiting == {"signer": f"{CHAIN}: fulfilment would revert: UnknownSigner"}
    assert node.submissions() == []
    ledger.register(ENCLAVE.address)
    await node.settle()
    assert node.state(request_id) == ("final", "") and node.service.waiting == {}


async def test_while_a_cause_holds_one_fulfilment_at_a_time_asks_whether_it_still_does(node: Node,
                                                                                      ledger: FakeLedger) -> None:
    ledger.funded = False
    for _ in range(4):
        ledger.request()
    ledger.mine()
    await node.tick()
    prepared: list[int] = []
    prepare = node.service.adapter.prepare

    async def counting(items):  # type: ignore[no-untyped-def]
        prepared.append(len(items))
        return await prepare(items)

    node.service.adapter.prepare = counting  # type: ignore[method-assign]
    await node.tick()
    assert prepared == [1]
