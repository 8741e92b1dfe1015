"""The node's API server (uvicorn on a free loopback port) over a store in `tmp_path`, and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.api import ApiServer
from node.store import Store
from tests.unit.api.filled_store import CHAINS, Filler


@dataclass
class Api:
    store: Store
    fill: Filler
    http: aiohttp.ClientSession

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.http.get(path, **kwargs) as r:
            return r.status, await r.json()


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    store = Store(tmp_path / "aura.sqlite")
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, questionnaires=store.put_questionnaire, store=store,
                       chains=CHAINS)
    await server.start()
    http = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    try:
        yield Api(store, Filler(store), http)
    finally:
        await http.close()
        await server.stop()
        store.close()
