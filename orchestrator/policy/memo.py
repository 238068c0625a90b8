"""A bounded, thread-safe LRU memo keyed by a digest of a text (the classifiers' per-text results)."""

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["TextMemo"]

V = TypeVar("V")


class TextMemo(Generic[V]):
    """A bounded, thread-safe LRU map from text to a value (a probability, a verdict).

    Keyed by a digest of the text, not the text: customer messages are not kept in memory for the memo's sake.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, text: str) -> V | None:
        """The value remembered for `text` (now the most recent), or None."""
        key = self._key(text)
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, text: str, value: V) -> None:
        """Remember `value` for `text`, forgetting the least recent beyond the size."""
        key = self._key(text)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
