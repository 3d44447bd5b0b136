"""Convolutional networks: the log against PyTorch's recorded figures, an independent numpy
reference written here from the formulas (loops, no tracer code), central differences,
max-pool ties, output sizes with the floor, parameter counts, the names, and the errors."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from tracer.cli import main
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.model.conv_problem import ConvProblem
from tracer.model.problem import Problem

FIGURES = json.loads((Path(__file__).with_name("conv_torch_figures.json")).read_text(encoding="utf-8"))
CASES = {c["name"]: c for c in FIGURES["cases"]}


def problem_of(case: dict, **extra) -> ConvProblem:
    raw = {"network": {"input": {"shape": case["shape"]},
                       "layers": [dict(s, activation=s.get("activation", "softmax")) if s["type"] == "dense" else s
                                  for s in case["layers"]]},
           "conventions": {"convolution": case["convolution"]},
           "loss": "cross_entropy", "training": {"learning_rate": 0.1},
           "data": [{"input": case["input"], "target": case["target"]}], **extra}
    p = Problem.from_dict(raw)
    assert isinstance(p, ConvProblem)
    return p


def values(log, kind: str, layer: int) -> list[float]:
    return [e.value for e in log.select(kind=kind, layer=layer, step=1)]


# --- an independent reference: the formulas as loops ----------------------------------
def ref_conv(x: np.ndarray, K: np.ndarray, b: np.ndarray, stride: int, pad: int, flip: bool) -> np.ndarray:
    C, H, W = x.shape
    F_, _, kh, kw = K.shape
    xp = np.zeros((C, H + 2 * pad, W + 2 * pad))
    xp[:, pad:pad + H, pad:pad + W] = x
    oh, ow = (H - kh + 2 * pad) // stride + 1, (W - kw + 2 * pad) // stride + 1
    z = np.zeros((F_, oh, ow))
    for f in range(F_):
        for i in range(oh):
            for j in range(ow):
                total = b[f]
                for c in range(C):
                    for u in range(kh):
                        for v in range(kw):
                            k = K[f, c, kh - 1 - u, kw - 1 - v] if flip else K[f, c, u, v]
                            total += k * xp[c, i * stride + u, j * stride + v]
                z[f, i, j] = total
    return z


def ref_pool(x: np.ndarray, size: int, stride: int, mode: str) -> np.ndarray:
    C, H, W = x.shape
    oh, ow = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((C, oh, ow))
    for c in range(C):
        for i in range(oh):
            for j in range(ow):
                win = x[c, i * stride:i * stride + size, j * stride:j * stride + size]
                out[c, i, j] = win.max() if mode == "max" else win.mean()
    return out


ACT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "linear": lambda z: z}


def ref_loss(case: dict, layers: list[dict]) -> float:
    a = np.array(case["input"], dtype=float)
    flip = case["convolution"] == "convolution"
    for s in layers:
        if s["type"] == "conv":
            a = ACT[s["activation"]](ref_conv(a, np.array(s["weights"]), np.array(s["biases"]),
                                              s.get("stride", 1), s.get("padding", 0), flip))
        elif s["type"] in ("maxpool", "avgpool"):
            a = ref_pool(a, s["size"], s.get("stride", s["size"]), s["type"][:3])
        elif s["type"] == "flatten":
            a = a.reshape(-1)
        else:
            net = np.array(s["weights"]) @ a + np.array(s["biases"])
            a = np.exp(net - net.max()) / np.exp(net - net.max()).sum()
    return float(-(np.array(case["target"]) * np.log(a)).sum())


# --- PyTorch's figures ----------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    case = CASES[name]
    fig = case["figures"]
    log = trace(problem_of(case))
    assert log["E"].value == pytest.approx(fig["loss"], abs=1e-12)
    for key, m in fig["maps"].items():
        letter, l = key[0], int(key[1:])
        kind = {"Z": "cell_net", "A": "cell_out", "P": "pooled"}[letter]
        assert values(log, kind, l) == pytest.approx(np.ravel(m["value"]).tolist(), abs=1e-12), key
        if m["grad"] is not None and letter in "AP" and log.select(kind="cell_dout", layer=l):
            assert values(log, "cell_dout", l) == pytest.approx(np.ravel(m["grad"]).tolist(), abs=1e-12), key
        if m["grad"] is not None and letter == "Z":
            assert values(log, "cell_dnet", l) == pytest.approx(np.ravel(m["grad"]).tolist(), abs=1e-12), key
    for l, g in fig["params"].items():
        conv = case["layers"][int(l) - 1]["type"] == "conv"
        assert values(log, "dk" if conv else "dw", int(l)) == pytest.approx(np.ravel(g["dweights"]).tolist(), abs=1e-12)
        assert values(log, "db", int(l)) == pytest.approx(g["dbiases"], abs=1e-12)


# --- the numpy reference and central differences --------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_loop_reference(name):
    case = CASES[name]
    log = trace(problem_of(case))
    assert log["E"].value == pytest.approx(ref_loss(case, case["layers"]), abs=1e-12)
    s = case["layers"][0]
    z = ref_conv(np.array(case["input"]), np.array(s["weights"]), np.array(s["biases"]), s.get("stride", 1),
                 s.get("padding", 0), case["convolution"] == "convolution")
    assert values(log, "cell_net", 1) == pytest.approx(z.ravel().tolist(), abs=1e-12)


@pytest.mark.parametrize("name", ["single-channel", "rgb-padding-stride", "flipped", "two-convs"])
def test_gradients_match_central_differences(name):
    case = CASES[name]
    log = trace(problem_of(case))
    h = 1e-6
    for l, s in enumerate(case["layers"], 1):
        if "weights" not in s:
            continue
        kind = "dk" if s["type"] == "conv" else "dw"
        grads = values(log, kind, l)
        flat = np.ravel(s["weights"])
        for n in range(0, flat.size, max(1, flat.size // 7)):   # a spread of weights of every layer
            def loss_at(delta: float, flat=flat, n=n, l=l, s=s) -> float:
                w = flat.copy()
                w[n] += delta
                layers = [dict(t) for t in case["layers"]]
                layers[l - 1]["weights"] = w.reshape(np.shape(s["weights"])).tolist()
                return ref_loss(case, layers)
            assert grads[n] == pytest.approx((loss_at(h) - loss_at(-h)) / (2 * h), abs=1e-6)


def test_the_flipped_convention_sums_the_flipped_kernel_and_updates_the_kernel_as_written():
    case = CASES["flipped"]
    log = trace(problem_of(case))
    z = log["Z1[1,1,1]"]
    K = np.array(case["layers"][0]["weights"])
    # the first product pairs the window's first cell with the kernel's last weight
    assert z.operands[0].name == "K1[1,1,3,3]" and z.operands[0].value == K[0, 0, 2, 2]
    assert z.operands[1].name == "X[1,1,1]"
    new = log["K1[1,1,1,1]+"]
    assert new.value == pytest.approx(K[0, 0, 0, 0] - 0.1 * log["dK1[1,1,1,1]"].value, abs=1e-15)


def test_max_pool_ties_route_to_the_first_maximum():
    case = CASES["ties"]
    log = trace(problem_of(case))
    # window 1 holds 1.0 at [1,1], [1,2] and [2,2]: the gradient goes to [1,1] only
    p = log["dP2[1,1,1]"].value
    assert log["dA1[1,1,1]"].value == p != 0
    assert log["dA1[1,1,2]"].value == 0 and log["dA1[1,2,2]"].value == 0
    assert log["dA1[1,1,2]"].operands == ()
    assert log["dA1[1,3,1]"].value == log["dP2[1,2,1]"].value and log["dA1[1,4,1]"].value == 0


def test_output_sizes_use_the_floor_and_parameter_counts():
    case = CASES["rgb-padding-stride"]
    log = trace(problem_of(case))
    h = log["Hout1"]
    # (7 - 3 + 2·1)/2 + 1 = 4; the pool: ⌊(4 - 2)/2⌋ + 1 = 2
    assert (h.value, h.shown, log["Hout2"].value) == (4, "4", 2)
    assert h.substitution_latex() == "\\left\\lfloor \\frac{7 - 3 + 2 \\cdot 1}{2} \\right\\rfloor + 1"
    assert log["params1"].value == 2 * (3 * 3 * 3 + 1) == 56
    assert log["params4"].value == 3 * (8 + 1)
    assert log["params1"].substitution_latex() == "2 \\cdot (3 \\cdot 3 \\cdot 3 + 1)"


def test_floor_drops_a_row():
    raw = {"network": {"input": {"shape": [1, 6, 6]}, "layers": [
        {"type": "conv", "filters": 1, "kernel": 3, "stride": 2, "activation": "linear",
         "weights": [[[[1, 0, 0], [0, 0, 0], [0, 0, 0]]]], "biases": [0]},
        {"type": "flatten"}, {"type": "dense", "units": 1, "activation": "linear", "weights": [[1, 1, 1, 1]],
                              "biases": [0]}]},
        "loss": "half_squared_error", "training": {"learning_rate": 0.1},
        "data": [{"input": [[float(10 * r + c) for c in range(6)] for r in range(6)], "target": [0]}]}
    log = trace(Problem.from_dict(raw))
    assert log["Hout1"].value == math.floor((6 - 3) / 2) + 1 == 2
    # the kernel reads the window's top-left cell: cells (1,1), (1,3), (3,1), (3,3)
    assert values(log, "cell_net", 1) == [0, 2, 20, 22]


def test_names_count_from_index_base_and_the_json_has_cells():
    case = CASES["single-channel"]
    log = trace(problem_of(case, conventions={"convolution": "cross_correlation", "index_base": 0}))
    z = log["Z1[0,0,0]"]
    assert z.cell == (1, 1, 1) and z.to_dict()["cell"] == [1, 1, 1]
    assert log["dK1[1,0,2,2]"].cell == (2, 1, 3, 3)
    assert "cell" not in log["Z4[0]"].to_dict()


def test_every_entry_adds_up():
    """The arithmetic rule: each entry's op on its operands' values gives its value."""
    for case in CASES.values():
        log = trace(problem_of(case))
        for e in log:
            if e.operands:
                assert e.recompute([o.value for o in e.operands]) == pytest.approx(e.value, abs=1e-12), e.name


# --- errors ---------------------------------------------------------------------------
BASE = {"network": {"input": {"shape": [1, 4, 4]}, "layers": [
    {"type": "conv", "filters": 1, "kernel": 3, "weights": [[[[0.1] * 3] * 3]], "biases": [0.0]},
    {"type": "flatten"}, {"type": "dense", "units": 1, "weights": [[0.1] * 4], "biases": [0.0]}]},
    "loss": "half_squared_error", "training": {"learning_rate": 0.1},
    "data": [{"input": [[[0.5] * 4] * 4], "target": [1]}]}


def with_layer(k: int, **changes) -> dict:
    raw = json.loads(json.dumps(BASE))
    raw["network"]["layers"][k].update(changes)
    return raw


@pytest.mark.parametrize("raw, message", [
    (with_layer(0, kernel=5, weights=[[[[0.1] * 5] * 5]]),
     ("network.layers[0]: found a 5×5 kernel on layer 1 (conv) for a 4×4 input with padding 0×0; expected a "
      "kernel of at most 4×4 (the padded input)")),
    (with_layer(0, weights=[[[[0.1] * 3] * 2]]),
     ("network.layers[0].weights: found 1×1×2×3 (nested lists of shape 1×1×2×3); expected 1×1×3×3 numbers, "
      "weights[f][c][i][j] of layer 1 (conv): 1 filter × 1 channel × a 3×3 kernel")),
    (with_layer(1, type="maxpool", size=2),
     "network.layers[1]: found a maxpool layer last"),
    (with_layer(0, stride=[1, 0]), ("network.layers[0].stride[1]: found 0; expected a whole number or a "
                                    "[height, width] pair, each at least 1")),
    (with_layer(0, activation="softmax"), "network.layers[0].activation: found softmax on layer 1 (conv)"),
])
def test_bad_shapes_are_one_line_errors(raw, message):
    if message.endswith("last"):
        raw["network"]["layers"] = raw["network"]["layers"][:2]
        message = "network.layers[1]: found a maxpool layer last; expected a dense layer last"
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(raw, source="p.yaml")
    assert str(info.value).startswith("p.yaml: " + message)
    assert "\n" not in str(info.value)


def test_dense_on_a_map_needs_flatten(tmp_path, capsys):
    raw = json.loads(json.dumps(BASE))
    del raw["network"]["layers"][1]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw))
    out = tmp_path / "out.md"
    assert main(["run", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"tracer: {path}: network.layers[1]: found layer 2 (dense) on a 1×2×2 feature map; expected "
                   "a flatten layer before the first dense layer\n")
    assert not out.exists()


# --- the walkthrough, the diagram, the checker ----------------------------------------
GALLERY = Path(__file__).resolve().parent.parent / "worked_examples"


def render(problem, fmt: str = "md", **options) -> str:
    from tracer.render import RenderOptions, render_text
    return render_text(trace(problem), fmt, RenderOptions(inline_svg=False, **options)).text


def test_every_printed_line_adds_up():
    """The arithmetic rule on what is printed: each entry's op on its operands' shown numbers
    gives its shown value, up to the rounding of what was shown (4 decimals here)."""
    for name in ("conv-5x5", "conv-rgb-stride"):
        log = trace(Problem.from_file(GALLERY / name / "problem.yaml"))
        for e in log:
            if e.operands:
                again = e.recompute([float(o.shown) for o in e.operands])
                assert abs(again - float(e.shown)) <= 1e-3 * (1 + len(e.operands)), (name, e.name)


def test_the_general_size_formula_uses_the_names_of_the_size_lines():
    """The sizes paragraph states the rule in the names its lines use (n_H^{(l)}, k_h^{(l)}...),
    and the legend's n^{(l)} (a layer's number of values) is not reused for a height."""
    md = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    para = md.split("## Output sizes and parameter counts\n\n", 1)[1].split("\n\n", 1)[0]
    assert ("output height is $n_{H}^{(l)} = \\left\\lfloor \\frac{n_{H}^{(l-1)} - k_{h}^{(l)} + 2 \\cdot p_{h}^{(l)}}"
            "{s_{h}^{(l)}} \\right\\rfloor + 1$") in para
    assert "size" not in para.replace("kernel (or pooling window) size", "")
    # the first line is that rule with layer 1's names: n_H^{(0)} = 5, k_h = 3, p_h = 0, s_h = 1
    assert ("n_{H}^{(1)} = \\left\\lfloor \\frac{n_{H}^{(0)} - k_{h}^{(1)} + 2 \\cdot p_{h}^{(1)}}{s_{h}^{(1)}} "
            "\\right\\rfloor + 1 = \\left\\lfloor \\frac{5 - 3 + 2 \\cdot 0}{1} \\right\\rfloor + 1 = 3") in md


def test_walkthrough_marks_the_receptive_field_the_winners_and_the_first_cell():
    md = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    assert "| 1 | **1** | **0** | **2** | 1 | 0 |" in md        # X rows 1-3, columns 1-3
    assert "| 4 | 1 | 2 | 1 | 0 | 1 |" in md
    # the first cell in full, then every cell elided past --max-terms
    assert ("= 0.1 \\cdot 1 + (-0.2) \\cdot 0 + 0.3 \\cdot 2 + 0 \\cdot 0 + 0.5 \\cdot 1 + (-0.1) \\cdot 1 + "
            "0.2 \\cdot 2 + 0.1 \\cdot 1 \\\\\n&\\quad + (-0.3) \\cdot 0 + 0.1 \\\\\n&= 1.7") in md
    assert "P^{(2)}_{1,1,1} &= \\max(A^{(1)}_{1,1,1}, A^{(1)}_{1,1,2}, A^{(1)}_{1,2,1}, A^{(1)}_{1,2,2}) = " \
           "\\max(1.7000, 0.2000, 0.8000, 1.0000) \\\\\n&= 1.7000" in md
    assert "Max pooling (layer 2) routes the gradient" in md
    tex = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"), "tex")
    assert "\\boxed{1} & \\boxed{0} & \\boxed{2} & 1 & 0" in tex


def test_a_tie_is_said():
    md = render(problem_of(CASES["ties"]))
    assert ("$P^{(2)}_{1,1,1}$ is a tie: $A^{(1)}_{1,1,1}$, $A^{(1)}_{1,1,2}$, $A^{(1)}_{1,2,2}$ all hold the "
            "maximum $1$. The gradient goes to the first in row-major order, $A^{(1)}_{1,1,1}$ (PyTorch's rule), "
            "the others get 0.") in md


def test_the_floor_names_the_rows_it_drops():
    raw = json.loads(json.dumps(BASE))
    raw["network"]["input"]["shape"] = [1, 6, 6]
    raw["network"]["layers"][0]["stride"] = 2
    raw["data"][0]["input"] = [[[0.5] * 6] * 6]
    md = render(Problem.from_dict(raw))
    assert "Layer 1: the floor drops a remainder of 1 in the rows: row 6 of the input is never covered by a window." in md
    assert "Layer 1: the floor drops a remainder of 1 in the columns: column 6 of the input is never covered" in md


@pytest.mark.parametrize("style", ["chain-rule", "narrative", "matrix", "symbolic"])
def test_every_style_renders(style):
    p = Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml")
    md, tex = render(p, style=style), render(p, "tex", style=style)
    assert "## The network" in md and "\\section{The network}" in tex
    cells = md.count("Z^{(1)}_{1,1,1} &= K^{(1)}_{1,1,1,1}")
    if style == "symbolic":
        assert "\\sum_{c} \\sum_{u=1}^{k_h} \\sum_{v=1}^{k_w} K_{f,c,u,v}" in md and cells == 0
        assert "\\frac{\\partial E}{\\partial K_{f,c,u,v}} = \\sum_{i} \\sum_{j} \\delta_{f,i,j}" in md
    elif style == "matrix":
        assert cells == 1 and "Z^{(1)}_{1,1,2} &=" not in md      # the worked cell, then grids
    else:
        # the first cell in full once, then the other cells (the first is not repeated elided)
        assert cells == 1 and "Z^{(1)}_{1,1,2} &=" in md and "The other cells:" in md and "Every cell:" not in md
        assert md.count("\\frac{\\partial E}{\\partial K^{(1)}_{1,1,1,1}} &=") == 1
        assert "The other kernel weights:" in md and "Every kernel weight:" not in md


def test_json_log_names_kinds_and_cells(tmp_path):
    out = tmp_path / "log.json"
    assert main(["run", str(GALLERY / "conv-5x5" / "problem.yaml"), "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    kinds = {e["kind"] for e in data["entries"]}
    assert {"out_size", "params", "cell_net", "cell_out", "pooled", "cell_dout", "cell_dact", "cell_dnet", "dk",
            "new_k"} <= kinds
    dk = next(e for e in data["entries"] if e["name"] == "dK1[1,1,2,3]")
    assert dk["cell"] == [1, 1, 2, 3] and dk["layer"] == 1 and len(dk["depends_on"]) == 9
    assert data["problem"]["network"]["layers"][1] == {"type": "maxpool", "size": [2, 2], "stride": [1, 1]}


def test_diagram_draws_the_kernel_window_and_pooling_windows():
    from tracer.render.convdiagram import (
        POOL_COLOUR,
        WIN_FILL,
        WINDOW_COLOUR,
        layout,
        spec,
        to_svg,
        to_tikz,
    )
    from tracer.render.convview import ConvView
    from tracer.render.printers import MarkdownPrinter
    log = trace(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    lay = layout(spec(ConvView(log, MarkdownPrinter(), 8, "chain-rule")))
    svg, tikz = to_svg(lay), to_tikz(lay)
    assert svg.count(f'stroke="{WINDOW_COLOUR}"') == 1          # one kernel window on the one input channel
    assert svg.count(f'stroke="{POOL_COLOUR}"') == 8            # 2 channels × 2×2 pooled cells
    assert svg.count(f'fill="{WIN_FILL}"') >= 2
    assert tikz.count("rectangle") == sum(1 for b in lay.boxes)


def test_the_gallery_exercise_is_graded(capsys):
    answers = GALLERY / "conv-lenet-exercise" / "answers-student.txt"
    assert main(["check", "conv-lenet-exercise", str(answers), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    verdicts = {r["name"]: (r["verdict"], r["expected"]) for r in report["records"]}
    # the student forgot the dense layer's biases: 10 · 32 = 320, not 10 · (32 + 1) = 330
    assert verdicts.pop("params6") == ("wrong", 330)
    assert verdicts == {"Hout1": ("correct", 10), "Wout1": ("correct", 10), "params1": ("correct", 40),
                        "Hout2": ("correct", 5), "Hout3": ("correct", 4), "params3": ("correct", 136),
                        "Hout4": ("correct", 2), "params7": ("correct", 33)}


def test_a_mini_batch_averages_the_kernel_gradients_and_epochs_train_on():
    case = CASES["rgb-padding-stride"]
    rng = np.random.default_rng(3)
    second = (np.round(rng.uniform(-1, 1, np.shape(case["input"])), 1) + 0.0).tolist()
    target2 = [0.0, 1.0, 0.0]
    p = problem_of(case, training={"learning_rate": 0.1, "batch_size": 2, "epochs": 2},
                   data=[{"input": case["input"], "target": case["target"]}, {"input": second, "target": target2}])
    log = trace(p)
    assert log.steps == [1, 2] and len(log.history) == 2
    mean = log.select(kind="dk", layer=1, step=1, example=None)
    assert len(mean) == 2 * 3 * 3 * 3 and mean[0].name == "dK1[1,1,1,1]"
    assert [o.name for o in mean[0].operands] == ["dK1[1,1,1,1]#1", "dK1[1,1,1,1]#2"]

    def batch_loss(K: np.ndarray) -> float:
        layers = [dict(s) for s in case["layers"]]
        layers[0]["weights"] = K.tolist()
        other = dict(case, input=second, target=target2)
        return (ref_loss(case, layers) + ref_loss(other, layers)) / 2
    K, h = np.array(case["layers"][0]["weights"]), 1e-6
    for n in (0, 13, 53):
        up, down = K.copy(), K.copy()
        up.flat[n] += h
        down.flat[n] -= h
        assert mean[n].value == pytest.approx((batch_loss(up) - batch_loss(down)) / (2 * h), abs=1e-6)
    # step 2 starts from step 1's new kernel
    new = log.select(kind="new_k", layer=1, step=1)
    assert log.select(kind="new_k", layer=1, step=2)[0].operand("old").value == new[0].value
    assert np.ravel(log.final_weights[0]).tolist() == [e.value for e in log.select(kind="new_k", layer=1, step=2)]


def test_carried_rounding_rounds_every_cell():
    p = problem_of(CASES["single-channel"], rounding={"digits": 2, "carry": True})
    log = trace(p)
    for e in log.select(kind="cell_net") + log.select(kind="dk"):
        # two decimals, or two significant figures where two decimals would leave 0 (-0.0010)
        assert e.value == p.rounding.apply(e.value) and Decimal(e.shown) == Decimal(repr(e.value))
        digits = Decimal(e.shown).as_tuple()
        assert -digits.exponent == 2 or (abs(e.value) < 0.005 and len(digits.digits) == 2), e.shown


def test_check_carries_a_wrong_cell_forward(tmp_path, capsys):
    answers = tmp_path / "a.txt"
    answers.write_text("Z1[1,1,1] = 1.6\nA1[1,1,1] = 1.6\nP2[1,1,1] = 1.6\ndK1[1,1,1,1] = -0.1321\n")
    assert main(["check", str(GALLERY / "conv-5x5" / "problem.yaml"), str(answers), "--format", "json"]) == 1
    records = {r["name"]: (r["verdict"], r["expected"]) for r in json.loads(capsys.readouterr().out)["records"]}
    # Z1[1,1,1] = 1.7 (worked above); ReLU and the max pass the student's 1.6 on unchanged
    approx = pytest.approx
    assert records == {"Z1[1,1,1]": ("wrong", approx(1.7)), "A1[1,1,1]": ("carried", approx(1.7)),
                       "P2[1,1,1]": ("carried", approx(1.7)), "dK1[1,1,1,1]": ("correct", approx(-0.13205, abs=5e-5))}


VARIANT_PROBLEM = """\
title: Conv variants
network:
  input: {shape: [1, 4, 4]}
  layers:
    - {type: conv, filters: 1, kernel: 2, activation: relu, weights: [[[[0.1, -0.2], [0.3, 0.4]]]], biases: [0.1]}
    - {type: maxpool, size: 2, stride: 1}
    - {type: flatten}
    - {type: dense, units: 2, activation: softmax, weights: [[0.2, -0.1, 0.3, 0.1], [-0.3, 0.2, 0.1, 0.4]],
       biases: [0, 0]}
loss: cross_entropy
training: {learning_rate: 0.5}
data:
  - input: [[1, 0, 2, 1], [0, 1, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]]
    target: [1, 0]
ask: ["Z1[1,1,1]", "P2[1,1,1]", "dK1[1,1,1,1]", "K1[1,1,1,1]+"]
variants: {weights: {low: -0.9, high: 0.9, decimals: 1}, inputs: {low: 0, high: 3, decimals: 0}}
"""


def test_variants_redraw_kernels_and_inputs_and_check_their_own_keys(tmp_path, capsys):
    problem = tmp_path / "p.yaml"
    problem.write_text(VARIANT_PROBLEM)
    out = tmp_path / "v"
    assert main(["variants", str(problem), "-o", str(out), "--count", "3", "--seed", "7", "--no-pdf"]) == 0
    kernels = set()
    for k in ("01", "02", "03"):
        folder = out / k
        drawn = Problem.from_file(folder / "problem.yaml")
        assert isinstance(drawn, ConvProblem) and drawn.variants is None
        kernels.add(drawn.parameters[0][0])
        grid = {x / 10 for x in range(-9, 10) if x}
        assert set(np.ravel(drawn.parameters[0][0])) <= grid and set(drawn.data[0].input) <= {1.0, 2.0, 3.0}
        answers = dict(line.split(": ") for line in (folder / "answers.yaml").read_text().splitlines()[1:])
        assert all(float(v) != 0 for v in answers.values())        # no switched-off cell is asked
        assert main(["check", str(folder / "problem.yaml"), str(folder / "answers.yaml")]) == 0
        assert "Questions" in (folder / "exercise.md").read_text()
    assert len(kernels) == 3
    capsys.readouterr()
    again = tmp_path / "again"
    assert main(["variants", str(problem), "-o", str(again), "--count", "3", "--seed", "7", "--only", "2",
                 "--no-pdf"]) == 0
    assert (again / "02" / "problem.yaml").read_text() == (out / "02" / "problem.yaml").read_text()


def test_the_softmax_delta_is_derived_before_it_is_used():
    """∂E/∂A·∂A/∂Z is printed for each output, but δ = A − Y is not their product for softmax
    (δ_2 = 0.4403 while ∂E/∂A_2 = 0): the page derives it once, before the first δ."""
    md = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    why = md.index("Why $\\delta$ is output minus target: a softmax output depends on every net input of its layer")
    assert md.count("Why $\\delta$ is output minus target") == 1
    assert md.index("\\frac{\\partial E}{\\partial net_{j}} = -t_{j} + \\frac{e^{net_{j}}}{\\sum_{m} e^{net_{m}}} "
                    "= o_{j} - t_{j}") > why
    assert why < md.index("\\delta^{(4)}_{1} = A^{(4)}_{1} - Y_{1} = 0.5597 - 1 = -0.4403")


def test_a_mini_batch_page_says_what_the_example_bar_means():
    case = CASES["rgb-padding-stride"]
    second = (np.round(np.random.default_rng(3).uniform(-1, 1, np.shape(case["input"])), 1) + 0.0).tolist()
    p = problem_of(case, training={"learning_rate": 0.1, "batch_size": 2},
                   data=[{"input": case["input"], "target": case["target"]}, {"input": second, "target": [0, 1, 0]}])
    md = render(p)
    words = md.index("The step uses the mean of the 2 examples' gradients. A gradient computed on example $k$ alone is "
                     "marked with a bar and the subscript $k$: ")
    assert words < md.index("\\right|_{1}")      # explained before the notation is first printed


def test_a_sizes_exercise_does_not_print_its_answers():
    """conv-lenet-exercise asks output sizes and parameter counts: the sheet gives the layers'
    settings, not the table's Output and Parameters columns or the feature-map diagram (which
    draw the answers), nor the 5 pages of weights no question needs; the PDF leaves a box."""
    p = Problem.from_file(GALLERY / "conv-lenet-exercise" / "problem.yaml")
    md, tex = render(p, exercise=True), render(p, "tex", exercise=True)
    assert "The input is 1×12×12 (channels × height × width).\n\n| Layer | Type | Settings |\n" in md
    assert "| 1 | conv | 4 filters 3×3, stride 1, padding 0, relu |\n| 2 | maxpool | window 2×2, stride 2 |" in md
    for answer in ("4×10×10", "| 136 |", "330", "## Given", "K^{(1)}_{1,1", "<svg", ".svg"):
        assert answer not in md
    assert "\\begin{tikzpicture}" not in tex
    assert tex.count("\\framebox[\\linewidth]{\\rule{0pt}{3.2cm}}") == 9


def test_a_cell_exercise_still_gives_the_values():
    raw = yaml.safe_load((GALLERY / "conv-5x5" / "problem.yaml").read_text())
    md = render(Problem.from_dict(dict(raw, ask=["Z1[1,1,1]"])), exercise=True)
    assert "| Layer | Type | Input | Output | Settings | Parameters |" in md and "## Given" in md
    assert "| $K^{(1)}_{1,1,\\cdot,\\cdot}$ | 1 | 2 | 3 |" in md


def test_a_conv_sheet_asks_in_words_and_says_how_to_round_values():
    """As the dense sheet: the answer-file names and the checker's note only with --sheet-notes;
    a sheet asking values (not only sizes) says how to round them."""
    raw = yaml.safe_load((GALLERY / "conv-5x5" / "problem.yaml").read_text())
    p = Problem.from_dict(dict(raw, ask=["Z1[1,1,1]", "Hout1"]))
    md = render(p, exercise=True)
    assert ("1. $n_{H}^{(1)}$: the output height of layer 1\n"
            "2. $Z^{(1)}_{1,1,1}$: cell [1, 1, 1] of layer 1's feature map, before the activation\n") in md
    assert "answer as" not in md and "tracer" not in md
    assert ("Give every answer rounded to 4 decimal places, or 4 significant figures where that keeps more; "
            "keep full precision in the computations in between.\n\nCompute:") in md
    named = render(p, exercise=True, sheet_notes=True)
    assert "1. $n_{H}^{(1)}$: the output height of layer 1 (answer as Hout1)\n" in named
    assert "the names given after \"answer as\", and run tracer check" in named
    sizes = render(Problem.from_file(GALLERY / "conv-lenet-exercise" / "problem.yaml"), exercise=True)
    assert "Give every answer" not in sizes        # whole numbers: nothing to round


def test_a_conv_sheet_prints_none_of_its_answers():
    """A sheet asking a cell and an output size: the network table hides the shapes (Hout1 = 3
    was in its Output column) and no feature map is drawn (its grid would count the size); a
    sheet asking cells alone draws the maps empty, without pooling winners (A1[1,·,·] showed
    1.7000, the asked Z1[1,1,1])."""
    raw = yaml.safe_load((GALLERY / "conv-5x5" / "problem.yaml").read_text())
    log = trace(Problem.from_dict(dict(raw, ask=["Z1[1,1,1]", "Hout1"])))
    md = render(Problem.from_dict(dict(raw, ask=["Z1[1,1,1]", "Hout1"])), exercise=True)
    assert "| Layer | Type | Settings |" in md and "2×3×3" not in md and "<svg" not in md and ".svg" not in md
    assert "## Given" in md                                      # the cell still needs the values
    cells = Problem.from_dict(dict(raw, ask=["Z1[1,1,1]", "P2[1,1,1]"]))
    from tracer.render import RenderOptions, render_text
    sheet = render_text(trace(cells), "md", RenderOptions(inline_svg=True, exercise=True)).text
    svg = sheet[sheet.index("<svg"):sheet.index("</svg>")]
    texts = re.findall(r">([^<>]*)</text", svg)
    computed = {e.shown for e in trace(cells).entries if e.kind in ("cell_net", "cell_out", "pooled")} - {"0", "1", "2"}
    assert computed and not computed & set(texts)
    assert {"A1[1,·,·]", "P2[2,·,·]"} <= set(texts)            # the maps are there, named, empty
    assert "pooling windows (red); the maps to compute are left empty" in render(cells, exercise=True)
    walk = render_text(trace(cells), "md", RenderOptions(inline_svg=True)).text
    assert "1.7000" in re.findall(r">([^<>]*)</text", walk[walk.index("<svg"):walk.index("</svg>")])
    assert log["Hout1"].shown == "3"


def test_a_conv_sheet_without_ask_stops_with_one_line(tmp_path, capsys):
    out = tmp_path / "sheet.md"
    assert main(["run", str(GALLERY / "conv-5x5" / "problem.yaml"), "--exercise", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.endswith("problem.yaml: ask: found none; expected the quantities a convolutional network's exercise "
                        "asks (names such as Z1[1,1,1] or Hout1, kinds such as dk or params)\n")
    assert err.count("\n") == 1 and not out.exists()


def test_the_conv_answer_key_shows_what_it_uses_and_not_the_setup_again():
    raw = yaml.safe_load((GALLERY / "conv-5x5" / "problem.yaml").read_text())
    key = render(Problem.from_dict(dict(raw, ask=["Z1[1,1,1]", "P2[1,1,1]"])), answer_key=True)
    assert "## The network" not in key and "<svg" not in key       # the sheet (or LMS question) has it
    assert "The worked solution of the 2 quantities the exercise asks, numbered as on the exercise sheet." in key
    one, two = key.index("**1.** $Z^{(1)}_{1,1,1}$"), key.index("**2.** $P^{(2)}_{1,1,1}$")
    # P2[1,1,1] = max of Z1 cells [1,1,1], [1,1,2], [1,2,1], [1,2,2] after ReLU: those are shown first
    first = key.index("First the quantities it is computed from:", two)
    assert one < two < first < key.index("A^{(1)}_{1,2,2} = ", first) < key.index("Then:", first)
    assert key.count("Z^{(1)}_{1,1,1} &= ") + key.count("Z^{(1)}_{1,1,1} = ") == 1   # shown once, in answer 1


def test_the_sizes_answer_key_names_its_symbols():
    key = render(Problem.from_file(GALLERY / "conv-lenet-exercise" / "problem.yaml"), answer_key=True)
    assert ("Layer 0 is the input. $k$, $p$ and $s$ are a layer's kernel (or pooling window) size, padding and "
            "stride, in rows ($h$) and columns ($w$); $F^{(l)}$ is the number of filters of layer $l$, $C^{(l)}$ "
            "the number of channels of its output and $n^{(l)}$ the number of its values (a dense layer's units).") in key
    assert "\\left\\lfloor \\frac{12 - 3 + 2 \\cdot 0}{1} \\right\\rfloor + 1 = 10" in key


def test_the_diagram_caption_says_its_map_names_are_the_answer_names():
    """The figure labels maps A1[1,·,·] (what tracer check reads) while the text writes
    A^{(1)}_{1,·,·}: the caption links the two."""
    md = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    assert ("![Feature maps: the kernel window of the first cell (blue), pooling windows and their winners (red); "
            "each map is labelled with the name an answer uses, A1[1,·,·] for channel 1 of layer 1's output]") in md


def test_the_matrix_style_derives_the_softmax_delta_before_its_lines():
    md = render(Problem.from_file(GALLERY / "conv-rgb-stride" / "problem.yaml"), style="matrix")
    why = md.index("Why $\\delta$ is output minus target: a softmax output depends on every net input of its layer, "
                   "so $\\delta$ is not the product of the two derivatives below.")
    assert md.count("Why $\\delta$ is output minus target") == 1
    assert why < md.index("\\delta^{(3)} = A^{(3)} - Y = ")


def test_the_size_formula_does_not_call_a_width_w_like_the_weights():
    """The sizes paragraph wrote ⌊(W − K + 2P)/S⌋ + 1 on a page whose dense weights are W^{(4)}:
    a layer's height and width are n_H and n_W (Ng's notation), in the general rule as in the
    lines, so no W but the dense weights' is on the page."""
    md = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    assert "Each conv or pool layer's output height is $n_{H}^{(l)} = " in md   # the rest: the test above
    assert "\\frac{W - K + 2P}{S}" not in md and "W^{\\mathrm{out}}" not in md and "n_{W}^{(1)}" in md
    symbolic = render(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"), style="symbolic")
    assert ("n_{H}^{(l)} = \\left\\lfloor \\frac{n_{H}^{(l-1)} - k_{h}^{(l)} + 2 \\cdot p_{h}^{(l)}}{s_{h}^{(l)}}"
            " \\right\\rfloor + 1") in symbolic
    assert "W_{\\mathrm{out}} =" not in symbolic


def test_a_feature_map_cell_is_as_wide_as_its_number_typeset():
    """conv-5x5's A1 cells hold 1.7000 and 0.2000 side by side: each numbered cell is wider
    than its number as TeX sets it (\\scriptsize sans, the TikZ backend; the SVG's type is
    smaller), so neighbours never run into each other (issue 11, readers' print of p1)."""
    from tests.latexcheck import assert_compiles
    from tracer.render.convdiagram import NUMBER, MapSpec, cell_width, layout, spec
    from tracer.render.convview import ConvView
    from tracer.render.escape import drawing_latex
    from tracer.render.printers import MarkdownPrinter
    log = trace(Problem.from_file(GALLERY / "conv-5x5" / "problem.yaml"))
    lay = layout(spec(ConvView(log, MarkdownPrinter(), 8, "chain-rule")))
    numbers = [t for t in lay.labels if t.size == NUMBER]
    assert {"1.7000", "0.2000"} <= {t.text for t in numbers}
    cells = {(round(b.x + b.w / 2, 3), round(b.y + b.h / 2, 3)): b.w for b in lay.boxes if b.width == 0.6}
    texts = sorted({t.text for t in numbers} | {"-0.1100"})
    measure = "".join(f"\\setbox0=\\hbox{{\\sffamily\\scriptsize {drawing_latex(t)}}}\\typeout{{W {t} \\the\\wd0}}\n"
                      for t in texts)
    log_text = assert_compiles("\\documentclass{article}\n\\begin{document}\n" + measure + "x\n\\end{document}\n").log
    typeset = {m.group(1): float(m.group(2)) * 2.54 / 72.27 for m in re.finditer(r"^W (\S+) ([\d.]+)pt", log_text, re.M)}
    assert set(typeset) == set(texts)
    for t in numbers:      # a number sits 0.35 of its size below its cell's centre (baseline)
        width = cells[(round(t.x, 3), round(t.y - 0.35 * NUMBER, 3))]
        assert typeset[t.text] + 0.1 <= width, (t.text, typeset[t.text], width)
    negative = MapSpec("m", np.array([["-0.1100"]], dtype=object))
    assert cell_width(negative) >= typeset["-0.1100"] + 0.1


def test_diagrams_print_a_minus_sign_not_a_hyphen():
    """conv-rgb-stride's maps hold -1; the drawing's SVG text is '−1' (U+2212), its TikZ
    '$-$1', as the formulas print it; a hyphen inside a name stays one."""
    from tracer.render.convdiagram import layout, spec, to_svg, to_tikz
    from tracer.render.convview import ConvView
    from tracer.render.printers import MarkdownPrinter
    log = trace(Problem.from_file(GALLERY / "conv-rgb-stride" / "problem.yaml"))
    lay = layout(spec(ConvView(log, MarkdownPrinter(), 8, "matrix")))
    assert "-1" in {t.text for t in lay.labels}
    svg, tikz = to_svg(lay), to_tikz(lay)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "\u22121" in texts and not [t for t in texts if re.search(r"-\d", t)]
    nodes = re.findall(r"\\scriptsize ([^}]*)\}", tikz)
    assert "$-$1" in nodes and not [t for t in nodes if re.search(r"(?<!\$)-\d", t)]
