import time
import uuid

from clientela.core.ids import uuid7, uuid7_texts


def test_an_id_is_a_version_7_uuid_of_the_rfc_variant() -> None:
    made = uuid7()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_an_id_starts_with_the_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_later() -> None:
    first = uuid7()
    time.sleep(0.002)
    assert uuid7() > first


def test_bulk_ids_are_text_of_valid_distinct_version_7_uuids() -> None:
    texts = uuid7_texts(50_000)
    parsed = [uuid.UUID(text) for text in texts]
    assert [str(p) for p in parsed] == texts
    assert len(set(texts)) == len(texts)
    assert {p.version for p in parsed} == {7}
    assert {p.variant for p in parsed} == {uuid.RFC_4122}


def test_no_ids_for_none_wanted() -> None:
    assert uuid7_texts(0) == []
