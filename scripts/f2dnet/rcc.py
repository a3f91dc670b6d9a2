"""Read files out of Qt resource bundles (.rcc), as gcompris ships its photos.

Format (Qt's rcc, versions 1-3): a "qres" header with offsets to a tree of entries, a
name table (UTF-16BE) and a data table. File data may be zlib-compressed (qCompress:
4-byte big-endian length, then a zlib stream) or zstd-compressed (flag 4, unsupported here).
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

_COMPRESSED = 0x01
_DIRECTORY = 0x02
_COMPRESSED_ZSTD = 0x04


class RccBundle:
    """A parsed .rcc file: ``read(path)`` returns the bytes of a file inside it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.buf = self.path.read_bytes()
        if self.buf[:4] != b"qres":
            raise ValueError(f"{self.path}: not a Qt resource bundle (no 'qres' magic)")
        self.version, self.tree, self.data, self.names = struct.unpack(">IIII", self.buf[4:20])
        self.entry_size = 14 if self.version == 1 else 22

    def _name(self, offset: int) -> str:
        pos = self.names + offset
        (length,) = struct.unpack(">H", self.buf[pos:pos + 2])
        return self.buf[pos + 6:pos + 6 + 2 * length].decode("utf-16-be")

    def _entry(self, index: int):
        pos = self.tree + index * self.entry_size
        name_off, flags = struct.unpack(">IH", self.buf[pos:pos + 6])
        if flags & _DIRECTORY:
            count, first = struct.unpack(">II", self.buf[pos + 6:pos + 14])
            return name_off, flags, count, first
        _country, _lang, data_off = struct.unpack(">HHI", self.buf[pos + 6:pos + 14])
        return name_off, flags, None, data_off

    def list(self) -> list[str]:
        """All file paths in the bundle."""
        out: list[str] = []

        def walk(index: int, prefix: str) -> None:
            name_off, flags, count, first = self._entry(index)
            name = "" if index == 0 else self._name(name_off)
            path = f"{prefix}/{name}" if prefix else name
            if count is None:
                out.append(path)
                return
            for child in range(first, first + count):
                walk(child, path)

        walk(0, "")
        return out

    def read(self, inner_path: str) -> bytes:
        """Bytes of ``inner_path`` (like ``gcompris/src/.../alpaca.webp``)."""
        index = 0
        for part in inner_path.strip("/").split("/"):
            _, flags, count, first = self._entry(index)
            if count is None:
                raise FileNotFoundError(f"{self.path}: {inner_path} (not a directory at {part})")
            for child in range(first, first + count):
                if self._name(self._entry(child)[0]) == part:
                    index = child
                    break
            else:
                raise FileNotFoundError(f"{self.path}: no {inner_path}")
        _, flags, count, data_off = self._entry(index)
        if count is not None:
            raise IsADirectoryError(f"{self.path}: {inner_path} is a directory")
        pos = self.data + data_off
        (size,) = struct.unpack(">I", self.buf[pos:pos + 4])
        payload = self.buf[pos + 4:pos + 4 + size]
        if flags & _COMPRESSED_ZSTD:
            raise NotImplementedError(f"{self.path}: {inner_path} is zstd-compressed")
        if flags & _COMPRESSED:
            return zlib.decompress(payload[4:])
        return payload
