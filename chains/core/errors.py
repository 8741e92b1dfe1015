"""The node's exceptions: one root, each subclass also the matching builtin."""


class AuraError(Exception):
    """Root of every error the node raises on purpose."""


class ConfigError(AuraError, ValueError):
    """The configuration is invalid; the message lists every problem with its place."""


class StoreError(AuraError, RuntimeError):
    """The store refused an operation (an illegal state transition, a schema mismatch)."""


class EnclaveError(AuraError, RuntimeError):
    """The enclave answered with an error or could not be reached; `code` is the enclave's error code, if any."""

    code: str = ""


class ChainError(AuraError, RuntimeError):
    """A chain adapter could not complete an operation."""


class RetryLater(ChainError):
    """A transient chain failure: the same operation may succeed later."""


class WaitFor(RetryLater):
    """A cause outside the request keeps it from landing now, and will pass without the request changing: the
    transmitter has no funds, the enclave's signer is not registered (or was revoked, or with another
    measurement), fees are above the configured cap. The request waits in its state; `cause` names the cause
    ("funds", "signer", "fee_cap") for /health and metrics."""

    CAUSES = ("funds", "signer", "fee_cap")

    def __init__(self, cause: str, message: str) -> None:
        if cause not in self.CAUSES:
            raise ValueError(f"unknown wait cause {cause!r}: one of {', '.join(self.CAUSES)}")
        super().__init__(message)
        self.cause = cause


class PinLost(ChainError):
    """A signed assessment can no longer land because the chain state it was pinned to left what the contract
    can check (a Solana slot gone from SlotHashes, or the request re-pinned since): the request is still pending
    and is scored again at its new pin."""


class CosignerRefused(ChainError):
    """A quorum fulfilment carries another operator's signature the contract does not count now (its signer is
    revoked, unregistered, or registered with another measurement). `signer` is its address (0x, checksummed);
    the request is still pending, and is fulfilled with other operators' signatures (docs/quorum.md)."""

    def __init__(self, signer: str, message: str) -> None:
        super().__init__(message)
        self.signer = signer


class Reorged(ChainError):
    """The block that recorded a request left the canonical chain, or the contract no longer holds the request
    as the node recorded it (its id now names a request mined again with other fields): the request waits to be
    read again from its new log, and is confirmed and scored again from that."""


class InvalidParams(AuraError, ValueError):
    """A param is missing, unknown, of the wrong type or out of range; the message names it."""


class MalformedLog(AuraError, ValueError):
    """A log carries a known event's topic0 but its topics or data do not fit that event's ABI."""

    def __init__(self, reason: str, tx_hash: str, log_index: int | str) -> None:
        super().__init__(f"malformed log (tx {tx_hash}, log index {log_index}): {reason}")
        self.reason = reason
        self.tx_hash = tx_hash
        self.log_index = log_index


class NotSupported(ChainError, NotImplementedError):
    """A chain family lacks an optional capability (a fee bump, a batch); the message names both."""

    def __init__(self, family: str, capability: str) -> None:
        super().__init__(f"family {family!r} does not support {capability}")
        self.family = family
        self.capability = capability
