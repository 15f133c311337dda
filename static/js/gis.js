// Maps of key projects (projects/gis): the map of every project the user may see, and one project's location
// with the drawing tools. Everything configurable comes from the page's JSON (#gis-config, built from the
// settings by projects.gis.selectors.map_config); nothing is fetched from outside the portal.
//
// Coordinates are stored in WGS84/CGCS2000. A GCJ-02 tile source (高德-style) is drawn by shifting every position
// to GCJ-02 before it reaches Leaflet, and a shape drawn on it is shifted back before it is saved.
(function () {
  "use strict";

  // ------------------------------------------------------------------------------------------- GCJ-02
  // The standard published formula (Krasovsky ellipsoid); projects/gis/gcj02.py is its Python twin.
  const A = 6378245.0;
  const EE = 0.00669342162296594323;

  function outOfChina(lon, lat) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function shiftLat(x, y) {
    let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }

  function shiftLon(x, y) {
    let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return ret;
  }

  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    let dlat = shiftLat(lon - 105.0, lat - 35.0);
    let dlon = shiftLon(lon - 105.0, lat - 35.0);
    const radlat = lat / 180.0 * Math.PI;
    const magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat);
    const sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * Math.PI);
    dlon = (dlon * 180.0) / (A / sqrtmagic * Math.cos(radlat) * Math.PI);
    return [lon + dlon, lat + dlat];
  }

  function gcj02ToWgs84(lon, lat) {
    // No closed form: iterate until the forward shift of the guess lands on the given point (≈ 1e-10°).
    if (outOfChina(lon, lat)) return [lon, lat];
    let wlon = lon, wlat = lat;
    for (let i = 0; i < 30; i++) {
      const g = wgs84ToGcj02(wlon, wlat);
      const dlon = g[0] - lon, dlat = g[1] - lat;
      wlon -= dlon; wlat -= dlat;
      if (Math.abs(dlon) < 1e-10 && Math.abs(dlat) < 1e-10) break;
    }
    return [wlon, wlat];
  }

  function round7(x) { return Math.round(x * 1e7) / 1e7; }

  // Apply `fn(lon, lat) → [lon, lat]` to every position of a GeoJSON geometry, feature or collection (a copy).
  function mapPositions(obj, fn) {
    if (obj === null || obj === undefined) return obj;
    if (obj.type === "FeatureCollection") return Object.assign({}, obj, { features: obj.features.map((f) => mapPositions(f, fn)) });
    if (obj.type === "Feature") return Object.assign({}, obj, { geometry: mapPositions(obj.geometry, fn) });
    if (obj.type === "GeometryCollection") return Object.assign({}, obj, { geometries: obj.geometries.map((g) => mapPositions(g, fn)) });
    const walk = (c) => (typeof c[0] === "number" ? fn(c[0], c[1]) : c.map(walk));
    return Object.assign({}, obj, { coordinates: walk(obj.coordinates) });
  }

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // ------------------------------------------------------------------------------------------- the map
  function displayShift(config) {
    const gcj = config.tiles.crs === "gcj02";
    return {
      toDisplay: (obj) => (gcj ? mapPositions(obj, wgs84ToGcj02) : obj),
      fromDisplay: (obj) => mapPositions(obj, gcj ? (lon, lat) => gcj02ToWgs84(lon, lat).map(round7) : (lon, lat) => [round7(lon), round7(lat)]),
      point: (p) => (gcj ? wgs84ToGcj02(p[0], p[1]) : p),
    };
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
    return node;
  }

  // The province outline (static/geo/zhejiang.json, Natural Earth, public domain: scripts/build_map_outline.py)
  // in the background pane, over the graticule and under the projects, taking no clicks. Fetched from the
  // portal's own static files (the browser caches it); the container's data-outline says "drawn" or "failed"
  // (the map works without it).
  function outline(map, config, shift) {
    const container = map.getContainer();
    if (!config.outline_url) return;
    const styles = {
      province: { color: "#5b7fa6", weight: 1.6, opacity: 0.9, fillColor: "#ffffff", fillOpacity: 0.75 },
      land: { stroke: false, fillColor: "#e4e9ef", fillOpacity: 1 },
    };
    fetch(config.outline_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then((collection) => {
        L.geoJSON(shift.toDisplay(collection), {
          pane: "gis-base", interactive: false, pmIgnore: true, snapIgnore: true,
          style: (f) => Object.assign({ className: "gis-outline gis-outline-" + f.properties.kind }, styles[f.properties.kind] || styles.land),
        }).addTo(map);
        container.dataset.outline = "drawn";
      })
      .catch(() => { container.dataset.outline = "failed"; });
  }

  function plainBackground(map, config, shift) {
    // No tile server: a light graticule every degree, the province outline and the prefecture cities, so that
    // the shapes have a place.
    map.getContainer().classList.add("gis-plain");
    // One pane under the projects (overlay 400) for the background: the graticule, then the outline over it.
    const base = map.createPane("gis-base");
    base.style.zIndex = "350";
    base.style.pointerEvents = "none";
    const opts = { pane: "gis-base", color: "#9fb3c8", weight: 0.6, opacity: 0.6, interactive: false, pmIgnore: true, className: "gis-graticule" };
    for (let lon = 70; lon <= 140; lon += 1) L.polyline([[0, lon], [60, lon]], opts).addTo(map);
    for (let lat = 0; lat <= 60; lat += 1) L.polyline([[lat, 70], [lat, 140]], opts).addTo(map);
    outline(map, config, shift);
    // The city labels have a pane of their own above the project shapes and markers (overlay 400, markers 600),
    // under the tooltips and popups, and take no clicks: a project drawn on a city never hides its name, and
    // the name never takes the project's click. The name sits just below the city's point (gis.css), so a
    // project marker on that point stays visible too.
    const pane = map.createPane("gis-labels");
    pane.style.zIndex = "625";
    pane.style.pointerEvents = "none";
    (config.cities || []).forEach((city) => {
      const p = shift.point(city.point);
      L.marker([p[1], p[0]], {
        pane: "gis-labels", interactive: false, keyboard: false, pmIgnore: true,
        icon: L.divIcon({ className: "gis-city", html: el("span", { text: city.name }), iconSize: null }),
      }).addTo(map);
    });
  }

  function createMap(container, config) {
    const shift = displayShift(config);
    const center = shift.point(config.center);
    const map = L.map(container, { center: [center[1], center[0]], zoom: config.zoom, maxZoom: config.tiles.max_zoom, zoomSnap: 0.5, zoomControl: false });
    // Leaflet's own control says "Zoom in/out"; ours speaks the page's language (its title is also its aria-label).
    L.control.zoom({ zoomInTitle: config.labels.zoom_in, zoomOutTitle: config.labels.zoom_out }).addTo(map);
    if (config.tiles.url) {
      const opts = { maxZoom: config.tiles.max_zoom, attribution: config.tiles.attribution || "" };
      if (config.tiles.subdomains) opts.subdomains = config.tiles.subdomains;
      L.tileLayer(config.tiles.url, opts).addTo(map);
      if (config.tiles.overlay_url) L.tileLayer(config.tiles.overlay_url, opts).addTo(map);
    } else {
      plainBackground(map, config, shift);
    }
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ imperial: false }).addTo(map);
    return { map, shift };
  }

  // ------------------------------------------------------------------------------------------- all projects
  function styleFor(kind, colour) {
    if (kind === "point") return { radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.95 };
    if (kind === "line") return { color: colour, weight: 4, opacity: 0.9 };
    return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
  }

  function popupFor(props, config) {
    const labels = config.labels;
    const statusTag = { on_track: "tag-green", late_tasks: "tag-amber", overdue: "tag-red" }[props.status] || "";
    return el("div", { class: "gis-popup", "data-testid": "map-popup" }, [
      el("a", { href: props.url, class: "gis-popup-title", "data-testid": "popup-link" }, [el("strong", { text: props.name })]),
      el("dl", {}, [
        el("dt", { text: labels.code }), el("dd", { class: "mono", text: props.code }),
        el("dt", { text: labels.stage_title }), el("dd", {}, [
          el("span", { class: "phase phase-" + props.phase, text: labels.phase[props.phase] || props.phase }), " ",
          labels.stage[props.stage] || props.stage]),
        el("dt", { text: labels.owner }), el("dd", { text: props.owner }),
        el("dt", { text: labels.status_title }), el("dd", {}, [el("span", { class: "tag " + statusTag, text: labels.status[props.status] || props.status })]),
      ]),
      el("a", { href: props.url, class: "btn btn-primary", text: labels.open }),
    ]);
  }

  // Every drawable layer inside `layer` (a MultiPoint or GeometryCollection becomes a group of groups).
  function leaves(layer, fn) {
    if (layer instanceof L.LayerGroup) layer.eachLayer((child) => leaves(child, fn)); else fn(layer);
  }

  // The project's id on the shape's SVG element (for tests and for styling), whenever the shape is drawn.
  function tag(layer, id) {
    layer.on("add", () => { const node = layer.getElement && layer.getElement(); if (node) node.dataset.project = String(id); });
  }

  function kindOf(type) {
    if (type.endsWith("Point")) return "point";
    if (type.endsWith("LineString")) return "line";
    return "polygon";
  }

  // The detail level of a zoom: the index of the first level whose highest zoom reaches it (config.detail_zooms,
  // from projects/gis/simplify.py LEVELS); past the last, the stored geometries.
  function detailLevel(config, zoom) {
    const tops = config.detail_zooms || [];
    const i = tops.findIndex((top) => zoom <= top);
    return i === -1 ? tops.length : i;
  }

  function projectsMap(container, config) {
    const { map, shift } = createMap(container, config);
    const count = document.querySelector("[data-testid=map-count]");
    let shapes = []; // {layer, kind, props}
    // A line or an area too small to see or click at the current zoom is also shown as a dot at its
    // representative point (the feature's "point").
    let dots = []; // {dot, bounds}
    let drawnGroup = null; // every shape of the last answer
    const markers = L.layerGroup();
    let colourBy = "phase";
    // The geometries come simplified for the map's zoom (the API's `zoom`): asked again only when the zoom
    // crosses into another detail level, never on a pan; the browser revalidates its copy with the ETag.
    let loadedLevel = null;
    let requested = 0; // the latest request: an older answer arriving late is dropped

    function colourOf(props) { return config.colours[colourBy][props[colourBy]] || "#64748b"; }
    function restyle() {
      shapes.forEach((s) => s.layer.setStyle(styleFor(s.kind, colourOf(s.props))));
    }
    function toggleDots() {
      dots.forEach(({ dot, bounds }) => {
        const size = map.latLngToLayerPoint(bounds.getNorthEast()).distanceTo(map.latLngToLayerPoint(bounds.getSouthWest()));
        if (size < 16) markers.addLayer(dot); else markers.removeLayer(dot);
      });
    }

    function draw(body) {
      const group = L.featureGroup();
      const newShapes = [];
      const newDots = [];
      // Areas first, then lines, then points: the small shapes stay clickable on top of the large ones.
      const order = { polygon: 0, line: 1, point: 2 };
      const features = body.features.slice().sort((a, b) => order[kindOf(a.geometry.type)] - order[kindOf(b.geometry.type)]);
      features.forEach((feature) => {
        const display = shift.toDisplay(feature.geometry);
        const props = feature.properties;
        const shape = L.geoJSON(display, {
          className: "gis-project",
          pointToLayer: (f, latlng) => L.circleMarker(latlng, { className: "gis-project" }),
        });
        leaves(shape, (layer) => {
          const kind = layer instanceof L.CircleMarker ? "point" : layer instanceof L.Polygon ? "polygon" : "line";
          layer.bindPopup(() => popupFor(props, config), { maxWidth: 320 });
          tag(layer, props.id);
          newShapes.push({ layer, kind, props });
        });
        group.addLayer(shape);
        if (kindOf(feature.geometry.type) !== "point") {
          const p = shift.point(props.point);
          const dot = L.circleMarker([p[1], p[0]], { className: "gis-project gis-project-dot" });
          dot.bindPopup(() => popupFor(props, config), { maxWidth: 320 });
          tag(dot, props.id);
          newShapes.push({ layer: dot, kind: "point", props });
          newDots.push({ dot, bounds: shape.getBounds() });
        }
      });
      // Swap in one go: the old shapes stay until the new ones are ready.
      if (drawnGroup) map.removeLayer(drawnGroup);
      markers.clearLayers();
      shapes = newShapes;
      dots = newDots;
      drawnGroup = group;
      restyle();
      group.addTo(map);
      return features.length;
    }

    function load(level, first) {
      const zoom = Math.max(0, Math.min(22, Math.ceil(map.getZoom())));
      const url = container.dataset.featuresUrl;
      const request = ++requested;
      loadedLevel = level;
      if (first) count.textContent = config.labels.loading;
      container.dataset.loading = "true";
      fetch(url + (url.indexOf("?") === -1 ? "?" : "&") + "zoom=" + zoom,
        { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
        .then(({ ok, body }) => {
          if (request !== requested) return; // a newer request is on its way
          if (!ok) throw new Error((body.error && body.error.message) || String(body));
          const n = draw(body);
          if (first) {
            markers.addTo(map);
            const bounds = drawnGroup.getBounds();
            if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12 });
          }
          toggleDots();
          count.classList.remove("error");
          count.textContent = n ? config.labels.drawn.replace("%(n)s", String(n)) : config.labels.none;
          container.dataset.drawn = String(n);
          container.dataset.level = String(level);
          delete container.dataset.loading;
        })
        .catch((err) => {
          if (request !== requested) return;
          loadedLevel = null; // asked again on the next zoom
          count.textContent = config.labels.failed.replace("%(reason)s", err.message);
          count.classList.add("error");
          container.dataset.drawn = "error";
          delete container.dataset.loading;
        });
    }

    map.on("zoomend", () => {
      toggleDots();
      const level = detailLevel(config, map.getZoom());
      if (level !== loadedLevel) load(level, false);
    });
    load(detailLevel(config, map.getZoom()), true);

    document.querySelectorAll("input[name=colour-by]").forEach((input) => {
      input.addEventListener("change", () => {
        colourBy = input.value;
        document.querySelectorAll("[data-legend]").forEach((node) => { node.hidden = node.dataset.legend !== colourBy; });
        restyle();
        container.dataset.colourBy = colourBy;
      });
    });
    return map;
  }

  // ------------------------------------------------------------------------------------------- one location
  function locationMap(container, config) {
    const { map, shift } = createMap(container, config);
    const stored = readJSON("gis-location");
    const editable = container.dataset.editable === "true" && L.PM !== undefined;
    const drawn = L.featureGroup().addTo(map);
    const style = { color: "#0b4a8b", weight: 4, fillColor: "#0b4a8b", fillOpacity: 0.25, className: "gis-project" };
    if (stored) {
      leaves(L.geoJSON(shift.toDisplay(stored), Object.assign({}, style, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, Object.assign({}, style, { radius: 8, weight: 2, fillOpacity: 0.9 })),
      })), (layer) => drawn.addLayer(layer));
      map.fitBounds(drawn.getBounds(), { padding: [32, 32], maxZoom: 15 });
    }
    container.dataset.drawn = String(drawn.getLayers().length);
    if (!editable) return map;

    const form = document.getElementById("gis-draw-form");
    const source = form.querySelector("textarea[name=geometry]");
    const state = form.querySelector("[data-testid=draw-state]");
    let typedByHand = false;
    source.addEventListener("input", () => { typedByHand = true; });

    const lang = (document.documentElement.lang || "zh").toLowerCase().startsWith("zh") ? "zh" : "en";
    map.pm.setLang(lang);
    map.pm.setGlobalOptions({ layerGroup: drawn, pathOptions: style, templineStyle: { color: "#0b4a8b" }, hintlineStyle: { color: "#0b4a8b", dashArray: [5, 5] } });
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
      drawCircleMarker: true, drawPolyline: true, drawPolygon: true, drawRectangle: true, editMode: true, dragMode: true, removalMode: true,
    });
    // Geoman titles each tool's box, not its button: give the buttons those names too (screen readers, GB/T 37668).
    container.querySelectorAll(".leaflet-pm-toolbar .button-container[title] > a").forEach((button) => {
      button.setAttribute("aria-label", button.parentElement.getAttribute("title"));
    });
    function changed() {
      state.textContent = form.dataset.unsaved;
      container.dataset.drawn = String(drawn.getLayers().length);
      form.dataset.dirty = "true";
    }
    map.on("pm:create", (e) => { e.layer.on("pm:edit pm:dragend", changed); changed(); });
    map.on("pm:remove", (e) => { drawn.removeLayer(e.layer); changed(); });
    drawn.eachLayer((layer) => layer.on("pm:edit pm:dragend", changed));

    form.addEventListener("submit", (event) => {
      if (typedByHand) return; // the GeoJSON typed in the box is sent as it is
      const collection = drawn.toGeoJSON(false); // false: no rounding to 6 places (the stored positions have 7)
      if (!collection.features.length) {
        event.preventDefault();
        state.textContent = form.dataset.empty;
        return;
      }
      source.value = JSON.stringify(shift.fromDisplay(collection));
    });
    return map;
  }

  // ------------------------------------------------------------------------------------------- start
  function start() {
    const container = document.getElementById("gis-map");
    const config = readJSON("gis-config");
    if (!container || !config || typeof L === "undefined") return;
    // Kept on the element so that a test or the console can reach the Leaflet map.
    container.gisMap = container.dataset.page === "map" ? projectsMap(container, config) : locationMap(container, config);
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
    });
  }

  window.PortalGIS = { wgs84ToGcj02, gcj02ToWgs84, mapPositions };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
