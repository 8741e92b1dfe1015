"""The node as an operator runs it: its own process, a real anvil, the real contracts and enclave."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.core.features import features_hash
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.workshop.devnet.deploy import DEPLOYER_KEY, send
from node.workshop.devnet.protocols import MAX_UINT, STABLECOIN, Protocols, Transactor
from tests.clients.typed_data import ETHERS_V4_ERROR, recover_with_clients
from tests.integration.node.conftest import Env

SUBJECTS = [Account.from_key(k).address for k in DEFAULT_KEYS[1:4]]


def store_rows(env: Env, sql: str) -> list[tuple]:
    con = sqlite3.connect(env.root / "data" / "aura.sqlite")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_requests_fulfilled_verified_and_final(env: Env) -> None:
    node = env.node().start()
    try:
        env.wait_healthy(node)
        ids = [env.request(s) for s in SUBJECTS]
        got = env.wait_fulfilled(ids, node)
        assert all(len(got[i]) == 1 for i in ids)
        for i, subject in zip(ids, SUBJECTS):
            ev = got[i][0]
            assert ev["subject"] == subject and ev["signer"] == env.dev.signer
            stored = env.oracle.functions.latestAssessment(subject).call()
            assert stored[1] == ev["score"]  # AssessmentRecord(exists, score, ...)
        env.mine(3)
        deadline_rows = []
        for _ in range(100):
            deadline_rows = store_rows(env, "SELECT state FROM requests")
            if deadline_rows and all(r[0] == "final" for r in deadline_rows):
                break
            time.sleep(0.1)
        assert sorted(r[0] for r in deadline_rows) == ["final"] * 3
        for (result,) in store_rows(env, "SELECT result FROM assessments"):
            signed = json.loads(result)
            msg = encode_typed_data(full_message=signed["typed_data"])
            assert Account.recover_message(msg, signature=signed["signature"]) == env.dev.signer
        health = env.health()
        assert health["ok"] and health["chains"]["anvil"]["connected"]
        assert health["chains"]["anvil"]["websocket"] is True  # new heads arrive over anvil's WebSocket
        with urllib.request.urlopen(f"http://127.0.0.1:{env.api_port}/metrics", timeout=2) as r:
            metrics = r.read().decode()
        assert 'aura_request_transitions_total{chain="anvil",state="final"} 3.0' in metrics
        assert node.stop() == 0
        assert "stopped" in node.logs()
    finally:
        node.stop()


def test_killed_after_storing_the_fulfilment_before_sending_it(env: Env) -> None:
    """Crash between writing the signed transaction and broadcasting it: the restart sends those same bytes."""
    node = env.node(AURA_FAILPOINTS="after_record_submission").start()
    ids = [env.request(s) for s in SUBJECTS]
    assert node.wait_exit(60) == 137
    assert env.fulfilled() == {}
    (raw_before,) = store_rows(env, "SELECT tx_hash, raw FROM submissions")
    node2 = env.node().start()
    try:
        got = env.wait_fulfilled(ids, node2)
        assert {i: len(got[i]) for i in ids} == {i: 1 for i in ids}
        assert store_rows(env, "SELECT tx_hash, raw FROM submissions") == [raw_before]
        receipt = env.w3.eth.get_transaction_receipt(raw_before[0])
        assert receipt["status"] == 1
    finally:
        node2.stop()


def test_killed_between_broadcast_and_receipt(env: Env) -> None:
    """Crash with the fulfilment in the mempool: after the restart every request is fulfilled exactly once."""
    node = env.node(AURA_FAILPOINTS="after_broadcast").start()
    env.wait_healthy(node)
    env.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    ids = []
    for _ in SUBJECTS:
        ids.append("pending")
    # requests go in one mined block; the fulfilment then waits in the mempool when the node dies
    oracle = env.oracle
    from node.workshop.devnet.deploy import send as _send  # noqa: F401 - documents that requests use the same path
    hashes = []
    acct = Account.from_key(DEFAULT_KEYS[6])
    nonce = env.w3.eth.get_transaction_count(acct.address)
    for k, s in enumerate(SUBJECTS):
        tx = {"to": env.dev.oracle, "value": 10**15, "nonce": nonce + k, "gas": 200_000, "chainId": 31337,
              "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9,
              "data": oracle.encode_abi("requestAssessment", [s, b""])}
        hashes.append(env.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    env.mine()
    ids = []
    for h in hashes:
        receipt = env.w3.eth.get_transaction_receipt(h)
        ev = oracle.events.AssessmentRequested().process_receipt(receipt)[0]
        ids.append("0x" + bytes(ev["args"]["requestId"]).hex())
    assert node.wait_exit(60) == 137
    pending = env.w3.provider.make_request("txpool_content", [])  # type: ignore[arg-type]
    assert pending["result"]["pending"], "the fulfilment should be waiting in the mempool"
    env.w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    env.mine()
    node2 = env.node().start()
    try:
        got = env.wait_fulfilled(ids, node2)
        env.mine(3)
        assert {i: len(got[i]) for i in ids} == {i: 1 for i in ids}
        assert len(store_rows(env, "SELECT tx_hash FROM submissions")) == 1
    finally:
        node2.stop()


def test_websocket_unreachable_falls_back_to_polling(env: Env) -> None:
    cfg = Path(env.dev.config_path)
    text = cfg.read_text()
    ws_line = next(line for line in text.splitlines() if line.startswith("ws_url"))
    cfg.write_text(text.replace(ws_line, 'ws_url = "ws://127.0.0.1:9"'))
    node = env.node().start()
    try:
        env.wait_healthy(node)
        ids = [env.request(SUBJECTS[0])]
        assert len(env.wait_fulfilled(ids, node)[ids[0]]) == 1
        assert env.health()["chains"]["anvil"]["websocket"] is False
    finally:
        node.stop()


def test_bad_config_starts_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "aura.toml"
    cfg.write_text('[node]\ndata_dir = "data"\nlog_levle = "info"\n\n[enclave]\n\n[[chains]]\nfamily = "evm"\n'
                   'name = "x"\nchain_id = 1\nrpc_url = "ftp://nope"\n')
    proc = subprocess.run([sys.executable, "-m", "node.cli", "run", "--config", str(cfg)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"aura run: 6 problem(s) in {cfg}:\n"
        f"  {cfg}:3: node.log_levle: unknown key (did you mean 'log_level'?)\n"
        f"  {cfg}:5: enclave.passphrase_file: required key missing\n"
        f"  {cfg}:11: chains[0].rpc_url: Value error, must be an http(s):// URL\n"
        f"  {cfg}:7: chains[0].oracle: required key missing\n"
        f"  {cfg}:7: chains[0].transmitter_keystore: required key missing\n"
        f"  {cfg}:7: chains[0].transmitter_passphrase_file: required key missing\n"
    )
    assert not (tmp_path / "data").exists()


def aura(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_request_status_attest(env: Env) -> None:
    node = env.node().start()
    try:
        env.wait_healthy(node)
        cfg = env.dev.config_path
        out = aura("request", "--config", cfg, "--subject", SUBJECTS[1], "--wait", "--timeout", "60")
        assert out.returncode == 0, out.stderr
        res = json.loads(out.stdout)
        assert res["status"] == "fulfilled" and res["subject"] == SUBJECTS[1]
        assert res["tier"] in ("Basic", "Standard", "Premium") and 0 <= res["score"] <= 1000

        status = aura("status", "--config", cfg, "--json")
        assert status.returncode == 0, status.stderr
        rows = json.loads(status.stdout)
        assert [r["request_id"] for r in rows] == [res["request_id"]]
        assert rows[0]["score"] == res["score"] and rows[0]["state"] in ("included", "final")
        scored = rows[0]["features"]  # what the enclave scored, as the chain says it was at the pinned block
        block = scored["as_of_block"]
        assert scored["tx_count"] == env.w3.eth.get_transaction_count(SUBJECTS[1], block)
        assert scored["balance_wei"] == str(env.w3.eth.get_balance(SUBJECTS[1], block))
        assert rows[0]["features_hash"] == "0x" + features_hash(scored).hex()

        one = json.loads(aura("status", "--config", cfg, f"anvil:{res['request_id']}").stdout)
        assert [h["dst"] for h in one["history"]][:4] == ["seen", "confirmed", "scored", "submitted"]

        att = aura("attest", "--config", cfg)
        assert att.returncode == 0, att.stderr
        doc = json.loads(att.stdout)
        assert doc["verified_signer"] == env.dev.signer
        assert doc["document"]["measurement"] == env.dev.measurement
    finally:
        node.stop()


def test_cli_errors_are_one_line(env: Env, tmp_path: Path) -> None:
    out = aura("status", "--config", env.dev.config_path)
    assert out.returncode == 2
    assert out.stderr == f"aura status: no store at {env.root / 'data' / 'aura.sqlite'}: the node has not run " \
                         "with this config yet\n"
    out = aura("request", "--config", str(tmp_path / "missing.toml"), "--subject", SUBJECTS[0])
    assert out.returncode == 2
    assert out.stderr == f"aura request: cannot read config {tmp_path / 'missing.toml'}: No such file or directory\n"


def test_init_writes_config_and_keys(tmp_path: Path) -> None:
    given = ("--name", "sepolia", "--chain-id", "11155111", "--rpc-url", "https://rpc.example.org",
             "--oracle", "0x" + "ab" * 20, "--set", "start_block=5")
    out = aura("init", "--dir", str(tmp_path / "n"), *given)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    from node.config import load_config

    cfg = load_config(res["config"])
    assert cfg.chains[0].chain_id == 11155111 and cfg.chains[0].name == "sepolia"
    assert cfg.chains[0].start_block == 5
    for secret in ("secrets/enclave.pass", "secrets/transmitter.pass", "keys/transmitter.json"):
        assert (tmp_path / "n" / secret).stat().st_mode & 0o077 == 0
    again = aura("init", "--dir", str(tmp_path / "n"), *given)  # in its folder, init adds a chain: not this one again
    assert again.returncode == 2
    assert again.stderr == f"aura init: --name: {tmp_path / 'n' / 'aura.toml'} has a chain named 'sepolia' already\n"


def test_devnet_command_deploys_and_stops_its_anvil(tmp_path: Path) -> None:
    import signal
    import time

    from node.process import free_ports

    port, sol_port = free_ports(2)
    proc = subprocess.Popen([sys.executable, "-m", "node.cli", "devnet", "--dir", str(tmp_path / "dn"), "--port",
                             str(port), "--solana-port", str(sol_port), "--no-histories"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or lines[-1] != "}\n":
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            lines.append(line)
        info = json.loads("".join(lines))
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(info["rpc_url"]))
        assert info["rpc_url"] == f"http://127.0.0.1:{port}"
        assert len(w3.eth.get_code(info["oracle"])) > 0 and len(w3.eth.get_code(info["example_lender"])) > 0
        oracle = w3.eth.contract(address=info["oracle"], abi=json.loads(
            (Path(__file__).parents[3] / "build/contracts/AuraOracle.json").read_text())["abi"])
        from node.config import load_config

        cfg = load_config(info["config"])
        assert cfg.chains[0].oracle == info["oracle"]
        signer = oracle.functions.signers(info["enclave_signer"]).call()
        assert signer[1] is True and "0x" + bytes(signer[4]).hex() == info["measurement"]  # active, measured
        from solana.rpc.api import Client
        from solders.pubkey import Pubkey

        from chains.solana import program as prog

        sol = Client(info["solana"]["rpc_url"])
        assert info["solana"]["rpc_url"] == f"http://127.0.0.1:{sol_port}"
        assert cfg.chains[1].family == "solana" and cfg.chains[1].oracle == info["solana"]["oracle"]
        enclave = prog.decode_account("Enclave", bytes(sol.get_account_info(
            Pubkey.from_string(info["solana"]["enclave_account"])).value.data))
        assert enclave.active == 1 and "0x" + bytes(enclave.measurement).hex() == info["measurement"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        time.sleep(0.2)
        assert not w3.is_connected()
        from solana.exceptions import SolanaRpcException

        with pytest.raises(SolanaRpcException):
            sol.get_slot()  # the endpoint stopped with the command
    finally:
        if proc.poll() is None:
            proc.kill()


def test_demo_json_is_checkable_with_a_standard_library(tmp_path: Path) -> None:
    out = aura("demo", "--json", "--dir", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert set(report) == {"rpc_url", "chain_id", "contracts", "enclave", "requests", "solana"}
    rows = {r["label"]: r for r in report["requests"]}
    assert list(rows) == ["veteran", "careful borrower", "idle holder", "liquidated trader", "airdrop farmer",
                          "fresh wallet"]
    decisions = {label: r["decision"] for label, r in rows.items()}
    assert decisions["veteran"] == decisions["careful borrower"] == "approved"
    assert decisions["liquidated trader"] == "rejected" and decisions["airdrop farmer"] == "manual review"
    # the scores rest on indexed protocol activity: the red flags and rules say why
    assert "LIQUIDATED" in rows["liquidated trader"]["flag_names"]
    assert "OUTSTANDING_DEBT" in rows["liquidated trader"]["flag_names"]
    assert "repeat_liquidation" in rows["liquidated trader"]["rules"]
    assert rows["airdrop farmer"]["rules"] == ["fresh_burst"] and "BURST_ACTIVITY" in rows["airdrop farmer"]["flag_names"]
    assert "DORMANT" in rows["idle holder"]["flag_names"]
    assert rows["fresh wallet"]["rules"] == ["thin_file"] and "NO_ACTIVITY" in rows["fresh wallet"]["flag_names"]
    assert rows["liquidated trader"]["terms"]["decision"] == "decline"
    assert rows["careful borrower"]["terms"]["decision"] == "offer"
    assert min(rows["veteran"]["score"], rows["careful borrower"]["score"]) > rows["idle holder"]["score"] \
        > max(rows["airdrop farmer"]["score"], rows["fresh wallet"]["score"]) > rows["liquidated trader"]["score"]
    # each request's signed assessment comes from the store of an operator that scored it (`stored_by`)
    operators = {o["name"]: o["signer"] for o in report["enclave"]["operators"]}
    for r in report["requests"]:
        assert r["status"] == "fulfilled"
        assert r["request_tx"].startswith("0x") and r["fulfil_tx"].startswith("0x") and len(r["fulfil_tx"]) == 66
        signer = Account.recover_message(encode_typed_data(full_message=r["typed_data"]), signature=r["signature"])
        assert signer == operators[r["stored_by"]]
        assert r["typed_data"]["domain"]["verifyingContract"] == report["contracts"]["oracle"]
        assert r["typed_data"]["message"]["requestId"] == r["request_id"]
        assert r["typed_data"]["message"]["score"] == r["score"]
    # and ethers and viem (npm) recover the same signer, each from the form it takes
    signed = [{k: r[k] for k in ("typed_data", "typed_data_ethers", "signature")} for r in report["requests"]]
    assert recover_with_clients(signed) == [
        {"ethers": operators[r["stored_by"]], "viem_v4": operators[r["stored_by"]],
         "viem_ethers": operators[r["stored_by"]], "ethers_v4_error": ETHERS_V4_ERROR} for r in report["requests"]]
    # Solana: each payload's signer recovered with coincurve over keccak-256, its bytes bound to the program,
    # the oracle account, the request and the subject, and equal to the Score account anchorpy read back
    from coincurve import PublicKey
    from eth_hash.auto import keccak
    from eth_utils import to_checksum_address
    from solders.pubkey import Pubkey

    sol = report["solana"]
    assert [r["label"] for r in sol["requests"]] == ["active trader", "light user", "fresh wallet"]
    for r in sol["requests"]:
        payload = bytes.fromhex(r["payload"][2:])
        assert len(payload) == 320 and payload[:22] == b"AURA/solana/assessment"  # docs/solana.md's offsets
        key = PublicKey.from_signature_and_message(bytes.fromhex(r["signature"][2:]), keccak(payload), hasher=None)
        assert to_checksum_address(keccak(key.format(compressed=False)[1:])[12:]) == operators[r["stored_by"]]
        assert [payload[o:o + 32] for o in (31, 63, 95, 127)] == [
            bytes(Pubkey.from_string(x)) for x in (sol["program"], sol["oracle"], r["request"], r["subject"])]
        assert int.from_bytes(payload[159:161], "little") == r["stored"]["score"] == r["score"]
        assert r["status"] == "fulfilled" and r["signature_verified"] and r["stored"]["request"] == r["request"]
    assert sol["requests"][2]["rules"] == ["thin_file"]


def test_stuck_fulfilment_replaced_at_a_higher_fee(env: Env) -> None:
    """With nothing mined, the node re-signs the same nonce and calldata at higher fees; one attempt lands."""
    import time

    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    cfg = Path(env.dev.config_path)
    cfg.write_text(cfg.read_text() + "bump_after_s = 1.0\nbump_pct = 25\n")
    node = env.node().start()
    try:
        env.wait_healthy(node)
        env.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        acct = Account.from_key(DEFAULT_KEYS[6])
        tx = {"to": env.dev.oracle, "value": 10**15, "nonce": env.w3.eth.get_transaction_count(acct.address),
              "gas": 200_000, "chainId": 31337, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9,
              "data": env.oracle.encode_abi("requestAssessment", [SUBJECTS[0], b""])}
        env.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        env.mine()
        deadline = time.monotonic() + 30
        rows: list[tuple] = []
        while time.monotonic() < deadline:
            rows = store_rows(env, "SELECT tx_hash, raw, state FROM submissions ORDER BY sent_at")
            if len(rows) >= 2:
                break
            time.sleep(0.1)
        assert len(rows) >= 2, node.logs()[-3000:]
        first, second = (TypedTransaction.from_bytes(HexBytes(r[1])).as_dict() for r in rows[:2])
        assert first["nonce"] == second["nonce"] and first["data"] == second["data"] and first["gas"] == second["gas"]
        assert second["maxFeePerGas"] >= first["maxFeePerGas"] * 125 // 100
        assert second["maxPriorityFeePerGas"] >= first["maxPriorityFeePerGas"] * 125 // 100
        deadline = time.monotonic() + 10  # the log line follows the stored replacement and its broadcast
        while "fulfilment stuck: replaced at a higher fee" not in node.logs() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "fulfilment stuck: replaced at a higher fee" in node.logs()
        env.w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        env.mine(4)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = sorted(r[0] for r in store_rows(env, "SELECT state FROM submissions"))
            if "final" in states and "pending" not in states:
                break
            env.mine()
            time.sleep(0.2)
        got = env.fulfilled()
        assert len(got) == 1 and len(next(iter(got.values()))) == 1
        states = [r[0] for r in store_rows(env, "SELECT state FROM submissions ORDER BY sent_at")]
        assert states.count("final") == 1 and set(states) <= {"final", "replaced"}
        mined = store_rows(env, "SELECT tx_hash FROM submissions WHERE state='final'")[0][0]
        assert env.w3.eth.get_transaction_receipt(mined)["status"] == 1
        assert store_rows(env, "SELECT state FROM requests") == [("final",)]
    finally:
        node.stop()


def test_status_is_not_dropped_when_its_block_lands_between_receipt_and_nonce(env: Env) -> None:
    """status() reads the receipt, then the account nonce. A fulfilment mined between those two reads shows no
    receipt and a used nonce; it is the same transaction, so it must not be reported dropped (that once
    marked a fulfilled request failed). Only a nonce taken by another transaction in a final block is a drop
    (the adapter suite's `test_a_sequence_taken_in_a_height_not_yet_final_is_not_dropped` has the block not yet
    final)."""
    import asyncio
    import dataclasses
    from contextlib import ExitStack

    from chains.base import TxState
    from node.config import load_config
    from node.daemon import build_adapter
    from node.store import Store

    node = env.node().start()
    try:
        env.wait_healthy(node)
        rid = env.request(SUBJECTS[0])
        env.wait_fulfilled([rid], node)
    finally:
        node.stop()
    cfg = load_config(env.dev.config_path)
    chain = cfg.chains[0]
    env.mine(chain.finality_depth + 1)  # the fulfilment final: its nonce used for good
    store = Store(cfg.node.data_dir / "aura.sqlite")
    (sub,) = [s for s in store.submissions_in(chain.name, "pending", "included", "final") if s.sequence >= 0]

    async def check() -> tuple[TxState, TxState]:
        adapter = build_adapter(chain, store, env.root, ExitStack())
        await adapter.connect()
        try:
            real = adapter._receipt  # noqa: SLF001
            misses = [1]

            async def late_receipt(tx_hash: str):  # the block lands just after the first receipt read
                if misses:
                    misses.pop()
                    return None
                return await real(tx_hash)

            adapter._receipt = late_receipt  # noqa: SLF001
            landed = (await adapter.status(sub)).state
            adapter._receipt = real  # noqa: SLF001
            other = dataclasses.replace(sub, tx_hash="0x" + "ab" * 32)  # same nonce, a transaction never sent
            return landed, (await adapter.status(other)).state
        finally:
            await adapter.close()

    landed, other = asyncio.run(check())
    assert landed in (TxState.INCLUDED, TxState.FINAL)
    assert other is TxState.DROPPED


def api_json(env: Env, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{env.api_port}{path}", data=data, method="GET" if body is None
                                 else "POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


def test_the_api_checks_what_it_serves_against_the_chain(env: Env) -> None:
    """The node's own answer, checked by its `/v1/.../assessments/check`: the signer's status read from the real
    oracle over the EVM adapter, active, then revoked by the owner."""
    node = env.node().start()
    try:
        env.wait_healthy(node)
        request_id = env.request(SUBJECTS[0])
        env.wait_fulfilled([request_id], node)
        status, served = api_json(env, f"/v1/chains/anvil/subjects/{SUBJECTS[0]}/assessment")
        assert status == 200 and served["request_id"] == request_id
        status, got = api_json(env, "/v1/chains/anvil/assessments/check", {"signed": served["signed"]})
        assert status == 200 and got["valid"] is True and got["signer_status"] == "active", got
        assert got["signer"] == env.dev.signer and got["facts"]["score"] == served["score"]
        send(env.w3, DEPLOYER_KEY, {"to": env.dev.oracle,
                                    "data": env.oracle.encode_abi("revokeSigner", [env.dev.signer])})
        _, got = api_json(env, "/v1/chains/anvil/assessments/check", {"signed": served["signed"]})
        assert got["valid"] is False and got["signer_status"] == "revoked"
        assert got["checks"][-1] == {"check": "signer", "ok": False,
                                     "detail": "the chain's contract does not count it: revoked"}
    finally:
        node.stop()


def test_a_watched_wallets_borrow_rescores_it_once_final_and_pushes_it(env: Env) -> None:
    """The node re-scores a watched wallet when it borrows on the devnet's Aave-shaped pool (its indexer's
    protocols), once the borrow is final, without waiting for the wallet's 24-hour schedule; the re-score moved (it
    is the wallet's first), so the node pushes it to the oracle as an operator update at the same block, with no
    request and no fee, signed by its enclave: the chain's record is the off-chain one."""
    config = Path(env.dev.config_path)
    config.write_text(config.read_text() + "\n[rescore]\nevents_every_s = 0.2\n")
    borrower = Account.from_key(DEFAULT_KEYS[5])
    protocols = Protocols.from_addresses(env.dev.protocols)
    usd, pool = protocols.token(STABLECOIN), protocols.lending_pool
    tx = Transactor(env.w3)
    tx.call(DEPLOYER_KEY, "DevToken", usd, "mint", borrower.address, 10**12)
    tx.call(DEFAULT_KEYS[5], "DevToken", usd, "approve", pool, MAX_UINT)
    tx.call(DEFAULT_KEYS[5], "DevLendingPool", pool, "supply", usd, 10**11, borrower.address, 0)
    node = env.node().start()
    try:
        env.wait_healthy(node)
        added = subprocess.run([sys.executable, "-m", "node.cli", "watch", "add", borrower.address, "--config",
                                str(config), "--chain", "anvil"], capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        records = store_rows(env, "SELECT COUNT(*) FROM offchain_assessments")
        receipt = tx.call(DEFAULT_KEYS[5], "DevLendingPool", pool, "borrow", usd, 10**9, 2, 0, borrower.address)
        env.mine(70)  # anvil's `finalized` block is 64 behind its head
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "re-scoring on lending events" not in node.logs():
            time.sleep(0.1)
        line = next(json.loads(x) for x in node.logs().splitlines()
                    if x.startswith("{") and "re-scoring on lending events" in x)
        assert (line["subject"], line["events"]) == (borrower.address, ["borrow"]), line
        while time.monotonic() < deadline:
            rows = store_rows(env, "SELECT block_number FROM offchain_assessments ORDER BY id")
            if len(rows) > records[0][0] and rows[-1][0] >= int(receipt["blockNumber"]):
                break
            time.sleep(0.1)
        assert rows[-1][0] >= int(receipt["blockNumber"]), (rows, node.logs()[-3000:])
        (block, score, tier, result), = store_rows(
            env, "SELECT block_number, score, tier, result FROM offchain_assessments ORDER BY id DESC LIMIT 1")
        timestamp = json.loads(result)["timestamp"]
        update_id = "0x" + bytes(env.oracle.functions.updateId(borrower.address, timestamp).call()).hex()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and update_id not in env.fulfilled():
            env.mine(1)
            time.sleep(0.2)
        (landed,) = env.fulfilled().get(update_id, [None])
        assert landed is not None, node.logs()[-3000:]
        assert (landed["subject"], landed["score"], landed["tier"], landed["signer"]) == (
            borrower.address, score, tier, env.dev.signer)
        stored = env.oracle.functions.latestAssessment(borrower.address).call()
        assert (stored[0], stored[1], stored[5]) == (True, score, timestamp)  # exists, score, timestamp
        (state, number), = store_rows(env, f"SELECT state, block_number FROM requests WHERE request_id = '{update_id}'")
        assert number == block and state in ("included", "final")
    finally:
        node.stop()
