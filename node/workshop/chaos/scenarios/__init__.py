"""Every scenario by name, in the order the long run plays them; SHORT is the short run's (`make test`)."""

from __future__ import annotations

from node.workshop.chaos.proxy import Faults
from node.workshop.chaos.scenario import Scenario
from node.workshop.chaos.scenarios import fees, processes, reorgs, rpc, solana

ALL: tuple[Scenario, ...] = (
    Scenario("node_kill", "the node SIGKILLed under load, restarted at once or after a pause", processes.node_kills),
    Scenario("enclave_freeze", "the enclave stopped (SIGSTOP) under load, then continued", processes.enclave_freeze),
    Scenario("enclave_kill", "the enclave SIGKILLed under load", processes.enclave_kill),
    Scenario("rpc_refuse", "the RPC refuses connections",
             rpc.outage("rpc_refuse", Faults(refuse=True), 10.0, 60.0)),
    Scenario("rpc_blackhole", "the RPC accepts calls and never answers",
             rpc.outage("rpc_blackhole", Faults(blackhole=True), 8.0, 20.0)),
    Scenario("rpc_delay", "every RPC call delayed 2 s", rpc.outage("rpc_delay", Faults(delay_s=2.0), 10.0, 60.0)),
    Scenario("rpc_429", "half the RPC calls answered 429", rpc.outage("rpc_429", Faults(http_429=0.5), 10.0, 60.0)),
    Scenario("rpc_flaky", "a fifth of the RPC calls fail (503 or a JSON-RPC error)",
             rpc.outage("rpc_flaky", Faults(fail=0.2), 10.0, 60.0)),
    Scenario("getlogs_range_cap", "the node comes back 1200 blocks behind to an RPC capping eth_getLogs at 1000",
             rpc.range_cap),
    Scenario("failover", "one of two endpoints black-holes, later the other refuses", rpc.failover, endpoints=2),
    Scenario("fee_spike", "the base fee above the node's fee cap", fees.fee_spike),
    Scenario("reorg_mined_again", "a request reorged out below the confirmations and mined again",
             reorgs.mined_again),
    Scenario("reorg_reused_id", "a request reorged out and its id taken by the next request mined",
             reorgs.reused_id),
    Scenario("reorg_refulfil", "a request and its fulfilment reorged out, the request mined again with a new "
             "expiresAt", reorgs.refulfil),
    Scenario("reorg_past_finality", "a fulfilment reorged out deeper than the finality depth", reorgs.past_finality),
    Scenario("reorg_random", "reorgs of random depth under load, some past the finality depth",
             reorgs.random_reorgs),
    Scenario("solana_kill", "the node SIGKILLed under load on the local Solana endpoint, its signed blockhashes "
             "expired while it is down", runs=solana.run_kills),
)
SCENARIOS = {s.name: s for s in ALL}
SHORT = ("node_kill", "failover", "reorg_mined_again", "reorg_refulfil", "solana_kill")
