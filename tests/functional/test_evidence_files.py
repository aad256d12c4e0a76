"""Evidence files through muster.casework.evidence: refused with the file's name and the reason,
stored once under their SHA-256 in a private MUSTER_EVIDENCE_DIR (a temporary one here), read
back only when the bytes still match, and files real tools make are taken."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pypdfium2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from muster.casework import evidence
from muster.casework.evidence import EvidenceRejected, EvidenceStoreProblem
from tests.fixtures.evidence import craft


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.MUSTER_EVIDENCE_DIR


def reportlab_pdf(pages: int = 2, image: bool = False) -> bytes:
    out = io.BytesIO()
    document = canvas.Canvas(out, pagesize=A4)
    for page in range(pages):
        document.drawString(72, 770, f"Certificate of full-time study, page {page + 1}")
        if image:
            picture = io.BytesIO()
            Image.new("RGB", (120, 80), "navy").save(picture, "PNG")
            picture.seek(0)
            from reportlab.lib.utils import ImageReader

            document.drawImage(ImageReader(picture), 72, 600)
        document.showPage()
    document.save()
    return out.getvalue()


def pdfium_pdf() -> bytes:
    document = pypdfium2.PdfDocument.new()
    document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def incrementally_updated_pdf() -> bytes:
    """A reportlab PDF edited in place by pypdf: a second revision with an xref stream and /Prev."""
    writer = PdfWriter(io.BytesIO(reportlab_pdf()), incremental=True)
    writer.add_metadata({"/Title": "Stamped by the office"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pillow_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(out, "PDF")
    return out.getvalue()


def pillow_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (800, 600), (10, 20, 30, 255)).save(out, "PNG", optimize=True)
    return out.getvalue()


REAL_FILES = [
    ("reportlab.pdf", reportlab_pdf, "application/pdf"),
    ("reportlab-with-image.pdf", lambda: reportlab_pdf(1, image=True), "application/pdf"),
    ("pdfium.pdf", pdfium_pdf, "application/pdf"),
    ("pillow.pdf", pillow_pdf, "application/pdf"),
    ("edited.pdf", incrementally_updated_pdf, "application/pdf"),
    ("photo.jpg", lambda: craft.jpeg(1200, 900, quality=85), "image/jpeg"),
    ("scan.png", pillow_png, "image/png"),
]


@pytest.mark.parametrize(("name", "make", "kind"), REAL_FILES, ids=[case[0] for case in REAL_FILES])
def test_files_real_tools_make_are_stored(name, make, kind):
    data = make()
    stored = evidence.store(name, data)
    assert stored == evidence.StoredFile(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                         type=kind)
    assert evidence.read(stored.sha256) == data


def test_the_incremental_update_really_has_two_revisions():
    data = incrementally_updated_pdf()
    assert data.count(b"%%EOF") == 2 and b"/XRef" in data
    assert PdfReader(io.BytesIO(data)).metadata.title == "Stamped by the office"


REFUSED = [
    ("certificate.pdf", craft.zip_file(), "certificate.pdf: not a PDF, JPEG or PNG file (judged by its content, "
                                          "not its name)"),
    ("photo.png", craft.HTML, "photo.png: not a PDF, JPEG or PNG file"),
    ("empty.pdf", b"", "empty.pdf: the file is empty"),
    ("big.pdf", b"%PDF-" + bytes(10 * 1024 * 1024 - 4), "big.pdf: 10,485,761 bytes is more than the 10 MB"),
    ("locked.pdf", craft.encrypted_pdf(), "locked.pdf: the PDF is encrypted or password-protected"),
    ("broken.pdf", craft.one_page_pdf(xref_shift=5), "broken.pdf: the PDF is malformed"),
    ("cut.pdf", reportlab_pdf()[:-200], "cut.pdf: the PDF is truncated"),
    ("bomb.pdf", craft.zip_bomb_pdf(), "bomb.pdf: a compressed stream in the PDF (object 4) inflates to more than "
                                       "104,857,600 bytes (a zip bomb)"),
    ("huge.png", craft.png(100_000, 100_000, idat=b"x\x9c\x03\x00\x00\x00\x00\x01"),
     "huge.png: the image claims 100,000 x 100,000 pixels"),
    ("dense.png", craft.png_idat_past_bound(), "dense.png: the PNG's image data (IDAT) inflates to more than 30,100"),
    ("huge.jpg", craft.jpeg_claiming(60_000, 60_000), "huge.jpg: the image claims 60,000 x 60,000 pixels"),
    ("cut.jpg", craft.jpeg(200, 200)[:-100], "cut.jpg: the JPEG is truncated"),
    ("cut.png", pillow_png()[:-30], "cut.png: the PNG is truncated"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_files_name_the_file_and_the_reason_and_leave_nothing(name, data, message, evidence_dir):
    with pytest.raises(EvidenceRejected) as refused:
        evidence.store(f"/uploads/{name}", data)
    assert str(refused.value).startswith(message)
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*"))


def test_the_same_content_is_stored_once(evidence_dir):
    data = craft.png()
    first = evidence.store("a.png", data)
    second = evidence.store("b.png", data)
    assert (first.sha256, first.name, second.name) == (second.sha256, "a.png", "b.png")
    files = [path for path in evidence_dir.rglob("*") if path.is_file()]
    assert files == [evidence_dir / first.sha256[:2] / first.sha256[2:]]
    assert files[0].read_bytes() == data


def test_the_store_is_private(evidence_dir):
    stored = evidence.store("a.png", craft.png())
    path = evidence.path_of(stored.sha256)
    assert stat.S_IMODE(evidence_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o755, 0o777, 0o720, 0o704])
def test_an_evidence_directory_others_can_reach_is_refused(evidence_dir, mode):
    evidence_dir.mkdir(mode=0o700)
    evidence_dir.chmod(mode)
    with pytest.raises(EvidenceStoreProblem, match=rf"MUSTER_EVIDENCE_DIR .*mode {mode:04o} lets group or others in"):
        evidence.store("a.png", craft.png())
    assert not any(evidence_dir.iterdir())


def test_a_group_readable_directory_is_allowed_as_for_the_spool(evidence_dir):
    evidence_dir.mkdir(mode=0o700)
    evidence_dir.chmod(0o750)
    assert evidence.read(evidence.store("a.png", craft.png()).sha256) == craft.png()


def test_an_evidence_path_that_is_a_file_is_refused(evidence_dir):
    evidence_dir.write_bytes(b"")
    with pytest.raises(EvidenceStoreProblem, match="MUSTER_EVIDENCE_DIR"):
        evidence.store("a.png", craft.png())


def test_a_file_changed_on_disk_is_not_served_and_is_repaired_by_storing_again():
    data = craft.jpeg()
    stored = evidence.store("a.jpg", data)
    evidence.path_of(stored.sha256).write_bytes(data[:-1] + b"\0")
    with pytest.raises(EvidenceRejected, match="no longer matches its SHA-256"):
        evidence.read(stored.sha256)
    evidence.store("a.jpg", data)
    assert evidence.read(stored.sha256) == data


def test_a_missing_file_is_reported():
    with pytest.raises(EvidenceRejected, match="is missing from MUSTER_EVIDENCE_DIR"):
        evidence.read(hashlib.sha256(b"never stored").hexdigest())


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab/../../secret", "A" * 64, "0" * 63, "", "0" * 64 + "\n"])
def test_read_takes_only_a_sha256(bad):
    with pytest.raises(EvidenceRejected, match="is not a SHA-256"):
        evidence.read(bad)


def test_a_symlink_in_the_store_is_not_followed(tmp_path):
    stored = evidence.store("a.png", craft.png())
    path = evidence.path_of(stored.sha256)
    outside = tmp_path / "outside"
    outside.write_bytes(craft.png())
    path.unlink()
    os.symlink(outside, path)
    with pytest.raises(EvidenceRejected, match="cannot be read"):
        evidence.read(stored.sha256)


def test_no_temporary_file_is_left_behind(evidence_dir):
    for size in (3, 5, 7):
        evidence.store(f"{size}.png", craft.png(size, size))
    assert not [path for path in evidence_dir.rglob(".incoming-*")]


FILES = st.sampled_from([craft.png(2, 2), craft.jpeg(8, 8), craft.one_page_pdf()])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FILES, st.binary(max_size=64), st.booleans())
def test_store_then_read_returns_the_same_bytes(original, suffix, keep):
    """Whatever store takes, read gives back byte for byte; whatever it refuses, it says so."""
    data = original if keep else original + suffix
    try:
        stored = evidence.store("file", data)
    except EvidenceRejected as refused:
        assert str(refused).startswith("file: ")
        return
    assert (stored.size, evidence.read(stored.sha256)) == (len(data), data)
