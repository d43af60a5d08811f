"""Several uvicorn worker processes, each accepting on a socket of its own (SO_REUSEPORT).

With uvicorn's own ``--workers`` every process waits on one shared listening socket and
whichever wakes first accepts everything pending: a client that opens its connections in a
burst (a load balancer, a connection pool) can land 29 of 32 keep-alive connections on one
worker while the other idles (seen in ``bench.http``), and that worker's queue sets the p99.
Here each worker binds its own socket to the same address with ``SO_REUSEPORT`` and the
kernel spreads new connections over them by a hash of the client's address and port.

The supervisor starts the workers, restarts one that dies, and on SIGINT/SIGTERM asks every
worker to shut down gracefully (uvicorn's own handling) and waits for them. Used by
``valbar serve --workers N`` on Linux; elsewhere (no load-spreading SO_REUSEPORT) the CLI
keeps uvicorn's shared socket.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("uvicorn.error")
BACKLOG = 2048
RESTART_PAUSE_SECONDS = 1.0  # between restarts of a worker that keeps dying
STOP_SECONDS = 30.0  # graceful shutdown per worker before it is killed


def spreads_connections() -> bool:
    """True where SO_REUSEPORT spreads connections over the sockets (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other processes may bind to the same address too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def port_in_use(host: str, port: int) -> bool:
    """True when something already accepts connections there (another server's sockets
    would silently share the connections with ours)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    with contextlib.suppress(OSError), socket.create_connection((target, port), timeout=1):
        return True
    return False


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs to run the app (picklable for the spawn start method)."""

    app: str
    host: str
    port: int
    options: dict[str, Any]


def _worker(spec: WorkerSpec) -> None:  # pragma: no cover - runs in the child process
    import uvicorn

    sock = reuseport_socket(spec.host, spec.port)
    config = uvicorn.Config(spec.app, host=spec.host, port=spec.port, **spec.options)
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """Runs ``workers`` processes of :func:`_worker` until SIGINT/SIGTERM."""

    def __init__(self, spec: WorkerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._stopping = False

    def _start_one(self) -> BaseProcess:
        process = self._context.Process(target=_worker, args=(self.spec,), daemon=False)
        process.start()
        log.info("Started worker process [%s]", process.pid)
        return process

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> None:
        if port_in_use(self.spec.host, self.spec.port):
            raise OSError(f"[Errno 98] address already in use: {self.spec.host}:{self.spec.port}")
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._processes = [self._start_one() for _ in range(self.workers)]
            log.info("Started parent process; %d workers, one socket each", self.workers)
            while not self._stopping:
                time.sleep(0.2)
                for index, process in enumerate(self._processes):
                    if not process.is_alive() and not self._stopping:
                        log.warning(
                            "Worker [%s] died (exit code %s): restarting",
                            process.pid,
                            process.exitcode,
                        )
                        time.sleep(RESTART_PAUSE_SECONDS)
                        self._processes[index] = self._start_one()
        finally:
            self.shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def shutdown(self) -> None:
        """Ask every worker to stop (uvicorn drains its connections), then wait."""
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + STOP_SECONDS
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
