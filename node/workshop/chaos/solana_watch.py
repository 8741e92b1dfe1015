"""The Solana watch of the chaos suite: the transmitter's fulfilments as they land (with when each was first
seen) and the requests still pending, read from the local endpoint a few times a second (`Lookout`)."""

from __future__ import annotations

import time

from base58 import b58encode
from solana.rpc.api import Client
from solana.rpc.types import MemcmpOpts
from solders.pubkey import Pubkey

from chains.solana import program as prog
from node.workshop.chaos.watch import Lookout, Poll
from node.workshop.devnet.solana_setup import SolanaDevnet, new_fulfilments


class SolanaWatch(Lookout):
    """Fulfilments by the transmitter (request account, signature) and the oracle's pending requests; a poll's
    head is the slot. It does not know the slot a fulfilled request was made in (`made_after_block`)."""

    thread_name = "chaos-solana-watch"

    def __init__(self, client: Client, dev: SolanaDevnet) -> None:
        super().__init__()
        self.client = client
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.transmitter = Pubkey.from_string(dev.transmitter)
        self._known: set[str] = set()
        self._slots: dict[str, int] = {}
        self._pending: dict[str, int] = {}

    def poll(self) -> None:
        fulfilments = new_fulfilments(self.client, self.transmitter, self._known)
        filters: list[int | MemcmpOpts] = [
            MemcmpOpts(offset=0, bytes=b58encode(prog.discriminator("Request")).decode()),
            MemcmpOpts(offset=prog.REQUEST_ORACLE_OFFSET, bytes=str(self.oracle)),
            MemcmpOpts(offset=prog.REQUEST_STATUS_OFFSET, bytes=b58encode(bytes([prog.PENDING])).decode())]
        accounts = self.client.get_program_accounts(self.program, encoding="base64", filters=filters).value
        pending = {str(a.pubkey): int(prog.decode_account("Request", bytes(a.account.data)).created_slot)
                   for a in accounts}
        slot = int(self.client.get_slot().value)
        now = time.monotonic()
        with self._lock:
            for f in fulfilments:
                self._note((f.request, f.signature), now)
                self._slots[f.signature] = f.slot
            self._pending = pending
            self.polls.append(Poll(now, slot, min(pending.values()) if pending else None))

    def open_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def slot_of(self, signature: str) -> int:
        """The slot a fulfilment this watch has seen landed in."""
        with self._lock:
            return self._slots[signature]
