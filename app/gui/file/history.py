"""The file view's view history: what "undo zoom" (Backspace) goes back to.

Thread: any (a plain object; the file view uses it from the GUI thread).

A state is the visible ``(t0_s, t1_s, u0, u1)``.  :meth:`ViewHistory.push` is
called with the state *before* a view change; changes closer together than
:data:`COALESCE_S` (wheel notches, a drag, keys held down) make one step.
"""

from __future__ import annotations

import time

COALESCE_S = 0.6
"""View changes within this many seconds of the previous one are one undo step."""
DEPTH = 100
"""Steps kept."""

ViewState = tuple[float, float, float, float]


class ViewHistory:
    """A bounded stack of earlier view ranges."""

    def __init__(self, clock=time.monotonic) -> None:
        self._stack: list[ViewState] = []
        self._clock = clock
        self._last_push = -1e9

    def __len__(self) -> int:
        return len(self._stack)

    def push(self, state: ViewState, coalesce: bool = True) -> None:
        """Remember `state` (the view before a change); within :data:`COALESCE_S` of the last push, skipped."""
        now = self._clock()
        recent = coalesce and now - self._last_push < COALESCE_S
        self._last_push = now
        if recent or (self._stack and self._stack[-1] == state):
            return
        self._stack.append(state)
        del self._stack[:-DEPTH]

    def pop(self) -> ViewState | None:
        """The most recent earlier view, removed from the stack (None if there is none)."""
        self._last_push = -1e9  # the next change after an undo is a step of its own
        return self._stack.pop() if self._stack else None

    def clear(self) -> None:
        self._stack.clear()
        self._last_push = -1e9
