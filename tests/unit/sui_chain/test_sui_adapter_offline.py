"""The adapter's offline choices: which gas coin pays, times from the service, the stored submission's form."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.core.errors import ChainError, RetryLater
from chains.sui import transaction as tx
from chains.sui.adapter import SuiAdapter, _split_raw, parse_time
from chains.sui.config import SuiChain
from chains.sui.keys import write_key_file

from .samples import ORACLE, PACKAGE

DIGEST = "11111111111111111111111111111111"


def adapter(tmp_path: Path, max_gas_budget: int = 100) -> SuiAdapter:
    cfg = SuiChain(family="sui", name="s", graphql_url="http://127.0.0.1:1/graphql",  # type: ignore[arg-type]
                   package_id=PACKAGE, oracle=ORACLE, transmitter_key=tmp_path / "k", max_gas_budget=max_gas_budget)
    return SuiAdapter(cfg, write_key_file(tmp_path / "k"))


def coin(n: int, balance: object, version: int = 1) -> dict[str, object]:
    return {"address": "0x" + f"{n:02x}" * 32, "version": version, "digest": DIGEST,
            "contents": {"json": {"id": "0x" + f"{n:02x}" * 32, "balance": balance}}}


def test_pick_the_smallest_coin_that_covers_the_budget_else_the_largest(tmp_path: Path) -> None:
    a = adapter(tmp_path)
    ref, amount = a._pick_coin([coin(1, "50"), coin(2, "5000"), coin(3, "150"), coin(4, "99")])  # noqa: SLF001
    assert (ref.object_id[-2:], amount) == ("03", 150)
    ref, amount = a._pick_coin([coin(1, "50"), coin(4, "99")])  # noqa: SLF001
    assert (ref.object_id[-2:], amount) == ("04", 99)
    # Balance<SUI> written as {"value": ...} is read too; malformed and empty coins are passed over
    ref, amount = a._pick_coin([coin(5, {"value": "120"}), coin(6, "x"), coin(7, "0"), {"address": "0x1"}])  # noqa: SLF001
    assert (ref.object_id[-2:], amount) == ("05", 120)


def test_a_coin_version_held_by_an_unsettled_fulfilment_is_not_used(tmp_path: Path) -> None:
    a = adapter(tmp_path)
    held = tx.ObjectRef("0x" + "03" * 32, 1, DIGEST)
    a._hold(held, "digest-of-a-pending-fulfilment")  # noqa: SLF001
    ref, _ = a._pick_coin([coin(3, "150"), coin(2, "5000")])  # noqa: SLF001
    assert ref.object_id[-2:] == "02"
    ref, _ = a._pick_coin([coin(3, "150", version=2)])  # noqa: SLF001 - a newer version of that coin is free
    assert (ref.object_id[-2:], ref.version) == ("03", 2)
    with pytest.raises(RetryLater, match=r"no free SUI coin to pay gas with at 0x[0-9a-f]{64} \(1 held by"):
        a._pick_coin([coin(3, "150")])  # noqa: SLF001
    a._release("digest-of-a-pending-fulfilment")  # noqa: SLF001
    assert a._pick_coin([coin(3, "150")])[0] == held  # noqa: SLF001


@pytest.mark.parametrize(("text", "seconds"), [
    ("2025-12-01T20:00:00.250Z", 1_764_619_200), ("2025-12-01T20:00:00Z", 1_764_619_200),
    ("1970-01-01T00:00:01.999Z", 1),
])
def test_parse_time(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


def test_stored_submission_form() -> None:
    assert _split_raw("AAE=:AgM=") == (b"\x00\x01", b"\x02\x03")
    for bad in ("AAE=", "AAE=:AgM=:BA==", "A!E=:AgM="):
        with pytest.raises(ChainError, match="is not base64 transaction bytes ':' base64 signature"):
            _split_raw(bad)
