"""Print the exact lower bounds of pyproject.toml as pip pins, one per line.

    python3 scripts/min_pins.py [EXTRA ...]

Each ``name>=X`` (or ``name[extra]>=X``) of ``[project] dependencies`` and of
the named optional-dependency groups becomes ``name==X`` (extras kept); a
requirement without a ``>=`` bound is an error, because its minimum could not
be tested.  Standard library only (tomllib), so it runs before any venv exists.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*(.*?)\s*(?:;.*)?$")


def lower_bound(spec: str) -> tuple[str, str]:
    """(name with extras, minimum version) of one requirement string such as ``'numpy>=2.0,<3'``."""
    m = REQUIREMENT.match(spec)
    if not m:
        raise ValueError(f"cannot parse requirement {spec!r}")
    name, constraints = m.group(1), m.group(2)
    for part in constraints.split(","):
        part = part.strip()
        if part.startswith(">="):
            return name, part[2:].strip()
    raise ValueError(f"requirement {spec!r} has no >= lower bound")


def pins(extras: list[str]) -> list[str]:
    """``name==minimum`` for the dependencies and the named extras."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return [f"{name}=={version}" for name, version in map(lower_bound, specs)]


if __name__ == "__main__":
    print("\n".join(pins(sys.argv[1:])))
