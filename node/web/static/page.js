// The score page: reads the node's /v1 API (docs/api.md) and draws what it returns. No external script, no
// framework: the node must work offline. Every value from the API goes in as text, never as markup.

const DIMENSIONS = ["activity", "maturity", "diversity", "risk", "intent"];  // the scorecard's order
const TIERS = { 0: ["Basic", "basic"], 1: ["Standard", "standard"], 2: ["Premium", "premium"] };
const FLAG_WORDS = {
  NO_ACTIVITY: "has sent no transaction",
  NEW_WALLET: "is a new wallet",
  AGE_UNKNOWN: "its age is unknown",
  LIMITED_DATA: "the chain has no indexed history for it",
  ZERO_BALANCE: "held no balance at the pinned block",
  LOW_BALANCE: "an active wallet with a low balance",
  LIQUIDATED: "has been liquidated",
  OUTSTANDING_DEBT: "has borrowed more than it repaid",
  HIGH_CONCENTRATION: "its incoming transfers come mostly in one token",
  DORMANT: "has been dormant",
  BURST_ACTIVITY: "most of its activity is recent (a farming or sybil pattern)",
  ANOMALOUS: "the anomaly model finds it unusual",
  RULE_CAP: "a risk rule capped the score",
  UNDISCLOSED_LIABILITY: "the questionnaire denies debts the chain shows",
  INTENT_MISMATCH: "the questionnaire's stated intent contradicts its behaviour",
  QUESTIONNAIRE: "a borrower questionnaire was read",
  CONTRACT_ACCOUNT: "it is a contract (or delegates to code)",
};
const BAD_FLAGS = new Set(["LIQUIDATED", "OUTSTANDING_DEBT", "BURST_ACTIVITY", "ANOMALOUS", "RULE_CAP",
  "UNDISCLOSED_LIABILITY", "INTENT_MISMATCH"]);
const FEATURE_WORDS = {
  age_days: "age (days)", tx_count: "transactions sent", balance_finney: "balance (finney)",
  days_since_last_activity: "days since its last activity", active_months: "active months",
  tx_per_active_month_milli: "transactions per active month (x1000)", longest_gap_days: "longest gap (days)",
  tx_30d: "transactions in 30 days", tx_7d: "transactions in 7 days", counterparties: "counterparties",
  protocols: "protocols used", tokens: "tokens held", inflow_hhi_bps: "inflow concentration (bps)",
  stablecoin_share_bps: "stablecoin share (bps)", transfers_in_30d: "transfers in, 30 days", swaps: "swaps",
  supplies: "supplies", borrows: "borrows", repays: "repayments", liquidations: "liquidations",
  borrows_30d: "borrows in 30 days", outstanding_positions: "outstanding positions",
  repayment_ratio_bps: "repayment ratio (bps)",
};

const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
    error.code = body?.error?.code ?? "http_error";
    error.status = response.status;
    throw error;
  }
  return body;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function tierOf(a) {
  if (a.private) return ["Private", "private"];
  return TIERS[a.tier] ?? [`Tier ${a.tier}`, ""];
}

function drawGauge(a) {
  const arc = $("gauge-arc");
  const [, cls] = tierOf(a);
  const score = a.private ? 0 : a.score;
  arc.style.strokeDasharray = `${score} 1000`;
  arc.style.stroke = `var(--${cls || "standard"})`;
  $("gauge-score").textContent = a.private ? "private" : String(a.score);
  $("gauge-label").textContent = a.private ? "Score kept private" : `Score ${a.score} of 1000`;
}

function drawSummary(a) {
  const [name, cls] = tierOf(a);
  $("tier").textContent = name;
  $("tier").className = `badge ${cls}`;
  $("pd").textContent = a.pd_bps === null ? "private" : `${(a.pd_bps / 100).toFixed(2)} %`;
  $("block").textContent = `${a.block.number} (${a.block.hash.slice(0, 10)}…)`;
  $("signer").textContent = a.signed.signer;
}

function drawDimensions(a) {
  const list = $("dimensions");
  list.replaceChildren();
  if (!a.dimensions) {
    list.append(el("li", "Private: the dimensions are not shown.", "note"));
    return;
  }
  const order = [...DIMENSIONS, ...Object.keys(a.dimensions).filter((d) => !DIMENSIONS.includes(d))];
  for (const name of order.filter((d) => d in a.dimensions)) {
    const value = a.dimensions[name];
    const item = el("li");
    const bar = el("span", undefined, "bar");
    const fill = el("span", undefined, "fill");
    fill.style.width = `${Math.max(0, Math.min(100, value))}%`;
    fill.setAttribute("role", "presentation");
    bar.append(fill);
    item.append(el("span", name), bar, el("span", value));
    item.dataset.dimension = name;
    list.append(item);
  }
}

function reasonText(r) {
  const what = FEATURE_WORDS[r.feature] ?? r.feature;
  return r.value === null || r.value === undefined ? `${what}: unknown` : `${what}: ${r.value}`;
}

function drawWhy(a) {
  for (const side of ["risks", "strengths"]) {
    const list = $(side);
    list.replaceChildren();
    const reasons = a.reasons?.[side] ?? [];
    if (a.reasons === null) list.append(el("li", "private"));
    else if (reasons.length === 0) list.append(el("li", "none"));
    for (const r of reasons) list.append(el("li", reasonText(r)));
  }
  const flags = $("flags");
  flags.replaceChildren();
  if (a.flag_names.length === 0) flags.append(el("li", "no risk flag"));
  for (const name of a.flag_names) {
    flags.append(el("li", `${name}: ${FLAG_WORDS[name] ?? "see docs/protocol.md"}`, BAD_FLAGS.has(name) ? "bad" : ""));
  }
}

function drawHistory(items) {
  const chart = $("history");
  chart.replaceChildren();
  const points = items.filter((a) => !a.private).reverse();  // oldest first
  const hidden = items.length - points.length;
  $("history-note").textContent = `${items.length} assessment(s)` + (hidden ? `, ${hidden} private (not drawn)` : "");
  const [w, h, pad] = [600, 160, 24];
  chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - 8, y2: h - pad, class: "axis" }));
  for (const level of [0, 600, 800, 1000]) {
    const y = h - pad - (level / 1000) * (h - 2 * pad);
    chart.append(svg("text", { x: 2, y: y + 3 }, level));
  }
  if (points.length === 0) return;
  // one step per assessment, oldest on the left: re-scorings come at uneven times, and the order is what matters
  const step = points.length > 1 ? (w - 2 * pad - 16) / (points.length - 1) : 0;
  const xy = points.map((a, i) => [pad + 16 + i * step, h - pad - (a.score / 1000) * (h - 2 * pad)]);
  if (xy.length > 1) chart.append(svg("polyline", { points: xy.map((p) => p.join(",")).join(" "), class: "line" }));
  xy.forEach(([x, y], i) => {
    const dot = svg("circle", { cx: x, cy: y, r: 3, class: "dot" });
    dot.append(svg("title", {}, `${points[i].score} at block ${points[i].block.number}`));
    chart.append(dot);
  });
}

async function drawChains(chains, subject) {
  const body = $("chains").querySelector("tbody");
  body.replaceChildren();
  const rows = await Promise.all(chains.map(async (c) => {
    try {
      return [c, await api(`/v1/chains/${encodeURIComponent(c.name)}/subjects/${encodeURIComponent(subject)}/assessment`)];
    } catch (error) {
      return [c, error];
    }
  }));
  for (const [c, a] of rows) {
    const tr = el("tr");
    const cells = a instanceof Error
      ? [c.name, { no_assessment: "no assessment", bad_subject: "not a wallet of this chain" }[a.code] ?? a.message,
        "—", "—", "—"]
      : [c.name, a.state, a.private ? "private" : a.score, a.block.number, a.request_id];
    ["Chain", "State", "Score", "Block", "Request"].forEach((label, i) => {
      const td = el("td", cells[i], i === 4 ? "mono" : "");
      td.dataset.label = label;
      tr.append(td);
    });
    body.append(tr);
  }
}

function drawZk(a) {
  $("zk").textContent = a.private
    ? `Private assessment: the chain holds only the commitment ${a.signed.commitment.slice(0, 18)}…; a protocol ` +
      "learns whether the score clears its threshold from a zero-knowledge proof the wallet's owner makes " +
      "(aura prove), never the score."
    : `The commitment ${a.signed.commitment.slice(0, 18)}… is on-chain with the score; the wallet's owner can ` +
      "also prove a threshold without showing the score (aura prove).";
}

async function lookUp(chain, subject, chains) {
  setStatus("Looking up…");
  $("result").hidden = true;
  const base = `/v1/chains/${encodeURIComponent(chain)}/subjects/${encodeURIComponent(subject)}`;
  try {
    const [latest, history] = await Promise.all([api(`${base}/assessment`), api(`${base}/history?limit=100`)]);
    drawGauge(latest);
    drawSummary(latest);
    drawDimensions(latest);
    drawWhy(latest);
    drawHistory(history.items);
    drawZk(latest);
    $("result").hidden = false;
    await drawChains(chains, subject);
    setStatus(`Assessment of ${latest.subject} on ${latest.chain}, request ${latest.request_id}.`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function main() {
  let chains = [];
  try {
    chains = (await api("/v1/chains")).chains;
  } catch (error) {
    setStatus(`Cannot list this node's chains: ${error.message}`, true);
    return;
  }
  const select = $("chain");
  for (const c of chains) {
    const option = el("option", `${c.name} (${c.family})`);
    option.value = c.name;
    select.append(option);
  }
  const params = new URLSearchParams(location.search);
  if (params.get("chain")) select.value = params.get("chain");
  if (params.get("subject")) $("subject").value = params.get("subject");
  $("lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    const [chain, subject] = [select.value, $("subject").value.trim()];
    history.replaceState(null, "", `?chain=${encodeURIComponent(chain)}&subject=${encodeURIComponent(subject)}`);
    lookUp(chain, subject, chains);
  });
  if (params.get("chain") && params.get("subject")) lookUp(select.value, $("subject").value.trim(), chains);
  document.body.dataset.ready = "true";
}

main();
