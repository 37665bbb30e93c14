// The live page's calibration panel: a delay scan as it runs (points, step means, the fit and
// its residuals), start/stop/apply/restore, and the fit's quality figures. Self-contained: it
// builds its DOM inside #calibration-panel, loads its own CSS and polls calibration/live.
"use strict";

(() => {
  const root = document.getElementById("calibration-panel");
  if (!root) return;
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "static/calibration.css";
  document.head.appendChild(css);

  root.innerHTML = `
    <h2>Calibration from a delay scan <span class="cal-state" id="cal-state">idle</span></h2>
    <form id="cal-form" class="cal-form">
      <label>delay channel <input name="delay_channel" size="28" spellcheck="false"></label>
      <label>unit <select name="unit">
        <option>fs</option><option selected>ps</option><option>ns</option><option>us</option><option>s</option>
      </select></label>
      <label>order <select name="order"><option>1</option><option selected>2</option><option>3</option></select></label>
      <label>expected range <input name="low" size="7" inputmode="decimal" placeholder="low">
        - <input name="high" size="7" inputmode="decimal" placeholder="high"></label>
      <button type="button" id="cal-start">Start scan</button>
      <button type="button" id="cal-stop">Stop</button>
      <button type="button" id="cal-apply">Apply fit</button>
      <button type="button" id="cal-restore">Restore previous</button>
    </form>
    <p class="error" id="cal-error" role="alert"></p>
    <div class="cal-plots">
      <figure><figcaption>Delay (fs) against edge position (px):
        <span class="cal-key points">shots</span> <span class="cal-key means">step means</span>
        <span class="cal-key fit">fit</span></figcaption>
        <canvas id="cal-scan" class="plot"></canvas></figure>
      <figure><figcaption>Residuals of the shots (fs) against edge position (px)</figcaption>
        <canvas id="cal-residuals" class="plot"></canvas></figure>
    </div>
    <dl class="cal-figures">
      <div><dt>points</dt><dd id="cal-points">-</dd></div>
      <div><dt>X-ray shots</dt><dd id="cal-shots">-</dd></div>
      <div><dt>without edge / delay / out of range</dt><dd id="cal-unused">-</dd></div>
      <div><dt>residual RMS</dt><dd id="cal-rms">-</dd></div>
      <div><dt>rejected</dt><dd id="cal-rejected">-</dd></div>
      <div><dt>covered</dt><dd id="cal-covered">-</dd></div>
      <div class="wide"><dt>fit (fs, lowest order first)</dt><dd id="cal-coefficients">-</dd></div>
      <div class="wide"><dt>in use</dt><dd id="cal-applied">-</dd></div>
      <div class="wide"><dt>warnings</dt><dd id="cal-warnings">-</dd></div>
    </dl>`;

  const $ = (id) => document.getElementById(id);
  const form = $("cal-form");
  const error = $("cal-error");
  let last = null;

  function token() {
    const input = document.getElementById("api-token");
    return input ? input.value.trim() : "";
  }
  async function post(path, body) {
    const headers = { "Content-Type": "application/json" };
    if (token()) headers.Authorization = `Bearer ${token()}`;
    const response = await fetch(path, {
      method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    let answer;
    try { answer = await response.json(); } catch { answer = { status: response.statusText }; }
    if (!response.ok || answer.state !== "ok") throw new Error(answer.status || response.statusText);
    return answer;
  }
  function startBody() {
    const body = {
      delay_channel: form.elements.delay_channel.value.trim(),
      unit: form.elements.unit.value,
      order: Number(form.elements.order.value),
    };
    const low = form.elements.low.value.trim();
    const high = form.elements.high.value.trim();
    if (low !== "" || high !== "") body.expected_range = [Number(low), Number(high)];
    return body;
  }
  function action(id, path, body) {
    $(id).addEventListener("click", async () => {
      error.textContent = "";
      try {
        await post(path, body ? body() : undefined);
        await poll();
      } catch (exc) {
        error.textContent = exc.message;
      }
    });
  }
  action("cal-start", "calibration/start", startBody);
  action("cal-stop", "calibration/stop");
  action("cal-apply", "calibration/apply");
  action("cal-restore", "calibration/restore");

  function fmt(value, digits = 1) {
    return value === null || value === undefined ? "-" : Number(value).toFixed(digits);
  }

  // ---- plots ------------------------------------------------------------------------------
  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    return ctx;
  }
  function range(values) {
    let low = Infinity, high = -Infinity;
    for (const v of values) if (v !== null && Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
    if (!Number.isFinite(low)) return null;
    if (low === high) { low -= 1; high += 1; }
    const pad = 0.05 * (high - low);
    return [low - pad, high + pad];
  }
  function axes(ctx, w, h, xr, yr) {
    const m = { l: 52, r: 8, t: 8, b: 22 };
    const X = (x) => m.l + ((x - xr[0]) / (xr[1] - xr[0])) * (w - m.l - m.r);
    const Y = (y) => h - m.b - ((y - yr[0]) / (yr[1] - yr[0])) * (h - m.t - m.b);
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(m.l, m.t, w - m.l - m.r, h - m.t - m.b);
    ctx.fillStyle = "#666";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(fmt(yr[1], 0), 2, m.t + 10);
    ctx.fillText(fmt(yr[0], 0), 2, h - m.b);
    ctx.fillText(fmt(xr[0], 0), m.l, h - 6);
    ctx.fillText(fmt(xr[1], 0), w - m.r - 30, h - 6);
    return { X, Y };
  }
  function dots(ctx, X, Y, xs, ys, color, size) {
    ctx.fillStyle = color;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] === null || ys[i] === null) continue;
      ctx.fillRect(X(xs[i]) - size / 2, Y(ys[i]) - size / 2, size, size);
    }
  }
  function drawScan(data) {
    const canvas = $("cal-scan");
    const ctx = prepare(canvas);
    const w = canvas.clientWidth, h = canvas.clientHeight;
    const points = data.panel.points;
    const steps = data.fit ? data.fit.steps : [];
    const curve = data.panel.curve;
    const xs = [...points.position, ...(curve ? curve.position : [])];
    const ys = [...points.delay_fs, ...(curve ? curve.delay_fs : [])];
    const xr = range(xs), yr = range(ys);
    if (!xr || !yr) return;
    const { X, Y } = axes(ctx, w, h, xr, yr);
    dots(ctx, X, Y, points.position, points.delay_fs, "rgba(31, 119, 180, 0.55)", 3);
    dots(ctx, X, Y, steps.map((s) => s.position_mean), steps.map((s) => s.delay_fs), "#ff7f0e", 7);
    if (curve) {
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 2;
      ctx.beginPath();
      curve.position.forEach((x, i) => {
        const px = X(x), py = Y(curve.delay_fs[i]);
        if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      });
      ctx.stroke();
    }
  }
  function drawResiduals(data) {
    const canvas = $("cal-residuals");
    const ctx = prepare(canvas);
    const residuals = data.panel.residual_fs;
    if (!residuals) return;
    const xs = data.panel.points.position;
    const xr = range(xs), yr = range(residuals);
    if (!xr || !yr) return;
    const { X, Y } = axes(ctx, canvas.clientWidth, canvas.clientHeight, xr, yr);
    ctx.strokeStyle = "#bbb";
    ctx.beginPath();
    ctx.moveTo(X(xr[0]), Y(0));
    ctx.lineTo(X(xr[1]), Y(0));
    ctx.stroke();
    dots(ctx, X, Y, xs, residuals, "rgba(31, 119, 180, 0.6)", 3);
  }

  function show(data) {
    const run = data.run;
    $("cal-state").textContent = run.state;
    $("cal-state").className = `cal-state ${run.state}`;
    if (run.delay_channel && document.activeElement !== form.elements.delay_channel && !form.elements.delay_channel.value) {
      form.elements.delay_channel.value = run.delay_channel;
    }
    $("cal-points").textContent = run.points === undefined ? "-" : `${run.points}${run.full ? " (full)" : ""}`;
    $("cal-shots").textContent = run.xray_shots === undefined ? "-" : run.xray_shots;
    $("cal-unused").textContent = run.xray_shots === undefined ? "-"
      : `${run.shots_without_edge} / ${run.shots_without_delay} / ${run.shots_out_of_range}`;
    const fit = data.fit;
    $("cal-rms").textContent = fit ? `${fmt(fit.residual_rms_fs)} fs (step means ${fmt(fit.step_residual_rms_fs)} fs)` : "-";
    $("cal-rejected").textContent = fit ? `${(100 * fit.rejected_fraction).toFixed(1)} %` : "-";
    $("cal-covered").textContent = fit
      ? `${fmt(fit.covered_px[0], 0)}-${fmt(fit.covered_px[1], 0)} px, ${fmt(fit.delay_range_fs[0], 0)} to ${fmt(fit.delay_range_fs[1], 0)} fs`
      : "-";
    $("cal-coefficients").textContent = fit
      ? fit.coefficients.map((c, i) => `${c.toPrecision(6)} ± ${fit.coefficient_errors[i] === null ? "?" : fit.coefficient_errors[i].toPrecision(2)}`).join(", ")
      : data.fit_problem || "-";
    $("cal-applied").textContent = data.applied
      ? `${data.applied.id} (${data.applied.points} points, ${fmt(data.applied.residual_rms_fs)} fs)`
      : data.calibration ? `[${data.calibration.join(", ")}] (set by hand)` : "none";
    $("cal-warnings").textContent = fit && fit.warnings.length ? fit.warnings.join("; ") : (run.discarded || "none");
    $("cal-apply").disabled = !fit;
    $("cal-restore").disabled = !data.previous;
    $("cal-stop").disabled = run.state !== "running";
    drawScan(data);
    drawResiduals(data);
  }

  async function poll() {
    try {
      const response = await fetch("calibration/live", { cache: "no-store" });
      const answer = await response.json();
      if (answer.state === "ok") { last = answer.calibration; show(last); }
    } catch {
      // the page's status badge shows an unreachable service
    }
  }
  window.addEventListener("resize", () => { if (last) show(last); });
  poll();
  setInterval(poll, 1000);
})();
