"""`clientela user add` and `clientela token create|revoke|list`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clientela.accounts import queries
from clientela.accounts.models import ApiToken, Team, User
from clientela.core.models import Event

GOOD_PASSWORD = "plenty-long-passphrase-7"


def run(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    extra = {} if stdin is None else {"stdin": io.StringIO(stdin)}
    call_command(*args, stdout=out, **extra)
    return out.getvalue()


def test_user_add_reads_the_password_from_stdin_and_creates_the_team(db):
    output = run(
        "user", "add", "carol", "--role", "sales", "--team", "East", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
    )
    user = User.objects.get(username="carol")
    assert user.check_password(GOOD_PASSWORD)
    assert user.role == "sales"
    assert user.team == Team.objects.get(name="East")
    assert "created team East" in output
    assert "created user carol" in output
    assert set(Event.objects.values_list("source", flat=True)) == {"cli"}


def test_user_add_joins_an_existing_team_whatever_its_case(cast):
    run(
        "user",
        "add",
        "dave",
        "--role",
        "service",
        "--team",
        "north",
        "--email",
        "d@example.test",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    assert User.objects.get(username="dave").team == cast.north
    assert Team.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "boss"], GOOD_PASSWORD, "unknown role 'boss'; valid roles: admin, manager, sales"),
        (["--role", "sales"], "\n", "the password read from standard input is empty"),
        (["--role", "sales"], "", "the password read from standard input is empty"),
        (["--role", "sales"], "short\n", "too short"),
    ],
)
def test_user_add_refuses_bad_input_with_one_clear_line(db, args, stdin, message):
    with pytest.raises(CommandError, match=message) as raised:
        run("user", "add", "erin", *args, "--team", "Nowhere", "--password-stdin", stdin=stdin)
    assert "\n" not in str(raised.value)
    assert not User.objects.filter(username="erin").exists()
    assert not Team.objects.filter(name="Nowhere").exists()


def test_user_add_refuses_an_existing_username(cast):
    with pytest.raises(CommandError, match="already exists"):
        run("user", "add", "sales_north", "--role", "sales", "--password-stdin", stdin=GOOD_PASSWORD)


def test_user_add_requires_password_stdin(db):
    with pytest.raises(CommandError, match="--password-stdin"):
        run("user", "add", "frank", "--role", "sales", stdin="")


def test_token_create_prints_the_token_as_the_last_line_and_it_works(cast):
    output = run("token", "create", "sales_north", "--name", "ci", "--expires-days", "7")
    raw = output.strip().splitlines()[-1]
    token = queries.active_token(raw)
    assert token is not None and token.user == cast.sales_north
    assert token.name == "ci" and token.expires_at is not None
    listing = run("token", "list", "sales_north")
    assert token.lookup_prefix in listing and "active" in listing
    assert raw not in listing


def test_token_revoke_by_prefix_or_id(cast):
    first = run("token", "create", "sales_north").strip().splitlines()[-1]
    second = run("token", "create", "sales_north").strip().splitlines()[-1]
    run("token", "revoke", first[:12])
    assert queries.active_token(first) is None
    assert queries.active_token(second) is not None
    token_id = str(ApiToken.objects.get(lookup_prefix=second[:12]).public_id)
    run("token", "revoke", token_id)
    assert queries.active_token(second) is None
    assert "revoked" in run("token", "list", "sales_north")


def test_token_commands_name_what_is_wrong(cast):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        run("token", "create", "ghost")
    with pytest.raises(CommandError, match="no token matches"):
        run("token", "revoke", "clt_nothing")
    with pytest.raises(CommandError, match="between 1 and"):
        run("token", "create", "sales_north", "--expires-days", "0")


def test_token_for_an_inactive_user_is_refused(cast):
    cast.sales_north.is_active = False
    cast.sales_north.save()
    with pytest.raises(CommandError, match="not active"):
        run("token", "create", "sales_north")


CLIENTELA = Path(sys.executable).with_name("clientela")


def test_console_script_user_add_and_token_create(tmp_path):
    """The real command line, on its own SQLite database."""
    env = {**os.environ, "CLIENTELA_SQLITE_PATH": str(tmp_path / "cli.sqlite3"), "CLIENTELA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def clientela(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [str(CLIENTELA), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300, check=False
        )

    assert clientela("migrate", "--no-input", "-v", "0").returncode == 0
    added = clientela(
        "user", "add", "gina", "--role", "analyst", "--team", "Data", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    again = clientela("user", "add", "gina", "--role", "analyst", "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert again.returncode != 0
    assert len(again.stderr.strip().splitlines()) == 1
    assert "already exists" in again.stderr
    bad_role = clientela("user", "add", "hank", "--role", "boss", "--password-stdin", stdin=GOOD_PASSWORD)
    assert bad_role.returncode != 0 and "valid roles: admin" in bad_role.stderr
    created = clientela("token", "create", "gina")
    assert created.returncode == 0, created.stderr
    raw = created.stdout.strip().splitlines()[-1]
    assert raw.startswith("clt_")
