"""F2D-Net's own claims, measured on a checkpoint (§5 of docs/f2dnet-method.md).

* **Expert selectivity**. With ā_{n,i} = the spatial mean of α_i·m_i on image n:
  S1 = mean ā of the experts whose factor is present ÷ mean ā of the absent ones, over all
  images (tied experts only: F2D's gate is per factor);
  S2 = the median over images of max_i ā_{n,i} ÷ max(min_i ā_{n,i}, 0.001) (model-agnostic;
  near-uniform routing gives about 1.2×, the paper reports about 10× for F2D). Ratios of
  sums and a median, because an absent factor's map is near zero and a mean of per-image
  ratios is then ruled by its noise;
  S3 = mean α_i·m_i inside the pixels the synthesis degraded by factor i ÷ outside them.
* **Parser accuracy**: presence of each factor at weight 0.5 against the synthesis flags.
* **Tone error**: per configuration, the restoration's PSNR, the PSNR it would have with each
  channel's mean moved to the clean photo's (what a perfect global brightness and colour would
  add), and its mean signed error in 8-bit levels (positive: weather left on, too bright). A
  large gap says the model gets structure right and the frame's tone wrong.
* **Velocity-magnitude probe**: for k on a grid, x_k from the closed form, and
  ρ(k) = E‖f(x_k,k,y)‖ / E‖μ − x_k‖ (below 1 when predictions average), the cosine between f
  and μ − x_k, and the gate α(k) per configuration. ``velocity_graph.py`` exports the per-item
  computation as ``velocity.onnx``, so ``f2d eval --diagnostics`` measures the same on a model folder.
* **Smoothing**: the output smoother's mean gates (luma, chroma) per configuration.

All on the validation photos with the training synthesis (``synth.py``), or with the
independent one (``--synth independent``, evaluation only) when it is there.

Usage::

    python3 -m f2dnet.diagnostics --checkpoint checkpoints/lite [--json out.json] [--synth independent]
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from . import synth as train_synth
from .checkpoint import is_compact, load_compact
from .data import load_photos
from .metrics import psnr
from .model import UNSHUFFLE, F2DNet
from .train import restore_one_step
from .transport import Transport
from .velocity_graph import K_GRID  # the exported probe (velocity.onnx, f2d eval --diagnostics) measures the same steps


def synthesiser(name: str):
    """The module that degrades: ``train`` (synth.py) or ``independent`` (synth_independent.py)."""
    if name == "train":
        return train_synth
    try:
        return importlib.import_module(".synth_independent", __package__)
    except ImportError as err:
        raise SystemExit(f"--synth {name}: {err}; the independent synthesiser is scripts/f2dnet/synth_independent.py")


def evaluation_items(photos: list[torch.Tensor], size: int, count: int, synth, seed: int = 321):
    """Centre crops of ``count`` photos × every configuration: (name, flags, degraded, clean, maps)."""
    g = torch.Generator().manual_seed(seed)
    items = []
    for img in photos[:count]:
        _, h, w = img.shape
        s = min(h, w)
        c = img[:, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s].float()[None] / 255
        c = F.interpolate(c, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        for name, flags in synth.CONFIGS.items():
            params, noise = synth.random_inputs(1, size, size, g)
            f = torch.tensor(flags, dtype=torch.float32)[None]
            with torch.no_grad():
                out = synth.degrade(c, f, params, noise)
            deg, maps = out if isinstance(out, tuple) else (out, None)
            items.append((name, f, (deg * 255).round() / 255, c, maps))
    return items


@torch.no_grad()
def selectivity(model: F2DNet, items) -> dict:
    on, off, s2, s3_in, s3_out = [], [], [], [], []
    hits = torch.zeros(4)
    for _, flags, deg, _, maps_gt in items:
        y = deg * 2 - 1
        maps, weights, _ = model.parser(y)
        _, alpha = model(y, torch.zeros(1, dtype=torch.long), y, maps, weights)
        eff = alpha[0, :, None, None] * maps[0]                  # α_i·m_i at 1/4 scale
        a_bar = eff.mean((1, 2))
        present = flags[0] > 0
        on += a_bar[present].tolist()
        off += a_bar[~present].tolist()
        s2.append((a_bar.max() / a_bar.min().clamp(min=1e-3)).item())
        hits += ((weights[0] >= 0.5) == present).float()
        if maps_gt is not None:
            gt = F.avg_pool2d(maps_gt, 4)[0] > 0.1
            for i in torch.nonzero(present).flatten().tolist():
                inside, outside = gt[i], ~gt[i]
                if inside.any() and outside.any():
                    s3_in.append(eff[i][inside].mean().item())
                    s3_out.append(eff[i][outside].mean().item())
    out = {"S1": (sum(on) / len(on)) / max(sum(off) / max(len(off), 1), 1e-6),
           "S2": sorted(s2)[len(s2) // 2],
           "parser_accuracy": dict(zip(train_synth.FACTORS, (hits / len(items)).tolist()))}
    if s3_in:
        out["S3"] = (sum(s3_in) / len(s3_in)) / max(sum(s3_out) / len(s3_out), 1e-6)
    return out


@torch.no_grad()
def velocity_probe(model: F2DNet, transport: Transport, items, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    rows = {}
    for k in K_GRID:
        num = den = cos = 0.0
        alpha_by_config: dict[str, list[list[float]]] = {}
        for name, _, deg, clean, _ in items:
            y, mu = deg * 2 - 1, clean * 2 - 1
            kk = torch.full((1,), k, dtype=torch.long)
            x_t = transport.sample(y, mu, kk, torch.randn(y.shape, generator=g))
            maps, weights, _ = model.parser(y)
            f, alpha = model(x_t, kk, y, maps, weights)
            target = mu - x_t
            num += f.norm().item()
            den += target.norm().item()
            cos += F.cosine_similarity(f.flatten(), target.flatten(), 0).item()
            alpha_by_config.setdefault(name, []).append(alpha[0].tolist())
        rows[k] = {"rho": num / max(den, 1e-9), "cosine": cos / len(items),
                   "alpha": {n: [sum(c) / len(v) for c in zip(*v)] for n, v in alpha_by_config.items()}}
    return rows


@torch.no_grad()
def tone_error(restore, items) -> dict:
    """Per configuration and overall: PSNR, PSNR with the clean photo's channel means, bias (levels).

    ``restore`` maps a degraded [1,3,H,W] image in [0,1] to its restoration.
    """
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for name, _, deg, clean, _ in items:
        out = (restore(deg) * 255).round() / 255
        shift = clean.mean((2, 3), keepdim=True) - out.mean((2, 3), keepdim=True)
        rows.setdefault(name, []).append((psnr(out, clean).item(), psnr(out + shift, clean).item(),
                                          (out - clean).mean().item() * 255))
    report = {name: dict(zip(("psnr", "psnr_true_means", "bias_levels"), (sum(c) / len(c) for c in zip(*vals))))
              for name, vals in rows.items()}
    report["mean"] = {key: sum(r[key] for r in report.values()) / len(report) for key in ("psnr", "psnr_true_means", "bias_levels")}
    return report


@torch.no_grad()
def smoothing(model: F2DNet, items) -> dict:
    """Mean gates of the output smoother per configuration: {name: {luma, chroma}} in [0, 1].

    Where the model smooths tells whether it learned what the smoother is for (sensor noise in
    low light, the remains of streaks and flakes) rather than blurring everything; empty for a
    model without one.
    """
    if model.smoother is None:
        return {}
    per: dict[str, list[torch.Tensor]] = {}
    for name, _, deg, _, _ in items:
        y = deg * 2 - 1
        maps, weights, _ = model.parser(y)
        xu = F.pixel_unshuffle(y, UNSHUFFLE)
        _, _, h = model.forward_subpixel(xu, torch.zeros(1, dtype=torch.long), xu, maps, weights)
        per.setdefault(name, []).append(model.smoother.gates(h, maps).mean((0, 2, 3)))
    return {name: dict(zip(("luma", "chroma"), torch.stack(g).mean(0).tolist())) for name, g in per.items()}


def load_model(path: Path) -> F2DNet:
    if is_compact(path):
        return load_compact(path)[0].eval()
    from .export import load_checkpoint
    return load_checkpoint(path)[0].eval()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="F2D-Net diagnostics: expert selectivity, parser accuracy, velocity probe, tone error")
    ap.add_argument("--checkpoint", type=Path, required=True, help="compact checkpoint folder or a run's .pt")
    ap.add_argument("--photos", type=Path, default=Path("data/photos"))
    ap.add_argument("--synth", choices=["train", "independent"], default="train")
    ap.add_argument("--images", type=int, default=12, help="validation photos (× 11 configurations)")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--sigmas-scale", type=float, default=1.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    torch.set_flush_denormal(True)
    model = load_model(args.checkpoint)
    items = evaluation_items(load_photos(args.photos, "val", args.size), args.size, args.images, synthesiser(args.synth))
    report = {"checkpoint": str(args.checkpoint), "synth": args.synth, "images": len(items),
              "selectivity": selectivity(model, items),
              "velocity": velocity_probe(model, Transport(args.sigmas_scale), items),
              "tone": tone_error(lambda deg: restore_one_step(model, deg), items),
              "smoothing": smoothing(model, items)}
    sel = report["selectivity"]
    print(f"selectivity S1 {sel['S1']:.2f}x  S2 {sel['S2']:.2f}x" + (f"  S3 {sel['S3']:.2f}x" if "S3" in sel else ""))
    print("parser accuracy (presence at 0.5): " + "  ".join(f"{k} {v:.2f}" for k, v in sel["parser_accuracy"].items()))
    for k, row in report["velocity"].items():
        print(f"k={k:3d}  rho {row['rho']:.3f}  cosine {row['cosine']:.3f}")
    print("tone: PSNR → with the clean photo's channel means, and the mean error in levels")
    for name, row in report["tone"].items():
        print(f"  {name:14s} {row['psnr']:6.2f} → {row['psnr_true_means']:6.2f}  {row['bias_levels']:+6.1f}")
    if report["smoothing"]:
        print("output smoother: mean gate per configuration (luma, chroma)")
        for name, row in report["smoothing"].items():
            print(f"  {name:14s} {row['luma']:.2f}  {row['chroma']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
