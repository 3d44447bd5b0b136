"""The worked-example gallery: committed walkthroughs match the code, examples run by name."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tracer import Problem, trace
from tracer.examples import example_names, example_path, expression_names
from tracer.gallery import catalogue, stale
from tracer.resources import examples_dir

GALLERY = {"classic-2-2-2", "xor", "xor-epoch", "xor-training", "devforum", "relu-blog", "odd-even",
           "three-classes", "mini-batch"}


def test_every_committed_walkthrough_is_up_to_date():
    out_of_date = stale(examples_dir())
    assert out_of_date == [], "run: python -m tracer.gallery   (then read the diff)"


def test_gallery_covers_the_issue_examples_and_each_folder_has_its_files():
    examples = {ex.name: ex for ex in catalogue()}
    assert set(examples) >= GALLERY
    for name in GALLERY:
        folder = examples_dir() / name
        for w in examples[name].walkthroughs:
            assert (folder / f"{w.name}.md").is_file() and (folder / f"{w.name}.tex").is_file()
            assert (folder / f"{w.name}.svg").is_file()          # the diagram beside the Markdown
        assert Problem.from_file(example_path(name)).description, f"{name} needs a one-line description"


def test_examples_command_lists_every_example_name_first():
    out = subprocess.run([sys.executable, "-m", "tracer", "examples"], capture_output=True, text=True, check=True)
    names = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert names == sorted(example_names() + expression_names()) and set(names) >= GALLERY


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_run_by_name(name):
    out = subprocess.run([sys.executable, "-m", "tracer", "run", name, "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith('{\n "format": "tracer-trace"')


def test_classic_loss_after_10000_steps_is_the_published_one():
    """The classic tutorial: "after repeating this process 10,000 times ... 0.0000351085"."""
    log = trace(Problem.from_file(example_path("classic-2-2-2").with_name("training.yaml")))
    assert len(log.history) == 10000 and log.steps == [1, 10000]
    assert f"{log.history[-1]['loss']:.6g}" == "3.51085e-05"


def test_xor_training_learns_xor():
    """The many-epoch XOR run ends with every row's loss small (the article only talks about it)."""
    log = trace(Problem.from_file(example_path("xor-training")))
    assert max(h["loss"] for h in log.history[-4:]) < 0.01 < log.history[0]["loss"]
