"""Work ahead in a thread: the next chunks are made while the caller uses the current one.

For Python work (parsing, checking) that can run while the caller waits on the database:
the driver lets go of the interpreter lock while it waits, so a bulk write costs about
the larger of the two instead of their sum. The producer must not use the database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any

_END = object()


def ahead[T](chunks: Iterator[T], depth: int = 2) -> Generator[T]:
    """Yield what `chunks` yields, made by a worker thread up to `depth` chunks ahead.

    An exception in the producer is raised here, in its place. If the caller stops early
    (or fails), the worker stops at its next chunk and is joined.
    """
    box: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, None)):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put((_END, exc))
            return
        put((_END, None))

    worker = threading.Thread(target=work, name="ahead", daemon=True)
    worker.start()
    try:
        while True:
            chunk, error = box.get()
            if error is not None:
                raise error
            if chunk is _END:
                return
            yield chunk
    finally:
        stop.set()
        worker.join()
