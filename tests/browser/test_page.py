"""The score page (node/web) in a real headless browser: Debian's chromium driven by playwright, against the node's
API server (uvicorn on a free port) over a store filled as the pipeline fills it, on a desktop and a phone-sized
viewport. Screenshots are kept in build/screenshots/ as test artefacts."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from node.api import ApiServer
from node.store import Store
from tests.unit.api.filled_store import CHAINS, EVM_SUBJECT, SOLANA_SUBJECT, Filler

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest_asyncio.fixture(loop_scope="function")
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The node's API over a store holding three assessments of EVM_SUBJECT and a private one on devnet."""
    store = Store(tmp_path / "aura.sqlite")
    fill = Filler(store)
    scored = {}
    for n, (block, tx_count) in enumerate([(100, 3), (140, 40), (180, 400)]):
        scored[f"anvil{n}"] = fill.score("anvil", n, block, tx_count=tx_count)[1]
    scored["private"] = fill.score("devnet", 0, 200, private=True)[1]
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", scored
    finally:
        await server.stop()
        store.close()


@pytest_asyncio.fixture(loop_scope="function")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def open_page(browser: Browser, base: str, viewport: str, query: str) -> tuple[Page, list[str]]:
    page = await browser.new_page(viewport=VIEWPORTS[viewport])
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{base}/{query}")
    await page.wait_for_selector("body[data-ready=true]")
    assert errors == []
    return page, asked


async def text(page: Page, selector: str) -> str:
    return (await page.text_content(selector) or "").strip()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_a_wallet_s_score_dimensions_reasons_history_and_chains(served: tuple[str, dict[str, Any]],
                                                                      browser: Browser, viewport: str) -> None:
    base, scored = served
    latest = scored["anvil2"]
    page, asked = await open_page(browser, base, viewport, f"?chain=anvil&subject={EVM_SUBJECT}")
    await page.wait_for_selector("#result:not([hidden])")
    assert await text(page, "#gauge-score") == str(latest["score"])
    assert await text(page, "#tier") == ["Basic", "Standard", "Premium"][latest["tier"]]
    assert await text(page, "#pd") == f"{latest['pd_bps'] / 100:.2f} %"
    dims = await page.eval_on_selector_all(
        "#dimensions li", "items => items.map(i => [i.dataset.dimension, i.querySelector('.fill').style.width])")
    assert dims == [[name, f"{latest['dimensions'][name]}%"]
                    for name in ("activity", "maturity", "diversity", "risk", "intent")]
    risks = await page.eval_on_selector_all("#risks li", "items => items.length")
    assert risks == len(latest["reasons"]["risks"])
    flags = await page.eval_on_selector_all("#flags li", "items => items.map(i => i.textContent)")
    assert [f.split(":")[0] for f in flags] == (latest["flag_names"] or ["no risk flag"])
    assert await page.eval_on_selector_all("#history circle", "items => items.length") == 3
    rows = await page.eval_on_selector_all("#chains tbody tr", "rows => rows.map(r => r.cells[0].textContent)")
    assert sorted(rows) == sorted(CHAINS)
    assert "commitment" in await text(page, "#zk")
    assert all(url.startswith(base) for url in asked), [u for u in asked if not u.startswith(base)]
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"page-{viewport}.png"), full_page=True)


async def test_a_private_assessment_shows_no_score(served: tuple[str, dict[str, Any]], browser: Browser) -> None:
    base, _ = served
    page, _ = await open_page(browser, base, "desktop", f"?chain=devnet&subject={SOLANA_SUBJECT}")
    await page.wait_for_selector("#result:not([hidden])")
    assert (await text(page, "#gauge-score"), await text(page, "#tier"), await text(page, "#pd")) == (
        "private", "Private", "private")
    assert await text(page, "#dimensions") == "Private: the dimensions are not shown."
    assert (await text(page, "#zk")).startswith("Private assessment: the chain holds only the commitment")
    await page.screenshot(path=str(SHOTS / "page-private.png"), full_page=True)


async def test_a_wallet_without_an_assessment_says_so(served: tuple[str, dict[str, Any]], browser: Browser) -> None:
    base, _ = served
    page, _ = await open_page(browser, base, "phone", "")
    stranger = "0x" + "12" * 20
    await page.fill("#subject", stranger)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#status.error")
    assert await text(page, "#status") == f"no signed assessment for {stranger} on anvil"
    assert await page.is_hidden("#result")
