"""Features from chain history: real protocol events decoded, stored per wallet, and windowed integer features."""

from chains.core.errors import MalformedLog
from chains.evm.indexer.compute import DEFAULT_STABLECOINS, WINDOWS, compute_features, features_for
from chains.evm.indexer.events import EVENT_ABIS, Event, EventABI, EventDecoder
from chains.evm.indexer.indexer import LogSource, SyncResult, sync_wallet
from chains.evm.indexer.store import EventStore

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
