"""Optimizers and regularization against independent references.

* PyTorch: tests/pytorch/optimizers.json, recorded by tests/pytorch/record_optimizers.py
  with torch.optim in float64 (every hyperparameter explicit), final weights, biases and
  the loss of every step, to 1e-9.
* numpy: a plain implementation written here from the formulas of the issue (not from
  tracer's code), on whole training runs over random networks (hypothesis).
* finite differences for the penalty's gradient; each logged entry re-evaluated from its
  operands; the names a checker grades.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.model.optimizers import OPTIMIZERS, STATE_KINDS
from tracer.model.problem import Problem

FIGURES = json.loads((Path(__file__).parent / "pytorch" / "optimizers.json").read_text(encoding="utf-8"))


def classic(optimizer, regularization=None, batch_size=1, epochs=2, data=None, bias="per_neuron",
            show_steps="all", **extra) -> dict:
    net = FIGURES["network"]
    training: dict = {"learning_rate": FIGURES["learning_rate"], "epochs": epochs, "batch_size": batch_size,
                      "optimizer": optimizer}
    if regularization:
        training["regularization"] = regularization
    return {
        "network": {"layers": [2, 2, 2], "activation": "sigmoid", "bias": bias,
                    "weights": [net["W1"], net["W2"]],
                    **({"biases": [net["b1"], net["b2"]]} if bias == "per_neuron" else
                       {"biases": [net["b1"][0], net["b2"][0]]} if bias == "per_layer" else {})},
        "loss": "half_squared_error", "training": training,
        "data": [{"input": x, "target": t} for x, t in (data or FIGURES["data"])],
        "show_steps": show_steps, **extra,
    }


# --- PyTorch --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FIGURES["cases"]))
def test_matches_recorded_pytorch_figures(name: str) -> None:
    case = FIGURES["cases"][name]
    log = trace(Problem.from_dict(classic(case["optimizer"], case["regularization"], case["batch_size"],
                                          case["epochs"])))
    np.testing.assert_allclose(np.concatenate([np.ravel(w) for w in log.final_weights]),
                               np.concatenate([np.ravel(w) for w in case["weights"]]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.concatenate(log.final_biases), np.concatenate(case["biases"]), rtol=0, atol=1e-9)
    np.testing.assert_allclose([h["loss"] for h in log.history], case["losses"], rtol=0, atol=1e-9)


def test_cs231n_form_gives_pytorch_weights_and_its_own_velocity() -> None:
    """v ← μ·v − η·g, w ← w + v: the same weights as PyTorch's form, velocity −η times its."""
    torch_case = FIGURES["cases"]["momentum"]
    log = trace(Problem.from_dict(classic({"name": "momentum", "momentum": 0.9, "form": "cs231n"})))
    np.testing.assert_allclose(np.ravel(log.final_weights[1]), np.ravel(torch_case["weights"][1]), atol=1e-9)
    pytorch = trace(Problem.from_dict(classic({"name": "momentum", "momentum": 0.9})))
    for a, b in zip(log.select(kind="velocity"), pytorch.select(kind="velocity")):
        assert a.name == b.name
        assert a.value == pytest.approx(-0.5 * b.value, abs=1e-15)


# --- numpy reference ------------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_run(W, b, data, lr, opt: dict, reg: dict | None, batch_size: int, epochs: int):
    """Train a sigmoid MLP with half squared error, written from the formulas alone."""
    W = [w.copy() for w in W]
    b = [x.copy() for x in b]
    params = W + b
    state: list[dict] = [{} for _ in params]
    name = opt["name"]
    t = 0
    losses = []
    for _ in range(epochs):
        for start in range(0, len(data), batch_size):
            batch = data[start:start + batch_size]
            m = len(batch)
            grads = [np.zeros_like(p) for p in params]
            data_loss = 0.0
            for x, y in batch:
                outs = [np.array(x)]
                for w, bb in zip(W, b):
                    outs.append(sigmoid(w @ outs[-1] + bb))
                data_loss += 0.5 * np.sum((np.array(y) - outs[-1]) ** 2)
                delta = (outs[-1] - np.array(y)) * outs[-1] * (1 - outs[-1])
                for l in range(len(W) - 1, -1, -1):
                    grads[l] += np.outer(delta, outs[l]) / m
                    grads[len(W) + l] += delta / m
                    delta = (W[l].T @ delta) * outs[l] * (1 - outs[l])
            pen = 0.0
            if reg:
                covered = list(range(len(W))) + (list(range(len(W), len(params))) if reg.get("biases") else [])
                k = m if reg.get("scale") == "batch" else 1
                for idx in covered:
                    p = params[idx]
                    pen += reg.get("l2", 0) / (2 * k) * np.sum(p ** 2) + reg.get("l1", 0) / k * np.sum(np.abs(p))
                    grads[idx] = grads[idx] + reg.get("l2", 0) / k * p + reg.get("l1", 0) / k * np.sign(p)
            losses.append(data_loss / m + pen)
            t += 1
            for idx, (p, g) in enumerate(zip(params, grads)):
                s = state[idx]
                eps = opt.get("epsilon", 1e-8)
                inside = opt.get("epsilon_inside_sqrt", False)
                den = (lambda x, e=eps: np.sqrt(x + e)) if inside else (lambda x, e=eps: np.sqrt(x) + e)
                if name == "sgd":
                    p -= lr * g
                elif name == "momentum":
                    mu = opt.get("momentum", 0.9)
                    s["v"] = mu * s.get("v", 0) + g
                    p -= lr * (g + mu * s["v"]) if opt.get("nesterov") else lr * s["v"]
                elif name == "adagrad":
                    s["G"] = s.get("G", 0) + g ** 2
                    p -= lr * g / den(s["G"])
                elif name == "rmsprop":
                    rho = opt.get("decay", 0.9)
                    s["s"] = rho * s.get("s", 0) + (1 - rho) * g ** 2
                    p -= lr * g / den(s["s"])
                else:
                    b1, b2 = opt.get("beta1", 0.9), opt.get("beta2", 0.999)
                    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g ** 2
                    m_hat, v_hat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
                    if name == "adamw":
                        p -= lr * opt.get("weight_decay", 0.01) * p
                    p -= lr * m_hat / den(v_hat)
    return W, b, losses


OPTIMIZER_SPECS = [
    {"name": "sgd"}, {"name": "momentum"}, {"name": "momentum", "momentum": 0.5, "nesterov": True},
    {"name": "adagrad"}, {"name": "adagrad", "epsilon": 0.1, "epsilon_inside_sqrt": True},
    {"name": "rmsprop", "decay": 0.7}, {"name": "rmsprop", "epsilon": 0.01, "epsilon_inside_sqrt": True},
    {"name": "adam"}, {"name": "adam", "beta1": 0.5, "beta2": 0.9, "epsilon": 0.001, "epsilon_inside_sqrt": True},
    {"name": "adamw", "weight_decay": 0.1},
]
REGULARIZATIONS = [None, {"l2": 0.05}, {"l1": 0.02, "biases": True}, {"l2": 0.1, "l1": 0.01, "scale": "batch"}]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), opt=st.sampled_from(OPTIMIZER_SPECS), reg=st.sampled_from(REGULARIZATIONS),
       sizes=st.lists(st.integers(1, 3), min_size=2, max_size=4), batch_size=st.integers(1, 3))
def test_random_networks_match_the_numpy_reference(seed, opt, reg, sizes, batch_size) -> None:
    rng = np.random.default_rng(seed)
    W = [np.round(rng.uniform(-1, 1, (sizes[l + 1], sizes[l])), 2) for l in range(len(sizes) - 1)]
    b = [np.round(rng.uniform(-1, 1, sizes[l + 1]), 2) for l in range(len(sizes) - 1)]
    data = [(list(np.round(rng.uniform(-1, 1, sizes[0]), 2)), list(np.round(rng.uniform(0, 1, sizes[-1]), 2)))
            for _ in range(3)]
    training = {"learning_rate": 0.3, "epochs": 2, "batch_size": batch_size,
                "optimizer": opt if opt["name"] != "sgd" else "sgd"}
    if reg:
        training["regularization"] = reg
    problem = Problem.from_dict({
        "network": {"layers": sizes, "activation": "sigmoid", "weights": [w.tolist() for w in W],
                    "biases": [x.tolist() for x in b]},
        "loss": "half_squared_error", "training": training,
        "data": [{"input": x, "target": t} for x, t in data], "show_steps": [1, "last"]})
    log = trace(problem)
    W_ref, b_ref, losses = reference_run(W, b, data, 0.3, opt, reg, batch_size, 2)
    for got, want in zip(log.final_weights, W_ref):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    for got, want in zip(log.final_biases, b_ref):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    np.testing.assert_allclose([h["loss"] for h in log.history], losses, rtol=0, atol=1e-9)
    for e in log.entries:  # every entry is its op on its operands
        assert e.recompute([o.value for o in e.operands]) == pytest.approx(e.value, rel=1e-9, abs=1e-12)


# --- entries ----------------------------------------------------------------------------
def test_adam_state_entries_are_indexed_like_their_parameters() -> None:
    log = trace(Problem.from_dict(classic({"name": "adam"}, bias="per_layer")))
    kinds = [e.kind for e in log.select(step=1) if e.kind in STATE_KINDS + ("new_w", "new_b")]
    assert kinds[:5] == ["m", "v", "m_hat", "v_hat", "new_w"]
    m5 = log["m_w5"]
    assert (m5.layer, m5.neuron, m5.source, m5.step) == (2, 1, 1, 1)
    mb = log["m_b2"]
    assert (mb.layer, mb.neuron, mb.source) == (2, None, None)
    g = log["dE/dw5"].value
    assert m5.value == pytest.approx(0.1 * g, abs=1e-15)
    assert log["v_hat_w5"].value == pytest.approx(g * g, rel=1e-12)       # (1 − β2)·g² / (1 − β2)
    assert log["m_hat_w5"].value == pytest.approx(g, rel=1e-12)
    assert log["v_hat_w5"].latex == "\\hat{v}_{w_{5}}"
    assert log["w5+"].value == pytest.approx(0.4 - 0.5 * g / (abs(g) + 1e-8), rel=1e-12)
    # step 2 starts from step 1's state: m = β1·m1 + (1 − β1)·g2
    m5_2 = log["m_w5@2"]
    assert m5_2.operand("prev").value == m5.value
    assert m5_2.operand("prev").name == "m_w5_prev"
    assert m5_2.formula_latex() == ("\\beta_{1} \\cdot {m_{w_{5}}}^{\\mathrm{prev}} + (1 - \\beta_{1}) "
                                    "\\cdot \\frac{\\partial E_{total}}{\\partial w_{5}}")
    assert log["m_hat_w5@2"].substitution_latex() == f"\\frac{{{m5_2.shown}}}{{1 - 0.9^{{2}}}}"
    assert log["w5+"].formula_latex() == ("w_{5} - \\eta \\cdot \\frac{\\hat{m}_{w_{5}}}"
                                          "{\\sqrt{\\hat{v}_{w_{5}}} + \\epsilon}")


def test_epsilon_inside_the_root_and_adamw_decay_print_as_written() -> None:
    log = trace(Problem.from_dict(classic({"name": "adamw", "epsilon_inside_sqrt": True})))
    assert log["w5+"].formula_latex() == ("w_{5} - \\eta \\cdot \\lambda \\cdot w_{5} - \\eta \\cdot "
                                          "\\frac{\\hat{m}_{w_{5}}}{\\sqrt{\\hat{v}_{w_{5}} + \\epsilon}}")
    log = trace(Problem.from_dict(classic({"name": "rmsprop"})))
    assert log["r_w5"].formula_latex() == ("\\rho \\cdot {r_{w_{5}}}^{\\mathrm{prev}} + (1 - \\rho) \\cdot "
                                           "\\left(\\frac{\\partial E_{total}}{\\partial w_{5}}\\right)^{2}")


def test_momentum_velocity_is_not_named_like_adams_v() -> None:
    log = trace(Problem.from_dict(classic({"name": "momentum", "nesterov": True})))
    v = log["vel_w5"]
    assert v.kind == "velocity" and v.latex == "\\mathrm{vel}_{w_{5}}"
    assert log["w5+"].formula_latex() == ("w_{5} - \\eta \\cdot (\\frac{\\partial E_{total}}{\\partial w_{5}}"
                                          " + \\mu \\cdot \\mathrm{vel}_{w_{5}})")
    assert not [e for e in log if e.kind == "v"]


def test_regularized_loss_shows_data_loss_and_penalty() -> None:
    log = trace(Problem.from_dict(classic("sgd", {"l2": 0.1}, epochs=1)))
    data, pen, total = log["E_data"], log["E_reg"], log["E_total"]
    assert (data.kind, pen.kind) == ("data_loss", "penalty")
    weights = np.concatenate([np.ravel(FIGURES["network"]["W1"]), np.ravel(FIGURES["network"]["W2"])])
    assert pen.value == pytest.approx(0.05 * np.sum(weights ** 2), rel=1e-12)   # biases not covered
    assert total.value == pytest.approx(data.value + pen.value, rel=1e-12)
    assert log.history[0]["loss"] == total.value
    assert pen.formula_latex(3) == "\\frac{\\lambda}{2}\\left(w_{1}^{2} + w_{2}^{2} + \\cdots + w_{8}^{2}\\right)"
    grad = log["dE/dw5"]
    assert grad.kind == "dw_total" and log["dE_data/dw5"].kind == "dw"
    assert grad.value == pytest.approx(log["dE_data/dw5"].value + 0.1 * 0.4, abs=1e-15)
    assert log["w5+"].operand("grad").entry == grad.index


def test_l1_with_batch_scale_formula() -> None:
    log = trace(Problem.from_dict(classic("sgd", {"l1": 0.2, "scale": "batch", "biases": True}, batch_size=2,
                                          epochs=1)))
    assert log["E_reg"].formula_latex(2) == ("\\frac{\\lambda}{m}\\left(\\left|w_{1}\\right| + \\cdots + "
                                             "\\left|b_{4}\\right|\\right)")
    assert log["dE/db4"].formula_latex() == ("\\frac{\\partial {E_{\\mathrm{data}}}^{\\mathrm{batch}}}{\\partial b_{4}} + "
                                             "\\frac{\\lambda}{m} \\cdot \\mathrm{sign}(b_{4})")


def test_penalty_gradient_matches_finite_differences() -> None:
    """d(total loss)/dw by central differences of the traced loss equals the logged total gradient."""
    reg = {"l2": 0.3, "l1": 0.07, "biases": True}
    base = classic("sgd", reg, epochs=1, data=FIGURES["data"][:1])
    log = trace(Problem.from_dict(base))
    h = 1e-6
    for name, (l, j, i) in {"dE/dw5": (1, 0, 0), "dE/dw2": (0, 0, 1)}.items():
        values = []
        for sign in (1, -1):
            spec = json.loads(json.dumps(base))
            spec["network"]["weights"][l][j][i] += sign * h
            values.append(trace(Problem.from_dict(spec)).history[0]["loss"])
        assert (values[0] - values[1]) / (2 * h) == pytest.approx(log[name].value, abs=1e-8)


def half_unit(text: str) -> float:
    """Half a unit in the last printed place: how far a printed number may be from its value."""
    decimals = len(text.partition(".")[2])
    return 0.5 * 10.0 ** -decimals


def test_printed_lines_add_up() -> None:
    """Each new line's substitution, evaluated on the printed numbers, gives the printed result
    within one unit of its last printed digit (the README's rule for values not carried),
    operands' own rounding propagated through the op."""
    log = trace(Problem.from_dict(classic({"name": "adam"}, {"l2": 0.01}, epochs=1)))
    log2 = trace(Problem.from_dict(classic({"name": "momentum", "nesterov": True}, {"l1": 0.01}, batch_size=2)))
    log3 = trace(Problem.from_dict(classic({"name": "rmsprop"}, epochs=1)))
    checked = 0
    for e in [*log, *log2, *log3]:
        if e.kind not in STATE_KINDS + ("dw_total", "db_total", "new_w", "new_b", "loss", "penalty", "data_loss"):
            continue
        shown = [float(o.shown) for o in e.operands]
        exact = e.recompute(shown)
        spread = sum(abs(e.recompute([x + half_unit(o.shown) if k == n else x
                                      for k, (x, o) in enumerate(zip(shown, e.operands))]) - exact)
                     for n, o in enumerate(e.operands) if float(o.shown) != o.value)
        assert abs(exact - float(e.shown)) <= 1.01 * spread + 2 * half_unit(e.shown) + 1e-12, e.name
        checked += 1
    assert checked > 100


# --- problem files ----------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, message", [
    ("adamm", "training.optimizer: found 'adamm'"),
    ({"name": "adam", "momentum": 0.9}, ("training.optimizer.momentum: found momentum for adam, which takes only "
                                         "beta1, beta2, epsilon, epsilon_inside_sqrt")),
    ({"name": "momentum", "nesterov": True, "form": "cs231n"}, ("training.optimizer.nesterov: found nesterov: true "
                                                                 "with form: cs231n")),
    ({"name": "adam", "beta1": 1}, "training.optimizer.beta1: found beta1 = 1"),
    ({"name": "rmsprop", "decay": 1.5}, "training.optimizer.decay: found 1.5; expected a decay rate from 0 to 1"),
    ({"momentum": 0.9}, "training.optimizer"),
])
def test_bad_optimizer_is_named(optimizer, message: str) -> None:
    with pytest.raises(ProblemError) as err:
        Problem.from_dict(classic(optimizer))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("reg, message", [
    ({"biases": True}, "training.regularization: found biases without l2 or l1"),
    ({"l2": -1}, "training.regularization.l2: found -1; expected a strength λ of at least 0"),
    ({"l2": 0.1, "scale": "epoch"}, "training.regularization.scale: found 'epoch'"),
    ({"l3": 0.1}, "training.regularization"),
])
def test_bad_regularization_is_named(reg, message: str) -> None:
    with pytest.raises(ProblemError) as err:
        Problem.from_dict(classic("sgd", reg))
    assert message in str(err.value)


def test_to_dict_round_trips_with_every_default() -> None:
    for name in OPTIMIZERS:
        problem = Problem.from_dict(classic(name, {"l2": 0.1}))
        again = Problem.from_dict(problem.to_dict())
        assert again.optimizer == problem.optimizer
        assert again.training.regularization == problem.training.regularization
    spec = Problem.from_dict(classic({"name": "adamw"})).to_dict()["training"]["optimizer"]
    assert spec == {"name": "adamw", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01,
                    "epsilon_inside_sqrt": False}
    assert "optimizer" not in Problem.from_dict(classic("sgd")).to_dict()["training"]


# --- tracer check -----------------------------------------------------------------------
def test_check_grades_state_under_the_printed_names(tmp_path: Path, capsys) -> None:
    from tracer.cli import main
    problem = classic({"name": "adam"}, {"l2": 0.01}, epochs=1, data=FIGURES["data"][:1])
    path = tmp_path / "adam.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    log = trace(Problem.from_dict(problem))
    right = {n: log[n].shown for n in ("m_w5", "v_hat_w5", "m_hat_b4", "E_reg", "dE/dw5")}
    answers = tmp_path / "anna.txt"
    answers.write_text(f"m_w5 = {right['m_w5']}\n\\hat{{v}}_w5 = {right['v_hat_w5']}\n"
                       f"\\hat{{m}}_{{b_{{4}}}} = {right['m_hat_b4']}\nE_reg = {right['E_reg']}\n"
                       f"v_w5 = 0.5\n", encoding="utf-8")
    main(["check", str(path), str(answers)])
    out = capsys.readouterr().out
    assert "4 of 5" in out or "4/5" in out, out
    assert "v_w5" in out


def test_five_optimizers_page_is_up_to_date() -> None:
    import subprocess
    import sys
    script = Path(__file__).parents[1] / "worked_examples" / "five-optimizers" / "make_page.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_exercises_ask_for_optimizer_state() -> None:
    """An exercise may ask for m, v̂ and the new weight of an Adam step: the sheet says what
    each is, and the key gives the values the walkthrough prints."""
    from tracer import examples
    from tracer.render import RenderOptions, render_text
    problem = examples.load("adam-two-steps")
    problem = Problem.from_dict({**problem.to_dict(), "ask": ["m_w5", "v_hat_w5", "w5+"]})
    log = trace(problem)
    sheet = render_text(log, "md", RenderOptions(exercise=True)).text
    assert "1. The first moment m of $w_{5}$ (Adam): " in sheet
    assert "2. The bias-corrected second moment of $w_{5}$: " in sheet
    named = render_text(log, "md", RenderOptions(exercise=True, sheet_notes=True)).text
    assert "1. The first moment m of $w_{5}$ (Adam) (m\\_w5): " in named
    assert "2. The bias-corrected second moment of $w_{5}$ (v\\_hat\\_w5): " in named
    key = render_text(log, "md", RenderOptions(answer_key=True)).text
    for name, symbol in (("m_w5", "m_{w_{5}}"), ("v_hat_w5", "\\hat{v}_{w_{5}}"), ("w5+", "w_{5}^{+}")):
        assert f"| ${symbol}$ | {name.replace('_', chr(92) + '_')} | {log[name].shown} |" in key


def test_the_symbolic_style_writes_the_optimizers_update() -> None:
    """With Adam (or a regularized loss) the symbolic walkthrough gives the optimizer's own
    general formulas, not plain gradient descent's w − η·∂E/∂w."""
    from tracer import examples
    from tracer.render import RenderOptions, render_text
    md = render_text(trace(examples.load("adam-two-steps")), "md", RenderOptions(style="symbolic")).text
    assert "\\hat{m}_{w_{5}} &= \\frac{m_{w_{5}}}{1 - \\beta_{1}^{t}}" in md
    assert "w_{5}^{+} &= w_{5} - \\eta \\cdot \\frac{\\hat{m}_{w_{5}}}{\\sqrt{\\hat{v}_{w_{5}}} + \\epsilon}" in md
    assert "w_{5}^{+} = w_{5} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{5}}" not in md
    l2 = render_text(trace(examples.load("l2-regularization")), "md", RenderOptions(style="symbolic")).text
    assert "with the regularization's gradient added" in l2
