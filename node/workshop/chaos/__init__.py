"""The chaos suite (`make chaos`): a real node against a real local chain under injected faults, counted from the
chain at the end.

- `proxy`: a loopback JSON-RPC proxy between the node and the chain that refuses, black-holes, delays, rate-limits,
  fails or range-caps calls, switched at run time.
- `load`: requesters sending `requestAssessment` at a steady rate.
- `watch`: fulfilments as they land, for recovery times.
- `count`: requests, lost, duplicated, wasted and wrong fulfilments, read from the canonical chain.
- `world`: the node process of a world, whatever its chain: start, kill, exits, stop.
- `env`: one scenario's world (anvil, the contracts, proxies, the node) and its teardown.
- `solana_env`, `solana_load`, `solana_watch`, `solana_count`: the same for the local Solana endpoint (kills with
  blockhash expiry).
- `scenario`: what a scenario is and the marks its faults leave; `scenarios`: the faults, one module per kind;
  `runner` runs a selection and builds the report.
"""
