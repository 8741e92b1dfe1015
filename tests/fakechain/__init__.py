"""A fake chain family, written as a real one is (`chains/<family>/`): config, codec, adapter and builder over
an in-memory ledger that tests drive. It lives in tests because it is test code; a test registers it with
`monkeypatch.setitem(chains.registry.FAMILIES, "fake", FAMILY)`."""

from __future__ import annotations

from chains.base import ChainAdapter
from chains.family import BuildContext, Family
from tests.fakechain.codec import CODEC
from tests.fakechain.config import FakeChain


def build(cfg: FakeChain, ctx: BuildContext) -> ChainAdapter:
    from tests.fakechain.adapter import FakeAdapter  # noqa: PLC0415 - as a real family builds: lazily

    return FakeAdapter(cfg, sequence_floor=ctx.sequence_floor)


FAMILY = Family(name="fake", config=FakeChain, codec=CODEC, build=build)
