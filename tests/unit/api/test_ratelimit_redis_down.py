"""Redis unreachable: the shared rate limiter limits per process instead of failing requests."""

from __future__ import annotations

import socket

from api.ratelimit import make_rate_limiter


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_hits_are_limited_in_memory_while_redis_is_down() -> None:
    limiter = make_rate_limiter(f"redis://127.0.0.1:{closed_port()}/0")
    decisions = [limiter.hit("ip:1", 2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[0].remaining == 1
