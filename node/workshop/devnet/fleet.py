"""The nodes of a quorum devnet's operators, each its own process (node/workshop/devnet/nodeproc.py) logging to
`<op>/node.log`: started together, waited for, stopped one by one or all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.quorum import Operator


@dataclass
class Fleet:
    """One NodeProcess per operator, by name."""

    operators: list[Operator]
    env: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, NodeProcess] = field(default_factory=dict, init=False)
    up: set[str] = field(default_factory=set, init=False)
    """The operators whose nodes were started and not stopped since."""

    def __post_init__(self) -> None:
        self.nodes = {op.name: NodeProcess(Path(op.config_path), Path(op.root) / "node.log", dict(self.env))
                      for op in self.operators}

    def start(self, names: Iterable[str] | None = None, timeout: float = 60.0) -> Self:
        """Start the named operators' nodes (all by default) that are not up, and wait until each reports
        healthy."""
        wanted = None if names is None else set(names)
        chosen = [op for op in self.operators if (wanted is None or op.name in wanted) and op.name not in self.up]
        for op in chosen:
            self.nodes[op.name].start()
            self.up.add(op.name)
        for op in chosen:
            self.nodes[op.name].wait_healthy(op.api_port, timeout)
        return self

    def stop(self, names: Iterable[str] | None = None) -> None:
        """Stop the named operators' nodes (all by default). Idempotent."""
        wanted = None if names is None else set(names)
        for op in self.operators:
            if wanted is None or op.name in wanted:
                self.nodes[op.name].stop()
                self.up.discard(op.name)

    def detach(self) -> dict[str, int]:
        """Leave every node running; returns their pids by operator."""
        pids = {name: self.nodes[name].pid for name in sorted(self.up)}
        for name in pids:
            self.nodes[name].detach()
        self.up.clear()
        return pids

    def check_alive(self) -> None:
        """Raises ProcessError, with its log's tail, when a node started and not stopped has exited."""
        for name in sorted(self.up):
            self.nodes[name].check_alive()

    def tail(self, n: int = 25) -> str:
        return "\n".join(f"--- {name} ({node.log}):\n{node.tail(n)}" for name, node in self.nodes.items())
