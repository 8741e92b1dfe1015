"""A borrower's questionnaire end to end: POST /questionnaires, a request whose params carry its hash and a
loan, and the enclave's intent dimension and terms in the stored assessment. Bad params fail the request."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from typing import Any

from eth_account import Account
from eth_utils import keccak

from node.request_params import encode_params
from tests.integration.node.conftest import Env

DOC = {"version": 1, "answers": {
    "controller": "Only me: it is my personal wallet.",
    "purpose": "Working capital for my small online shop.",
    "liabilities": "No debts at all.",
    "risk_tolerance": "Very conservative, mostly stablecoins.",
}}


def post(env: Env, body: bytes) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(f"http://127.0.0.1:{env.api_port}/questionnaires", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def stored(env: Env, request_id: str) -> dict[str, Any]:
    con = sqlite3.connect(env.root / "data" / "aura.sqlite")
    try:
        row = con.execute("SELECT result FROM assessments WHERE key=?", [f"anvil:{request_id}"]).fetchone()
        return json.loads(row[0])
    finally:
        con.close()


def state(env: Env, request_id: str) -> tuple[str, str]:
    con = sqlite3.connect(env.root / "data" / "aura.sqlite")
    try:
        return con.execute("SELECT state, reason FROM requests WHERE key=?", [f"anvil:{request_id}"]).fetchone()
    finally:
        con.close()


def test_questionnaire_and_loan_reach_the_enclave(env: Env) -> None:
    node = env.node().start()
    try:
        env.wait_healthy(node)
        status, reply = post(env, json.dumps(DOC).encode())
        assert status == 201 and reply["stored"] == "new"
        qhash = reply["hash"]
        assert qhash == "0x" + keccak(json.dumps(DOC, sort_keys=True, separators=(",", ":")).encode()).hex()
        assert post(env, json.dumps(DOC, indent=3).encode()) == (200, {"hash": qhash, "stored": "already stored"})
        status, reply = post(env, b'{"version": 1, "answers": {"purpose": "x"}}')
        assert (status, reply["error"]) == (400, "questionnaire.answers.controller: missing (required); "
                                        "questionnaire.answers.liabilities: missing (required); "
                                        "questionnaire.answers.risk_tolerance: missing (required)")

        subject = Account.create().address
        with_q = env.request(subject, params=encode_params(bytes.fromhex(qhash[2:]), 5 * 10**9, 60))
        plain = env.request(subject)
        bad = env.request(subject, params=b"\x01\x02")
        env.wait_fulfilled([with_q, plain], node, timeout=120)
        answered, neutral = stored(env, with_q), stored(env, plain)
        assert "QUESTIONNAIRE" in answered["flag_names"] and "QUESTIONNAIRE" not in neutral["flag_names"]
        assert neutral["dimensions"]["intent"] == 50 and answered["intent_reasons"]
        assert answered["terms"]["duration_days"] <= 60 and answered["terms"]["amount"] == str(5 * 10**9)
        assert "amount" not in neutral["terms"]
        deadline = time.monotonic() + 60  # the bad request's block may be read after the others were fulfilled
        while (state(env, bad) or ("",))[0] != "failed" and time.monotonic() < deadline:
            env.mine()  # the node decides a request once its block is final
            time.sleep(0.2)
        assert state(env, bad) == ("failed", "malformed request params: params are 2 bytes; expected 0 or 128")
    finally:
        node.stop()
