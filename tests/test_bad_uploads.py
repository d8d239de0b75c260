"""Hostile files at every upload point: nomination attachments, objection evidence (public and entered by
the county), the certificate's seal and background, and the Excel imports of units and users.

Each bad file is refused with a message in the user's language (Chinese by default) and leaves nothing
behind: no row, no file in the uploads folder, no pending import. What tests/test_bad_input.py already
covers for attachments (wrong type with a good name, oversize, 413, a path in the name) is not repeated.

Like test_bad_input.py, the file runs on test_authorization.py's shared app and world: each test makes
nominations of its own and compares counts before and after.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests import factories
from tests import test_authorization as authorization
from tests.factories import bring_to
from workflow_app.admin import blueprint as admin_blueprint
from workflow_app.campaigns.models import HonorType
from workflow_app.core.images import ATTACHMENT_MAX_PIXELS
from workflow_app.extensions import db
from workflow_app.nominations.models import Attachment, Nomination
from workflow_app.notice import services as notice_services
from workflow_app.notice.models import Objection
from workflow_app.orgs.models import OrgUnit

shared, app, world = authorization.shared, authorization.app, authorization.world


# ---------------------------------------------------------------- hostile files
def _png(width: int, height: int) -> bytes:
    """A real one-pixel PNG whose header then claims ``width`` × ``height`` (a decompression bomb: a
    few dozen bytes that would decode to gigabytes)."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "red").save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def _jpeg(width: int, height: int) -> bytes:
    """A real 8 × 8 JPEG whose frame header then claims ``width`` × ``height``."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


PNG_BOMB, JPEG_BOMB = _png(30000, 30000), _jpeg(30000, 30000)
JUST_TOO_MANY = _png(10000, ATTACHMENT_MAX_PIXELS // 10000 + 1)  # under Pillow's own limit, over ours
REAL_PNG, REAL_JPEG, MEDIUM_PNG = _png(1, 1), _jpeg(8, 8), _png(5000, 5000)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><rect width='9' height='9'/></svg>"
SCRIPT = b"#!/bin/sh\nrm -rf /\n"
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
PDF = b"%PDF-1.4\n% evidence\n"
SMALL_LIMIT = 64 * 1024

EMPTY = "文件为空"
NOT_A_DOCUMENT = "仅接受 PDF、JPEG 和 PNG 格式的文件"
TOO_MANY_PIXELS = "图片像素过多"
NOT_AN_IMAGE = "该文件不是可接受类型的图片"
NOT_A_WORKBOOK = "该文件不是 Excel 工作簿"

BAD_DOCUMENTS = [  # (content, name, what the refusal says) for points that take PDF, JPEG and PNG
    pytest.param(b"", "事迹材料.pdf", EMPTY, id="zero_bytes"),
    pytest.param(HTML, "事迹材料.pdf", NOT_A_DOCUMENT, id="html_named_pdf"),
    pytest.param(SVG, "照片.png", NOT_A_DOCUMENT, id="svg_named_png"),
    pytest.param(SCRIPT, "说明.pdf", NOT_A_DOCUMENT, id="script_named_pdf"),
    pytest.param(PNG_BOMB, "照片.png", TOO_MANY_PIXELS, id="png_declaring_30000x30000"),
    pytest.param(JPEG_BOMB, "照片.jpg", TOO_MANY_PIXELS, id="jpeg_declaring_30000x30000"),
    pytest.param(JUST_TOO_MANY, "照片.png", TOO_MANY_PIXELS, id="png_just_over_the_limit"),
]


# ---------------------------------------------------------------- what must stay as it was
def stored_files(app) -> set[str]:
    root = Path(app.config["UPLOAD_FOLDER"])
    pending = Path(app.instance_path) / "imports"
    return ({p.name for p in root.iterdir()} if root.exists() else set()) | \
        ({f"imports/{p.name}" for p in pending.iterdir()} if pending.exists() else set())


def rows() -> tuple:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Attachment, Objection, OrgUnit)), \
        db.session.execute(select(HonorType.id, HonorType.seal_png, HonorType.background_image)).all()


def messages(response_or_page) -> str:
    return " ".join(re.findall(r'class="(?:alert alert-\w+|invalid-feedback[^"]*)"[^>]*>(.*?)</div>',
                               response_or_page, re.S))


# ---------------------------------------------------------------- every upload point
def attach(client, world, content: bytes, name: str):
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"username": "chair1", "password": factories.PASSWORD})
    return client.post(f"/nominations/{draft.id}/attachments", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def _noticed(world) -> Nomination:
    return bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                         id_number=factories.id_number()), "public_notice")


def object_online(client, world, content: bytes, name: str):
    nomination = _noticed(world)
    client.post("/logout")
    return client.post(f"/notice/{nomination.id}/object", content_type="multipart/form-data", data={
        "objector_name": "李明", "objector_contact": "13912345678", "text": "材料不实", "website": "",
        "token": notice_services.form_token(nomination.id, issued_at=time.time() - 60),
        "attachment": (io.BytesIO(content), name)})


def object_by_letter(client, world, content: bytes, name: str):
    nomination = _noticed(world)
    client.post("/logout")
    client.post("/login", data={"username": "county", "password": factories.PASSWORD})
    return client.post(f"/nominations/{nomination.id}/objections", content_type="multipart/form-data",
                       follow_redirects=True,
                       data={"objector_name": "王五", "objector_contact": "来信", "text": "反映问题",
                             "channel": "letter", "attachment": (io.BytesIO(content), name)})


UPLOAD_POINTS = [pytest.param(attach, id="nomination_attachment"),
                 pytest.param(object_online, id="public_objection_evidence"),
                 pytest.param(object_by_letter, id="objection_entered_by_the_county")]


@pytest.mark.parametrize(("content", "name", "says"), BAD_DOCUMENTS)
@pytest.mark.parametrize("send", UPLOAD_POINTS)
def test_a_bad_document_is_refused_with_a_clear_message_and_nothing_is_kept(app, client, world, send, content,
                                                                            name, says):
    files, before = stored_files(app), rows()
    response = send(client, world, content, name)
    assert response.status_code in (200, 400)
    assert says in messages(response.get_data(as_text=True))
    assert stored_files(app) == files
    assert rows()[0] == before[0]


def template_post(client, world, **files):
    honor = factories.honor("outstanding_union_worker")
    client.post("/login", data={"username": "admin", "password": factories.PASSWORD})
    data = {"certificate_title": "荣誉证书", "certificate_wording": "{recipient}", "issuer": "沈丘县总工会",
            "number_prefix": "YXGZ", "number_format": "{year}-{seq}"}
    data.update({field: (io.BytesIO(content), name) for field, (content, name) in files.items()})
    return client.post(f"/admin/honor-types/{honor.id}/certificate", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


@pytest.mark.parametrize(("content", "name", "says"), [
    pytest.param(b"", "seal.png", EMPTY, id="zero_bytes"),
    pytest.param(SVG, "seal.png", NOT_AN_IMAGE, id="svg_named_png"),
    pytest.param(HTML, "seal.png", NOT_AN_IMAGE, id="html_named_png"),
    pytest.param(POLYGLOT, "seal.png", NOT_AN_IMAGE, id="pdf_html_polyglot"),
    pytest.param(REAL_JPEG, "seal.png", NOT_AN_IMAGE, id="jpeg_as_seal_which_must_be_png"),
    pytest.param(PNG_BOMB, "seal.png", TOO_MANY_PIXELS, id="png_declaring_30000x30000"),
    pytest.param(MEDIUM_PNG, "seal.png", TOO_MANY_PIXELS, id="png_of_25_megapixels_for_a_42mm_seal"),
    pytest.param(REAL_PNG.ljust(SMALL_LIMIT + 1, b"\0"), "seal.png", "图片超过 5 MB", id="over_the_size_limit"),
])
@pytest.mark.parametrize("field", ["seal", "background"])
def test_a_bad_seal_or_background_is_refused_and_the_template_keeps_its_images(client, world, field, content, name,
                                                                               says, monkeypatch):
    monkeypatch.setattr(admin_blueprint, "IMAGE_MAX_BYTES", SMALL_LIMIT)  # 5 MB, made small: the test stays cheap
    if field == "background" and content in (REAL_JPEG, MEDIUM_PNG):
        says = None  # a JPEG, or 25 megapixels, is fine for a whole page
    before = rows()
    response = template_post(client, world, **{field: (content, name)})
    if says is None:
        assert rows() != before
        return
    assert response.status_code == 200
    assert says in messages(response.get_data(as_text=True))
    assert rows() == before


def test_a_background_of_jpeg_bombs_size_is_refused_but_a_real_seal_and_background_are_kept(client, world):
    before = rows()
    response = template_post(client, world, background=(JPEG_BOMB, "底图.jpg"))
    assert TOO_MANY_PIXELS in messages(response.get_data(as_text=True))
    assert rows() == before
    template_post(client, world, seal=(REAL_PNG, "印章.png"), background=(REAL_JPEG, "底图.jpg"))
    honor = factories.honor("outstanding_union_worker")
    db.session.refresh(honor)
    assert (honor.seal_png, honor.background_image) == (REAL_PNG, REAL_JPEG)


@pytest.mark.parametrize(("content", "name", "says"), [
    pytest.param(b"", "units.xlsx", NOT_A_WORKBOOK, id="zero_bytes"),
    pytest.param(HTML, "units.xlsx", NOT_A_WORKBOOK, id="html_named_xlsx"),
    pytest.param(PNG_BOMB, "units.xlsx", NOT_A_WORKBOOK, id="image_named_xlsx"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 60, "units.xlsx", NOT_A_WORKBOOK, id="broken_zip"),
    pytest.param(b"PK\x03\x04".ljust(2 * 1024 * 1024 + 1, b"\0"), "units.xlsx", "文件大于 2 MB", id="over_2_mb"),
    pytest.param(b"code,name\n1,2\n", "../../etc/passwd", "只能导入 Excel 工作簿", id="path_traversal_name"),
    pytest.param(b"code,name\n1,2\n", "units.xlsx\x00.csv", "只能导入 Excel 工作簿", id="nul_in_the_name"),
])
@pytest.mark.parametrize("kind", ["units", "users"])
def test_a_bad_import_file_is_refused_with_a_clear_message_and_nothing_is_kept(app, client, world, kind, content,
                                                                               name, says):
    client.post("/login", data={"username": "admin", "password": factories.PASSWORD})
    files, before = stored_files(app), rows()
    response = client.post(f"/admin/import/{kind}", data={"file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert says in messages(response.get_data(as_text=True))
    assert stored_files(app) == files
    assert rows() == before


# ---------------------------------------------------------------- names and what is served
@pytest.mark.parametrize(("filename", "kept"), [
    pytest.param("..", "file", id="only_dots"),
    pytest.param("...", "file", id="three_dots"),
    pytest.param("../../../", "file", id="only_a_path"),
    pytest.param("a" * 400 + ".pdf", "a" * 200, id="four_hundred_characters"),
    pytest.param("C:\\\\Users\\\\证据.pdf", "证据.pdf", id="windows_absolute_path"),
    pytest.param("\u202efdp.exe", "fdp.exe", id="right_to_left_override"),
])
@pytest.mark.parametrize("send", UPLOAD_POINTS[:2])
def test_a_hostile_file_name_is_kept_only_as_a_safe_label(app, client, world, send, filename, kept):
    files = stored_files(app)
    send(client, world, PDF, filename)
    db.session.expire_all()
    if send is attach:
        label, storage = db.session.execute(select(Attachment.original_name, Attachment.storage_name)
                                            .order_by(Attachment.id.desc()).limit(1)).one()
    else:
        label, storage = db.session.execute(select(Objection.attachment_name, Objection.attachment_storage)
                                            .order_by(Objection.id.desc()).limit(1)).one()
    assert label == kept
    assert re.fullmatch(r"[0-9a-f]{32}", storage) and stored_files(app) - files == {storage}


def test_a_pdf_html_polyglot_is_only_ever_served_as_a_pdf_download(client, world):
    response = attach(client, world, POLYGLOT, "事迹.pdf")
    assert response.status_code == 200
    attachment = db.session.scalars(select(Attachment).order_by(Attachment.id.desc()).limit(1)).one()
    assert attachment.content_type == "application/pdf"
    for query in ("", "?inline=1"):
        served = client.get(f"/nominations/{attachment.nomination_id}/attachments/{attachment.id}{query}")
        served.close()
        assert served.mimetype == "application/pdf", "never text/html, whatever the bytes say"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in served.headers["Content-Security-Policy"]
        assert served.headers["Content-Disposition"].startswith("inline" if query else "attachment")
