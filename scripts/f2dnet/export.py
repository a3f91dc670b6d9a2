"""Export F2D-Net to ONNX for the TypeScript runtime: parser and restorer as two graphs.

Single-step inference (variant A of docs/f2dnet-method.md §4): the network is evaluated once at
k = 0 with x_t = x_cond, and x̂ = clamp(x_cond + f, −1, 1). k is a constant, so the time
embedding and every FiLM folds into constants. uint8 RGB NHWC goes in and comes out, so the
runtime hands decoded frames to onnxruntime with no per-pixel JavaScript.

Writes ``<out>/manifest.json`` (see models/README.md), ``parser.onnx``, ``restorer.onnx``,
``velocity.onnx`` (the velocity-magnitude probe of ``f2d eval --diagnostics``, velocity_graph.py)
and ``golden/`` input/output pairs computed by PyTorch for the TypeScript parity tests.

Usage::

    python3 -m f2dnet.export --checkpoint scripts/runs/lite/last.pt --out models/f2d-lite
    python3 -m f2dnet.export --config tiny --random-init --out test/fixtures/models/f2d-tiny
    python3 -m f2dnet.export --synth --out models/synth
    python3 -m f2dnet.export --synth-independent --out models/synth-independent
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import synth, synth_independent
from .checkpoint import is_compact, load_compact
from .despeckle import despeckle
from .bounds import rain_snow_bounds
from .model import CONFIGS, SIZE_MULTIPLE, UNSHUFFLE, F2DConfig, F2DNet, count_parameters, timestep_embedding
from .transport import T_STEPS
from .velocity_graph import K_GRID, export_velocity, halve_weights

OPSET = 17


def to_model_range(image: torch.Tensor) -> torch.Tensor:
    """uint8 [1,H,W,3] → float [1,3,H,W] in [−1,1] (transposed while still uint8: 4× less to move)."""
    return image.permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """float in [−1,1] → uint8, rounded (ONNX Cast alone would truncate)."""
    return torch.round((x.clamp(-1, 1) + 1.0) * 127.5).clamp(0, 255).to(torch.uint8)


class ParserGraph(nn.Module):
    def __init__(self, model: F2DNet):
        super().__init__()
        self.parser = model.parser

    def forward(self, image: torch.Tensor):
        maps, weights, _ = self.parser(to_model_range(image))
        return maps, weights


class RestorerGraph(nn.Module):
    """Single step at k = 0 with x_t = x_cond, with no pixel (un)shuffle in the graph.

    Pixel-unshuffle + 1×1 convolution is a 4×4 stride-4 convolution, and 1×1 convolution +
    pixel-shuffle is a 4×4 stride-4 transposed convolution. The factorized output
    v_share + Σ α_i m_i ⊙ (W_i z_i + b_i) is linear in [h, α_i m_i z_i, α_i m_i], so the head
    and the four expert projections fold into one transposed convolution over those features.
    This removes two 6-D transposes (the costliest non-conv ops on onnxruntime's CPU provider)
    and leaves only NHWC ↔ NCHW transposes of uint8 frames at full resolution.
    """

    def __init__(self, model: F2DNet):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor, maps: torch.Tensor, weights: torch.Tensor):
        m = self.model
        r = UNSHUFFLE
        x = image.permute(0, 3, 1, 2).float() / 127.5 - 1.0
        # Everything that reads the frame's 4×4 blocks (the input convolution, the experts'
        # pixel inputs, the detail head's) is pixel-unshuffle + 1×1, a stride-4 convolution of
        # the frame; joined into one, the frame is read once (on this machine the joined and the
        # six separate forms timed alike, within its drift). Channel c·r·r + i·r + j of a
        # weight is (c, i, j).
        c1 = m.cfg.widths[0]  # a Python int: a traced shape would leave kernel shapes unknown
        readers = [m.folded_input_weight()] + [e.px.weight for e in m.experts if e.px is not None]
        if m.detail is not None:
            readers.append(m.detail.inp.weight[:, c1:])
        sizes = [w.shape[0] for w in readers]
        w_px = torch.cat(readers, 0)
        # alone, the input convolution keeps its bias by name (import_onnx and older exports)
        b_px = m.inp.bias if len(readers) == 1 else torch.cat([m.inp.bias, m.inp.bias.new_zeros(sum(sizes[1:]))])
        from_pixels = list(torch.split(F.conv2d(x, w_px.reshape(w_px.shape[0], 3, r, r), b_px, stride=r), sizes, 1))
        s1 = from_pixels.pop(0)
        temb = m.time_mlp(timestep_embedding(torch.zeros(1, dtype=torch.long, device=image.device), m.cfg.emb))
        h, alpha = m.trunk(s1, temb, maps, weights)
        gates = [alpha[:, i, None, None, None] * maps[:, i:i + 1] for i in range(len(m.experts))]
        ones = torch.ones_like(maps[:, :1])                  # carries the head's per-sub-pixel bias
        bias = m.head.bias if m.detail is None else m.head.bias + m.detail.out.bias
        expert_feats = [e.body(e.inp(h) + from_pixels.pop(0)) if e.px is not None else e.features(h)
                        for e in m.experts]
        feats = [h] + [g * z for g, z in zip(gates, expert_feats)] + gates + [ones]
        w_out = [m.head.weight[:, :, 0, 0]] + [e.out.weight[:, :, 0, 0] for e in m.experts] \
            + [e.out.bias[:, None] for e in m.experts] + [bias[:, None]]
        if m.detail is not None:
            # its last 1×1 folds into the output's transposed convolution
            z = F.conv2d(h, m.detail.inp.weight[:, :c1], m.detail.inp.bias) + from_pixels.pop(0)
            feats.append(F.silu(m.detail.dw(F.silu(z))))
            w_out.append(m.detail.out.weight[:, :, 0, 0])
        feats, w_out = torch.cat(feats, 1), torch.cat(w_out, 1)
        w_t = w_out.t().reshape(-1, 3, r, r)                 # ConvTranspose weight [C_feats, 3, r, r]
        f = F.conv_transpose2d(feats, w_t, stride=r)
        # alpha (the gate's mixing weights of the four experts) costs nothing here and lets
        # `f2d eval` measure the experts' selectivity (§5) without a second graph
        restored = x + f
        if m.smoother is not None:
            restored = m.smoother(restored, m.smoother.gates(h, maps))
        if m.cfg.despeckle:
            restored = despeckle(restored, maps, weights)
        if m.cfg.bounds:
            restored = rain_snow_bounds(restored, x, maps, weights)
        return to_uint8(restored).permute(0, 2, 3, 1), alpha


class SynthGraph(nn.Module):
    """uint8 in and out around a synthesis module's ``degrade`` (``synth`` or ``synth_independent``)."""

    def __init__(self, module=synth):
        super().__init__()
        self.synth = module

    def forward(self, image, flags, params, noise):
        clean = image.permute(0, 3, 1, 2).float() / 255.0
        out, _ = self.synth.degrade(clean, flags.view(1, 4), params.view(1, self.synth.N_PARAMS), noise)
        return torch.round(out * 255.0).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _io(name: str, dtype: str, shape: list) -> dict:
    return {"name": name, "dtype": dtype, "shape": shape}


def store_exact_halves(path: Path) -> dict:
    """Rewrites an exported graph with every weight float16 holds exactly stored as float16 (and
    cast back in the graph): half the file, the same numbers (``velocity_graph.halve_weights``)."""
    onnx_model = onnx.load(str(path))
    report = halve_weights(onnx_model, exact_only=True)
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, str(path))
    return report


def export_model(model: F2DNet, out: Path, name: str, extra: dict, sigmas_scale: float = 1.0,
                 half_storage: bool = False) -> dict:
    """Writes the model folder; ``sigmas_scale`` is the transport's noise strength the model was
    trained with (the velocity probe samples x_k with it). ``half_storage`` stores the parser's and
    restorer's weights as float16 where that is exact (``store_exact_halves``), for models whose
    size matters more than a quantizer reading their weights: the int8 quantizer wants plain
    float32 initializers, so the real-time tier, which it quantizes, is exported without."""
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    h, w = 48, 64
    example = golden_input(h, w)
    # in eval mode: torch.onnx.export restores the wrapper's mode afterwards, recursively, and a
    # wrapper left in its default training mode would hand the model back with the gate's noise on
    parser, restorer = ParserGraph(model).eval(), RestorerGraph(model).eval()
    hw = {1: "H", 2: "W"}
    torch.onnx.export(parser, (example,), out / "parser.onnx", opset_version=OPSET,
                      input_names=["image"], output_names=["maps", "weights"],
                      dynamic_axes={"image": hw, "maps": {2: "h4", 3: "w4"}})
    with torch.no_grad():
        maps, weights = parser(example)
        restored, alpha = restorer(example, maps, weights)
    torch.onnx.export(restorer, (example, maps, weights), out / "restorer.onnx", opset_version=OPSET,
                      input_names=["image", "maps", "weights"], output_names=["restored", "alpha"],
                      dynamic_axes={"image": hw, "maps": {2: "h4", 3: "w4"}, "restored": hw})
    storage = "float32"
    if half_storage:
        for graph in ("parser.onnx", "restorer.onnx"):
            store_exact_halves(out / graph)
        storage = "float16 where exact, cast to float32 in the graph"
    gdir = out / "golden"
    gdir.mkdir(exist_ok=True)
    example.numpy().tofile(gdir / "input.u8")
    maps.numpy().astype("<f4").tofile(gdir / "maps.f32")
    weights.numpy().astype("<f4").tofile(gdir / "weights.f32")
    restored.numpy().tofile(gdir / "restored.u8")
    alpha.numpy().astype("<f4").tofile(gdir / "alpha.f32")
    velocity = export_velocity_golden(model, out, gdir, example, maps, weights, sigmas_scale)
    img = ["image", "uint8", [1, "H", "W", 3]]
    maps_io = _io("maps", "float32", [1, 4, f"H/{UNSHUFFLE}", f"W/{UNSHUFFLE}"])
    weights_io = _io("weights", "float32", [1, 4])
    manifest = {
        "format": "f2d-model/1",
        "name": name,
        "kind": "f2d-restorer",
        "sizeMultiple": SIZE_MULTIPLE,
        "mapsScale": UNSHUFFLE,
        "factors": list(synth.FACTORS),
        "files": {"parser": {"path": "parser.onnx", "sha256": sha256(out / "parser.onnx")},
                  "restorer": {"path": "restorer.onnx", "sha256": sha256(out / "restorer.onnx")},
                  "velocity": {"path": "velocity.onnx", "sha256": sha256(out / "velocity.onnx")}},
        "io": {"parser": {"inputs": [_io(*img)], "outputs": [maps_io, weights_io]},
               "restorer": {"inputs": [_io(*img), maps_io, weights_io],
                            "outputs": [_io("restored", "uint8", [1, "H", "W", 3]),
                                        _io("alpha", "float32", [1, 4])]},
               "velocity": VELOCITY_IO},
        "golden": {"dir": "golden", "width": w, "height": h},
        "weightStorage": storage,
        "velocity": velocity,
        "config": model.cfg.to_dict(),
        "parameters": {"total": count_parameters(model), "parser": count_parameters(model.parser)},
        "opset": OPSET,
        **extra,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


_IMAGE_F32 = [1, 3, "H", "W"]
VELOCITY_IO = {
    "inputs": [_io("degraded", "float32", _IMAGE_F32), _io("clean", "float32", _IMAGE_F32), _io("k", "int64", [1]),
               _io("eps", "float32", _IMAGE_F32), _io("maps", "float32", [1, 4, f"H/{UNSHUFFLE}", f"W/{UNSHUFFLE}"]),
               _io("weights", "float32", [1, 4])],
    "outputs": [_io("velocity", "float32", _IMAGE_F32), _io("target", "float32", _IMAGE_F32),
                _io("alpha", "float32", [1, 4])],
}
VELOCITY_GOLDEN_K = 25  # k > 0, where the transport's noise and the time embedding both matter


def export_velocity_golden(model: F2DNet, out: Path, gdir: Path, image: torch.Tensor, maps: torch.Tensor,
                           weights: torch.Tensor, sigmas_scale: float) -> dict:
    """Writes ``velocity.onnx`` and its golden (the degraded frame is the restorer's golden input,
    the clean one its mirror image, ε seeded) and returns the manifest's ``velocity`` entry."""
    degraded = to_model_range(image)
    clean = to_model_range(image.flip(2))
    k = torch.tensor([VELOCITY_GOLDEN_K])
    eps = torch.randn(degraded.shape, generator=torch.Generator().manual_seed(VELOCITY_GOLDEN_K))
    inputs = (degraded, clean, k, eps, maps, weights)
    graph = export_velocity(model, out / "velocity.onnx", sigmas_scale, inputs, OPSET)
    with torch.no_grad():
        outputs = graph(*inputs)
    files = {}
    for role, tensor in zip(("degraded", "clean", "eps", "velocity", "target", "alpha"), (degraded, clean, eps, *outputs)):
        files[role] = "velocity.f32" if role == "velocity" else f"velocity-{role}.f32"
        tensor.numpy().astype("<f4").tofile(gdir / files[role])
    return {
        "kGrid": list(K_GRID),
        "steps": T_STEPS,
        "sigmasScale": sigmas_scale,
        "weights": "float16, cast to float32 in the graph",
        # maps.f32 and weights.f32 are the parser's golden outputs on the same frame
        "golden": {"k": VELOCITY_GOLDEN_K, "files": files},
    }


def golden_input(h: int, w: int) -> torch.Tensor:
    """A deterministic, structured test frame: gradients, edges and seeded noise."""
    g = torch.Generator().manual_seed(1234)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    base = torch.stack([xx, yy, (xx * 3).frac() * (yy > 0.5)], -1) * 200 + 20
    base = base + torch.rand(h, w, 3, generator=g) * 30
    return base.clamp(0, 255).to(torch.uint8)[None]


# What each synthesis is for, recorded in its manifest (the training one's stays as it was).
SYNTH_EXPORTS = {
    "synth": (synth, {}),
    "synth-independent": (synth_independent, {
        "purpose": "evaluation only: an independent CDD-11-style synthesiser (scripts/f2dnet/synth_independent.py), "
                   "sharing no code with the training synthesis and never used for training",
        "paramNames": list(synth_independent.PARAMS),
        "noiseNames": list(synth_independent.NOISE),
    }),
}


def export_synth(out: Path, name: str = "synth") -> dict:
    """Exports the synthesis ``name`` (a key of SYNTH_EXPORTS) with its golden and manifest."""
    module, extra = SYNTH_EXPORTS[name]
    out.mkdir(parents=True, exist_ok=True)
    h, w = 48, 64
    image = golden_input(h, w)
    g = torch.Generator().manual_seed(7)
    params, noise = module.random_inputs(1, h, w, g)
    flags = torch.tensor([1.0, 1.0, 1.0, 0.0])
    graph = SynthGraph(module)
    torch.onnx.export(graph, (image, flags, params[0], noise), out / "degrade.onnx", opset_version=OPSET,
                      input_names=["image", "flags", "params", "noise"], output_names=["degraded"],
                      dynamic_axes={"image": {1: "H", 2: "W"}, "noise": {2: "H", 3: "W"},
                                    "degraded": {1: "H", 2: "W"}})
    with torch.no_grad():
        degraded = graph(image, flags, params[0], noise)
    gdir = out / "golden"
    gdir.mkdir(exist_ok=True)
    image.numpy().tofile(gdir / "input.u8")
    flags.numpy().astype("<f4").tofile(gdir / "flags.f32")
    params[0].numpy().astype("<f4").tofile(gdir / "params.f32")
    noise.numpy().astype("<f4").tofile(gdir / "noise.f32")
    degraded.numpy().tofile(gdir / "degraded.u8")
    manifest = {
        "format": "f2d-model/1",
        "name": name,
        "kind": "f2d-synth",
        "sizeMultiple": 1,
        "factors": list(module.FACTORS),
        "configurations": {k: list(v) for k, v in module.CONFIGS.items()},
        "tiers": module.TIERS,
        "nParams": module.N_PARAMS,
        "nNoise": module.N_NOISE,
        "files": {"degrade": {"path": "degrade.onnx", "sha256": sha256(out / "degrade.onnx")}},
        "io": {"degrade": {
            "inputs": [_io("image", "uint8", [1, "H", "W", 3]), _io("flags", "float32", [4]),
                       _io("params", "float32", [module.N_PARAMS]),
                       _io("noise", "float32", [1, module.N_NOISE, "H", "W"])],
            "outputs": [_io("degraded", "uint8", [1, "H", "W", 3])]}},
        "golden": {"dir": "golden", "width": w, "height": h},
        "opset": OPSET,
        **extra,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def randomise_zero_init(model: nn.Module, seed: int = 0) -> None:
    """Give zero-initialised layers small random values, so a random fixture exercises every path."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.abs().sum() == 0:
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)


def training_data_summary(photos_dir: Path) -> dict:
    """Per-package photo counts, versions and licences of the photos a model was trained on."""
    manifest = json.loads((photos_dir / "manifest.json").read_text())
    packages: dict[str, dict] = {}
    for rec in manifest["photos"]:
        entry = packages.setdefault(rec["package"], {"version": rec["version"], "licence": rec["licence"],
                                                    "train": 0, "val": 0})
        entry[rec["split"]] += 1
    return {"source": "photographs shipped in Debian packages (scripts/sources/photo-sources.tsv), "
                      "gathered by scripts/f2dnet/photos.py; weather synthesised by scripts/f2dnet/synth.py",
            "splits": manifest["splits"], "packages": packages}


def load_checkpoint(path: Path) -> tuple[F2DNet, dict]:
    ckpt = torch.load(path, map_location="cpu")
    cfg = F2DConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in ckpt["model_config"].items()})
    model = F2DNet(cfg)
    model.load_state_dict(ckpt["ema"] if "ema" in ckpt else ckpt["model"])
    return model, ckpt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Export F2D-Net (or the synthesis) to ONNX")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--checkpoint", type=Path, help="a run's .pt or a compact checkpoint folder (checkpoints/<model>)")
    ap.add_argument("--config", default="lite", choices=sorted(CONFIGS))
    ap.add_argument("--random-init", action="store_true", help="untrained weights (test fixture)")
    ap.add_argument("--synth", action="store_true", help="export the weather synthesis instead")
    ap.add_argument("--synth-independent", action="store_true",
                    help="export the independent evaluation synthesis (synth_independent.py) instead")
    ap.add_argument("--name")
    ap.add_argument("--metrics", type=Path, help="JSON of validation metrics to record")
    ap.add_argument("--photos", type=Path, help="photo folder the model was trained on (records licences)")
    ap.add_argument("--previous", type=Path, action="append", default=[],
                    help="checkpoint of an earlier training stage this one started from (recorded)")
    ap.add_argument("--half-storage", action="store_true",
                    help="store parser and restorer weights as float16 where exact (half the size, same output)")
    args = ap.parse_args(argv)
    if args.synth or args.synth_independent:
        export_synth(args.out, "synth-independent" if args.synth_independent else "synth")
        print(f"wrote {args.out}/degrade.onnx", file=sys.stderr)
        return 0
    extra: dict = {}
    if args.checkpoint and is_compact(args.checkpoint):
        # the campaign's committed checkpoint: its record holds every stage so far
        model, state = load_compact(args.checkpoint)
        *earlier, last = state["stages"]
        extra["training"] = {**last, "previousStages": earlier,
                             "totalSteps": state["steps"], "totalMinutes": state["minutes"]}
    elif args.checkpoint:
        model, ckpt = load_checkpoint(args.checkpoint)
        extra["training"] = ckpt.get("training_info", {})
        if args.previous:
            extra["training"]["previousStages"] = [torch.load(p, map_location="cpu").get("training_info", {})
                                                   for p in args.previous]
    elif args.random_init:
        torch.manual_seed(0)
        model = F2DNet(CONFIGS[args.config])
        randomise_zero_init(model)
        extra["training"] = {"note": "untrained: random weights for tests only"}
    else:
        ap.error("give --checkpoint, --random-init or --synth")
    if args.photos:
        extra["trainingData"] = training_data_summary(args.photos)
    if args.metrics:
        extra["metrics"] = json.loads(args.metrics.read_text())
    # the transport's noise strength the weights were trained with: the velocity probe samples with it
    sigmas_scale = float(extra["training"].get("sigmas_scale", 1.0))
    m = export_model(model, args.out, args.name or args.out.name, extra, sigmas_scale, args.half_storage)
    print(f"wrote {args.out} ({m['parameters']['total']} parameters)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
