"""Requesters that send requests at a steady rate, straight to the chain (not through the node's proxies:
requesters are other people), from a thread of their own: `Paced`, whatever the chain, and `Load` on EVM.

`Load` signs `requestAssessment` transactions locally with each requester's next nonce. A send that fails (the
chain refused it, a reorg dropped an earlier one) re-reads that requester's nonce from the chain; `paused()`
stops sending while the chain is rewritten and re-reads every nonce afterwards.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar, Self

from eth_abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.workshop.devnet.deploy import FEE_WEI

REQUEST_SELECTOR = keccak(text="requestAssessment(address,bytes)")[:4]
REQUEST_GAS = 150_000
MAX_FEE_WEI = 3_000 * 10**9  # above any fee spike a scenario makes: requesters keep asking through it
PRIORITY_FEE_WEI = 10**9
SUBJECTS_WITH_HISTORY = tuple(Account.from_key(k).address for k in DEFAULT_KEYS[:4])


def request_calldata(subject: str, params: bytes = b"") -> bytes:
    return REQUEST_SELECTOR + encode(["address", "bytes"], [subject, params])


def signed_request(w3: Web3, key: str, oracle: str, subject: str, nonce: int | None = None) -> bytes:
    """A signed `requestAssessment(subject)` from `key` (at its pending nonce unless one is given)."""
    acct = Account.from_key(key)
    if nonce is None:
        nonce = w3.eth.get_transaction_count(acct.address, "pending")
    tx = {"to": to_checksum_address(oracle), "value": FEE_WEI, "nonce": nonce, "gas": REQUEST_GAS,
          "chainId": w3.eth.chain_id, "maxFeePerGas": MAX_FEE_WEI, "maxPriorityFeePerGas": PRIORITY_FEE_WEI,
          "data": request_calldata(subject), "type": 2}
    return bytes(acct.sign_transaction(tx).raw_transaction)


class Paced(ABC):
    """Sends one request every 1/`rate` s (`_send`) from a thread of its own, one send at a time; after a stall
    (a pause, a slow chain) it goes on at the same rate, without a burst to catch up.

    `sent` and `failed` count the sends; a send that raises is a failed one, and the load goes on. `seed` picks
    the subjects (`_random`).
    """

    thread_name: ClassVar[str] = "chaos-load"

    def __init__(self, rate: float, seed: int = 0) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self.sent = 0
        self.failed = 0
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held while sending one request, and while paused
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Start sending (`_prepare` first). Idempotent."""
        if self._thread is None:
            self._prepare()
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending and join the thread. Idempotent."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(15)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No request is sent inside; `_resume` on the way out."""
        with self._lock:
            yield
            self._resume()

    def _prepare(self) -> None:  # noqa: B027 - an optional hook
        """What the chain must tell before the first send; nothing unless a subclass says so."""

    def _resume(self) -> None:  # noqa: B027 - an optional hook
        """What must be read again after a pause; nothing unless a subclass says so."""

    @abstractmethod
    def _send(self, turn: int) -> None:
        """Send the request of `turn` (0, 1, ...).

        Raises:
            Exception: the send failed; it is counted in `failed`.
        """

    def _run(self) -> None:
        start = time.monotonic()
        turn = 0
        while not self._stop.wait(max(0.0, start + turn / self.rate - time.monotonic())):
            with self._lock:
                try:
                    self._send(turn)
                except Exception:  # noqa: BLE001 - a refused send is counted; the next turn tries again
                    self.failed += 1
                else:
                    self.sent += 1
                turn += 1
                if time.monotonic() - (start + turn / self.rate) > 1.0:
                    start = time.monotonic() - turn / self.rate  # after a pause: the same rate, no burst


class Load(Paced):
    """`keys` take turns sending one `requestAssessment` each, `rate` requests a second in all.

    A third of the subjects are accounts with a history on the devnet, the rest fresh addresses, chosen by
    `seed`.
    """

    def __init__(self, rpc_url: str, oracle: str, keys: tuple[str, ...], rate: float, seed: int = 0) -> None:
        super().__init__(rate, seed)
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        self.oracle = to_checksum_address(oracle)
        self.accounts: list[LocalAccount] = [Account.from_key(k) for k in keys]
        self._nonces: dict[str, int] = {}
        self._chain_id = 0

    def _prepare(self) -> None:
        self._chain_id = self.w3.eth.chain_id
        self._sync()

    def _resume(self) -> None:
        self._sync()  # a rewritten chain may have dropped requests sent before the pause

    def _sync(self) -> None:
        for acct in self.accounts:
            self._nonces[acct.address] = self.w3.eth.get_transaction_count(acct.address, "pending")

    def _subject(self) -> str:
        if self._random.random() < 1 / 3:
            return self._random.choice(SUBJECTS_WITH_HISTORY)
        return to_checksum_address(self._random.randbytes(20))

    def _send(self, turn: int) -> None:
        acct = self.accounts[turn % len(self.accounts)]
        address = acct.address
        tx: dict[str, Any] = {"to": self.oracle, "value": FEE_WEI, "nonce": self._nonces[address], "gas": REQUEST_GAS,
              "chainId": self._chain_id, "maxFeePerGas": MAX_FEE_WEI, "maxPriorityFeePerGas": PRIORITY_FEE_WEI,
              "data": request_calldata(self._subject()), "type": 2}
        try:
            self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        except Exception:
            # refused: read the nonce again, unless the chain itself is unreachable (then at the next failure)
            with contextlib.suppress(Exception):
                self._nonces[address] = self.w3.eth.get_transaction_count(address, "pending")
            raise
        self._nonces[address] += 1
