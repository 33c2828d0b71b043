"""Package discovery for setuptools; everything else is in pyproject.toml.

The folders ``app/``, ``dsp/`` and ``resources/`` are the packages
``specscope.app``, ``specscope.dsp`` and ``specscope.resources`` (the
``[tool.setuptools.package-dir]`` table of pyproject.toml).  setuptools cannot
find packages under a renamed folder from pyproject.toml alone, so this file
lists every package below each mapped folder: a new subpackage (a folder with
an ``__init__.py``) is found without editing anything.
"""

import tomllib
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = tomllib.loads((HERE / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]

packages = []
for name, folder in PACKAGE_DIR.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(str(HERE / folder))]

setup(packages=sorted(packages))
