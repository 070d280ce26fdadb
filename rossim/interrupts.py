"""Ctrl-C and SIGTERM around the few steps that must not be cut in half.

A first Ctrl-C stops rossim promptly (the command line exits 130); the steps below only hold it
back for the milliseconds they take: starting or ending worker processes, and removing a
temporary folder after a failure (a second Ctrl-C there would leave the folder behind).
"""

from __future__ import annotations

import signal
import threading

__all__ = ["SignalsDeferred"]


class SignalsDeferred:
    """Within the block, SIGINT and SIGTERM are recorded instead of handled; on leaving it they are
    handled as usual (re-raised to this process), unless an exception is already on its way out
    or ``drop`` is set (cleaning up after a first Ctrl-C: a second one changes nothing). Only
    the main thread can set signal handlers; elsewhere this does nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, drop: bool = False):
        self.drop = drop

    def __enter__(self):
        self.caught: list[int] = []
        self.old: dict[int, object] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                try:
                    self.old[sig] = signal.signal(sig, self._record)
                except (ValueError, OSError):
                    pass
        return self

    def _record(self, signum, frame):
        self.caught.append(signum)

    def __exit__(self, exc_type, exc, tb):
        for sig, old in self.old.items():
            signal.signal(sig, old)
        if exc_type is None and not self.drop:
            for sig in dict.fromkeys(self.caught):
                signal.raise_signal(sig)
        return False
