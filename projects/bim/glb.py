"""The geometry of a read model as one glTF 2.0 binary (GLB) the viewer loads in one request.

The contract with the viewer (static/js/bim-viewer.js): Y up (IFC's Z up turned: (x, y, z) → (x, z, -y)),
recentred on the middle of the model's bounds (the offset taken off is in scene.extras.offset), and batched: a few
meshes, not one per element — opaque and transparent triangles in separate meshes (the transparent ones with a
material in alphaMode BLEND), each split at about a million vertices, an element never split across two. Every
primitive has POSITION and NORMAL (float32 VEC3), COLOR_0 (normalized unsigned byte VEC4: the element's IFC surface
colour and opacity), `_ELEMENT` (float32 SCALAR: the element's index in scene.extras.elements) and uint32 indices.
scene.extras = {"elements": [GlobalId by index], "offset": [x, y, z], "up": "y", "schema": "IFC4"}.

Pure numpy and the standard library: it runs in the reading's child process, without Django."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BATCH_VERTICES = 1_000_000
JOIN_EVERY = 256  # elements' arrays joined into one per this many (a few hundred arrays per batch, not 5 per element)
FLOAT, UNSIGNED_BYTE, UNSIGNED_INT = 5126, 5121, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


@dataclass
class _Batch:
    transparent: bool
    positions: list[np.ndarray] = field(default_factory=list)
    normals: list[np.ndarray] = field(default_factory=list)
    colours: list[np.ndarray] = field(default_factory=list)
    elements: list[np.ndarray] = field(default_factory=list)
    indices: list[np.ndarray] = field(default_factory=list)
    vertices: int = 0
    pending: int = 0  # how many elements' arrays at the end of the lists are not joined yet

    def keep(self, positions: np.ndarray, normals: np.ndarray, colours: np.ndarray, elements: np.ndarray,
             indices: np.ndarray) -> None:
        for parts, data in ((self.positions, positions), (self.normals, normals), (self.colours, colours),
                            (self.elements, elements), (self.indices, indices)):
            parts.append(data)
        self.vertices += len(positions)
        self.pending += 1
        if self.pending >= JOIN_EVERY:
            self.join()

    def join(self) -> None:
        """The arrays added since the last join, in one array per attribute."""
        if self.pending > 1:
            for parts in (self.positions, self.normals, self.colours, self.elements, self.indices):
                parts[-self.pending:] = [np.concatenate(parts[-self.pending:])]
        self.pending = 0


class GlbBuilder:
    """Collects the triangles of the elements (in IFC's Z-up world coordinates), then writes the GLB."""

    def __init__(self, batch_vertices: int = BATCH_VERTICES) -> None:
        self.batch_vertices = batch_vertices
        self.batches: list[_Batch] = []
        self._open: dict[bool, _Batch] = {}
        self.low = np.full(3, np.inf)
        self.high = np.full(3, -np.inf)

    @property
    def empty(self) -> bool:
        return not self.batches

    def add(self, index: int, positions: np.ndarray, normals: np.ndarray, faces: np.ndarray,
            face_colours: np.ndarray) -> int:
        """Add one element's triangles: `positions`/`normals` (n × 3, Z up), `faces` (m × 3 vertex numbers) and
        `face_colours` (m × 4 RGBA floats 0–1). Returns the number of triangles kept.

        Only the vertices the kept faces use go into a batch, in their order; a vertex takes the colour of the last
        face that uses it. The common case — every face opaque, every vertex used, as IfcOpenShell gives them
        with weld-vertices off — takes the arrays as they are (no sort, no per-vertex float temporaries)."""
        count = len(positions)
        if not len(faces) or not count:
            return 0
        turned = positions[:, (0, 2, 1)]  # (x, y, z) → (x, z, -y): a float64 copy, negated in place
        turned[:, 2] *= -1
        if len(normals) == count:
            turned_normals = normals[:, (0, 2, 1)].astype(np.float32)
            turned_normals[:, 2] *= -1
        else:
            turned_normals = _flat_normals(turned, faces)
        rgba = np.clip(np.rint(face_colours * 255), 0, 255).astype(np.uint8)
        transparent = face_colours[:, 3] < 0.999
        groups = ((False, faces, rgba),) if not transparent.any() else ((True, faces, rgba),) if transparent.all() \
            else ((False, faces[~transparent], rgba[~transparent]), (True, faces[transparent], rgba[transparent]))
        kept = 0
        for is_transparent, chosen, chosen_rgba in groups:
            flat = chosen.ravel()
            used_mask = np.zeros(count, dtype=bool)
            used_mask[flat] = True
            if used_mask.all():  # every vertex used: taken as it is
                used, local, vertex_positions, vertex_normals = None, chosen, turned, turned_normals
                used_count = count
            else:  # the vertices in their order, renumbered (what np.unique(return_inverse) gives, without sorting)
                used = np.flatnonzero(used_mask)
                renumber = np.zeros(count, dtype=np.int64)
                renumber[used] = np.arange(len(used))
                local, vertex_positions, vertex_normals = renumber[chosen], turned[used], turned_normals[used]
                used_count = len(used)
            if (chosen_rgba == chosen_rgba[0]).all():
                colours = np.empty((used_count, 4), dtype=np.uint8)
                colours[:] = chosen_rgba[0]
            else:
                colours = np.zeros((count, 4), dtype=np.uint8)
                colours[flat] = np.repeat(chosen_rgba, 3, axis=0)  # the last face using a vertex wins
                if used is not None:
                    colours = colours[used]
            batch = self._batch(is_transparent, used_count)
            batch.keep(vertex_positions, vertex_normals, colours, np.full(used_count, index, dtype=np.float32),
                       (local + batch.vertices).astype(np.uint32))
            kept += len(chosen)
        return kept

    def _batch(self, transparent: bool, vertices: int) -> _Batch:
        batch = self._open.get(transparent)
        if batch is None or (batch.vertices and batch.vertices + vertices > self.batch_vertices):
            batch = self._open[transparent] = _Batch(transparent)
            self.batches.append(batch)
        return batch

    def _settle(self) -> None:
        """The batches' last arrays joined, and the model's bounds (once, not per element)."""
        for batch in self.batches:
            batch.join()
            for part in batch.positions:
                self.low = np.minimum(self.low, part.min(axis=0))
                self.high = np.maximum(self.high, part.max(axis=0))

    def bounds(self) -> tuple[list[float], list[float]]:
        """(offset, bounds): the middle of the model (taken off every position) and [min x, y, z, max x, y, z]
        of the recentred model, both in the GLB's Y-up frame."""
        self._settle()
        offset = (self.low + self.high) / 2
        return ([round(float(v), 6) for v in offset],
                [round(float(v), 6) for v in (*(self.low - offset), *(self.high - offset))])

    def write(self, path: str | Path, *, elements: list[str], schema: str) -> dict:
        """Write the GLB to `path`; return {"size", "offset", "bounds", "meshes", "vertices", "triangles"}."""
        offset, bounds = self.bounds()
        centre = np.array(offset)
        gltf: dict = {"asset": {"version": "2.0", "generator": "keyprojects portal (IfcOpenShell)"},
                      "scene": 0, "scenes": [{"nodes": [], "extras": {
                          "elements": elements, "offset": offset, "up": "y", "schema": schema}}],
                      "nodes": [], "meshes": [], "materials": [
                          {"name": "opaque", "doubleSided": True,
                           "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0,
                                                    "roughnessFactor": 0.9}},
                          {"name": "transparent", "doubleSided": True, "alphaMode": "BLEND",
                           "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0,
                                                    "roughnessFactor": 0.2}}],
                      "accessors": [], "bufferViews": [], "buffers": [{"byteLength": 0}]}
        chunks: list[tuple[list[np.ndarray], int]] = []  # (the arrays, the zero bytes after them): written as is
        length = 0

        def view(parts: list[np.ndarray], target: int) -> int:
            """One buffer view of the parts one after the other (written as they are, never joined)."""
            nonlocal length
            parts = [np.ascontiguousarray(part) for part in parts]
            size = sum(part.nbytes for part in parts)
            gltf["bufferViews"].append({"buffer": 0, "byteOffset": length, "byteLength": size, "target": target})
            padding = (-size) % 4
            chunks.append((parts, padding))
            length += size + padding
            return len(gltf["bufferViews"]) - 1

        def accessor(parts: list[np.ndarray], component: int, kind: str, target: int = ARRAY_BUFFER, *,
                     bounded: bool = False, normalized: bool = False) -> int:
            entry = {"bufferView": view(parts, target), "componentType": component,
                     "count": sum(len(part) for part in parts), "type": kind}
            if normalized:
                entry["normalized"] = True
            if bounded:
                low = np.min([part.min(axis=0) for part in parts], axis=0)
                high = np.max([part.max(axis=0) for part in parts], axis=0)
                entry["min"] = [float(v) for v in np.atleast_1d(low)]
                entry["max"] = [float(v) for v in np.atleast_1d(high)]
            gltf["accessors"].append(entry)
            return len(gltf["accessors"]) - 1

        vertices = triangles = 0
        for number, batch in enumerate(self.batches):
            positions = []  # recentred float32, part by part (each float64 part let go once turned)
            while batch.positions:
                positions.append((batch.positions.pop(0) - centre).astype(np.float32))
            attributes = {
                "POSITION": accessor(positions, FLOAT, "VEC3", bounded=True),
                "NORMAL": accessor(batch.normals, FLOAT, "VEC3"),
                "COLOR_0": accessor(batch.colours, UNSIGNED_BYTE, "VEC4", normalized=True),
                "_ELEMENT": accessor(batch.elements, FLOAT, "SCALAR", bounded=True),
            }
            indices = [part.ravel() for part in batch.indices]
            triangles += sum(len(part) for part in indices) // 3
            vertices += batch.vertices
            primitive = {"attributes": attributes, "mode": 4, "material": 1 if batch.transparent else 0,
                         "indices": accessor(indices, UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER)}
            gltf["meshes"].append({"name": f"{'transparent' if batch.transparent else 'opaque'}-{number}",
                                   "primitives": [primitive]})
            gltf["nodes"].append({"mesh": len(gltf["meshes"]) - 1})
            gltf["scenes"][0]["nodes"].append(len(gltf["nodes"]) - 1)
        gltf["buffers"][0]["byteLength"] = length
        if not length:
            del gltf["buffers"]
        text = json.dumps(gltf, ensure_ascii=False, separators=(",", ":")).encode()
        text += b" " * ((-len(text)) % 4)
        total = 12 + 8 + len(text) + (8 + length if length else 0)
        with open(path, "wb") as out:
            out.write(struct.pack("<4sII", b"glTF", 2, total))
            out.write(struct.pack("<I4s", len(text), b"JSON"))
            out.write(text)
            if length:
                out.write(struct.pack("<I4s", length, b"BIN\0"))
                for parts, padding in chunks:
                    for part in parts:
                        out.write(memoryview(part).cast("B"))
                    out.write(b"\0" * padding)
        return {"size": total, "offset": offset, "bounds": bounds, "meshes": len(gltf["meshes"]),
                "vertices": vertices, "triangles": triangles}


def _flat_normals(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Per-vertex normals averaged from the faces around each vertex (when IfcOpenShell gave none)."""
    a, b, c = (positions[faces[:, k]] for k in range(3))
    face_normals = np.cross(b - a, c - a)
    normals = np.zeros_like(positions)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_normals)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.where(length == 0, 1, length)).astype(np.float32)


def read_glb(path: str | Path) -> tuple[dict, bytes]:
    """(the glTF JSON, the binary chunk) of a GLB file: for tests and the benchmark."""
    data = Path(path).read_bytes()
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2 or total != len(data):
        raise ValueError("not a glTF 2.0 binary")
    json_length, kind = struct.unpack_from("<I4s", data, 12)
    if kind != b"JSON":
        raise ValueError("the first chunk is not JSON")
    gltf = json.loads(data[20:20 + json_length])
    position = 20 + json_length
    binary = b""
    if position < len(data):
        bin_length, kind = struct.unpack_from("<I4s", data, position)
        binary = data[position + 8:position + 8 + bin_length]
    return gltf, binary
