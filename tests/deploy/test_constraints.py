"""The image installs only pinned wheels (Dockerfile, --no-index): a dependency
added to setup.cfg without a pin in deploy/constraints.txt breaks the image
build, which runs later and only where a container engine is. Checked here,
in every test run."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_of_the_package_is_pinned_for_the_image() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = [
        normalized(re.split(r"[\s<>=!~;\[]", line.strip(), maxsplit=1)[0])
        for line in config["options"]["install_requires"].splitlines()
        if line.strip()
    ]
    pins = {
        normalized(line.split("==")[0])
        for line in (ROOT / "deploy" / "constraints.txt").read_text().split()
        if "==" in line
    }
    assert required, "no dependencies read from setup.cfg"
    missing = [name for name in required if name not in pins]
    assert not missing, f"not pinned in deploy/constraints.txt (make lock): {missing}"
