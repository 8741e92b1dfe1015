"""The count at the end of a Solana run, from the chain alone: the load requester's request counter, the Request
accounts still open, and the transmitter's transaction history.

- `requests`: the requester's RequestCounter `next_nonce` (each of its requests takes the next one; a request that
  failed takes none). The load is the devnet's one requester, so these are every request the oracle took.
- `lost`: Request accounts of those nonces still pending (a fulfilled or cancelled request's account is closed).
- `duplicated`: `AssessmentFulfilled` events beyond the first for one request, in the transmitter's successful
  transactions.
- `wasted`: the transmitter's failed transactions whose `fulfil` was for a request already fulfilled.
- `wrong`: a fulfilment of an address that is no request of this oracle; and differences `aura verify`'s
  library finds (`verify_sample`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from base58 import b58decode
from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solders.pubkey import Pubkey
from solders.signature import Signature

from chains.solana import program as prog
from chains.solana.adapter import explain
from node.workshop.chaos.count import Tally
from node.workshop.devnet.solana_setup import SolanaDevnet

CHUNK = 100  # accounts per getMultipleAccounts
PAGE = 1000  # signatures per getSignaturesForAddress
FULFIL = prog.coder().instruction.sighashes["fulfil"]


class SolanaCount:
    """Counts the run on the endpoint at `rpc_url` for the devnet's oracle and transmitter."""

    def __init__(self, rpc_url: str, dev: SolanaDevnet) -> None:
        self.client = Client(rpc_url, commitment=Commitment("confirmed"))
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.transmitter = Pubkey.from_string(dev.transmitter)
        self.requester = dev.keypair("requester").pubkey()

    def requests(self) -> list[str]:
        """The addresses of every request the requester made, in nonce order."""
        counter = prog.counter_pda(self.program, self.oracle, self.requester)[0]
        n = prog.next_nonce(self.client.get_account_info(counter).value)
        return [str(prog.request_pda(self.program, self.oracle, self.requester, i)[0]) for i in range(n)]

    def count(self) -> Tally:
        tally = Tally()
        requests = self.requests()
        tally.requests = len(requests)
        now = self._now()
        for start in range(0, len(requests), CHUNK):
            chunk = requests[start:start + CHUNK]
            accounts = self.client.get_multiple_accounts([Pubkey.from_string(r) for r in chunk]).value
            for address, account in zip(chunk, accounts):
                if account is None or account.owner != self.program:
                    continue
                req = prog.decode_account("Request", bytes(account.data))
                if int(req.status) == prog.PENDING:
                    tally.lost.append({"request_id": address, "block": int(req.created_slot), "status": "pending",
                                       "expired": now > int(req.expires_at)})
        fulfilled, failed = self._history()
        known = set(requests)
        for request, slots in fulfilled.items():
            tally.duplicated += [request] * (len(slots) - 1)
            if request not in known:
                tally.wrong.append({"request_id": request, "why": "fulfilled an address that is no request of "
                                                                  "this oracle"})
        for signature, slot, err, targets in failed:
            if targets and all(any(s <= slot for s in fulfilled.get(t, [])) for t in targets):
                tally.wasted += [signature] * len(targets)
            else:
                tally.reverted[explain(err)] += 1
        return tally

    def fulfilled_ids(self) -> list[str]:
        return sorted(self._history()[0])

    def _now(self) -> int:
        clock = self.client.get_account_info(prog.CLOCK_SYSVAR).value
        return 0 if clock is None else prog.decode_clock(bytes(clock.data)).unix_timestamp

    def _signatures(self) -> list[Any]:
        out: list[Any] = []
        before: Signature | None = None
        while True:
            page = self.client.get_signatures_for_address(self.transmitter, before=before, limit=PAGE).value
            out += page
            if len(page) < PAGE:
                return out
            before = page[-1].signature

    def _history(self) -> tuple[dict[str, list[int]], list[tuple[str, int, Any, list[str]]]]:
        """Request -> slots of its successful fulfilments; and the failed transactions with the requests their
        `fulfil` instructions were for."""
        fulfilled: dict[str, list[int]] = defaultdict(list)
        failed = []
        for item in self._signatures():
            tx = self.client.get_transaction(item.signature, encoding="json", max_supported_transaction_version=0).value
            if tx is None or tx.transaction.meta is None:
                continue
            if item.err is None:
                for name, data in prog.events_in_logs(list(tx.transaction.meta.log_messages or [])):
                    if name == "AssessmentFulfilled":
                        fulfilled[str(prog.pubkey(data.request))].append(int(tx.slot))
            else:
                failed.append((str(item.signature), int(tx.slot), item.err, self._fulfil_targets(tx)))
        return dict(fulfilled), failed

    def _fulfil_targets(self, tx: Any) -> list[str]:
        """The request account of each `fulfil` instruction in a transaction."""
        message = tx.transaction.transaction.message
        keys = [str(k) for k in message.account_keys]
        out = []
        for ix in message.instructions:
            data = b58decode(ix.data) if isinstance(ix.data, str) else bytes(ix.data)
            if keys[ix.program_id_index] == str(self.program) and data[:8] == FULFIL:
                out.append(keys[list(ix.accounts)[1]])
        return out
