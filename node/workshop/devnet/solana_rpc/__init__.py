"""A local Solana JSON-RPC endpoint over LiteSVM, for clients that talk to it exactly as to a cluster.

`SolanaDevnet` serves the methods a client needs to send transactions and follow them (accounts, blockhashes,
statuses, transactions, signatures per address), with Solana's request and response shapes and error objects.
A background task closes a slot every `slot_ms`; a transaction lands in the current slot, is `confirmed` one
slot later and `finalized` `finality_depth` slots later. The PubSub WebSocket (`signatureSubscribe`,
`logsSubscribe`, `accountSubscribe`, `slotSubscribe`) is served on the same port and on the next one.

    python -m node.workshop.devnet.solana_rpc --port 8899 --program <base58 id>=<path.so>
"""

from node.workshop.devnet.solana_rpc.errors import RpcError, SolanaDevnetError
from node.workshop.devnet.solana_rpc.methods import SOLANA_CORE_VERSION, SolanaRpc
from node.workshop.devnet.solana_rpc.pubsub import SolanaPubSub
from node.workshop.devnet.solana_rpc.server import SolanaDevnet

__all__ = ["SOLANA_CORE_VERSION", "RpcError", "SolanaDevnet", "SolanaDevnetError", "SolanaPubSub", "SolanaRpc"]
