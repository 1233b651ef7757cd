"""`manage.py classify` end to end: every labelled example (the repository's
examples/intents.jsonl, plus the shared eval set's when it is present: see
tests/shared_files.py) goes through the command, and malformed lines get an error line and
exit status 1.

Two runs go through a real process: the exit status, stderr and stdin are the process's,
and one of them has no database to reach. The other cases call the same command in this
process, its stdin and stdout as strings."""

import io
import json
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from tests.shared_files import INTENT_ROWS, OWN_INTENT_ROWS
from tests.support.processes import process_env, run_manage

INTENTS = ("opt_out", "opt_in", "not_interested", "booked", "specific_time", "busy", "other")


@dataclass
class Run:
    returncode: int
    lines: list[dict]  # what it printed, a JSON object a line


def classify(stdin_text: str) -> Run:
    """The command in this process: its exit status is the CommandError's (0 without one)."""
    out = io.StringIO()
    returncode = 0
    try:
        call_command("classify", stdin=io.StringIO(stdin_text), stdout=out)
    except CommandError as error:
        returncode = error.returncode
    return Run(returncode, [json.loads(line) for line in out.getvalue().splitlines()])


@pytest.fixture(scope="module")
def eval_answers():
    """One run of the command over every eval input; its output lines, in order."""
    done = classify("".join(json.dumps(row.input) + "\n" for row in INTENT_ROWS))
    assert done.returncode == 0, [line for line in done.lines if "error" in line]
    return done.lines


def same_instant(a, b):
    if a is None or b is None:
        return a is None and b is None
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def test_the_repository_has_its_labelled_examples():
    assert len(OWN_INTENT_ROWS) >= 120
    assert {row.expect["intent"] for row in OWN_INTENT_ROWS} == set(INTENTS)
    with_history = [row for row in OWN_INTENT_ROWS if row.input.get("history")]
    assert len(with_history) >= 8


@pytest.mark.parametrize("index", range(len(INTENT_ROWS)), ids=[row.id for row in INTENT_ROWS])
def test_eval_row(eval_answers, index):
    assert len(eval_answers) == len(INTENT_ROWS)
    row, got = INTENT_ROWS[index], eval_answers[index]
    assert got["intent"] == row.expect["intent"], row.input
    assert same_instant(got["follow_up_at"], row.expect["follow_up_at"]), (row.input, got)


def test_follow_up_at_carries_the_offset_of_the_given_zone():
    line = {"text": "call me tomorrow at 3pm", "now": "2026-03-06T15:00:00+00:00", "timezone": "America/New_York"}
    done = classify(json.dumps(line) + "\n")
    assert done.returncode == 0
    assert done.lines == [{"intent": "specific_time", "follow_up_at": "2026-03-07T15:00:00-05:00"}]


def test_history_and_booking_link_are_read():
    lines = [
        {
            "text": "done",
            "now": "2026-03-06T10:00:00-05:00",
            "timezone": "America/New_York",
            "booking_link": "https://example.com/ana",
            "history": [{"direction": "outbound", "text": "Pick a time: https://example.com/ana"}],
        },
        {
            "text": "yes",
            "now": "2026-03-06T10:00:00-05:00",
            "timezone": "America/New_York",
            "history": [
                {"direction": "inbound", "text": "can you call me?"},
                {"direction": "outbound", "text": "Sure! Would 4pm work?"},
            ],
        },
    ]
    done = classify("".join(json.dumps(x) + "\n" for x in lines))
    assert done.returncode == 0
    assert done.lines == [
        {"intent": "booked", "follow_up_at": None},
        {"intent": "specific_time", "follow_up_at": "2026-03-06T16:00:00-05:00"},
    ]


GOOD = {"text": "call me at 3", "now": "2026-03-06T10:00:00-05:00", "timezone": "America/New_York"}
GOOD_ANSWER = {"intent": "specific_time", "follow_up_at": "2026-03-06T15:00:00-05:00"}


def between_good_lines(line: str) -> str:
    return json.dumps(GOOD) + "\n" + line + "\n" + json.dumps(GOOD) + "\n"


@pytest.mark.parametrize(
    "line, field",
    [
        ("{not json", "JSON"),
        ("[1, 2]", "object"),
        (json.dumps({**GOOD, "text": None}), '"text"'),
        (json.dumps({k: v for k, v in GOOD.items() if k != "text"}), '"text"'),
        (json.dumps({k: v for k, v in GOOD.items() if k != "now"}), '"now"'),
        (json.dumps({**GOOD, "now": "yesterday"}), '"now"'),
        (json.dumps({**GOOD, "now": "2026-03-06T10:00:00"}), '"now"'),  # naive
        (json.dumps({k: v for k, v in GOOD.items() if k != "timezone"}), '"timezone"'),
        (json.dumps({**GOOD, "timezone": "Mars/Olympus"}), '"timezone"'),
        (json.dumps({**GOOD, "history": "hi"}), '"history"'),
        (json.dumps({**GOOD, "history": [{"direction": "sideways", "text": "x"}]}), '"history[0]"'),
        (json.dumps({**GOOD, "history": [{"direction": "outbound"}]}), '"history[0]"'),
    ],
)
def test_malformed_line_gets_an_error_naming_the_field(line, field):
    done = classify(between_good_lines(line))
    assert done.returncode == 1
    assert len(done.lines) == 3
    assert done.lines[0] == done.lines[2] == GOOD_ANSWER
    assert set(done.lines[1]) == {"error"} and field in done.lines[1]["error"]


def test_a_malformed_line_on_stdin_exits_1_with_its_error_line_and_one_line_on_stderr():
    done = run_manage("classify", stdin=between_good_lines(json.dumps({**GOOD, "timezone": "Mars/Olympus"})))
    assert done.returncode == 1
    out = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(out) == 3
    assert out[0] == out[2] == GOOD_ANSWER
    assert set(out[1]) == {"error"} and '"timezone"' in out[1]["error"]
    assert len(done.stderr.strip().splitlines()) == 1 and "malformed" in done.stderr, done.stderr


def test_blank_lines_are_ignored_and_all_good_exits_zero():
    done = classify("\n" + json.dumps(GOOD) + "\n   \n\n" + json.dumps(GOOD) + "\n")
    assert done.returncode == 0
    assert len(done.lines) == 2


def test_an_eval_row_is_read_as_its_input():
    row = OWN_INTENT_ROWS[0]
    done = classify(json.dumps({"input": row.input, "expect": row.expect}) + "\n")
    assert done.returncode == 0
    assert done.lines[0]["intent"] == row.expect["intent"]


def test_command_needs_no_database(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    done = run_manage("classify", stdin=json.dumps(GOOD) + "\n", env=process_env(DATABASE_URL=unreachable))
    assert done.returncode == 0, done.stderr
    assert [json.loads(x) for x in done.stdout.splitlines()] == [GOOD_ANSWER]
    assert not (tmp_path / "missing-dir").exists()


def test_call_command_with_stdin():
    out = io.StringIO()
    call_command("classify", stdin=io.StringIO(json.dumps(GOOD) + "\n"), stdout=out)
    assert json.loads(out.getvalue()) == GOOD_ANSWER
    with pytest.raises(CommandError):
        call_command("classify", stdin=io.StringIO("oops\n"), stdout=io.StringIO())
