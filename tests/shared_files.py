"""Where the shared eval files are: ../shared beside the checkout, or $SHARED_DIR."""

import os
from pathlib import Path

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
SCENARIOS = sorted((SHARED / "eval" / "scenarios").glob("*.json"))
INTENTS = SHARED / "eval" / "intents.jsonl"
