// The psen_processing live view: polls `live` a few times per second, draws the plots on
// canvases, and sets ROIs and edge settings through the service's REST API. No libraries.
"use strict";

(() => {
  const POLL_MS = 250;
  const IMAGE_MS = 1000;
  const CHANNELS_MS = 5000;
  const COLORS = {
    signal: "#d62728", background: "#1f77b4", reference: "#7f7f7f", edge: "#2ca02c",
    xray: "#7b3fb5", axis: "#444", grid: "#e6e6e6", label: "#222",
  };
  const $ = (id) => document.getElementById(id);
  let latest = null;

  // ---- formatting -------------------------------------------------------------------------
  function fmt(value, digits = 1) {
    return value === null || value === undefined || Number.isNaN(value)
      ? "-" : Number(value).toFixed(digits);
  }
  function percent(ratio) {
    return ratio === null || ratio === undefined ? "-" : `${(100 * ratio).toFixed(1)} %`;
  }
  function reasons(counts) {
    const entries = Object.entries(counts || {});
    return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join(", ") : "none";
  }

  // ---- plotting ---------------------------------------------------------------------------
  function niceTicks(min, max, count) {
    const range = max - min;
    if (!(range > 0)) return [min];
    const raw = range / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(t);
    return ticks;
  }
  function tickLabel(value) {
    const a = Math.abs(value);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return value.toExponential(1);
    return String(Number(value.toPrecision(6)));
  }
  function extent(values, lo, hi) {
    for (const v of values) {
      if (v !== null && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    return [lo, hi];
  }
  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 600;
    const height = canvas.clientHeight || 200;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return [ctx, width, height];
  }
  // Draws `series` in a frame with ticks, grid and axis labels. A series is a line
  // {x, y, color}, dots {x, y, color, dots: true} or bars {bars: [{lo, hi, count}], color}.
  // options: xLabel, yLabel (with units), markers [{x, color}] (vertical dashed lines),
  // message (shown instead when there is nothing to draw), yFromZero.
  function plot(canvas, series, options = {}) {
    const { xLabel = "", yLabel = "", markers = [], message = "", yFromZero = false } = options;
    canvas.dataset.xLabel = xLabel;
    canvas.dataset.yLabel = yLabel;
    canvas.setAttribute("aria-label", `${yLabel} against ${xLabel}`);
    const [ctx, width, height] = prepare(canvas);
    const left = 64, right = 10, top = 8, bottom = 36;
    let [x0, x1] = [Infinity, -Infinity];
    let [y0, y1] = [yFromZero ? 0 : Infinity, yFromZero ? 0 : -Infinity];
    let points = 0;
    for (const s of series) {
      if (s.bars) {
        for (const b of s.bars) {
          [x0, x1] = extent([b.lo, b.hi], x0, x1);
          [y0, y1] = extent([b.count], y0, y1);
          points += b.count > 0 ? 1 : 0;
        }
        continue;
      }
      [x0, x1] = extent(s.x, x0, x1);
      [y0, y1] = extent(s.y, y0, y1);
      points += s.y.length;
    }
    ctx.font = "11px system-ui, sans-serif";
    drawAxisLabels(ctx, width, height, left, bottom, xLabel, yLabel);
    if (!points || !Number.isFinite(x0) || !Number.isFinite(y0)) {
      ctx.fillStyle = COLORS.axis;
      ctx.textAlign = "left";
      ctx.textBaseline = "alphabetic";
      ctx.fillText(message || "no data yet", left + 10, top + 20);
      canvas.dataset.drawn = "0";
      return;
    }
    canvas.dataset.drawn = "1";
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= 1; y1 += 1; }
    const pad = (y1 - y0) * 0.05;
    if (!(yFromZero && y0 === 0)) y0 -= pad;
    y1 += pad;
    if (series.some((s) => s.dots)) {  // whole dots at the ends too
      const xPad = (x1 - x0) * 0.02;
      x0 -= xPad; x1 += xPad;
    }
    const sx = (width - left - right) / (x1 - x0);
    const sy = (height - top - bottom) / (y1 - y0);
    const px = (x) => left + (x - x0) * sx;
    const py = (y) => height - bottom - (y - y0) * sy;
    ctx.lineWidth = 1;
    ctx.fillStyle = COLORS.axis;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(y0, y1, 5)) {
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath(); ctx.moveTo(left, py(t)); ctx.lineTo(width - right, py(t)); ctx.stroke();
      ctx.fillText(tickLabel(t), left - 4, py(t));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, Math.max(3, Math.floor((width - left) / 70)))) {
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath(); ctx.moveTo(px(t), top); ctx.lineTo(px(t), height - bottom); ctx.stroke();
      ctx.fillText(tickLabel(t), px(t), height - bottom + 3);
    }
    ctx.strokeStyle = COLORS.axis;
    ctx.strokeRect(left, top, width - left - right, height - top - bottom);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width - left - right, height - top - bottom);
    ctx.clip();
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.width || 1.2;
      if (s.bars) {
        for (const b of s.bars) {
          if (!(b.count > 0)) continue;
          const xa = px(b.lo), xb = px(b.hi);
          ctx.fillRect(xa + 0.5, py(b.count), Math.max(1, xb - xa - 1), py(y0) - py(b.count));
        }
        continue;
      }
      if (s.dots) {
        for (let i = 0; i < s.y.length; i++) {
          const x = s.x[i], y = s.y[i];
          if (y !== null && x !== null && Number.isFinite(y) && Number.isFinite(x)) {
            ctx.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3);
          }
        }
        continue;
      }
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.y.length; i++) {
        const y = s.y[i];
        if (y === null || !Number.isFinite(y)) { pen = false; continue; }
        if (pen) ctx.lineTo(px(s.x[i]), py(y)); else ctx.moveTo(px(s.x[i]), py(y));
        pen = true;
      }
      ctx.stroke();
    }
    for (const m of markers) {
      if (m.x === null || !Number.isFinite(m.x)) continue;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 3]);
      ctx.beginPath(); ctx.moveTo(px(m.x), top); ctx.lineTo(px(m.x), height - bottom); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
  }
  // the axis labels: the x label centred below the tick labels, the y label turned along
  // the left edge
  function drawAxisLabels(ctx, width, height, left, bottom, xLabel, yLabel) {
    ctx.save();
    ctx.fillStyle = COLORS.label;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(xLabel, left + (width - left) / 2, height - 2, width - left);
    ctx.translate(13, (height - bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yLabel, 0, 0, height - bottom);
    ctx.restore();
  }
  // a downsampled profile from `live`: point i stands for pixels [i*step, (i+1)*step)
  function profileSeries(profile, color) {
    if (!profile) return null;
    const x = profile.values.map((_, i) => i * profile.step + (profile.step - 1) / 2);
    return { x, y: profile.values, color };
  }
  function finite(values) {
    return values.filter((v) => v !== null && Number.isFinite(v));
  }
  // counts of `values` in about sqrt(n) equal bins (5 to 40) between their extremes
  function histogram(values) {
    const data = finite(values);
    if (!data.length) return [];
    const [lo, hi] = extent(data, Infinity, -Infinity);
    const count = Math.min(40, Math.max(5, Math.ceil(Math.sqrt(data.length))));
    const width = hi > lo ? (hi - lo) / count : 1;
    const start = hi > lo ? lo : lo - width * count / 2;
    const bins = Array.from({ length: count }, (_, i) => ({
      lo: start + i * width, hi: start + (i + 1) * width, count: 0,
    }));
    for (const v of data) bins[Math.min(count - 1, Math.floor((v - start) / width))].count++;
    return bins;
  }
  function meanAndSpread(values) {
    const data = finite(values);
    if (!data.length) return null;
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const variance = data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length;
    return { mean, std: Math.sqrt(variance), n: data.length };
  }
  // Pearson's r of the pairs where both values are finite
  function pairs(xs, ys) {
    const x = [], y = [];
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      if (xs[i] !== null && ys[i] !== null && Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
        x.push(xs[i]); y.push(ys[i]);
      }
    }
    return [x, y];
  }
  function pearson(x, y) {
    const n = x.length;
    if (n < 3) return null;
    const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2;
    }
    return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
  }

  // ---- rendering of one snapshot ----------------------------------------------------------
  function renderCounters(data) {
    const s = data.statistics;
    $("prefix").textContent = data.prefix;
    const badge = $("status");
    const stalled = data.status === "processing" ? stallReason(s.input, s.output) : null;
    badge.textContent = stalled ? `${data.status}: ${stalled}` : data.status;
    badge.className = `badge ${stalled ? "stalled" : data.status}`;
    $("pulse-id").textContent = s.last_pulse_id ?? "-";
    $("input-fps").textContent = fmt(s.input && s.input.frames_per_second, 1);
    $("fps").textContent = fmt(s.frames_per_second, 1);
    $("frames-received").textContent = s.frames_received;
    $("frames-sent").textContent = s.frames_sent;
    $("frames-skipped").textContent = s.frames_skipped;
    $("frames-dropped").textContent = s.frames_dropped_output;
    $("latency").textContent = fmt(s.latency_ms && s.latency_ms.p50, 2);
    const edge = s.edge_detection || {};
    $("edge-ratio").textContent = percent(edge.edge_found_ratio);
    $("edge-confident").textContent = percent(edge.edge_confident_ratio);
    renderStreams(s.input, s.output);
    $("skipped-reasons").textContent = reasons(s.frames_skipped_by_reason);
    $("problems").textContent = reasons(s.profile_problems);
    $("last-problem").textContent = data.last_error || s.last_problem || "none";
    for (const name of ["roi_signal", "roi_background"]) {
      $(`current-${name}`).textContent = `now ${JSON.stringify(data[name])}`;
      const form = $(`form-${name}`);
      if (!form.dataset.dirty) fillRoi(form, data[name]);
    }
  }
  // why a processing service moves no frames: the input's state first, then the output's
  function stallReason(input, output) {
    if (input && input.state !== "receiving") return `input ${input.state.replaceAll("_", " ")}`;
    if (output && output.state !== "sending") return `output ${output.state.replaceAll("_", " ")}`;
    return null;
  }
  // the input's and the output's state, each as a word (its class colours it) and details
  const GOOD_STATES = new Set(["receiving", "sending"]);
  function renderStreams(input, output) {
    for (const [name, value] of [["input", input], ["output", output]]) {
      const el = $(`${name}-state`);
      el.textContent = value ? value.state.replaceAll("_", " ") : "-";
      el.className = `state ${value && GOOD_STATES.has(value.state) ? "good" : "bad"}`;
    }
    if (input) {
      const age = input.seconds_since_last_frame;
      $("input-detail").textContent = [
        `${fmt(input.frames_per_second, 1)} Hz in`,
        age === null ? "no frame yet" : `last frame ${fmt(age, 1)} s ago`,
        input.hint || "",
      ].filter(Boolean).join("; ");
    }
    if (output) {
      const parts = [`${output.consumers} consumer(s)`, `${output.frames_waiting} frame(s) waiting`];
      if (output.blocked_seconds !== null) parts.push(`blocked for ${fmt(output.blocked_seconds, 1)} s`);
      if (output.oldest_held_frame_age_s !== null) parts.push(`oldest held frame ${fmt(output.oldest_held_frame_age_s, 1)} s old`);
      $("output-detail").textContent = parts.join("; ");
    }
  }
  // the kind of a shot ("xray", "reference" or null: not classified) as a marked word
  const SHOT_TEXT = { xray: "X-ray shot", reference: "reference shot" };
  function showShot(element, shot, edgeDetection) {
    element.textContent = shot ? SHOT_TEXT[shot] : edgeDetection ? "not classified" : "";
    element.className = `shot ${shot || "unknown"}`;
    element.dataset.shot = shot || "";
  }
  const QUANTITIES = {
    position: { label: "edge position (px)", plural: "edge positions", name: "Edge position" },
    arrival_time: { label: "arrival time (fs)", plural: "arrival times", name: "Arrival time" },
  };
  function renderPlots(data) {
    const p = data.profiles;
    const enabled = data.edge_detection.enabled;
    $("profiles-pulse").textContent = p.pulse_id ?? "-";
    showShot($("profiles-shot"), p.shot, enabled);
    const profiles = [
      profileSeries(p.reference, COLORS.reference),
      profileSeries(p.background, COLORS.background),
      profileSeries(p.signal, COLORS.signal),
    ].filter(Boolean);
    const edge = data.edge;
    const edgeMarker = edge && edge.found ? [{ x: edge.position, color: COLORS.edge }] : [];
    // the edge belongs on the profiles only when they are of that very X-ray shot
    const ownEdge = p.shot === "xray" && edge && edge.pulse_id === p.pulse_id ? edgeMarker : [];
    const pixels = "pixel from the ROI's left edge (px)";
    plot($("profiles"), profiles, {
      xLabel: pixels, yLabel: "summed counts", markers: ownEdge,
      message: "no profiles yet: set a signal ROI",
    });
    $("edge-pulse").textContent = edge ? edge.pulse_id : "-";
    $("edge-position").textContent = edge ? fmt(edge.position, 1) : "-";
    $("edge-amplitude").textContent = edge ? fmt(edge.amplitude, 3) : "-";
    $("arrival-time").textContent = edge ? fmt(edge.arrival_time, 1) : "-";
    $("edge-fwhm").textContent = edge ? fmt(edge.fwhm, 1) : "-";
    const normalised = edge ? profileSeries(edge.normalised, COLORS.signal) : null;
    plot($("normalised"), normalised ? [normalised] : [], {
      xLabel: "pixel from the signal ROI's left edge (px)",
      yLabel: "signal / reference (relative)", markers: edgeMarker,
      message: enabled ? "waiting for a reference and an X-ray shot" : "edge detection is off",
    });
    renderHistory(data);
  }
  function renderHistory(data) {
    const h = data.history;
    const calibrated = data.edge_detection.calibrated;
    const chosen = $("history-quantity").value;
    const quantity = QUANTITIES[chosen];
    const empty = !data.edge_detection.enabled ? "edge detection is off"
      : chosen === "arrival_time" && !calibrated ? "no calibration: no arrival time" : "no X-ray shots yet";
    $("history-count").textContent = h.pulse_id.length;
    $("history-length").textContent = h.length;
    plot($("history-position"), [{ x: h.pulse_id, y: h[chosen], color: COLORS.edge, dots: true }],
      { xLabel: "pulse id", yLabel: quantity.label, message: empty });
    plot($("history-amplitude"), [{ x: h.pulse_id, y: h.amplitude, color: COLORS.signal, dots: true }],
      { xLabel: "pulse id", yLabel: "edge amplitude (relative)", message: empty });
    const bins = histogram(h[chosen]);
    $("histogram-quantity").textContent = quantity.plural;
    $("histogram-count").textContent = finite(h[chosen]).length;
    plot($("histogram"), [{ bars: bins, color: COLORS.edge }],
      { xLabel: quantity.label, yLabel: "X-ray shots", message: empty, yFromZero: true });
    const position = meanAndSpread(h.position), arrival = meanAndSpread(h.arrival_time);
    $("position-spread").textContent = position ? `${fmt(position.mean, 1)} ± ${fmt(position.std, 1)} px` : "-";
    $("arrival-spread").textContent = arrival ? `${fmt(arrival.mean, 1)} ± ${fmt(arrival.std, 1)} fs` : "-";
    // arrival time against the chosen channel; the edge position while there is no calibration
    const yKey = calibrated ? "arrival_time" : "position";
    const yQuantity = QUANTITIES[yKey];
    $("correlation-quantity").textContent = yQuantity.name;
    const channel = data.correlation_channel;
    syncChannel(channel);
    const [cx, cy] = channel && h.channel ? pairs(h.channel, h[yKey]) : [[], []];
    const r = pearson(cx, cy);
    $("correlation-stats").textContent = channel ? `(${cx.length} shots${r === null ? "" : `, r = ${r.toFixed(2)}`})` : "";
    plot($("correlation"), [{ x: cx, y: cy, color: COLORS.xray, dots: true }], {
      xLabel: channel || "input channel", yLabel: yQuantity.label,
      message: !channel ? "choose an input channel above"
        : !data.edge_detection.enabled ? "edge detection is off" : "no X-ray shots with this channel yet",
    });
  }

  // ---- the correlation channel ------------------------------------------------------------
  // The choice is the service's (it keeps the channel's value per X-ray shot): the selector
  // lists the input's numeric scalar channels and follows the service's choice.
  let channelsListed = [];
  async function refreshChannels() {
    try {
      const answer = await (await fetch("live/channels", { cache: "no-store" })).json();
      channelsListed = answer.channels || [];
      fillChannels(answer.correlation_channel);
    } catch (error) {
      $("correlation-error").textContent = `cannot list the channels: ${error}`;
    }
  }
  function fillChannels(chosen) {
    const select = $("correlation-channel");
    if (document.activeElement === select) return;  // not while the user picks
    const wanted = ["", ...channelsListed];
    if (chosen && !wanted.includes(chosen)) wanted.push(chosen);
    const present = Array.from(select.options, (o) => o.value);
    if (present.length !== wanted.length || present.some((v, i) => v !== wanted[i])) {
      select.replaceChildren(...wanted.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name || (channelsListed.length ? "choose an input channel" : "no numeric input channels yet");
        return option;
      }));
    }
    select.value = chosen || "";
  }
  function syncChannel(chosen) {
    const select = $("correlation-channel");
    if (document.activeElement !== select && select.value !== (chosen || "")) fillChannels(chosen);
  }
  async function chooseChannel() {
    const select = $("correlation-channel");
    $("correlation-error").textContent = "";
    try {
      await send("live/correlation_channel", select.value || null);
    } catch (exc) {
      $("correlation-error").textContent = exc.message;
    }
    select.blur();
    refreshChannels();
  }

  // ---- image thumbnail with the ROIs ------------------------------------------------------
  let imageBusy = false;
  let shownImagePulse = null;
  async function refreshImage() {
    if (imageBusy || !latest || latest.statistics.last_pulse_id === shownImagePulse) return;
    imageBusy = true;
    try {
      const response = await fetch("live/image.png", { cache: "no-store" });
      if (!response.ok) {
        $("image-note").textContent = (await response.json()).status;
        return;
      }
      const pulse = response.headers.get("X-Pulse-Id");
      const shot = response.headers.get("X-Shot") || null;
      const bitmap = await createImageBitmap(await response.blob());
      drawImage(bitmap, latest);
      shownImagePulse = latest.statistics.last_pulse_id;
      $("image-pulse").textContent = pulse;
      showShot($("image-shot"), shot, latest.edge_detection.enabled);
      $("image-note").textContent = "";
    } catch (error) {
      $("image-note").textContent = `image not available: ${error}`;
    } finally {
      imageBusy = false;
    }
  }
  function drawImage(bitmap, data) {
    const shape = data.statistics.image_shape;  // [height, width] of the full image
    const canvas = $("image");
    const [fullH, fullW] = shape || [bitmap.height, bitmap.width];
    $("image-shape").textContent = `${fullW} x ${fullH} px`;
    const width = Math.min(640, Math.max(bitmap.width, 320));
    const height = Math.max(1, Math.round(width * fullH / fullW));
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, 0, 0, width, height);
    const sx = width / fullW, sy = height / fullH;
    for (const [name, color] of [["roi_background", COLORS.background], ["roi_signal", COLORS.signal]]) {
      const roi = data[name];
      if (!roi || roi.length !== 4) continue;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(roi[0] * sx, roi[2] * sy, roi[1] * sx, roi[3] * sy);
    }
  }

  // ---- polling ----------------------------------------------------------------------------
  async function poll() {
    try {
      const response = await fetch("live", { cache: "no-store" });
      latest = await response.json();
      renderCounters(latest);
      renderPlots(latest);
    } catch (error) {
      const badge = $("status");
      badge.textContent = "service unreachable";
      badge.className = "badge unreachable";
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // ---- controls ---------------------------------------------------------------------------
  // Writes carry the API token when one is typed in (services started with --api_token);
  // it is kept for this tab only, never in the page's address or in local storage.
  const tokenInput = $("api-token");
  tokenInput.value = sessionStorage.getItem("psen-api-token") || "";
  tokenInput.addEventListener("change", () => {
    sessionStorage.setItem("psen-api-token", tokenInput.value.trim());
  });
  async function send(path, body) {
    const headers = { "Content-Type": "application/json" };
    const token = tokenInput.value.trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(path, {
      method: "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let answer;
    try { answer = await response.json(); } catch { answer = { status: response.statusText }; }
    if (!response.ok || answer.state !== "ok") throw new Error(answer.status || response.statusText);
    return answer;
  }
  function fillRoi(form, roi) {
    const names = ["offset_x", "size_x", "offset_y", "size_y"];
    names.forEach((name, i) => { form.elements[name].value = roi && roi.length === 4 ? roi[i] : ""; });
  }
  function readRoi(form) {
    return ["offset_x", "size_x", "offset_y", "size_y"].map((name) => {
      const text = form.elements[name].value.trim();
      const number = Number(text);
      return text === "" ? null : Number.isFinite(number) ? number : text;
    });
  }
  function setupRoiForm(form) {
    const name = form.dataset.roi;
    const error = form.querySelector(".error");
    form.addEventListener("input", () => { form.dataset.dirty = "1"; });
    async function apply(value) {
      error.className = "error";
      error.textContent = "";
      try {
        const answer = await send(name, value);
        delete form.dataset.dirty;
        fillRoi(form, answer[name]);
        error.className = "ok";
        error.textContent = `set to ${JSON.stringify(answer[name])}`;
      } catch (exc) {
        error.textContent = exc.message;
      }
    }
    form.addEventListener("submit", (event) => { event.preventDefault(); apply(readRoi(form)); });
    form.querySelector(".clear").addEventListener("click", () => apply(null));
  }
  async function loadEdge(form) {
    const answer = await (await fetch("edge_detection", { cache: "no-store" })).json();
    form.elements.settings.value = JSON.stringify(answer.edge_detection, null, 1);
  }
  function setupEdgeForm(form) {
    const error = form.querySelector(".error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.className = "error";
      error.textContent = "";
      let value;
      try {
        value = JSON.parse(form.elements.settings.value);
      } catch (exc) {
        error.textContent = `not valid JSON: ${exc.message}`;
        return;
      }
      try {
        const answer = await send("edge_detection", value);
        form.elements.settings.value = JSON.stringify(answer.edge_detection, null, 1);
        error.className = "ok";
        error.textContent = "applied";
      } catch (exc) {
        error.textContent = exc.message;
      }
    });
    form.querySelector(".reload").addEventListener("click", () => loadEdge(form));
    loadEdge(form).catch((exc) => { error.textContent = `cannot load the settings: ${exc}`; });
  }
  function setupButtons() {
    for (const action of ["start", "stop"]) {
      $(action).addEventListener("click", async () => {
        $("control-error").textContent = "";
        try { await send(action); } catch (exc) { $("control-error").textContent = exc.message; }
      });
    }
    $("history-quantity").addEventListener("change", () => latest && renderPlots(latest));
    $("correlation-channel").addEventListener("change", chooseChannel);
  }

  setupRoiForm($("form-roi_signal"));
  setupRoiForm($("form-roi_background"));
  setupEdgeForm($("form-edge"));
  setupButtons();
  poll();
  refreshChannels();
  setInterval(refreshImage, IMAGE_MS);
  setInterval(refreshChannels, CHANNELS_MS);
})();
