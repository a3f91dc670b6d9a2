"""Recover PyTorch weights of F2D-Net from an exported model folder (parser.onnx + restorer.onnx).

Early training stages kept their checkpoints on the machine that trained them; only the ONNX
export was committed. The export keeps almost every parameter under its own name (see
export.py); two are folded and are unfolded here:

* the input 1×1 convolution over [x_t, x_cond] became one stride-4 convolution over the
  frame (the two halves summed, since x_t = x_cond at k = 0). Each half gets half of the sum:
  exact at k = 0, the only step inference uses; training at k > 0 learns the split again;
* the head and the four expert projections became one transposed convolution over
  [h, α_i m_i z_i, α_i m_i, 1]; its weight is split back into the five 1×1 convolutions;
* with a detail head, its projection joined that transposed convolution (its bias merged into
  the head's: all of it goes back to the head, the same function) and its input 1×1 over
  [h, pixels] became two convolutions, the pixels' part joined to the input's stride-4 one;
* with pixel-aware experts, each expert's 1×1 convolution of the pixels joined that same
  stride-4 convolution too (its rows after the input's, before the detail head's).

The result is checked against the folder's goldens (restored frame within one level) and
written as a training checkpoint (fp16 EMA weights, see checkpoint.py) that ``train.py`` can
start from.

Usage::

    python3 -m f2dnet.import_onnx --model ../models/f2d-lite --out checkpoints/lite
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .checkpoint import save_compact
from .model import N_FACTORS, UNSHUFFLE, F2DConfig, F2DNet


def _initializers(path: Path) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def _folded_weights(path: Path) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(op, weight, bias) of each convolution whose weight the export computed (``onnx::…`` constants)."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: i for i in graph.initializer}

    def value(name: str) -> np.ndarray | None:
        return numpy_helper.to_array(inits[name]) if name in inits else None

    return [(node.op_type, value(node.input[1]), value(node.input[2]) if len(node.input) > 2 else None)
            for node in graph.node
            if node.op_type in ("Conv", "ConvTranspose") and node.input[1].startswith("onnx::")
            and node.input[1] in inits]


def _folded(weights: list[tuple[str, np.ndarray, np.ndarray | None]], op: str,
            shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """The weight and bias of the one folded ``op`` whose weight has ``shape``."""
    hits = [(w, b) for o, w, b in weights if o == op and w.shape == shape]
    if len(hits) != 1:
        raise ValueError(f"expected one folded {op} weight of shape {shape}, found {len(hits)}")
    return hits[0]


def import_model(model_dir: Path) -> tuple[F2DNet, dict]:
    manifest = json.loads((model_dir / "manifest.json").read_text())
    cfg = F2DConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in manifest["config"].items()})
    model = F2DNet(cfg)
    state = model.state_dict()
    inits = {**_initializers(model_dir / "parser.onnx"), **_initializers(model_dir / "restorer.onnx")}
    folded = _folded_weights(model_dir / "restorer.onnx")
    loaded: set[str] = set()
    for name, value in inits.items():
        key = name[len("model."):] if name.startswith("model.") else name
        if key in state:
            if tuple(state[key].shape) != value.shape:
                raise ValueError(f"{name}: shape {value.shape} in the ONNX, {tuple(state[key].shape)} in the model")
            state[key] = torch.from_numpy(value.copy())
            loaded.add(key)

    c1, r = cfg.widths[0], UNSHUFFLE
    sub = 3 * r * r
    # one stride-4 convolution reads the frame for the input convolution, the experts' pixel
    # inputs and the detail head, in that order of its output channels
    e_px = N_FACTORS * cfg.expert if cfg.expert_pixels else 0
    w, b = _folded(folded, "Conv", (c1 + e_px + cfg.detail, 3, r, r))
    w_px = torch.from_numpy(w.copy()).reshape(-1, sub, 1, 1)
    w_in = w_px[:c1]
    if e_px or cfg.detail:  # the input convolution's bias was joined with zeros for the others
        state["inp.bias"] = torch.from_numpy(b[:c1].copy())
        loaded.add("inp.bias")
    state["inp.weight"] = torch.cat([w_in / 2, w_in / 2], 1)
    for i in range(N_FACTORS if cfg.expert_pixels else 0):
        lo = c1 + i * cfg.expert
        state[f"experts.{i}.px.weight"] = w_px[lo:lo + cfg.expert].clone()
        loaded.add(f"experts.{i}.px.weight")
    n_feats = c1 + N_FACTORS * cfg.expert + N_FACTORS + 1 + cfg.detail
    w_t = torch.from_numpy(_folded(folded, "ConvTranspose", (n_feats, 3, r, r))[0].copy())
    w_out = w_t.reshape(n_feats, sub).t()                     # [48, feats], inverse of export.py
    state["head.weight"] = w_out[:, :c1, None, None].clone()
    for i in range(N_FACTORS):
        lo = c1 + i * cfg.expert
        state[f"experts.{i}.out.weight"] = w_out[:, lo:lo + cfg.expert, None, None].clone()
        state[f"experts.{i}.out.bias"] = w_out[:, c1 + N_FACTORS * cfg.expert + i].clone()
    state["head.bias"] = w_out[:, c1 + N_FACTORS * cfg.expert + N_FACTORS].clone()
    loaded |= {"inp.weight", "head.weight", "head.bias"}
    if cfg.detail:
        d = cfg.detail
        state["detail.out.weight"] = w_out[:, -d:, None, None].clone()
        state["detail.out.bias"] = torch.zeros(sub)
        w_h = torch.from_numpy(_folded(folded, "Conv", (d, c1, 1, 1))[0].copy())
        state["detail.inp.weight"] = torch.cat([w_h, w_px[c1 + e_px:]], 1)
        loaded |= {f"detail.{p}" for p in ("out.weight", "out.bias", "inp.weight")}
    loaded |= {f"experts.{i}.out.{p}" for i in range(N_FACTORS) for p in ("weight", "bias")}
    # the laplacian is a fixed buffer; the parser's logits head only trains (it is not exported)
    # and keeps its fresh initialisation
    missing = sorted(k for k in set(state) - loaded - {"freq.laplacian"} if not k.startswith("parser.logits_head."))
    if missing:
        raise ValueError(f"no weights in {model_dir} for: {', '.join(missing)}")
    model.load_state_dict(state)
    return model.eval(), manifest


def check_goldens(model: F2DNet, model_dir: Path, manifest: dict) -> float:
    """Largest difference (levels) between the model's single step and the golden frame."""
    from .export import ParserGraph, RestorerGraph  # export imports the ONNX exporter; only needed here
    g = manifest["golden"]
    h, w = g["height"], g["width"]
    gdir = model_dir / g["dir"]
    image = torch.from_numpy(np.fromfile(gdir / "input.u8", dtype=np.uint8).reshape(1, h, w, 3))
    golden = np.fromfile(gdir / "restored.u8", dtype=np.uint8).reshape(1, h, w, 3)
    with torch.no_grad():
        maps, weights = ParserGraph(model)(image)
        out = RestorerGraph(model)(image, maps, weights)[0].numpy()
    return float(np.abs(out.astype(np.int16) - golden.astype(np.int16)).max())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Recover a training checkpoint from an exported F2D-Net folder")
    ap.add_argument("--model", type=Path, required=True, help="folder with manifest.json, parser.onnx, restorer.onnx")
    ap.add_argument("--out", type=Path, required=True, help="checkpoint folder to write")
    args = ap.parse_args(argv)
    model, manifest = import_model(args.model)
    diff = check_goldens(model, args.model, manifest)
    if diff > 1:
        print(f"imported weights differ from the goldens by {diff:.0f} levels", file=sys.stderr)
        return 1
    training = manifest.get("training", {})
    stages = [*training.get("previousStages", []), {k: v for k, v in training.items() if k != "previousStages"}]
    save_compact(args.out, model, {"steps": sum(s.get("steps", 0) for s in stages),
                                   "minutes": round(sum(s.get("minutes", 0) for s in stages), 1),
                                   "stages": stages, "importedFrom": manifest["name"]})
    print(f"wrote {args.out} (goldens within {diff:.0f} level)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
