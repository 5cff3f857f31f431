"""A search's results ranked: records whose name starts with a word typed first, then the
other matches — each group by name, so the first pages cost a few index pages however many
records match.

Rank 0 holds the records whose `name_sort` (the folded name, last name first for contacts)
starts with one of the words typed and that match the whole search; they are read in order
from the `name_sort` index, one range per word (migration 0012), stopping after a page. Rank
1 holds every other match; it needs all of them fetched and sorted (the trigram index finds
them), which the list reaches only once rank 0 has run out — or at once when no name starts
with a word typed (an e-mail or phone fragment).

A page may end in rank 0 and the next start in rank 1: the cursor says which rank it is in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from clientela.core.apikit.pagination import (
    Page,
    SortKey,
    after,
    check_cursor_types,
    decode_cursor,
    encode_cursor,
    paginate,
)
from clientela.core.errors import ApiError
from clientela.parties import normalize, queries

if TYPE_CHECKING:
    from clientela.accounts.models import User

KEYS = [SortKey("name_sort", False), SortKey("id", False)]
FIRST_RANK = "rank0:"
MAX_WORDS = 8
# Above every character: "kovac" <= a name starting with "kovac" < "kovac" + TOP, in byte order.
TOP = "\U0010ffff"


def prefix_words(text: str) -> list[str]:
    """The folded words typed, each a name prefix to look up (duplicates dropped)."""
    words: list[str] = []
    for word in normalize.fold(text).split()[:MAX_WORDS]:
        if word not in words:
            words.append(word)
    return words


def _starts_with(word: str) -> Q:
    return Q(name_sort__gte=word, name_sort__lt=word + TOP)


def _starting_with_any(words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition |= _starts_with(word)
    return condition


def ranked_page(reader: User, records: QuerySet[Any], text: str, *, cursor: str | None, limit: int) -> Page:
    """One page of the `records` (filtered but not yet searched) that match `text`, in rank order."""
    words = prefix_words(text)
    matches = records.filter(queries.search_filter(text, reader))
    others = matches.exclude(_starting_with_any(words))
    position = _first_rank_position(records, cursor)
    if cursor and position is None:  # the cursor is in rank 1 (paginate() judges it)
        return paginate(others, keys=KEYS, cursor=cursor, limit=limit, selective=True)
    # Rank 0 reads the name index in order and tests each row's search text as it goes: the
    # test is written so that the trigram index does not answer it, or the planner would
    # fetch every match through that index and sort them, which is what this order avoids.
    first = records.filter(queries.search_filter(text, reader, scanning=True))
    rows = _first_rank(first, words, position, limit + 1)
    if len(rows) > limit:
        return Page(items=rows[:limit], next_cursor=encode_cursor(KEYS, rows[limit - 1], tag=FIRST_RANK))
    if len(rows) == limit:  # rank 0 ends with this page; rank 1 may follow
        more = others.exists()
        return Page(items=rows, next_cursor=encode_cursor(KEYS, rows[-1], tag=FIRST_RANK) if more else None)
    rest = paginate(others, keys=KEYS, cursor=None, limit=limit - len(rows), selective=True)
    return Page(items=rows + rest.items, next_cursor=rest.next_cursor)


def _first_rank_position(records: QuerySet[Any], cursor: str | None) -> list[Any] | None:
    """The rank-0 cursor's position, or None (no cursor, or a rank-1 cursor)."""
    if not cursor:
        return None
    try:
        values = decode_cursor(cursor, KEYS, tag=FIRST_RANK)
    except ApiError:
        return None
    check_cursor_types(records.model, KEYS, values)
    return values


def _first_rank(matches: QuerySet[Any], words: list[str], position: list[Any] | None, wanted: int) -> list[Any]:
    """Up to `wanted` rank-0 records after `position`: one ordered index range per word, merged."""
    found: dict[int, Any] = {}
    for word in words:
        query = matches.filter(_starts_with(word))
        if position is not None:
            query = query.filter(after(KEYS, position))
        for row in query.order_by("name_sort", "id")[:wanted]:
            found.setdefault(row.pk, row)
    return sorted(found.values(), key=lambda row: (row.name_sort, row.pk))[:wanted]
