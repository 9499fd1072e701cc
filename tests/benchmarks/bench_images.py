"""Benchmark the design pipeline against the straightforward one. A script, not a test:

    .venv/bin/python -m tests.benchmarks.bench_images [--runs 5]

It draws two realistic test files with Pillow (gradients, a soft pattern, grain and hard-edged shapes:
a 4000x4000 RGB PNG and a 6000x4000 JPEG at quality 92 carrying EXIF and GPS), times both pipelines
alternately, measures each one's peak memory in a fresh subprocess, and prints a table with PASS/FAIL
against the targets: process_design at most 0.75x the straightforward time (medians) for both files,
and at most 180 MiB peak for the PNG.

Peak memory is the kernel's resident high-water mark (so Pillow's C allocations count; tracemalloc misses
them) minus the same figure taken after the imports and a warm-up on a tiny image (lazily loaded codecs and
modules are baseline for both). The input bytes, read after that, count as the pipeline's. On Linux the
figure is VmHWM from /proc/self/status: ``ru_maxrss`` survives exec, so a child would report its parent's
peak (this script's, after drawing a 24-megapixel image) instead of its own.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageDraw

from contest.designs import images as designs

TIME_RATIO_TARGET = 0.75
PNG_MEMORY_TARGET_MIB = 180
WIDTHS = (1200, 600, 300)


def straightforward(data: bytes) -> dict[int, bytes]:
    """The reference: open, then three full-size copies, each thumbnailed and saved with default settings."""
    image = Image.open(io.BytesIO(data))
    out = {}
    for width in WIDTHS:
        copy = image.copy()
        copy.thumbnail((width, width))
        buffer = io.BytesIO()
        copy.save(buffer, "WEBP")
        out[width] = buffer.getvalue()
    return out


def ours(data: bytes) -> designs.ProcessedDesign:
    return designs.process_design(data, rendition_widths=WIDTHS)


PIPELINES: dict[str, Callable[[bytes], object]] = {"straightforward": straightforward, "process_design": ours}


def draw_design(width: int, height: int, *, seed: int, grain: float = 4.0) -> Image.Image:
    """Something like a digital painting: smooth colour fields, a soft pattern, film grain, hard shapes."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    pixels = np.empty((height, width, 3), np.float32)
    pixels[..., 0] = 40 + 180 * x + 20 * y
    pixels[..., 1] = 30 + 160 * y + 30 * np.sin(7 * x)
    pixels[..., 2] = 128 + 90 * np.sin(9 * x) * np.cos(6 * y)
    for channel in range(3):
        pixels[..., channel] += rng.standard_normal((height, width), dtype=np.float32) * grain
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    del pixels
    draw = ImageDraw.Draw(image)
    for _ in range(80):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(width // 40, width // 6))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = (draw.ellipse, draw.rectangle, draw.line)[int(rng.integers(0, 3))]
        if shape is draw.line:
            draw.line((x0, y0, x0 + size, y0 + size // 2), fill=colour, width=max(3, width // 400))
        else:
            shape((x0, y0, x0 + size, y0 + size), fill=colour)
    return image


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchCam"
    exif[ExifTags.Base.Model] = "BC-1"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = "2024:05:01 12:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 41.0)
    return exif


def make_inputs(folder: Path) -> dict[str, Path]:
    png, jpeg = folder / "design-4000x4000.png", folder / "photo-6000x4000.jpg"
    draw_design(4000, 4000, seed=1).save(png, "PNG")
    draw_design(6000, 4000, seed=2).save(jpeg, "JPEG", quality=92, exif=camera_exif())
    return {"PNG 4000x4000 RGB": png, "JPEG 6000x4000 q92": jpeg}


def time_pipelines(data: bytes, runs: int) -> dict[str, list[float]]:
    """Alternate the two pipelines so that a noisy neighbour slows both alike; one warm-up run each."""
    times: dict[str, list[float]] = {name: [] for name in PIPELINES}
    for run in range(runs + 1):
        for name, pipeline in PIPELINES.items():
            start = time.perf_counter()
            pipeline(data)
            if run:
                times[name].append(time.perf_counter() - start)
    return times


def max_rss_mib() -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


def memory_child(name: str, path: str) -> None:
    """Run in a fresh interpreter: print the pipeline's peak memory above the post-import baseline."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(buffer, "PNG")
    for pipeline in PIPELINES.values():
        pipeline(buffer.getvalue())  # load codecs and lazily imported modules (scipy for the pHash) now
    baseline = max_rss_mib()
    data = Path(path).read_bytes()
    PIPELINES[name](data)
    print(f"{max_rss_mib() - baseline:.1f}")


def measure_memory(name: str, path: Path) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_images", "--memory-child", name, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return float(result.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per pipeline and file (default 5)")
    parser.add_argument("--memory-child", nargs=2, metavar=("PIPELINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return 0

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Pillow {Image.__version__}, deflate for masters: {designs.DEFLATE_BACKEND}, CPUs: {cpus}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > 0.5:
        print(f"note: load average {load:.1f} before starting; other work on the machine makes timings noisy")
    failures = 0
    table = [
        f"{'file':<19} {'pipeline':<16} {'median ms':>9} {'min ms':>7} {'ratio':>6} {'time':>5} "
        f"{'peak MiB':>8} {'memory':>6}"
    ]
    details = []
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        print("drawing the test files ...", flush=True)
        inputs = make_inputs(Path(tmp))
        for label, path in inputs.items():
            data = path.read_bytes()
            print(f"{label}: {len(data) / 1_048_576:.1f} MiB; timing {args.runs} runs each ...", flush=True)
            times = time_pipelines(data, args.runs)
            memory = {name: measure_memory(name, path) for name in PIPELINES}
            medians = {name: statistics.median(runs) for name, runs in times.items()}
            ratio = medians["process_design"] / medians["straightforward"]
            time_ok = ratio <= TIME_RATIO_TARGET
            memory_ok = memory["process_design"] <= PNG_MEMORY_TARGET_MIB if label.startswith("PNG") else None
            failures += (not time_ok) + (memory_ok is False)
            for name in PIPELINES:
                ours_row = name == "process_design"
                ratio_text, time_text = (f"{ratio:.2f}", verdict(time_ok)) if ours_row else ("", "")
                memory_text = verdict(memory_ok) if ours_row and memory_ok is not None else ""
                table.append(
                    f"{label:<19} {name:<16} {medians[name] * 1000:>9.0f} {min(times[name]) * 1000:>7.0f} "
                    f"{ratio_text:>6} {time_text:>5} {memory[name]:>8.1f} {memory_text:>6}"
                )
            result = ours(data)
            sizes = ", ".join(f"{w}: {len(b) / 1024:.0f} KiB" for w, b in result.renditions.items())
            master_mib = len(result.master) / 1_048_576
            details.append(
                f"{label}: input {len(data) / 1_048_576:.1f} MiB -> master {master_mib:.1f} MiB "
                f"({result.width}x{result.height}); WebP {sizes}; pHash {result.phash}"
            )
    print()
    print("\n".join(table[:1] + ["-" * len(table[0])] + table[1:]))
    print(
        f"targets: process_design median <= {TIME_RATIO_TARGET} x straightforward median (both files); "
        f"peak <= {PNG_MEMORY_TARGET_MIB} MiB (PNG)"
    )
    print()
    print("\n".join(details))
    print()
    print("ALL PASS" if failures == 0 else f"{failures} FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
