"""Is a PDF safe to keep as evidence: sound, unencrypted, with at least one page, no bombs.

Parsed by pypdf in strict mode: the cross-reference table (or stream) and the trailer must be
sound, not reconstructed by guessing. A trailer with /Encrypt is refused before anything else is
read (an officer could not open it, and the checks below could not see inside it). Then every
object the cross-reference lists is read, and each stream is measured:
- FlateDecode alone (nearly every stream) is inflated by muster.rules.evidence's bounded
  inflater: counted, never kept, stopped past its cap;
- any other chain of general filters (LZW, run-length, ASCII85, ...) is decoded by pypdf under a
  configuration whose output limits are the same cap;
- image codecs (DCT, JPX, CCITT, JBIG2) are left coded, but an image's /Width and /Height must be
  sane (the pixel bounds of JPEG and PNG);
- no object may carry JavaScript or an action that launches or submits (/JS, /JavaScript,
  /Launch, /SubmitForm, /ImportData): an officer opens these files (issue 13, "a PDF with
  JavaScript").
The bounds (muster.rules.evidence): one stream at most 100 MB, and past 1 MB at most 1000 times
its compressed size; all streams together 200 MB.

pypdf raises many kinds of error on hostile input (its own, ValueError, KeyError, RecursionError,
...): any error while parsing means the file is not a sound PDF, and is reported as such.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import decode_stream_data
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from muster.rules import evidence as rules
from muster.rules.evidence import Bomb, Unacceptable

_IMAGE_CODECS = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
_FLATE = {"/FlateDecode", "/Fl"}
_TAIL = 1024  # %%EOF must be within the last 1 KB (PDF 32000-1, 7.5.5, as readers tolerate)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on odd files are ours to judge


def _limits(cap: int) -> dict[str, Any]:
    """pypdf's own decoding limits, held to this module's bounds."""
    return {"zlib_maximum_output_length": cap, "lzw_maximum_output_length": cap,
            "run_length_maximum_output_length": cap, "brotli_maximum_output_length": cap,
            "jbig2_maximum_output_length": cap, "array_based_stream_maximum_output_length": cap,
            "maximum_declared_stream_length": rules.MAX_BYTES, "stream_decoding_work_maximum_length": 3 * cap,
            "image_maximum_buffer_size": cap, "zlib_maximum_recovery_input_length": 0, "jbig2dec_binary": None}


def check_pdf(data: bytes) -> None:
    """Refuse (Unacceptable) a PDF that is malformed, encrypted, pageless or a bomb."""
    if not data.startswith(b"%PDF-"):
        raise Unacceptable("not a PDF file")
    if b"%%EOF" not in data[-_TAIL:]:
        raise Unacceptable("the PDF is truncated (it has no end-of-file marker)")
    try:
        with apply_configuration(**_limits(rules.MAX_STREAM_INFLATED)):
            reader = PdfReader(io.BytesIO(data), strict=True)
            if "/Encrypt" in reader.trailer or reader.is_encrypted:
                raise Unacceptable("the PDF is encrypted or password-protected: send it without the password")
            if len(reader.pages) < 1:
                raise Unacceptable("the PDF has no pages")
            _check_streams(reader)
    except Unacceptable:
        raise
    except LimitReachedError:
        raise Bomb("a compressed stream in the PDF expands past the limits (a zip bomb)") from None
    except Exception as error:  # any failure of the parser on this input: see the module docstring
        raise Unacceptable(f"the PDF is malformed and cannot be read ({type(error).__name__})") from None


def _value(stream: StreamObject, key: str) -> Any:
    value = stream.get(key)
    return value.get_object() if isinstance(value, IndirectObject) else value


def _filters(stream: StreamObject) -> list[str]:
    value = _value(stream, "/Filter")
    if value is None:
        return []
    if isinstance(value, NameObject):
        return [str(value)]
    if isinstance(value, ArrayObject):
        return [str(item.get_object()) for item in value]
    raise Unacceptable("the PDF is malformed (a stream's /Filter is neither a name nor a list)")


_ACTIVE = frozenset({"/JS", "/JavaScript", "/Launch", "/SubmitForm", "/ImportData"})


def _check_active(value: Any, number: int, depth: int = 0) -> None:
    """Refuse JavaScript and launching actions in an object and the direct objects inside it (the
    indirect ones are objects of their own, checked in turn)."""
    if depth > 50 or isinstance(value, IndirectObject):
        return
    if isinstance(value, DictionaryObject):
        if _ACTIVE & set(value.keys()) or value.get("/S") in _ACTIVE:
            raise Unacceptable(f"the PDF contains JavaScript or an action (object {number}): send a plain PDF, "
                               "for example printed to PDF again")
        for item in value.values():
            _check_active(item, number, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            _check_active(item, number, depth + 1)


def _check_streams(reader: PdfReader) -> None:
    total = 0
    for number in list(reader.xref_objStm):  # objects kept inside object streams
        _check_active(reader.get_object(number), number)
    for generation, numbers in reader.xref.items():
        for number in numbers:
            stream = reader.get_object(IndirectObject(number, generation, reader))
            _check_active(stream, number)
            if isinstance(stream, StreamObject):
                total += _measure(stream, number)
                if total > rules.MAX_TOTAL_INFLATED:
                    raise Bomb(f"the PDF's compressed streams together expand past "
                               f"{rules.MAX_TOTAL_INFLATED // rules.MB} MB (a zip bomb)")


def _measure(stream: StreamObject, number: int) -> int:
    """How many bytes this stream decodes to (its image codecs left coded); Bomb past its cap."""
    if _value(stream, "/Subtype") == "/Image":
        width, height = _value(stream, "/Width"), _value(stream, "/Height")
        if not isinstance(width, int) or not isinstance(height, int):
            raise Unacceptable(f"the PDF's image (object {number}) has no width or height")
        rules.check_dimensions(width, height, f"the PDF's image (object {number})")
    raw = stream._data if isinstance(stream, EncodedStreamObject) else b""
    filters = _filters(stream)
    general = [name for name in filters if name not in _IMAGE_CODECS]
    if not isinstance(stream, EncodedStreamObject) or not general:
        return len(stream._data)
    cap = rules.stream_cap(len(raw))
    what = f"a compressed stream in the PDF (object {number})"
    if general == filters[:1] and filters[0] in _FLATE:
        return rules.inflated_size(raw, cap, what)
    if filters[:len(general)] != general:
        raise Unacceptable(f"the PDF's object {number} applies a general filter after an image codec")
    try:
        with apply_configuration(**_limits(cap)):
            size = len(decode_stream_data(stream))
    except LimitReachedError:
        raise Bomb(f"{what} expands to more than {cap:,} bytes (a zip bomb)") from None
    if size > cap:
        raise Bomb(f"{what} expands to more than {cap:,} bytes (a zip bomb)")
    return size
