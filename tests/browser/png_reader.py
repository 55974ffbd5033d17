"""A tiny PNG reader (8-bit RGB/RGBA, non-interlaced: what Chromium writes), for screenshot checks without Pillow."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: list[bytes]  # one row each: width x (r, g, b) bytes

    def box(self, colour: tuple[int, int, int]) -> tuple[int, int, int, int, int] | None:
        """(left, top, right, bottom, count) of the pixels of exactly `colour`, None when there are none."""
        target, found = bytes(colour), []
        for y, row in enumerate(self.pixels):
            xs = [x for x in range(self.width) if row[3 * x : 3 * x + 3] == target]
            if xs:
                found.append((y, xs[0], xs[-1], len(xs)))
        if not found:
            return None
        return (min(f[1] for f in found), found[0][0], max(f[2] for f in found), found[-1][0], sum(f[3] for f in found))

    def colours(self) -> Counter[tuple[int, int, int]]:
        counts: Counter[tuple[int, int, int]] = Counter()
        for row in self.pixels:
            counts.update(zip(row[0::3], row[1::3], row[2::3]))
        return counts


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, previous: bytes, bpp: int) -> bytearray:
    if kind == 0:
        return line
    if kind == 2:
        return bytearray((x + p) & 0xFF for x, p in zip(line, previous))
    out = bytearray(len(line))
    for i, x in enumerate(line):
        a = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (x + a) & 0xFF
        elif kind == 3:
            out[i] = (x + ((a + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            out[i] = (x + _paeth(a, previous[i], previous[i - bpp] if i >= bpp else 0)) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter type {kind}")
    return out


def read_png(data: bytes) -> Image:
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    offset, header, idat = len(SIGNATURE), b"", []
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    previous, rows = bytes(stride), []
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, bpp)
        previous = bytes(line)
        rows.append(previous if bpp == 3 else bytes(b for i, b in enumerate(previous) if i % 4 != 3))
    return Image(width, height, rows)
