"""Bad problem files: one exact line on stderr, exit status 2, no traceback, nothing written.

Each case runs the real command (``tracer.cli.main``) on a file written here, once with
an output file that already exists (its content must not change) and once with one that
does not (it must not appear), and compares the whole error line.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracer.cli import main
from tracer.errors import ProblemError
from tracer.model.notation import preset_names
from tracer.model.problem import Problem

BASE_YAML = """\
title: The classic 2-2-2 network
network:
  layers: [2, 2, 2]
  activation: sigmoid
  bias: per_layer
  weights:
    - [[0.15, 0.20], [0.25, 0.30]]
    - [[0.40, 0.45], [0.50, 0.55]]
  biases: [0.35, 0.60]
loss: half_squared_error
training:
  learning_rate: 0.5
data:
  - {input: [0.05, 0.10], target: [0.01, 0.99]}
"""
BASE: dict = yaml.safe_load(BASE_YAML)
TOP = ("title, network, loss, training, data, show_steps, notation, rounding, ask, description, variants, style, "
       "tolerance, conventions")
PROBLEM = "a problem: a mapping with network, training and data"
SYNTAX = "expected a well-formed YAML or JSON problem file"
PRESETS = "han-kamber, indexed, letters, matrix, narrative, negnevitsky, nodes"


def edit(change: Callable[[dict], Any]) -> str:
    """BASE with one change, as YAML text."""
    problem = copy.deepcopy(BASE)
    change(problem)
    return yaml.safe_dump(problem, sort_keys=False)


def net(**fields: Any) -> str:
    return edit(lambda p: p["network"].update(fields))


def without(*path: str) -> str:
    def drop(p: dict) -> None:
        for key in path[:-1]:
            p = p[key]
        del p[path[-1]]
    return edit(drop)


def init(spec: dict) -> str:
    def change(p: dict) -> None:
        del p["network"]["weights"], p["network"]["biases"]
        p["network"]["init"] = spec
    return edit(change)


def text(old: str, new: str) -> str:
    assert old in BASE_YAML
    return BASE_YAML.replace(old, new)


# (id, problem file text, file suffix, the error line after "tracer: <file>: ")
CASES: list[tuple[str, str, str, str]] = [
    ("yaml-syntax", "network:\n  layers: [2, 2\n  bias: none\n", ".yaml",
     f"line 3, column 7: found invalid YAML (did not find expected ',' or ']'); {SYNTAX}"),
    ("yaml-indent", "a: b\n c: d\n", ".yaml",
     f"line 2, column 3: found invalid YAML (mapping values are not allowed in this context); {SYNTAX}"),
    ("json-syntax", '{"network": {"layers": [2, 2, 2],}}', ".json",
     f"line 1, column 34: found invalid JSON (Expecting property name enclosed in double quotes); {SYNTAX}"),
    ("empty-file", "", ".yaml", f"top level: found an empty file; expected {PROBLEM}"),
    ("only-comments", "# nothing here\n\n", ".yaml", f"top level: found an empty file; expected {PROBLEM}"),
    ("top-level-list", "- 1\n- 2\n", ".yaml", f"top level: found [1, 2]; expected {PROBLEM}"),
    ("top-level-text", "hello\n", ".yaml", f"top level: found 'hello'; expected {PROBLEM}"),
    ("missing-data", without("data"), ".yaml",
     "data: found nothing (the field is missing); expected a non-empty list of examples "
     "{input: [...], target: [...]}"),
    ("missing-learning-rate", without("training", "learning_rate"), ".yaml",
     "training.learning_rate: found nothing (the field is missing); expected a learning rate: "
     "a number greater than 0"),
    ("missing-layers", without("network", "layers"), ".yaml",
     "network.layers: found nothing (the field is missing); expected a list of at least 2 layer sizes, "
     "input layer first"),
    ("missing-weights", without("network", "weights"), ".yaml",
     "network.weights: found nothing (the field is missing); expected 2 weight matrices (and biases), or init"),
    ("unknown-trainig", text("training:", "trainig:"), ".yaml",
     f"trainig: found unknown field 'trainig' (did you mean 'training'?); expected one of: {TOP}"),
    ("unknown-activaton", text("activation:", "activaton:"), ".yaml",
     "network.activaton: found unknown field 'activaton' (did you mean 'activation'?); "
     "expected one of: layers, activation, bias, weights, biases, init"),
    ("unknown-learning-rte", text("learning_rate:", "learning_rte:"), ".yaml",
     "training.learning_rte: found unknown field 'learning_rte' (did you mean 'learning_rate'?); "
     "expected one of: learning_rate, epochs, batch_size, update_biases, optimizer, regularization, rule"),
    ("weights-wrong-shape", text("[[0.40, 0.45], [0.50, 0.55]]", "[[0.40, 0.45, 0.1], [0.50, 0.55, 0.1]]"), ".yaml",
     "network.weights[1]: found a 2×3 matrix; expected a 2×2 matrix for layer 2: 2 rows (one per neuron "
     "of layer 2) of 2 weights (one per neuron of layer 1)"),
    ("weights-ragged", text("[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, 0.20], [0.25]]"), ".yaml",
     "network.weights[0]: found 2 rows of 2/1 numbers; expected a 2×2 matrix for layer 1: 2 rows (one per "
     "neuron of layer 1) of 2 weights (one per neuron of layer 0)"),
    ("weights-count", net(weights=[[[0.1, 0.2], [0.3, 0.4]]]), ".yaml",
     "network.weights: found 1 weight matrix; expected 2, one per non-input layer"),
    ("string-for-number", text("learning_rate: 0.5", "learning_rate: fast"), ".yaml",
     "training.learning_rate: found 'fast'; expected a learning rate greater than 0"),
    ("quoted-number", text("learning_rate: 0.5", "learning_rate: '0.5'"), ".yaml",
     "training.learning_rate: found '0.5'; expected a learning rate greater than 0"),
    ("bool-for-number", text("input: [0.05, 0.10]", "input: [true, 0.10]"), ".yaml",
     "data[0].input[0]: found true; expected a number"),
    ("nan", text("learning_rate: 0.5", "learning_rate: .nan"), ".yaml",
     "training.learning_rate: found .nan; expected a learning rate greater than 0 (finite: not NaN or infinity)"),
    ("inf", text("input: [0.05, 0.10]", "input: [.inf, 0.10]"), ".yaml",
     "data[0].input[0]: found .inf; expected a number (finite: not NaN or infinity)"),
    ("minus-inf-weight", text("[[0.15, 0.20]", "[[-.inf, 0.20]"), ".yaml",
     "network.weights[0][0][0]: found -.inf; expected a number (finite: not NaN or infinity)"),
    ("json-nan", '{"network": {"layers": [1, 1], "weights": [[[NaN]]], "biases": [[0]]}, '
                 '"training": {"learning_rate": 1}, "data": [{"input": [1], "target": [1]}]}', ".json",
     "network.weights[0][0][0]: found .nan; expected a number (finite: not NaN or infinity)"),
    ("huge-integer", text("learning_rate: 0.5", "learning_rate: 1" + "0" * 400), ".yaml",
     "training.learning_rate: found 1" + "0" * 56 + "...; expected a learning rate greater than 0 "
     "(finite: not NaN or infinity)"),
    ("empty-data", edit(lambda p: p.update(data=[])), ".yaml",
     "data: found []; expected a non-empty list of examples {input: [...], target: [...]}"),
    ("target-wrong-length", text("target: [0.01, 0.99]", "target: [0.01]"), ".yaml",
     "data[0].target: found [0.01] (1 number); expected a list of 2 numbers, one per output neuron"),
    ("input-wrong-length", text("input: [0.05, 0.10]", "input: [0.05, 0.10, 0.2]"), ".yaml",
     "data[0].input: found [0.05, 0.1, 0.2] (3 numbers); expected a list of 2 numbers, one per input neuron"),
    ("example-not-mapping", edit(lambda p: p.update(data=[[0.05, 0.1]])), ".yaml",
     "data[0]: found [0.05, 0.1]; expected an example {input: [...], target: [...]}"),
    ("learning-rate-zero", text("learning_rate: 0.5", "learning_rate: 0"), ".yaml",
     "training.learning_rate: found 0; expected a learning rate greater than 0"),
    ("learning-rate-negative", text("learning_rate: 0.5", "learning_rate: -0.5"), ".yaml",
     "training.learning_rate: found -0.5; expected a learning rate greater than 0"),
    ("unknown-activation", net(activation="sigmod"), ".yaml",
     "network.activation: found 'sigmod' (did you mean 'sigmoid'?); "
     "expected one of: sigmoid, relu, tanh, linear, leaky_relu, softmax, softplus, elu, step, sign"),
    ("unknown-activation-in-list", net(activation=["relu", "sigmoidd"]), ".yaml",
     "network.activation[1]: found 'sigmoidd' (did you mean 'sigmoid'?); "
     "expected one of: sigmoid, relu, tanh, linear, leaky_relu, softmax, softplus, elu, step, sign"),
    ("alpha-on-sigmoid", net(activation={"name": "sigmoid", "alpha": 0.1}), ".yaml",
     "network.activation.alpha: found alpha for sigmoid, which takes no parameters; "
     "expected only 'name' (alpha is for leaky_relu and elu)"),
    ("unknown-loss", edit(lambda p: p.update(loss="half_squared_eror")), ".yaml",
     "loss: found 'half_squared_eror' (did you mean 'half_squared_error'?); expected one of: "
     "half_squared_error, squared_error, mean_squared_error, binary_cross_entropy, cross_entropy"),
    ("softmax-hidden", net(activation="softmax"), ".yaml",
     "network.activation: found softmax on hidden layer 1; expected softmax on the output layer only "
     "(another activation for the hidden layers)"),
    ("softmax-hidden-in-list", net(activation=["softmax", "softmax"]), ".yaml",
     "network.activation[0]: found softmax on hidden layer 1; expected softmax on the output layer only "
     "(another activation for the hidden layers)"),
    ("cross-entropy-without-softmax", edit(lambda p: p.update(loss="cross_entropy")), ".yaml",
     "loss: found cross_entropy with a sigmoid output layer; expected softmax on the output layer "
     "for cross_entropy (or another loss)"),
    ("bce-target-above-1", edit(lambda p: (p.update(loss="binary_cross_entropy"),
                                           p["data"][0].update(target=[0.5, 1.5]))), ".yaml",
     "data[0].target[1]: found 1.5; expected a target between 0 and 1 for binary_cross_entropy"),
    ("bce-target-below-0", edit(lambda p: (p.update(loss="binary_cross_entropy"),
                                           p["data"][0].update(target=[-0.1, 1.0]))), ".yaml",
     "data[0].target[0]: found -0.1; expected a target between 0 and 1 for binary_cross_entropy"),
    ("biases-with-bias-none", net(bias="none"), ".yaml",
     "network.biases: found [0.35, 0.6]; expected no biases with bias: none (remove biases, or choose "
     "another bias mode)"),
    ("per-layer-biases-as-lists", net(biases=[[0.35, 0.35], [0.6, 0.6]]), ".yaml",
     "network.biases[0]: found [0.35, 0.35]; expected one number (bias: per_layer shares one bias per layer)"),
    ("per-neuron-biases-as-numbers", net(bias="per_neuron"), ".yaml",
     "network.biases[0]: found 0.35; expected a list of 2 numbers, one bias per neuron of layer 1 "
     "(or bias: per_layer for one shared number)"),
    ("init-with-weights", net(init={"seed": 1}), ".yaml",
     "network.weights: found weights together with init; expected one of the two "
     "(explicit weights and biases, or init)"),
    ("init-unknown-distribution", init({"distribution": "gauss"}), ".yaml",
     "network.init.distribution: found 'gauss'; expected one of: uniform, normal"),
    ("init-misspelt-field", init({"seeed": 3}), ".yaml",
     "network.init.seeed: found unknown field 'seeed' (did you mean 'seed'?); "
     "expected one of: distribution, low, high, mean, std, seed, decimals"),
    ("init-field-of-other-distribution", init({"distribution": "uniform", "std": 2}), ".yaml",
     "network.init.std: found std, which belongs to distribution: normal; expected the fields of "
     "distribution: uniform, one of: distribution, low, high, seed, decimals"),
    ("init-high-not-above-low", init({"low": 1, "high": 0}), ".yaml",
     "network.init.high: found 0; expected a number greater than low (1)"),
    ("init-decimals", init({"decimals": 99}), ".yaml",
     "network.init.decimals: found 99; expected a number of decimals from 0 to 10"),
    ("init-std", init({"distribution": "normal", "std": 0}), ".yaml",
     "network.init.std: found 0; expected a standard deviation greater than 0"),
    ("show-steps-out-of-range", edit(lambda p: p.update(show_steps=[1, 5])), ".yaml",
     "show_steps[1]: found 5; expected a step number from 1 to 1 (the run has 1 step), or 'last'"),
    ("show-steps-zero", edit(lambda p: p.update(show_steps=[0])), ".yaml",
     "show_steps[0]: found 0; expected a step number from 1 to 1 (the run has 1 step), or 'last'"),
    ("show-steps-word", edit(lambda p: p.update(show_steps="first")), ".yaml",
     "show_steps: found 'first'; expected all, or a list of step numbers ('last' allowed)"),
    ("rounding-mode", edit(lambda p: p.update(rounding={"mode": "ceil"})), ".yaml",
     "rounding.mode: found 'ceil'; expected one of: round, truncate, significant"),
    ("rounding-digits", edit(lambda p: p.update(rounding={"digits": 40})), ".yaml",
     "rounding.digits: found 40; expected a number of digits from 1 to 15"),
    ("notation-preset", edit(lambda p: p.update(notation="leters")), ".yaml",
     f"notation: found 'leters' (did you mean 'letters'?); expected one of: {PRESETS}"),
    ("notation-preset-in-mapping", edit(lambda p: p.update(notation={"preset": "node"})), ".yaml",
     f"notation.preset: found 'node' (did you mean 'nodes'?); expected one of: {PRESETS}"),
    ("notation-not-a-name", edit(lambda p: p.update(notation=5)), ".yaml",
     f"notation: found 5; expected a preset name ({PRESETS}) or a mapping "
     "{preset: ..., <pattern key>: <pattern>, ...}"),
    ("notation-inject", edit(lambda p: p.update(notation={"preset": "letters", "net": r"\input{/etc/passwd}"})),
     ".yaml",
     r"notation.net: found '\input{/etc/passwd}'; expected a notation whose names are safe LaTeX math "
     r"(macro '\input' is not allowed in math name '\input{/etc/passwd}')"),
    ("notation-unknown-key", edit(lambda p: p.update(notation={"preset": "letters", "nett": "z_$j"})), ".yaml",
     "notation.nett: found unknown pattern key 'nett' (did you mean 'net'?); expected one of: input, target, net, "
     "out, loss, error, dout, dact, dnet, weight, dw, new_w, bias, db, new_b, data_loss, penalty, dw_data, "
     "db_data, velocity, cache, m, v, m_hat, v_hat, err, delta_w, delta_b, node, tag, layer, total "
     "(optionally followed by @input|@hidden|@deep|@output|@single|@shared|@matrix, then .plain|.latex), "
     "or learning_rate"),
    ("title-not-text", edit(lambda p: p.update(title=5)), ".yaml",
     "title: found 5; expected text (put it in quotes)"),
]


def run_bad(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the command; return (exit status, stderr), checking nothing went to stdout."""
    try:
        status = main(argv)
    except SystemExit as exc:                     # argparse's own exit
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert out == ""
    return status, err


def assert_refused(argv: list[str], expected_line: str, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    """Exactly one stderr line, status 2, and no output file written, created or left half-done."""
    for existing in (True, False):
        out_dir = tmp_path / f"out-{existing}"
        out_dir.mkdir()
        output = out_dir / "result.md"
        if existing:
            output.write_text("precious\n")
        status, err = run_bad([*argv, "-o", str(output)], capsys)
        assert (status, err) == (2, expected_line + "\n")
        assert "Traceback" not in err
        assert sorted(p.name for p in out_dir.iterdir()) == (["result.md"] if existing else [])
        if existing:
            assert output.read_text() == "precious\n"


@pytest.mark.parametrize("case_id, content, suffix, message", CASES, ids=[c[0] for c in CASES])
def test_bad_problem_file(case_id: str, content: str, suffix: str, message: str, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    problem = tmp_path / f"problem{suffix}"
    problem.write_text(content, encoding="utf-8")
    assert_refused(["run", str(problem), "--format", "md"], f"tracer: {problem}: {message}", tmp_path, capsys)


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problem = tmp_path / "latin1.yaml"
    problem.write_bytes(BASE_YAML.replace("classic", "cl\u00e9ssic").encode("latin-1"))
    assert_refused(["run", str(problem)], f"tracer: {problem}: line 1: found the byte 0xe9, which is not "
                   "UTF-8; expected a UTF-8 text file", tmp_path, capsys)


def test_forbidden_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A NUL byte: libyaml and pure-Python PyYAML word it differently, both name line 13."""
    problem = tmp_path / "nul.yaml"
    problem.write_text(BASE_YAML.replace("data:", "da\x00ta:"))
    status, err = run_bad(["run", str(problem)], capsys)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith(f"tracer: {problem}: line 13: found invalid YAML (")
    assert err.endswith(f"characters are not allowed); {SYNTAX}\n")


# --- what is accepted ---------------------------------------------------------------
def test_base_problem_is_valid() -> None:
    """The cases above fail because of their one change, not because BASE is wrong."""
    problem = Problem.from_text(BASE_YAML, "base.yaml")
    assert problem.layers == (2, 2, 2) and problem.biases == ((0.35,), (0.6,))


def test_utf8_byte_order_mark_and_exponent_numbers(tmp_path: Path) -> None:
    """A BOM (Windows editors) is not an error, and 1e-3 is a number as in YAML 1.2 and JSON."""
    problem = tmp_path / "bom.yaml"
    problem.write_bytes(b"\xef\xbb\xbf" + text("learning_rate: 0.5", "learning_rate: 1e-3").encode())
    assert Problem.from_file(problem).training.learning_rate == 0.001


def test_yaml_flow_mapping_starting_with_brace() -> None:
    """A file starting with '{' that is YAML, not JSON, still loads."""
    flow = "{network: {layers: [1, 1], weights: [[[0.5]]], biases: [[0]]}, training: {learning_rate: 1}, " \
           "data: [{input: [1], target: [0]}]}"
    assert Problem.from_text(flow, "flow.yaml").weights == (((0.5,),),)


def test_library_users_get_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^x.yaml: training.learning_rate: found 0; "):
        Problem.from_text(text("learning_rate: 0.5", "learning_rate: 0"), "x.yaml")
    assert issubclass(ProblemError, ValueError)


# --- notation: checked against the real network -----------------------------------------
SHAPES = [(1, 1), (2, 2, 2), (2, 3, 3, 1), (3, 12, 2), (2, 2, 2, 2, 3)]


def problem_with(layers: tuple[int, ...], bias: str, notation: Any) -> str:
    weights = [[[0.1] * layers[l] for _ in range(layers[l + 1])] for l in range(len(layers) - 1)]
    network: dict = {"layers": list(layers), "bias": bias, "weights": weights}
    if bias != "none":
        network["biases"] = [0.1 if bias == "per_layer" else [0.1] * n for n in layers[1:]]
    return yaml.safe_dump({"network": network, "training": {"learning_rate": 0.1}, "notation": notation,
                           "data": [{"input": [0.5] * layers[0], "target": [0.5] * layers[-1]}]})


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_is_valid_for_every_shape_and_bias_mode(preset: str) -> None:
    for layers in SHAPES:
        for bias in ("per_neuron", "per_layer", "none"):
            assert Problem.from_text(problem_with(layers, bias, preset)).notation == preset


def test_override_checked_only_where_the_network_uses_it() -> None:
    """A pattern for a second hidden layer or a shared bias matters only if the network has one."""
    deep = {"preset": "letters", "node@deep": r"\input{x}"}
    assert Problem.from_text(problem_with((2, 2, 2), "per_layer", deep)).notation == deep
    with pytest.raises(ProblemError, match=r"^<problem>: notation.node@deep: found '\\input\{x\}'; expected a "
                                           r"notation whose names are safe LaTeX math \(macro '\\input'"):
        Problem.from_text(problem_with((2, 2, 2, 2), "per_layer", deep))
    shared = {"preset": "letters", "bias@shared": r"b\write18"}
    assert Problem.from_text(problem_with((2, 2, 2), "per_neuron", shared)).notation == shared
    with pytest.raises(ProblemError, match=r"^<problem>: notation.bias@shared: .*macro '\\write'"):
        Problem.from_text(problem_with((2, 2, 2), "per_layer", shared))


def test_override_that_needs_a_neuron_index_where_there_is_none() -> None:
    """``total`` names one number; $j there only fails once the names are built."""
    with pytest.raises(ProblemError, match=r"^<problem>: notation.total: found 'E_\$j'; expected a notation "
                                           r"whose names are safe LaTeX math \(pattern 'total' uses \$j"):
        Problem.from_text(problem_with((2, 2, 2), "per_layer", {"preset": "letters", "total": "E_$j"}))


@pytest.mark.parametrize("pattern, reason", [
    (r"net_{$node", "unbalanced '{'"),
    ("z^^5cinput", "'^^' is not allowed"),
    ("z_$$j", "character '$' is not allowed"),
    ("z%comment", "character '%' is not allowed"),
])
def test_unsafe_latex_from_an_override(pattern: str, reason: str) -> None:
    spec = {"preset": "nodes", "net.latex": pattern}
    with pytest.raises(ProblemError) as caught:
        Problem.from_text(problem_with((2, 3, 1), "per_neuron", spec))
    assert str(caught.value).startswith("<problem>: notation.net.latex: found ")
    assert reason in str(caught.value)


def test_safe_overrides_are_kept() -> None:
    spec = {"preset": "nodes", "node.latex": "n_{$g}", "net": [r"z_$node", r"z_{$node}"]}
    problem = Problem.from_text(problem_with((2, 3, 3, 1), "per_neuron", spec))
    assert problem.notation == spec


def test_plain_name_on_one_line() -> None:
    spec = {"preset": "letters", "net.plain": "net\n$node"}
    with pytest.raises(ProblemError, match=r"^<problem>: notation.net.plain: found 'net\\n\$node'; .*"
                                           r"not printable on one line"):
        Problem.from_text(problem_with((2, 2, 2), "per_layer", spec))


def test_all_messages_are_one_line_in_one_shape() -> None:
    """Every case above reads '<where>: found <value>; expected <what>'."""
    for case_id, _, _, message in CASES:
        assert "\n" not in message
        assert ": found " in message and "; expected " in message, case_id
