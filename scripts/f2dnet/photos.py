"""Gather the training photographs listed in ``scripts/sources/photo-sources.tsv``.

Every photo ships inside a Debian package: the package is fetched with ``apt-get download``
and unpacked with ``dpkg -x`` into a scratch folder (never installed). gcompris keeps its
WebP files inside Qt ``.rcc`` bundles, read with :mod:`f2dnet.rcc`. Each photo is converted
to RGB PNG (long side capped), recorded with its package, version and licence, and assigned
to the train or validation split by a stable hash, stratified by scene tag.

Usage::

    python3 -m f2dnet.photos --out scripts/data/photos
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from .rcc import RccBundle

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
# Tag X marks photos that are already degraded: they cannot serve as clean targets.
CLEAN_TAGS = {"S", "L", "O", "I"}
VAL_FRACTION = 0.15


def read_sources(tsv: Path) -> list[dict]:
    with tsv.open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_licences(md: Path) -> dict[str, str]:
    """Map package name → licence text from the table in photo-licences.md."""
    out: dict[str, str] = {}
    for line in md.read_text().splitlines():
        m = re.match(r"\|\s*([a-z0-9.+-]+)\s*\(([^)]*)\)\s*\|\s*(.+?)\s*\|$", line)
        if m:
            out[m.group(1)] = f"{m.group(3)} (Debian {m.group(1)} {m.group(2)})"
    return out


def fetch_package(pkg: str, cache: Path) -> tuple[Path, str]:
    """Download and unpack ``pkg`` into ``cache/<pkg>/``; returns (root, version)."""
    root = cache / pkg
    stamp = root / ".version"
    if stamp.exists():
        return root, stamp.read_text().strip()
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    existing = sorted(debs.glob(f"{pkg}_*.deb"))
    if not existing:
        res = subprocess.run(["apt-get", "download", pkg], cwd=debs, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(
                f"apt-get download {pkg} failed: {res.stderr.strip()}\n"
                "hint: run `apt-get update` first; the package must be in Debian's archive")
        existing = sorted(debs.glob(f"{pkg}_*.deb"))
    deb = existing[-1]
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True,
                             text=True, check=True).stdout.strip()
    stamp.write_text(version)
    return root, version


def read_photo_bytes(root: Path, path: str, rcc_cache: dict) -> bytes:
    if path.startswith("gcompris:"):
        bundle_name, inner = path[len("gcompris:"):].split("/", 1)
        rcc_path = root / "usr/share/gcompris-qt/rcc" / f"{bundle_name}.rcc"
        if rcc_path not in rcc_cache:
            rcc_cache[rcc_path] = RccBundle(rcc_path)
        return rcc_cache[rcc_path].read(inner)
    return (root / path).read_bytes()


def licence_from_copyright(root: Path, pkg: str) -> str:
    """The distinct ``License:`` names of a package's Debian copyright file."""
    path = root / "usr/share/doc" / pkg / "copyright"
    if not path.exists():
        return "see the package's Debian copyright file"
    names = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("License:"):
            name = line.split(":", 1)[1].strip()
            if name and name not in names:
                names.append(name)
    return f"{' AND/OR '.join(names) or 'unstated'} (Debian {pkg} copyright file)"


def split_of(pkg: str, path: str) -> str:
    h = int(hashlib.sha1(f"{pkg}/{path}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if h < VAL_FRACTION else "train"


def to_rgb_png(data: bytes, max_side: int) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    img = img.convert("RGB")
    scale = max_side / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    return img


def gather(out: Path, cache: Path, max_side: int) -> dict:
    rows = read_sources(SOURCES_DIR / "photo-sources.tsv")
    licences = read_licences(SOURCES_DIR / "photo-licences.md")
    records, failures, rcc_cache = [], [], {}
    versions: dict[str, str] = {}
    for row in rows:
        pkg, path, tag = row["package"], row["path"], row["tag"]
        if tag not in CLEAN_TAGS:
            continue
        try:
            if pkg not in versions:
                root, versions[pkg] = fetch_package(pkg, cache)
            root = cache / pkg
            img = to_rgb_png(read_photo_bytes(root, path, rcc_cache), max_side)
        except Exception as err:  # one bad file must not lose the rest: record and go on
            failures.append({"package": pkg, "path": path, "error": str(err)})
            continue
        split = split_of(pkg, path)
        name = f"{pkg}__{Path(path).stem}"
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        dest = out / split / f"{name}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        img.save(dest)
        records.append({"file": f"{split}/{dest.name}", "package": pkg, "version": versions[pkg],
                        "source_path": path, "tag": tag, "split": split,
                        "width": img.width, "height": img.height,
                        "licence": licences.get(pkg) or licence_from_copyright(cache / pkg, pkg)})
    manifest = {"count": len(records), "failures": failures, "photos": records,
                "splits": {s: sum(r["split"] == s for r in records) for s in ("train", "val")}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("scripts/data/photos"))
    ap.add_argument("--cache", type=Path, default=Path("scripts/data/debian"))
    ap.add_argument("--max-side", type=int, default=1280)
    args = ap.parse_args(argv)
    m = gather(args.out, args.cache, args.max_side)
    print(f"gathered {m['count']} photos ({m['splits']}) into {args.out}; "
          f"{len(m['failures'])} failed", file=sys.stderr)
    for f in m["failures"][:20]:
        print(f"  failed: {f['package']} {f['path']}: {f['error']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
