"""F2D-Net, a small real-time port: degradation parser, time-conditioned U-Net backbone,
four per-factor experts, a time-conditioned softmax gate and the factorized output

    f(x_t, k, y) = v_share + Σ_i α_i · m_i ⊙ Δv_i          (i = low, haze, rain, snow)

interpreted as the residual μ̂ − x_t of the transport (see transport.py).

Sizing for 2 CPU cores (about 1–2 GMAC per 640×360 frame, see docs/measurements.md): the
backbone works at 1/4 resolution after a pixel-unshuffle, the experts read the 1/4-resolution
features and emit 4×4 sub-pixel blocks, and maps are applied before the final pixel-shuffle,
so nothing but a shuffle (and the output smoother, below) runs at full resolution. The input reaches the backbone through one
1×1 convolution of each block's 48 values to c1 channels, too few to keep where inside its block
a 1–3 px flake or streak lies; lite's experts (``expert_pixels``) and a small shared detail head
(``detail``) read the 48 values again, so a correction can differ pixel by pixel within a block
(1.47 GMAC at 640×368 with both, against 1.37 without). What the correction still cannot
cancel pixel by pixel (sensor noise, faint streaks) a gated guided filter smooths at full
resolution (``smoother``, see smoother.py), and where the parser sees rain or snow the bright
remains narrower than 3 pixels are opened away (``despeckle``, see despeckle.py) and what went
below the input's lower envelope is raised back towards it (``bounds``, see bounds.py; its
ceiling, the input itself, is off in the shipped graphs).
Normalisation layers are left out (GroupNorm costs a reshape + instance-norm per block on onnxruntime's CPU provider); FiLM from
the time embedding modulates each residual block instead.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .despeckle import despeckle
from .bounds import rain_snow_bounds
from .smoother import OutputSmoother

N_FACTORS = 4
UNSHUFFLE = 4  # backbone scale; maps are produced at this scale too


@dataclass(frozen=True)
class F2DConfig:
    """Widths of one configuration. ``lite`` is the real-time default."""
    widths: tuple[int, int, int] = (24, 48, 96)   # backbone channels at 1/4, 1/8, 1/16
    emb: int = 64                                  # time-embedding width
    expert: int = 16                               # expert branch width
    parser: int = 16                               # parser base width
    freq: int = 32                                 # frequency-embedding width
    heads: int = 4                                 # channel-attention heads
    mid_blocks: int = 2                            # residual blocks in the bottleneck
    detail: int = 0                                # width of the sub-pixel detail head (0: none)
    expert_pixels: bool = False                    # experts also read the input's 4×4 blocks
    smoother: bool = False                         # gated edge-preserving smoothing of the output
    despeckle: bool = False                        # thin bright remains opened away under rain and snow
    bounds: bool = False                           # under rain and snow, no darker than the input's lower envelope

    def to_dict(self) -> dict:
        return asdict(self)


CONFIGS = {
    "lite": F2DConfig(detail=32, expert_pixels=True, smoother=True, despeckle=True, bounds=True),
    # base is lite with twice the channels and one more bottleneck block, and the same embeddings,
    # parser and gate, so f2dnet.grow can start it from the lite campaign's weights
    "base": F2DConfig(widths=(48, 96, 192), emb=64, expert=32, parser=16, freq=32, mid_blocks=3, detail=32,
                      expert_pixels=True, smoother=True, despeckle=True, bounds=True),
    "tiny": F2DConfig(widths=(8, 16, 16), emb=16, expert=4, parser=4, freq=8, heads=2, mid_blocks=1),
}

SIZE_MULTIPLE = UNSHUFFLE * 4  # unshuffle ×4, then two stride-2 levels


def timestep_embedding(k: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of the integer step index k (not normalised, as in f2net)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=k.device) / (half - 1))
    args = k.float().view(-1, 1) * freqs.view(1, -1)
    return torch.cat([torch.sin(args), torch.cos(args)], 1)


# --------------------------------------------------------------------------------- parser
class DegradationParser(nn.Module):
    """Per-pixel maps (at 1/4 scale) and global sigmoid weights of low, haze, rain, snow.

    Runs once per image (no time input); the runtime may reuse its outputs across frames.
    """

    def __init__(self, base: int = 16):
        super().__init__()
        c1, c2, c3 = base, base * 2, base * 4
        act = nn.LeakyReLU(0.2)
        self.enc2 = nn.Sequential(nn.Conv2d(3, c1, 3, 2, 1), act)          # 1/2
        self.enc4 = nn.Sequential(nn.Conv2d(c1, c2, 3, 2, 1), act)          # 1/4
        self.enc8 = nn.Sequential(nn.Conv2d(c2, c3, 3, 2, 1), act)          # 1/8
        self.enc16 = nn.Sequential(nn.Conv2d(c3, c3, 3, 2, 1), act,
                                   nn.Conv2d(c3, c3, 3, 1, 1), act)         # 1/16
        self.weights_head = nn.Sequential(nn.Linear(c3, c3), act, nn.Linear(c3, N_FACTORS))
        self.logits_head = nn.Sequential(nn.Linear(c3, c3), act, nn.Linear(c3, N_FACTORS))
        self.ctx = nn.Conv2d(c3, c2, 1)
        self.maps_head = nn.Sequential(nn.Conv2d(c2 * 2, c2, 1), act, nn.Conv2d(c2, N_FACTORS, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: [B,3,H,W] in [-1,1] → (maps [B,4,H/4,W/4], weights [B,4], logits [B,4])."""
        f4 = self.enc4(self.enc2(x))
        f16 = self.enc16(self.enc8(f4))
        g = f16.mean((2, 3))
        weights = torch.sigmoid(self.weights_head(g))
        logits = self.logits_head(g)
        # local context from 1/16 plus the global descriptor, so a map can tell haze (global)
        # from rain or snow (local) at each pixel
        ctx = F.interpolate(self.ctx(f16), size=f4.shape[2:], mode="bilinear", align_corners=False)
        ctx = ctx + self.ctx(g[:, :, None, None])
        maps = torch.sigmoid(self.maps_head(torch.cat([f4, ctx], 1)))
        return maps, weights, logits


# --------------------------------------------------------------------------------- backbone
class ResBlock(nn.Module):
    """conv-SiLU-FiLM(temb)-conv with a skip; FiLM = h·(1+s)+b from the time embedding."""

    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.film = nn.Linear(emb, 2 * cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.conv1(x))
        s, b = self.film(F.silu(temb)).chunk(2, 1)
        h = h * (1 + s[:, :, None, None]) + b[:, :, None, None]
        return self.skip(x) + self.conv2(h)


class ChannelAttention(nn.Module):
    """Restormer-style transposed self-attention (C/h × C/h per head) plus a 1×1 FFN."""

    def __init__(self, c: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.dw = nn.Conv2d(3 * c, 3 * c, 3, 1, 1, groups=3 * c)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.proj = nn.Conv2d(c, c, 1)
        self.ffn = nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.GELU(), nn.Conv2d(2 * c, c, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.dw(self.qkv(x)).chunk(3, 1)
        q = F.normalize(q.reshape(b, self.heads, c // self.heads, h * w), dim=-1)
        k = F.normalize(k.reshape(b, self.heads, c // self.heads, h * w), dim=-1)
        v = v.reshape(b, self.heads, c // self.heads, h * w)
        attn = torch.softmax(q @ k.transpose(-2, -1) * self.temperature, -1)
        x = x + self.proj((attn @ v).reshape(b, c, h, w))
        return x + self.ffn(x)


class FrequencyEmbedding(nn.Module):
    """Fixed Laplacian → GELU → global pool → MLP: a descriptor of high-frequency content."""

    def __init__(self, c: int, out: int):
        super().__init__()
        lap = torch.tensor([[-1., -1., -1.], [-1., 8., -1.], [-1., -1., -1.]])
        self.register_buffer("laplacian", lap.expand(c, 1, 3, 3).clone())
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hf = F.gelu(F.conv2d(x, self.laplacian, padding=1, groups=x.shape[1]))
        return self.mlp(hf.mean((2, 3)))


class Expert(nn.Module):
    """A light branch with its own dilation (1..4), SE, and a zero-initialised output.

    With ``pixels``, its input also reads the frame's own 4×4 blocks (``px``, zero-initialised,
    so a trained expert gains it as a no-op): h holds only c1 channels of each block's 48
    values, too few to say which pixels of the block a 1–3 px flake or streak covers, and an
    expert that reads h alone subtracts it from the whole block (the dark squares left where
    flakes were).
    """

    def __init__(self, cin: int, width: int, dilation: int, pixels: bool = False):
        super().__init__()
        self.inp = nn.Conv2d(cin, width, 1)
        self.px = nn.Conv2d(3 * UNSHUFFLE ** 2, width, 1, bias=False) if pixels else None
        if self.px is not None:
            nn.init.zeros_(self.px.weight)
        self.conv1 = nn.Conv2d(width, width, 3, 1, dilation, dilation=dilation)
        self.conv2 = nn.Conv2d(width, width, 1)
        self.se = nn.Sequential(nn.Conv2d(width, max(width // 4, 1), 1, bias=False), nn.SiLU(),
                                nn.Conv2d(max(width // 4, 1), width, 1, bias=False), nn.Sigmoid())
        self.out = nn.Conv2d(width, 3 * UNSHUFFLE ** 2, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def features(self, h: torch.Tensor, xu: torch.Tensor | None = None) -> torch.Tensor:
        """Everything up to the last (linear) 1×1 projection; ``xu`` the unshuffled input."""
        z = self.inp(h)
        if self.px is not None:
            z = z + self.px(xu)
        return self.body(z)

    def body(self, z: torch.Tensor) -> torch.Tensor:
        """From the input projection on (the export computes that projection itself)."""
        x = F.silu(self.conv1(z))
        x = F.silu(self.conv2(x))
        return x * self.se(x.mean((2, 3), keepdim=True))

    def forward(self, h: torch.Tensor, xu: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.features(h, xu))


class DetailHead(nn.Module):
    """A shared branch that sees the input's own 4×4 pixel blocks beside the backbone's features.

    Everything else reaches the output through h, and the input reaches h through one 1×1
    convolution of its 48 sub-pixel values to c1 (24 in lite) channels: the exact shape of a
    1–3 px snowflake or rain streak inside its block is lost there, so the experts subtract
    a whole block's worth (the dark square holes left where flakes were). This head reads the
    48 values again, with the features for context, and corrects the output per pixel:
    1×1 → SiLU → depthwise 3×3 → SiLU → 1×1 (zero-initialised, so a grown model starts as
    the one it grew from). About 60 MMAC at 640×360, a few % of the restorer.
    """

    def __init__(self, c_features: int, width: int):
        super().__init__()
        self.inp = nn.Conv2d(c_features + 3 * UNSHUFFLE ** 2, width, 1)
        self.dw = nn.Conv2d(width, width, 3, 1, 1, groups=width)
        self.out = nn.Conv2d(width, 3 * UNSHUFFLE ** 2, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def features(self, h: torch.Tensor, xu: torch.Tensor) -> torch.Tensor:
        """Everything up to the last (linear) 1×1 projection."""
        return F.silu(self.dw(F.silu(self.inp(torch.cat([h, xu], 1)))))

    def forward(self, h: torch.Tensor, xu: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(h, xu))


class F2DNet(nn.Module):
    """The full model: ``forward(x_t, k, x_cond, maps, weights)`` → (f, alpha)."""

    def __init__(self, cfg: F2DConfig = CONFIGS["lite"]):
        super().__init__()
        self.cfg = cfg
        c1, c2, c3 = cfg.widths
        e = cfg.emb
        self.parser = DegradationParser(cfg.parser)
        self.time_mlp = nn.Sequential(nn.Linear(e, 2 * e), nn.SiLU(), nn.Linear(2 * e, e))
        self.inp = nn.Conv2d(6 * UNSHUFFLE ** 2, c1, 1)
        self.enc1 = ResBlock(c1, c1, e)
        self.down1 = nn.Conv2d(c1, c2, 3, 2, 1)
        self.enc2 = ResBlock(c2, c2, e)
        self.down2 = nn.Conv2d(c2, c3, 3, 2, 1)
        self.mid = nn.ModuleList([ResBlock(c3, c3, e) for _ in range(cfg.mid_blocks)])
        self.attn = ChannelAttention(c3, cfg.heads)
        self.freq = FrequencyEmbedding(c3, cfg.freq)
        # 1×1 after bilinear upsampling: a 3×3 here costs as much as a whole residual block
        self.up2 = nn.Conv2d(c3, c2, 1)
        # skips are added, not concatenated (as NAFNet does): same reach, a third less work
        self.dec2 = ResBlock(c2, c2, e)
        self.up1 = nn.Conv2d(c2, c1, 1)
        self.dec1 = ResBlock(c1, c1, e)
        self.head = nn.Conv2d(c1, 3 * UNSHUFFLE ** 2, 1)
        self.experts = nn.ModuleList([Expert(c1, cfg.expert, 1 + i, cfg.expert_pixels) for i in range(N_FACTORS)])
        self.detail = DetailHead(c1, cfg.detail) if cfg.detail > 0 else None
        self.smoother = OutputSmoother(c1, N_FACTORS) if cfg.smoother else None
        gate_in = e + N_FACTORS + N_FACTORS + cfg.freq
        self.gate = nn.Sequential(nn.Linear(gate_in, gate_in // 2), nn.SiLU(), nn.Linear(gate_in // 2, N_FACTORS))
        self.gate_noise = 0.075  # training-only exploration noise on the gate logits
        # f2dnet.train's option despeckle_in_training: the step can be left out of the training
        # forward only (eval mode, the export and the runtime always run it when cfg.despeckle)
        self.despeckle_in_training = True

    def forward(self, x_t: torch.Tensor, k: torch.Tensor, x_cond: torch.Tensor,
                maps: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All images [B,3,H,W] in [-1,1], H and W multiples of SIZE_MULTIPLE; k [B] ints.

        Returns f [B,3,H,W] (the predicted residual μ̂ − x_t) and the gate α [B,4].
        """
        v, alpha, h = self.forward_subpixel(F.pixel_unshuffle(x_t, UNSHUFFLE), k,
                                            F.pixel_unshuffle(x_cond, UNSHUFFLE), maps, weights)
        f = F.pixel_shuffle(v, UNSHUFFLE)
        if self.smoother is not None:
            # the smoothing acts on the predicted clean image μ̂ = x_t + f, so f stays its residual
            f = self.smoother(x_t + f, self.smoother.gates(h, maps)) - x_t
        if self.cfg.despeckle and (self.despeckle_in_training or not self.training):
            # the parser's maps say where rain and snow are; they are not trained to steer this step
            f = despeckle(x_t + f, maps.detach(), weights.detach()) - x_t
        if self.cfg.bounds and not self.training:
            # at inference only: in training it would hide from the loss the errors it corrects
            f = rain_snow_bounds(x_t + f, x_cond, maps, weights) - x_t
        return f, alpha

    def forward_subpixel(self, xu_t: torch.Tensor, k: torch.Tensor, xu_cond: torch.Tensor,
                         maps: torch.Tensor, weights: torch.Tensor,
                         same_input: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The model on pixel-unshuffled images ([B,48,H/4,W/4]); returns f unshuffled (before
        the smoother, which works at full resolution), the gate α and the last features h.

        The exported graph works in this domain up to the output, so the only full-resolution
        work is one uint8 transpose in and one out, and the smoother. ``same_input`` (x_t is x_cond, as at k = 0)
        folds the two halves of the input convolution into one.
        """
        temb = self.time_mlp(timestep_embedding(k, self.cfg.emb))
        if same_input:
            s1 = F.conv2d(xu_cond, self.folded_input_weight(), self.inp.bias)
        else:
            s1 = self.inp(torch.cat([xu_t, xu_cond], 1))
        h, alpha = self.trunk(s1, temb, maps, weights)

        # Factorized output, composed on 4×4 sub-pixel blocks (m_i is constant within a block):
        # v_share + Σ α_i · m_i ⊙ Δv_i.
        v = self.head(h)
        for i, expert in enumerate(self.experts):
            v = v + alpha[:, i, None, None, None] * maps[:, i:i + 1] * expert(h, xu_cond)
        if self.detail is not None:
            v = v + self.detail(h, xu_cond)
        return v, alpha, h

    def folded_input_weight(self) -> torch.Tensor:
        """The input 1×1 convolution when x_t = x_cond: its two input halves summed."""
        half = 3 * UNSHUFFLE ** 2
        return self.inp.weight[:, :half] + self.inp.weight[:, half:]

    def trunk(self, s1: torch.Tensor, temb: torch.Tensor, maps: torch.Tensor,
              weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Backbone from the embedded input to h_final (1/4 scale), and the gate α."""
        s1 = self.enc1(s1, temb)
        s2 = self.enc2(self.down1(F.silu(s1)), temb)
        h = self.down2(F.silu(s2))
        for block in self.mid:
            h = block(h, temb)
        h = self.attn(h)
        freq = self.freq(h)
        h = self.up2(F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False))
        h = self.dec2(h + s2, temb)
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False))
        h = F.silu(self.dec1(h + s1, temb))

        wn = weights / (weights.sum(1, keepdim=True) + 1e-6)
        logits = self.gate(torch.cat([temb, wn, maps.mean((2, 3)), freq], 1))
        if self.training and self.gate_noise > 0:
            logits = logits + torch.randn_like(logits) * self.gate_noise
        return h, torch.softmax(logits, 1)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
