"""Read and check a large feed in a second process while this one stores it.

Reading and checking a record (tokenising, converting, validating: pure Python) costs
about as much as storing it, and a thread cannot overlap the two: both halves hold
Python's lock (measured: a read-ahead thread made the ingest slower). A forked child
process can. It iterates the same ``(consumed, checked chunk)`` generator the ingest
would iterate itself, and sends each chunk through a pipe; this process only unpickles
it (a few µs a record) and stores it.

Nothing about the batch changes:

- The child never touches the database: every write, and the batch's resume point,
  stay in this process, one transaction a chunk, so crash safety and resuming are the
  same. A pipe holds at most a chunk or two, so the child is never far ahead and memory
  stays flat.
- An error the child meets while reading (``FeedError``, an unreadable file) arrives
  after the chunks before it, and is raised here as if the feed had raised it: the
  batch stops after its last whole chunk and says why, as before.
- What the feed learns by iterating (``declared_count``, ``warnings``, ``records_read``)
  is sent last and set on this process's feed.
- If this process dies (even by SIGKILL), the child is killed too (Linux's parent-death
  signal; elsewhere its next send fails and it exits); if this process stops early (a
  database error), it kills the child.

Files smaller than ``INGEST_READER_PROCESS_BYTES`` are read in-process (forking costs more
than it saves on a few thousand rows), and so are files ingested outside the main thread,
such as web uploads (``wanted``).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from tracedesk.lib.labfeeds import Feed

T = TypeVar("T")

#: What the feed knows once iterated; sent by the child at the end.
FEED_STATE = ("declared_count", "warnings", "records_read")
_CHUNK, _END, _ERROR = "chunk", "end", "error"


def wanted(feed: Feed, min_bytes: int) -> bool:
    """Whether ``feed`` is worth a reader process: its file is at least ``min_bytes``, and
    this is the main thread (the command line). A web upload is ingested in a thread of
    a server's process, whose other threads may hold a lock the fork would copy held: it
    reads in-process."""
    if min_bytes < 0 or threading.current_thread() is not threading.main_thread():
        return False
    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: read in-process
        return False
    try:
        return feed.path.stat().st_size >= min_bytes
    except OSError:
        return False  # reading it in-process raises the error where it is reported


@contextmanager
def reader_process(chunks: Iterable[T], feed: Feed) -> Iterator[Iterator[T]]:
    """Iterate ``chunks`` in a forked child; yield an iterator over what it sends.

    ``chunks`` must be lazy (a generator over ``feed``): nothing of it runs here.
    """
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_read, args=(chunks, feed, sending, receiving, os.getpid()),
        name="tracedesk-ingest-reader", daemon=True,
    )  # fmt: skip
    child.start()
    sending.close()  # this process only receives: end of file once the child has gone
    try:
        yield _received(receiving, feed, child)
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _received(receiving: Connection, feed: Feed, child: BaseProcess) -> Iterator[T]:
    while True:
        try:
            message = receiving.recv_bytes()
        except EOFError:
            child.join(timeout=5)
            raise RuntimeError(
                f"the process reading {feed.path.name} ended without finishing "
                f"(exit code {child.exitcode})"
            ) from None
        enabled = gc.isenabled()
        gc.disable()  # unpickling builds many objects and no cycles: no collection needed
        try:
            kind, payload = pickle.loads(message)  # noqa: S301  (our own child, our own pipe)
        finally:
            if enabled:
                gc.enable()
        if kind == _CHUNK:
            yield payload
        elif kind == _END:
            for name, value in payload.items():
                setattr(feed, name, value)
            return
        else:
            raise payload


def _read(
    chunks: Iterable[Any], feed: Feed, sending: Connection, receiving: Connection, parent: int
) -> None:
    """The child: send every chunk, then the feed's state, or the error that stopped it."""
    receiving.close()  # else the pipe stays open for reading, and a send never fails
    _die_with(parent)
    gc.freeze()  # what the fork inherited is never garbage here
    try:
        try:
            for chunk in chunks:
                sending.send_bytes(pickle.dumps((_CHUNK, chunk), pickle.HIGHEST_PROTOCOL))
                gc.collect()  # the chunk's own cycles
        except Exception as exc:  # sent to the ingest, which raises it where it would have
            sending.send_bytes(_pickled_error(exc))
            return
        state = {name: getattr(feed, name) for name in FEED_STATE}
        sending.send_bytes(pickle.dumps((_END, state), pickle.HIGHEST_PROTOCOL))
    except (BrokenPipeError, ConnectionResetError):
        return  # the ingest has gone: nobody to read the rest
    finally:
        sending.close()
        os._exit(0)  # no atexit handlers, no closing of the parent's database connection


def _die_with(parent: int) -> None:
    """Be killed when the ingest dies (Linux): a blocked send would notice, but a child
    busy reading a long stretch of rejected rows would not until it next sends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the failed send ends the child
        pass
    if os.getppid() != parent:  # the ingest died before the line above
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _pickled_error(exc: Exception) -> bytes:
    try:
        return pickle.dumps((_ERROR, exc), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that cannot be pickled: its type and message
        return pickle.dumps((_ERROR, RuntimeError(f"{type(exc).__name__}: {exc}")))
