"""What an evidence file may be: the pure checks over its bytes (no files, no parser but zlib).

A person's evidence is opened later by an officer's viewer, so a file is taken only when its
content is what it claims and decoding it costs a bounded amount. The type is judged by the
content, never the name. The bounds, and why:

- MAX_BYTES, 10 MB a file (the issue's limit): a phone photo or a scanned certificate fits.
- MAX_SIDE 20,000 pixels a side and MAX_PIXELS 100 megapixels: larger than any camera or scanner
  page at 600 dpi (A4 is 4,961 x 7,016), small enough that a decoded image (at most 400 MB at four
  bytes a pixel) cannot exhaust a viewer. A PNG or JPEG header claiming more is a decompression
  bomb.
- A PNG's image data must inflate to exactly what its header implies (height x (1 + row bytes),
  summed over the seven passes when interlaced): never more (a bomb), never less (truncated). It is
  inflated in 1 MB steps and counted, never kept, and stopped as soon as it passes the bound.
  Compressed text and colour profiles (zTXt, iTXt, iCCP) may inflate to MAX_METADATA_INFLATED each.
  Animated PNGs are refused: their frames are compressed data a viewer decodes beyond the header.
- A JPEG is walked marker by marker: SOI, one frame header (SOF) with sane dimensions before the
  first scan, and EOI. Phones append a second image (a gain map) after the first EOI, so what
  follows an image may only be another image checked the same way, or zero padding.
- PDF compressed streams (checked in muster.casework.evidence_pdf with these numbers): one stream
  may inflate to at most MAX_STREAM_INFLATED (100 MB), and past RATIO_FLOOR (1 MB) to at most
  MAX_RATIO (1000) times its compressed size (text and scans compress 3 to 20 times; a stream of
  zeros 1000 times); all streams together to at most MAX_TOTAL_INFLATED (200 MB).

Every check raises Unacceptable with the reason in plain words; the caller adds the file's name.
"""

from __future__ import annotations

import struct
import zlib

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
MAGIC = {b"%PDF-": PDF, b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG}

MB = 1024 * 1024
MAX_BYTES = 10 * MB
MAX_SIDE = 20_000
MAX_PIXELS = 100_000_000
MAX_STREAM_INFLATED = 100 * MB
MAX_TOTAL_INFLATED = 200 * MB
MAX_RATIO = 1000
RATIO_FLOOR = 1 * MB
MAX_METADATA_INFLATED = 8 * MB
MAX_JPEG_IMAGES = 8  # a primary image and what phones append (gain maps, depth maps, previews)
_STEP = 1 * MB  # inflate this much at a time


class Unacceptable(ValueError):
    """Why a file is not taken as evidence, in plain words (without the file's name)."""


class Bomb(Unacceptable):
    """The file would decode to far more than it is: refused before it is decoded."""


def sniff(data: bytes) -> str | None:
    """The file's type by its first bytes, or None."""
    return next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)


def first_look(data: bytes) -> str:
    """The claimed type of a file that is neither empty, too large nor of a type not taken."""
    if not data:
        raise Unacceptable("the file is empty")
    if len(data) > MAX_BYTES:
        raise Unacceptable(f"{len(data):,} bytes is more than the {MAX_BYTES // MB} MB an evidence file may have")
    kind = sniff(data)
    if kind is None:
        raise Unacceptable("not a PDF, JPEG or PNG file (judged by its content, not its name)")
    return kind


def check_image(data: bytes) -> str:
    """The type of an acceptable PNG or JPEG file; Unacceptable otherwise."""
    kind = first_look(data)
    if kind == PNG:
        check_png(data)
    elif kind == JPEG:
        check_jpeg(data)
    else:
        raise Unacceptable("not a PNG or JPEG image")
    return kind


def check_dimensions(width: int, height: int, what: str = "the image") -> None:
    """Refuse an image of no size or of more pixels than a viewer should decode."""
    if width < 1 or height < 1:
        raise Unacceptable(f"{what} has no size ({width} x {height} pixels)")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise Bomb(f"{what} claims {width:,} x {height:,} pixels, more than the {MAX_SIDE:,} a side and "
                   f"{MAX_PIXELS // 1_000_000} megapixels allowed (a decompression bomb)")


class BoundedInflater:
    """Inflates a zlib stream fed in pieces, counting the output without keeping it, and stops
    (Bomb) as soon as the count passes `cap`."""

    def __init__(self, cap: int, what: str):
        self.cap, self.what, self.size = cap, what, 0
        self._inflate = zlib.decompressobj()

    def feed(self, data: bytes) -> None:
        pending = data
        while True:
            try:
                out = self._inflate.decompress(pending, _STEP)
            except zlib.error:
                raise Unacceptable(f"{self.what} is not a sound compressed stream") from None
            self.size += len(out)
            if self.size > self.cap:
                raise Bomb(f"{self.what} inflates to more than {self.cap:,} bytes (a zip bomb)")
            pending = self._inflate.unconsumed_tail
            if not pending and len(out) < _STEP:
                return

    @property
    def finished(self) -> bool:
        return self._inflate.eof

    @property
    def extra(self) -> bytes:
        return self._inflate.unused_data


def inflated_size(data: bytes, cap: int, what: str) -> int:
    """The inflated size of one zlib stream, at most `cap` (Bomb past it); a stream cut short
    counts what it gave, as viewers show what they can."""
    inflater = BoundedInflater(cap, what)
    inflater.feed(data)
    return inflater.size


def stream_cap(compressed: int) -> int:
    """How far one compressed PDF stream of `compressed` bytes may inflate."""
    return min(MAX_STREAM_INFLATED, max(RATIO_FLOOR, MAX_RATIO * compressed))


# PNG ---------------------------------------------------------------------------------------------

_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PNG_KNOWN_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
_PNG_ANIMATION = {b"acTL", b"fcTL", b"fdAT"}


def png_image_bytes(width: int, height: int, depth: int, channels: int, interlaced: bool) -> int:
    """The exact size of a PNG's inflated image data: each row one filter byte and its pixels."""
    bits = depth * channels
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx if width > x0 else 0
        pass_height = (height - y0 + dy - 1) // dy if height > y0 else 0
        if pass_width and pass_height:
            total += pass_height * (1 + (pass_width * bits + 7) // 8)
    return total


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks (type, body) up to IEND, with their CRCs checked."""
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while True:
        if at + 12 > len(data):
            raise Unacceptable("the PNG is truncated (it ends inside a chunk, before IEND)")
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if length > 0x7FFFFFFF or not kind.isalpha() or not kind.isascii():
            raise Unacceptable(f"the PNG is malformed (a bad chunk header at byte {at})")
        end = at + 12 + length
        if end > len(data):
            raise Unacceptable(f"the PNG is truncated (its {kind.decode()} chunk runs past the end of the file)")
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(kind + body) != crc:
            raise Unacceptable(f"the PNG is damaged (the checksum of its {kind.decode()} chunk at byte {at} is wrong)")
        chunks.append((kind, body))
        at = end
        if kind == b"IEND":
            if at != len(data):
                raise Unacceptable(f"the PNG has {len(data) - at:,} bytes after its end (IEND)")
            return chunks


def _png_header(body: bytes) -> tuple[int, int, int, bool]:
    """(expected image bytes, width, colour type, interlaced) from IHDR."""
    if len(body) != 13:
        raise Unacceptable("the PNG header (IHDR) has the wrong length")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    check_dimensions(width, height)
    if depth not in _PNG_DEPTHS.get(colour, ()):
        raise Unacceptable(f"the PNG header gives an impossible colour type {colour} with bit depth {depth}")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise Unacceptable("the PNG header names an unknown compression, filter or interlace method")
    expected = png_image_bytes(width, height, depth, _PNG_CHANNELS[colour], interlace == 1)
    return expected, width, colour, interlace == 1


def _png_metadata(kind: bytes, body: bytes) -> None:
    """Inflate (bounded) the compressed text and colour profile chunks."""
    keyword, sep, rest = body.partition(b"\0")
    if not sep or not 1 <= len(keyword) <= 79:
        raise Unacceptable(f"the PNG's {kind.decode()} chunk is malformed")
    if kind == b"iTXt":
        if len(rest) < 2:
            raise Unacceptable("the PNG's iTXt chunk is malformed")
        if rest[0] == 0:
            return
        parts = rest[2:].split(b"\0", 2)
        if len(parts) < 3:
            raise Unacceptable("the PNG's iTXt chunk is malformed")
        stream = parts[2]
    else:  # zTXt, iCCP: a compression method byte, then the stream
        if not rest or rest[0] != 0:
            raise Unacceptable(f"the PNG's {kind.decode()} chunk is malformed")
        stream = rest[1:]
    inflated_size(stream, MAX_METADATA_INFLATED, f"the PNG's {kind.decode()} chunk")


def check_png(data: bytes) -> None:
    """A PNG whose chunks are sound and whose image data inflates to exactly its size."""
    chunks = _png_chunks(data)
    if chunks[0][0] != b"IHDR":
        raise Unacceptable("the PNG does not start with its header (IHDR)")
    expected, _, colour, _ = _png_header(chunks[0][1])
    image = BoundedInflater(expected, "the PNG's image data (IDAT)")
    seen_idat = idat_done = palette = False
    for kind, body in chunks[1:-1]:
        if kind == b"IHDR":
            raise Unacceptable("the PNG has a second header (IHDR)")
        if kind in _PNG_ANIMATION:
            raise Unacceptable("animated PNGs are not taken as evidence")
        if kind[:1].isupper() and kind not in _PNG_KNOWN_CRITICAL:
            raise Unacceptable(f"the PNG has an unknown critical chunk {kind.decode()}")
        if kind == b"IDAT":
            if idat_done:
                raise Unacceptable("the PNG's image data (IDAT) is split by other chunks")
            seen_idat = True
            image.feed(body)
        elif seen_idat:
            idat_done = True
        if kind == b"PLTE":
            if seen_idat or len(body) % 3 or not 3 <= len(body) <= 768:
                raise Unacceptable("the PNG's palette (PLTE) is malformed")
            palette = True
        elif kind in (b"zTXt", b"iTXt", b"iCCP"):
            _png_metadata(kind, body)
    if not seen_idat:
        raise Unacceptable("the PNG has no image data (IDAT)")
    if colour == 3 and not palette:
        raise Unacceptable("the PNG uses a palette but has none (PLTE)")
    if not image.finished or image.extra:
        raise Unacceptable("the PNG's image data (IDAT) is cut short or has bytes after its end")
    if image.size != expected:
        raise Unacceptable(f"the PNG's image data is {image.size:,} bytes, not the {expected:,} its header says "
                           f"(truncated)")


# JPEG --------------------------------------------------------------------------------------------

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _scan_end(data: bytes, at: int) -> int:
    """Where the entropy-coded data starting at `at` ends: the next marker that is neither a
    stuffed 0xFF00 nor a restart marker."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise Unacceptable("the JPEG is truncated (it ends inside its image data, before EOI)")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1
            continue
        return at


def _jpeg_image(data: bytes, start: int) -> int:
    """Check the image starting (SOI) at `start`; returns the offset after its EOI."""
    at = start + 2
    frame = scans = 0
    while True:
        if at + 2 > len(data):
            raise Unacceptable("the JPEG is truncated (it ends before EOI)")
        if data[at] != 0xFF:
            raise Unacceptable(f"the JPEG is malformed (no marker at byte {at})")
        while at + 1 < len(data) and data[at + 1] == 0xFF:  # fill bytes
            at += 1
        if at + 2 > len(data):
            raise Unacceptable("the JPEG is truncated (it ends before EOI)")
        marker = data[at + 1]
        if marker == 0xD9:
            if not frame or not scans:
                raise Unacceptable("the JPEG ends (EOI) before it has a frame and image data")
            return at + 2
        if marker in _STANDALONE:
            at += 2
            continue
        if marker in (0xD8, 0x00):
            raise Unacceptable(f"the JPEG is malformed (an unexpected marker at byte {at})")
        if at + 4 > len(data):
            raise Unacceptable("the JPEG is truncated (it ends inside a segment)")
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise Unacceptable(f"the JPEG is truncated or malformed (a segment at byte {at} runs past the end)")
        body = data[at + 4:end]
        if marker in _SOF:
            if frame:
                raise Unacceptable("the JPEG has more than one frame header (SOF)")
            if len(body) < 6 or len(body) != 6 + 3 * body[5] or not 1 <= body[5] <= 4:
                raise Unacceptable("the JPEG's frame header (SOF) is malformed")
            height, width = struct.unpack(">HH", body[1:5])
            if height == 0:
                raise Unacceptable("the JPEG's frame header (SOF) gives no height")
            check_dimensions(width, height)
            frame += 1
        elif marker == 0xDA:
            if not frame:
                raise Unacceptable("the JPEG's image data (SOS) comes before its frame header (SOF)")
            scans += 1
            end = _scan_end(data, end)
        at = end


def check_jpeg(data: bytes) -> None:
    """One JPEG image, or a few back to back (as phones write a gain map after the photo)."""
    at, images = 0, 0
    while True:
        at = _jpeg_image(data, at)
        images += 1
        rest = data[at:]
        if not rest or not rest.strip(b"\0"):
            return
        if not rest.startswith(b"\xff\xd8\xff"):
            raise Unacceptable(f"the JPEG has {len(rest):,} bytes after its end (EOI) that are not an image")
        if images >= MAX_JPEG_IMAGES:
            raise Unacceptable(f"the JPEG holds more than {MAX_JPEG_IMAGES} images")
