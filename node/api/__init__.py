"""The node's HTTP API: the app (`app`), its server in the node's event loop (`server`), errors as JSON with a
stable code (`errors`), the body limit (`body_limit`), CORS (`cors`), API keys (`keys`) and rate limits
(`rate_limit`), the operator's routes (`operator`), the answers' models (`models`) and the public routes by
version (`v1`). docs/api.md describes what it answers."""

from node.api.app import make_app
from node.api.body_limit import MAX_BODY_BYTES
from node.api.errors import ApiError
from node.api.keys import ApiKey, ApiKeys
from node.api.rate_limit import RateLimits
from node.api.server import ApiServer

__all__ = ["MAX_BODY_BYTES", "ApiError", "ApiKey", "ApiKeys", "ApiServer", "RateLimits", "make_app"]
