"""Grow a trained F2D-Net into a wider one that computes the same function (Net2WiderNet).

The base tier would need days of CPU time from a random start; the lite campaign already holds
hundreds of minutes of training. Widening every backbone and expert channel count by an integer
factor, each new channel a copy of an old one, keeps the output exactly; the layer that reads a
copied channel splits the old weight between the copies. The split is uneven and random (the
shares of one old weight still sum to 1), so the copies get different gradients and drift apart
in training instead of staying twins. Extra bottleneck blocks start as identities (their last
convolution is zero). The parser, time embedding, frequency embedding width and gate keep their
sizes, so they are copied unchanged or only split on their inputs.

Usage::

    python3 -m f2dnet.grow --from checkpoints/lite --config base --out checkpoints/base
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn as nn

from .checkpoint import load_compact, save_compact
from .model import CONFIGS, UNSHUFFLE, F2DConfig, F2DNet, N_FACTORS


class GrowError(ValueError):
    """The two configurations cannot be related by whole-channel copies."""


def tile_map(old: int, new: int) -> torch.Tensor:
    """New channel n copies old channel n mod old: the originals first, then the copies."""
    if new % old:
        raise GrowError(f"cannot widen {old} channels to {new}: not a whole multiple")
    return torch.arange(new) % old


def head_map(old: int, new: int, heads: int) -> torch.Tensor:
    """Tile within each attention head, so a head's channels stay copies of the same head's."""
    d_old, d_new = old // heads, new // heads
    n = torch.arange(new)
    return (n // d_new) * d_old + (n % d_new) % d_old


def chunked(mapping: torch.Tensor, old: int, chunks: int) -> torch.Tensor:
    """The same map for each of ``chunks`` stacked groups (q|k|v, FiLM scale|shift)."""
    return torch.cat([mapping + i * old for i in range(chunks)])


def split_inputs(w: torch.Tensor, in_map: torch.Tensor, n_old: int, gen: torch.Generator,
                 unevenness: float) -> torch.Tensor:
    """Columns copied by ``in_map``, each old column's weight shared unevenly among its copies."""
    copied = w.index_select(1, in_map)
    p = 1 + unevenness * (2 * torch.rand(copied.shape, generator=gen) - 1)
    total = torch.zeros(copied.shape[0], n_old, *copied.shape[2:]).index_add_(1, in_map, p)
    return copied * p / total.index_select(1, in_map)


class Widener:
    """Copies one old module into its wider counterpart, given the channel maps of each side."""

    def __init__(self, seed: int, unevenness: float):
        self.gen = torch.Generator().manual_seed(seed)
        self.unevenness = unevenness

    @torch.no_grad()
    def layer(self, new: nn.Module, old: nn.Module, out_map: torch.Tensor | None = None,
              in_map: torch.Tensor | None = None) -> None:
        """A Conv2d or Linear: rows by ``out_map``, columns split by ``in_map`` (None = same size)."""
        w = old.weight
        if out_map is not None:
            w = w.index_select(0, out_map)
        # a grouped (depthwise) convolution has no input channels to split
        if in_map is not None and not (isinstance(old, nn.Conv2d) and old.groups > 1):
            w = split_inputs(w, in_map, old.weight.shape[1], self.gen, self.unevenness)
        if w.shape != new.weight.shape:
            raise GrowError(f"{type(new).__name__}: widened weight {tuple(w.shape)} != {tuple(new.weight.shape)}")
        new.weight.copy_(w)
        if old.bias is not None:
            new.bias.copy_(old.bias if out_map is None else old.bias.index_select(0, out_map))

    def res_block(self, new, old, m: torch.Tensor, old_c: int) -> None:
        self.layer(new.conv1, old.conv1, m, m)
        self.layer(new.film, old.film, chunked(m, old_c, 2))
        self.layer(new.conv2, old.conv2, m, m)


def identity_block(block) -> None:
    """A residual block that adds nothing until trained: its last convolution is zero."""
    nn.init.zeros_(block.conv2.weight)
    nn.init.zeros_(block.conv2.bias)


def check_growable(old: F2DConfig, new: F2DConfig) -> None:
    for key in ("emb", "parser", "freq", "heads"):
        if getattr(old, key) != getattr(new, key):
            raise GrowError(f"{key} differs ({getattr(old, key)} -> {getattr(new, key)}): growing keeps it; "
                            f"only widths, expert and mid_blocks may grow")
    if new.mid_blocks < old.mid_blocks:
        raise GrowError(f"mid_blocks would shrink ({old.mid_blocks} -> {new.mid_blocks})")
    if old.expert_pixels and not new.expert_pixels:
        raise GrowError("expert_pixels would be dropped: growing keeps what the experts read")
    if old.smoother != new.smoother:
        raise GrowError(f"smoother differs ({old.smoother} -> {new.smoother}): growing keeps the output step as it is")
    if old.detail and new.detail != old.detail:
        raise GrowError(f"detail differs ({old.detail} -> {new.detail}): a detail head is kept as it is "
                        f"(or added, zero, to a model without one)")


@torch.no_grad()
def grow(old: F2DNet, cfg: F2DConfig, seed: int = 0, unevenness: float = 0.5) -> F2DNet:
    """A model of configuration ``cfg`` computing what ``old`` computes (up to float rounding)."""
    check_growable(old.cfg, cfg)
    new = F2DNet(cfg)
    wd = Widener(seed, unevenness)
    (o1, o2, o3), (n1, n2, n3) = old.cfg.widths, cfg.widths
    m1, m2, m3 = tile_map(o1, n1), tile_map(o2, n2), tile_map(o3, n3)

    new.parser.load_state_dict(old.parser.state_dict())
    new.time_mlp.load_state_dict(old.time_mlp.state_dict())
    new.gate.load_state_dict(old.gate.state_dict())
    wd.layer(new.inp, old.inp, m1)
    wd.res_block(new.enc1, old.enc1, m1, o1)
    wd.layer(new.down1, old.down1, m2, m1)
    wd.res_block(new.enc2, old.enc2, m2, o2)
    wd.layer(new.down2, old.down2, m3, m2)
    for i, block in enumerate(new.mid):
        if i < len(old.mid):
            wd.res_block(block, old.mid[i], m3, o3)
        else:
            identity_block(block)

    heads = head_map(o3, n3, cfg.heads)
    wd.layer(new.attn.qkv, old.attn.qkv, chunked(heads, o3, 3), m3)
    wd.layer(new.attn.dw, old.attn.dw, chunked(heads, o3, 3))
    new.attn.temperature.copy_(old.attn.temperature)
    wd.layer(new.attn.proj, old.attn.proj, m3, heads)
    wd.layer(new.attn.ffn[0], old.attn.ffn[0], tile_map(2 * o3, 2 * n3), m3)
    wd.layer(new.attn.ffn[2], old.attn.ffn[2], m3, tile_map(2 * o3, 2 * n3))

    wd.layer(new.freq.mlp[0], old.freq.mlp[0], tile_map(2 * o3, 2 * n3), m3)
    wd.layer(new.freq.mlp[2], old.freq.mlp[2], None, tile_map(2 * o3, 2 * n3))

    wd.layer(new.up2, old.up2, m2, m3)
    wd.res_block(new.dec2, old.dec2, m2, o2)
    wd.layer(new.up1, old.up1, m1, m2)
    wd.res_block(new.dec1, old.dec1, m1, o1)
    wd.layer(new.head, old.head, None, m1)

    me, ms = tile_map(old.cfg.expert, cfg.expert), tile_map(max(old.cfg.expert // 4, 1), max(cfg.expert // 4, 1))
    for ne, oe in zip(new.experts, old.experts):
        wd.layer(ne.inp, oe.inp, me, m1)
        wd.layer(ne.conv1, oe.conv1, me, me)
        wd.layer(ne.conv2, oe.conv2, me, me)
        wd.layer(ne.se[0], oe.se[0], ms, me)
        wd.layer(ne.se[2], oe.se[2], me, ms)
        wd.layer(ne.out, oe.out, None, me)
        if oe.px is not None:
            wd.layer(ne.px, oe.px, me)
    assert len(new.experts) == N_FACTORS
    if old.detail is not None:
        # its input is [h, the 48 sub-pixel values]: h's columns split like the head's, the
        # pixels' copied as they are; a model without one gets a zero head (adds nothing)
        pixels = o1 + torch.arange(3 * UNSHUFFLE ** 2)
        wd.layer(new.detail.inp, old.detail.inp, None, torch.cat([m1, pixels]))
        wd.layer(new.detail.dw, old.detail.dw)
        wd.layer(new.detail.out, old.detail.out)
    if old.smoother is not None:
        # its gates read [h, the parser's maps]: h's columns split like the head's
        maps = o1 + torch.arange(N_FACTORS)
        wd.layer(new.smoother.gate, old.smoother.gate, None, torch.cat([m1, maps]))
    return new.eval()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Widen a compact checkpoint into a larger configuration")
    ap.add_argument("--from", dest="source", type=Path, required=True, help="compact checkpoint folder")
    ap.add_argument("--config", default="base", choices=sorted(CONFIGS))
    ap.add_argument("--out", type=Path, required=True, help="compact checkpoint folder to write")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    old, state = load_compact(args.source)
    try:
        new = grow(old, CONFIGS[args.config], args.seed)
    except GrowError as err:
        ap.error(f"{args.source} -> {args.config}: {err}")
    # the stage record goes on: the grown model has had every step the old one had
    stages = [*state.get("stages", []), {"steps": 0, "minutes": 0.0, "device": "cpu",
                                          "options": f"grown from {state.get('model_config', {}).get('widths')} "
                                                     f"to {args.config} (f2dnet.grow)"}]
    save_compact(args.out, new, {"steps": state.get("steps", 0), "minutes": state.get("minutes", 0.0),
                                 "stages": stages})
    print(f"{args.source} ({sum(p.numel() for p in old.parameters())} parameters) -> {args.out} "
          f"({sum(p.numel() for p in new.parameters())} parameters, {args.config})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
