"""Convolution, pooling and flatten layers: siblings of ``layers.Dense`` for feature maps.

A feature map is an array [channel, row, column]. A ``Conv2D`` layer slides each of its
filters (kernels [filter, channel, row, column] and one bias per filter) over its zero-
padded input with a stride; a ``Pool`` layer takes the maximum or the mean of each window;
``Flatten`` reads a map channel by channel, row by row (PyTorch's order) into the vector a
``Dense`` layer takes. Each layer owns its numbers (forward, backward, gradients, all
numpy) and the index arithmetic its entries need (``taps``: which kernel weight meets
which input cell in a sum); ``engine.convtrace`` records the entries.

Conventions: ``cross_correlation`` (what deep-learning libraries compute) sums
K[f,c,u,v]·X[c, i·s+u, j·s+v]; ``convolution`` flips the kernel for the sums,
K[f,c,kh−1−u,kw−1−v]·X[c, i·s+u, j·s+v], while kernels are stored, updated and printed
as written. Output sizes are ⌊(W − K + 2P)/S⌋ + 1, as PyTorch computes them. A max pool
routes its gradient to the first maximum of a window in row-major order (PyTorch's rule).

``ConvNames`` names every quantity with brackets, ``Z1[1,2,3]`` (layer 1, channel 1,
row 2, column 3), counting from ``index_base`` (1 unless the problem says 0).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import Activation
from .layers import Dense
from .notation import Names, Notation

Rnd = Callable[[np.ndarray], np.ndarray]
Pair = tuple[int, int]
Shape = tuple[int, int, int]   # channels, height, width
CONVENTIONS = ("cross_correlation", "convolution")


#: Relative distance below which two values of a max-pool window tie (float noise, not a difference).
TIE = 1e-9


def tied(values: Sequence[float]) -> list[int]:
    """The positions of a window's values that tie with its maximum (``TIE``), in order."""
    top = max(values)
    return [k for k, v in enumerate(values) if v >= top - TIE * max(1.0, abs(top))]


def out_size(size: int, kernel: int, padding: int, stride: int) -> int:
    """⌊(W − K + 2P)/S⌋ + 1 (0 or less when the kernel does not fit)."""
    return (size - kernel + 2 * padding) // stride + 1


def windows(x: np.ndarray, kernel: Pair, stride: Pair, out: Pair) -> np.ndarray:
    """Every window of x [C, H, W] as an array [C, out_h, out_w, kh, kw] (a view, no copy)."""
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(1, 2))
    return view[:, ::stride[0], ::stride[1]][:, :out[0], :out[1]]


@dataclass(frozen=True)
class Conv2D:
    """A convolution layer: Z[f,i,j] = Σ_c Σ_u Σ_v K·X + b[f], A = activation(Z)."""

    index: int
    in_shape: Shape
    filters: int
    kernel: Pair
    stride: Pair
    padding: Pair
    activation: Activation
    flip: bool = False    # the convolution convention: the kernel flipped for the sums
    type: str = "conv"

    @property
    def out_shape(self) -> Shape:
        _, h, w = self.in_shape
        return (self.filters, out_size(h, self.kernel[0], self.padding[0], self.stride[0]),
                out_size(w, self.kernel[1], self.padding[1], self.stride[1]))

    @property
    def kernel_shape(self) -> tuple[int, int, int, int]:
        return (self.filters, self.in_shape[0], *self.kernel)

    @property
    def padded_shape(self) -> Shape:
        c, h, w = self.in_shape
        return (c, h + 2 * self.padding[0], w + 2 * self.padding[1])

    @property
    def param_count(self) -> int:
        f, c, kh, kw = self.kernel_shape
        return f * (c * kh * kw + 1)

    def padded(self, x: np.ndarray) -> np.ndarray:
        ph, pw = self.padding
        return np.pad(x, ((0, 0), (ph, ph), (pw, pw))) if ph or pw else x

    def effective(self, K: np.ndarray) -> np.ndarray:
        """The kernel as the sums use it: flipped in both directions under ``convolution``."""
        return K[:, :, ::-1, ::-1] if self.flip else K

    # --- numbers ------------------------------------------------------------------------
    def forward(self, K: np.ndarray, b: np.ndarray, x: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        win = windows(self.padded(x), self.kernel, self.stride, self.out_shape[1:])
        net = rnd(np.einsum("cijuv,fcuv->fij", win, self.effective(K)) + b[:, None, None])
        return net, rnd(self.activation.forward(net.ravel()).reshape(net.shape))

    def backward(self, net: np.ndarray, out: np.ndarray, dout: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        """(∂A/∂Z, δ = ∂E/∂Z) cell by cell."""
        dact = rnd(self.activation.derivative(net.ravel(), out.ravel()).reshape(net.shape))
        return dact, rnd(dout * dact)

    def gradients(self, delta: np.ndarray, x: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        """(∂E/∂K, ∂E/∂b): the correlation of the padded input with δ; the sum of δ per filter."""
        win = windows(self.padded(x), self.kernel, self.stride, self.out_shape[1:])
        dk = np.einsum("cijuv,fij->fcuv", win, delta)
        return rnd(self.effective(dk)), rnd(delta.sum(axis=(1, 2)))

    def input_gradient(self, K: np.ndarray, delta: np.ndarray, rnd: Rnd) -> np.ndarray:
        """∂E/∂X: every kernel weight sends δ·K back to the input cell it met (the full
        correlation of δ with the flipped kernel), the padding cut off."""
        Ke = self.effective(K)
        _, oh, ow = self.out_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        dxp = np.zeros(self.padded_shape)
        for u in range(kh):
            for v in range(kw):
                dxp[:, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw] += np.einsum("fc,fij->cij", Ke[:, :, u, v], delta)
        _, h, w = self.in_shape
        return rnd(dxp[:, ph:ph + h, pw:pw + w])

    # --- index arithmetic for the entries -------------------------------------------------
    def kernel_index(self, f: int, c: int, u: int, v: int) -> tuple[int, int, int, int]:
        """The stored kernel weight that meets window position (u, v) (0-based)."""
        kh, kw = self.kernel
        return (f, c, kh - 1 - u, kw - 1 - v) if self.flip else (f, c, u, v)

    def taps(self, f: int, i: int, j: int) -> list[tuple[tuple[int, int, int, int], Shape]]:
        """The products of cell (f, i, j), 0-based: (kernel index, padded input cell), channel
        by channel, the window read row by row."""
        (kh, kw), (sh, sw) = self.kernel, self.stride
        return [(self.kernel_index(f, c, u, v), (c, i * sh + u, j * sw + v))
                for c in range(self.in_shape[0]) for u in range(kh) for v in range(kw)]

    def kernel_taps(self, f: int, c: int, a: int, bb: int) -> list[tuple[Shape, Shape]]:
        """The products of ∂E/∂K[f,c,a,bb]: (padded input cell, δ cell) over the output map."""
        kh, kw = self.kernel
        u, v = (kh - 1 - a, kw - 1 - bb) if self.flip else (a, bb)
        _, oh, ow = self.out_shape
        sh, sw = self.stride
        return [((c, i * sh + u, j * sw + v), (f, i, j)) for i in range(oh) for j in range(ow)]

    def input_taps(self, c: int, p: int, q: int) -> list[tuple[Shape, tuple[int, int, int, int]]]:
        """The products of ∂E/∂X[c,p,q] (unpadded, 0-based): (δ cell, kernel index)."""
        _, oh, ow = self.out_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        out = []
        for f in range(self.filters):
            for i in range(oh):
                u = p + ph - i * sh
                if not 0 <= u < kh:
                    continue
                for j in range(ow):
                    v = q + pw - j * sw
                    if 0 <= v < kw:
                        out.append(((f, i, j), self.kernel_index(f, c, u, v)))
        return out


@dataclass(frozen=True)
class Pool:
    """Max or average pooling over windows of ``size`` moved by ``stride`` (no padding)."""

    index: int
    in_shape: Shape
    mode: str            # max | avg
    size: Pair
    stride: Pair

    @property
    def type(self) -> str:
        return f"{self.mode}pool"

    @property
    def out_shape(self) -> Shape:
        c, h, w = self.in_shape
        return (c, out_size(h, self.size[0], 0, self.stride[0]), out_size(w, self.size[1], 0, self.stride[1]))

    @property
    def window_cells(self) -> int:
        return self.size[0] * self.size[1]

    def forward(self, x: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        """(pooled map, winner): the winner is the first maximum's position in its window,
        row-major (-1 for an average pool)."""
        c, oh, ow = self.out_shape
        win = windows(x, self.size, self.stride, (oh, ow)).reshape(c, oh, ow, -1)
        if self.mode == "max":
            top = win.max(axis=-1, keepdims=True)
            # the first maximum in row-major order, as PyTorch routes; values that differ from the
            # maximum by float noise alone (0.7 summed as 0.7000000000000001) tie with it, as on paper
            winner = (win >= top - TIE * np.maximum(1.0, np.abs(top))).argmax(axis=-1)
            return rnd(top[..., 0]), winner
        return rnd(win.sum(axis=-1) / self.window_cells), np.full((c, oh, ow), -1)

    def backward(self, dout: np.ndarray, winner: np.ndarray, rnd: Rnd) -> np.ndarray:
        """∂E/∂(input cell): routed to each window's winner (max), shared equally (avg)."""
        dx = np.zeros(self.in_shape)
        (kh, kw), (sh, sw) = self.size, self.stride
        _, oh, ow = self.out_shape
        for i in range(oh):
            for j in range(ow):
                if self.mode == "max":
                    u, v = np.divmod(winner[:, i, j], kw)
                    dx[np.arange(self.in_shape[0]), i * sh + u, j * sw + v] += dout[:, i, j]
                else:
                    dx[:, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, i, j][:, None, None] / self.window_cells
        return rnd(dx)

    def window(self, c: int, i: int, j: int) -> list[Shape]:
        """The input cells of pooled cell (c, i, j), 0-based, row-major."""
        (kh, kw), (sh, sw) = self.size, self.stride
        return [(c, i * sh + u, j * sw + v) for u in range(kh) for v in range(kw)]

    def windows_of(self, c: int, p: int, q: int) -> list[Shape]:
        """The pooled cells whose window holds input cell (c, p, q)."""
        (kh, kw), (sh, sw) = self.size, self.stride
        _, oh, ow = self.out_shape
        return [(c, i, j) for i in range(oh) if 0 <= p - i * sh < kh
                for j in range(ow) if 0 <= q - j * sw < kw]


@dataclass(frozen=True)
class Flatten:
    """A map read channel by channel, row by row, column by column into a vector."""

    index: int
    in_shape: Shape
    type: str = "flatten"

    @property
    def size(self) -> int:
        c, h, w = self.in_shape
        return c * h * w


Layer = Conv2D | Pool | Flatten | Dense


def layer_type(layer: Layer) -> str:
    return "dense" if isinstance(layer, Dense) else layer.type


def output_size(layer: Layer | None, input_shape: Shape) -> int:
    """How many numbers a layer puts out (the input's for None)."""
    if layer is None:
        c, h, w = input_shape
        return c * h * w
    if isinstance(layer, Dense):
        return layer.size
    if isinstance(layer, Flatten):
        return layer.size
    c, h, w = layer.out_shape
    return c * h * w


def map_shape(layers: Sequence[Layer], input_shape: Shape, l: int) -> Shape | None:
    """The feature-map shape layer l puts out (0: the input); None for a vector."""
    if l == 0:
        return input_shape
    layer = layers[l - 1]
    return layer.out_shape if isinstance(layer, (Conv2D, Pool)) else None


class ConvNames:
    """The bracket names of a convolutional network's quantities (see the module docstring).

    ``quantity(kind, layer, neuron, source)`` is ``Notation.quantity`` for these networks:
    a cell of a map is given by its flat index (1-based, channel-major) as ``neuron``, a
    kernel weight by its flat index in [filter, channel, row, column].
    """

    def __init__(self, layers: Sequence[Layer], input_shape: Shape, index_base: int = 1,
                 notation: str | Mapping[str, Any] | None = None) -> None:
        self.layers = tuple(layers)
        self.input_shape = input_shape
        self.base = index_base
        self.last = len(self.layers)
        #: The dense layers' names under a notation preset (and its patterns), when the problem
        #: names one: a Notation of the dense part (its layer 0 the flattened vector), printing
        #: layer numbers of the whole stack. None: the bracket names of the module docstring.
        self.dense: Notation | None = None
        self.offset = 0
        if notation is not None:
            dense = [layer for layer in self.layers if isinstance(layer, Dense)]
            self.offset = dense[0].index - 1
            spec = {"preset": notation} if isinstance(notation, str) else dict(notation)
            overrides = {k: v for k, v in spec.items() if k != "preset"}
            self.dense = Notation((dense[0].inputs, *(d.size for d in dense)), "per_neuron",
                                  spec.get("preset") or "letters", overrides, self.offset, index_base)
        #: The total loss in LaTeX, as the gradients' ∂E/∂· write it (E_{total} under letters).
        self.total = "E" if self.dense is None else self.dense.quantity("loss", self.dense.last).latex

    def _local(self, l: int) -> int:
        """A layer of the stack as a layer of the dense part's notation (0: the flattened vector)."""
        return l - self.offset

    def layer_symbol(self, kind: str, l: int) -> Names:
        """The whole-layer symbol of a dense layer's kind (matrix style): Z^{(4)}, or the
        notation's (``Notation.matrix``: Z^{[4]} under the matrix preset); l may be the
        flatten layer for the dense part's input vector (kind ``out``)."""
        if self.dense is not None:
            local = self._local(l)
            return self.dense.matrix("input" if local == 0 else kind, local)
        latex, plain = _LAYER_SYMBOLS[kind]
        return Names(plain.format(l=l), latex.format(l=l))

    # --- helpers ---------------------------------------------------------------------
    def map_letter(self, l: int) -> str:
        """The letter of layer l's output map: X for the input, A for a conv layer's, P for a pool's."""
        if l == 0:
            return "X"
        layer = self.layers[l - 1]
        return "P" if isinstance(layer, Pool) else "A"

    def cell(self, kind: str, l: int, flat: int) -> tuple[int, ...]:
        """The 0-based position of a flat index (1-based) in the array a kind lives in."""
        if kind in ("kernel", "dk", "new_k"):
            layer = self.layers[l - 1]
            assert isinstance(layer, Conv2D)
            shape: tuple[int, ...] = layer.kernel_shape
        elif kind == "pad":
            layer = self.layers[l - 1]
            assert isinstance(layer, Conv2D)
            shape = layer.padded_shape
        else:
            found = map_shape(self.layers, self.input_shape, l)
            assert found is not None
            shape = found
        return tuple(int(k) for k in np.unravel_index(flat - 1, shape))

    def _idx(self, *ks: int) -> str:
        return ",".join(str(k + self.base) for k in ks)

    def cell_names(self, letter: str, l: int | None, at: Sequence[int]) -> Names:
        sup = "" if l is None else str(l)
        latex_sup = "" if l is None else f"^{{({l})}}"
        return Names(f"{letter}{sup}[{self._idx(*at)}]", f"{letter}{latex_sup}_{{{self._idx(*at)}}}")

    def map_cell(self, l: int, at: Sequence[int]) -> Names:
        """The name of a cell of layer l's output map (0-based position)."""
        return self.cell_names(self.map_letter(l), None if l == 0 else l, at)

    # --- Notation.quantity ------------------------------------------------------------
    def quantity(self, kind: str, layer: int, neuron: int | None = None, source: int | None = None) -> Names:
        l = layer
        if kind in _SIZE_GIVENS:
            letter, latex_letter = _SIZE_GIVENS[kind][(neuron or 1) - 1]
            # an output's height and width as n_H, n_W (Ng's notation): W alone is a dense weight
            return Names(f"{letter}{l}", f"{latex_letter}^{{({l})}}" if kind != "out_size"
                         else f"n_{{{letter[0]}}}^{{({l})}}")
        if kind == "params":
            return Names(f"params{l}", f"N^{{({l})}}_{{\\mathrm{{params}}}}")
        if kind == "filters":
            return Names(f"F{l}", f"F^{{({l})}}")
        if kind == "channels":
            return Names(f"C{l}", f"C^{{({l})}}")
        if kind == "units":
            return Names(f"n{l}", f"n^{{({l})}}")
        if self.dense is not None and kind in ("loss", "target", "error"):
            return self.dense.quantity(kind, self.dense.last, neuron)
        if kind == "loss":
            return Names("E", "E") if neuron is None else self.cell_names("E", None, [neuron - 1])
        if kind == "target":
            return self.cell_names("Y", None, [(neuron or 1) - 1])
        if kind == "error":
            return self.cell_names("e", None, [(neuron or 1) - 1])
        assert neuron is not None
        if l > 0 and isinstance(self.layers[l - 1], Dense):
            return self._dense(kind, l, neuron, source)
        if kind in ("input", "out"):
            return self.map_cell(l, self.cell(kind, l, neuron))
        if kind == "pad":
            c, p, q = self.cell(kind, l, neuron)
            conv = self.layers[l - 1]
            assert isinstance(conv, Conv2D)
            return self.map_cell(l - 1, (c, p - conv.padding[0], q - conv.padding[1]))
        if kind in ("bias", "db", "new_b"):
            b = self.cell_names("b", l, [neuron - 1])
            return _derived(self.total, kind, b, {"bias": "", "db": "d", "new_b": "+"}[kind])
        at = self.cell(kind, l, neuron)
        if kind in ("cell_net", "cell_out", "pooled"):
            return self.cell_names({"cell_net": "Z", "cell_out": "A", "pooled": "P"}[kind], l, at)
        if kind == "cell_dout":
            m = self.map_cell(l, at)
            return Names(f"d{m.plain}", f"\\frac{{\\partial {self.total}}}{{\\partial {m.latex}}}")
        if kind == "cell_dact":
            a, z = self.cell_names("A", l, at), self.cell_names("Z", l, at)
            return Names(f"dA{l}/dZ{l}[{self._idx(*at)}]", f"\\frac{{\\partial {a.latex}}}{{\\partial {z.latex}}}")
        if kind == "cell_dnet":
            return Names(f"dZ{l}[{self._idx(*at)}]", f"\\delta^{{({l})}}_{{{self._idx(*at)}}}")
        if kind in ("kernel", "dk", "new_k"):
            k = self.cell_names("K", l, at)
            return _derived(self.total, kind, k, {"kernel": "", "dk": "d", "new_k": "+"}[kind])
        raise ValueError(f"unknown kind {kind!r} for layer {l}")

    def _dense(self, kind: str, l: int, j: int, i: int | None) -> Names:
        if self.dense is not None:
            return self.dense.quantity(kind, self._local(l), j, i if kind in ("weight", "dw", "new_w") else None)
        at = [j - 1] if i is None else [j - 1, i - 1]
        if kind in ("net", "dnet"):
            z = self.cell_names("Z", l, at)
            return z if kind == "net" else Names(f"dZ{l}[{self._idx(*at)}]", f"\\delta^{{({l})}}_{{{self._idx(*at)}}}")
        if kind in ("out", "dout"):
            a = self.cell_names("A", l, at)
            return a if kind == "out" else _derived(self.total, "dw", a, "d")
        if kind == "dact":
            a, z = self.cell_names("A", l, at), self.cell_names("Z", l, at)
            return Names(f"dA{l}/dZ{l}[{self._idx(*at)}]", f"\\frac{{\\partial {a.latex}}}{{\\partial {z.latex}}}")
        if kind in ("weight", "dw", "new_w"):
            return _derived(self.total, kind, self.cell_names("W", l, at), {"weight": "", "dw": "d", "new_w": "+"}[kind])
        if kind in ("bias", "db", "new_b"):
            return _derived(self.total, kind, self.cell_names("b", l, at[:1]), {"bias": "", "db": "d", "new_b": "+"}[kind])
        raise ValueError(f"unknown kind {kind!r} for dense layer {l}")

    def clash(self) -> str | None:
        """A dense-layer name the notation's patterns give that is also a map's, a kernel's or
        a conv bias's bracket name (``bias: 'b1[$j]'`` against conv layer 1's ``b1[1]``), or None."""
        if self.dense is None:
            return None
        mine: set[str] = set()
        for layer in self.layers:
            l = layer.index
            if isinstance(layer, Dense):
                continue
            shape = map_shape(self.layers, self.input_shape, l)
            cells = int(np.prod(shape)) if shape is not None else 0
            kinds: tuple[str, ...] = ("out",)
            if isinstance(layer, Conv2D):
                kinds = ("cell_net", "cell_out", "cell_dout", "cell_dact", "cell_dnet")
                for flat in range(1, int(np.prod(layer.kernel_shape)) + 1):
                    mine.update(self.quantity(k, l, flat).plain for k in ("kernel", "dk", "new_k"))
                for f in range(1, layer.filters + 1):
                    mine.update(self.quantity(k, l, f).plain for k in ("bias", "db", "new_b"))
            elif isinstance(layer, Pool):
                kinds = ("pooled", "cell_dout")
            for flat in range(1, cells + 1):
                mine.update(self.quantity(k, l, flat).plain for k in kinds)
        mine.update(self.quantity("input", 0, flat).plain for flat in range(1, int(np.prod(self.input_shape)) + 1))
        for layer in self.layers:
            if isinstance(layer, Dense):
                l = layer.index
                for j in range(1, layer.size + 1):
                    names = [self.quantity(k, l, j).plain for k in ("net", "out", "dout", "dact", "dnet",
                                                                    "bias", "db", "new_b")]
                    names += [self.quantity(k, l, j, i).plain for i in range(1, layer.inputs + 1)
                              for k in ("weight", "dw", "new_w")]
                    hit = next((n for n in names if n in mine), None)
                    if hit is not None:
                        return hit
        return None

    def data_kinds(self) -> dict[str, str]:
        """The kind of each given-data name (X[1,1,1] -> input, K1[1,1,1,1] -> weight): the
        checker's graph links a parameter of step 2 to its update at step 1 by it."""
        kinds: dict[str, str] = {"eta": "rate"}
        c, h, w = self.input_shape
        for flat in range(1, c * h * w + 1):
            kinds[self.quantity("input", 0, flat).plain] = "input"
        top = self.layers[-1]
        if isinstance(top, Dense):
            for j in range(1, top.size + 1):
                kinds[self.quantity("target", self.last, j).plain] = "target"
        for layer in self.layers:
            l = layer.index
            if isinstance(layer, Conv2D):
                for flat in range(1, int(np.prod(layer.kernel_shape)) + 1):
                    kinds[self.quantity("kernel", l, flat).plain] = "weight"
                for f in range(1, layer.filters + 1):
                    kinds[self.quantity("bias", l, f).plain] = "bias"
            elif isinstance(layer, Dense):
                for j in range(1, layer.size + 1):
                    for i in range(1, layer.inputs + 1):
                        kinds[self.quantity("weight", l, j, i).plain] = "weight"
                    kinds[self.quantity("bias", l, j).plain] = "bias"
        return kinds


#: The whole-layer symbols of a dense layer's kinds without a notation (LaTeX, plain).
_LAYER_SYMBOLS: dict[str, tuple[str, str]] = {
    "net": ("Z^{{({l})}}", "Z{l}"),
    "out": ("A^{{({l})}}", "A{l}"),
    "weight": ("W^{{({l})}}", "W{l}"),
    "bias": ("b^{{({l})}}", "b{l}"),
    "dout": ("\\frac{{\\partial E}}{{\\partial A^{{({l})}}}}", "dA{l}"),
    "dact": ("\\frac{{\\partial A^{{({l})}}}}{{\\partial Z^{{({l})}}}}", "dA{l}/dZ{l}"),
    "dnet": ("\\delta^{{({l})}}", "dZ{l}"),
    "dw": ("\\frac{{\\partial E}}{{\\partial W^{{({l})}}}}", "dW{l}"),
    "db": ("\\frac{{\\partial E}}{{\\partial b^{{({l})}}}}", "db{l}"),
    "new_w": ("{{W^{{({l})}}}}^{{+}}", "W{l}+"),
    "new_b": ("{{b^{{({l})}}}}^{{+}}", "b{l}+"),
    "target": ("Y", "Y"),
}

#: Given sizes of the output-size formula: (plain letter, LaTeX letter) for height and width.
_SIZE_GIVENS = {
    "out_size": (("Hout", "H"), ("Wout", "W")),
    "kernel_size": (("kh", "k_{h}"), ("kw", "k_{w}")),
    "padding": (("ph", "p_{h}"), ("pw", "p_{w}")),
    "stride": (("sh", "s_{h}"), ("sw", "s_{w}")),
}


def _derived(total: str, kind: str, base: Names, how: str) -> Names:
    """A parameter's gradient (``d``: dK1[..], ∂E/∂K, ``total`` the loss's LaTeX) or new value
    (``+``: K1[..]+)."""
    if how == "d":
        return Names(f"d{base.plain}", f"\\frac{{\\partial {total}}}{{\\partial {base.latex}}}")
    if how == "+":
        return Names(f"{base.plain}+", f"{{{base.latex}}}^{{+}}")
    return base
