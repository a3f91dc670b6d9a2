"""PyTorch reference timings for the exported graphs, for comparison with onnxruntime's providers.

Times exactly the computation that `export.py` writes to ONNX (ParserGraph and RestorerGraph:
uint8 NHWC in, uint8 NHWC out), untrained weights (speed does not depend on them), on CUDA when
present. Two views of each: the graph alone on a tensor already on the device, and with the frame
copied from host memory and the result copied back (what a video pipeline pays per frame).
Also times one training step of the network (forward, Charbonnier loss, backward, AdamW) per
configuration, to size training runs. Not a test; run on a GPU machine by scripts/gpu/run.sh:

    cd scripts && python3 -m f2dnet.bench_torch --sizes 1280x720,1920x1080 --json out.json
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from .export import ParserGraph, RestorerGraph, randomise_zero_init
from .model import CONFIGS, SIZE_MULTIPLE, F2DNet, count_parameters


def pad_to(n: int) -> int:
    return (n + SIZE_MULTIPLE - 1) // SIZE_MULTIPLE * SIZE_MULTIPLE


def timed(fn, iters: int, device: torch.device) -> float:
    """Median wall ms of `fn()` over `iters` runs after 3 warm-ups, synchronising the device."""
    for _ in range(3):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    samples = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def bench_inference(config: str, sizes: list[tuple[int, int]], iters: int, device: torch.device) -> list[dict]:
    model = F2DNet(CONFIGS[config])
    randomise_zero_init(model)
    model.eval().to(device)
    parser, restorer = ParserGraph(model).eval(), RestorerGraph(model).eval()
    rows = []
    for w, h in sizes:
        hp, wp = pad_to(h), pad_to(w)
        host = torch.randint(0, 256, (1, hp, wp, 3), dtype=torch.uint8)
        frame = host.to(device)
        for precision in ("fp32", "fp16", "bf16"):
            if device.type != "cuda" and precision != "fp32":
                continue
            dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)

            def run_parser():
                with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                    return parser(frame)

            maps, weights = run_parser()
            maps, weights = maps.float(), weights.float()

            def run_restorer(src=None):
                with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                    return restorer(frame if src is None else src, maps, weights)

            def host_round_trip():
                # pinned memory is what a pipeline would use; plain pageable memory is what
                # onnxruntime-node's CPU tensors are, so time that
                return run_restorer(host.to(device))[0].cpu()

            row = {"config": config, "size": f"{w}x{h}", "padded": f"{wp}x{hp}", "precision": precision,
                   "parser_ms": timed(run_parser, iters, device),
                   "restorer_ms": timed(run_restorer, iters, device),
                   "restorer_with_host_copies_ms": timed(host_round_trip, iters, device)}
            row["fps_restorer"] = 1000 / row["restorer_ms"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    del model, parser, restorer
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return rows


def bench_training(config: str, batch: int, crop: int, steps: int, device: torch.device) -> list[dict]:
    """One optimiser step of the network alone (the synthesis and parser losses excluded)."""
    rows = []
    for precision in ("fp32", "bf16"):
        if device.type != "cuda" and precision != "fp32":
            continue
        torch.manual_seed(0)
        model = F2DNet(CONFIGS[config]).to(device).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        x_t = torch.rand(batch, 3, crop, crop, device=device) * 2 - 1
        x_c = torch.rand(batch, 3, crop, crop, device=device) * 2 - 1
        target = torch.rand(batch, 3, crop, crop, device=device) * 2 - 1
        maps = torch.rand(batch, 4, crop // 4, crop // 4, device=device)
        weights = torch.rand(batch, 4, device=device)
        k = torch.randint(0, 10, (batch,), device=device)
        dtype = torch.bfloat16 if precision == "bf16" else None

        def step():
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                f, _ = model(x_t, k, x_c, maps, weights)
            loss = torch.sqrt((f.float() - target) ** 2 + 1e-6).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        ms = timed(step, steps, device)
        row = {"config": config, "precision": precision, "batch": batch, "crop": crop,
               "step_ms": ms, "steps_per_s": 1000 / ms, "images_per_s": batch * 1000 / ms}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def bench_onnxruntime_python(model_dir: Path, sizes: list[tuple[int, int]], iters: int) -> list[dict]:
    """The same ONNX files in Python's onnxruntime, on each GPU provider it has (TensorRT left out:
    its engine build takes minutes). Records the provider list even when it holds only the CPU."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as err:
        return [{"error": f"onnxruntime not importable: {err}"}]
    rows: list[dict] = [{"available_providers": ort.get_available_providers(), "version": ort.__version__}]
    print(json.dumps(rows[0]), flush=True)
    for provider in [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]:
        try:
            parser = ort.InferenceSession(str(model_dir / "parser.onnx"), providers=[provider])
            restorer = ort.InferenceSession(str(model_dir / "restorer.onnx"), providers=[provider])
        except Exception as err:  # a provider that fails to load is a result, not a crash
            rows.append({"provider": provider, "error": str(err).splitlines()[0]})
            continue
        for w, h in sizes:
            frame = np.random.default_rng(0).integers(0, 256, (1, pad_to(h), pad_to(w), 3), dtype=np.uint8)
            maps, weights = parser.run(None, {parser.get_inputs()[0].name: frame})
            feeds = dict(zip([i.name for i in restorer.get_inputs()], [frame, maps, weights]))
            row = {"provider": provider, "model": model_dir.name, "size": f"{w}x{h}",
                   "parser_ms": timed(lambda: parser.run(None, {parser.get_inputs()[0].name: frame}), iters,
                                      torch.device("cpu")),
                   "restorer_ms": timed(lambda: restorer.run(None, feeds), iters, torch.device("cpu"))}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--configs", default="lite,base")
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--train-batch", type=int, default=16)
    ap.add_argument("--train-crop", type=int, default=256)
    ap.add_argument("--onnx", type=Path, action="append", default=[],
                    help="model folder to time in Python's onnxruntime as well (repeatable)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest algorithms
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    report = {
        "machine": {"torch": torch.__version__, "python": platform.python_version(), "device": str(device),
                    "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None,
                    "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None},
        "parameters": {c: count_parameters(F2DNet(CONFIGS[c])) for c in args.configs.split(",")},
        "inference": [], "training": [], "onnxruntime_python": [],
    }
    print(json.dumps(report["machine"]), flush=True)
    for config in args.configs.split(","):
        report["inference"] += bench_inference(config, sizes, args.iters, device)
        report["training"] += bench_training(config, args.train_batch, args.train_crop, 20, device)
    for model_dir in args.onnx:
        report["onnxruntime_python"] += bench_onnxruntime_python(model_dir, sizes, args.iters)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
