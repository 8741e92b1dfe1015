"""The JSON-RPC 2.0 envelope both transports share: one request object or a batch, dispatched to a method table,
with the error objects Solana's RPC (jsonrpc-core) answers for a malformed request or an unknown method."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from node.workshop.devnet.solana_rpc.errors import RpcError, invalid_request

log = logging.getLogger(__name__)

Handler = Callable[[Any], Any]


def error_response(id_: Any, err: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": err.to_json(), "id": id_}


def dispatch(methods: Mapping[str, Handler], payload: Any) -> Any:
    """The response JSON to one request object or a batch, or None when nothing is to be sent (notifications)."""
    if isinstance(payload, list):
        if not payload:
            return error_response(None, invalid_request())
        out = [r for r in (_call(methods, p) for p in payload) if r is not None]
        return out or None
    return _call(methods, payload)


def _call(methods: Mapping[str, Handler], req: Any) -> dict[str, Any] | None:
    if not isinstance(req, dict):
        return error_response(None, invalid_request())
    id_ = req.get("id")
    if (req.get("jsonrpc", "2.0") != "2.0" or not isinstance(req.get("method"), str)
            or not isinstance(req.get("params"), (list, dict, type(None)))):
        return error_response(id_ if isinstance(id_, (str, int)) else None, invalid_request())
    handler = methods.get(req["method"])
    try:
        if handler is None:
            raise RpcError(-32601, "Method not found")
        result = handler(req.get("params"))
    except RpcError as e:
        response = error_response(id_, e)
    except Exception:
        log.exception("Solana devnet RPC %s failed", req["method"])
        response = error_response(id_, RpcError(-32603, "Internal error"))
    else:
        response = {"jsonrpc": "2.0", "result": result, "id": id_}
    return response if "id" in req else None
