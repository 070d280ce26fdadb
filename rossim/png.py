"""PNG files of 8-bit RGB or RGBA images, written with numpy and zlib.

Pillow's PNG encoder chooses a row filter for every row (adaptive filtering), which took most of the
time of writing a coverage map (~60 ms of a 1560 x 900 map at zlib level 1). The maps and figures
are mostly flat colour: unfiltered rows (filter type 0) compress at zlib level 3 to fewer bytes
(map ~405 kB instead of ~463 kB) in a quarter of the time (~16 ms), and a figure in ~3 ms. The
pixels are the same (tests/test_coverage_pngs.py decodes the files with Pillow).

The file: signature, ``IHDR`` (8 bits a channel, colour type 2 or 6, no interlace), ``pHYs`` (the
resolution in pixels a metre, as Pillow writes ``dpi``), one ``tEXt`` chunk per metadata item
(Latin-1, as PNG requires), one ``IDAT``, ``IEND`` (PNG specification, ISO/IEC 15948:2004).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

import numpy as np

__all__ = ["ZLIB_LEVEL", "write_png"]

#: zlib level of rossim's PNGs: the coverage map in ~16 ms (level 6: ~35 ms, ~8 % fewer bytes).
ZLIB_LEVEL = 3

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_METRES_PER_INCH = 0.0254


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(target: BinaryIO, pixels: np.ndarray, *, dpi: float | None = None, text: dict[str, str] | None = None,
              level: int = ZLIB_LEVEL) -> None:
    """Write the (H, W, 3) RGB or (H, W, 4) RGBA uint8 ``pixels`` (row 0 at the top) to the binary
    file ``target`` as a PNG; ``dpi``: the resolution recorded (``pHYs``); ``text``: ``tEXt``
    keyword -> value (Latin-1)."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"expected (H, W, 3|4) uint8 pixels, got {pixels.dtype} {pixels.shape}")
    h, w, c = pixels.shape
    rows = np.empty((h, 1 + w * c), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (None) for every row
    rows[:, 1:] = pixels.reshape(h, w * c)
    parts = [_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if c == 3 else 6, 0, 0, 0))]
    if dpi is not None:
        ppm = int(float(dpi) / _METRES_PER_INCH + 0.5)
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + str(value).encode("latin-1")))
    parts.append(_chunk(b"IDAT", zlib.compress(rows.tobytes(), level)))
    parts.append(_chunk(b"IEND", b""))
    target.write(b"".join(parts))
