"""Every setting read from the environment is listed in .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_setting_is_in_env_example():
    read = set(re.findall(r'env(?:\.\w+)?\("([A-Z0-9_]+)"', (ROOT / "followup_project/settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert read and read <= listed, sorted(read - listed)
