"""Version 1 of the public API: read-only routes over the node's store (`routes`), the answers' shapes
(node/api/models.py), ids checked per family (`ids`), the history's cursor (`cursor`), rows as answers (`views`)."""

from node.api.v1.routes import ScoreReader, v1_router

__all__ = ["ScoreReader", "v1_router"]
