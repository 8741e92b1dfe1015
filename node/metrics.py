"""Prometheus metrics for the node, on a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

TRANSITIONS = Counter("aura_request_transitions_total", "Request state transitions", ["chain", "state"],
                      registry=REGISTRY)
REQUESTS_OPEN = Gauge("aura_requests_open", "Requests not yet in a terminal state", ["chain", "state"],
                      registry=REGISTRY)
HEAD = Gauge("aura_chain_head", "Latest head seen", ["chain"], registry=REGISTRY)
CURSOR_LAG = Gauge("aura_cursor_lag_blocks", "Head minus the stored log cursor", ["chain"], registry=REGISTRY)
FULFIL_LATENCY = Histogram("aura_fulfil_latency_seconds", "Request seen -> fulfilment included", ["chain"],
                           buckets=(0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120, 300), registry=REGISTRY)
ENCLAVE_SECONDS = Histogram("aura_enclave_assess_seconds", "Time for one enclave assess call",
                            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1), registry=REGISTRY)
RPC_ERRORS = Counter("aura_rpc_errors_total", "Transient chain errors", ["chain"], registry=REGISTRY)
SUBMISSIONS = Counter("aura_submissions_total", "Fulfilment transactions sent", ["chain"], registry=REGISTRY)
FULFIL_COST = Counter("aura_fulfil_cost_total", "What included fulfilments consumed, in each family's own unit "
                      "(gas, compute_units, mist)", ["chain", "unit"], registry=REGISTRY)
