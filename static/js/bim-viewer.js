// The BIM viewer (projects/bim, templates/projects/bim/viewer.html): one model version's GLB, made once on the
// server from the IFC (projects/bim/glb.py), drawn with three.js (static/vendor/three/three-bim.min.js, which sets
// window.THREE_BIM). Everything configurable comes from the page's JSON (#bim-config, the view's viewer_config);
// every label from the page's data-l-* attributes (translated in the template). Nothing leaves the portal.
//
// The GLB holds a few batched meshes, not one per element: each vertex carries its element's index (`_element`)
// and the element's IFC colour (COLOR_0); scene.extras.elements gives the GlobalId of each index. Colouring by
// progress or inspection rewrites the colour arrays in place (a copy of the original colours is kept), and the
// elements drawn as translucent ghosts are moved to the end of each mesh's index buffer, drawn by a second material.
(function () {
  "use strict";

  const root = document.getElementById("bim-viewer");
  const configEl = document.getElementById("bim-config");
  if (!root || !configEl) return;
  const config = JSON.parse(configEl.textContent);
  const L = root.dataset; // the labels: data-l-loading → L.lLoading
  const T = window.THREE_BIM;

  const HIGHLIGHT = "#00b8d4";
  const NEUTRAL = "#b8bec6";
  const GHOST_OPACITY = 0.16;
  const DAY = 86400000;

  const $ = (sel) => root.querySelector(sel);
  const stage = $("[data-bim-stage]");
  const overlay = $("[data-bim-overlay]");
  const panel = $("[data-bim-panel]");
  const legend = $("[data-bim-legend]");
  const status = $("[data-bim-status]");

  function setState(state) { root.dataset.state = state; }

  function showMessage(text, detail) {
    overlay.hidden = false;
    overlay.classList.add("bim-overlay-message");
    overlay.replaceChildren();
    const p = document.createElement("p");
    p.className = "bim-message";
    p.textContent = text;
    overlay.append(p);
    if (detail) {
      const d = document.createElement("p");
      d.className = "muted small";
      d.textContent = detail;
      overlay.append(d);
    }
  }

  function fail(reason, text, detail) {
    setState("failed");
    root.dataset.reason = reason;
    showMessage(text, detail);
    root.querySelectorAll("[data-bim-needs-model]").forEach((el) => { el.disabled = true; });
  }

  if (!config.geometry || root.dataset.geometry === "none") { fail("no-geometry", L.lNoGeometry); return; }
  if (!T) { fail("load-failed", L.lLoadFailed, "three.js"); return; }

  // ------------------------------------------------------------------------------------------- dates
  function dayNumber(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return Math.round(Date.UTC(y, m - 1, d) / DAY);
  }
  function isoOf(day) { return new Date(day * DAY).toISOString().slice(0, 10); }

  // ------------------------------------------------------------------------------------------- 4D rules
  // The twin of projects/bim/status.py's combine(): the status of an element covered by several links.
  function combine(statuses) {
    if (statuses.length === 0) return null;
    if (statuses.includes("late")) return "late";
    if (statuses.includes("in_progress")) return "in_progress";
    if (statuses.every((s) => s === "done")) return "done";
    if (statuses.includes("done") && statuses.every((s) => s === "done" || s === "not_started")) return "in_progress";
    return "not_started";
  }
  const FINDING_RANK = { failed: 3, pending: 2, passed: 1 };

  // ------------------------------------------------------------------------------------------- fetching
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      return r.json();
    });
  }

  // ------------------------------------------------------------------------------------------- the scene
  // A software renderer (SwiftShader: no GPU, or WebGL blocklisted) draws every sample on the CPU: no
  // multisampling there, which makes a frame of a big model several times slower.
  function softwareRenderer() {
    try {
      const gl = document.createElement("canvas").getContext("webgl2");
      const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
      const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
      if (gl) { const lose = gl.getExtension("WEBGL_lose_context"); if (lose) lose.loseContext(); }
      return /swiftshader|llvmpipe|software/i.test(name);
    } catch (error) {
      return false;
    }
  }
  let renderer;
  try {
    renderer = new T.WebGLRenderer({ antialias: !softwareRenderer(), preserveDrawingBuffer: false });
  } catch (error) {
    fail("no-webgl", L.lNoWebgl, String(error && error.message || error));
    return;
  }
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  renderer.setClearColor(0xf4f7fb, 1);
  const canvas = renderer.domElement;
  canvas.className = "bim-canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", L.lCanvas);
  canvas.dataset.testid = "bim-canvas";
  stage.prepend(canvas);

  const scene = new T.Scene();
  const camera = new T.PerspectiveCamera(45, 1, 0.1, 1000);
  scene.add(new T.HemisphereLight(0xffffff, 0x8d8d8d, 2.2));
  const sun = new T.DirectionalLight(0xffffff, 1.6);
  sun.position.set(0.6, 1, 0.4);
  scene.add(sun);
  const controls = new T.OrbitControls(camera, canvas);
  controls.enableDamping = false;
  controls.screenSpacePanning = true;
  controls.listenToKeyEvents(canvas);

  let renderQueued = false;
  let firstRender = null;
  function render() {
    renderQueued = false;
    renderer.render(scene, camera);
    if (model) for (const m of model.meshes) m.fullUpload = false;
    if (firstRender === null && model) {
      // Reading one pixel waits until the GPU has drawn the frame: the mark is the model on screen, not queued.
      const gl = renderer.getContext();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      firstRender = performance.now();
      performance.mark("bim-first-render");
      root.dataset.firstRenderMs = String(Math.round(firstRender));
      setState("ready");
    }
  }
  function requestRender() {
    if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
  }
  controls.addEventListener("change", requestRender);

  function resize() {
    const w = Math.max(stage.clientWidth, 1), h = Math.max(stage.clientHeight, 1);
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
    requestRender();
  }
  new ResizeObserver(resize).observe(stage);
  resize();

  // ------------------------------------------------------------------------------------------- the model
  // model = {meshes: [{mesh, geometry, color, scale, original, element, solidMat, ghostMat, index, triRuns}],
  //          runs: per element [meshNo, firstVertex, count, …], gids, byGid, box, elementCount}
  let model = null;

  function prepare(gltf) {
    const gids = (gltf.scene.userData && gltf.scene.userData.elements) || [];
    const meshes = [];
    gltf.scene.updateMatrixWorld(true);
    gltf.scene.traverse((obj) => {
      if (!obj.isMesh || !obj.geometry || !obj.geometry.attributes._element) return;
      const geometry = obj.geometry;
      const count = geometry.attributes.position.count;
      let color = geometry.attributes.color;
      if (!color) { // no COLOR_0: white vertices, the material's colour does the rest
        color = new T.BufferAttribute(new Float32Array(count * 4).fill(1), 4);
        geometry.setAttribute("color", color);
        obj.material.vertexColors = true;
      }
      const scale = color.normalized ? (color.array instanceof Uint8Array ? 255 : 65535) : 1;
      if (!geometry.index) { // the contract says indexed; make one if not, so ghosts can be reordered
        const idx = new Uint32Array(count);
        for (let i = 0; i < count; i++) idx[i] = i;
        geometry.setIndex(new T.BufferAttribute(idx, 1));
      }
      const solidMat = obj.material;
      const ghostMat = solidMat.clone();
      ghostMat.transparent = true;
      ghostMat.opacity = GHOST_OPACITY;
      ghostMat.depthWrite = false;
      meshes.push({ mesh: obj, geometry, color, scale, original: color.array.slice(),
                    element: geometry.attributes._element.array, solidMat, ghostMat,
                    index: geometry.index.array.slice(), triRuns: null, ghosted: false });
    });
    // element → vertex runs, built once: one pass over every vertex.
    const runs = gids.map(() => []);
    meshes.forEach((m, meshNo) => {
      const el = m.element, n = el.length;
      let start = 0;
      for (let v = 1; v <= n; v++) {
        if (v === n || el[v] !== el[start]) {
          const e = Math.round(el[start]);
          if (runs[e]) runs[e].push(meshNo, start, v - start);
          start = v;
        }
      }
      // triangle runs by element (for moving ghosts to the end of the index buffer): [firstIndex, count, element]
      const idx = m.index, tri = [];
      let s = 0;
      for (let i = 3; i <= idx.length; i += 3) {
        if (i === idx.length || el[idx[i]] !== el[idx[s]]) {
          tri.push(s, i - s, Math.round(el[idx[s]]));
          s = i;
        }
      }
      m.triRuns = Int32Array.from(tri);
    });
    const byGid = new Map(gids.map((g, i) => [g, i]));
    const box = new T.Box3().setFromObject(gltf.scene);
    return { meshes, runs, gids, byGid, box, elementCount: gids.length, root: gltf.scene };
  }

  function loaded(gltf) {
    performance.mark("bim-parsed");
    model = prepare(gltf);
    performance.mark("bim-prepared");
    if (model.meshes.length === 0 || model.box.isEmpty()) {
      fail("no-geometry", L.lNoGeometry);
      return;
    }
    scene.add(model.root);
    overlay.hidden = true;
    root.querySelectorAll("[data-bim-needs-model]").forEach((el) => { el.disabled = false; });
    setupSection();
    fitView();
    applyMode();
    requestRender();
  }

  performance.mark("bim-start");
  const loader = new T.GLTFLoader();
  loader.load(config.geometry, loaded, (event) => {
    const mb = (event.loaded / 1048576).toFixed(1);
    const text = event.lengthComputable && event.total
      ? L.lLoadingPercent.replace("{m}", mb).replace("{t}", (event.total / 1048576).toFixed(1))
      : L.lLoadingMb.replace("{m}", mb);
    const bar = overlay.querySelector("progress");
    if (bar && event.lengthComputable && event.total) { bar.max = event.total; bar.value = event.loaded; }
    const label = overlay.querySelector("[data-bim-progress-text]");
    if (label) label.textContent = text;
  }, (error) => {
    fail("load-failed", L.lLoadFailed, String(error && error.message || error));
  });

  // ------------------------------------------------------------------------------------------- view
  function fitView() {
    const sphere = model.box.getBoundingSphere(new T.Sphere());
    const radius = Math.max(sphere.radius, 0.01);
    const fov = camera.fov * Math.PI / 180;
    const distance = radius / Math.sin(Math.min(fov, fov * camera.aspect) / 2) * 1.05;
    const direction = new T.Vector3(1, 0.75, 1.25).normalize();
    camera.position.copy(sphere.center).addScaledVector(direction, distance);
    camera.near = distance / 500;
    camera.far = distance * 20;
    camera.updateProjectionMatrix();
    controls.target.copy(sphere.center);
    controls.maxDistance = distance * 8;
    controls.update();
    requestRender();
  }
  $("[data-bim-fit]").addEventListener("click", () => { if (model) fitView(); });

  // ------------------------------------------------------------------------------------------- section plane
  // Axes as the IFC names them (Z up); the GLB is Y up: IFC X → x, IFC Y → −z, IFC Z → y. The plane keeps what is
  // below (Z) or before (X, Y) the slider's position.
  const sectionOn = $("[data-bim-section]");
  const sectionAxis = $("[data-bim-section-axis]");
  const sectionPos = $("[data-bim-section-pos]");
  const plane = new T.Plane(new T.Vector3(0, -1, 0), 0);
  function setupSection() {
    sectionOn.addEventListener("change", updateSection);
    sectionAxis.addEventListener("change", updateSection);
    sectionPos.addEventListener("input", updateSection);
  }
  function updateSection() {
    const on = sectionOn.checked;
    sectionAxis.disabled = sectionPos.disabled = !on;
    if (!on) {
      renderer.clippingPlanes = [];
    } else {
      const t = Number(sectionPos.value) / Number(sectionPos.max || 100);
      const b = model.box;
      const axis = sectionAxis.value;
      if (axis === "x") plane.set(new T.Vector3(-1, 0, 0), b.min.x + t * (b.max.x - b.min.x));
      else if (axis === "y") plane.set(new T.Vector3(0, 0, 1), -(b.max.z - t * (b.max.z - b.min.z)));
      else plane.set(new T.Vector3(0, -1, 0), b.min.y + t * (b.max.y - b.min.y));
      renderer.clippingPlanes = [plane];
    }
    root.dataset.section = on ? sectionAxis.value + ":" + sectionPos.value : "";
    requestRender();
  }

  // ------------------------------------------------------------------------------------------- colours
  const tmp = new T.Color();
  function rgba(hex, alpha) {
    tmp.set(hex); // sRGB in, linear (three's working space, like glTF vertex colours) out
    return [tmp.r, tmp.g, tmp.b, alpha];
  }

  // Write colour c ([r, g, b, a] linear, or null for the original) to every vertex of element e. `ranged`: upload
  // only the changed vertices to the GPU (a few elements); otherwise the whole array is sent once (a repaint).
  function paintElement(e, c, ranged) {
    const r = model.runs[e];
    if (!r) return;
    for (let k = 0; k < r.length; k += 3) {
      const m = model.meshes[r[k]], arr = m.color.array, size = m.color.itemSize, s = m.scale;
      const from = r[k + 1] * size, to = (r[k + 1] + r[k + 2]) * size;
      if (c === null) {
        arr.set(m.original.subarray(from, to), from);
      } else {
        for (let i = from; i < to; i += size) {
          arr[i] = c[0] * s; arr[i + 1] = c[1] * s; arr[i + 2] = c[2] * s;
          if (size === 4) arr[i + 3] = m.original[i + 3];
        }
      }
      if (!ranged) m.fullUpload = true;
      else if (!m.fullUpload) m.color.addUpdateRange(from, to - from);
      m.color.needsUpdate = true;
    }
  }

  // Ghosts (translucent elements) last in each mesh's index buffer, drawn with the ghost material.
  function setGhosts(isGhost) {
    for (const m of model.meshes) {
      const runs = m.triRuns, idx = m.geometry.index.array, src = m.index;
      let any = false;
      if (isGhost) for (let k = 0; k < runs.length; k += 3) if (isGhost(runs[k + 2])) { any = true; break; }
      m.geometry.clearGroups();
      if (!any) {
        if (m.ghosted) { idx.set(src); m.geometry.index.needsUpdate = true; }
        m.mesh.material = m.solidMat;
        m.ghosted = false;
        continue;
      }
      let pos = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k < runs.length; k += 3) {
          if (isGhost(runs[k + 2]) === (pass === 1)) {
            idx.set(src.subarray(runs[k], runs[k] + runs[k + 1]), pos);
            pos += runs[k + 1];
          }
          if (pass === 0 && k + 3 >= runs.length) m.solidCount = pos;
        }
      }
      m.geometry.index.needsUpdate = true;
      m.geometry.addGroup(0, m.solidCount, 0);
      m.geometry.addGroup(m.solidCount, idx.length - m.solidCount, 1);
      m.mesh.material = [m.solidMat, m.ghostMat];
      m.ghosted = true;
    }
  }

  // ------------------------------------------------------------------------------------------- modes
  let mode = "original";
  let modeColour = null; // per element: [r, g, b, a] or null (original colours)
  let ghost = null; // per element: true when drawn translucent
  const selection = new Set();
  let focus = null; // the element whose details the panel shows

  let linksPromise = null;
  let elementLinks = null; // per element: [link id …]
  let findingsPromise = null;
  const statusCache = new Map(); // date → Promise of {date, links, counts}

  function loadLinks() {
    if (!linksPromise) {
      linksPromise = getJSON(config.links).then((data) => {
        elementLinks = model.gids.map(() => []);
        for (const link of data.links || []) {
          for (const e of link.elements || []) if (elementLinks[e]) elementLinks[e].push(String(link.id));
        }
        root.dataset.links = String((data.links || []).length);
        return data;
      });
      linksPromise.catch(() => { linksPromise = null; });
    }
    return linksPromise;
  }
  function loadStatus(date) {
    if (!statusCache.has(date)) {
      const url = config.status + (config.status.indexOf("?") === -1 ? "?" : "&") + "date=" + encodeURIComponent(date);
      const p = getJSON(url);
      statusCache.set(date, p);
      p.catch(() => statusCache.delete(date));
    }
    return statusCache.get(date);
  }
  function loadFindings() {
    if (!findingsPromise) {
      findingsPromise = getJSON(config.findings);
      findingsPromise.catch(() => { findingsPromise = null; });
    }
    return findingsPromise;
  }

  // Repaint every element for the current mode; `perElement(e)` → a status key or null (unlinked: ghost).
  function paintAll(perElement, order) {
    const n = model.elementCount;
    const colours = {};
    for (const key of order) colours[key] = rgba((config.colours || {})[key] || NEUTRAL, 1);
    const neutral = rgba(NEUTRAL, 1);
    const counts = {};
    for (const key of order) counts[key] = 0;
    let none = 0;
    modeColour = new Array(n);
    ghost = new Uint8Array(n);
    for (let e = 0; e < n; e++) {
      const key = perElement ? perElement(e) : undefined;
      if (perElement === null) { modeColour[e] = null; continue; }
      if (key) { modeColour[e] = colours[key]; counts[key] += 1; } else { modeColour[e] = neutral; ghost[e] = 1; none += 1; }
    }
    for (const m of model.meshes) m.color.clearUpdateRanges();
    for (let e = 0; e < n; e++) paintElement(e, selection.has(e) ? rgba(HIGHLIGHT, 1) : modeColour[e], false);
    setGhosts(perElement === null ? null : (e) => ghost[e] === 1 && !selection.has(e));
    requestRender();
    return { counts, none };
  }

  function drawLegend(order, result, noneLabel) {
    legend.replaceChildren();
    if (!result) { legend.hidden = true; return; }
    legend.hidden = false;
    const entries = order.map((key) => [key, (config.labels || {})[key] || key, (config.colours || {})[key] || NEUTRAL,
                                        result.counts[key]]);
    entries.push(["none", noneLabel, NEUTRAL, result.none]);
    for (const [key, label, colour, count] of entries) {
      const li = document.createElement("li");
      li.dataset.key = key;
      const sw = document.createElement("span");
      sw.className = "bim-swatch" + (key === "none" ? " bim-swatch-ghost" : "");
      sw.style.setProperty("--swatch", colour);
      const name = document.createElement("span");
      name.textContent = label;
      const c = document.createElement("span");
      c.className = "num";
      c.dataset.count = String(count);
      c.textContent = String(count);
      li.append(sw, name, c);
      legend.append(li);
    }
  }

  const PROGRESS = ["done", "in_progress", "late", "not_started"];
  const INSPECTION = ["failed", "pending", "passed"];
  let paintToken = 0;

  function applyMode() {
    if (!model) return;
    performance.mark("bim-mode");
    const token = ++paintToken;
    root.dataset.mode = mode;
    dateBox.hidden = mode !== "progress";
    if (mode === "original") {
      paintAll(null, []);
      drawLegend([], null);
      root.dataset.painted = "original";
      return;
    }
    root.dataset.painted = "";
    status.textContent = L.lFetching;
    let work;
    if (mode === "progress") {
      const date = currentDate();
      work = Promise.all([loadLinks(), loadStatus(date)]).then(([, st]) => {
        if (token !== paintToken) return;
        const linkStatus = st.links || {};
        const result = paintAll((e) => {
          const ids = elementLinks[e];
          if (!ids || ids.length === 0) return null;
          return combine(ids.map((id) => linkStatus[id]).filter(Boolean));
        }, PROGRESS);
        drawLegend(PROGRESS, result, L.lUnlinked);
        root.dataset.painted = "progress:" + date;
        performance.mark("bim-painted");
        status.textContent = L.lProgressOn.replace("{d}", date);
      });
    } else {
      work = loadFindings().then((data) => {
        if (token !== paintToken) return;
        const byElement = data.elements || {};
        const result = paintAll((e) => byElement[String(e)] || null, INSPECTION);
        drawLegend(INSPECTION, result, L.lNoInspection);
        root.dataset.painted = "inspections";
        performance.mark("bim-painted");
        status.textContent = (data.findings || []).length ? "" : L.lNoFindings;
      });
    }
    return work.catch((error) => {
      if (token === paintToken) status.textContent = L.lFetchFailed + " " + (error.message || error);
    });
  }

  root.querySelectorAll("input[name=bim-mode]").forEach((input) => {
    input.addEventListener("change", () => {
      if (!input.checked) return;
      mode = input.value;
      stopPlaying();
      applyMode();
    });
  });

  // ------------------------------------------------------------------------------------------- dates (4D)
  const dateBox = $("[data-bim-dates]");
  const slider = $("[data-bim-date-slider]");
  const dateInput = $("[data-bim-date]");
  const playButton = $("[data-bim-play]");
  const today = config.today || new Date().toISOString().slice(0, 10);
  const dMin = config.date_min ? dayNumber(config.date_min) : dayNumber(today);
  const dMax = Math.max(config.date_max ? dayNumber(config.date_max) : dayNumber(today), dMin);
  const span = dMax - dMin;
  const step = span > 180 ? 7 : 1;
  slider.min = "0";
  slider.max = String(span);
  slider.step = "1";
  slider.value = String(Math.min(Math.max(dayNumber(today) - dMin, 0), span));
  dateInput.min = isoOf(dMin);
  dateInput.max = isoOf(dMax);
  function currentDate() { return isoOf(dMin + Number(slider.value)); }
  function showDate() {
    dateInput.value = currentDate();
    slider.setAttribute("aria-valuetext", currentDate());
  }
  showDate();

  let debounce = null;
  slider.addEventListener("input", () => {
    showDate();
    clearTimeout(debounce);
    debounce = setTimeout(applyMode, 150);
  });
  dateInput.addEventListener("change", () => {
    if (!dateInput.value) return;
    const d = Math.min(Math.max(dayNumber(dateInput.value) - dMin, 0), span);
    slider.value = String(d);
    showDate();
    applyMode();
  });

  let playing = false;
  function stopPlaying() {
    playing = false;
    playButton.setAttribute("aria-pressed", "false");
    playButton.textContent = L.lPlay;
  }
  function playStep() {
    if (!playing) return;
    const next = Math.min(Number(slider.value) + step, span);
    slider.value = String(next);
    showDate();
    Promise.resolve(applyMode()).then(() => {
      if (next >= span) { stopPlaying(); return; }
      setTimeout(playStep, 250); // the next date once this one is drawn: never more than one request at a time
    });
  }
  playButton.addEventListener("click", () => {
    if (playing) { stopPlaying(); return; }
    if (Number(slider.value) >= span) slider.value = "0";
    playing = true;
    playButton.setAttribute("aria-pressed", "true");
    playButton.textContent = L.lPause;
    playStep();
  });

  // ------------------------------------------------------------------------------------------- picking
  const raycaster = new T.Raycaster();
  const pointer = new T.Vector2();
  let down = null;

  function pick(clientX, clientY) {
    const rect = canvas.getBoundingClientRect();
    pointer.set(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
    const hits = raycaster.intersectObjects(model.meshes.map((m) => m.mesh), false);
    const clipping = renderer.clippingPlanes.length > 0;
    for (const hit of hits) {
      if (clipping && plane.distanceToPoint(hit.point) < 0) continue; // cut away by the section plane
      if (!hit.face) continue;
      const m = model.meshes.find((x) => x.mesh === hit.object);
      return Math.round(m.element[hit.face.a]);
    }
    return null;
  }

  function refreshElement(e) {
    paintElement(e, selection.has(e) ? rgba(HIGHLIGHT, 1) : (modeColour ? modeColour[e] : null), true);
  }

  function select(e, additive) {
    const before = Array.from(selection);
    if (!additive) selection.clear();
    if (e !== null) {
      if (additive && selection.has(e)) selection.delete(e);
      else selection.add(e);
    }
    const changed = before.filter((x) => !selection.has(x)).concat(Array.from(selection).filter((x) => !before.includes(x)));
    for (const x of changed) refreshElement(x);
    if (ghost && changed.some((x) => ghost[x] === 1)) setGhosts((x) => ghost[x] === 1 && !selection.has(x));
    requestRender();
    focus = e !== null && selection.has(e) ? e : (selection.size ? Array.from(selection).pop() : null);
    root.dataset.selected = String(selection.size);
    showSelection();
    showElement(focus);
  }

  canvas.addEventListener("pointerdown", (event) => { down = [event.clientX, event.clientY]; });
  canvas.addEventListener("pointerup", (event) => {
    if (!model || !down || event.button !== 0) return;
    const moved = Math.hypot(event.clientX - down[0], event.clientY - down[1]);
    down = null;
    if (moved > 4) return; // an orbit or a pan, not a click
    performance.mark("bim-click");
    select(pick(event.clientX, event.clientY), event.ctrlKey || event.shiftKey || event.metaKey);
  });
  canvas.addEventListener("keydown", (event) => {
    if (!model) return;
    if (event.key === "Escape") select(null, false);
    else if (event.key === "f" || event.key === "F" || event.key === "Home") { fitView(); event.preventDefault(); }
  });

  // ------------------------------------------------------------------------------------------- the side panel
  const tpl = document.getElementById("bim-element-template");
  let detailToken = 0;

  function text(el, value) { if (el) el.textContent = value === null || value === undefined || value === "" ? "—" : String(value); }

  function showElement(e) {
    const token = ++detailToken;
    panel.replaceChildren();
    if (e === null) {
      const p = document.createElement("p");
      p.className = "muted";
      p.dataset.testid = "bim-panel-empty";
      p.textContent = L.lPickHint;
      panel.append(p);
      return;
    }
    const gid = model.gids[e];
    const node = tpl.content.cloneNode(true);
    const card = node.firstElementChild;
    card.dataset.index = String(e);
    text(card.querySelector("[data-f=global_id]"), gid);
    card.querySelector("[data-f=state]").textContent = L.lFetching;
    panel.append(node);
    getJSON(config.element.replace("__gid__", encodeURIComponent(gid))).then((d) => {
      if (token !== detailToken) return;
      fillElement(card, d);
    }).catch((error) => {
      if (token !== detailToken) return;
      card.querySelector("[data-f=state]").textContent = L.lFetchFailed + " " + (error.message || error);
    });
  }

  function fillElement(card, d) {
    card.querySelector("[data-f=state]").textContent = "";
    text(card.querySelector("[data-f=ifc_class]"), d.ifc_class);
    text(card.querySelector("[data-f=name]"), d.name);
    text(card.querySelector("[data-f=storey]"), d.storey ? (d.storey.name || d.storey.global_id) : "");
    card.dataset.loaded = "true";
    performance.mark("bim-panel");

    const props = card.querySelector("[data-f=properties]");
    const sets = Object.entries(d.properties || {});
    if (sets.length === 0) {
      props.append(mutedP(L.lNoProperties));
    }
    sets.forEach(([setName, values], i) => {
      const det = document.createElement("details");
      det.className = "bim-pset";
      if (i === 0) det.open = true;
      const sum = document.createElement("summary");
      sum.textContent = setName;
      const dl = document.createElement("dl");
      dl.className = "kv";
      for (const [k, v] of Object.entries(values || {})) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = formatValue(v);
        dl.append(dt, dd);
      }
      det.append(sum, dl);
      props.append(det);
    });

    const links = card.querySelector("[data-f=links]");
    if (!d.links || d.links.length === 0) links.append(mutedP(L.lNoLinks));
    else {
      const ul = document.createElement("ul");
      ul.className = "bim-list";
      for (const link of d.links) {
        const li = document.createElement("li");
        const task = link.task || {};
        const a = document.createElement(task.url ? "a" : "span");
        if (task.url) a.href = task.url;
        a.textContent = (task.wbs ? task.wbs + " " : "") + (task.name || link.name);
        const st = document.createElement("span");
        const key = task.status_today || "";
        st.className = "bim-status bim-status-" + key;
        st.dataset.status = key;
        st.style.setProperty("--swatch", (config.colours || {})[key] || NEUTRAL);
        st.textContent = (config.labels || {})[key] || key;
        const via = document.createElement("small");
        via.className = "muted";
        via.textContent = link.name;
        li.append(a, " ", st, document.createElement("br"), via);
        ul.append(li);
      }
      links.append(ul);
    }

    const findings = card.querySelector("[data-f=findings]");
    if (!d.findings || d.findings.length === 0) findings.append(mutedP(L.lNoFindingsHere));
    else {
      const ul = document.createElement("ul");
      ul.className = "bim-list";
      for (const f of d.findings) {
        const li = document.createElement("li");
        const st = document.createElement("span");
        st.className = "bim-status";
        st.dataset.status = f.result;
        st.style.setProperty("--swatch", (config.colours || {})[f.result] || NEUTRAL);
        st.textContent = (config.labels || {})[f.result] || f.result;
        const a = document.createElement(f.url ? "a" : "span");
        if (f.url) a.href = f.url;
        a.textContent = f.label;
        const date = document.createElement("small");
        date.className = "muted";
        date.textContent = f.date ? " " + f.date : "";
        li.append(st, " ", a, date);
        ul.append(li);
      }
      findings.append(ul);
    }
  }

  function mutedP(t) {
    const p = document.createElement("p");
    p.className = "muted small";
    p.textContent = t;
    return p;
  }
  function formatValue(v) {
    if (v === null || v === undefined) return "—";
    if (v === true) return L.lYes;
    if (v === false) return L.lNo;
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  // ------------------------------------------------------------------------------------------- selection → task
  const selBox = $("[data-bim-selection]");
  const selCount = $("[data-bim-selection-count]");
  const linkForm = document.getElementById("bim-link-form");
  const linkState = $("[data-bim-link-state]");
  function showSelection() {
    selBox.hidden = selection.size === 0;
    selCount.textContent = L.lSelected.replace("{n}", String(selection.size));
    if (linkForm) linkForm.hidden = selection.size === 0;
  }
  $("[data-bim-clear]").addEventListener("click", () => select(null, false));

  if (linkForm && config.link_create) {
    linkForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(linkForm);
      const body = {
        task: Number(data.get("task")), kind: "selection", name: String(data.get("name") || "").trim(),
        global_ids: Array.from(selection).sort((a, b) => a - b).map((e) => model.gids[e]),
      };
      const submit = linkForm.querySelector("button[type=submit]");
      submit.disabled = true;
      linkForm.dataset.state = "saving";
      linkState.textContent = L.lSaving;
      fetch(config.link_create, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": String(data.get("csrfmiddlewaretoken") || "") },
        body: JSON.stringify(body),
      }).then((r) => r.json().catch(() => ({})).then((payload) => {
        if (!r.ok) {
          const err = payload.error || {};
          const fields = Object.values(err.fields || {}).flat();
          throw new Error([err.message || r.status + " " + r.statusText].concat(fields).join(" "));
        }
        linkForm.dataset.state = "saved";
        linkState.textContent = L.lLinked.replace("{n}", String(body.global_ids.length));
        linkForm.reset();
        linksPromise = null; // the links changed: fetch them again, and every status
        statusCache.clear();
        root.dataset.linkCreated = String(payload.id || "");
        if (mode !== "original") applyMode();
        if (focus !== null) showElement(focus);
      })).catch((error) => {
        linkForm.dataset.state = "failed";
        linkState.textContent = error.message || String(error);
      }).finally(() => { submit.disabled = false; });
    });
  }
  showSelection();
  showElement(null);
})();
