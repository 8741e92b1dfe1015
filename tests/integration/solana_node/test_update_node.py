"""The node pushing a watched wallet's moved re-score to the `aura_oracle` program as an operator update
(docs/solana.md, "Operator updates"): no request, no fee, the `update` instruction, under the id the enclave and
the program both derive."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.solana import program as prog
from chains.solana.update_id import update_request_id
from tests.integration.solana_node.conftest import SolEnv


def test_a_watched_wallets_first_rescore_is_pushed_as_an_update(sol_env: SolEnv) -> None:
    env = sol_env
    env.config.write_text(env.config.read_text() + "\n[rescore]\njitter_s = 0\n")
    subject = Keypair().pubkey()
    added = subprocess.run([sys.executable, "-m", "node.cli", "watch", "add", str(subject), "--config",
                            str(env.config), "--chain", "solana-local"], capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    node = env.node().start()
    try:
        node.wait_healthy(env.api_port)
        score_at = prog.score_pda(env.program, env.oracle, subject)[0]
        deadline = time.monotonic() + 60
        stored = None
        while time.monotonic() < deadline:
            account = env.client.get_account_info(score_at).value
            if account is not None:
                stored = prog.decode_account("Score", bytes(account.data))
                break
            node.check_alive()
            time.sleep(0.2)
        assert stored is not None, node.tail()
        (block, score, tier, result), = env.rows(
            "SELECT block_number, score, tier, result FROM offchain_assessments ORDER BY id DESC LIMIT 1")
        timestamp = json.loads(result)["timestamp"]
        update_id = Pubkey.from_bytes(update_request_id(bytes(env.oracle), bytes(subject), timestamp))
        # the chain's record is the off-chain one, stored under the update id
        assert (str(prog.pubkey(stored.request)), stored.score, stored.tier, stored.assessed_at, stored.slot) == (
            str(update_id), score, tier, timestamp, block)
        ((state, number, fee),) = env.rows("SELECT state, block_number, fee FROM requests WHERE request_id = ?",
                                           str(update_id))
        assert number == block and state in ("submitted", "included", "final") and int(fee) == 0
        assert env.rows("SELECT operator_update FROM requests WHERE request_id = ?", str(update_id)) == [(1,)]
        assert node.stop() == 0
    finally:
        node.stop()
