"""One event type's events in a window of checkpoints, a page at a time, from Sui's GraphQL service: what the
adapter's request poll (`AssessmentRequested`) and the lending reader (chains/sui/credit_events.py) both read.

The window is the checkpoints after `after` through `end`, but never past what the answering service has indexed
(each page says, and `end` shrinks to it). After `max_pages` pages the read finishes the checkpoint it is in and
stops there, so a busy window is read over several calls and the caller's cursor never passes an event it was not
given. Every event must say its checkpoint; a page that says it has more must give a cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chains.core.errors import RetryLater

if TYPE_CHECKING:
    from chains.sui.graphql import GraphQL

PAGE = 50  # the service's largest page of events
MAX_PAGES = 20  # pages read per call before stopping at a checkpoint boundary


def number(value: Any, what: str) -> int:
    """A UInt53 (number) or BigInt (decimal string) from the service."""
    if isinstance(value, bool):
        raise RetryLater(f"the GraphQL service returned {value!r} for {what}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise RetryLater(f"the GraphQL service returned {value!r} for {what}")


def dig(data: Any, *path: str) -> Any:
    """`data[path[0]][path[1]]...`, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


async def read_window(gql: GraphQL, operation: str, event_type: str, after: int | None, end: int, *, chain: str,
                      max_pages: int = MAX_PAGES) -> tuple[list[tuple[dict[str, Any], int]], int]:
    """Each event node of `event_type` (its `operation` of chains/sui/queries.py, which takes `type`,
    `afterCheckpoint`, `beforeCheckpoint`, `first` and `cursor`) in checkpoints (after, through], with its
    checkpoint, in the service's order; and `through`: `end`, or less as the module says. `after` None: from the
    first checkpoint.

    Raises:
        RetryLater: the service failed, or answered without an events connection, an event without a checkpoint,
            or a page with more and no cursor (`chain` names the chain).
    """
    window = {"type": event_type, "afterCheckpoint": after, "beforeCheckpoint": end + 1, "first": PAGE}
    floor = -1 if after is None else after
    found: list[tuple[dict[str, Any], int]] = []
    page_cursor: str | None = None
    stop_at: int | None = None  # once set: finish this checkpoint, then stop
    pages, last = 0, floor
    while True:
        data = await gql.run(operation, {**window, "cursor": page_cursor})
        end = min(end, number(dig(data, "checkpoint", "sequenceNumber"), "checkpoint.sequenceNumber"))
        connection = data.get("events")
        if not isinstance(connection, dict):
            raise RetryLater(f"{chain}: the GraphQL service returned no events connection for {event_type}")
        done = False
        for node in connection.get("nodes") or []:
            checkpoint = dig(node, "transaction", "effects", "checkpoint", "sequenceNumber")
            if checkpoint is None:
                raise RetryLater(f"{chain}: an event of {dig(node, 'transaction', 'digest')} has no checkpoint")
            checkpoint = number(checkpoint, "checkpoint.sequenceNumber")
            if stop_at is not None and checkpoint > stop_at:
                done = True
                break
            if floor < checkpoint <= end:
                found.append((node, checkpoint))
            last = max(last, checkpoint)
        pages += 1
        info = connection.get("pageInfo") or {}
        if done or not info.get("hasNextPage"):
            break
        if stop_at is None and pages >= max_pages:
            stop_at = last
        page_cursor = info.get("endCursor")
        if not page_cursor:
            raise RetryLater(f"{chain}: the events page of {event_type} has more but no end cursor")
    through = min(stop_at, end) if stop_at is not None and done else end
    return [(node, checkpoint) for node, checkpoint in found if checkpoint <= through], through


__all__ = ["MAX_PAGES", "PAGE", "dig", "number", "read_window"]
