"""Static int8 quantization of an exported graph, in ONNX QDQ form, without onnxruntime in Python.

onnxruntime's own quantizer is a Python package we cannot install here, so this writes the same
QDQ layout it would, and calibration runs where onnxruntime is: the TypeScript side
(scripts/quantize.ts). Two steps:

``probe``  copies the float graph with every tensor that feeds or leaves a quantized convolution
           added as a graph output, and lists those tensors. The TypeScript calibrator runs the
           probe on degraded training photos and records each tensor's range.
``build``  inserts QuantizeLinear → DequantizeLinear around those tensors, with uint8 activations
           (asymmetric, per tensor) and int8 weights (symmetric, per output channel) and int32
           biases. onnxruntime's CPU provider fuses DequantizeLinear → Conv → QuantizeLinear into
           QLinearConv (u8 × s8, VNNI on CPUs that have it); everything between convolutions
           (SiLU, FiLM, gating, the folded transposed output) stays float.

Usage::

    python3 -m f2dnet.quantize probe --model models/f2d-lite/restorer.onnx --out probe.onnx --tensors tensors.json
    python3 -m f2dnet.quantize build --model models/f2d-lite/restorer.onnx --ranges ranges.json --out restorer.onnx

The whole recipe (probe, calibration images, ranges, build, manifest) is ``npm run quantize``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

U8_LEVELS = 255
I8_MAX = 127


def quantizable_convs(graph: onnx.GraphProto, skip: set[str]) -> list[onnx.NodeProto]:
    """Conv nodes with constant weights, in graph order, less those named in `skip`."""
    inits = {i.name for i in graph.initializer}
    return [n for n in graph.node
            if n.op_type == "Conv" and len(n.input) >= 2 and n.input[1] in inits and n.name not in skip]


def activation_tensors(graph: onnx.GraphProto, convs: list[onnx.NodeProto]) -> list[str]:
    """Every tensor a quantized Conv reads (input 0) or writes, once each, in graph order."""
    seen: dict[str, None] = {}
    for n in convs:
        seen.setdefault(n.input[0], None)
        seen.setdefault(n.output[0], None)
    return list(seen)


def probe(model: onnx.ModelProto, skip: set[str]) -> tuple[onnx.ModelProto, list[str]]:
    """The float model with each activation tensor of a quantized Conv exposed as an output."""
    probe_model = onnx.ModelProto()
    probe_model.CopyFrom(model)
    g = probe_model.graph
    tensors = activation_tensors(g, quantizable_convs(g, skip))
    existing = {o.name for o in g.output}
    for t in tensors:
        if t not in existing:
            g.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, [None] * 4))  # NCHW, sizes unknown
    return probe_model, tensors


def u8_params(lo: float, hi: float) -> tuple[float, int]:
    """Scale and zero point of an asymmetric uint8 grid over [lo, hi] that holds 0 exactly."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / U8_LEVELS
    zero_point = int(np.clip(round(-lo / scale), 0, U8_LEVELS))
    return float(scale), zero_point


def _const(graph_inits: list, name: str, array: np.ndarray) -> str:
    graph_inits.append(numpy_helper.from_array(array, name))
    return name


def _per_channel_dq(inits: list, nodes: list, name: str, quantized: np.ndarray, scale: np.ndarray) -> str:
    """Stores `quantized` with one scale per output channel (zero point 0) and returns its dequantized name."""
    q = _const(inits, f"{name}_quantized", quantized)
    s = _const(inits, f"{name}_scale", scale.astype(np.float32))
    z = _const(inits, f"{name}_zero_point", np.zeros(quantized.shape[0], quantized.dtype))
    nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [f"{name}_dequantized"], axis=0, name=f"{name}_DequantizeLinear"))
    return f"{name}_dequantized"


def build(model: onnx.ModelProto, ranges: dict[str, dict], skip: set[str]) -> tuple[onnx.ModelProto, dict]:
    """The QDQ model and a summary (how many convolutions, which were left float)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    convs = quantizable_convs(g, skip)
    tensors = activation_tensors(g, convs)
    missing = [t for t in tensors if t not in ranges]
    if missing:
        raise SystemExit(f"quantize: the ranges file has no range for {len(missing)} tensors (first: {missing[0]}); "
                         "run the probe and calibration again for this model")
    new_inits: list = []
    new_nodes: list[onnx.NodeProto] = []
    act_scale: dict[str, float] = {}

    # Activations: one Q → DQ pair per tensor; every consumer reads the dequantized copy.
    renamed: dict[str, str] = {}
    conv_input = {id(n): n.input[0] for n in convs}  # before rewiring: the bias scale needs its range
    for t in tensors:
        scale, zp = u8_params(ranges[t]["lo"], ranges[t]["hi"])
        act_scale[t] = scale
        s = _const(new_inits, f"{t}_scale", np.array(scale, np.float32))
        z = _const(new_inits, f"{t}_zero_point", np.array(zp, np.uint8))
        q, dq = f"{t}_quantized", f"{t}_dequantized"
        new_nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [q], name=f"{t}_QuantizeLinear"))
        new_nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [dq], name=f"{t}_DequantizeLinear"))
        renamed[t] = dq
    for n in g.node:
        for i, name in enumerate(n.input):
            if name in renamed:
                n.input[i] = renamed[name]

    inits = {i.name: i for i in g.initializer}
    drop: set[str] = set()
    for n in convs:
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        w_scale = np.maximum(np.abs(w.reshape(w.shape[0], -1)).max(1), 1e-8) / I8_MAX
        w_q = np.clip(np.round(w / w_scale[:, None, None, None]), -I8_MAX, I8_MAX).astype(np.int8)
        base = n.name or n.output[0]
        drop.add(n.input[1])
        n.input[1] = _per_channel_dq(new_inits, new_nodes, f"{base}_weight", w_q, w_scale)
        if len(n.input) >= 3 and n.input[2] in inits:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
            b_scale = act_scale[conv_input[id(n)]] * w_scale.astype(np.float64)
            b_q = np.clip(np.round(b / b_scale), -(2 ** 31), 2 ** 31 - 1).astype(np.int32)
            drop.add(n.input[2])
            n.input[2] = _per_channel_dq(new_inits, new_nodes, f"{base}_bias", b_q, b_scale)

    kept = [i for i in g.initializer if i.name not in drop or _still_used(g, i.name)]
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    nodes = list(g.node) + new_nodes
    del g.node[:]
    g.node.extend(_topological(nodes, {i.name for i in g.input} | {i.name for i in g.initializer}))
    onnx.checker.check_model(out)
    all_convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    summary = {"method": "static QDQ: uint8 activations per tensor, int8 weights per output channel, int32 bias",
               "quantizedConvs": len(convs), "floatConvs": sorted(set(all_convs) - {n.name for n in convs})}
    return out, summary


def _still_used(g: onnx.GraphProto, name: str) -> bool:
    return any(name in n.input for n in g.node)


def _topological(nodes: list[onnx.NodeProto], available: set[str]) -> list[onnx.NodeProto]:
    """Nodes in an order where each input exists before it is read (ONNX requires it)."""
    ready = set(available) | {""}
    pending = list(nodes)
    ordered: list[onnx.NodeProto] = []
    while pending:
        rest = []
        for n in pending:
            if all(i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise SystemExit(f"quantize: cannot order the graph; {rest[0].name} waits for {[i for i in rest[0].input if i not in ready]}")
        pending = rest
    return ordered


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="int8 QDQ quantization of an exported F2D-Net graph")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe", help="write the float graph with the calibration tensors as outputs")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--tensors", type=Path, required=True, help="JSON list of the probed tensor names")
    p.add_argument("--skip", action="append", default=[], help="Conv node name to keep in float (repeatable)")
    b = sub.add_parser("build", help="write the QDQ graph from calibrated ranges")
    b.add_argument("--model", type=Path, required=True)
    b.add_argument("--ranges", type=Path, required=True, help="JSON {tensor: {lo, hi}} from the calibrator")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--summary", type=Path, help="write what was quantized as JSON")
    b.add_argument("--skip", action="append", default=[], help="Conv node name to keep in float (repeatable)")
    args = ap.parse_args(argv)
    model = onnx.load(args.model)
    if args.cmd == "probe":
        probe_model, tensors = probe(model, set(args.skip))
        onnx.save(probe_model, args.out)
        args.tensors.write_text(json.dumps(tensors, indent=1) + "\n")
        print(f"probe: {len(tensors)} tensors of {len(quantizable_convs(model.graph, set(args.skip)))} convolutions -> {args.out}",
              file=sys.stderr)
        return 0
    ranges = json.loads(args.ranges.read_text())
    q, summary = build(model, ranges, set(args.skip))
    onnx.save(q, args.out)
    if args.summary:
        args.summary.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"build: {summary['quantizedConvs']} convolutions quantized, {len(summary['floatConvs'])} kept float -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
