"""The Solana world of the chaos suite: the local endpoint (LiteSVM behind JSON-RPC, 400 ms slots) with the
aura_oracle program built from source, a node serving only it, a requester sending `request_assessment` at a
steady rate, and a watcher of the transmitter's fulfilments and of the requests still pending.

Slots can be advanced at once (`aura_advanceSlots`), which is how a kill outlives the blockhashes the node
signed with: a blockhash is valid for 150 slots.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any, Self

from base58 import b58encode
from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import MemcmpOpts, TxOpts
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from chains.solana import program as prog
from node.enclave.measurement import measure
from node.process import free_port
from node.workshop.chaos.env import ChaosError, children
from node.workshop.chaos.watch import POLL_S, Poll
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, new_fulfilments, setup_solana_node

SLOT_MS = 400
PROCESSED = Commitment("processed")
CONFIRMED = Commitment("confirmed")


class SolanaLoad:
    """The devnet requester sends one `request_assessment` every 1/`rate` s, each with the oracle's next nonce
    and a fresh blockhash (read just before); a third of the subjects is the requester itself."""

    def __init__(self, client: Client, dev: SolanaDevnet, rate: float, seed: int = 0) -> None:
        self.client = client
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.requester = dev.keypair("requester")
        self.rate = rate
        self.sent = 0
        self.failed = 0
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="chaos-solana-load", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(15)

    @contextlib.contextmanager
    def paused(self) -> Any:
        with self._lock:
            yield

    def _run(self) -> None:
        start = time.monotonic()
        n = 0
        while not self._stop.wait(max(0.0, start + n / self.rate - time.monotonic())):
            n += 1
            with self._lock:
                try:
                    self._send()
                    self.sent += 1
                except Exception:  # noqa: BLE001 - the endpoint refused it: the next turn reads the state again
                    self.failed += 1
                if time.monotonic() - (start + n / self.rate) > 1.0:
                    start = time.monotonic() - n / self.rate  # after a pause: the same rate, no burst

    def _send(self) -> None:
        data = self.client.get_account_info(self.oracle, commitment=PROCESSED).value
        if data is None:
            raise ChaosError(f"no oracle account {self.oracle}")
        nonce = int(prog.decode_account("Oracle", bytes(data.data)).next_nonce)
        subject = self.requester.pubkey() if self._random.random() < 1 / 3 else Pubkey(self._random.randbytes(32))
        ix = prog.request_assessment_ix(self.program, self.oracle, self.requester.pubkey(), subject, nonce)
        blockhash = self.client.get_latest_blockhash(commitment=PROCESSED).value.blockhash
        tx = Transaction([self.requester], Message.new_with_blockhash([ix], self.requester.pubkey(), blockhash),
                         blockhash)
        self.client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True))
        # the next request needs this one's nonce taken: wait until the oracle shows it (a moment at most)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            now = self.client.get_account_info(self.oracle, commitment=PROCESSED).value
            if now is not None and int(prog.decode_account("Oracle", bytes(now.data)).next_nonce) > nonce:
                return
            time.sleep(0.02)


class SolanaWatch:
    """Fulfilments by the transmitter as they land (with when each was first seen), and the requests still
    pending, a few times a second. Implements what the runner's `Follower` asks."""

    def __init__(self, client: Client, dev: SolanaDevnet) -> None:
        self.client = client
        self.program = Pubkey.from_string(dev.program)
        self.oracle = Pubkey.from_string(dev.oracle)
        self.transmitter = Pubkey.from_string(dev.transmitter)
        self.polls: list[Poll] = []
        self.errors = 0
        self._known: set[str] = set()
        self._seen: dict[tuple[str, str], float] = {}
        self._slots: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._thread is None:
            self.poll()
            self._thread = threading.Thread(target=self._run, name="chaos-solana-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(15)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - the endpoint is busy or restarting: read again
                self.errors += 1

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
                self._seen.setdefault((f.request, f.signature), now)
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

    def first_fulfilment_after(self, t: float, made_after_block: int | None = None) -> float | None:
        with self._lock:
            return min((at for at in self._seen.values() if at > t), default=None)

    def fulfilled_after(self, t: float, request_ids: Any) -> float | None:
        with self._lock:
            last = 0.0
            for rid in request_ids:
                times = [at for (r, _), at in self._seen.items() if r == rid and at > t]
                if not times:
                    return None
                last = max(last, min(times))
        return last

    def fulfilments_after(self, t: float) -> list[tuple[float, str, str]]:
        with self._lock:
            return sorted((at, rid, sig) for (rid, sig), at in self._seen.items() if at > t)

    def drained_after(self, t: float, block: int) -> float | None:
        return next((p.at for p in self.polls if p.at >= t and (p.oldest_open is None or p.oldest_open > block)),
                    None)

    def wait(self, condition: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_S / 2)
        return True


class SolanaWorld:
    """One Solana scenario's world under `root` (made afresh)."""

    def __init__(self, root: Path, *, rate: float = 4.0, seed: int = 0) -> None:
        self.root = root
        self.rate = rate
        self.seed = seed
        self.endpoint: SolanaEndpoint | None = None
        self.dev: SolanaDevnet | None = None
        self.config = root / "node" / "aura.toml"
        self.node: NodeProcess | None = None
        self.load: SolanaLoad | None = None
        self.watch: SolanaWatch | None = None
        self.api_port = 0
        self.measurement = ""
        self.unexpected_exits: list[str] = []
        self._enclaves: set[int] = set()

    @property
    def client(self) -> Client:
        if self.endpoint is None:
            raise ChaosError("the Solana world has not been started")
        return Client(self.endpoint.url, commitment=CONFIRMED)

    @property
    def devnet(self) -> SolanaDevnet:
        if self.dev is None:
            raise ChaosError("the Solana world has not been started")
        return self.dev

    def start(self) -> Self:
        self.root.mkdir(parents=True, exist_ok=False)
        self.measurement = measure().hex
        self.endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, slot_ms=SLOT_MS,
                                       log_path=self.root / "endpoint.log").start()
        self.api_port = free_port()
        self.dev, self.config = setup_solana_node(self.root / "node", self.endpoint.url, api_port=self.api_port,
                                                  poll_interval_s=0.2)
        self.start_node()
        if self.node is not None:
            self.node.wait_healthy(self.api_port, 60.0)
        self.watch = SolanaWatch(self.client, self.devnet).start()
        self.load = SolanaLoad(self.client, self.devnet, self.rate, self.seed).start()
        return self

    def stop(self) -> None:
        for part in (self.load, self.watch):
            if part is not None:
                part.stop()
        self.stop_node()
        if self.endpoint is not None:
            self.endpoint.stop()

    def start_node(self) -> None:
        self.node = NodeProcess(self.config, self.root / "node.log").start()

    def kill_node(self) -> None:
        """SIGKILL the node process alone, as a crash would."""
        if self.node is None or self.node.exited() is not None:
            self.check_node()
            return
        self._enclaves.update(children(self.node.pid))
        os.kill(self.node.pid, signal.SIGKILL)
        self.node.wait_exit(10)
        self.node = None

    def check_node(self) -> bool:
        if self.node is None:
            return False
        code = self.node.exited()
        if code is None:
            return True
        note = f"the node exited with code {code}: {self.node.tail(3)}"
        if note not in self.unexpected_exits:
            self.unexpected_exits.append(note)
        return False

    def stop_node(self) -> None:
        if self.node is not None:
            if self.node.exited() is None:
                self._enclaves.update(children(self.node.pid))
            self.node.stop(5.0)
        for pid in self._enclaves:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self._enclaves.clear()

    def control(self, method: str, *params: Any) -> Any:
        if self.endpoint is None:
            raise ChaosError("the Solana world has not been started")
        return self.endpoint.call(method, list(params))

    def slot(self) -> int:
        return int(self.client.get_slot().value)

