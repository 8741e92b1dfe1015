"""Features from chain history: real protocol events decoded, stored per wallet, and windowed integer features."""

from node.features.compute import DEFAULT_STABLECOINS, WINDOWS, compute_features, features_for
from node.errors import MalformedLog
from node.features.events import EVENT_ABIS, Event, EventABI, EventDecoder
from node.features.indexer import LogSource, SyncResult, sync_wallet
from node.features.store import EventStore

__all__ = [
    "DEFAULT_STABLECOINS",
    "EVENT_ABIS",
    "WINDOWS",
    "Event",
    "EventABI",
    "EventDecoder",
    "EventStore",
    "LogSource",
    "MalformedLog",
    "SyncResult",
    "compute_features",
    "features_for",
    "sync_wallet",
]
