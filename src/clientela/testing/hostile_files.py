"""Hostile and broken import files, made small: for the tests and `bench/load/hostile_files.py`.

A workbook that unpacks to hundreds of megabytes is written without ever holding them: its
deflate stream is one block compressed once and repeated (after a full flush a block refers
to nothing before it, so the copies decode one after the other), and its CRC is computed
block by block. Each file is a real, valid archive unless its name says otherwise.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
MB = 1024 * 1024


@dataclass
class Member:
    """A part of an archive: its deflate stream, CRC and unpacked size (as declared)."""

    name: str
    packed: bytes
    crc: int
    size: int


def packed(name: str, data: bytes) -> Member:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def repeated(name: str, head: bytes, block: bytes, times: int, tail: bytes) -> Member:
    """`head`, `times` copies of `block`, `tail`: packed in about the size of one block's packing."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return Member(name, start + one * times + end, crc, len(head) + len(block) * times + len(tail))


def write_zip(path: Path, members: Iterable[Member]) -> Path:
    """A ZIP archive of deflated members, written by hand (so a member may be given packed)."""
    local = bytearray()
    directory = bytearray()
    count = 0
    for member in members:
        name = member.name.encode()
        offset = len(local)
        sizes = (member.crc, len(member.packed), member.size)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, len(name), 0) + name
        local += member.packed
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, len(name), 0, 0, 0, 0, 0,
                                 offset) + name  # fmt: skip
        count += 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(local), 0)
    path.write_bytes(bytes(local + directory + end))
    return path


def _package(strings: bool) -> list[Member]:
    related = f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if strings:
        related += f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    return [
        packed("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        packed(
            "_rels/.rels",
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            f'Target="xl/workbook.xml"/></Relationships>'.encode(),
        ),
        packed(
            "xl/workbook.xml",
            f'<workbook {NS}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
        ),
        packed("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_RELS}">{related}</Relationships>'.encode()),
    ]


def write_workbook(path: Path, sheet: Member | bytes, strings: Member | bytes | None = None) -> Path:
    """A workbook of one sheet (`sheet`: xl/worksheets/sheet1.xml) and optional shared strings."""
    members = _package(strings is not None)
    members.append(sheet if isinstance(sheet, Member) else packed("xl/worksheets/sheet1.xml", sheet))
    if strings is not None:
        members.append(strings if isinstance(strings, Member) else packed("xl/sharedStrings.xml", strings))
    return write_zip(path, members)


def sheet_xml(rows: list[str], *, prolog: str = "") -> bytes:
    """A sheet of the given <row> elements."""
    return f"{prolog}<worksheet {NS}><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def huge_shared_strings(path: Path, count: int, *, used: int | None = None) -> Path:
    """A shared-strings table of `count` short texts; the sheet's header uses the first, its one
    data row text number `used` (by default the last)."""
    used = count - 1 if used is None else used
    per_block = 65_536
    times, rest = divmod(count, per_block)
    entry = b"<si><t>x</t></si>"
    strings = repeated(
        "xl/sharedStrings.xml", f'<sst {NS} count="{count}" uniqueCount="{count}">'.encode(),
        entry * per_block, times, entry * rest + b"</sst>",
    )  # fmt: skip
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>', f'<row r="2"><c r="A2" t="s"><v>{used}</v></c></row>']
    return write_workbook(path, sheet_xml(rows), strings)


def huge_sheet(path: Path, unpacked: int) -> Path:
    """A sheet of about `unpacked` bytes of empty rows, after a header."""
    block = b"<row/>" * (MB // 6)
    head = f'<worksheet {NS}><sheetData><row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row>'.encode()
    sheet = repeated(
        "xl/worksheets/sheet1.xml", head, block, max(unpacked // len(block), 1), b"</sheetData></worksheet>"
    )
    return write_workbook(path, sheet)


def huge_cell(path: Path, characters: int) -> Path:
    """A header, then one row whose first cell holds `characters` characters."""
    head = f'<worksheet {NS}><sheetData>{inline_row(1, ["Name"])}<row r="2"><c t="inlineStr"><is><t>'.encode()
    block = b"a" * MB
    sheet = repeated(
        "xl/worksheets/sheet1.xml",
        head,
        block,
        max(characters // MB, 1),
        b"</t></is></c></row></sheetData></worksheet>",
    )
    return write_workbook(path, sheet)


def wide_workbook(path: Path, columns: int) -> Path:
    """A header row of `columns` columns."""
    return write_workbook(path, sheet_xml([inline_row(1, [f"c{n}" for n in range(columns)])]))


def wide_csv(path: Path, columns: int) -> Path:
    path.write_text(",".join(f"c{n}" for n in range(columns)) + "\n" + ",".join("x" * columns) + "\n")
    return path


def long_cell_csv(path: Path, characters: int) -> Path:
    path.write_text(f'Name,E-mail\n"{"a" * characters}",a@example.test\n')
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)


def billion_laughs(path: Path) -> Path:
    """Entities that expand to a billion "lol"s, used in the sheet."""
    return write_workbook(path, sheet_xml([inline_row(1, ["&lol9;"])], prolog=BILLION_LAUGHS))


def external_entity(path: Path) -> Path:
    """An entity naming a file of the server, used in the sheet."""
    prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    return write_workbook(path, sheet_xml([inline_row(1, ["&secret;"])], prolog=prolog))
