"""The node fulfilling Solana requests end to end through the local endpoint, and its restart safety."""

from __future__ import annotations

from coincurve import PublicKey
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.core.secp256k1 import address_from_public_key, keccak256
from chains.solana import program as prog
from tests.integration.solana_node.conftest import SolEnv, stored_result


def test_requests_fulfilled_once_final_and_stored(sol_env: SolEnv) -> None:
    env = sol_env
    node = env.node().start()
    try:
        node.wait_healthy(env.api_port)
        subjects = [Keypair().pubkey() for _ in range(3)]
        ids = [env.request(s) for s in subjects]
        got = env.wait_fulfilled(ids, node)
        assert {i: len(got[i]) for i in ids} == {i: 1 for i in ids}
        env.wait_states(ids, "final", node)
        client = env.client
        for request, subject in zip(ids, subjects):
            assert client.get_account_info(Pubkey.from_string(request)).value is None  # closed
            score_at, _ = prog.score_pda(env.program, env.oracle, subject)
            score = prog.decode_account("Score", bytes(client.get_account_info(score_at).value.data))
            signed = stored_result(env, request)
            payload = bytes.fromhex(signed["payload"][2:])
            key = PublicKey.from_signature_and_message(bytes.fromhex(signed["signature"][2:]), keccak256(payload),
                                                       hasher=None)
            assert address_from_public_key(key.format()) == signed["signer"]
            assert payload[95:127] == bytes(Pubkey.from_string(request))
            assert (score.score, score.tier, score.pd_bps, score.flags) == \
                (signed["score"], signed["tier"], signed["pd_bps"], signed["flags"])
            assert str(prog.pubkey(score.request)) == request and score.version == 1
        states = env.rows("SELECT state, COUNT(*) FROM submissions GROUP BY state")
        assert states == [("final", 3)]
        assert node.stop() == 0
    finally:
        node.stop()


def test_killed_between_submit_and_confirmation(sol_env: SolEnv) -> None:
    """The fulfilment is sent and processed but not confirmed when the node dies: after the restart it is
    followed to finality, never sent as a second transaction."""
    env = sol_env
    node = env.node(AURA_FAILPOINTS="after_broadcast").start()
    node.wait_healthy(env.api_port)
    env.control("aura_pauseSlots")
    request = env.request(wait=False)
    env.control("aura_advanceSlots", 1)  # the request's slot is now confirmed; the fulfilment's will not be
    assert node.wait_exit(60) == 137
    (sub,) = env.rows("SELECT tx_hash, state FROM submissions")
    assert sub[1] == "pending"
    env.control("aura_resumeSlots")
    node2 = env.node().start()
    try:
        got = env.wait_fulfilled([request], node2)
        env.wait_states([request], "final", node2)
        assert got[request] == [sub[0]]
        assert env.rows("SELECT tx_hash, state FROM submissions") == [(sub[0], "final")]
    finally:
        node2.stop()


def test_expired_blockhash_resigned_once(sol_env: SolEnv) -> None:
    """Stored but never sent before the node died, then its blockhash expired: the restart finds it can no
    longer land, checks the request is still pending, and signs a new one with a fresh blockhash."""
    env = sol_env
    node = env.node(AURA_FAILPOINTS="after_record_submission").start()
    node.wait_healthy(env.api_port)
    request = env.request()
    assert node.wait_exit(60) == 137
    ((first, _),) = env.rows("SELECT tx_hash, state FROM submissions")
    env.control("aura_advanceSlots", 160)
    node2 = env.node().start()
    try:
        got = env.wait_fulfilled([request], node2)
        env.wait_states([request], "final", node2)
        rows = dict(env.rows("SELECT tx_hash, state FROM submissions"))
        assert rows.pop(first) == "dropped"
        assert list(rows.values()) == ["final"] and got[request] == list(rows)
    finally:
        node2.stop()


def test_a_request_older_than_slot_hashes_is_repinned_and_fulfilled(sol_env: SolEnv) -> None:
    """A request left unfulfilled until its slot has left SlotHashes (512 slots): the node sends `repin`, scores
    it again at the new pinned slot, and fulfils it; the stored and signed slot is the new one."""
    env = sol_env
    subject = Keypair().pubkey()
    request = env.request(subject)
    created = int(prog.decode_account("Request", bytes(env.client.get_account_info(
        Pubkey.from_string(request)).value.data)).created_slot)
    env.control("aura_advanceSlots", 520)
    node = env.node().start()
    try:
        node.wait_healthy(env.api_port)
        got = env.wait_fulfilled([request], node)
        env.wait_states([request], "final", node)
        assert len(got[request]) == 1
        score_at, _ = prog.score_pda(env.program, env.oracle, subject)
        score = prog.decode_account("Score", bytes(env.client.get_account_info(score_at).value.data))
        signed = stored_result(env, request)
        assert score.slot == signed["block_number"] > created + 512
        assert "0x" + bytes(score.slot_hash).hex() == signed["block_hash"]
        assert "repinned" in node.tail() or "repin" in node.tail()
    finally:
        node.stop()
