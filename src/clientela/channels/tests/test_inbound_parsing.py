"""The pieces of e-mail in that need no server: reading odd messages, typing files by their
bytes, file names, delivery reports, names from a sender, and passwords at rest."""

from __future__ import annotations

import io
import zipfile

import pytest

from clientela.channels.actions.triage import names_from
from clientela.channels.inbound import attachments, dsn
from clientela.channels.inbound.credentials import PasswordUnreadable, decrypt_password, encrypt_password
from clientela.channels.inbound.parsing import decode_bytes, parse_message


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0..JFIF", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (_zip("[Content_Types].xml", "word/document.xml"),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (_zip("[Content_Types].xml", "xl/workbook.xml"),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (_zip("notes.txt"), "application/zip"),
        (b"Dear Sir,\nplease find the figures below.\n", "text/plain"),
        ("Tisztelt Uram, árvíztűrő".encode(), "text/plain"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "application/octet-stream"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "application/octet-stream"),
        (b'<?xml version="1.0"?><a/>', "application/octet-stream"),
        (b"Hello\n<script>alert(1)</script>", "application/octet-stream"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)  # fmt: skip
def test_a_file_is_typed_by_its_bytes_and_markup_is_never_typed_as_markup(data, kind):
    assert attachments.sniff(data) == kind


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\offer.pdf", "offer.pdf"),
        ("in\r\nvoice.pdf", "in voice.pdf"),
        (".hidden", "hidden"),
        ("", "attachment.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_lose_folders_and_control_characters(name, safe):
    assert attachments.safe_filename(name, "application/pdf") == safe


def test_a_stored_file_is_found_by_its_hash_and_a_bad_hash_is_refused(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    import hashlib

    data = b"%PDF-1.4 offer"
    digest = hashlib.sha256(data).hexdigest()
    attachments.store(data, digest)
    attachments.store(data, digest)  # the same file twice: kept once
    assert attachments.open_stored(digest).read() == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]
    with pytest.raises(ValueError):
        attachments.path_for("../" + digest[3:])


def test_an_unknown_charset_falls_back_to_utf8_then_windows_1252():
    assert decode_bytes("árvíz".encode(), "x-unknown") == ("árvíz", "unknown charset x-unknown")
    assert decode_bytes(b"caf\xe9", "x-unknown")[0] == "café"
    assert decode_bytes(b"caf\xe9", "base64")[0] == "café"  # a codec that is no text encoding
    assert decode_bytes("żółw".encode("iso-8859-2"), "ISO-8859-2") == ("żółw", "")


def test_nul_bytes_and_raw_bytes_never_reach_the_stored_text():
    parsed = parse_message(b"From: a@b.example\r\nSubject: x\x00y\r\n\r\nnul\x00here \xff\xfe\r\n")
    assert "\x00" not in parsed.subject and "\x00" not in parsed.text
    parsed.text.encode("utf-8")  # no lone surrogates


def test_a_delivery_report_names_the_original_message_and_the_failed_recipients():
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        b"Original-Recipient: rfc822;Anna@Kovacs.example\r\nFinal-Recipient: rfc822; anna@mailhost.example\r\n"
        b"Action: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 mailbox full\r\n\r\n"
        b"Final-Recipient: rfc822; bob@kovacs.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n"
        b"--R\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: us@clientela.example\r\nMessage-ID: <ours-1@clientela.example>\r\n"
        b"Subject: offer\r\n\r\nthe text\r\n--R--\r\n"
    )
    parsed = parse_message(raw)
    report = dsn.read_report(parsed)
    assert report is not None and report.original_message_id == "<ours-1@clientela.example>"
    [failed] = report.failed  # the delayed one is no bounce
    assert (failed.address, failed.original, failed.status) == ("anna@mailhost.example", "Anna@kovacs.example", "5.2.2")
    assert failed.reason == "5.2.2 552 mailbox full"
    [returned] = parsed.attachments  # the original comes back as a file; the report's own parts do not
    assert (returned.filename, returned.declared_type) == ("offer.eml", "message/rfc822")
    assert parsed.text.strip() == "Sorry."


@pytest.mark.parametrize(
    ("display", "address", "names"),
    [
        ("Anna Kovács", "x@y.example", ("Anna", "Kovács")),
        ("Kovács, Anna", "x@y.example", ("Anna", "Kovács")),
        ("", "anna.kovacs@y.example", ("Anna", "Kovacs")),
        ("anna@y.example", "anna@y.example", ("", "Anna")),
        ("Cher", "c@y.example", ("", "Cher")),
    ],
)
def test_a_senders_name_becomes_a_first_and_last_name(display, address, names):
    found = names_from(display, address)
    assert (found["first_name"], found["last_name"]) == names


def test_passwords_are_encrypted_with_the_secret_key_and_unreadable_under_another(settings):
    token = encrypt_password("hunter2")
    assert "hunter2" not in token and decrypt_password(token) == "hunter2"
    assert encrypt_password("hunter2") != token  # a fresh IV every time
    settings.SECRET_KEY = "another installation's key"
    from clientela.channels.inbound import credentials

    credentials._fernet.cache_clear()
    with pytest.raises(PasswordUnreadable):
        decrypt_password(token)
