// The simulator's result viewer: OpenSeadragon on the simulator's Deep Zoom tiles, stored results drawn on a
// canvas over it as DPAT draws them, a panel with each result's text, versions and patch gallery, live refresh.
// DPAT points are normalised by the image width (x 0..1, y 0..height/width): OpenSeadragon's viewport units.
(function () {
  "use strict";
  const root = document.getElementById("app");
  if (!root) return;
  const base = root.dataset.base;
  const slideId = root.dataset.slide;
  const COLOUR = /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
  const DEFAULT_STROKE = "#FFFF00";
  const GALLERY_STROKE = "#00E5FF";
  const TAG_COLOURS = ["#FF4D4D", "#4DA6FF", "#5CE65C", "#FFB84D", "#D94DFF", "#FFFFFF"];
  const MAX_THUMBS = 200;

  const state = {
    slide: null,
    viewer: null,
    results: [],
    data: new Map(), // "result|version" -> data
    resultOn: new Map(), // result id -> bool
    versionsOn: new Map(), // result id -> Set of version ids chosen by the user (absent: the current one)
    drawCount: 0,
    firstDrawnAt: {}, // "result|version" -> performance.now() of its first draw
    generation: 0, // bumped whenever what is shown changes
    drawnSignature: "",
    drawnKeys: [],
    lastDrawMs: 0,
    events: 0,
    refreshes: 0, // state re-read from the server after the first load
    stamp: null, // the server's "state" stamp of what was last read
    stream: null, // the EventSource, once live
  };
  window.dpatViewer = state;

  function url(path, params) {
    return base + "/-/" + path + "?" + new URLSearchParams(params).toString();
  }

  async function getJSON(address) {
    const response = await fetch(address); // the server says no-store; the page preloads its first requests
    if (!response.ok) throw new Error(address + " answered " + response.status);
    return response.json();
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // --- which versions are shown ----------------------------------------------------------------
  function shownVersions(result) {
    if (state.resultOn.get(result.id) === false) return [];
    const chosen = state.versionsOn.get(result.id);
    if (!chosen) return [result.versionId];
    return result.versions.filter((v) => chosen.has(v));
  }

  function shownKeys() {
    const keys = [];
    for (const r of state.results) for (const v of shownVersions(r)) keys.push(r.id + "|" + v);
    return keys;
  }

  async function loadShown() {
    const missing = shownKeys().filter((k) => !state.data.has(k));
    await Promise.all(
      missing.map(async (key) => {
        const [id, version] = key.split("|");
        try {
          const body = await getJSON(url("api/version", { result: id, version: version }));
          state.data.set(key, body.data || {});
        } catch (err) {
          state.data.set(key, { error: String(err) }); // an old version fell out of the history
        }
      })
    );
  }

  // --- drawing -----------------------------------------------------------------------------
  function style(raw, fallback) {
    const s = raw || {};
    return {
      stroke: typeof s.strokeStyle === "string" && COLOUR.test(s.strokeStyle) ? s.strokeStyle : fallback,
      fill: typeof s.fillStyle === "string" && COLOUR.test(s.fillStyle) ? s.fillStyle : null,
      width: typeof s.size === "number" && s.size > 0 ? s.size : 2,
    };
  }

  function pathOf(ctx, points, ox, oy, k, close) {
    if (!Array.isArray(points) || points.length === 0) return;
    ctx.moveTo(ox + points[0].x * k, oy + points[0].y * k);
    for (let i = 1; i < points.length; i++) ctx.lineTo(ox + points[i].x * k, oy + points[i].y * k);
    if (close) ctx.closePath();
  }

  function drawPrimitive(ctx, item, ox, oy, k) {
    const s = style(item.style, DEFAULT_STROKE);
    ctx.lineWidth = s.width;
    ctx.strokeStyle = s.stroke;
    if (Array.isArray(item.polygons) && item.polygons.length) {
      ctx.beginPath();
      for (const p of item.polygons) pathOf(ctx, p.points, ox, oy, k, true);
      if (s.fill) {
        ctx.fillStyle = s.fill;
        ctx.fill();
      }
      ctx.stroke();
    }
    if (Array.isArray(item.polylines) && item.polylines.length) {
      ctx.beginPath();
      for (const p of item.polylines) pathOf(ctx, p.points, ox, oy, k, false);
      ctx.stroke();
    }
    if (Array.isArray(item.arcs) && item.arcs.length) {
      ctx.beginPath();
      for (const a of item.arcs) {
        if (!a.center) continue;
        const cx = ox + a.center.x * k, cy = oy + a.center.y * k, r = Math.max(0, a.radius * k);
        ctx.moveTo(cx + r * Math.cos(a.startAngle), cy + r * Math.sin(a.startAngle));
        ctx.arc(cx, cy, r, a.startAngle, a.endAngle);
      }
      ctx.stroke();
    }
    if (Array.isArray(item.labels) && item.labels.length) {
      ctx.font = "13px system-ui, sans-serif";
      ctx.textBaseline = "top";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(0,0,0,0.75)";
      ctx.fillStyle = s.stroke;
      for (const l of item.labels) {
        if (!l.location) continue;
        const x = ox + l.location.x * k, y = oy + l.location.y * k;
        ctx.strokeText(String(l.label), x, y);
        ctx.fillText(String(l.label), x, y);
      }
    }
  }

  function drawGallery(ctx, content, ox, oy, k) {
    ctx.lineWidth = 2;
    ctx.strokeStyle = GALLERY_STROKE;
    ctx.beginPath();
    for (const p of content.polygons || []) pathOf(ctx, p.points, ox, oy, k, true);
    ctx.stroke();
    const mag = content.magnification > 0 ? content.magnification : state.slide.baseMagnification;
    const side = ((content.patchSize || 0) * state.slide.baseMagnification) / mag / state.slide.width;
    const byTag = new Map();
    for (const patch of content.patches || []) {
      if (!patch.position) continue;
      if (!byTag.has(patch.tag)) byTag.set(patch.tag, []);
      byTag.get(patch.tag).push(patch);
    }
    for (const [tag, patches] of byTag) {
      ctx.strokeStyle = TAG_COLOURS[Math.abs(tag | 0) % TAG_COLOURS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (const p of patches) {
        const half = (side * k) / 2;
        ctx.rect(ox + p.position.x * k - half, oy + p.position.y * k - half, 2 * half, 2 * half);
      }
      ctx.stroke();
    }
  }

  function draw() {
    const viewer = state.viewer;
    const canvas = state.overlay;
    if (!viewer || !canvas || !viewer.world.getItemAt(0)) return;
    const started = performance.now();
    const w = viewer.container.clientWidth, h = viewer.container.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const o = viewer.viewport.pixelFromPoint(new OpenSeadragon.Point(0, 0), true);
    const e = viewer.viewport.pixelFromPoint(new OpenSeadragon.Point(1, 0), true);
    const k = e.x - o.x;
    const signature = [o.x, o.y, k, w, h, dpr, state.generation].join(",");
    if (signature === state.drawnSignature) return; // tiles loading: the view did not move
    state.drawnSignature = signature;
    ctx.clearRect(0, 0, w, h);
    const keys = [];
    for (const key of shownKeys()) {
      const data = state.data.get(key);
      if (!data || !data.result) continue;
      const result = data.result;
      if (result.type === "primitive") {
        const items = Array.isArray(result.content) ? result.content : [result.content || {}];
        for (const item of items) drawPrimitive(ctx, item || {}, o.x, o.y, k);
      } else if (result.type === "patchCollection" && result.content) {
        drawGallery(ctx, result.content, o.x, o.y, k);
      }
      keys.push(key);
    }
    state.drawnKeys = keys;
    const now = performance.now();
    for (const key of keys) if (!(key in state.firstDrawnAt)) state.firstDrawnAt[key] = now;
    state.drawCount += 1;
    state.lastDrawMs = performance.now() - started;
    state.lastDrawAt = performance.now();
  }

  // --- the panel ---------------------------------------------------------------------------
  function warnings(data) {
    const out = [];
    if (!data || !data.result) return data && data.error ? [data.error] : ["no data.result"];
    const r = data.result;
    const maxY = state.slide.height / state.slide.width;
    let outside = 0;
    const check = (pts) => {
      for (const p of pts || []) if (!(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= maxY)) outside++;
    };
    const badColour = (c) => c !== null && c !== undefined && !(typeof c === "string" && COLOUR.test(c));
    if (r.type === "primitive") {
      const items = Array.isArray(r.content) ? r.content : [r.content || {}];
      for (const item of items) {
        for (const p of (item && item.polygons) || []) check(p.points);
        for (const p of (item && item.polylines) || []) check(p.points);
        const s = (item && item.style) || {};
        if (badColour(s.strokeStyle)) out.push("invalid strokeStyle " + JSON.stringify(s.strokeStyle));
        if (badColour(s.fillStyle)) out.push("invalid fillStyle " + JSON.stringify(s.fillStyle));
      }
    } else if (r.type === "patchCollection") {
      const c = r.content || {};
      for (const p of c.polygons || []) check(p.points);
      check((c.patches || []).map((p) => p.position));
    } else {
      out.push("unknown result type " + JSON.stringify(r.type) + " (DPAT shows primitive and patchCollection)");
    }
    if (outside) out.push(outside + " point(s) outside the slide: coordinates are normalised by the image width");
    return out;
  }

  function renderResults() {
    const section = document.getElementById("results");
    section.replaceChildren(el("h2", {}, "Results (" + state.results.length + ")"));
    for (const r of state.results) {
      const box = el("div", { class: "result", "data-result": String(r.id) });
      const label = el("label");
      const toggle = el("input", { type: "checkbox", "data-toggle-result": String(r.id) });
      toggle.checked = state.resultOn.get(r.id) !== false;
      toggle.addEventListener("change", () => {
        state.resultOn.set(r.id, toggle.checked);
        refreshShown();
      });
      label.append(toggle, el("span", { class: "display" }, r.displayResult || "(no displayResult)"));
      box.append(label);
      const meta = [r.appName, "result " + r.id, "version " + r.versionId];
      if (r.applicationVersion) meta.push("app " + r.applicationVersion);
      box.append(el("div", { class: "meta" }, meta.join(" · ")));
      const props = r.displayProperties || {};
      if (Object.keys(props).length) {
        const dl = el("dl");
        for (const [key, value] of Object.entries(props)) dl.append(el("dt", {}, key), el("dd", {}, value));
        box.append(dl);
      }
      const versions = el("div", { class: "versions" });
      const chosen = shownVersions(r);
      for (const v of r.versions) {
        const vl = el("label");
        const vt = el("input", { type: "checkbox", "data-toggle-version": r.id + "|" + v });
        vt.checked = chosen.includes(v);
        vt.addEventListener("change", () => {
          const set = new Set(shownVersions(r));
          if (vt.checked) set.add(v);
          else set.delete(v);
          state.versionsOn.set(r.id, set);
          state.resultOn.set(r.id, true);
          refreshShown();
        });
        vl.append(vt, document.createTextNode(v === r.versionId ? v + " (current)" : v));
        versions.append(vl);
      }
      box.append(versions);
      const current = state.data.get(r.id + "|" + r.versionId);
      if (current) for (const w of warnings(current)) box.append(el("div", { class: "warning" }, w));
      section.append(box);
    }
  }

  function renderGallery() {
    const section = document.getElementById("gallery");
    section.replaceChildren();
    for (const key of shownKeys()) {
      const data = state.data.get(key);
      const result = data && data.result;
      if (!result || result.type !== "patchCollection" || !result.content) continue;
      const c = result.content;
      const box = el("div", { class: "gallery", "data-gallery": key });
      box.append(el("h2", {}, c.description || "Patch gallery"));
      for (const [name, status] of Object.entries(c.statuses || {})) {
        const text = name + ": " + (status && status.value === false ? "no" : "yes");
        box.append(el("div", { class: "status" }, status && status.message ? text + " (" + status.message + ")" : text));
      }
      const tags = Array.isArray(c.tags) ? c.tags : [];
      const groups = tags.map(() => []);
      const untagged = [];
      for (const p of c.patches || []) (groups[p.tag] || untagged).push(p);
      const sections = tags.map((t, i) => [t, groups[i]]);
      if (untagged.length) sections.push(["(tag index out of range)", untagged]);
      for (const [tag, patches] of sections) {
        // DPAT's gallery order is by sortKeyValue; ascending here
        patches.sort((a, b) => (a.sortKeyValue || 0) - (b.sortKeyValue || 0));
        box.append(el("h3", { "data-tag": tag }, tag + " (" + patches.length + ")"));
        const thumbs = el("div", { class: "thumbs" });
        for (const p of patches.slice(0, MAX_THUMBS)) {
          if (!p.position) continue;
          const img = el("img", {
            loading: "lazy",
            alt: tag,
            title: tag + " · sortKeyValue " + p.sortKeyValue,
            src: url("patch", {
              slide: slideId,
              x: p.position.x,
              y: p.position.y,
              size: c.patchSize || 64,
              mag: c.magnification || state.slide.baseMagnification,
            }),
          });
          img.addEventListener("click", () => {
            state.viewer.viewport.panTo(new OpenSeadragon.Point(p.position.x, p.position.y));
          });
          thumbs.append(img);
        }
        box.append(thumbs);
        if (patches.length > MAX_THUMBS) box.append(el("div", { class: "meta" }, "+" + (patches.length - MAX_THUMBS) + " more"));
      }
      const actions = el("div", { class: "actions" });
      for (const a of c.actions || []) {
        const b = el("button", { type: "button", title: a.tooltip || "", disabled: "" }, a.name || a.id);
        actions.append(b);
      }
      box.append(actions);
      section.append(box);
    }
  }

  function renderHeader() {
    const s = state.slide;
    document.getElementById("title").textContent = s.id + " · " + s.staining + " · " + s.block + " · " + s.width + " x " + s.height + " px";
    const qc = document.getElementById("qc");
    qc.textContent = "QC: " + s.qualityControl.status + " (version " + s.qualityControl.versionId + ")";
    qc.className = s.qualityControl.status;
  }

  async function refreshShown() {
    await loadShown();
    state.generation += 1;
    renderResults();
    renderGallery();
    draw();
  }

  let refreshing = null;
  let again = false;
  async function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        const body = await getJSON(url("api/slide", { slide: slideId }));
        state.refreshes += 1;
        state.slide = body.slide;
        state.results = body.results;
        state.stamp = body.state;
        renderHeader();
        await refreshShown();
      } while (again);
    })();
    try {
      await refreshing;
    } finally {
      refreshing = null;
    }
  }

  function live() {
    const badge = document.getElementById("live");
    if (!window.EventSource) {
      badge.textContent = "polling";
      setInterval(refresh, 2000);
      return;
    }
    const events = new EventSource(url("api/events", { slide: slideId }));
    state.stream = events;
    events.addEventListener("hello", (event) => {
      // (re)connected: the stream compares against the state from now on, so catch up on any change
      // made since the page read it (before the first connect, or while reconnecting), and only then
      badge.textContent = "live";
      let now = null;
      try {
        now = JSON.parse(event.data).state;
      } catch (error) {
        now = null; // no stamp: refresh to be sure
      }
      if (now == null || now !== state.stamp) {
        refresh();
      }
    });
    events.addEventListener("change", () => {
      state.events += 1;
      refresh();
    });
    events.onerror = () => {
      badge.textContent = "reconnecting";
    };
  }

  async function start() {
    const first = await getJSON(url("api/slide", { slide: slideId }));
    state.slide = first.slide;
    state.results = first.results;
    state.stamp = first.state;
    renderHeader();
    const loading = loadShown(); // the results' data while OpenSeadragon starts
    const s = state.slide;
    const viewer = OpenSeadragon({
      element: document.getElementById("osd"),
      prefixUrl: base + "/-/static/vendor/openseadragon/images/",
      drawer: "canvas",
      showNavigator: false,
      showRotationControl: false,
      visibilityRatio: 0.2,
      tileSources: {
        width: s.width,
        height: s.height,
        tileSize: s.tileSize,
        tileOverlap: 0,
        minLevel: 0,
        maxLevel: s.levels - 1,
        getTileUrl: (level, x, y) =>
          base + "/-/tile/" + level + "/" + x + "_" + y + ".jpg?slide=" + encodeURIComponent(slideId),
      },
    });
    state.viewer = viewer;
    const overlay = el("canvas", { id: "overlay" });
    viewer.container.append(overlay);
    state.overlay = overlay;
    for (const name of ["update-viewport", "animation", "resize", "open"]) viewer.addHandler(name, draw);
    if (!viewer.world.getItemAt(0)) await new Promise((resolve) => viewer.addOnceHandler("open", resolve));
    await loading;
    await refreshShown();
    state.ready = true;
    live();
  }

  start().catch((err) => {
    document.getElementById("live").textContent = "error: " + err.message;
    throw err;
  });
})();
