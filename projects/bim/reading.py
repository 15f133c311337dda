"""Reading one uploaded IFC model (a BimModel) into what the pages and the viewer need.

`read_model(model_id)` runs in the Celery worker. The heavy work — IfcOpenShell opening the file, the elements with
their properties, the spatial tree, the quantities, the geometry turned into one GLB (projects.bim.glb) — runs in a
child process (`python -m projects.bim.reading IFC OUTDIR FD`), which knows nothing of Django or the database: it
reports its progress as JSON lines on a pipe and leaves `result.json` and `model.glb` in OUTDIR. The parent writes
the progress, stage and heartbeat to the model in short transactions of their own (the pages poll them) and, at
the end, everything in ONE transaction: the elements, the GLB, the figures, state `ready`, and `is_current` moved to
the newest ready version. A failure — a file IfcOpenShell cannot read, one cut short, no geometry, the child killed
(out of memory, a crash, a stopped worker) — marks the model `failed` with the reason, retryable when the reading
was interrupted rather than refused; a failed reading keeps no elements and never touches the current version.
The child's peak memory is its maximum resident set, as the kernel counted it (wait4).

If the whole worker dies, the model stays `reading` with a heartbeat that no longer moves: `sweep_stale_readings`
(every few minutes, projects.bim.tasks) marks those older than BIM_READ_STALE_SECONDS failed and retryable.

Nothing but `read_model` and `sweep_stale_readings` is for callers; the rest is the child's side. This module
imports Django's models only inside the parent's functions, so the child starts without settings."""

from __future__ import annotations

import datetime
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------- the child's side
FAULT_ENV = "PORTAL_BIM_CHILD_DIE_AFTER"  # test hook: the child kills itself (SIGKILL) after this many shapes
STEP_END = b"END-ISO-10303-21;"
ELEMENT_BATCH = 2000
EXCLUDED_FROM_GEOMETRY = ["IfcOpeningElement", "IfcSpace", "IfcAnnotation", "IfcGrid", "IfcVirtualElement"]
# IfcOpenShell's geometry kernel: the hybrid builds with CGAL's simple kernel what it can (on the bench model five to
# six times faster than Open CASCADE) and falls back to Open CASCADE for the rest. On the samples: the same elements
# with geometry, bounds, colours and triangle counts; a planar face may be cut along the other diagonal, and the
# Revit sample has 9 % more (unwelded) vertices. PORTAL_BIM_GEOMETRY_LIBRARY=opencascade in the worker's
# environment goes back to Open CASCADE alone.
# One geometry thread: with the hybrid kernel a second thread made the 52 MB bench model slower on 2 CPUs (31 s
# against 14 s for the geometry), as it also made Open CASCADE alone slower (bench/results/bim-2026-12-04.md).
GEOMETRY_LIBRARY = os.environ.get("PORTAL_BIM_GEOMETRY_LIBRARY") or "hybrid-cgal-simple-opencascade"
GEOMETRY_THREADS = 1
# (progress at the start of the stage, code) — the parent turns a code into the stage shown (STAGES below)
OPENING, ELEMENTS, GEOMETRY, WRITING, SAVING = (0, "opening"), (10, "elements"), (25, "geometry"), \
    (90, "writing"), (96, "saving")
QUANTITY_UNITS = {"IfcQuantityLength": "LENGTHUNIT", "IfcQuantityArea": "AREAUNIT",
                  "IfcQuantityVolume": "VOLUMEUNIT", "IfcQuantityWeight": "MASSUNIT", "IfcQuantityTime": "TIMEUNIT",
                  "IfcQuantityCount": None}


class ReadingFailed(Exception):
    """The file cannot be read: `kind` says why (the parent words it), `detail` what IfcOpenShell said."""

    def __init__(self, kind: str, detail: str = "", **values: Any) -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail
        self.values = values


class _Reporter:
    def __init__(self, fd: int | None) -> None:
        self.out = os.fdopen(fd, "w", buffering=1) if fd is not None else None
        self.last = (-1, "")

    def __call__(self, progress: int, stage: str, **extra: Any) -> None:
        progress = max(0, min(100, int(progress)))
        if self.out is not None and ((progress, stage) != self.last or extra):
            self.out.write(json.dumps({"progress": progress, "stage": stage, **extra}) + "\n")
            self.last = (progress, stage)


def ifc_path_of(source: Path, workdir: Path) -> Path:
    """The .ifc file to open: `source` itself, or the one member of an .ifczip unpacked into `workdir` (at most
    the declared size of the member is written, so a lying archive cannot fill the disk)."""
    with open(source, "rb") as handle:
        zipped = handle.read(4) == b"PK\x03\x04"
    if not zipped:
        return source
    try:
        with zipfile.ZipFile(source) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith(".ifc"):
                raise ReadingFailed("not_ifc", members=len(members))
            target = workdir / "model.ifc"
            left = members[0].file_size
            with archive.open(members[0]) as inner, open(target, "wb") as out:
                while chunk := inner.read(1024 * 1024):
                    left -= len(chunk)
                    if left < 0:
                        raise ReadingFailed("damaged", "the archive's member is larger than it declares")
                    out.write(chunk)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise ReadingFailed("damaged", str(exc)) from None
    return target


def _cut_short(path: Path) -> bool:
    """Whether the file does not end with END-ISO-10303-21; (what a STEP file ends with): cut off in transfer."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 4096))
        tail = handle.read().rstrip(b" \t\r\n\x00\x1a")
    return not tail.endswith(STEP_END)


def _open(path: Path, workdir: Path):
    """The IfcOpenShell file, or ReadingFailed: cut short, or the parser's first error (with its place)."""
    import ifcopenshell

    with open(path, "rb") as handle:
        if not handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISO-10303-21;"):
            raise ReadingFailed("not_ifc")
    if _cut_short(path):
        raise ReadingFailed("truncated", "", size=path.stat().st_size)
    # IfcOpenShell's parser writes its complaints to the process's stderr: catch them for the reason.
    log = workdir / "parser.log"
    saved = os.dup(2)
    try:
        with open(log, "wb") as capture:
            os.dup2(capture.fileno(), 2)
            try:
                ifc = ifcopenshell.open(str(path))
            except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault
                raise ReadingFailed("damaged", str(exc)[:300]) from None
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    errors = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("[error]")]
    if ifc.schema not in ("IFC2X3", "IFC4"):
        raise ReadingFailed("schema", schema=getattr(ifc, "schema_identifier", None) or ifc.schema)
    return ifc, errors


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items() if k != "id"}
    if hasattr(value, "is_a"):  # an entity instance (a reference property): its name or its type
        return getattr(value, "Name", None) or value.is_a()
    return str(value)


def _properties(element) -> dict:
    import ifcopenshell.util.element

    properties: dict[str, dict] = {}
    attributes = {name: getattr(element, name, None) for name in ("Description", "ObjectType", "Tag",
                                                                   "PredefinedType")}
    attributes = {k: _json_safe(v) for k, v in attributes.items() if v not in (None, "")}
    if attributes:
        properties["Attributes"] = attributes
    try:
        for name, values in ifcopenshell.util.element.get_psets(element).items():
            properties[str(name)] = {str(k): _json_safe(v) for k, v in values.items() if k != "id"}
    except Exception:  # noqa: BLE001,S110 - a broken property set is left out, not the whole model
        pass
    return properties


def _quantities(ifc, element, scales: dict[str, float], into: dict[str, float]) -> None:
    """Add the element's IfcElementQuantity values, in SI units (m, m², m³, kg, s), to `into` {name: total}."""
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if not rel.is_a("IfcRelDefinesByProperties"):
            continue
        definition = rel.RelatingPropertyDefinition
        if not definition.is_a("IfcElementQuantity"):
            continue
        for quantity in definition.Quantities or ():
            kind = quantity.is_a()
            if kind not in QUANTITY_UNITS:
                continue
            value = quantity[3]
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            unit = QUANTITY_UNITS[kind]
            if unit is not None:
                if unit not in scales:
                    import ifcopenshell.util.unit

                    try:
                        scales[unit] = ifcopenshell.util.unit.calculate_unit_scale(ifc, unit)
                    except Exception:  # noqa: BLE001 - no such unit in the project: SI assumed
                        scales[unit] = 1.0
                value *= scales[unit]
            into[quantity.Name] = into.get(quantity.Name, 0.0) + float(value)


def _application(ifc) -> str:
    for application in ifc.by_type("IfcApplication"):
        name = " ".join(str(v) for v in (application.ApplicationFullName, application.Version) if v)
        if name:
            return name[:200]
    header = ifc.header.file_name
    return (header.originating_system or header.preprocessor_version or "")[:200]


def _tree(ifc, contained: Counter) -> list[dict]:
    """The spatial structure below the project: sites, buildings, storeys, spaces (and IFC4's other spatial
    elements), each with the number of elements directly contained in it."""
    spatial = "IfcSpatialStructureElement" if ifc.schema == "IFC2X3" else "IfcSpatialElement"

    def children(parent) -> list:
        found = []
        for rel in getattr(parent, "IsDecomposedBy", None) or ():
            found.extend(o for o in rel.RelatedObjects if o.is_a(spatial))
        return sorted(found, key=lambda o: (getattr(o, "Elevation", None) or 0.0, o.id()))

    def node(item, depth: int) -> dict:
        return {"global_id": item.GlobalId, "name": item.Name or getattr(item, "LongName", None) or "",
                "ifc_class": item.is_a(), "elements": contained.get(item.GlobalId, 0),
                "children": [node(c, depth + 1) for c in children(item)] if depth < 12 else []}

    tree = []
    for project in ifc.by_type("IfcProject"):
        tree.extend(node(item, 0) for item in children(project))
    return tree


def _elements(ifc) -> list:
    """The model's elements in a stable order (by STEP id): IfcElement, without openings and other features
    (they are cut out of their element's geometry) and without virtual elements."""
    excluded = ("IfcFeatureElement", "IfcVirtualElement")
    return sorted((e for e in ifc.by_type("IfcElement") if not any(e.is_a(x) for x in excluded)),
                  key=lambda e: e.id())


def extract(source: Path, workdir: Path, report, *, batch_vertices: int | None = None) -> dict:
    """Read the IFC at `source` into workdir/model.glb and return what goes into the database."""
    import ifcopenshell.util.element
    import numpy as np

    from .glb import GlbBuilder

    started = time.monotonic()
    report(*OPENING)
    path = ifc_path_of(source, workdir)
    ifc, errors = _open(path, workdir)

    report(*ELEMENTS)
    elements = _elements(ifc)
    index_of = {e.id(): i for i, e in enumerate(elements)}
    rows, contained, class_counts = [], Counter(), Counter()
    quantities: dict[str, dict[str, float]] = defaultdict(dict)
    scales: dict[str, float] = {}
    for i, element in enumerate(elements):
        container = ifcopenshell.util.element.get_container(element)
        storey = getattr(container, "GlobalId", "") or ""
        contained[storey] += 1
        ifc_class = element.is_a()
        class_counts[ifc_class] += 1
        _quantities(ifc, element, scales, quantities[ifc_class])
        rows.append({"index": i, "global_id": element.GlobalId or "", "ifc_class": ifc_class,
                     "name": (element.Name or "")[:255], "storey": storey, "has_geometry": False,
                     "properties": _properties(element)})
        if i % 500 == 0:
            report(ELEMENTS[0] + 15 * i // max(1, len(elements)), ELEMENTS[1])

    report(*GEOMETRY)
    builder = GlbBuilder(batch_vertices) if batch_vertices else GlbBuilder()
    die_after = int(os.environ.get(FAULT_ENV) or 0)
    shapes = 0
    if elements:
        import ifcopenshell.geom

        settings = ifcopenshell.geom.settings()
        settings.set("use-world-coords", True)
        settings.set("weld-vertices", False)
        settings.set("apply-default-materials", True)
        iterator = ifcopenshell.geom.iterator(settings, ifc, GEOMETRY_THREADS,
                                              exclude=EXCLUDED_FROM_GEOMETRY, geometry_library=GEOMETRY_LIBRARY)
        if iterator.initialize():
            while True:
                shape = iterator.get()
                index = index_of.get(shape.id)
                if index is not None:
                    geometry = shape.geometry
                    positions = np.frombuffer(geometry.verts_buffer, dtype=np.float64).reshape(-1, 3)
                    normals = np.frombuffer(geometry.normals_buffer, dtype=np.float64).reshape(-1, 3)
                    faces = np.frombuffer(geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)
                    material_ids = np.frombuffer(geometry.material_ids_buffer, dtype=np.int32)
                    palette = np.array([_rgba(m) for m in geometry.materials] or [(0.7, 0.7, 0.7, 1.0)])
                    material_ids = np.where((material_ids >= 0) & (material_ids < len(palette)), material_ids, 0)
                    if builder.add(index, positions, normals, faces, palette[material_ids[:len(faces)]]):
                        rows[index]["has_geometry"] = True
                    shapes += 1
                    if die_after and shapes >= die_after:
                        os.kill(os.getpid(), signal.SIGKILL)
                report(GEOMETRY[0] + (WRITING[0] - GEOMETRY[0]) * iterator.progress() // 100, GEOMETRY[1])
                if not iterator.next():
                    break
    if builder.empty:
        raise ReadingFailed("no_geometry", elements=len(elements))

    report(*WRITING)
    glb = builder.write(workdir / "model.glb", elements=[r["global_id"] for r in rows], schema=ifc.schema)
    return {"schema": ifc.schema, "application": _application(ifc), "tree": _tree(ifc, contained),
            "class_counts": dict(sorted(class_counts.items())),
            "quantities": {cls: {k: round(v, 6) for k, v in sorted(q.items())}
                           for cls, q in sorted(quantities.items()) if q},
            "elements": rows, "glb": glb, "parser_errors": errors[:20],
            "seconds": round(time.monotonic() - started, 3)}


def _rgba(material) -> tuple[float, float, float, float]:
    try:
        colour = material.diffuse
        rgb = (colour.r(), colour.g(), colour.b())
    except Exception:  # noqa: BLE001 - a material without a diffuse colour: the default grey
        rgb = (0.7, 0.7, 0.7)
    transparency = getattr(material, "transparency", 0.0)
    alpha = 1.0 - transparency if isinstance(transparency, float) and math.isfinite(transparency) else 1.0
    return (*rgb, max(0.05, min(1.0, alpha)))


def _write_result(path: Path, result: dict) -> None:
    """result.json, the elements written a slice at a time (json.dumps is fast, json.dump is not; the whole text
    of a large model's elements is never in memory at once)."""
    rows = result["elements"]
    rest = json.dumps({k: v for k, v in result.items() if k != "elements"}, ensure_ascii=False)
    with open(path, "w") as out:
        out.write(rest[:-1] + (', "elements": [' if rest != "{}" else '{"elements": ['))
        for start in range(0, len(rows), ELEMENT_BATCH):
            out.write(("," if start else "") + json.dumps(rows[start:start + ELEMENT_BATCH],
                                                           ensure_ascii=False)[1:-1])
        out.write("]}")


def main(argv: list[str]) -> int:
    """The child: `python -m projects.bim.reading IFC OUTDIR [FD [BATCH_VERTICES]]`. Exit 0 with
    OUTDIR/result.json written, or 3 with {"failed": kind, …} as the last line on FD."""
    source, workdir = Path(argv[0]), Path(argv[1])
    report = _Reporter(int(argv[2]) if len(argv) > 2 else None)
    batch = int(argv[3]) if len(argv) > 3 else None
    try:
        result = extract(source, workdir, report, batch_vertices=batch)
    except ReadingFailed as failure:
        report(0, "failed", failed=failure.kind, detail=failure.detail, values=failure.values)
        return 3
    _write_result(workdir / "result.json", result)
    report(*SAVING)
    return 0


# --------------------------------------------------------------------------------------------- the parent's side
def _stages() -> dict[str, str]:
    from django.utils.translation import pgettext

    return {"opening": pgettext("bim reading", "Opening the file"),
            "elements": pgettext("bim reading", "Reading the elements and their properties"),
            "geometry": pgettext("bim reading", "Converting the geometry"),
            "writing": pgettext("bim reading", "Writing the geometry for the viewer"),
            "saving": pgettext("bim reading", "Saving the results"),
            "queued": pgettext("bim reading", "Starting")}


def failure_reason(kind: str, detail: str = "", **values: Any) -> str:
    """The reason shown for a failed reading (in the active language)."""
    from django.utils.translation import gettext as _

    if kind == "truncated":
        return _("The file is cut short: it ends after %(size)s bytes without the END-ISO-10303-21; that closes "
                 "an IFC file. Upload the complete file again.") % {"size": f"{values.get('size', 0):,}"}
    if kind == "damaged":
        return _("IfcOpenShell could not read the file (%(detail)s). Check that it is a complete IFC file.") % {
            "detail": detail or "?"}
    if kind == "schema":
        return _("The model is in the %(schema)s schema; only IFC2X3 and IFC4 models can be read.") % {
            "schema": values.get("schema") or "?"}
    if kind == "not_ifc" and "members" in values:
        return _("An .ifczip file must hold exactly one .ifc file; this one holds %(count)s files.") % {
            "count": values["members"]}
    if kind == "not_ifc":
        return _("The file is not an IFC model: it does not start with ISO-10303-21;.")
    if kind == "no_geometry":
        return _("No geometry could be read from the model: none of its %(count)s elements has a shape "
                 "IfcOpenShell can build.") % {"count": values.get("elements", 0)}
    if kind == "timeout":
        return _("The reading took longer than %(minutes)s minutes and was stopped; retry, or ask the "
                 "administrator to allow more time.") % {"minutes": values.get("minutes", 0)}
    if kind == "stale":
        return _("The reader gave no sign of life for %(minutes)s minutes (its worker was probably stopped); "
                 "retry.") % {"minutes": values.get("minutes", 0)}
    return _("The reading was interrupted (%(detail)s); retry.") % {"detail": detail or "?"}


def _touch(model_id: int, **fields: Any) -> None:
    """Write progress fields in a short transaction of their own (the pages poll them)."""
    from django.utils import timezone

    from projects.models import BimModel, BimModelState

    BimModel.objects.filter(pk=model_id, state=BimModelState.READING).update(heartbeat_at=timezone.now(), **fields)


def _lock_models(model_id: int, *, all_of_project: bool = False) -> dict:
    """In the caller's transaction: the project's row, then the model's (or all its project's models') rows, locked
    in the order the services lock them (project, then model), so a reader and a retry or an upload never wait on
    each other in a cycle. {pk: model}; empty when the model is gone."""
    from projects.models import BimModel, Project

    project_id = BimModel.objects.filter(pk=model_id).values_list("project_id", flat=True).first()
    if project_id is None:
        return {}
    list(Project.objects.select_for_update().filter(pk=project_id).values_list("pk", flat=True))
    models = BimModel.objects.select_for_update().filter(project_id=project_id) if all_of_project else \
        BimModel.objects.select_for_update().filter(pk=model_id)
    return {m.pk: m for m in models}


def _start(model_id: int, task_id: str) -> Any:
    """Lock the model and mark it `reading`; None if it is not to be read (already read, or being read by a
    live reader)."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from projects.models import BimElement, BimModelState

    with transaction.atomic():
        model = _lock_models(model_id).get(model_id)
        if model is None or model.state == BimModelState.READY:
            return None
        stale = timezone.now() - datetime.timedelta(seconds=settings.BIM_READ_STALE_SECONDS)
        if model.state == BimModelState.READING and model.heartbeat_at and model.heartbeat_at > stale:
            return None
        if model.state == BimModelState.FAILED and not model.retryable:
            return None
        BimElement.objects.filter(model=model).delete()
        now = timezone.now()
        model.state, model.progress, model.stage = BimModelState.READING, 0, _stages()["queued"]
        model.error, model.retryable, model.attempts = "", False, model.attempts + 1
        model.task_id = (task_id or "")[:64]
        model.started_at = model.heartbeat_at = now
        model.finished_at = None
        model.save(update_fields=["state", "progress", "stage", "error", "retryable", "attempts", "task_id",
                                  "started_at", "heartbeat_at", "finished_at", "updated_at"])
        return model


def _fail(model_id: int, reason: str, *, retryable: bool, peak_kb: int | None = None) -> None:
    from django.db import transaction
    from django.utils import timezone

    from projects.models import BimElement, BimModelState

    with transaction.atomic():
        model = _lock_models(model_id).get(model_id)
        if model is None or model.state != BimModelState.READING:
            return
        BimElement.objects.filter(model=model).delete()
        model.state, model.error, model.retryable = BimModelState.FAILED, reason, retryable
        model.finished_at = timezone.now()
        model.peak_memory_kb = peak_kb
        if model.started_at:
            model.read_seconds = round((model.finished_at - model.started_at).total_seconds(), 3)
        model.save(update_fields=["state", "error", "retryable", "finished_at", "peak_memory_kb",
                                  "read_seconds", "updated_at"])


def _finish(model_id: int, workdir: Path, result: dict, seconds: float, peak_kb: int | None) -> bool:
    """Everything the reading found, in one transaction: the elements, the GLB, the figures, `ready`, and
    `is_current` moved to the newest ready version of the project. Locks the project's models."""
    from django.core.files import File
    from django.db import transaction
    from django.utils import timezone

    from projects.models import BimElement, BimModel, BimModelState

    stored = None
    try:
        with transaction.atomic():
            models = _lock_models(model_id, all_of_project=True)
            model = models.get(model_id)
            if model is None or model.state != BimModelState.READING:
                return False
            project_id = model.project_id
            BimElement.objects.filter(model=model).delete()
            rows = result["elements"]
            for start in range(0, len(rows), ELEMENT_BATCH):
                BimElement.objects.bulk_create([BimElement(model=model, **row)
                                                for row in rows[start:start + ELEMENT_BATCH]])
            with open(workdir / "model.glb", "rb") as glb:
                model.geometry.save(f"{model.project_id}-{model.pk}.glb", File(glb), save=False)
            stored = model.geometry.name
            glb_info = result["glb"]
            model.schema, model.application = result["schema"][:20], result["application"][:200]
            model.tree, model.class_counts, model.quantities = result["tree"], result["class_counts"], \
                result["quantities"]
            model.element_count, model.geometry_size, model.bounds = len(rows), glb_info["size"], \
                glb_info["bounds"]
            model.read_seconds, model.peak_memory_kb = round(seconds, 3), peak_kb
            model.state, model.progress, model.stage = BimModelState.READY, 100, ""
            model.error, model.retryable = "", False
            model.finished_at = model.heartbeat_at = timezone.now()
            newer_current = any(m.is_current and m.number > model.number for m in models.values())
            if not newer_current:
                BimModel.objects.filter(project_id=project_id, is_current=True).update(is_current=False)
                model.is_current = True
            model.save()
    except Exception:
        if stored:
            model.geometry.storage.delete(stored)
        raise
    return True


def _child_limits() -> None:  # pragma: no cover - runs in the child between fork and exec
    """The child dies with its parent (a killed worker leaves no reader behind): Linux's PR_SET_PDEATHSIG."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _run_child(model_id: int, source: Path, workdir: Path, *, timeout: float, beat: float,
               stages: dict[str, str]) -> tuple[dict, int, int, float, bool]:
    """Run the child on `source`, writing its progress and a heartbeat to the model as it goes. Returns (its last
    message, exit code (negative: the signal that killed it), peak resident set in KB, seconds, timed out). If the
    caller is interrupted meanwhile, the child is killed before the exception goes on."""
    from django.conf import settings

    read_end, write_end = os.pipe()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(settings.BASE_DIR), os.environ.get("PYTHONPATH", "")) if p)}
    started = time.monotonic()
    with open(workdir / "child.log", "wb") as log:
        child = subprocess.Popen(  # noqa: S603 - our own module, with our own arguments
            [sys.executable, "-m", "projects.bim.reading", str(source), str(workdir), str(write_end),
             str(getattr(settings, "BIM_GLB_BATCH_VERTICES", 1_000_000))],
            pass_fds=(write_end,), cwd=str(settings.BASE_DIR), env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_child_limits)  # noqa: PLW1509
    os.close(write_end)
    last: dict = {}
    written_stage = None
    last_write = 0.0
    buffer = b""
    timed_out = False
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while True:
                ready, _, _ = select.select([pipe], [], [], 1.0)
                if ready:
                    data = pipe.read(65536)
                    if not data:
                        break
                    buffer += data
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        try:
                            last = json.loads(line)
                        except ValueError:
                            continue
                now = time.monotonic()
                if now - started > timeout:
                    child.kill()
                    timed_out = True
                    break
                if now - last_write >= beat or (last and last.get("stage") != written_stage):
                    fields = {}
                    if last.get("stage") in stages:
                        fields = {"progress": min(99, last["progress"]), "stage": stages[last["stage"]]}
                        written_stage = last["stage"]
                    _touch(model_id, **fields)
                    last_write = now
    except BaseException:
        child.kill()
        child.wait()
        raise
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return last, child.returncode, int(usage.ru_maxrss), time.monotonic() - started, timed_out  # maxrss: KB


def _local_copy(model, workdir: Path) -> Path:
    try:
        return Path(model.file.path)
    except NotImplementedError:  # a storage without local files: copy it out
        target = workdir / "upload"
        with model.file.open("rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        return target


def read_model(model_id: int, *, task_id: str = "") -> str:
    """Read one model (see the module's doc). Returns its state afterwards. Safe to run twice: a model that is
    ready, refused for good, or being read by a live reader is left alone."""
    from django.conf import settings

    model = _start(model_id, task_id)
    if model is None:
        return "skipped"
    stages = _stages()
    timeout = getattr(settings, "BIM_READ_TIMEOUT_SECONDS", 3600)
    beat = getattr(settings, "BIM_READ_HEARTBEAT_SECONDS", 10)
    with tempfile.TemporaryDirectory(prefix="bim-read-") as tmp:
        workdir = Path(tmp)
        try:
            source = _local_copy(model, workdir)
        except OSError as exc:
            _fail(model_id, failure_reason("interrupted", f"file: {exc.__class__.__name__}"), retryable=True)
            return "failed"
        try:
            last, code, peak_kb, seconds, timed_out = _run_child(model_id, source, workdir, timeout=timeout,
                                                                 beat=beat, stages=stages)
        except BaseException as exc:  # the task was stopped (time limit, worker shutdown): not the file's fault
            _fail(model_id, failure_reason("interrupted", exc.__class__.__name__), retryable=True)
            raise
        if timed_out:
            _fail(model_id, failure_reason("timeout", minutes=round(timeout / 60)), retryable=False, peak_kb=peak_kb)
            return "failed"
        if code == 3 and last.get("failed"):
            _fail(model_id, failure_reason(last["failed"], last.get("detail", ""), **(last.get("values") or {})),
                  retryable=False, peak_kb=peak_kb)
            return "failed"
        if code != 0 or not (workdir / "result.json").exists():
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            if code != 0:
                tail = (workdir / "child.log").read_bytes()[-400:].decode(errors="replace").strip().splitlines()
                if tail and code > 0:
                    how += f": {tail[-1][:200]}"
            _fail(model_id, failure_reason("interrupted", how), retryable=True, peak_kb=peak_kb)
            return "failed"
        result = json.loads((workdir / "result.json").read_text())
        _touch(model_id, progress=SAVING[0], stage=stages["saving"])
        try:
            done = _finish(model_id, workdir, result, seconds, peak_kb)
        except Exception as exc:  # noqa: BLE001 - the database or the storage failed: worth another try
            _fail(model_id, failure_reason("interrupted", exc.__class__.__name__), retryable=True, peak_kb=peak_kb)
            return "failed"
    return "ready" if done else "skipped"


def sweep_stale_readings() -> int:
    """Mark failed and retryable the models `reading` whose reader gave no sign of life for
    BIM_READ_STALE_SECONDS (its worker died). Returns how many."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from projects.models import BimModel, BimModelState

    stale = timezone.now() - datetime.timedelta(seconds=settings.BIM_READ_STALE_SECONDS)
    swept = 0
    ids = list(BimModel.objects.filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True),
                                       state=BimModelState.READING).values_list("pk", flat=True))
    for model_id in ids:
        with transaction.atomic():
            model = _lock_models(model_id).get(model_id)
            if model is None or model.state != BimModelState.READING or (model.heartbeat_at and model.heartbeat_at >= stale):
                continue
            _fail(model_id, failure_reason("stale", minutes=round(settings.BIM_READ_STALE_SECONDS / 60)),
                  retryable=True)
            swept += 1
    return swept


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
