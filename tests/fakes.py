"""A small deterministic encoder for unit tests where the model is not the point."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import numpy as np

from habilitant.text import tokens


class HashingEncoder:
    """Bag of folded words hashed into ``dimension`` buckets, L2-normalised."""

    def __init__(self, dimension: int = 64, *, name: str = "fake-hashing", delay: float = 0.0):
        self.name = name
        self.dimension = dimension
        self.checksum = hashlib.sha256(f"{name}/{dimension}".encode()).hexdigest()
        self.delay = delay
        self.calls = 0

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay * len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokens(text) or ["<vide>"]:
                bucket = int.from_bytes(hashlib.md5(token.encode()).digest()[:4], "little")
                out[row, bucket % self.dimension] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
