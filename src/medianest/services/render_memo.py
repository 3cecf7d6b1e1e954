"""Views made from cached answers, kept as the bytes they were sent as.

A cached library page used to cost more than Plex answering it: every view built 50 response
models and 100 image URLs again from the same answer. An answer's ``version`` (see
``library_reader.Fetched``) names it exactly, so a view of it can be rendered once and sent again
until the answer is replaced. Only views that hold nothing of the person asking may be kept here.
Bounded by size; least recently used views go first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class RenderMemo:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._views: OrderedDict[tuple[str, Hashable], bytes] = OrderedDict()
        self._size = 0

    def render(self, version: str | None, view: Hashable, make: Callable[[], bytes]) -> bytes:
        """``make()``'s bytes for ``view`` of the answer ``version``, made once per version."""
        if version is None:  # not a fresh cached answer: nothing to key it by
            return make()
        key = (version, view)
        found = self._views.get(key)
        if found is not None:
            self._views.move_to_end(key)
            return found
        body = make()
        if len(body) <= self.max_bytes // 4:
            self._views[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._views.popitem(last=False)
                self._size -= len(dropped)
        return body

    def clear(self) -> None:
        self._views.clear()
        self._size = 0
