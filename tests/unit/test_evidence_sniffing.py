"""The pure checks on evidence bytes (muster.rules.evidence) and the PDF check: crafted files and
files real tools make are judged by content, within bounds, and nothing but Unacceptable escapes."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from muster.casework.evidence_pdf import check_pdf
from muster.rules import evidence as rules
from muster.rules.evidence import Bomb, Unacceptable
from tests.fixtures.evidence import craft


def judge(data: bytes) -> str:
    kind = rules.first_look(data)
    if kind == rules.PDF:
        check_pdf(data)
        return kind
    return rules.check_image(data)


@pytest.mark.parametrize(("width", "height", "depth", "channels", "interlaced", "expected"), [
    (1, 1, 8, 3, False, 4),
    (4, 3, 8, 3, False, 3 * 13),
    (9, 2, 1, 1, False, 2 * 3),  # 9 one-bit pixels need 2 bytes a row
    (3, 3, 16, 4, False, 3 * 25),
    (1, 1, 8, 1, True, 2),  # only the first Adam7 pass has a pixel
    (8, 8, 8, 1, True, sum(h * (1 + w) for w, h in [(1, 1), (1, 1), (2, 1), (2, 2), (4, 2), (4, 4), (8, 4)])),
])
def test_png_image_size_is_exact(width, height, depth, channels, interlaced, expected):
    assert rules.png_image_bytes(width, height, depth, channels, interlaced) == expected


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
@pytest.mark.parametrize("interlace", [0, 1])
def test_pngs_pillow_makes_are_taken(mode, interlace):
    out = io.BytesIO()
    Image.new(mode, (37, 23)).save(out, "PNG", interlace=interlace)
    assert rules.check_image(out.getvalue()) == rules.PNG


@pytest.mark.parametrize("options", [{}, {"progressive": True}, {"quality": 30, "optimize": True}])
@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_jpegs_pillow_makes_are_taken(mode, options):
    assert rules.check_image(craft.jpeg(301, 199, mode, **options)) == rules.JPEG


def test_a_photo_with_a_gain_map_appended_is_taken():
    """Phones (Ultra HDR, MPF) write a second JPEG after the first one's EOI."""
    assert rules.check_image(craft.jpeg(64, 48) + craft.jpeg(16, 12, "L") + bytes(16)) == rules.JPEG


def test_a_png_with_compressed_text_and_a_profile_is_taken():
    text = craft.chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"scanned at the office"))
    profile = craft.chunk(b"iCCP", b"sRGB\0\0" + zlib.compress(bytes(3000)))
    assert rules.check_image(craft.png(before_idat=[profile], after_idat=[text])) == rules.PNG


CRAFTED_REFUSALS = [
    ("empty", b"", Unacceptable, "the file is empty"),
    ("over 10 MB", b"%PDF-" + bytes(10 * 1024 * 1024 - 4), Unacceptable, "more than the 10 MB"),
    ("html", craft.HTML, Unacceptable, "not a PDF, JPEG or PNG"),
    ("zip", craft.zip_file(), Unacceptable, "not a PDF, JPEG or PNG"),
    ("png 100,000 x 100,000", craft.png(100_000, 100_000, idat=zlib.compress(b"\0")), Bomb, "100,000 x 100,000"),
    ("png 20,000 x 20,000 is past 100 megapixels", craft.png(20_000, 20_000, idat=zlib.compress(b"\0")), Bomb,
     "megapixels"),
    ("png idat past its bound", craft.png_idat_past_bound(), Bomb, "inflates to more than 30,100 bytes"),
    ("png idat short", craft.png(idat=zlib.compress(bytes(10))), Unacceptable, "not the 39 its header says"),
    ("png idat not zlib", craft.png(idat=b"not deflated"), Unacceptable, "not a sound compressed stream"),
    ("png zero width", craft.png(0, 3), Unacceptable, "has no size"),
    ("png bad crc", craft.png()[:-1] + bytes([craft.png()[-1] ^ 1]), Unacceptable, "checksum of its IEND"),
    ("png truncated", craft.png()[:40], Unacceptable, "truncated"),
    ("png without iend", craft.png(end=b""), Unacceptable, "truncated"),
    ("png with data after iend", craft.png() + b"<html>", Unacceptable, "bytes after its end"),
    ("png bad depth", craft.png(depth=3), Unacceptable, "impossible colour type 2 with bit depth 3"),
    ("png palette missing", craft.png(colour=3), Unacceptable, "uses a palette but has none"),
    ("png animated", craft.png(before_idat=[craft.chunk(b"acTL", bytes(8))]), Unacceptable, "animated"),
    ("png unknown critical chunk", craft.png(before_idat=[craft.chunk(b"XXXX", b"")]), Unacceptable,
     "unknown critical chunk XXXX"),
    ("png text bomb", craft.png(after_idat=[craft.chunk(b"zTXt", b"Comment\0\0" + zlib.compress(bytes(20 * 1024 * 1024)))]),
     Bomb, "zTXt chunk inflates to more than"),
    ("jpeg 30,000 x 30,000", craft.jpeg_claiming(30_000, 30_000), Bomb, "30,000 x 30,000"),
    ("jpeg 15,000 x 15,000 is past 100 megapixels", craft.jpeg_claiming(15_000, 15_000), Bomb, "megapixels"),
    ("jpeg height 0 (DNL)", craft.jpeg_claiming(16, 0), Unacceptable, "gives no height"),
    ("jpeg truncated", craft.jpeg()[:-40], Unacceptable, "truncated"),
    ("jpeg without eoi", craft.jpeg()[:-2], Unacceptable, "truncated"),
    ("jpeg only soi", b"\xff\xd8\xff\xd9", Unacceptable, "before it has a frame"),
    ("jpeg with a zip after", craft.jpeg() + craft.zip_file(), Unacceptable, "after its end (EOI) that are not"),
    ("pdf encrypted", craft.encrypted_pdf(), Unacceptable, "encrypted"),
    ("pdf without pages", craft.pageless_pdf(), Unacceptable, "no pages"),
    ("pdf xref offset wrong", craft.one_page_pdf(xref_shift=7), Unacceptable, "malformed"),
    ("pdf truncated", craft.one_page_pdf()[:300], Unacceptable, "truncated"),
    ("pdf html after the magic", b"%PDF-1.7\n<html></html>\n%%EOF\n", Unacceptable, "malformed"),
    ("pdf bad flate", craft.one_page_pdf(craft.stream(b"/Filter /FlateDecode", b"garbage")), Unacceptable,
     "not a sound compressed stream"),
    ("pdf image 100,000 x 100,000", craft.image_pdf(100_000, 100_000), Bomb, "100,000 x 100,000"),
    ("pdf high ratio", craft.one_page_pdf(craft.stream(b"/Filter /FlateDecode", zlib.compress(bytes(5 * 1024 * 1024), 9))),
     Bomb, "zip bomb"),
]


def test_a_zip_bomb_behind_another_filter_is_refused():
    """pypdf decodes chains other than Flate alone, under the same cap."""
    hex_bomb = craft.gigabyte_of_zeros_deflated().hex().encode() + b">"
    with pytest.raises(Bomb, match=r"object 4\) expands to more than 104,857,600 bytes"):
        check_pdf(craft.one_page_pdf(craft.stream(b"/Filter [/ASCIIHexDecode /FlateDecode]", hex_bomb)))


@pytest.mark.parametrize(("data", "error", "words"), [case[1:] for case in CRAFTED_REFUSALS],
                         ids=[case[0] for case in CRAFTED_REFUSALS])
def test_crafted_files_are_refused_with_the_reason(data, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        judge(data)


def test_a_one_gigabyte_zip_bomb_in_a_pdf_is_refused_without_inflating_it():
    with pytest.raises(Bomb, match=r"object 4\) inflates to more than 104,857,600 bytes"):
        check_pdf(craft.zip_bomb_pdf())


@pytest.mark.parametrize("make", [craft.one_page_pdf, lambda: craft.image_pdf(640, 480), craft.jpeg, craft.png],
                         ids=["pdf", "pdf with image", "jpeg", "png"])
def test_minimal_crafted_files_are_taken(make):
    assert judge(make()) in (rules.PDF, rules.JPEG, rules.PNG)


def test_the_ratio_bound_leaves_small_streams_alone():
    """A megabyte of zeros compresses about 1000:1; under RATIO_FLOOR that is no bomb."""
    stream = craft.stream(b"/Filter /FlateDecode", zlib.compress(bytes(rules.RATIO_FLOOR), 9))
    check_pdf(craft.one_page_pdf(stream))
    assert rules.stream_cap(10) == rules.RATIO_FLOOR
    assert rules.stream_cap(50_000) == 50_000_000
    assert rules.stream_cap(10 * 1024 * 1024) == rules.MAX_STREAM_INFLATED


MAGICS = st.sampled_from([b"", b"%PDF-1.7\n", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MAGICS, st.binary(max_size=600))
def test_random_bytes_raise_nothing_but_unacceptable(magic, tail):
    with contextlib.suppress(Unacceptable):
        assert judge(magic + tail) in (rules.PDF, rules.JPEG, rules.PNG)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([craft.one_page_pdf(), craft.png(), craft.jpeg()]), st.data())
def test_damaged_real_files_raise_nothing_but_unacceptable(original, data):
    """Flipped or cut bytes in a sound file: judged, never a crash."""
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)))
    with contextlib.suppress(Unacceptable):
        judge(bytes(damaged[:cut]))


def test_png_chunk_length_past_the_limit_is_malformed():
    data = craft.png()
    broken = data[:33] + struct.pack(">I", 0x80000000) + data[37:]
    with pytest.raises(Unacceptable, match="bad chunk header"):
        rules.check_image(broken)
