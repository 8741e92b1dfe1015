"""Malformed frames and requests against a real enclave process: exact error codes, the process stays up."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from typing import Any

import pytest

from .conftest import Env, connect, features, frame, is_closed, params, recv_frame, request, send_frame
from .test_enclave_params import INVALID, mutate


@pytest.fixture
def conn(served: tuple[Env, subprocess.Popen]) -> Any:
    env, proc = served
    s = connect(env.socket)
    yield s
    s.close()
    assert proc.poll() is None, "the enclave process died"
    with connect(env.socket) as again:  # still serving new connections
        send_frame(again, {"id": 99, "method": "attest"})
        assert "result" in recv_frame(again)


def expect_error(reply: dict[str, Any] | None, code: str, rid: Any = None) -> None:
    assert reply is not None, "no reply"
    assert set(reply) == {"id", "error"}
    assert reply["id"] == rid
    assert reply["error"]["code"] == code
    assert isinstance(reply["error"]["message"], str) and reply["error"]["message"]


def still_open(s: socket.socket) -> None:
    send_frame(s, {"id": 7, "method": "attest", "params": {}})
    reply = recv_frame(s)
    assert reply is not None and reply["id"] == 7 and "document" in reply["result"]


@pytest.mark.parametrize("version", [0, 2, 255])
def test_wrong_version_closes(conn: socket.socket, version: int) -> None:
    send_frame(conn, {"id": 1, "method": "attest"}, version=version)
    expect_error(recv_frame(conn), "unsupported_version")
    assert is_closed(conn)


@pytest.mark.parametrize("length", [65_537, 2**32 - 1])
def test_oversized_length_header_closes(conn: socket.socket, length: int) -> None:
    conn.sendall(frame(b"", length=length))
    expect_error(recv_frame(conn), "too_large")
    assert is_closed(conn)


def test_max_size_body_is_accepted(conn: socket.socket) -> None:
    body = json.dumps({"id": 3, "method": "attest", "params": {}}).encode()
    body = body + b" " * (65_536 - len(body))
    conn.sendall(frame(body))
    reply = recv_frame(conn)
    assert reply is not None and reply["id"] == 3 and "result" in reply


def test_truncated_body_closes(conn: socket.socket) -> None:
    conn.sendall(frame(b'{"id": 1, "met', length=100))
    conn.shutdown(socket.SHUT_WR)
    expect_error(recv_frame(conn), "bad_frame")
    assert is_closed(conn)


def test_truncated_header_closes(conn: socket.socket) -> None:
    conn.sendall(b"\x01\x00\x00")
    conn.shutdown(socket.SHUT_WR)
    expect_error(recv_frame(conn), "bad_frame")
    assert is_closed(conn)


def test_client_vanishing_mid_frame(served: tuple[Env, subprocess.Popen]) -> None:
    env, proc = served
    for partial in (b"\x01\x00", frame(b'{"id":1', length=50), frame(b"", length=65_536)):
        s = connect(env.socket)
        s.sendall(partial)
        s.close()
    time.sleep(0.1)
    assert proc.poll() is None
    with connect(env.socket) as s:
        still_open(s)


@pytest.mark.parametrize(
    ("body", "rid"),
    [
        (b"\xff\xfe\x00garbage", None),  # invalid UTF-8
        (b'{"id": 1, "method": "attest", "params": {"x": "\xc3\x28"}}', None),  # invalid UTF-8 inside JSON
        (b"", None),
        (b"not json", None),
        (b"[1, 2, 3]", None),
        (b'"attest"', None),
        (b"null", None),
        (b'{"method": "attest"}', None),
        (b'{"id": "1", "method": "attest"}', None),
        (b'{"id": true, "method": "attest"}', None),
        (b'{"id": 1.5, "method": "attest"}', None),
        (b'{"id": 4, "method": 5}', 4),
        (b'{"id": 4, "method": "attest", "extra": 1}', 4),
        (b'{"id": 1, "id": 2, "method": "attest"}', None),
        (b'{"id": 5, "method": "assess", "params": {"x": NaN}}', None),
        (b'{"id": 5, "method": "attest"', None),
    ],
)
def test_bad_json_keeps_connection(conn: socket.socket, body: bytes, rid: Any) -> None:
    conn.sendall(frame(body))
    expect_error(recv_frame(conn), "bad_json", rid)
    still_open(conn)


@pytest.mark.parametrize("method", ["sign", "Attest", "", "assess_batch", "export_key"])
def test_unknown_method(conn: socket.socket, method: str) -> None:
    send_frame(conn, {"id": 11, "method": method, "params": {}})
    expect_error(recv_frame(conn), "unknown_method", 11)
    still_open(conn)


def test_attest_takes_no_params(conn: socket.socket) -> None:
    send_frame(conn, {"id": 12, "method": "attest", "params": {"nonce": 1}})
    expect_error(recv_frame(conn), "invalid_params", 12)
    send_frame(conn, {"id": 13, "method": "attest", "params": []})
    expect_error(recv_frame(conn), "invalid_params", 13)
    still_open(conn)


def test_each_invalid_param(conn: socket.socket) -> None:
    now = int(time.time())
    good = params(request(now), features(now))
    for n, (label, path, value, fragment) in enumerate(INVALID, start=100):
        send_frame(conn, {"id": n, "method": "assess", "params": mutate(good, path, value, now)})
        reply = recv_frame(conn)
        expect_error(reply, "invalid_params", n)
        assert fragment in reply["error"]["message"], label
    send_frame(conn, {"id": 1, "method": "assess"})  # params absent
    expect_error(recv_frame(conn), "invalid_params", 1)
    send_frame(conn, {"id": 2, "method": "assess", "params": good})
    assert recv_frame(conn)["result"]["signer"]


def test_clock_skew(conn: socket.socket) -> None:
    now = int(time.time())
    for as_of in (now - 3600, now + 3600):
        body = params(request(now), features(as_of, first_seen_timestamp=None))
        send_frame(conn, {"id": 21, "method": "assess", "params": body})
        expect_error(recv_frame(conn), "clock_skew", 21)
    still_open(conn)


def test_pipelined_requests_answer_in_order(conn: socket.socket) -> None:
    now = int(time.time())
    good = params(request(now), features(now))
    conn.sendall(b"".join(frame(json.dumps({"id": i, "method": "assess", "params": good}).encode()) for i in range(5)))
    replies = [recv_frame(conn) for _ in range(5)]
    assert [r["id"] for r in replies] == list(range(5))
    assert len({r["result"]["signature"] for r in replies}) == 1


def test_a_request_for_a_chain_or_contract_it_was_not_sealed_for_is_refused(conn: socket.socket) -> None:
    """A host that points the enclave at another deployment (or another chain) gets nothing signed."""
    now = int(time.time())
    other = "0x" + "66" * 20
    for n, change in enumerate(({"contract": other}, {"chain_id": 1}), start=40):
        req = request(now, **change)
        send_frame(conn, {"id": n, "method": "assess", "params": params(req, features(now))})
        reply = recv_frame(conn)
        expect_error(reply, "invalid_params", n)
        assert reply["error"]["message"] == (
            f"request: this enclave does not sign for evm chain_id {req['chain_id']}, contract {req['contract']} "
            "(not among the targets its key was sealed for)")
    lower = request(now, contract=request(now)["contract"].lower())  # the same contract, written another way
    send_frame(conn, {"id": 42, "method": "assess", "params": params(lower, features(now))})
    assert recv_frame(conn)["result"]["signer"]
