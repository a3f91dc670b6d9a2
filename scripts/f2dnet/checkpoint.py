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
import os
from contextlib import contextmanager
from pathlib import Path

import torch

from .model import F2DConfig, F2DNet

WEIGHTS = "ema.fp16.pt"
STATE = "state.json"
LOCK = ".publish.lock"  # ignored by git: it names the stage publishing here while that runs


class PublishBusy(RuntimeError):
    """Another training process is publishing to the same checkpoint folder."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@contextmanager
def publishing(folder: Path, stage: str):
    """Hold ``folder`` for one stage's publishing, and refuse a second one while the first lives.

    Two stages publishing to one folder overwrite each other's weights every few minutes, and
    which one is committed is then luck (it happened once: a stopped stage outlived its
    ``kill`` for minutes beside the next). A lock left by a process that has died is taken over.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text())
            except (OSError, ValueError):
                # being written this instant by a stage that just took it, or damaged: not ours to delete
                raise PublishBusy(f"{lock} cannot be read; if no stage is training into {folder}, "
                                  f"delete it and start again") from None
            pid = holder.get("pid")
            if isinstance(pid, int) and _alive(pid):
                raise PublishBusy(f"{folder} is being published by stage {holder.get('stage', '?')} (process {pid}); "
                                  f"stop it first (kill {pid}, and check it has gone) or give this stage "
                                  f"another `publish` folder") from None
            lock.unlink(missing_ok=True)  # its process is gone: a stale lock
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps({"pid": os.getpid(), "stage": stage}) + "\n")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


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
