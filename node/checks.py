"""What the node checks of each chain before and while it serves it.

At start-up, a chain whose RPC answers but whose config cannot be right (another chain id, no oracle at the
address) refuses the start in one line; an RPC that does not answer is no refusal: that chain waits and
retries. Then, and every `[node] chain_checks_s` (node/daemon.py), the enclave's signer as the chain's contract
sees it and the transmitter's balance: neither refuses (registering a signer or funding a transmitter takes
the operator a minute, and requests wait meanwhile), both warn in the log, in /health and in metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from chains.base import ChainAdapter, SignerStatus
from chains.core.errors import AuraError, ChainError, RetryLater
from chains.core.logs import fields
from node import metrics

log = logging.getLogger("aura.checks")


class StartRefused(AuraError, RuntimeError):
    """The node will not start (or go on) with this configuration; the message is the one line that says why."""


def _without_name(error: ChainError, chain: str) -> str:
    text = str(error)
    return text.removeprefix(f"{chain}: ")


async def connect_chains(adapters: Sequence[ChainAdapter]) -> None:
    """Connect every chain at once.

    Raises:
        StartRefused: a chain's RPC answered and the chain is not the one configured (the first such chain,
            in config order).
    """
    outcomes = await asyncio.gather(*(a.connect() for a in adapters), return_exceptions=True)
    for adapter, outcome in zip(adapters, outcomes):
        if isinstance(outcome, RetryLater):
            log.warning("chain not reachable at start: it waits and retries",
                        extra=fields(chain=adapter.name, error=str(outcome)))
        elif isinstance(outcome, ChainError):
            raise StartRefused(f"refusing to start: chain {adapter.name}: {_without_name(outcome, adapter.name)}")
        elif isinstance(outcome, BaseException):
            raise outcome


class ChainChecks:
    """The enclave's signer status and the transmitter's balance on one chain, as last read.

    `signer_status` and `balance` are None until read, and stay None where the family cannot tell. `public_key`:
    the enclave's, which a family that keys signers by key reads by.
    """

    def __init__(self, adapter: ChainAdapter, signer: str, measurement: str, min_balance: int | None,
                 public_key: bytes | None = None) -> None:
        self.adapter = adapter
        self.chain = adapter.name
        self.signer, self.public_key = signer, public_key
        self.measurement = measurement
        self.min_balance = min_balance
        self.signer_status: SignerStatus | None = None
        self.balance: int | None = None
        self.last_error = ""

    @property
    def balance_low(self) -> bool:
        return self.balance is not None and self.min_balance is not None and self.balance < self.min_balance

    def health(self) -> dict[str, object]:
        return {"signer_status": None if self.signer_status is None else self.signer_status.value,
                "transmitter_balance": self.balance, "min_balance": self.min_balance,
                "balance_low": self.balance_low, "checks_error": self.last_error}

    async def check(self) -> None:
        """Read both once; a read that fails keeps the last value and says why in `last_error`."""
        errors = []
        try:
            self._signer(await self.adapter.signer_status(self.signer, self.measurement, self.public_key))
        except ChainError as e:
            errors.append(f"signer status: {_without_name(e, self.chain)}")
        try:
            self._balance(await self.adapter.transmitter_balance())
        except ChainError as e:
            errors.append(f"transmitter balance: {_without_name(e, self.chain)}")
        self.last_error = "; ".join(errors)

    def _signer(self, status: SignerStatus | None) -> None:
        if status is None:
            return
        if status is not SignerStatus.ACTIVE:
            log.warning("the enclave's signer is not active on this chain: its requests wait until it is",
                        extra=fields(chain=self.chain, signer=self.signer, measurement=self.measurement,
                                     status=status.value))
        elif self.signer_status not in (None, SignerStatus.ACTIVE):
            log.info("the enclave's signer is active on this chain", extra=fields(chain=self.chain, signer=self.signer))
        self.signer_status = status
        for each in SignerStatus:
            metrics.SIGNER_STATUS.labels(self.chain, each.value).set(1 if each is status else 0)

    def _balance(self, balance: int | None) -> None:
        if balance is None:
            return
        self.balance = balance
        metrics.TRANSMITTER_BALANCE.labels(self.chain).set(balance)
        if self.balance_low:
            log.warning("transmitter balance below the configured floor: fund it, or fulfilments will wait",
                        extra=fields(chain=self.chain, balance=balance, min_balance=self.min_balance))
