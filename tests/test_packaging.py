"""Packaging: the declared dependency bounds, and the wheel as a user installs it.

The wheel is built from a copy of the checkout (``pip wheel --no-deps
--no-build-isolation``, with the test venv's setuptools), installed with
``--no-deps`` into a fresh venv that sees the test venv's site-packages through
a ``.pth`` line (so numpy and PyQt6 are not downloaded again; the editable
install's own ``.pth`` finder is not run from there), and run from a folder
outside the checkout, so nothing can be imported from the source tree by
accident.  ``scripts/check-min-deps.sh`` (``make test-min``) installs the exact
lower bounds and runs the tests that need no services.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
PACKAGE_DIR = PYPROJECT["tool"]["setuptools"]["package-dir"]

IMPORT_TO_DIST = {
    "numpy": "numpy",
    "scipy": "scipy",
    "soundfile": "soundfile",
    "sounddevice": "sounddevice",
    "PyQt6": "PyQt6",
    "pyqtgraph": "pyqtgraph",
    "pytest": "pytest",
    "pytestqt": "pytest-qt",
    "packaging": "packaging",
    "librosa": "librosa",
    "pyloudnorm": "pyloudnorm",
    "dask": "dask",
    "distributed": "dask",  # declared as dask[distributed]
    "maad": "scikit-maad",
    "setuptools": "setuptools",
}
"""Top-level import name -> distribution name, for every third-party import of the project."""
OPTIONAL_IMPORTS = {"bokeh"}
"""Imported only inside ``try`` to offer an extra (the Dask dashboard); never required."""

FIRST_SCIPY_FOR_NUMPY_2 = Version("1.13")
"""SciPy wheels before 1.13 are built against NumPy 1.x and do not import under NumPy 2."""


def _requirements(specs: list[str]) -> dict[str, Requirement]:
    reqs = [Requirement(s) for s in specs]
    return {r.name.lower(): r for r in reqs}


def _minimum(req: Requirement) -> Version:
    lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
    assert lows, f"{req} has no >= lower bound, so its minimum cannot be tested"
    return max(lows)


RUNTIME = _requirements(PROJECT["dependencies"])
EXTRAS = {name: _requirements(specs) for name, specs in PROJECT["optional-dependencies"].items()}


def _third_party_imports(folders: list[str]) -> set[str]:
    """Top-level names imported by the .py files under `folders` that are not stdlib or specscope."""
    names = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    local = {"specscope", "conftest"} | {p.stem for d in ("tests", "benchmarks") for p in (REPO / d).rglob("*.py")}
    return {n for n in names if n not in sys.stdlib_module_names and n not in local}


# --- declared bounds -----------------------------------------------------------------------------------------------
def test_every_requirement_has_a_lower_bound():
    for req in [*RUNTIME.values(), *(r for extra in EXTRAS.values() for r in extra.values())]:
        _minimum(req)


def test_numpy_bound_admits_only_numpys_with_what_the_code_calls():
    source = "\n".join(p.read_text() for folder in ("app", "dsp") for p in (REPO / folder).rglob("*.py"))
    assert "np.vecdot" in source  # if this goes, the bound may go down again
    assert _minimum(RUNTIME["numpy"]) >= Version("2.0"), "np.vecdot needs NumPy >= 2.0"
    assert _minimum(RUNTIME["scipy"]) >= FIRST_SCIPY_FOR_NUMPY_2


@pytest.mark.parametrize(
    ("folders", "groups"),
    [(["app", "dsp", "resources"], ()), (["tests"], ("test",)), (["benchmarks"], ("test", "bench"))],
)
def test_every_third_party_import_is_declared(folders, groups):
    declared = set(RUNTIME) | {n for g in groups for n in EXTRAS.get(g, {})}
    declared |= {"packaging"} if "test" in groups else set()  # pytest's own dependency
    for name in sorted(_third_party_imports(folders) - OPTIONAL_IMPORTS):
        assert name in IMPORT_TO_DIST, f"{name} is imported under {folders} but not known to this test"
        dist = IMPORT_TO_DIST[name].lower()
        assert dist in declared, f"{name} ({dist}) is imported under {folders} but not declared in {groups or 'deps'}"


def test_installed_versions_satisfy_the_declared_bounds():
    for req in [*RUNTIME.values(), *EXTRAS["test"].values()]:
        installed = importlib.metadata.version(req.name)
        assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} does not satisfy {req}"


def test_min_pins_script_pins_each_lower_bound():
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "min_pins.py"), "test"], capture_output=True, text=True, check=True
    ).stdout.split()
    expected = [f"{Requirement(s).name}=={_minimum(Requirement(s))}" for s in PROJECT["dependencies"]]
    expected += [f"{Requirement(s).name}=={_minimum(Requirement(s))}" for s in PROJECT["optional-dependencies"]["test"]]
    assert [Requirement(p).name + "==" + str(Version(p.split("==")[1])) for p in out] == expected


# --- the wheel -------------------------------------------------------------------------------------------------------
def _copy_checkout(dest: Path) -> Path:
    """A plain copy of what a wheel is built from (no venv, no build/ left from an earlier build)."""
    ignore = shutil.ignore_patterns(".venv*", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", "out")
    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _copy_checkout(tmp_path_factory.mktemp("src") / "specscope")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        check=True, capture_output=True, timeout=300,
    )
    (whl,) = out.glob("specscope-*.whl")
    return whl


@pytest.fixture(scope="module")
def wheel_venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip())
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "test-venv.pth").write_text("".join(f"{p}\n" for p in sorted(here)))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_wheel_holds_every_module_and_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, folder in PACKAGE_DIR.items():
        root = REPO / folder
        for path in root.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            assert (path.parent / "__init__.py").exists(), f"{path.parent} holds modules but no __init__.py"
            inside = package.replace(".", "/") + "/" + path.relative_to(root).as_posix()
            assert inside in names, f"{inside} is missing from the wheel"
    assert "specscope/resources/demo.wav" in names
    assert not any(n.startswith(("tests/", "benchmarks/", "specscope/tests")) for n in names)


def test_installed_wheel_runs_help_info_and_export(wheel_venv, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = _run(wheel_venv, outside, "python", "-c",
                 "import importlib.resources, specscope.app.cli as c; "
                 "print(c.__file__); print(importlib.resources.files('specscope.resources') / 'demo.wav')")
    assert where.returncode == 0, where.stderr
    module_file, demo = where.stdout.split("\n")[:2]
    assert Path(module_file).is_relative_to(wheel_venv), f"specscope imported from {module_file}, not the wheel"
    assert Path(demo).is_relative_to(wheel_venv) and Path(demo).stat().st_size > 1000

    result = _run(wheel_venv, outside, "specscope", "--help")
    assert result.returncode == 0, result.stderr
    assert all(word in result.stdout for word in ("info", "export", "peaks"))

    result = _run(wheel_venv, outside, "specscope", "info", demo, "--json")
    assert result.returncode == 0, result.stderr
    import soundfile as sf

    with sf.SoundFile(demo) as f:
        assert json.loads(result.stdout)["frames"] == f.frames and json.loads(result.stdout)["fs_hz"] == f.samplerate

    result = _run(wheel_venv, outside, "specscope", "export", demo, "-o", "demo.npz", "--n-fft", "1024",
                  "--duration", "1")
    assert result.returncode == 0, result.stderr
    data = np.load(outside / "demo.npz")
    assert data["db"].shape == (513, 1 + (round(f.samplerate) - 1024) // 256)
    assert np.isfinite(data["db"]).all()
