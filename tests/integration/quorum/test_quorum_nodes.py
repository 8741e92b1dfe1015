"""Three operators' real nodes, threshold 2, on anvil and the local Solana endpoint: every request is fulfilled
once, by its leader, with two signatures of distinct registered enclaves; the others settle it as fulfilled by a
peer; one operator down changes nothing; two down holds the request pending until one returns; a leader killed
between storing and sending its fulfilment is replaced at once, and the request is fulfilled exactly once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from chains.core.errors import AuraError
from chains.evm.artifacts import contract
from node.quorum.leader import operator_order
from node.workshop.devnet.deploy import DEPLOYER_KEY, send
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.signatures import (
    Signed,
    check_signers,
    evm_registered,
    evm_signers,
    solana_registered,
    solana_signers,
)
from node.workshop.devnet.solana_setup import CLUSTER_ID
from tests.integration.quorum.conftest import World

PENDING = 1
REQUESTS_FOR_AN_ORDER = 40
"""Requests made until one has the order a test needs: each has it with chance 1/3, so 12 missed about one run in
130 (the enclave keys, and with them the orders, are new each run); 40 miss about one in ten million."""


def evm_fulfilled_once(world: World, request_id: str) -> tuple[str, list[Signed]]:
    """The one fulfilment's sender (operator name) and its signatures, checked against the registry."""
    (only,) = world.wait(f"EVM {request_id} fulfilled", lambda: world.evm_fulfilments(request_id))
    time.sleep(0.5)
    assert len(world.evm_fulfilments(request_id)) == 1
    leader = next(o.name for o in world.quorum.operators if o.transmitter == only["from"])
    signed = evm_signers(world.w3, world.quorum.devnet.oracle, only["tx"], request_id)
    check_signers(request_id, signed, 2, evm_registered(world.w3, world.quorum.devnet.oracle))
    assert len(signed) == 2 and {s.signer for s in signed} <= world.quorum.signers()
    assert leader in {o.name for o in world.quorum.operators if o.signer in {s.signer for s in signed}}
    return leader, signed


def solana_fulfilled_once(world: World, request: str, subject: str) -> tuple[str, list[Signed]]:
    ((tx, leader),) = world.wait(f"Solana {request} fulfilled", lambda: world.solana_fulfilments(request))
    time.sleep(0.5)
    assert len(world.solana_fulfilments(request)) == 1
    signed = solana_signers(world.client, CLUSTER_ID, tx, request, subject)
    check_signers(request, signed, 2, solana_registered(world.client, world.sol.oracle))
    assert len(signed) == 2 and {s.signer for s in signed} <= world.quorum.signers()
    return leader, signed


def test_all_honest_each_request_fulfilled_once_with_two_signatures(world: World) -> None:
    evm_id = world.evm_request()
    sol_id, subject = world.solana_request()
    evm_leader, _ = evm_fulfilled_once(world, evm_id)
    sol_leader, _ = solana_fulfilled_once(world, sol_id, subject)
    # A Solana request's account is closed by its fulfilment: a node that had not polled it yet never sees it
    # (nothing is left to do), while an EVM request's log stays for every node to find.
    for key, leader, settled in ((f"anvil:{evm_id}", evm_leader, ("peer_fulfilled",)),
                                 (f"solana-local:{sol_id}", sol_leader, ("peer_fulfilled", None))):
        others = [o.name for o in world.quorum.operators if o.name != leader]
        world.wait(f"{key} peer_fulfilled at {others}",
                   lambda key=key, others=others, settled=settled: all(world.state(o, key) in settled
                                                                       for o in others))
        world.wait(f"{key} settled at its leader {leader}",
                   lambda key=key, leader=leader: world.state(leader, key) in ("included", "final"))


def test_a_watched_wallets_moved_rescore_lands_once_with_two_signatures(world: World) -> None:
    """One operator watches a wallet: its first re-score moved, so it queues an operator update and tells its
    peers, who check its enclave's signature, queue the same update and cosign it; the update's leader lands it
    once with two signatures of distinct registered enclaves, and every operator settles it."""
    wallet = Account.create().address
    watcher = world.quorum.operators[0]
    added = subprocess.run([sys.executable, "-m", "node.cli", "watch", "add", wallet, "--config",
                            watcher.config_path, "--chain", "anvil"], capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    oracle = contract(world.w3, "AuraOracle", world.quorum.devnet.oracle)

    def landed() -> list[str]:
        return ["0x" + bytes(ev["args"]["requestId"]).hex()
                for ev in oracle.events.AssessmentFulfilled().get_logs(from_block=0)
                if ev["args"]["subject"] == wallet]

    # the node takes up a new watch at its next 30-second reconcile
    (update_id,) = world.wait(f"an operator update of {wallet} landed", landed, timeout=120)
    assert update_id.endswith("f" * 16)  # an update's id: its low 64 bits set
    (only,) = world.evm_fulfilments(update_id)
    signed = evm_signers(world.w3, world.quorum.devnet.oracle, only["tx"], update_id)
    check_signers(update_id, signed, 2, evm_registered(world.w3, world.quorum.devnet.oracle))
    assert len(signed) == 2 and {s.signer for s in signed} <= world.quorum.signers()
    key = f"anvil:{update_id}"
    world.wait(f"{key} settled by every operator",
               lambda: all(world.state(o.name, key) in ("included", "final", "peer_fulfilled")
                           for o in world.quorum.operators))
    time.sleep(0.5)
    assert landed() == [update_id]


def test_one_operator_down_still_fulfilled(world: World) -> None:
    world.fleet.stop(["op1"])
    try:
        evm_id = world.evm_request()
        sol_id, subject = world.solana_request()
        evm_leader, evm_signed = evm_fulfilled_once(world, evm_id)
        sol_leader, sol_signed = solana_fulfilled_once(world, sol_id, subject)
        down = world.op("op1").signer
        assert down not in {s.signer for s in evm_signed + sol_signed}
        assert "op1" not in (evm_leader, sol_leader)
    finally:
        world.fleet.start(["op1"])


def test_two_operators_down_wait_until_one_returns(world: World) -> None:
    world.fleet.stop(["op2", "op3"])
    try:
        evm_id = world.evm_request()
        sol_id, subject = world.solana_request()
        world.wait("op1 to score both", lambda: world.state("op1", f"anvil:{evm_id}") == "scored"
                   and world.state("op1", f"solana-local:{sol_id}") == "scored")
        time.sleep(3)
        assert world.evm_status(evm_id) == PENDING and world.evm_fulfilments(evm_id) == []
        assert world.solana_fulfilments(sol_id) == []
        world.fleet.start(["op3"])
        _, evm_signed = evm_fulfilled_once(world, evm_id)
        _, sol_signed = solana_fulfilled_once(world, sol_id, subject)
        assert {s.signer for s in evm_signed} == {s.signer for s in sol_signed} == \
            {world.op("op1").signer, world.op("op3").signer}
    finally:
        world.fleet.start(["op2", "op3"])


def test_check_signers_refuses_too_few_duplicates_and_strangers(world: World) -> None:
    a, b = sorted(world.quorum.signers())[:2]
    registered = evm_registered(world.w3, world.quorum.devnet.oracle)
    stranger = "0x" + "11" * 20
    with pytest.raises(AuraError) as e:
        check_signers("r", [Signed(a, "0x")], 2, registered)
    assert str(e.value) == "r: 1 signature(s), the threshold is 2"
    with pytest.raises(AuraError) as e:
        check_signers("r", [Signed(a, "0x"), Signed(a, "0x")], 2, registered)
    assert str(e.value) == f"r: {a} signed twice"
    with pytest.raises(AuraError) as e:
        check_signers("r", [Signed(b, "0x"), Signed(stranger, "0x")], 2, registered)
    assert str(e.value) == f"r: signed by {stranger}, not an active registered signer"


def test_the_leader_killed_mid_submission_and_another_fulfils_it_exactly_once(world: World) -> None:
    """op1 runs with a crash point right after it stores its fulfilment, before sending it. Of the requests sent,
    the first that op1 leads kills it there; another operator takes over at once (op1 no longer answers) and
    fulfils it. op1, back without the crash point, re-sends its stored fulfilment, which the contract refuses:
    the request is fulfilled exactly once and op1 settles it as fulfilled by a peer."""
    op1 = world.op("op1")
    world.fleet.stop(["op1"])
    doomed = NodeProcess(Path(op1.config_path), Path(op1.root) / "node-failpoint.log",
                         {"AURA_FAILPOINTS": "after_record_submission"}).start()
    try:
        doomed.wait_healthy(op1.api_port)
        for _ in range(REQUESTS_FOR_AN_ORDER):
            request_id = world.evm_request()
            if operator_order(request_id.encode(), world.quorum.signers())[0] == op1.signer:
                break
            evm_fulfilled_once(world, request_id)  # led by another: fulfilled as usual, op1 alive
        else:
            pytest.fail(f"none of {REQUESTS_FOR_AN_ORDER} requests was led by op1")
        assert world.wait("op1 to die at its crash point", doomed.exited) == 137
        assert world.state("op1", f"anvil:{request_id}") == "submitted"  # stored, never sent
        leader, _ = evm_fulfilled_once(world, request_id)  # op1's signature, valid, may be one of the two
        assert leader != "op1"
    finally:
        doomed.stop()
        world.fleet.start(["op1"])
    world.wait("op1 to settle it as fulfilled by a peer",
               lambda: world.state("op1", f"anvil:{request_id}") == "peer_fulfilled")
    assert len(world.evm_fulfilments(request_id)) == 1


def test_a_revoked_operators_signature_never_lands(world: World) -> None:
    """Last in the module (the revocation stays): op2's signer is revoked while op2's node keeps signing and
    serving. A request whose order puts op2 right after its leader is fulfilled once, by the other two."""
    op2 = world.op("op2")
    oracle = contract(world.w3, "AuraOracle", world.quorum.devnet.oracle)
    send(world.w3, DEPLOYER_KEY, {"to": world.quorum.devnet.oracle,
                                  "data": oracle.encode_abi("revokeSigner", [op2.signer])})
    for _ in range(REQUESTS_FOR_AN_ORDER):
        request_id = world.evm_request()
        order = operator_order(request_id.encode(), world.quorum.signers())
        if order[1] == op2.signer:
            break
    else:
        pytest.fail(f"no request of {REQUESTS_FOR_AN_ORDER} had op2 second in its order")
    leader, signed = evm_fulfilled_once(world, request_id)
    assert leader == next(o.name for o in world.quorum.operators if o.signer == order[0])
    assert {s.signer for s in signed} == {order[0], order[2]}
