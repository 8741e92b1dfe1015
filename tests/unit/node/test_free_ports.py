"""`free_ports`: ports for several local services at once, none of them the same."""

from __future__ import annotations

import socket

from node.process import free_ports


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(8)
    assert len(ports) == 8 and len(set(ports)) == 8
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # released on return: bindable again
        s.bind(("127.0.0.1", ports[0]))


def test_no_ports_asked_none_given() -> None:
    assert free_ports(0) == []
