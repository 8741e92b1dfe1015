"""The node's exceptions: one root, each subclass also the matching builtin."""


class AuraError(Exception):
    """Root of every error the node raises on purpose."""


class ConfigError(AuraError, ValueError):
    """The configuration is invalid; the message lists every problem with its place."""


class StoreError(AuraError, RuntimeError):
    """The store refused an operation (an illegal state transition, a schema mismatch)."""


class EnclaveError(AuraError, RuntimeError):
    """The enclave answered with an error or could not be reached."""


class ChainError(AuraError, RuntimeError):
    """A chain adapter could not complete an operation."""


class RetryLater(ChainError):
    """A transient chain failure: the same operation may succeed later."""
