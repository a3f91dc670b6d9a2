"""Bright specks and thin streaks left on the restoration, taken off where the parser sees rain or snow.

The restorer corrects 4×4 blocks, and what it leaves of a flake or a streak is a bright thing a
pixel or two wide: too thin for the blocks, and too bright for the output smoother, which
averages it into its neighbours rather than removing it. A morphological opening (the minimum
over 3×3 pixels, then the maximum over 3×3 of that) removes exactly the bright structures
narrower than 3 pixels and keeps everything wider, edges included; the step lowers each pixel
towards its opening by the parser's rain or snow map times its weight, so a clear frame, or a
hazy or dark one, is left alone.

Measured as a fixed step on the restorations of stage lite-snow3 midway (16 validation photos
at 384 px, PSNR per photo): independent rain +0.25 dB, snow +0.25, haze_snow +0.11, low_rain
−0.05; training synthesis rain +0.19, snow +0.13 (scripts/README.md). Wider openings (5, 7) or
a horizontal 1×5 line did no better over rain and snow together. It has no parameters: the
gate is the parser's, taken as it is (detached in training, so the parser's maps keep saying
where rain and snow are rather than learning to steer this step). The cost is two poolings
over the full-resolution frame.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

SIZE = 3  # structuring element: bright things narrower than this are taken off
RAIN, SNOW = 2, 3  # factor channels of the parser's maps and weights


def opening(image: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """Grey-level opening per channel with a size×size square; never above ``image``."""
    p = size // 2
    eroded = -F.max_pool2d(F.pad(-image, (p, p, p, p), mode="replicate"), size, stride=1)
    return F.max_pool2d(F.pad(eroded, (p, p, p, p), mode="replicate"), size, stride=1)


def despeckle_strength(maps: torch.Tensor, weights: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """[B,1,H,W] in [0,1]: the larger of the rain and snow maps (1/4 scale, upsampled bilinearly)
    times the larger of their weights."""
    local = maps[:, RAIN:SNOW + 1].amax(1, keepdim=True)
    overall = weights[:, RAIN:SNOW + 1].amax(1).view(-1, 1, 1, 1)
    return F.interpolate(local * overall, size=size, mode="bilinear", align_corners=False)


def despeckle(image: torch.Tensor, maps: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``image`` [B,3,H,W] (any range) with its thin bright remains lowered where rain or snow is."""
    strength = despeckle_strength(maps, weights, image.shape[-2:])
    return image - strength * (image - opening(image))
