"""Read-only windows onto part of a file: a member of an uncompressed tar, a file inside a pack."""

from __future__ import annotations

import io
import os
from typing import Any


class FileSlice(io.RawIOBase):
    """A read-only, seekable window onto part of an open file (``os.pread``: no shared file position,
    so several slices of one descriptor can be read at once)."""

    def __init__(self, fd: int, start: int, size: int) -> None:
        super().__init__()
        self._fd = fd
        self._start = start
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def read(self, size: int | None = -1) -> bytes:
        if self.closed:
            raise ValueError("read from a closed file")
        remaining = max(0, self._size - self._pos)
        n = remaining if size is None or size < 0 else min(size, remaining)
        if n == 0:
            return b""
        parts = []
        got = 0
        while got < n:
            chunk = os.pread(self._fd, n - got, self._start + self._pos + got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        self._pos += got
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        n = len(data)
        b[:n] = data
        return n
