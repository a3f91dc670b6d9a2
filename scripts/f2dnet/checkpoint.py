"""Compact checkpoints that are committed, so a training campaign survives between sessions.

A training run's own ``last.pt`` holds fp32 weights, EMA weights and the optimiser state
(about 6× the model) and stays in the ignored ``runs/`` folder. What is committed is the
folder written here: the EMA weights in fp16 (what is exported and what the next stage
starts from; 2 bytes a parameter) and ``state.json`` with the configuration and the record
of every stage so far (steps, minutes, device, options, validation), which the export copies
into the model's manifest.

The next session starts from it with a fresh optimiser (AdamW's moments rebuild within a few
hundred steps; committing them would triple every commit of the history users clone).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .model import F2DConfig, F2DNet

WEIGHTS = "ema.fp16.pt"
STATE = "state.json"


def save_compact(folder: Path, model: F2DNet, state: dict) -> None:
    """Write ``folder/ema.fp16.pt`` and ``folder/state.json`` (each replaced atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    half = {k: v.detach().to("cpu", torch.float16) if v.is_floating_point() else v.detach().cpu()
            for k, v in model.state_dict().items()}
    tmp = folder / (WEIGHTS + ".tmp")
    torch.save(half, tmp)
    tmp.replace(folder / WEIGHTS)
    record = {"model_config": model.cfg.to_dict(), **state}
    tmp = folder / (STATE + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(folder / STATE)


def is_compact(path: Path) -> bool:
    return path.is_dir() and (path / WEIGHTS).exists() and (path / STATE).exists()


def load_compact(folder: Path) -> tuple[F2DNet, dict]:
    """The model (fp32, on the CPU) and the state record of a compact checkpoint."""
    if not is_compact(folder):
        raise FileNotFoundError(f"{folder}: no {WEIGHTS} and {STATE} here; write one with train.py "
                                f"(`publish` option) or f2dnet.import_onnx")
    state = json.loads((folder / STATE).read_text())
    cfg = F2DConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in state["model_config"].items()})
    model = F2DNet(cfg)
    weights = torch.load(folder / WEIGHTS, map_location="cpu")
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in weights.items()})
    return model, state
