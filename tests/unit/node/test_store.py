from dataclasses import replace
from pathlib import Path

import pytest

from chains.base import OracleRequest, Submission
from chains.core.errors import StoreError
from node.store import REOPEN_LIMIT, Store


def req(n: int) -> OracleRequest:
    return OracleRequest(chain="c", family="evm", chain_id=1, contract="0x" + "a" * 40, request_id=f"0x{n:064x}",
                         requester="0x" + "b" * 40, subject="0x" + "c" * 40, fee=10**18, expires_at=100,
                         params="0x", block_number=n, block_hash="0x" + "d" * 64, tx_hash="0x" + "e" * 64,
                         ordinal=0)


SIGNED = {"score": 700, "tier": 1, "pd_bps": 900, "flags": 0, "signer": "0x" + "f" * 40,
          "measurement": "0x" + "1" * 64, "signature": "0x" + "2" * 130}


def test_batch_and_cursor_commit_together_and_duplicates_are_ignored(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    assert s.cursor("c") is None
    assert s.store_batch("c", [req(1), req(2)], "10") == (2, 0)
    assert s.store_batch("c", [req(2), req(3)], "12") == (1, 0)
    assert s.cursor("c") == "12"
    assert [r.request_id for r in s.requests_in("c", "seen")] == [req(n).request_id for n in (1, 2, 3)]
    assert s.requests_in("c", "seen")[0] == req(1)


def test_state_machine_refuses_illegal_moves(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    with pytest.raises(StoreError, match=r"^request c:0x0+1: illegal transition seen -> submitted$"):
        s.transition(req(1).key, "submitted")
    s.transition(req(1).key, "confirmed")
    s.record_assessment(req(1).key, SIGNED)
    s.record_submission(Submission("c", "0x" + "9" * 64, 0, "0xraw", (req(1).key,)))
    s.transition(req(1).key, "included")
    s.transition(req(1).key, "final")
    with pytest.raises(StoreError, match=r"^request c:0x0+1: illegal transition final -> failed$"):
        s.transition(req(1).key, "failed")
    assert [h["dst"] for h in s.history(req(1).key)] == ["seen", "confirmed", "scored", "submitted", "included",
                                                          "final"]
    with pytest.raises(StoreError, match=r"^unknown request nope$"):
        s.transition("nope", "confirmed")


def test_submission_survives_reopen(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    s.transition(req(1).key, "confirmed")
    s.record_assessment(req(1).key, SIGNED)
    sub = Submission("c", "0x" + "9" * 64, 7, "0xraw", (req(1).key,))
    s.record_submission(sub)
    s.close()
    s2 = Store(tmp_path / "s.sqlite")
    assert s2.submissions_in("c", "pending") == [Submission("c", sub.tx_hash, 7, "0xraw", (req(1).key,),
                                                            sent_at=s2.submissions_in("c", "pending")[0].sent_at)]
    assert s2.request(req(1).key)["state"] == "submitted"
    assert s2.assessment(req(1).key)["score"] == 700
    assert s2.max_sequence("c") == 7


def test_a_store_written_before_the_family_neutral_names_opens_with_its_rows(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)  # the column names of stores made before costs and sequences were per family
    db.execute("ALTER TABLE requests RENAME COLUMN ordinal TO log_index")
    db.execute("ALTER TABLE submissions RENAME COLUMN sequence TO nonce")
    db.execute("ALTER TABLE submissions RENAME COLUMN cost TO gas_used")
    db.execute("INSERT INTO submissions(tx_hash, chain, nonce, raw, request_keys, state, sent_at, gas_used) "
               "VALUES ('0x01', 'c', 4, '0xraw', '[]', 'pending', 1.0, 21000)")
    db.commit()
    db.close()
    s = Store(path)
    assert s.store_batch("c", [req(1)], "1") == (1, 0) and s.requests_in("c", "seen") == [req(1)]
    assert s.max_sequence("c") == 4
    row = s.submission_row("0x01")
    assert row is not None and (row["sequence"], row["cost"]) == (4, 21000)
    s.close()


def test_the_features_an_assessment_was_scored_from_are_kept_with_their_hash(tmp_path: Path) -> None:
    from chains.core.secp256k1 import keccak256

    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1), req(2)], "2")
    for key in (req(1).key, req(2).key):
        s.transition(key, "confirmed")
    features = {"as_of_block": 9, "as_of_timestamp": 1_700_000_000, "tx_count": 3, "balance_wei": "10",
                "first_seen_timestamp": None}
    s.record_assessment(req(1).key, SIGNED, features)
    s.record_assessment(req(2).key, SIGNED)
    canonical = b'{"as_of_block":9,"as_of_timestamp":1700000000,"balance_wei":"10","first_seen_timestamp":null,' \
                b'"tx_count":3}'
    assert s.features(req(1).key) == {"features": features, "features_hash": "0x" + keccak256(canonical).hex()}
    assert s.features(req(2).key) is None and s.features("c:0xnone") is None
    s.close()


PATHS = {"seen": [], "confirmed": ["confirmed"], "scored": ["confirmed", "scored"],
         "submitted": ["confirmed", "scored", "submitted"], "included": ["confirmed", "scored", "submitted", "included"],
         "final": ["confirmed", "scored", "submitted", "included", "final"], "expired": ["expired"],
         "failed": ["failed"]}


def _walk(s: Store, key: str, path: list[str]) -> None:
    for dst in path:
        if dst == "scored":
            s.record_assessment(key, SIGNED)
        elif dst == "submitted":
            s.record_submission(Submission("c", "0x" + "9" * 64, 0, "0xraw", (key,)))
        else:
            s.transition(key, dst)


@pytest.mark.parametrize("state", list(PATHS))
def test_a_request_mined_again_with_another_log_takes_it_and_starts_over(tmp_path: Path, state: str) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    _walk(s, req(1).key, PATHS[state])
    assert s.request(req(1).key)["state"] == state
    again = replace(req(1), block_number=5, block_hash="0x" + "7" * 64, expires_at=160)
    assert s.store_batch("c", [again], "5") == (0, 1)
    row = s.request(req(1).key)
    assert (row["state"], row["block_number"], row["block_hash"], row["expires_at"], row["submission"]) == (
        "seen", 5, "0x" + "7" * 64, 160, "")
    assert row["reason"] == f"mined again: block 5 {'0x' + '7' * 64}, log 0 of {'0x' + 'e' * 64}"
    assert s.requests_in("c", "seen") == [again]
    assert s.store_batch("c", [again], "6") == (0, 0)  # the same log again changes nothing


def test_reopen_gives_up_after_its_limit(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    for _ in range(REOPEN_LIMIT):
        s.transition(req(1).key, "confirmed")
        s.reopen(req(1).key, "its block left the canonical chain")
        assert s.request(req(1).key)["state"] == "seen"
    s.transition(req(1).key, "confirmed")
    s.reopen(req(1).key, "its block left the canonical chain")
    row = s.request(req(1).key)
    assert (row["state"], row["reason"]) == (
        "failed", f"its block left the canonical chain; started over {REOPEN_LIMIT} times already, giving up")


def test_reopen_counts_its_limit_from_the_last_new_log(tmp_path: Path) -> None:
    """An id reused again and again by new requests (after reorgs) is a new request each time: its earlier
    start-overs do not count against it."""
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    for n in range(REOPEN_LIMIT):
        s.reopen(req(1).key, "its block left the canonical chain")
        s.store_batch("c", [replace(req(1), block_number=2 + n, block_hash=f"0x{n + 1:064x}")], str(2 + n))
    for _ in range(REOPEN_LIMIT):
        s.reopen(req(1).key, "its fulfilment was voided")
    assert s.request(req(1).key)["state"] == "seen"
    s.reopen(req(1).key, "its fulfilment was voided")
    row = s.request(req(1).key)
    assert (row["state"], row["reason"]) == (
        "failed", f"its fulfilment was voided; started over {REOPEN_LIMIT} times already, giving up")


def test_reopen_leaves_a_request_the_contract_settled(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    s.transition(req(1).key, "cancelled")
    s.reopen(req(1).key, "its block left the canonical chain")
    assert s.request(req(1).key)["state"] == "cancelled"


def test_retry_starts_failed_requests_over_and_leaves_the_rest(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1), req(2)], "2")
    s.transition(req(1).key, "failed", "fulfilment would revert: UnknownSigner")
    assert s.retry([req(1).key, req(2).key, "c:0xnope"]) == [req(1).key]
    assert [(r["state"], r["reason"]) for r in (s.request(req(1).key), s.request(req(2).key))] == [
        ("seen", "retried by the operator"), ("seen", "")]
    assert [h["dst"] for h in s.history(req(1).key)] == ["seen", "failed", "seen"]


def test_final_since_gives_the_newest_finals_first_up_to_a_limit(tmp_path: Path) -> None:
    now = [100.0]
    s = Store(tmp_path / "s.sqlite", clock=lambda: now[0])
    subs = [Submission("c", f"0x{n:064x}", n, "0xraw", ()) for n in range(4)]
    for sub in subs:
        s.record_submission(sub)
        now[0] += 10
        s.set_submission_state(sub.tx_hash, "final")
    assert [x.tx_hash for x in s.final_since("c", 115.0, 2)] == [subs[3].tx_hash, subs[2].tx_hash]
    assert [x.tx_hash for x in s.final_since("c", 135.0, 10)] == [subs[3].tx_hash]
    assert s.final_since("other", 0.0, 10) == []


class _Killed(BaseException):
    """The process died here."""


def test_a_submission_and_its_requests_marked_submitted_are_stored_together_or_not_at_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite-utils commits its own inserts unless a transaction is open: a kill between storing a submission
    and marking its requests submitted left the submission stored and its requests `scored`, to be sent again."""
    s = Store(tmp_path / "s.sqlite")
    s.store_batch("c", [req(1)], "1")
    for dst in ("confirmed", "scored"):
        s.transition(req(1).key, dst)
    sub = Submission("c", "0x" + "aa" * 32, 7, "0xraw", (req(1).key,))

    def die(*_: object, **__: object) -> None:
        raise _Killed

    monkeypatch.setattr(s, "_transition", die)
    with pytest.raises(_Killed):
        s.record_submission(sub)
    s.close()
    again = Store(tmp_path / "s.sqlite")
    assert again.submissions_in("c", "pending") == []
    assert again.request(req(1).key)["state"] == "scored"
