"""The `supervision-bot` command as a council's IT team would run it, in a real subprocess."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run


def test_help_speaks_to_a_team_manager(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("init", "import", "demo", "serve", "score"):
        assert command in result.stdout
    assert "children's social care" in result.stdout


def test_init_import_and_rerun(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    created = run(
        tmp_path, "init", "--org", "north", "--name", "North Council", "--pack", "lambeth"
    )
    assert created.returncode == 0, created.stderr
    assert "follows the 'lambeth' policy pack" in created.stdout
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "external_ref,name,email,role\n"
        "E1,Priya Shah,priya@north.gov.uk,team manager\n"
        "E2,Tom Evans,tom@north.gov.uk,social worker\n"
    )
    first = run(tmp_path, "import", "staff", str(staff))
    assert first.returncode == 0, first.stderr
    assert "2 were created" in first.stdout
    again = run(tmp_path, "import", "staff", str(staff))
    assert "0 were created, 0 were updated, 2 unchanged" in again.stdout


def test_go_live_and_history_from_the_command_line(tmp_path: Path) -> None:
    # Issue 23 item 1, as a council's IT team runs it: the import says when no go-live is set,
    # init sets it, and history imports with its own line errors.
    run(tmp_path, "init", "--org", "north", "--name", "North Council", "--pack", "lambeth")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "external_ref,name,email,role,start_date\n"
        "E1,Siân Ŵyn,sian@north.gov.uk,team manager,2012-01-09\n"
        "E2,Łukasz Żak,lukasz@north.gov.uk,social worker,2015-03-02\n",
        encoding="utf-8",
    )
    first = run(tmp_path, "import", "staff", str(staff))
    assert first.returncode == 0, first.stderr
    assert "No go-live date is set" in first.stdout
    bad_day = run(tmp_path, "init", "--org", "north", "--go-live", "07/12/2026")
    assert bad_day.returncode == 2
    assert "is not a date; write YYYY-MM-DD" in bad_day.stderr
    live = run(tmp_path, "init", "--org", "north", "--go-live", "2026-12-07")
    assert live.returncode == 0, live.stderr
    assert "goes live on 07 December 2026" in live.stdout
    history = tmp_path / "history.csv"
    history.write_text(
        "supervisee_email,supervisor_email,date,type\n"
        "lukasz@north.gov.uk,sian@north.gov.uk,2026-11-23,professional\n"
        "lukasz@north.gov.uk,sian@north.gov.uk,2026-11-24,chat\n"
    )
    refused = run(tmp_path, "import", "history", str(history))
    assert refused.returncode == 1
    assert f"{history}:3: column 'type', value 'chat': unknown type of session" in refused.stderr
    history.write_text("\n".join(history.read_text().splitlines()[:2]) + "\n")
    imported = run(tmp_path, "import", "history", str(history))
    assert imported.returncode == 0, imported.stderr
    assert "1 history row(s): 1 were created" in imported.stdout
    assert "No go-live date is set" not in imported.stdout


def test_bad_rows_are_listed_with_file_line_and_column(tmp_path: Path) -> None:
    run(tmp_path, "init", "--org", "north", "--name", "North Council", "--pack", "lambeth")
    staff = tmp_path / "staff.csv"
    staff.write_text("external_ref,name,email,role\nE1,Priya Shah,not-an-email,team manager\n")
    result = run(tmp_path, "import", "staff", str(staff))
    assert result.returncode == 1
    assert f"{staff}:2: column 'email', value 'not-an-email': not an email address" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_pack_and_missing_organisation_are_clear(tmp_path: Path) -> None:
    result = run(tmp_path, "init", "--org", "x", "--name", "X", "--pack", "atlantis")
    assert result.returncode == 2
    assert "no policy pack 'atlantis'" in result.stderr
    assert "derbyshire" in result.stderr
    run(tmp_path, "init")
    staff = tmp_path / "staff.csv"
    staff.write_text("external_ref,name,email,role\n")
    result = run(tmp_path, "import", "staff", str(staff))
    assert result.returncode == 2
    assert "there is no organisation yet" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_settings_stop_start_up_with_every_problem(tmp_path: Path) -> None:
    result = run(tmp_path, "init", env={"PORT": "x", "TIMEZONE": "Nowhere/Else"})
    assert result.returncode == 2
    assert "PORT" in result.stderr
    assert "TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["", "--if-empty"])
def test_demo_seeds_a_realistic_council_once(tmp_path: Path, flag: str) -> None:
    args = ["demo", flag] if flag else ["demo"]
    first = run(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert "Added Demoshire County Council" in first.stdout
    second = run(tmp_path, *args)
    assert second.returncode == 0
    assert "already there" in second.stdout


def test_score_a_person_from_the_database(tmp_path: Path) -> None:
    assert run(tmp_path, "demo").returncode == 0
    result = run(tmp_path, "score", "--person", "Sam.Taylor@demoshire.example", "--format", "table")
    assert result.returncode == 0, result.stderr
    assert "points under Derbyshire Workload Management Scheme" in result.stdout
    assert "C-" in result.stdout
    missing = run(tmp_path, "score", "--person", "nobody@demoshire.example")
    assert missing.returncode == 2
    assert "no staff member has the email" in missing.stderr


def test_channels_for_digests_and_the_summary(tmp_path: Path) -> None:
    assert run(tmp_path, "demo").returncode == 0
    team = run(tmp_path, "channel", "Safeguarding North", "--slack", "C0123")
    assert team.returncode == 0, team.stderr
    assert "Safeguarding North's weekly digest" in team.stdout
    senior = run(tmp_path, "channel", "senior", "--teams", "19:abc@thread.tacv2")
    assert "monthly service summary" in senior.stdout
    missing = run(tmp_path, "channel", "Nowhere", "--slack", "C1")
    assert missing.returncode == 2
    assert "no team 'Nowhere'" in missing.stderr
    assert "Children in Care" in missing.stderr
    # Issue 23 item 6: a team's standing meeting link, https only.
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    meeting = run(tmp_path, "channel", "Safeguarding North", "--meeting-link", link)
    assert meeting.returncode == 0, meeting.stderr
    assert "Set the meeting link for Safeguarding North's virtual supervision" in (meeting.stdout)
    bad = run(tmp_path, "channel", "Safeguarding North", "--meeting-link", "teams meeting")
    assert bad.returncode == 2
    assert "must be an https:// link" in bad.stderr


def test_serve_without_a_database_refuses_with_the_command_to_run(tmp_path: Path) -> None:
    """Issue 21 item 12: it started and logged "no such table: outboxmessage" on every tick."""
    for command in ("serve", "worker"):
        result = run(tmp_path, command)
        assert result.returncode == 2
        assert "supervision-bot init --org SLUG --name NAME --pack PACK" in result.stderr
        assert "no such table" not in result.stderr


def test_serve_demo_in_an_empty_folder_creates_the_database_and_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21 item 12: `serve --demo` in an empty folder creates what it serves."""
    import sqlite3

    from aiohttp import web

    from bot.cli import main
    from bot.commands import serve

    served: list[int | str] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr(web, "run_app", lambda app, **kw: served.append(kw["port"]))
    # Issue 18: start-up's objects are frozen out of the collector's full passes before the
    # server runs (not in this test's own process: the call is recorded, not made).
    monkeypatch.setattr(serve.gc, "freeze", lambda: served.append("frozen"))
    assert main(["serve", "--demo", "--port", "3999", "--no-scheduler"]) == 0
    assert served == ["frozen", 3999]
    served.clear()
    with sqlite3.connect(tmp_path / "empty.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        assert "outboxmessage" in tables
        assert db.execute("select count(*) from organisation").fetchone()[0] == 1
    assert main(["serve", "--demo", "--port", "3999", "--no-scheduler"]) == 0  # kept, not doubled
    with sqlite3.connect(tmp_path / "empty.db") as db:
        assert db.execute("select count(*) from organisation").fetchone()[0] == 1


def test_reach_lists_who_the_bot_cannot_speak_to_under_their_manager(tmp_path: Path) -> None:
    """Issue 23 item 5: a Teams person who never installed the app has no chat the bot may
    open; the IT team and their manager are told, not left to find out from silence."""
    run(tmp_path, "init", "--org", "north", "--name", "North Council", "--pack", "lambeth")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "external_ref,name,email,role,line_manager_email,teams_aad_object_id\n"
        "E1,Siân Ŵyn,sian@north.gov.uk,team manager,,11111111-1111-1111-1111-111111111111\n"
        "E2,Łukasz Żak,lukasz@north.gov.uk,social worker,sian@north.gov.uk,"
        "22222222-2222-2222-2222-222222222222\n",
        encoding="utf-8",
    )
    assert run(tmp_path, "import", "staff", str(staff)).returncode == 0
    before = run(tmp_path, "reach")
    assert before.returncode == 0, before.stderr
    assert "2 people in post cannot be reached by the bot yet" in before.stdout
    assert "Line manager Siân Ŵyn (1):\n  Łukasz Żak <lukasz@north.gov.uk> (Teams: install" in (
        before.stdout
    )
    # Siân opens the app in Teams: the bot stores her chat, and she drops off the list.
    database = tmp_path / "cli.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO conversationreference (platform, conversation_id, staff_id, reference, "
            "updated_at) SELECT 'teams', 'a:1', id, '{}', CURRENT_TIMESTAMP FROM staff "
            "WHERE email = 'sian@north.gov.uk'"
        )
        # A reminder for Łukasz was held (bot.teams.reach): counted against his name.
        connection.execute(
            "INSERT INTO outboxmessage (idempotency_key, platform, target, kind, payload, "
            "due_at, status, attempts, parts_sent, created_at) SELECT 'r:1:web', 'web', "
            "'staff:' || id, 'reminder', '{}', CURRENT_TIMESTAMP, 'held', 0, 0, "
            "CURRENT_TIMESTAMP FROM staff WHERE email = 'lukasz@north.gov.uk'"
        )
    after = run(tmp_path, "reach")
    assert "1 person in post cannot be reached" in after.stdout
    assert "Siân Ŵyn <" not in after.stdout
    assert "1 message held for them, sent as soon as the app is installed" in after.stdout
    assert "(Teams: install the app for them), 1 held" in after.stdout
