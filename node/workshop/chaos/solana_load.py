"""The Solana requester of the chaos suite: the devnet's requester sends `request_assessment` at a steady rate,
straight to the local endpoint, from a thread of its own (`Paced`)."""

from __future__ import annotations

import time

from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import TxOpts
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from chains.solana import program as prog
from node.workshop.chaos.load import Paced
from node.workshop.chaos.world import ChaosError
from node.workshop.devnet.solana_setup import SolanaDevnet

PROCESSED = Commitment("processed")
NONCE_TAKEN_S = 2.0


class SolanaLoad(Paced):
    """The devnet requester sends one `request_assessment` every 1/`rate` s, each with the oracle's next nonce
    and a fresh blockhash (read just before); a third of the subjects is the requester itself."""

    thread_name = "chaos-solana-load"

    def __init__(self, client: Client, dev: SolanaDevnet, rate: float, seed: int = 0) -> None:
        super().__init__(rate, seed)
        self.client = client
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.requester = dev.keypair("requester")

    def _send(self, turn: int) -> None:
        nonce = self._next_nonce()
        if nonce is None:
            raise ChaosError(f"no oracle account {self.oracle}")
        subject = self.requester.pubkey() if self._random.random() < 1 / 3 else Pubkey(self._random.randbytes(32))
        ix = prog.request_assessment_ix(self.program, self.oracle, self.requester.pubkey(), subject, nonce)
        blockhash = self.client.get_latest_blockhash(commitment=PROCESSED).value.blockhash
        tx = Transaction([self.requester], Message.new_with_blockhash([ix], self.requester.pubkey(), blockhash),
                         blockhash)
        self.client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True))
        # the next request needs this one's nonce taken: wait until the requester's counter shows it (a moment at most)
        deadline = time.monotonic() + NONCE_TAKEN_S
        while time.monotonic() < deadline:
            now = self._next_nonce()
            if now is not None and now > nonce:
                return
            time.sleep(0.02)

    def _next_nonce(self) -> int | None:
        """The requester's next request nonce, as processed; None while the oracle's account cannot be read."""
        if self.client.get_account_info(self.oracle, commitment=PROCESSED).value is None:
            return None
        counter = prog.counter_pda(self.program, self.oracle, self.requester.pubkey())[0]
        return prog.next_nonce(self.client.get_account_info(counter, commitment=PROCESSED).value)
