"""`tracer variants`: friendly numbers, fair draws, deterministic folders the checker accepts."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.latexcheck import require_pdflatex
from tracer.cli import main
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.examples import example_path, load
from tracer.model.problem import DrawRange, Problem
from tracer.sheets import variants
from tracer.sheets.exercise import Exercise

EXAMPLE = "exercise-2-2-1"
FILES = ["answer_key.md", "answer_key.tex", "answers.yaml", "exercise.md", "exercise.svg", "exercise.tex",
         "problem.yaml"]


def raw_example() -> dict:
    return yaml.safe_load(example_path(EXAMPLE).read_text(encoding="utf-8"))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def four(tmp_path_factory) -> Path:
    """Four variants of the example, seed 2026, no PDFs (one test compiles one variant)."""
    out = tmp_path_factory.mktemp("variants") / "set"
    assert main(["variants", EXAMPLE, "--count", "4", "--seed", "2026", "-o", str(out), "--no-pdf"]) == 0
    return out


# --- the problem file's variants: field --------------------------------------------------------
def test_the_ranges_are_read_and_written_back():
    problem = load(EXAMPLE)
    assert problem.variants.weights == DrawRange(-0.9, 0.9, 1)
    assert problem.variants.inputs == DrawRange(0.0, 1.0, 2)
    assert problem.to_dict()["variants"] == raw_example()["variants"]
    assert Problem.from_dict(problem.to_dict()).to_dict() == problem.to_dict()


def test_a_grid_is_friendly_numbers_without_zero():
    assert DrawRange(-0.3, 0.3, 1).values() == (-0.3, -0.2, -0.1, 0.1, 0.2, 0.3)
    assert DrawRange(0.0, 0.05, 2).values() == (0.01, 0.02, 0.03, 0.04, 0.05)
    assert DrawRange(-0.25, 0.149, 1).values() == (-0.2, -0.1, 0.1)


@pytest.mark.parametrize("value, message", [
    ({}, "p.yaml: variants: found {}; expected at least one of weights, biases, inputs (a mapping "
         "{weights: {low: -0.9, high: 0.9, decimals: 1}, biases: ..., inputs: ...})"),
    ({"weight": {"low": 0, "high": 1}}, "p.yaml: variants.weight: found unknown field 'weight' "
                                        "(did you mean 'weights'?); expected one of: weights, biases, inputs"),
    ({"weights": {"low": 0.5, "high": 0.5}}, "p.yaml: variants.weights.high: found 0.5; expected a number "
                                             "greater than low (0.5)"),
    ({"weights": {"high": 0.5}}, "p.yaml: variants.weights.low: found nothing (the field is missing); "
                                 "expected the smallest number to draw"),
    ({"inputs": {"low": 0, "high": 0.1, "decimals": 1}},
     "p.yaml: variants.inputs: found {low: 0, high: 0.1, decimals: 1}; expected a range holding at least two "
     "nonzero numbers with 1 decimal (zero is never drawn)"),
    ({"biases": {"low": -1, "high": 1, "decimals": 7}},
     "p.yaml: variants.biases.decimals: found 7; expected a number of decimals from 0 to 4"),
    ({"weights": {"low": "-1", "high": 1}}, "p.yaml: variants.weights.low: found '-1'; expected a number"),
])
def test_bad_ranges_are_one_line_naming_the_field(value, message):
    raw = raw_example() | {"variants": value}
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(raw, source="p.yaml")
    assert str(info.value) == message


def test_no_biases_range_without_biases():
    raw = raw_example()
    raw["network"]["bias"] = "none"
    del raw["network"]["biases"]
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(raw, source="p.yaml")
    assert str(info.value) == ("p.yaml: variants.biases: found a range for biases with bias: none; "
                               "expected no biases range (the network has no biases)")


def test_trace_ignores_the_ranges():
    raw = raw_example()
    without = Problem.from_dict({k: v for k, v in raw.items() if k != "variants"})
    assert trace(without).to_dict()["entries"] == trace(Problem.from_dict(raw)).to_dict()["entries"]


# --- drawing -------------------------------------------------------------------------------------
def test_a_variant_depends_on_the_seed_and_its_number_only():
    problem = load(EXAMPLE)
    seventh = variants.variant(problem, problem.variants, 2026, 7, 2)
    again = variants.variant(problem, problem.variants, 2026, 7, 2)
    assert (seventh.problem.weights, seventh.problem.biases, seventh.problem.data) == \
           (again.problem.weights, again.problem.biases, again.problem.data)
    others = [variants.variant(problem, problem.variants, seed, k, 2).problem.weights
              for seed, k in ((2026, 8), (2027, 7))]
    assert seventh.problem.weights not in others
    assert seventh.problem.title == "Exercise: one training step of a 2-2-1 network: Variant 1ZA-07X (seed 2026)"
    assert seventh.problem.variants is None and seventh.problem.ask == problem.ask


def test_drawn_numbers_lie_on_their_grids():
    problem = load(EXAMPLE)
    spec = problem.variants
    for k in range(1, 21):
        p = variants.variant(problem, spec, 1, k, 2).problem
        assert {w for m in p.weights for row in m for w in row} <= set(spec.weights.values())
        assert {b for layer in p.biases for b in layer} <= set(spec.biases.values())
        assert {x for e in p.data for x in e.input} <= set(spec.inputs.values())
        assert p.data[0].target == (0.9,)                     # targets are kept


def test_draws_follow_the_numpy_generator_seeded_by_seed_and_number():
    problem = load(EXAMPLE)
    drawn = variants.draw(problem, problem.variants, np.random.default_rng([5, 3]))
    rng = np.random.default_rng([5, 3])
    weights = [DrawRange(-0.9, 0.9, 1).values()[k] for k in rng.integers(18, size=4).tolist()]
    assert [w for row in drawn.weights[0] for w in row] == weights


def relu_problem(weights, inputs, ask=("dE/dw1",)) -> Problem:
    return Problem.from_dict({
        "network": {"layers": [2, 1, 1], "activation": ["relu", "sigmoid"], "bias": "none",
                    "weights": weights},
        "training": {"learning_rate": 0.5}, "data": [{"input": inputs, "target": [1.0]}],
        "ask": list(ask)})


@pytest.mark.parametrize("weights, inputs, ask, reason", [
    ([[[0.5, -0.5]], [[0.5]]], [0.4, 0.4], ["dE/dw1"], "net_h1 = 0 is within 0.05 of the kink of relu"),
    ([[[0.5, -0.5]], [[0.5]]], [0.42, 0.4], ["dE/dw1"], "net_h1 = 0.01000 is within 0.05 of the kink of relu"),  # 4 figures
    ([[[0.9, 0.9]], [[9.0]]], [0.5, 0.5], ["dE/dw1"], "net_o1 = 8.1000 saturates sigmoid (beyond ±4)"),
    ([[[0.5, -0.5]], [[0.5]]], [0.2, 0.4], ["dE/dw1"], "delta_h1 = 0 is 0 at the precision asked"),
    ([[[0.5, -0.5]], [[0.5]]], [0.2, 0.4], ["out_o1"], None),              # a dead ReLU, nothing behind asked
    ([[[0.5, 0.3]], [[0.5]]], [0.4, 0.4], ["E_total"], None),
    ([[[0.5, 0.3]], [[0.5]]], [0.001, 0.4], ["dE/dw1"], "dE/dw1 = -0.00006056 has fewer than 2 significant digits at 4 decimals"),
])
def test_unfair_draws_are_named(weights, inputs, ask, reason):
    log = trace(relu_problem(weights, inputs, ask))
    assert variants.flaw(log, [q.entry.index for q in Exercise(log).questions]) == reason


def test_an_impossible_range_is_a_clear_error_after_bounded_tries(monkeypatch):
    raw = raw_example()
    raw["variants"] = {"weights": {"low": 5, "high": 9, "decimals": 0}, "inputs": {"low": 1, "high": 2, "decimals": 0}}
    problem = Problem.from_dict(raw, source="p.yaml")
    monkeypatch.setattr(variants, "MAX_TRIES", 20)
    with pytest.raises(ProblemError) as info:
        variants.variant(problem, problem.variants, 0, 3, 2)
    message = str(info.value)
    assert message.startswith("p.yaml: variants: found no fair draw for variant 03 in 20 tries (the last: net_")
    assert "saturates sigmoid (beyond ±4)); expected ranges that keep net inputs away from ReLU kinks" in message
    assert "\n" not in message


# --- the folders -------------------------------------------------------------------------------------
def test_each_variant_folder_holds_its_files_and_an_index_lists_them(four):
    assert sorted(p.name for p in four.iterdir()) == ["01", "02", "03", "04", "index.md"]
    for k in ("01", "02", "03", "04"):
        assert sorted(p.name for p in (four / k).iterdir()) == FILES
    index = (four / "index.md").read_text(encoding="utf-8")
    assert index.startswith("# Exercise: one training step of a 2-2-1 network: variants\n\n4 variants of the "
                            "exercise, drawn with seed 2026")
    rows = [line for line in index.splitlines() if line.startswith("| 0")]
    assert len(rows) == 4
    first = Problem.from_file(four / "01" / "problem.yaml")
    weights = ", ".join(format(w, "g") for m in first.weights for row in m for w in row)
    assert rows[0].startswith(f"| 01 | {', '.join(format(x, 'g') for x in first.data[0].input)} | {weights} |")
    assert "[exercise](01/exercise.md), [answer key](01/answer_key.md), [problem](01/problem.yaml), " \
           "[answers](01/answers.yaml) |" in rows[0]


def test_the_problem_file_is_complete_resolved_and_keeps_the_ask(four):
    text = (four / "02" / "problem.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Variant 02 of an exercise, drawn by tracer variants (seed 2026).\n")
    problem = Problem.from_file(four / "02" / "problem.yaml")
    assert problem.variants is None and "variants" not in yaml.safe_load(text)
    assert problem.ask == load(EXAMPLE).ask
    assert yaml.safe_load(text) == problem.to_dict()               # every default written out
    direct = variants.variant(load(EXAMPLE), load(EXAMPLE).variants, 2026, 2, 2).problem
    assert (problem.weights, problem.biases, problem.data) == (direct.weights, direct.biases, direct.data)


def test_the_checker_judges_every_variants_answers_all_correct(four, capsys):
    for k in ("01", "02", "03", "04"):
        capsys.readouterr()
        folder = four / k
        assert main(["check", str(folder / "problem.yaml"), str(folder / "answers.yaml"), "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert [r["verdict"] for r in report["records"]] == ["correct"] * 6
        assert report["unmatched"] == [] and report["summary"]["all_correct"] is True


def test_answers_are_the_answer_keys_numbers_and_not_on_the_sheet(four):
    for k in ("01", "02", "03", "04"):
        folder = four / k
        answers = yaml.safe_load((folder / "answers.yaml").read_text(encoding="utf-8"))
        assert list(answers) == ["out_h1", "out_o1", "E_total", "dE/dw5", "dE/dw1", "w5+"]
        texts = {line.split(" | ")[2]: line.split(" | ")[3].rstrip(" |")
                 for line in (folder / "answer_key.md").read_text(encoding="utf-8").splitlines()
                 if line.startswith("| ") and line[2].isdigit()}
        written = {line.split(": ")[0].strip('"'): line.split(": ")[1]
                   for line in (folder / "answers.yaml").read_text(encoding="utf-8").splitlines()[1:]}
        assert {name.replace("\\_", "_"): value for name, value in texts.items()} == written
        sheet = (folder / "exercise.md").read_text(encoding="utf-8")
        for value in written.values():
            assert f" {value}" not in sheet and f"|{value}" not in sheet


def test_the_same_seed_gives_byte_identical_folders_and_only_rebuilds_one(four, tmp_path):
    again = tmp_path / "again"
    assert main(["variants", EXAMPLE, "--count", "4", "--seed", "2026", "-o", str(again), "--no-pdf"]) == 0
    assert tree(again) == tree(four)
    one = tmp_path / "one"
    assert main(["variants", EXAMPLE, "--count", "4", "--seed", "2026", "-o", str(one), "--only", "3",
                 "--no-pdf"]) == 0
    assert sorted(p.name for p in one.iterdir()) == ["03"]
    assert tree(one / "03") == tree(four / "03")
    other = tmp_path / "other"
    assert main(["variants", EXAMPLE, "--count", "4", "--seed", "2027", "-o", str(other), "--no-pdf"]) == 0
    assert tree(other / "01") != tree(four / "01")


def test_pdfs_cut_from_two_combined_documents_with_the_date_pinned(tmp_path):
    """Each variant's PDFs are its pages of exercises.pdf and answer_keys.pdf; --only k cuts the
    very same bytes; no clock in any of them."""
    require_pdflatex()
    from pypdf import PdfReader
    out, one = tmp_path / "pdf", tmp_path / "one"
    assert main(["variants", EXAMPLE, "--count", "3", "--seed", "2026", "-o", str(out)]) == 0
    assert main(["variants", EXAMPLE, "--count", "3", "--seed", "2026", "-o", str(one), "--only", "2"]) == 0
    for name, combined in (("exercise", "exercises.pdf"), ("answer_key", "answer_keys.pdf")):
        whole = PdfReader(out / combined)
        parts = [PdfReader(out / label / f"{name}.pdf") for label in ("01", "02", "03")]
        assert sum(len(p.pages) for p in parts) == len(whole.pages)
        texts = [page.extract_text() for p in parts for page in p.pages]
        assert texts == [page.extract_text() for page in whole.pages]
        assert texts[0].startswith("Exercise: one training step of a 2-2-1 network: Variant ")
        for pdf in (whole, *parts):
            assert pdf.metadata["/CreationDate"] == "D:19700101000000Z"      # reproducible: no clock in it
        assert (one / "02" / f"{name}.pdf").read_bytes() == (out / "02" / f"{name}.pdf").read_bytes()
    assert not (one / "exercises.pdf").exists()


@pytest.mark.parametrize("args, message", [
    (["classic-2-2-2"], "tracer: {examples}/classic-2-2-2/problem.yaml: variants: found nothing "
                        "(the field is missing); expected a mapping {{weights: {{low: -0.9, high: 0.9, decimals: 1}}, "
                        "biases: ..., inputs: ...}}\n"),
    ([EXAMPLE, "--count", "5", "--only", "6"],
     "tracer: --only: found 6; expected a variant number from 1 to 5 (--count)\n"),
])
def test_bad_input_is_one_line_and_writes_nothing(args, message, tmp_path, capsys):
    from tracer.resources import examples_dir
    out = tmp_path / "out"
    assert main(["variants", *args, "-o", str(out), "--no-pdf"]) == 2
    assert capsys.readouterr().err == message.format(examples=examples_dir())
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--count", "0"], "tracer: --count: found '0'; expected a number of variants from 1 to 999\n"),
    (["--seed", "-1"], "tracer: --seed: found '-1'; expected a seed: a whole number of at least 0\n"),
])
def test_bad_options_are_one_line(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["variants", EXAMPLE, *args, "-o", str(tmp_path / "out")])
    assert info.value.code == 2
    assert capsys.readouterr().err == message


def test_the_output_must_be_a_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["variants", EXAMPLE, "-o", str(target), "--no-pdf"]) == 2
    assert capsys.readouterr().err == (f"tracer: -o: found '{target}', a file; expected a folder (created if "
                                       "missing) in an existing folder\n")
    assert target.read_text() == "x"
