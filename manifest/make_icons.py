"""Draw the Teams app icons: color.png (192x192) and outline.png (32x32).

Standard library only, so anyone can regenerate byte-identical icons:

    python manifest/make_icons.py [OUT_DIR]

The mark is two interlocking rings (region and municipality working together)
on the Samverkan teal. Pixels are computed from geometry and antialiased by
supersampling; the PNG is written by hand with zlib + struct.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

RGBA = tuple[int, int, int, int]
Shape = Callable[[float, float], bool]
# A layer paints its colour over every sample inside its shape; alpha 0 erases.
Layer = tuple[Shape, RGBA]

TEAL: RGBA = (0x0E, 0x7C, 0x7B, 255)
WHITE: RGBA = (255, 255, 255, 255)
MINT: RGBA = (0xB8, 0xF0, 0xE4, 255)
CLEAR: RGBA = (255, 255, 255, 0)


def ring(cx: float, cy: float, radius: float, width: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        return abs(math.hypot(x - cx, y - cy) - radius) <= width / 2

    return inside


def upper(shape: Shape, cy: float) -> Shape:
    return lambda x, y: y < cy and shape(x, y)


def lower(shape: Shape, cy: float) -> Shape:
    return lambda x, y: y >= cy and shape(x, y)


def rings_layers(
    size: float,
    radius: float,
    offset: float,
    width: float,
    gap: float,
    left: RGBA,
    right: RGBA,
    gap_colour: RGBA,
) -> list[Layer]:
    """Two interlocking rings: left over right at the top crossing, under it at the bottom.

    The "under" ring is cut by a halo around the "over" ring; that gap is what makes
    the rings read as linked rather than merely overlapping, even in white-only outline.
    """
    c = size / 2
    left_ring = ring(c - offset, c, radius, width)
    right_ring = ring(c + offset, c, radius, width)
    left_halo = ring(c - offset, c, radius, width + 2 * gap)
    right_halo = ring(c + offset, c, radius, width + 2 * gap)
    return [
        (right_ring, right),
        (upper(left_halo, c), gap_colour),
        (left_ring, left),
        (lower(right_halo, c), gap_colour),
        (lower(right_ring, c), right),
    ]


def render(size: int, background: RGBA, layers: list[Layer], samples: int) -> list[list[RGBA]]:
    """Average samples x samples binary sub-pixels per pixel (premultiplied by alpha)."""
    offsets = [(i + 0.5) / samples for i in range(samples)]
    n = samples * samples
    rows: list[list[RGBA]] = []
    for py in range(size):
        row: list[RGBA] = []
        for px in range(size):
            sr = sg = sb = sa = 0
            for oy in offsets:
                for ox in offsets:
                    x, y = px + ox, py + oy
                    colour = background
                    for shape, paint in layers:
                        if shape(x, y):
                            colour = paint
                    r, g, b, a = colour
                    sr += r * a
                    sg += g * a
                    sb += b * a
                    sa += a
            if sa == 0:
                row.append(CLEAR)
            else:
                row.append(
                    (
                        (sr + sa // 2) // sa,
                        (sg + sa // 2) // sa,
                        (sb + sa // 2) // sa,
                        (sa + n // 2) // n,
                    )
                )
        rows.append(row)
    return rows


def png_bytes(rows: list[list[RGBA]]) -> bytes:
    """An 8-bit RGBA PNG, filter type 0 on every row, no ancillary chunks (reproducible)."""
    height, width = len(rows), len(rows[0])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes(v for pixel in row for v in pixel) for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def color_icon() -> bytes:
    layers = rings_layers(
        192, radius=33, offset=19, width=11, gap=4, left=WHITE, right=MINT, gap_colour=TEAL
    )
    return png_bytes(render(192, TEAL, layers, samples=4))


def outline_icon() -> bytes:
    # Teams: white on a transparent background, nothing else.
    layers = rings_layers(
        32, radius=8.5, offset=5, width=2.4, gap=1.2, left=WHITE, right=WHITE, gap_colour=CLEAR
    )
    return png_bytes(render(32, CLEAR, layers, samples=8))


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    (out / "color.png").write_bytes(color_icon())
    (out / "outline.png").write_bytes(outline_icon())
    print(f"Wrote {out / 'color.png'} and {out / 'outline.png'}")


if __name__ == "__main__":
    main(sys.argv)
