"""Train F2D-Net on photos degraded on the fly (§3 of docs/f2dnet-method.md).

Per step: draw k (uniform over 0..T, with a fraction pinned to k = 0, the step inference
uses), sample x_k from the closed-form transport, predict f ≈ μ − x_k, and add the parser and
gate terms. AdamW with warm-up and cosine decay, gradient clipping, EMA weights (evaluated and
exported). The schedule's progress is the larger of step/total_steps and elapsed/budget, so a
run given a wall-clock budget still ends its decay. Checkpoints every few hundred steps;
rerunning the same command resumes.

Usage::

    python3 -m f2dnet.train --options scripts/options/lite.json [--photos scripts/data/photos]
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.nn.functional as F

from . import synth
from .checkpoint import PublishBusy, is_compact, load_compact, publishing, save_compact
from .data import TrainBatches, load_photos, validation_set
from .metrics import psnr, ssim
from .model import CONFIGS, N_FACTORS, F2DNet, count_parameters
from .options import OptionsError, TrainOptions, load_options
from .transport import Transport

# Time-phase prior on the gate (f2net): early steps favour rain/snow, middle haze, late low light.
PHASE_PRIOR = ((0.33, (0.3, 0.3, 1.0, 1.0)), (0.67, (0.3, 1.0, 0.5, 0.5)), (1.01, (1.0, 0.5, 0.3, 0.3)))


def charbonnier(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    return torch.sqrt(x * x + eps * eps).mean()


def alpha_prior(k: torch.Tensor, present: torch.Tensor, T: int) -> torch.Tensor:
    tau = k.float() / T
    mod = torch.zeros_like(present)
    for i, (limit, m) in reversed(list(enumerate(PHASE_PRIOR))):
        mod = torch.where((tau < limit)[:, None], present.new_tensor(m), mod)
    prior = present * mod
    return prior / prior.sum(1, keepdim=True).clamp(min=1e-6)


def distill_loss(student: F2DNet, teacher: F2DNet, y: torch.Tensor, maps: torch.Tensor,
                 weights: torch.Tensor) -> torch.Tensor:
    """Distance of the student's one-step restoration (k = 0, what inference runs) to the teacher's.

    The teacher's output is a target for every input at no labelling cost, and one a smaller
    model can reach (the clean photo is often not: noise and darkness hide what was there).
    Only the restoration is distilled: the parser's maps and weights have exact labels from the
    synthesis already, and the student's own parser outputs are used, as at inference.
    """
    k0 = torch.zeros(y.shape[0], dtype=torch.long, device=y.device)
    with torch.no_grad():
        t_maps, t_weights, _ = teacher.parser(y)
        t_f, _ = teacher(y, k0, y, t_maps, t_weights)
        target = (y + t_f).clamp(-1, 1)
    f, _ = student(y, k0, y, maps, weights)
    return charbonnier(y + f - target)


def restoration_terms(restored: torch.Tensor, clean: torch.Tensor, opt: TrainOptions) -> dict[str, torch.Tensor]:
    """The terms on the restoration itself, beside the per-pixel one ([-1,1] tensors in).

    Per-pixel Charbonnier weighs a frame-wide tone error like any other, and one of a few levels
    over the whole frame is most of what separates the model from the clean photo on weather it
    never saw (its output, shifted to the clean photo's mean, scores 2 dB higher on the
    independent synthesis). ``tone`` is the error of 16×16 block means: brightness, colour and
    the veil of rain or haze left on the frame. ``ssim`` is 1 − SSIM, the structure the
    benchmark also scores (noise left in low light costs SSIM far more than PSNR). ``fft`` is the
    mean absolute difference of the two images' 2-D spectra (real and imaginary parts, orthonormal
    scaling, so a pixel error and its spectral error have the same energy), the frequency term of
    MoCE-IR and other all-in-one restorers: a per-pixel loss lets fine texture go to the mean, a
    spectral one counts every missing frequency once, wherever its energy lies in the frame.
    """
    terms: dict[str, torch.Tensor] = {}
    if opt.lambda_tone > 0:
        terms["tone"] = charbonnier(F.avg_pool2d(restored - clean, 16))
    if opt.lambda_ssim > 0:
        terms["ssim"] = 1 - ssim((restored + 1) / 2, (clean + 1) / 2, exact=False).mean()
    if opt.lambda_fft > 0:
        spectrum = torch.fft.rfft2(restored - clean, norm="ortho")
        terms["fft"] = (spectrum.real.abs() + spectrum.imag.abs()).mean()
    return terms


def losses(model: F2DNet, transport: Transport, opt: TrainOptions, degraded, clean, flags, maps_gt,
           teacher: F2DNet | None = None):
    b = degraded.shape[0]
    y, mu = degraded * 2 - 1, clean * 2 - 1
    k = torch.randint(0, transport.T + 1, (b,), device=degraded.device)
    k = torch.where(torch.rand(b, device=degraded.device) < opt.k0_fraction, torch.zeros_like(k), k)
    x_t = transport.sample(y, mu, k)
    maps, weights, logits = model.parser(y)
    f, alpha = model(x_t, k, y, maps, weights)
    target = mu - x_t
    main = charbonnier(f - target) if opt.loss == "charbonnier" else F.mse_loss(f, target)
    maps_t = F.avg_pool2d(maps_gt, 4)
    l_w = F.binary_cross_entropy(weights.clamp(1e-6, 1 - 1e-6), flags)
    l_m = F.binary_cross_entropy(maps.clamp(1e-6, 1 - 1e-6), maps_t)
    l_cls = F.binary_cross_entropy_with_logits(logits, flags)
    share = alpha.sum(0) / flags.sum(0).clamp(min=1.0)  # clamp at 1, not 1e-8 (see docs/f2dnet-method.md §3)
    l_bal = share.var(unbiased=False) / (share.mean() ** 2 + 1e-8)
    l_alpha = F.mse_loss(alpha, alpha_prior(k, flags, transport.T))
    total = (main + opt.lambda_weights * l_w + opt.lambda_maps * l_m + opt.lambda_cls * l_cls
             + opt.lambda_balance * l_bal + opt.lambda_alpha * l_alpha)
    parts = {"main": main.item(), "w": l_w.item(), "m": l_m.item(), "cls": l_cls.item(),
             "bal": l_bal.item(), "alpha": l_alpha.item()}
    for name, term in restoration_terms(x_t + f, mu, opt).items():
        total = total + getattr(opt, f"lambda_{name}") * term
        parts[name] = term.item()
    if teacher is not None and opt.lambda_distill > 0:
        l_distill = distill_loss(model, teacher, y, maps, weights)
        total = total + opt.lambda_distill * l_distill
        parts["distill"] = l_distill.item()
    return total, parts


@torch.no_grad()
def restore_one_step(model: F2DNet, degraded: torch.Tensor) -> torch.Tensor:
    """Single-step inference at k = 0 (what the ONNX export computes); [0,1] in and out."""
    y = degraded * 2 - 1
    maps, weights, _ = model.parser(y)
    f, _ = model(y, torch.zeros(y.shape[0], dtype=torch.long, device=y.device), y, maps, weights)
    return ((y + f).clamp(-1, 1) + 1) / 2


@torch.no_grad()
def validate(model: F2DNet, items) -> dict:
    model.eval()
    device = next(model.parameters()).device
    per: dict[str, list] = {}
    for name, deg, clean in items:
        deg, clean = deg.to(device), clean.to(device)
        out = (restore_one_step(model, deg) * 255).round() / 255
        per.setdefault(name, []).append((psnr(out, clean).item(), ssim(out, clean).item(),
                                         psnr(deg, clean).item(), ssim(deg, clean).item()))
    res = {n: {k: sum(v[i] for v in vals) / len(vals) for i, k in enumerate(["psnr", "ssim", "in_psnr", "in_ssim"])}
           for n, vals in per.items()}
    res["mean"] = {k: sum(r[k] for r in res.values()) / len(res) for k in ["psnr", "ssim", "in_psnr", "in_ssim"]}
    return res


# modules a stage may add to a trained model: each starts as a no-op, or nearly (the
# smoother's gates start at 5 %: a sigmoid held at exactly 0 would not learn)
ADDABLE = ("detail.", "smoother.") + tuple(f"experts.{i}.px." for i in range(N_FACTORS))


def load_grown(model: F2DNet, start: dict) -> list[str]:
    """Load ``start`` into ``model``, which may have modules it lacks (:data:`ADDABLE`).

    Anything else missing or left over is an error: a stage must not silently start part of
    the model from scratch. Returns the added modules' names.
    """
    result = model.load_state_dict(start, strict=False)
    foreign = [k for k in result.missing_keys if not k.startswith(ADDABLE)] + list(result.unexpected_keys)
    if foreign:
        raise ValueError(f"the starting checkpoint does not fit model {model.cfg}: "
                         f"{', '.join(foreign[:8])}{' ...' if len(foreign) > 8 else ''}")
    return sorted({prefix.rstrip(".") for prefix in ADDABLE for k in result.missing_keys if k.startswith(prefix)})


def parameter_groups(model: F2DNet, new_scale: float) -> list[dict]:
    """The addable modules (:data:`ADDABLE`) in a group of their own at ``new_scale`` × the rate.

    A zero-initialised branch on a trained model learns slowly at the rate that fine-tunes
    the rest (the detail head: a 0.2-level contribution after 4k steps at 8e-5); the groups
    are made the same way in every run of the same options, so a resumed optimiser state fits them.
    """
    named = list(model.named_parameters())
    new = [p for n, p in named if n.startswith(ADDABLE)]
    if new_scale == 1.0 or not new:  # one group, as runs made before this option have
        return [{"params": [p for _, p in named], "lr_scale": 1.0}]
    rest = [p for n, p in named if not n.startswith(ADDABLE)]
    return [{"params": rest, "lr_scale": 1.0}, {"params": new, "lr_scale": new_scale}]


def lr_at(opt: TrainOptions, step: int, elapsed: float) -> float:
    if step < opt.warmup_steps:
        return opt.lr * (step + 1) / opt.warmup_steps
    progress = max(step / opt.total_steps, elapsed / (opt.budget_minutes * 60))
    progress = min(progress, 1.0)
    floor = 0.02
    return opt.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def pick_device(name: str) -> torch.device:
    """`auto`: CUDA when PyTorch sees a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: PyTorch sees no CUDA GPU here (torch.cuda.is_available() is False); use auto or cpu")
    return torch.device(name)


def train(opt: TrainOptions, photos_dir: Path, run_dir: Path) -> None:
    device = pick_device(opt.device)
    torch.set_num_threads(opt.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(opt.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "options.json").write_text(json.dumps(opt.to_dict(), indent=2))
    model = F2DNet(CONFIGS[opt.model])
    model.despeckle_in_training = opt.despeckle_in_training
    ema = copy.deepcopy(model).eval()
    optim = torch.optim.AdamW(parameter_groups(model, opt.lr_new_scale), lr=opt.lr,
                              weight_decay=opt.weight_decay, betas=(0.9, 0.99))
    transport = Transport(opt.sigmas_scale)
    model.to(device)
    ema.to(device)
    teacher = None
    if opt.teacher:
        teacher, teacher_state = load_compact(Path(opt.teacher))
        teacher.eval().requires_grad_(False).to(device)
        print(f"distilling from {opt.teacher} ({teacher_state.get('steps', 0)} steps, "
              f"{count_parameters(teacher)} parameters), weight {opt.lambda_distill}", flush=True)
    step, elapsed, best = 0, 0.0, -1.0
    last = run_dir / "last.pt"
    previous_stages: list[dict] = []
    init = Path(opt.init_from) if opt.init_from else None
    start: dict | None = None
    if init is not None and is_compact(init):
        # the committed checkpoint of the campaign: its stage record continues in ours
        init_model, init_state = load_compact(init)
        previous_stages = init_state.get("stages", [])
        start = init_model.state_dict()
    elif init is not None and not last.exists():
        start = torch.load(init, map_location="cpu")["ema"]
    if not last.exists() and start is not None:
        # fine-tuning: start from another run's EMA weights with a fresh optimiser and schedule
        added = load_grown(model, start)
        ema.load_state_dict(model.state_dict())
        if added:
            print(f"new in this stage: {', '.join(added)}", flush=True)
        print(f"initialised from {init} ({sum(s.get('steps', 0) for s in previous_stages)} earlier steps)", flush=True)
    if last.exists():
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        optim.load_state_dict(ck["optim"])
        step, elapsed, best = ck["step"], ck["elapsed"], ck.get("best", -1.0)
        # the published checkpoint already holds this stage: take the earlier ones from ours
        previous_stages = ck.get("previous_stages", previous_stages)
        print(f"resumed from {last} at step {step} ({elapsed / 60:.1f} min)", flush=True)
    # Frames are whole scenes at 360p–1080p; crops of full-size photos (up to 4000 px) show
    # texture a video frame never has at that scale, so the photos can be scaled down first.
    train_photos = load_photos(photos_dir, "train", opt.patch, opt.photo_max_side)
    val_photos = load_photos(photos_dir, "val", opt.val_size)
    batches = TrainBatches(train_photos, opt.patch, opt.batch, seed=opt.seed + step, device=device,
                           clear_fraction=opt.clear_fraction)
    val_items = validation_set(val_photos, opt.val_size, opt.val_images)
    print(f"model {opt.model}: {count_parameters(model)} parameters; {len(train_photos)} train / "
          f"{len(val_photos)} val photos; batch {opt.batch} x {opt.patch} px; on {device}", flush=True)
    log = (run_dir / "log.jsonl").open("a")

    def save(path: Path) -> None:
        info = {"steps": step, "minutes": round(elapsed / 60, 1), "photos_train": len(train_photos),
                "photos_val": len(val_photos), "patch": opt.patch, "batch": opt.batch,
                "sigmas_scale": opt.sigmas_scale, "device": device.type, "options": opt.name,
                **({"teacher": opt.teacher, "lambda_distill": opt.lambda_distill} if teacher is not None else {}),
                **{k: getattr(opt, k) for k in ("lambda_ssim", "lambda_tone", "lambda_fft") if getattr(opt, k) > 0}}
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "optim": optim.state_dict(),
                    "step": step, "elapsed": elapsed, "best": best, "previous_stages": previous_stages,
                    "model_config": model.cfg.to_dict(), "training_info": info}, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
        if opt.publish and path == last:
            # the small copy that is committed: the campaign resumes from it in the next session
            stage = {**info, "started_from": str(init) if init else None, "validation": last_val}
            stages = [*previous_stages, stage]
            save_compact(Path(opt.publish), ema, {
                "steps": sum(s.get("steps", 0) for s in stages),
                "minutes": round(sum(s.get("minutes", 0) for s in stages), 1), "stages": stages})

    last_val: dict | None = None
    t_last = time.time()
    window: list[dict] = []
    while step < opt.total_steps and elapsed < opt.budget_minutes * 60:
        model.train()
        for g in optim.param_groups:
            g["lr"] = lr_at(opt, step, elapsed) * g["lr_scale"]
        t0 = time.time()
        degraded, clean, flags, maps_gt = next(batches)
        t_data = time.time() - t0
        loss, parts = losses(model, transport, opt, degraded, clean, flags, maps_gt, teacher)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        decay = min(opt.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        step += 1
        now = time.time()
        elapsed += now - t_last
        t_last = now
        window.append({**parts, "data_s": t_data, "step_s": now - t0})
        if step % 50 == 0:
            avg = {k: sum(w[k] for w in window) / len(window) for k in window[0]}
            window.clear()
            rec = {"step": step, "min": round(elapsed / 60, 2), "lr": optim.param_groups[0]["lr"], **avg}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()), flush=True)
        if step % opt.ckpt_every == 0:
            save(last)
        if step % opt.val_every == 0 or step == opt.total_steps:
            res = validate(ema, val_items)
            last_val = {"step": step, "psnr": round(res["mean"]["psnr"], 3), "ssim": round(res["mean"]["ssim"], 4),
                        "input_psnr": round(res["mean"]["in_psnr"], 3)}
            log.write(json.dumps({"step": step, "val": res}) + "\n")
            log.flush()
            print(f"val step {step}: psnr {res['mean']['psnr']:.2f} (input {res['mean']['in_psnr']:.2f}) "
                  f"ssim {res['mean']['ssim']:.3f}", flush=True)
            if res["mean"]["psnr"] > best:
                best = res["mean"]["psnr"]
                save(run_dir / "best.pt")
            save(last)
            t_last = time.time()  # validation time does not count against the training budget
    save(last)
    log.close()
    print(f"done at step {step} ({elapsed / 60:.1f} min)", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train F2D-Net on synthetic composite weather")
    ap.add_argument("--options", type=Path, required=True)
    ap.add_argument("--photos", type=Path, default=Path("scripts/data/photos"))
    ap.add_argument("--runs", type=Path, default=Path("scripts/runs"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override an option; the value is JSON (5, null, \"text\"), a bare word is a string")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where to train (default: the options' "
                    "`device`, else auto = CUDA when PyTorch sees a GPU)")
    args = ap.parse_args(argv)
    overrides = [*args.set, *([f"device={args.device}"] if args.device is not None else [])]
    try:
        opt = load_options(args.options, overrides)
    except OptionsError as err:
        ap.error(str(err))
    try:
        with publishing(Path(opt.publish), opt.name) if opt.publish else nullcontext():
            train(opt, args.photos, args.runs / opt.name)
    except PublishBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
