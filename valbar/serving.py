"""Several uvicorn worker processes, each accepting on a socket of its own (SO_REUSEPORT).

With uvicorn's own ``--workers`` every process waits on one shared listening socket and
whichever wakes first accepts everything pending: a client that opens its connections in a
burst (a load balancer, a connection pool) can land 29 of 32 keep-alive connections on one
worker while the other idles (seen in ``bench.http``), and that worker's queue sets the p99.
Here each worker binds its own socket to the same address with ``SO_REUSEPORT`` and the
kernel spreads new connections over them by a hash of the client's address and port.

The supervisor starts the workers, restarts one that dies after it had started serving, and
on SIGINT/SIGTERM asks every worker to shut down gracefully (uvicorn's own handling) and
waits for them. A worker that exits before it ever served (the app fails to import or to
start, the address cannot be bound) stops the whole server with :class:`StartupFailed`
instead of being restarted forever. Workers die with the supervisor (``PR_SET_PDEATHSIG``).
Used by ``valbar serve --workers N`` on Linux; elsewhere (no load-spreading SO_REUSEPORT) the
CLI keeps uvicorn's shared socket.
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
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


def reuseport_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A (listening) socket that other processes may bind to the same address too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def shared_metrics_dir() -> Iterator[str]:
    """A fresh directory for prometheus-client's multiprocess mode, named to the workers
    (spawned after this, they inherit ``PROMETHEUS_MULTIPROC_DIR``), removed at the end:
    ``/metrics`` of any worker then sums every worker's counters (``api.metrics``).

    A directory the operator set already is used as it is (and left in place)."""
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        yield given
        return
    made = tempfile.mkdtemp(prefix="valbar-metrics-")  # 0700, empty: no stale counters
    os.environ[METRICS_DIR_ENV] = made
    try:
        yield made
    finally:
        os.environ.pop(METRICS_DIR_ENV, None)
        shutil.rmtree(made, ignore_errors=True)


class StartupFailed(RuntimeError):
    """A worker exited before it served: the server cannot start."""


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


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent (the supervisor) dies."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _worker(spec: WorkerSpec, ready: Any) -> None:  # pragma: no cover - in the child process
    import uvicorn

    _die_with_parent()

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                ready.set()

    # bound but not listening: the kernel puts this worker's socket into the SO_REUSEPORT
    # group only when asyncio starts serving on it, after the app has loaded and started, so
    # no connection waits in the queue of a worker that is still importing (a restarted
    # worker used to take its share of new connections for the seconds of its start)
    sock = reuseport_socket(spec.host, spec.port, listen=False)
    config = uvicorn.Config(spec.app, host=spec.host, port=spec.port, **spec.options)
    server = Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE


class Supervisor:
    """Runs ``workers`` processes of :func:`_worker` until SIGINT/SIGTERM."""

    def __init__(self, spec: WorkerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._ready: list[Any] = []  # one multiprocessing.Event per worker slot
        self._stopping = False

    def _start_one(self) -> tuple[BaseProcess, Any]:
        ready = self._context.Event()
        process = self._context.Process(target=_worker, args=(self.spec, ready), daemon=False)
        process.start()
        log.info("Started worker process [%s]", process.pid)
        return process, ready

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> None:
        """Serve until SIGINT/SIGTERM; :class:`OSError` when the address cannot be used,
        :class:`StartupFailed` when a worker exits before it ever served."""
        if port_in_use(self.spec.host, self.spec.port):
            raise OSError(f"[Errno 98] address already in use: {self.spec.host}:{self.spec.port}")
        # a bad address or a privileged port fails here, once (bound, never listening)
        reuseport_socket(self.spec.host, self.spec.port, listen=False).close()
        log_config = self.spec.options.get("log_config")
        if isinstance(log_config, dict):  # the workers' logging (catalog.logs), here too
            logging.config.dictConfig(log_config)
        elif not logging.getLogger().handlers and not log.handlers:
            logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            started = [self._start_one() for _ in range(self.workers)]
            self._processes = [process for process, _ready in started]
            self._ready = [ready for _process, ready in started]
            log.info("Started parent process; %d workers, one socket each", self.workers)
            while not self._stopping:
                time.sleep(0.2)
                for index, process in enumerate(self._processes):
                    if process.is_alive() or self._stopping:
                        continue
                    if not self._ready[index].is_set():
                        raise StartupFailed(
                            f"worker [{process.pid}] exited with code {process.exitcode} "
                            "before it served (see its log above)"
                        )
                    log.warning(
                        "Worker [%s] died (exit code %s): restarting",
                        process.pid,
                        process.exitcode,
                    )
                    time.sleep(RESTART_PAUSE_SECONDS)
                    self._processes[index], self._ready[index] = self._start_one()
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
