"""The token bucket bounding the requests to each peer (node/quorum/rate.py), on an injected clock."""

from __future__ import annotations

import pytest

from node.quorum.rate import TokenBucket


def test_burst_then_refill_at_the_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(rate_per_s=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.4  # 0.8 token
    assert bucket.take() is False
    now[0] += 0.1  # 1 token
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (1.0, 0)])
def test_refuses_a_bucket_that_never_fills(rate: float, burst: int) -> None:
    with pytest.raises(ValueError) as refused:
        TokenBucket(rate, burst)
    assert str(refused.value) == f"a token bucket needs rate_per_s > 0 and burst >= 1, got {rate} and {burst}"
