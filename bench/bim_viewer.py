"""The BIM viewer's first render on a big model (issue #15: "opens on a 50 MB model in a few seconds"). Run by
bench/bim_viewer.sh, which serves the portal with gunicorn as production does; writes bench/out/bim/viewer.json
and prints the figures (the lead copies them into REPORT.md).

    bim_viewer.py setup   --out DIR [--bays 28] [--storeys 10]
                                                          (portal env) the generated building of bench/bim.sh
                                                          (projects.bim.samples: 28 × 28 bays on 10 storeys, about
                                                          50 MB of IFC; bench/out/bim-read/'s copy is reused, or
                                                          built there), read by the real reading code into a model
                                                          of a demo project; kept (and reused) in the database
    bim_viewer.py measure --out DIR --base URL [--runs 5] (portal env + Playwright) the owner opens the viewer in a
                                                          fresh browser context each run (nothing cached): the
                                                          time from navigation to the first frame drawn with the
                                                          model, and its parts (GLB download, parse, preparation)

The first render is `performance.mark("bim-first-render")` of static/js/bim-viewer.js: the first frame drawn
after the GLB is parsed and its element index built (the script reads back one pixel, so the mark waits for the
pixels, not for the commands to be queued), measured from the navigation's start (the page's HTML, its scripts,
the GLB over HTTP, the parse, the index, the colours, one WebGL frame). Chromium draws with SwiftShader (software
WebGL, no GPU on the bench machine, so without multisampling): a desktop with any GPU draws faster."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLE = "压测·大型综合楼模型"
PROJECT = "杭温高速铁路义乌至温州段"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--enable-unsafe-swiftshader"]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup(out: Path, bays: int, storeys: int) -> None:
    _django()
    import hashlib

    from django.core.files import File

    from portal.accounts.models import User
    from projects.bim import reading, samples
    from projects.models import BimModel, Project

    site = Project.objects.get(name=PROJECT)
    owner = User.objects.get(username="owner")
    title = f"{TITLE} {bays}×{bays}×{storeys}"
    model = BimModel.objects.filter(project=site, title=title, state="ready").order_by("-number").first()
    if model is None:
        shared = ROOT / "bench" / "out" / "bim-read"  # where bench/bim_read.py keeps the same building
        shared.mkdir(parents=True, exist_ok=True)
        path = shared / f"building-{bays}x{bays}x{storeys}.ifc"
        if not path.exists():
            started = time.monotonic()
            samples.build_ifc(path.with_suffix(".viewer-tmp"), bays=bays, storeys=storeys)
            path.with_suffix(".viewer-tmp").rename(path)  # bim_read.py may build it too
            print(f"built {path.name} in {time.monotonic() - started:.0f} s", flush=True)
        size = path.stat().st_size
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        number = (BimModel.objects.filter(project=site).order_by("-number").values_list("number", flat=True)
                  .first() or 0) + 1
        with path.open("rb") as fh:
            model = BimModel.objects.create(project=site, number=number, title=title, file=File(fh, name=path.name),
                                            original_name=path.name, size=size, sha256=digest, uploaded_by=owner)
        started = time.monotonic()
        reading.read_model(model.pk)
        model.refresh_from_db()
        if model.state != "ready":
            raise SystemExit(f"the big model was not read: {model.error}")
        print(f"read in {time.monotonic() - started:.1f} s", flush=True)
    facts = {"model": model.pk, "ifc_bytes": model.size, "glb_bytes": model.geometry_size or model.geometry.size,
             "elements": model.element_count, "read_seconds": model.read_seconds,
             "peak_memory_kb": model.peak_memory_kb}
    (out / "model.json").write_text(json.dumps(facts, indent=2))
    print(json.dumps(facts))


def measure(out: Path, base: str, runs: int) -> None:
    _django()
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    from portal.core.demo import DEMO_PASSWORD

    facts = json.loads((out / "model.json").read_text())
    url = base + reverse("projects:bim-viewer", args=[facts["model"]])
    login = base + reverse("login")
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        chromium_version = browser.version
        for run in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.goto(login)
            form = page.locator(f"form[action='{reverse('login')}']")
            form.locator("input[name=username]").fill("owner")
            form.locator("input[name=password]").fill(DEMO_PASSWORD)
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            page.goto(url)
            page.wait_for_selector("#bim-viewer[data-state=ready], #bim-viewer[data-state=failed]", timeout=180_000)
            if page.get_attribute("#bim-viewer", "data-state") != "ready":
                raise SystemExit("the viewer failed: " + page.inner_text("[data-bim-overlay]"))
            timing = page.evaluate("""() => {
                const mark = (n) => performance.getEntriesByName(n)[0].startTime;
                const glb = performance.getEntriesByType('resource').find((e) => e.name.includes('geometry'));
                return {first_render_ms: mark('bim-first-render'), script_start_ms: mark('bim-start'),
                        parsed_ms: mark('bim-parsed'), prepared_ms: mark('bim-prepared'),
                        glb_request_ms: glb ? glb.startTime : null, glb_done_ms: glb ? glb.responseEnd : null,
                        glb_transfer_bytes: glb ? glb.transferSize : null,
                        dom_content_loaded_ms: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd};
            }""")
            timing["run"] = run + 1
            if run == 0:
                page.screenshot(path=str(out / "viewer.png"))
                timing.update(_interactions(page))
            print(json.dumps(timing), flush=True)
            results.append(timing)
            context.close()
        browser.close()
    first = [r["first_render_ms"] for r in results]
    summary = {**facts, "runs": results, "chromium": chromium_version, "cpu": _cpu(),
               "first_render_median_ms": statistics.median(first), "first_render_max_ms": max(first),
               "download_median_ms": statistics.median(r["glb_done_ms"] - r["glb_request_ms"] for r in results
                                                       if r["glb_done_ms"] is not None),
               "parse_median_ms": statistics.median(r["parsed_ms"] - (r["glb_done_ms"] or r["script_start_ms"])
                                                    for r in results),
               "prepare_median_ms": statistics.median(r["prepared_ms"] - r["parsed_ms"] for r in results),
               "draw_median_ms": statistics.median(r["first_render_ms"] - r["prepared_ms"] for r in results)}
    (out / "viewer.json").write_text(json.dumps(summary, indent=2))
    print(report(summary))


def _interactions(page) -> dict:
    """Once the model is drawn: a click in the middle of the canvas until the side panel shows the element's
    properties (the raycast over every triangle, the highlight, the element's JSON), and the switch to the
    progress colours until they are painted (the links and the day's statuses fetched, every vertex recoloured).
    Timed by the page itself (performance marks of bim-viewer.js): Playwright's own actions wait for frames that
    SwiftShader draws slowly, which no user waits for."""
    box = page.locator("[data-testid=bim-canvas]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("[data-testid=bim-element][data-loaded=true]", timeout=60_000)
    page.locator("label:has([data-testid=bim-mode-progress])").click()
    page.wait_for_selector("#bim-viewer[data-painted^='progress:']", timeout=60_000)
    return page.evaluate("""() => {
        const at = (n) => performance.getEntriesByName(n).pop().startTime;
        return {pick_to_panel_ms: at('bim-panel') - at('bim-click'), progress_paint_ms: at('bim-painted') - at('bim-mode')};
    }""")


def _cpu() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return "?"


def report(s: dict) -> str:
    return (f"BIM viewer, first render: median {s['first_render_median_ms'] / 1000:.2f} s (max "
            f"{s['first_render_max_ms'] / 1000:.2f} s, {len(s['runs'])} cold runs) from navigation to the first "
            f"frame with the model, on a generated IFC of {s['ifc_bytes'] / 1e6:.1f} MB ({s['elements']} elements) "
            f"→ GLB {s['glb_bytes'] / 1e6:.1f} MB; of which GLB download {s['download_median_ms']:.0f} ms, parse "
            f"{s['parse_median_ms']:.0f} ms, element index {s['prepare_median_ms']:.0f} ms, first frame "
            f"{s['draw_median_ms']:.0f} ms (Chromium {s['chromium']} headless, SwiftShader software WebGL, "
            f"{s['cpu']}). A click to the element's properties in the panel: {s['runs'][0]['pick_to_panel_ms']:.0f} ms;"
            f" the switch to the progress colours: {s['runs'][0]['progress_paint_ms']:.0f} ms.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup", "measure", "report"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "bim")
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bays", type=int, default=28)
    parser.add_argument("--storeys", type=int, default=10)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.command == "setup":
        setup(args.out, args.bays, args.storeys)
    elif args.command == "measure":
        measure(args.out, args.base.rstrip("/"), args.runs)
    else:
        print(report(json.loads((args.out / "viewer.json").read_text())))


if __name__ == "__main__":
    main()
