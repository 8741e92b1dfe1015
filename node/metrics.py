"""Prometheus metrics for the node, on a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

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

# what an operator alerts on (node/health.py keeps the gauges read from the node's state current)
ENCLAVE_UP = Gauge("aura_enclave_up", "1 while the enclave process runs and answers its probe", registry=REGISTRY)
ENCLAVE_PROBE = Histogram("aura_enclave_probe_seconds", "Round trip of the enclave's liveness probe (attest)",
                          buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                          registry=REGISTRY)
ENCLAVE_RESTARTS = Counter("aura_enclave_restarts_total", "Enclave processes started again after one died or froze",
                           registry=REGISTRY)
BUILD = Info("aura_build", "The node's version, the enclave's measurement and signer", registry=REGISTRY)
HEALTH_OK = Gauge("aura_health_ok", "1 when /health says ok", registry=REGISTRY)
HEAD_AGE = Gauge("aura_chain_head_age_seconds", "Wall clock minus the latest head's timestamp", ["chain"],
                 registry=REGISTRY)
RPC_UP = Gauge("aura_rpc_endpoint_up", "1 while the RPC endpoint answers", ["chain", "endpoint", "role"],
               registry=REGISTRY)
IN_FLIGHT = Gauge("aura_submissions_in_flight", "Fulfilment transactions sent and not final, by state",
                  ["chain", "state"], registry=REGISTRY)
SIGNER_STATUS = Gauge("aura_signer_status", "1 for the contract's view of the enclave's signer, 0 for the others",
                      ["chain", "status"], registry=REGISTRY)
TRANSMITTER_BALANCE = Gauge("aura_transmitter_balance", "What the transmitter holds, in the family's smallest unit",
                            ["chain"], registry=REGISTRY)
FEE_BUMPS = Counter("aura_fee_bumps_total", "Fulfilments replaced at a higher fee", ["chain"], registry=REGISTRY)
FEE_BUMPS_AT_CAP = Counter("aura_fee_bumps_at_cap_total", "Fee bumps that reached the configured fee cap", ["chain"],
                           registry=REGISTRY)
ERRORS = Counter("aura_errors_total", "Errors by kind", ["chain", "kind"], registry=REGISTRY)
REQUESTS_WAITING = Gauge("aura_requests_waiting", "Requests waiting on a cause outside them (funds, signer, fee_cap)",
                         ["chain", "cause"], registry=REGISTRY)
PEER_DISAGREEMENTS = Counter("aura_peer_disagreements_total", "Peer assessments signed over another payload than "
                             "ours, each (request, digest) counted once (node/quorum/agreement.py)", ["peer"],
                             registry=REGISTRY)
