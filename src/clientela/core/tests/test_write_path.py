"""Rule 1, one write path, checked by reading the code.

Every module under src/clientela (tests, migrations and the test kit aside) is parsed,
and every write to the database it contains is found: `.save()` / `.delete()` on
anything, `.create()` / `.update()` / `.delete()` / `.get_or_create()`... on a manager
or a queryset (`Model.objects...`, `....filter(...)`, a name bound to one), changes to a
many-to-many or reverse relation (`record.tags.add(...)`), `bulk_create` / `bulk_update`,
a compiled query executed by hand (`execute_sql`) and raw SQL that writes (a literal
INSERT, UPDATE, DELETE or COPY). A write is allowed only in the modules listed in
`ALLOWED`, each with its reason; anything else fails, naming file:line.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

import clientela

SRC = Path(clientela.__file__).parent

# Module paths (relative to src/clientela, fnmatch patterns) that may write, and why.
ALLOWED: dict[str, str] = {
    "*/actions.py": "the write path itself: each app's actions check, validate, write and log",
    "*/actions/*.py": "the same, for an app whose actions are a package of one module per concept",
    "core/records.py": "the mechanics the actions share: create, versioned update, bump, trash, restore",
    "core/changelog.py": "appends the events the actions log",
    "parties/writes.py": "child rows (e-mails, phones, addresses, tags, affiliations) the actions and merge write",
    "parties/merge.py": "the merge, run only by actions.contact_merge / organization_merge",
    "parties/relationships.py": "relationships, written only by actions.relationship_create / relationship_delete",
    "parties/importing/bulkwrite.py": "the import's batch writer, run only by the import actions",
    "parties/importing/sinks.py": "the COPY / multi-row statements of the batch writer",
    # Bookkeeping that is no record: no version, no event, nothing a user edits.
    "accounts/throttle.py": "counters of failed sign-ins and password-reset requests",
    "accounts/api_auth.py": "an API token's last-used time",
    "core/apikit/idempotency.py": "the API's remembered responses to Idempotency-Key requests",
    # Schema, not rows: the operator's command for optional indexes (like a migration).
    "parties/management/commands/sort_indexes.py": "CREATE / DROP INDEX of the per-language name indexes",
}
# Calls that look like writes but write no database row: (module, call as written) -> why.
NOT_DATABASE_WRITES: dict[tuple[str, str], str] = {
    ("parties/exporting.py", "book.save"): "an openpyxl workbook written to the download",
    ("accounts/tasks.py", "form.save"): "Django's PasswordResetForm.save: renders and sends the reset e-mail",
}
SKIPPED_DIRECTORIES = {"tests", "migrations", "testing"}  # testing/: the tests' factories and cast

# Writes whatever they are called on (a model instance, a queryset).
ANY_RECEIVER = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "execute_sql"}
# Writes when called on a manager, a queryset or a related manager (`dict.update`, `set.add` are not).
ON_QUERYSET = {"update", "create", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
ON_RELATED = {"add", "set", "remove", "clear", "create", "update", "delete"}
MANAGERS = {"objects", "all_objects", "_base_manager", "_default_manager"}
QUERYSET_METHODS = {
    "filter", "exclude", "all", "select_for_update", "order_by", "select_related", "prefetch_related", "only",
    "defer", "using", "distinct", "none", "annotate", "alias", "values", "values_list", "reverse",
}  # fmt: skip
WRITING_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY|MERGE|TRUNCATE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def related_names() -> set[str]:
    """The names under which a Clientela model reaches many rows of another (`tags`, `points`, `members`...)."""
    names: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("clientela."):
            continue
        for field in model._meta.get_fields():
            if field.many_to_many or field.one_to_many:
                accessor = field.get_accessor_name() if field.auto_created else field.name
                if accessor:
                    names.add(accessor)
    return names


def _chain(node: ast.expr) -> Iterator[ast.expr]:
    """The expression and what it is called or looked up on, outwards in: a.b(c).d -> a.b(c).d, a.b(c), a.b, a."""
    while True:
        yield node
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            return


def _is_queryset(node: ast.expr, querysets: set[str]) -> bool:
    for link in _chain(node):
        if isinstance(link, ast.Attribute) and link.attr in MANAGERS:
            return True
        if isinstance(link, ast.Call) and isinstance(link.func, ast.Attribute) and link.func.attr in QUERYSET_METHODS:
            return True
        if isinstance(link, ast.Name) and link.id in querysets:
            return True
    return False


def _sql_text(node: ast.expr, texts: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.Name):
        return texts.get(node.id, "")
    return ""


def writes_in(source: str, related: set[str]) -> list[tuple[int, str]]:
    """(line, call as written) of every database write in a module's source."""
    tree = ast.parse(source)
    imported: set[str] = set()
    querysets: set[str] = set()  # names bound to a manager or a queryset
    texts: dict[str, str] = {}  # names bound to literal SQL
    decorators: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            decorators.update(id(d) for d in node.decorator_list)
    for node in ast.walk(tree):  # bindings, after every import is known
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    if _is_queryset(node.value, querysets):
                        querysets.add(target.id)
                    text = _sql_text(node.value, texts)
                    if text:
                        texts[target.id] = text
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or id(node) in decorators:
            continue
        method, receiver = node.func.attr, node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in imported:
            continue  # a module's function (`editing.save`), not a model's method
        writes = (
            method in ANY_RECEIVER
            or (method in ON_QUERYSET and _is_queryset(receiver, querysets))
            or (method in ON_RELATED and isinstance(receiver, ast.Attribute) and receiver.attr in related)
            or (
                method in ("execute", "executemany", "copy")
                and bool(node.args)
                and bool(WRITING_SQL.match(_sql_text(node.args[0], texts)))
            )
        )
        if writes:
            found.append((node.lineno, f"{ast.unparse(receiver)}.{method}"))
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if not SKIPPED_DIRECTORIES.intersection(relative.parts[:-1]):
            yield relative.as_posix(), path


def _allowed(module: str) -> bool:
    return any(fnmatch.fnmatch(module, pattern) or module == pattern for pattern in ALLOWED)


def test_only_actions_and_their_writers_write_to_the_database():
    related = related_names()
    offenders = [
        f"src/clientela/{module}:{line}: {call}(...)"
        for module, path in _modules()
        if not _allowed(module)
        for line, call in writes_in(path.read_text(encoding="utf-8"), related)
        if (module, call) not in NOT_DATABASE_WRITES
    ]
    assert not offenders, "writes outside the write path (move them into an action):\n" + "\n".join(offenders)


def test_every_allowed_writer_exists_and_writes():
    """The allow-list stays short and true: each entry names modules that exist and do write."""
    related = related_names()
    modules = dict(_modules())
    for pattern, reason in ALLOWED.items():
        matched = [m for m in modules if fnmatch.fnmatch(m, pattern)]
        assert matched and reason, pattern
        assert any(writes_in(modules[m].read_text(encoding="utf-8"), related) for m in matched), pattern
    for (module, call), _reason in NOT_DATABASE_WRITES.items():
        assert call in {c for _l, c in writes_in(modules[module].read_text(encoding="utf-8"), related)}, module


@pytest.mark.parametrize(
    "line",
    [
        "Contact.objects.filter(pk=1).update(x=1)",
        "Contact.all_objects.create(last_name='x')",
        "record.save(update_fields=['title'])",
        "contact.delete()",
        "contact.tags.add(tag)",
        "rows = Contact.objects.filter(team=team)\nrows.delete()",
        "Tag.objects.bulk_create(tags)",
        "query.get_compiler(connection=side).execute_sql(None)",
        "cursor.execute('UPDATE parties_contact SET title = %s', [title])",
        "sql = f'DELETE FROM {table}'\ncursor.execute(sql)",
    ],
)
def test_the_scanner_finds_a_write_in_module_text(line):
    source = "from clientela.parties.models import Contact, Tag\n\n\n"
    source += "def f(contact, record, tag, team, tags, query, side, cursor, title, table):\n"
    source += "".join(f"    {text}\n" for text in line.splitlines())
    assert writes_in(source, {"tags"}), line


def test_the_scanner_finds_an_injected_queryset_update_with_its_line():
    source = (
        "from clientela.parties.models import Contact\n\n\ndef sneak():\n    Contact.objects.filter(pk=1).update(x=1)\n"
    )
    assert writes_in(source, related_names()) == [(5, "Contact.objects.filter(pk=1).update")]


@pytest.mark.parametrize(
    "line",
    [
        "changes.update({'a': 1})",
        "seen.add(key)",
        "existing = set(Contact.objects.values_list('pk', flat=True))\nexisting.add(1)",
        "cursor.execute('SELECT 1')",
        "editing.save(user=user)",
    ],
)
def test_the_scanner_leaves_what_writes_no_row_alone(line):
    source = "from clientela.parties import editing\nfrom clientela.parties.models import Contact\n\n\n"
    source += "def f(changes, seen, key, cursor, user):\n"
    source += "".join(f"    {text}\n" for text in line.splitlines())
    assert writes_in(source, {"tags"}) == [], line
