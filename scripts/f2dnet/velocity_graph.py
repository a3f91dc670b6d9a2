"""The velocity-magnitude probe's graph (docs/f2dnet-method.md §5), for ``f2d eval --diagnostics``.

The restorer graph is the k = 0 step alone, with the time embedding folded into constants, so it
cannot say what the network does along the transport. This graph computes, per item, what
``diagnostics.velocity_probe`` computes: x_k from the transport's closed form (``Transport.sample``),

    x_k = μ + (y − μ) · exp(clamp(m̄_k + s̄_k ε, −20, 20)),

then the network's velocity f(x_k, k, y), the target μ − x_k and the gate α. The tables m̄ and s̄
are float32 buffers indexed by k inside the graph, so the caller feeds the degraded and clean
images, an integer k and standard normal noise ε. The parser stays outside, as for the restorer:
``maps`` and ``weights`` are parser.onnx's outputs on y.

Its weights are stored as float16 (``halve_weights``), since the probe is a diagnostic and would
otherwise add the restorer's size again to a model folder; the graph computes in float32 all the
same. The export rounds the module's own weights first (``halved``), so the PyTorch golden is
what the file computes, not an approximation of it.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

from .model import F2DNet
from .transport import Transport

K_GRID = (0, 10, 25, 50, 75, 100)  # the steps the probe measures (diagnostics.velocity_probe too)
INPUTS = ("degraded", "clean", "k", "eps", "maps", "weights")
OUTPUTS = ("velocity", "target", "alpha")
# The transport's tables stay float32: k up to 100 steps of sums, and they are not learned weights.
TABLES = ("log_mean", "log_std")
# Tensors smaller than this stay float32 too: per-head temperatures, the gate's last bias, the
# smoother's two gate biases; a few bytes each, and no reason to round them.
MIN_ELEMENTS = 16


class VelocityGraph(nn.Module):
    """``(degraded, clean, k, eps, maps, weights)`` → ``(velocity, target, alpha)``; images NCHW in [−1, 1]."""

    def __init__(self, model: F2DNet, transport: Transport):
        super().__init__()
        self.model = model
        # as Transport.sample casts them: the float64 tables rounded to the images' float32
        self.register_buffer("log_mean", transport.log_mean.float())
        self.register_buffer("log_std", transport.log_std.float())

    def forward(self, degraded: torch.Tensor, clean: torch.Tensor, k: torch.Tensor, eps: torch.Tensor,
                maps: torch.Tensor, weights: torch.Tensor):
        m = self.log_mean[k].view(-1, 1, 1, 1)
        s = self.log_std[k].view(-1, 1, 1, 1)
        x_k = clean + (degraded - clean) * torch.exp((m + s * eps).clamp(-20, 20))
        f, alpha = self.model(x_k, k, degraded, maps, weights)
        return f, clean - x_k, alpha


def _halvable(name: str, is_float32: bool, numel: int) -> bool:
    """The one rule for both the module (``halved``) and the file (``halve_weights``)."""
    return is_float32 and numel >= MIN_ELEMENTS and name not in TABLES


def halved(graph: VelocityGraph) -> VelocityGraph:
    """A copy whose float32 weights are rounded to float16 and back: what ``halve_weights`` stores.

    The same rule picks the tensors (the ONNX initializers carry the state dict's names).
    """
    out = copy.deepcopy(graph)
    with torch.no_grad():
        for name, t in out.state_dict(keep_vars=True).items():
            if _halvable(name, t.dtype == torch.float32, t.numel()):
                t.copy_(t.half().float())
    return out


def halve_weights(model: onnx.ModelProto, exact_only: bool = False) -> dict:
    """Stores each float32 initializer of ``MIN_ELEMENTS`` or more (but the transport's tables)
    as float16 followed by a Cast back to float32 under its old name, so the file is about half
    the size and every operation still reads and computes float32.

    With ``exact_only``, only tensors that float16 holds exactly are halved, so the graph computes
    bit for bit what it did: the checkpoints keep their EMA weights in float16, so nearly every
    weight qualifies, and what the export folded from several (a product, a sum) stays float32.
    onnxruntime folds the casts of initializers when it opens the session, so they cost nothing
    per frame.

    Returns what it did: the names halved, how many stayed float32, and the largest rounding
    error of a halved tensor relative to its largest value (0 for weights already rounded).
    """
    graph = model.graph
    casts, names, kept, worst = [], [], 0, 0.0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(init)
        if not _halvable(init.name, True, values.size):
            kept += 1
            continue
        half = values.astype(np.float16)
        if exact_only and not np.array_equal(half.astype(np.float32), values):
            kept += 1
            continue
        scale = float(np.abs(values).max())
        if scale > 0:
            worst = max(worst, float(np.abs(half.astype(np.float32) - values).max()) / scale)
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, f"{name}.fp16"))
        casts.append(helper.make_node("Cast", [f"{name}.fp16"], [name], to=TensorProto.FLOAT, name=f"{name}.to_fp32"))
        names.append(name)
    # the casts come first (the nodes are in topological order), and every consumer reads the name it read before
    for i, node in enumerate(casts):
        graph.node.insert(i, node)
    return {"halved": names, "kept": kept, "max_relative_rounding": worst}


def export_velocity(model: F2DNet, path: Path, sigmas_scale: float, inputs: tuple, opset: int) -> VelocityGraph:
    """Writes the probe's graph to ``path`` with float16 weights and returns the PyTorch module it
    computes (the model's weights rounded as the file stores them), for the golden.

    ``inputs`` is one example ``(degraded, clean, k, eps, maps, weights)`` at any size.

    Raises:
        RuntimeError: when the file's weights are not exactly the module's (the two rules drifted).
    """
    graph = halved(VelocityGraph(model, Transport(sigmas_scale)).eval())
    hw = {2: "H", 3: "W"}
    # in eval mode: torch.onnx.export restores the module's mode afterwards (see export.export_model)
    torch.onnx.export(graph, inputs, path, opset_version=opset, input_names=list(INPUTS), output_names=list(OUTPUTS),
                      dynamic_axes={"degraded": hw, "clean": hw, "eps": hw, "maps": {2: "h4", 3: "w4"},
                                    "velocity": hw, "target": hw})
    onnx_model = onnx.load(str(path))
    report = halve_weights(onnx_model)
    if report["max_relative_rounding"] != 0.0:
        raise RuntimeError(f"{path}: float16 storage changed a weight the module had already rounded "
                           f"(relative {report['max_relative_rounding']:.2e}); halved() and halve_weights() disagree")
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, str(path))
    return graph
