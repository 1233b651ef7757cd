import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from scheduling.simulation.runner import simulate
from scheduling.simulation.scenario_file import ScenarioError, parse_scenario


class Command(BaseCommand):
    help = "Run a scenario file (or - for stdin) through the engine on a virtual clock; print the timeline."
    # A command-line tool, like classify: no system checks (their URL and template checks import
    # every URL module and template library, a third of the command's start-up).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="scenario JSON file, or - for standard input")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        try:
            spec = parse_scenario(data)
        except ScenarioError as exc:
            raise CommandError(f"invalid scenario: {exc}") from None
        if "scheduling_followup" not in connection.introspection.table_names():
            raise CommandError("the database has no tables yet: run `python manage.py migrate` first")
        self.stdout.write(json.dumps(simulate(spec), indent=2))
