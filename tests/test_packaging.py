"""The wheel: it must hold the templates, the built-in examples and the presets, and an
installed wheel must work from any folder (not only an editable install inside the repo).

The wheel is built once per run from a copy of the sources (building in the checkout would
leave build/ and *.egg-info behind, and a stale build/lib could leak removed files into it).
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tracer.resources import examples_dir, templates_dir

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "tracer", "templates", "worked_examples")
# Where each top-level source folder lands inside the wheel.
IN_WHEEL = {"tracer": "tracer", "templates": "tracer/templates", "worked_examples": "tracer/worked_examples"}
REQUIRED = ("tracer/templates/document.md.j2", "tracer/templates/styles/chain-rule.j2",
            "tracer/worked_examples/classic-2-2-2/problem.yaml", "tracer/model/notation_presets.yaml",
            "tracer/cli.py", "tracer/__main__.py")
E_TOTAL = 0.298371109          # the classic 2-2-2 tutorial's printed total error


def _version(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in importlib.metadata.version(name).split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return (0,)


def _can_build_here() -> bool:
    """setuptools >= 68 (pyproject's requirement) and a bdist_wheel (built in since 70.1)."""
    setuptools = _version("setuptools")
    return setuptools >= (68,) and (setuptools >= (70, 1) or _version("wheel") > (0,))


def _source_files() -> list[Path]:
    ignored = ("__pycache__", ".pyc", ".egg-info")
    return sorted(p for folder in IN_WHEEL for p in (REPO / folder).rglob("*")
                  if p.is_file() and not any(part.endswith(ignored) for part in p.parts))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    (root / "src").mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / "src" / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, root / "src" / name)
    command = [sys.executable, "-m", "pip", "wheel", str(root / "src"), "--no-deps", "-q", "-w", str(root / "dist")]
    if _can_build_here():
        command.append("--no-build-isolation")          # offline and fast; else pip fetches setuptools
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    (built,) = (root / "dist").glob("tracer-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this interpreter's."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)],
                   check=True, timeout=300)
    python = env_dir / "bin" / "python"
    own = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    # --ignore-installed: a tracer installed elsewhere (CI installs one) must not count as "satisfied".
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "--ignore-installed", "-q", str(wheel)],
                   check=True, timeout=300, stdin=subprocess.DEVNULL)
    # When this test runs inside a venv (CI's), its packages are not the "system" ones: point to them,
    # after the new venv's own site-packages, so the wheel's tracer comes first.
    Path(own, "outer-site.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env_dir


def run_installed(venv: Path, *argv: str, cwd: Path) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run([str(venv / "bin" / argv[0]), *argv[1:]], cwd=cwd, env=environment,
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


# --- the source tree (fast) ---------------------------------------------------------------
def test_source_tree_resources() -> None:
    """Run from the checkout, the top-level folders are used (there is no tracer/templates)."""
    assert templates_dir() == REPO / "templates"
    assert examples_dir() == REPO / "worked_examples"
    assert (templates_dir() / "document.md.j2").is_file()
    assert (examples_dir() / "classic-2-2-2" / "problem.yaml").is_file()


# --- the wheel ----------------------------------------------------------------------------
@pytest.mark.slow
def test_wheel_holds_every_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in REQUIRED:
        assert required in names
    expected = {IN_WHEEL[p.relative_to(REPO).parts[0]] + "/" + "/".join(p.relative_to(REPO).parts[1:])
                for p in _source_files()}
    assert expected - names == set()
    entry_points = zipfile.ZipFile(wheel).read("tracer-0.1.0.dist-info/entry_points.txt").decode()
    assert "tracer = tracer.cli:main" in entry_points


@pytest.mark.slow
def test_installed_wheel_works_from_another_folder(venv: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = run_installed(venv, "python", "-c", "import tracer, tracer.resources as r; "
                            "print(tracer.__file__); print(r.templates_dir()); print(r.examples_dir())",
                            cwd=elsewhere).splitlines()
    site_packages = Path(located[0]).parent.parent
    assert site_packages.is_relative_to(venv)
    assert located[1:] == [str(site_packages / "tracer" / "templates"),
                           str(site_packages / "tracer" / "worked_examples")]

    classic = yaml.safe_load((REPO / "worked_examples" / "classic-2-2-2" / "problem.yaml").read_text())
    markdown = run_installed(venv, "tracer", "run", cwd=elsewhere)
    assert markdown.startswith(f"# {classic['title']}\n")
    assert f"{E_TOTAL}" in markdown

    listed = run_installed(venv, "python", "-m", "tracer", "examples", cwd=elsewhere)
    assert [line.split("\t")[0] for line in listed.splitlines()] == \
        sorted(p.parent.name for p in [*(REPO / "worked_examples").glob("*/problem.yaml"),
                                       *(REPO / "worked_examples").glob("*/expression.yaml")])
    key = run_installed(venv, "tracer", "run", "cs231n-circuit", "--answer-key", cwd=elsewhere)
    assert "\n## Answer key\n" in key and "| 10 | $\\frac{\\partial f}{\\partial y}$ | df/dy | -4 |\n" in key
