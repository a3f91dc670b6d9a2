"""Under rain and snow, the input bounds the restoration: from above by itself, from below by its
lower envelope.

Rain and snow only ever add light: a streak or a flake brightens the pixels it covers, and the
scene between them is the scene. So where the parser sees rain or snow:

* **ceiling**: the restoration is no brighter than the input. The restorer lifts contrast, and
  on rain and snow it brightens some pixels that the weather could only have brightened
  further. Low light is the exception (restoring it brightens everything), so the step is
  weighed down by (1 − low-light weight)⁴. Haze is not: dehazing brightens a pixel only where
  it is brighter than the airlight.
* **floor**: the restoration is no darker than the input's lower envelope. The restorer
  corrects 4×4 blocks and darkens more than it takes off: the pixels around a streak go down
  with it, and dark parts of the frame come out darker than the scene. The grey-level opening
  over 15×15 pixels takes off every bright thing narrower than 15 pixels (streaks, specks, most
  flakes) and keeps the rest, edges and dark detail included; it sits below the scene wherever
  dark detail is closer than 15 pixels, so it asks for little there. Haze takes light away
  legitimately (a dehazed frame belongs below its input's envelope), so this step is weighed
  down by (1 − haze weight)⁴.

Each pixel moves towards its bound by the larger rain or snow map times the larger of their
weights (the despeckle step's strength), times the factor above. Measured as fixed steps on the
shipped lite-snow3 (scripts/README.md): the floor alone, full `f2d eval`, independent rain
+0.53 dB, snow +0.34, training synthesis rain +0.25, snow +0.09, every other configuration
within ±0.02; with (1 − haze)² instead of ⁴ the hazy mixtures lost up to 0.08, with no haze term
1.4. Shifting the envelope by the restoration's own large-scale darkening (so haze could keep
it) took the gain away: what the floor corrects is mostly that frame-wide darkening, not the
block damage alone. The ceiling added 0.02–0.10 dB on rain and snow of both synthesisers
(16 validation photos each), 0.02 dB to both means on the full evaluation.

Cost, in onnxruntime at 640×360 on two cores: both steps with the exact opening at full
resolution added 5–8 ms to a restorer of 29–30 ms. The opening at half resolution, or at a
quarter, did not make it much cheaper (the floor alone still about 3–4 ms): the rest is the
full-resolution elementwise work on three channels. So the shipped graphs have the floor alone
(``CEILING``), with the opening at half resolution.

No parameters; the gates are the parser's, taken as they are. The steps run at inference only
(the export, and the model in eval mode): in training they would hide from the loss the very
errors they correct.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .despeckle import despeckle_strength

SIZE = 15        # structuring element of the envelope: brighter things narrower than this are not scene
LOW, HAZE = 0, 1  # factor channels of the parser's weights
POWER = 4        # how fast low light turns the ceiling off, and haze the floor
# The ceiling added 0.02 dB to both synthesisers' means for four more full-resolution
# operations on three channels: off in the shipped graphs, where the restorer has to stay real
# time on two cores.
CEILING = False


def _min_max_pool(image: torch.Tensor, size: int, take_max: bool) -> torch.Tensor:
    """A size×size minimum or maximum, as a horizontal then a vertical pass (edges replicated)."""
    p = size // 2
    x = image if take_max else -image
    x = F.max_pool2d(F.pad(x, (p, p, 0, 0), mode="replicate"), (1, size), stride=1)
    x = F.max_pool2d(F.pad(x, (0, 0, p, p), mode="replicate"), (size, 1), stride=1)
    return x if take_max else -x


def lower_envelope(image: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """The grey-level opening per channel with a size×size square, computed at half resolution
    (never above ``image``; H and W even).

    The minimum of each 2×2 block, an opening of (size // 2) × (size // 2) on those, each value
    back on its block, then the minimum with the image: a quarter of the pixels and half the taps
    of the exact opening (four separable poolings). It keeps what is wider than about ``size``
    pixels and takes off what is narrower, as the exact opening does, with block edges at even
    coordinates.
    """
    half = size // 2
    blocks = -F.max_pool2d(-image, 2, stride=2)
    opened = _min_max_pool(_min_max_pool(blocks, half, take_max=False), half, take_max=True)
    return torch.minimum(image, F.interpolate(opened, scale_factor=2.0, mode="nearest"))


def _turned_down(weights: torch.Tensor, factor: int) -> torch.Tensor:
    """[B,1,1,1]: (1 − the factor's weight)^POWER."""
    return (1 - weights[:, factor]).clamp(0, 1).pow(POWER).view(-1, 1, 1, 1)


def rain_snow_bounds(restored: torch.Tensor, degraded: torch.Tensor, maps: torch.Tensor,
                     weights: torch.Tensor, ceiling: bool = CEILING) -> torch.Tensor:
    """``restored`` [B,3,H,W] moved towards ``degraded``'s lower envelope where it is darker
    than that (and, with ``ceiling``, towards ``degraded`` where it is brighter), under rain or
    snow (both images in the same range; maps [B,4,h,w] and weights [B,4] the parser's)."""
    strength = despeckle_strength(maps, weights, restored.shape[-2:])
    below = (lower_envelope(degraded) - restored).clamp(min=0)
    out = restored + strength * _turned_down(weights, HAZE) * below
    if ceiling:
        out = out - strength * _turned_down(weights, LOW) * (restored - degraded).clamp(min=0)
    return out
