"""Small PNG line charts for the digest card, drawn with the standard library only.

An indexed-colour PNG (zlib + struct, like manifest/make_icons.py): a series line
over the last periods, the target as a dashed green line, the band on the wrong
side of the target lightly shaded, the latest value as a dot. No text is drawn: the
card's caption names the indicator and the values, so the picture stays a few KB.

Why a data URI: the Adaptive Cards Image `url` accepts `data:` URIs since schema
1.2, and Teams renders them in bot messages (desktop, web and mobile; Microsoft
confirmed it in MicrosoftDocs/msteams-docs#9161). Teams limits card images to
PNG/JPEG/GIF of at most 1024×1024 px, and a bot message to about 100 KB including
the card (we keep the whole message under 80 KB). A served, signed URL would need
a public HTTPS endpoint for every client to fetch from; the data URI needs
nothing and keeps figures inside the message.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Iterator, Sequence

WIDTH = 320
HEIGHT = 88
MAX_BYTES = 8 * 1024  # per chart; the card budget allows three comfortably

# Palette indices.
BG, GRID, TARGET, BAD_BAND, LINE, DOT, LINE_OK = range(7)
PALETTE = [
    (255, 255, 255),  # background
    (228, 231, 235),  # grid
    (16, 124, 16),  # target (green)
    (253, 236, 234),  # wrong side of the target
    (196, 49, 75),  # series off target (Teams red)
    (120, 20, 40),  # latest point
    (14, 124, 123),  # series on target (Samverkan teal)
]


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.px = bytearray([BG]) * (width * height)

    def set(self, x: int, y: int, c: int) -> None:
        if 0 <= x < self.w and 0 <= y < self.h:
            self.px[y * self.w + x] = c

    def hline(self, x0: int, x1: int, y: int, c: int, dash: int = 0) -> None:
        if not 0 <= y < self.h:
            return
        lo, hi = max(0, x0), min(self.w - 1, x1)
        row = y * self.w
        if not dash:
            self.px[row + lo : row + hi + 1] = bytes([c]) * (hi - lo + 1)
            return
        for start in range(lo - lo % (2 * dash), hi + 1, 2 * dash):
            a, b = max(lo, start), min(hi, start + dash - 1)
            if b >= a:
                self.px[row + a : row + b + 1] = bytes([c]) * (b - a + 1)

    def fill(self, x0: int, y0: int, x1: int, y1: int, c: int) -> None:
        top, bottom = max(0, min(y0, y1)), min(self.h, max(y0, y1) + 1)
        lo, hi = max(0, x0), min(self.w - 1, x1)
        if hi < lo or bottom <= top:
            return
        if lo == 0 and hi == self.w - 1:  # full rows are contiguous: one slice
            self.px[top * self.w : bottom * self.w] = bytes([c]) * ((bottom - top) * self.w)
            return
        for y in range(top, bottom):
            start = y * self.w
            self.px[start + lo : start + hi + 1] = bytes([c]) * (hi - lo + 1)

    def line(self, x0: int, y0: int, x1: int, y1: int, c: int, width: int = 2) -> None:
        """A thick segment drawn in runs: one slice per row when it is flatter than 45°,
        one strided slice per column otherwise (no per-pixel Python loop). Conditionals
        instead of min()/max() calls: a county's digests draw hundreds of charts."""
        w, h, px = self.w, self.h, self.px
        below = width // 2
        extra = width - 1 - below
        colour = bytes([c])
        if abs(x1 - x0) >= abs(y1 - y0):  # flat: horizontal runs, row by row
            for y, lo, hi in _spans(x0, y0, x1, y1, w, below, extra):
                run = colour * (hi - lo + 1)
                for yy in range(y - below, y - below + width):
                    if 0 <= yy < h:
                        px[yy * w + lo : yy * w + hi + 1] = run
            return
        for x, lo, hi in _spans(y0, x0, y1, x1, h, below, extra):  # steep: column by column
            run = colour * (hi - lo + 1)
            for cx in range(x - below, x - below + width):
                if 0 <= cx < w:
                    px[lo * w + cx : hi * w + cx + 1 : w] = run

    def dot(self, x: int, y: int, radius: int, c: int) -> None:
        for oy in range(-radius, radius + 1):
            for ox in range(-radius, radius + 1):
                if ox * ox + oy * oy <= radius * radius:
                    self.set(x + ox, y + oy, c)

    def png(self) -> bytes:
        w, px = self.w, self.px
        raw = b"".join(b"\x00" + px[y * w : (y + 1) * w] for y in range(self.h))
        plte = b"".join(bytes(rgb) for rgb in PALETTE)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 3, 0, 0, 0))
            + _chunk(b"PLTE", plte)
            + _chunk(b"IDAT", zlib.compress(raw, 1))  # level 1: a few % larger, 8x faster
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def line_chart(
    values: Sequence[float | None],
    target: float | None = None,
    *,
    higher_is_better: bool = True,
    on_target: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> bytes:
    """A PNG of `values` (oldest first; None leaves a gap) against `target`."""
    if not 16 <= width <= 1024 or not 16 <= height <= 1024:
        raise ValueError("chart size must be 16..1024 px")
    canvas = Canvas(width, height)
    present = [v for v in values if v is not None and math.isfinite(v)]
    pad_x, pad_y = 8, 8
    if not present:
        canvas.hline(0, width - 1, height // 2, GRID)
        return canvas.png()
    lo = min([*present, *([target] if target is not None else [])])
    hi = max([*present, *([target] if target is not None else [])])
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    margin = (hi - lo) * 0.12
    lo, hi = lo - margin, hi + margin

    def y_of(v: float) -> int:
        return round(pad_y + (hi - v) / (hi - lo) * (height - 2 * pad_y - 1))

    n = max(len(values), 2)

    def x_of(i: int) -> int:
        return round(pad_x + i * (width - 2 * pad_x - 1) / (n - 1))

    for frac in (0.25, 0.5, 0.75):
        canvas.hline(0, width - 1, round(pad_y + frac * (height - 2 * pad_y)), GRID)
    if target is not None:
        ty = y_of(target)
        if higher_is_better:
            canvas.fill(0, ty, width - 1, height - 1, BAD_BAND)
        else:
            canvas.fill(0, 0, width - 1, ty, BAD_BAND)
        canvas.hline(0, width - 1, ty, TARGET, dash=6)
        canvas.hline(0, width - 1, ty + 1, TARGET, dash=6)
    colour = LINE_OK if on_target else LINE
    prev: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            prev = None
            continue
        point = (x_of(i), y_of(v))
        if prev is not None:
            canvas.line(prev[0], prev[1], point[0], point[1], colour, width=2)
        else:
            canvas.dot(point[0], point[1], 1, colour)
        prev = last = point
    if last is not None:
        canvas.dot(last[0], last[1], 3, DOT)
    return canvas.png()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _spans(
    u0: int, v0: int, u1: int, v1: int, size: int, below: int, extra: int
) -> Iterator[tuple[int, int, int]]:
    """The runs of a thick segment along its long axis u, one per step of v: (v, lo, hi),
    clipped to 0..size-1 and widened by the pen (`below` before, `extra` after)."""
    if u1 < u0:
        u0, v0, u1, v1 = u1, v1, u0, v0
    dv = v1 - v0
    step = 1 if dv >= 0 else -1
    inv = (u1 - u0) / dv if dv else 0.0
    last = size - 1
    for v in range(v0, v1 + step, step):
        if dv:
            a = u0 + (v - v0 - 0.5 * step) * inv
            b = u0 + (v - v0 + 0.5 * step) * inv
            if a > b:
                a, b = b, a
            lo, hi = int(a + 0.5), int(b + 0.5)
            lo = u0 if lo < u0 else lo
            hi = u1 if hi > u1 else hi
        else:
            lo, hi = u0, u1
        lo = lo - below if lo > 0 else -below
        hi = (hi if hi < last else last) + extra
        lo = 0 if lo < 0 else lo
        hi = last if hi > last else hi
        if hi < lo:
            continue
        yield v, lo, hi
