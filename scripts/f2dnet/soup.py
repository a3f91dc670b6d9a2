"""Average the weights of several checkpoints of one training lineage (a "model soup").

Stages of the lite campaign each start from the previous one's weights, so their checkpoints lie
in one basin of the loss, and each stage trades one weather for another (lite-snow4 and -5 gained
low light and lost rain against lite-snow3). The uniform average of such checkpoints is one model
of the same size and speed that often keeps the better of each (Wortsman et al., "Model soups",
2022); it costs no training, only an evaluation to check that it does.

The last checkpoint named gives the record: the soup has had every step of the lineage, and the
record gains one stage saying what was averaged.

Usage::

    python3 -m f2dnet.soup --out checkpoints/lite SOUP_A SOUP_B [...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from .checkpoint import load_compact, save_compact

# Switches of steps without weights: they may differ between stages of one lineage (a later
# stage turned one on) and are taken from the last checkpoint.
WEIGHTLESS = ("despeckle", "bounds")


class SoupError(ValueError):
    """The checkpoints cannot be averaged: different shapes or configurations."""


def _shape_config(state: dict) -> dict:
    return {k: v for k, v in state["model_config"].items() if k not in WEIGHTLESS}


def soup(folders: list[Path]) -> tuple[torch.nn.Module, dict]:
    """The uniform average of the compact checkpoints in ``folders`` and the record to save with it.

    Raises:
        SoupError: fewer than two folders, or two whose configurations differ (beyond the
            weightless switches).
    """
    if len(folders) < 2:
        raise SoupError("a soup needs at least two checkpoints")
    loaded = [load_compact(f) for f in folders]
    model, state = loaded[-1]
    for folder, (_, other) in zip(folders, loaded):
        if _shape_config(other) != _shape_config(state):
            raise SoupError(f"{folder}: configuration {_shape_config(other)} differs from {folders[-1]}'s "
                            f"{_shape_config(state)}; only checkpoints of one model can be averaged")
    weights = [m.state_dict() for m, _ in loaded]  # the last one's tensors are the model's own
    with torch.no_grad():
        for name, value in weights[-1].items():
            if value.is_floating_point():  # in place: every checkpoint's tensor of this name is read first
                value.copy_(sum(w[name] for w in weights) / len(weights))
    names = ", ".join(f"{f} ({s.get('steps', 0)} steps)" for f, (_, s) in zip(folders, loaded))
    record = {k: v for k, v in state.items() if k != "model_config"}
    record["stages"] = [*state.get("stages", []),
                        {"steps": 0, "minutes": 0.0, "device": "cpu", "options": f"uniform weight average of {names} (f2dnet.soup)"}]
    return model.eval(), record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Average compact checkpoints of one lineage")
    ap.add_argument("--out", type=Path, required=True, help="compact checkpoint folder to write")
    ap.add_argument("folders", type=Path, nargs="+", help="compact checkpoint folders; the last gives the record")
    args = ap.parse_args(argv)
    try:
        model, record = soup(args.folders)
    except (SoupError, FileNotFoundError) as err:
        ap.error(str(err))
    save_compact(args.out, model, record)
    print(f"wrote {args.out}: the average of {len(args.folders)} checkpoints", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
