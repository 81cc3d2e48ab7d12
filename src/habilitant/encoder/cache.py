"""A persistent cache of passage embeddings keyed on (encoder checksum, text).

An item whose text and encoder have not changed is never re-encoded. The cache is a
folder per encoder checksum holding append-only shards (``NNNNNN.npz``: ``keys`` as
32-byte digests, ``vectors`` float32). A shard is written to a temporary name and
renamed, so a killed process never leaves a half-written shard behind.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def text_key(encoder_checksum: str, text: str) -> bytes:
    """The cache key of one passage text for one encoder."""
    return hashlib.sha256(f"{encoder_checksum}\0passage\0{text}".encode()).digest()


def _key_bytes(keys: np.ndarray) -> list[bytes]:
    """Keys as 32-byte strings: rows of a (n, 32) uint8 array, or an ``S32`` array (which
    drops trailing zero bytes, restored here)."""
    if keys.dtype.kind == "S":
        return [bytes(key).ljust(32, b"\0") for key in keys]
    return [row.tobytes() for row in keys]


class EmbeddingCache:
    """Lookup and append embeddings for one encoder."""

    def __init__(self, root: Path, encoder_checksum: str, dimension: int) -> None:
        self.encoder_checksum = encoder_checksum
        self.dimension = dimension
        self.folder = root / f"embeddings-{encoder_checksum[:16]}"
        self._rows: dict[bytes, tuple[int, int]] = {}
        self._shards: list[np.ndarray] = []
        self._load()

    def _load(self) -> None:
        if not self.folder.is_dir():
            return
        for shard_path in sorted(self.folder.glob("[0-9]*.npz")):
            try:
                with np.load(shard_path) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # an unreadable shard is ignored: its texts are re-encoded
            if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
                continue
            shard_index = len(self._shards)
            self._shards.append(vectors.astype(np.float32, copy=False))
            for row, key in enumerate(_key_bytes(keys)):
                self._rows[key] = (shard_index, row)

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, keys: Sequence[bytes]) -> tuple[np.ndarray, list[int]]:
        """Vectors for ``keys`` (zeros where missing) and the positions that are missing."""
        out = np.zeros((len(keys), self.dimension), dtype=np.float32)
        missing: list[int] = []
        for position, key in enumerate(keys):
            found = self._rows.get(key)
            if found is None:
                missing.append(position)
            else:
                shard_index, row = found
                out[position] = self._shards[shard_index][row]
        return out, missing

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Persist new embeddings as one more shard (atomic write)."""
        if not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        number = len(list(self.folder.glob("[0-9]*.npz")))
        while (self.folder / f"{number:06d}.npz").exists():
            number += 1
        final = self.folder / f"{number:06d}.npz"
        tmp = self.folder / f".tmp-{os.getpid()}-{number:06d}.npz"
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
        with open(tmp, "wb") as handle:
            np.savez(handle, keys=key_array, vectors=vectors.astype(np.float32))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        shard_index = len(self._shards)
        self._shards.append(vectors.astype(np.float32))
        for row, key in enumerate(keys):
            self._rows[key] = (shard_index, row)
