"""Every setting read from the environment is listed in .env.example."""

import re

from tests.support.processes import REPO


def test_every_environment_setting_is_in_env_example():
    read = set(re.findall(r'env(?:\.\w+)?\("([A-Z0-9_]+)"', (REPO / "followup_project/settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M))
    assert read and read <= listed, sorted(read - listed)
