"""The example files the tests run through `simulate` and `classify`.

Two sets, same formats:
- "own": the repository's `examples/` (scenarios/*.json and intents.jsonl), always there;
- "shared": the shared eval set, `../shared/eval` beside the checkout or `$SHARED_DIR/eval`
  (`$SHARED_DIR` may also point at the eval folder itself), run as well when it is present
  and simply left out when it is not.

Every example carries the name of its set, so test ids say where a case comes from
("own/02-busy-replaces-stopped-replying", "shared:12:wrong number").
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import REPO

OWN_DIR = REPO / "examples"
SHARED_DIR = Path(os.environ.get("SHARED_DIR") or REPO.parent / "shared")


def _shared_eval_dir() -> Path | None:
    for candidate in (SHARED_DIR / "eval", SHARED_DIR):
        if (candidate / "scenarios").is_dir() or (candidate / "intents.jsonl").is_file():
            return candidate
    return None


SHARED_EVAL = _shared_eval_dir()
SETS = {"own": OWN_DIR, **({"shared": SHARED_EVAL} if SHARED_EVAL else {})}


@dataclass(frozen=True)
class ScenarioFile:
    origin: str  # "own" or "shared"
    path: Path

    @property
    def id(self) -> str:
        return f"{self.origin}/{self.path.stem}"

    def load(self) -> dict:
        return json.loads(self.path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class IntentRow:
    origin: str
    line: int  # 1-based line number in its intents.jsonl
    input: dict
    expect: dict

    @property
    def id(self) -> str:
        return f"{self.origin}:{self.line}:{self.input['text'][:40]}"


def _scenarios(origin: str, root: Path) -> list[ScenarioFile]:
    return [ScenarioFile(origin, p) for p in sorted((root / "scenarios").glob("*.json"))]


def _intent_rows(origin: str, root: Path) -> list[IntentRow]:
    path = root / "intents.jsonl"
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            rows.append(IntentRow(origin, number, row["input"], row["expect"]))
    return rows


SCENARIOS = [s for origin, root in SETS.items() for s in _scenarios(origin, root)]
OWN_SCENARIOS = [s for s in SCENARIOS if s.origin == "own"]
INTENT_ROWS = [r for origin, root in SETS.items() for r in _intent_rows(origin, root)]
OWN_INTENT_ROWS = [r for r in INTENT_ROWS if r.origin == "own"]


def own_scenario(name: str) -> Path:
    """One of the repository's scenario files, by its name without `.json`."""
    path = OWN_DIR / "scenarios" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not among the repository's examples")
    return path
