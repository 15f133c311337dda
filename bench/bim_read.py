"""Reading time and peak memory of a BIM model (issue #15): the reading's child process (projects.bim.reading, the
same command the Celery task starts) on the largest samples — a generated building whose IFC weighs about 50 MB
(projects.bim.samples.build_ifc, `bays` × `bays` cells on `storeys` storeys) and the real sample of the tests
(tests/data/ifc/) — each read `--runs` times. Peak memory is the child's maximum resident set as the kernel
counts it (wait4), what the model's `peak_memory_kb` records. Writes bench/results/bim-<date>.md and
bench/out/bim-read/read.json. Run by bench/bim.sh; needs no database (the child never touches it).

    bim_read.py [--out DIR] [--bays 28] [--storeys 10] [--runs 3]"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "ifc" / "ifcjs-test-revit2021.ifc"


def build(out: Path, bays: int, storeys: int) -> tuple[Path, float | None]:
    """The generated building (kept in `out` and reused), and how long building it took (None: reused)."""
    path = out / f"building-{bays}x{bays}x{storeys}.ifc"
    if path.exists():
        return path, None
    sys.path.insert(0, str(ROOT))
    from projects.bim.samples import build_ifc

    started = time.monotonic()
    build_ifc(path.with_suffix(".tmp"), bays=bays, storeys=storeys)
    path.with_suffix(".tmp").rename(path)
    return path, time.monotonic() - started


def read_once(source: Path) -> dict:
    """One reading in a fresh child process: wall seconds, peak RSS, and what it found."""
    with tempfile.TemporaryDirectory(prefix="bim-bench-") as tmp:
        read_end, write_end = os.pipe()
        started = time.monotonic()
        child = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "projects.bim.reading", str(source), tmp, str(write_end)],
            pass_fds=(write_end,), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        os.close(write_end)
        stages: dict[str, float] = {}
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                stage = json.loads(line).get("stage")
                if stage and stage not in stages:
                    stages[stage] = round(time.monotonic() - started, 2)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the reading of {source} failed (status {status})")
        result = json.loads((Path(tmp) / "result.json").read_text())
    return {"seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1), "stages": stages,
            "elements": len(result["elements"]),
            "with_geometry": sum(1 for e in result["elements"] if e["has_geometry"]),
            "glb_mb": round(result["glb"]["size"] / 1048576, 2), "meshes": result["glb"]["meshes"],
            "vertices": result["glb"]["vertices"], "triangles": result["glb"]["triangles"],
            "schema": result["schema"], "classes": len(result["class_counts"])}


def measure(source: Path, runs: int) -> dict:
    readings = [read_once(source) for _ in range(runs)]
    best = min(readings, key=lambda r: r["seconds"])
    return {**best, "ifc_mb": round(source.stat().st_size / 1048576, 1), "runs": runs,
            "seconds_all": [r["seconds"] for r in readings],
            "seconds_median": round(statistics.median(r["seconds"] for r in readings), 2),
            "peak_mb_max": max(r["peak_mb"] for r in readings)}


def report(figures: dict, built: float | None, out: Path) -> Path:
    import ifcopenshell

    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    path = ROOT / "bench" / "results" / f"bim-{today}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# BIM model reading (issue #15) — {today}", "",
             f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, IfcOpenShell "
             f"{ifcopenshell.version}. The reading's child process alone (`python -m projects.bim.reading`, as the "
             "Celery task starts it; geometry by IfcOpenShell's hybrid CGAL-simple/Open CASCADE kernel on one thread), each "
             "sample read "
             f"{next(iter(figures.values()))['runs']} times in a fresh process; best run shown, median beside it. "
             "Peak memory: the child's maximum resident set (wait4), as recorded in `BimModel.peak_memory_kb`. "
             "Writing the rows and the GLB into the database and storage afterwards is not included.", "",
             "| sample | IFC | schema | elements (with geometry) | read s (median) | peak memory | GLB | meshes | "
             "vertices | triangles |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['ifc_mb']} MB | {f['schema']} | {f['elements']:,} ({f['with_geometry']:,}) | "
                     f"{f['seconds']} ({f['seconds_median']}) | {f['peak_mb_max']} MB | {f['glb_mb']} MB | "
                     f"{f['meshes']} | {f['vertices']:,} | {f['triangles']:,} |")
    lines += ["", "Time to each stage of the best run (s from the start of the child): " + "; ".join(
        f"{name}: " + ", ".join(f"{stage} {t}" for stage, t in f["stages"].items()) for name, f in figures.items())]
    if built is not None:
        lines += ["", f"Building the generated IFC with IfcOpenShell's API took {built:.0f} s (kept for later runs)."]
    lines += ["", "Viewer first render: see bench/bim_viewer.sh (merged by the lead).", ""]
    path.write_text("\n".join(lines))
    (out / "read.json").write_text(json.dumps(figures, indent=1))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "bim-read")
    parser.add_argument("--bays", type=int, default=28)
    parser.add_argument("--storeys", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    big, built = build(args.out, args.bays, args.storeys)
    figures = {f"generated {args.bays}×{args.bays} bays × {args.storeys} storeys": measure(big, args.runs),
               f"real: {REAL.name} (Revit 2021)": measure(REAL, args.runs)}
    path = report(figures, built, args.out)
    print(path.read_text())


if __name__ == "__main__":
    main()
