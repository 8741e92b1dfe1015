"""The endpoint's exceptions: the devnet's own, and a JSON-RPC error object as a client receives it."""

from __future__ import annotations

from typing import Any

from chains.core.errors import AuraError


class SolanaDevnetError(AuraError, RuntimeError):
    """The Solana devnet could not be started, or an in-process helper was misused."""


class RpcError(AuraError, RuntimeError):
    """A JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None, *, has_data: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.has_data = has_data or data is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.has_data:
            out["data"] = self.data
        return out


def invalid_params(message: str) -> RpcError:
    return RpcError(-32602, message)


def invalid_request() -> RpcError:
    return RpcError(-32600, "Invalid request")
