import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from scheduling.simulation.runner import simulate
from scheduling.simulation.scenario_file import ScenarioError, parse_scenario


class Command(BaseCommand):
    help = "Run a scenario file (or - for stdin) through the engine on a virtual clock; print the timeline."

    def add_arguments(self, parser):
        parser.add_argument("file", help="scenario JSON file, or - for standard input")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            raw = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
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
