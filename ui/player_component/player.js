// The descent player: plays a precomputed run in the browser on canvas panels.
//
// Python sends the frames once (ui/player.py: player_frames). Play, pause, step,
// scrub and speed run here with no server work per frame; Python hears the frame
// only when the learner stops on one (setStateValue("frame", ...), which reruns the
// player's fragment, not the page: ui/player.py player_section), and hears a click on
// the contour as a trigger ("click", which reruns the page from the new start).
//
// Test hooks on the root: data-testid="gd-player", data-frame, data-playing,
// data-draws (pictures drawn since mount) and data-n-frames.

const PALETTE = {
  train: "#0072B2", val: "#E69F00", wVaries: "#D55E00", bVaries: "#000000",
  updated: "#009E73", path: "#000000", grey: "#7f7f7f",
};
// The Altair charts' look (ui/charts.py _CONFIG): a light-grey panel in both themes.
const LOOK = { background: "#f0f0f0", grid: "#cbcbcb", label: "#333333", title: "#222222", font: "sans-serif" };
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const SPEED_NAMES = ["¼×", "½×", "1×", "2×", "4×"];
const FRAME_MS = 1000 / 30;  // drawn frames at most 30 per second
const COMMIT_MS = 250;       // steps in quick succession reach Python once
const MARGIN = { left: 62, right: 16, top: 34, bottom: 46 };

const ICONS = {
  first: "M6 5h2v14H6zM9.5 12 18 5.5v13z",
  back: "M15.5 5.5 7 12l8.5 6.5z",
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zm8 0h4v14h-4z",
  forward: "M8.5 5.5 17 12l-8.5 6.5z",
  last: "M16 5h2v14h-2zM14.5 12 6 5.5v13z",
};

// --- numbers ------------------------------------------------------------------------------

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/** A number as ui.numbers.num writes it: 4 decimals, scientific when huge or tiny. */
function num(v) {
  if (!finite(v)) return "undefined";
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-4)) return v.toExponential(3).replace(/e([+-])(\d)$/, "e$10$2");  // e-07, as Python
  const t = v.toFixed(4);
  return Number(t) === 0 ? "0.0000" : t;
}

function short(v) {
  return finite(v) ? (Math.abs(v) >= 1e6 ? v.toExponential(2) : v.toFixed(2)) : "undefined";
}

function thousands(k) {
  return k.toLocaleString("en-US");
}

function mse(s, b, w) {
  const c = b + w * s.mean_x - s.mean_y;
  return c * c + w * (w * s.var_x - 2 * s.cov_xy) + s.var_y;
}

function gradients(s, b, w) {
  const c = b + w * s.mean_x - s.mean_y;
  return [2 * c, 2 * (s.mean_x * c + w * s.var_x - s.cov_xy)];
}

/** Round tick values covering [lo, hi], about `count` of them (1, 2, 5 times a power of ten). */
function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0) || !finite(span)) return { ticks: [lo], step: 1 };
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

function tickText(v, step) {
  if (Math.abs(v) >= 1e5) return v.toExponential(0).replace("e+", "e");
  return v.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
}

/** Ticks of a log axis: powers of ten (every k-th one when there are many decades), or 1-2-5 within one decade. */
function logTicks(lo, hi, most) {
  const e0 = Math.ceil(Math.log10(lo) - 1e-9), e1 = Math.floor(Math.log10(hi) + 1e-9);
  const out = [];
  if (e1 - e0 + 1 >= 2) {
    const stride = Math.ceil((e1 - e0 + 1) / Math.max(2, most));
    for (let e = e0; e <= e1; e += stride) out.push(Math.pow(10, e));
    return out;
  }
  for (let e = e0 - 1; e <= e1 + 1; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

function logText(v) {
  return v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(0).replace("e+", "e");
}

// --- one canvas panel ------------------------------------------------------------------------

class Panel {
  constructor(kind, wide) {
    this.kind = kind;
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.box = document.createElement("div");
    this.box.className = "panel" + (wide ? " wide" : "");
    this.box.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    this.back = document.createElement("canvas");  // the static layer, redrawn only on resize
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
  }

  resize(width, height) {
    const dpr = window.devicePixelRatio || 1;
    if (width === this.width && height === this.height && dpr === this.dpr) return false;
    Object.assign(this, { width, height, dpr });
    for (const c of [this.canvas, this.back]) {
      c.width = Math.max(1, Math.round(width * dpr));
      c.height = Math.max(1, Math.round(height * dpr));
    }
    this.canvas.style.height = `${height}px`;
    this.plot = { x: MARGIN.left, y: MARGIN.top, w: Math.max(10, width - MARGIN.left - MARGIN.right),
                  h: Math.max(10, height - MARGIN.top - MARGIN.bottom) };
    return true;
  }

  setScales(xDom, yDom, yLog = false) {
    const p = this.plot;
    const lin = (d, r0, r1) => (v) => r0 + ((v - d[0]) / (d[1] - d[0])) * (r1 - r0);
    this.xDom = xDom;
    this.yDom = yDom;
    this.yLog = yLog;
    this.sx = lin(xDom, p.x, p.x + p.w);
    const ly = yLog ? [Math.log10(yDom[0]), Math.log10(yDom[1])] : yDom;
    const fy = lin(ly, p.y + p.h, p.y);
    this.sy = yLog ? (v) => fy(Math.log10(Math.max(v, 1e-300))) : fy;
    this.ix = (px) => xDom[0] + ((px - p.x) / p.w) * (xDom[1] - xDom[0]);
    this.iy = (py) => yDom[0] + ((p.y + p.h - py) / p.h) * (yDom[1] - yDom[0]);
  }

  /** Axis, grid, tick labels and axis titles on the static layer. */
  drawAxes(ctx, xTitle, yTitle) {
    const p = this.plot;
    ctx.fillStyle = LOOK.background;
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.font = `12px ${LOOK.font}`;
    ctx.fillStyle = LOOK.label;
    ctx.strokeStyle = LOOK.grid;
    ctx.lineWidth = 1;
    const xt = niceTicks(this.xDom[0], this.xDom[1], Math.max(2, Math.floor(p.w / 70)));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of xt.ticks) {
      const x = Math.round(this.sx(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, p.y); ctx.lineTo(x, p.y + p.h + 4); ctx.stroke();
      const text = tickText(v, xt.step);
      const half = ctx.measureText(text).width / 2;  // keep the last label inside the canvas
      ctx.fillText(text, Math.min(Math.max(x, half + 2), this.width - half - 2), p.y + p.h + 6);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const yt = this.yLog ? logTicks(this.yDom[0], this.yDom[1], Math.floor(p.h / 35))
      : niceTicks(this.yDom[0], this.yDom[1], Math.max(2, Math.floor(p.h / 45))).ticks;
    const yStep = this.yLog ? 1 : niceTicks(this.yDom[0], this.yDom[1], Math.max(2, Math.floor(p.h / 45))).step;
    for (const v of yt) {
      const y = Math.round(this.sy(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(p.x - 4, y); ctx.lineTo(p.x + p.w, y); ctx.stroke();
      ctx.fillText(this.yLog ? logText(v) : tickText(v, yStep), p.x - 6, y);
    }
    ctx.font = `bold 13px ${LOOK.font}`;
    ctx.fillStyle = LOOK.title;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(xTitle, p.x + p.w / 2, this.height - 6);
    ctx.save();
    ctx.translate(12, p.y + p.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yTitle, 0, 0);
    ctx.restore();
  }

  /** Start a picture: copy the static layer, set the transform for CSS pixels. */
  begin() {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.back, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    return ctx;
  }

  backCtx() {
    const ctx = this.back.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    return ctx;
  }

  titleText(ctx, text) {
    ctx.font = `15px ${LOOK.font}`;
    ctx.fillStyle = LOOK.title;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(text, 8, MARGIN.top / 2, this.width - 16);
  }

  clip(ctx) {
    const p = this.plot;
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.x, p.y, p.w, p.h);
    ctx.clip();
  }

  /** Pixel position of a data point; null when not finite. Far values are pulled in so canvas stays sane. */
  at(x, y) {
    // Missing values (null, NaN) are never drawn; an infinite one lands far outside, so it is clipped
    // or marked on the edge.
    if (typeof x !== "number" || typeof y !== "number" || Number.isNaN(x) || Number.isNaN(y)) return null;
    const p = this.plot;
    const px = this.sx(x), py = this.sy(y);
    if (Number.isNaN(px) || Number.isNaN(py)) return null;
    return [Math.min(Math.max(px, p.x - 50 * p.w), p.x + 51 * p.w), Math.min(Math.max(py, p.y - 50 * p.h), p.y + 51 * p.h)];
  }

  /** A dot inside the plot, or a triangle on the edge pointing where the point went. */
  point(ctx, x, y, color, radius = 6) {
    const q = this.at(x, y);
    if (!q) return;
    const p = this.plot;
    const [px, py] = q;
    ctx.fillStyle = color;
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1.5;
    const inside = px >= p.x && px <= p.x + p.w && py >= p.y && py <= p.y + p.h;
    if (inside) {
      ctx.beginPath(); ctx.arc(px, py, radius, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      return;
    }
    const cx = Math.min(Math.max(px, p.x), p.x + p.w), cy = Math.min(Math.max(py, p.y), p.y + p.h);
    let dx = 0, dy = 0;
    if (px < p.x) dx = -1; else if (px > p.x + p.w) dx = 1;
    if (py < p.y) dy = -1; else if (py > p.y + p.h) dy = 1;
    if (dx && dy) dy = 0;  // a corner: point sideways
    const s = radius + 3;
    ctx.beginPath();
    ctx.moveTo(cx + dx * s, cy + dy * s);
    ctx.lineTo(cx - dx * s * 0.6 - dy * s * 0.8, cy - dy * s * 0.6 - dx * s * 0.8);
    ctx.lineTo(cx - dx * s * 0.6 + dy * s * 0.8, cy - dy * s * 0.6 + dx * s * 0.8);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }

  legend(ctx, items) {
    ctx.font = `12px ${LOOK.font}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    let x = this.plot.x + this.plot.w;
    const y = MARGIN.top / 2;
    for (const [text, color, dashed] of items.slice().reverse()) {
      const w = ctx.measureText(text).width;
      x -= w;
      ctx.fillStyle = LOOK.title;
      ctx.fillText(text, x, y);
      x -= 22;
      if (dashed === "dot") {
        ctx.fillStyle = color;
        ctx.beginPath(); ctx.arc(x + 8, y, 3.5, 0, 2 * Math.PI); ctx.fill();
      } else {
        ctx.strokeStyle = color;
        ctx.lineWidth = 2.5;
        ctx.setLineDash(dashed ? [5, 3] : []);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 16, y); ctx.stroke();
        ctx.setLineDash([]);
      }
      x -= 12;
    }
  }
}

// --- the player ------------------------------------------------------------------------------

class Player {
  constructor(shadow) {
    this.shadow = shadow;
    this.root = shadow.querySelector(".gdp");
    if (!this.root) {
      this.root = document.createElement("div");
      this.root.className = "gdp";
      this.root.setAttribute("data-testid", "gd-player");
      this.root.tabIndex = 0;
      shadow.appendChild(this.root);
    }
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", "Descent player: ← and → step, space plays and pauses, Home and End jump");
    this.root.replaceChildren();
    this.root.setAttribute("data-draws", "0");
    this.root.setAttribute("data-playing", "false");
    this.draws = 0;
    this.frame = 0;
    this.pos = 0;
    this.playing = false;
    this.speed = 2;
    this.ident = null;
    this.committed = null;
    this.timer = null;
    this.raf = null;
    this.buildControls();
    this.numbers = document.createElement("div");
    this.numbers.className = "numbers";
    this.numbers.setAttribute("aria-live", "polite");
    this.numbers.setAttribute("aria-atomic", "true");
    this.panelsBox = document.createElement("div");
    this.panelsBox.className = "panels";
    this.root.append(this.bar, this.numbers, this.panelsBox);
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.root);
    this.image = null;
  }

  setCallbacks(setStateValue, setTriggerValue) {
    this.setStateValue = setStateValue;
    this.setTriggerValue = setTriggerValue;
  }

  button(name, icon, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("aria-label", name);
    b.title = name;
    b.innerHTML = `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${ICONS[icon]}"/></svg>`;
    b.addEventListener("click", action);
    return b;
  }

  buildControls() {
    this.bar = document.createElement("div");
    this.bar.className = "bar";
    this.bar.setAttribute("role", "group");
    this.bar.setAttribute("aria-label", "Player controls");
    this.firstBtn = this.button("First", "first", () => this.go(0, 0));
    this.backBtn = this.button("Back", "back", () => this.go(this.frame - 1, COMMIT_MS));
    this.playBtn = this.button("Play", "play", () => this.toggle());
    this.playBtn.classList.add("play");
    this.fwdBtn = this.button("Forward", "forward", () => this.go(this.frame + 1, COMMIT_MS));
    this.lastBtn = this.button("Last", "last", () => this.go(this.n - 1, 0));
    this.range = document.createElement("input");
    this.range.type = "range";
    this.range.min = "0";
    this.range.step = "1";
    this.range.setAttribute("aria-label", "Epoch");
    this.range.addEventListener("input", () => {
      this.stop();
      this.show(Number(this.range.value));
    });
    this.range.addEventListener("change", () => this.commit(0));
    this.select = document.createElement("select");
    this.select.setAttribute("aria-label", "Speed");
    this.select.title = "Speed";
    SPEEDS.forEach((_, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = SPEED_NAMES[i];
      this.select.appendChild(o);
    });
    this.select.value = String(this.speed);
    this.select.addEventListener("change", () => {
      this.speed = Number(this.select.value);
      this.speedTitle();
    });
    this.count = document.createElement("span");
    this.count.className = "count";
    this.bar.append(this.firstBtn, this.backBtn, this.playBtn, this.fwdBtn, this.lastBtn, this.range, this.select,
                    this.count);
  }

  /** The speed's tooltip says what it means here: epochs per second. */
  speedTitle() {
    const rate = SPEEDS[this.speed] * this.data.epoch[this.n - 1] / this.duration;
    this.select.title = `Speed: ${Number(rate.toPrecision(2))} epochs per second`;
  }

  /** New data from Python. Same frames (same ident): keep the learner's place. New frames: start over. */
  load(data) {
    const fresh = data.ident !== this.ident;
    if (fresh) this.stop();  // while the old frames are still in place
    this.data = data;
    this.n = data.epoch.length;
    this.root.setAttribute("data-n-frames", String(this.n));
    this.range.max = String(Math.max(0, this.n - 1));
    // The default speed plays a run in 3 to 15 seconds (30 epochs in 3 s, 1,000 in 15 s).
    this.duration = Math.min(15, Math.max(3, (data.epoch[this.n - 1] || 1) / 66));
    this.speedTitle();
    if (fresh) {
      this.ident = data.ident;
      const start = Math.max(0, Math.min(this.n - 1, data.start | 0));
      this.frame = this.pos = start;
      this.committed = start;
      this.buildPanels();
      if (data.surface && data.surface.png) {
        const img = new Image();
        img.onload = () => {
          if (this.image !== img) return;
          this.staticLayers();
          this.draw();
        };
        this.image = img;
        img.src = data.surface.png;
      }
    }
    this.layout(true);
    if (!this.playing) this.show(this.frame);
  }

  buildPanels() {
    const d = this.data;
    this.panels = {};
    this.panelsBox.replaceChildren();
    const wideLoss = d.panels.length % 2 === 1;
    for (const kind of d.panels) {
      const panel = new Panel(kind, kind === "loss" && wideLoss);
      this.panels[kind] = panel;
      this.panelsBox.appendChild(panel.box);
    }
    const contour = this.panels.contour;
    contour.canvas.addEventListener("click", (e) => this.onContourClick(e));
    contour.canvas.addEventListener("mousemove", (e) => {
      const r = contour.canvas.getBoundingClientRect();
      const p = contour.plot;
      const x = e.clientX - r.left, y = e.clientY - r.top;
      const inside = p && x >= p.x && x <= p.x + p.w && y >= p.y && y <= p.y + p.h;
      contour.canvas.style.cursor = inside && !this.playing ? "crosshair" : "default";
    });
    contour.canvas.title = "Pause, then click to start descent from that point";
  }

  /** Size every canvas to its box (sharp at any devicePixelRatio), then redraw. */
  layout(force = false) {
    if (!this.panels) return;
    const width = this.root.clientWidth;
    if (!width) return;
    this.root.classList.toggle("narrow", width < 620);
    const cols = width < 620 ? 1 : 2;
    const gap = 12;
    const colWidth = Math.floor((width - gap * (cols - 1)) / cols);
    let changed = force;
    for (const panel of Object.values(this.panels)) {
      const w = panel.box.classList.contains("wide") ? width : colWidth;
      // Two columns: the contour's neighbour in the first row is as tall as the contour.
      const firstRow = cols === 2 && this.data.panels.indexOf(panel.kind) < 2;
      const h = cols === 1 ? (panel.kind === "contour" ? 330 : 270)
        : (firstRow ? 360 : (panel.box.classList.contains("wide") ? 280 : 320));
      changed = panel.resize(w, h) || changed;
    }
    if (changed) {
      this.staticLayers();
      this.draw();
    }
  }

  staticLayers() {
    const d = this.data;
    for (const panel of Object.values(this.panels)) {
      if (!panel.width) continue;
      const ctx = panel.backCtx();
      if (panel.kind === "contour") {
        panel.setScales(d.surface.b, d.surface.w);
        panel.drawAxes(ctx, "b (intercept)", "w (slope)");
        this.contourBackground(panel, ctx);
        panel.canvas.setAttribute("aria-label", "Loss contour with the path of descent so far; the numbers are in the text above.");
      } else if (panel.kind === "data") {
        panel.setScales(d.data.x_dom, d.data.y_dom);
        panel.drawAxes(ctx, "x", "y");
        panel.clip(ctx);
        ctx.fillStyle = PALETTE.train;
        ctx.globalAlpha = 0.75;
        for (let i = 0; i < d.data.x.length; i++) {
          const q = panel.at(d.data.x[i], d.data.y[i]);
          if (!q) continue;
          ctx.beginPath(); ctx.arc(q[0], q[1], 3, 0, 2 * Math.PI); ctx.fill();
        }
        ctx.globalAlpha = 1;
        ctx.restore();
        panel.legend(ctx, [["training data", PALETTE.train, "dot"], ["model", PALETTE.bVaries, true]]);
        panel.canvas.setAttribute("aria-label", "Training data with the model's line at this epoch.");
      } else if (panel.kind === "along_w") {
        panel.setScales(d.cuts.w, d.cuts.loss);
        panel.drawAxes(ctx, "w", "loss (MSE)");
        panel.canvas.setAttribute("aria-label", "Cross-section of the loss along w with b fixed at the current b.");
      } else if (panel.kind === "along_b") {
        panel.setScales(d.cuts.b, d.cuts.loss);
        panel.drawAxes(ctx, "b", "loss (MSE)");
        panel.canvas.setAttribute("aria-label", "Cross-section of the loss along b with w fixed at the current w.");
      } else if (panel.kind === "loss") {
        panel.setScales([0, Math.max(1, d.epoch[this.n - 1])], d.loss_domain, true);
        panel.drawAxes(ctx, "epoch", "loss (MSE, log)");
        panel.legend(ctx, d.val ? [["train", PALETTE.train, false], ["validation", PALETTE.val, false]]
          : [["train", PALETTE.train, false]]);
        panel.canvas.setAttribute("aria-label", "Loss per epoch so far on a log axis.");
      }
    }
  }

  contourBackground(panel, ctx) {
    const d = this.data, p = panel.plot;
    if (this.image && this.image.complete && this.image.naturalWidth) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.image, p.x, p.y, p.w, p.h);
    }
    panel.clip(ctx);
    const seg = d.surface.seg;
    ctx.strokeStyle = "rgba(255,255,255,0.75)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i + 3 < seg.length; i += 4) {
      const a = panel.at(seg[i], seg[i + 1]), b = panel.at(seg[i + 2], seg[i + 3]);
      if (!a || !b) continue;
      ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]);
    }
    ctx.stroke();
    ctx.font = `bold 11px ${LOOK.font}`;
    ctx.fillStyle = "#ffffff";
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    for (const [b, w, text] of d.surface.labels) {
      const q = panel.at(b, w);
      if (q) ctx.fillText(text, q[0] - 4, q[1] + 3);
    }
    ctx.restore();
    const marks = [[d.surface.minimum, "Minimum"], [[d.b[0], d.w[0]], "Start"]];
    for (const [[b, w], text] of marks) {
      const q = panel.at(b, w);
      if (!q || q[0] < p.x || q[0] > p.x + p.w || q[1] < p.y || q[1] > p.y + p.h) continue;
      panel.point(ctx, b, w, "#000000", 5);
      const left = q[0] > p.x + 0.7 * p.w;
      ctx.font = `bold 13px ${LOOK.font}`;
      ctx.textAlign = left ? "right" : "left";
      ctx.textBaseline = "middle";
      ctx.lineWidth = 3;
      ctx.lineJoin = "round";  // a mitred outline spikes at the letters' sharp corners
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.strokeText(text, q[0] + (left ? -9 : 9), q[1] + (text === "Start" ? 13 : -11));
      ctx.fillStyle = "#000000";
      ctx.fillText(text, q[0] + (left ? -9 : 9), q[1] + (text === "Start" ? 13 : -11));
    }
  }

  // --- the values at a (possibly fractional) frame position ----------------------------------

  valueAt(series, pos) {
    const i = Math.floor(pos), f = pos - i;
    const a = series[i], b = series[Math.min(i + 1, this.n - 1)];
    if (f === 0 || !finite(b)) return a;
    return finite(a) ? a + (b - a) * f : null;
  }

  /** Draw every panel at position `pos` (an epoch index, fractional between two epochs while playing). */
  draw(pos = this.pos) {
    if (!this.panels || !this.data) return;
    const d = this.data;
    const b = this.valueAt(d.b, pos), w = this.valueAt(d.w, pos);
    const k = Math.floor(pos);
    for (const panel of Object.values(this.panels)) {
      if (!panel.width) continue;
      const ctx = panel.begin();
      if (panel.kind === "contour") this.drawContour(panel, ctx, k, b, w);
      else if (panel.kind === "data") this.drawData(panel, ctx, b, w);
      else if (panel.kind === "along_w") this.drawCut(panel, ctx, "w", b, w);
      else if (panel.kind === "along_b") this.drawCut(panel, ctx, "b", b, w);
      else if (panel.kind === "loss") this.drawLoss(panel, ctx, k, pos);
    }
    this.draws += 1;
    this.root.setAttribute("data-draws", String(this.draws));
  }

  drawContour(panel, ctx, k, b, w) {
    const d = this.data, p = panel.plot;
    panel.titleText(ctx, `Loss surface: the path after ${thousands(d.epoch[k])} epoch${d.epoch[k] === 1 ? "" : "s"}`);
    panel.clip(ctx);
    if (finite(b) && b >= d.surface.b[0] && b <= d.surface.b[1]) {
      const x = panel.sx(b);
      ctx.strokeStyle = PALETTE.wVaries;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(x, p.y); ctx.lineTo(x, p.y + p.h); ctx.stroke();
    }
    if (finite(w) && w >= d.surface.w[0] && w <= d.surface.w[1]) {
      const y = panel.sy(w);
      ctx.strokeStyle = PALETTE.bVaries;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(p.x, y); ctx.lineTo(p.x + p.w, y); ctx.stroke();
    }
    ctx.setLineDash([]);
    // The path so far: a line through every epoch, a dot wherever the dots do not pile up.
    ctx.strokeStyle = PALETTE.path;
    ctx.fillStyle = PALETTE.path;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false, last = null;
    const dots = [];
    for (let i = 0; i <= k; i++) {
      const q = panel.at(d.b[i], d.w[i]);
      if (!q) break;
      if (started) ctx.lineTo(q[0], q[1]); else { ctx.moveTo(q[0], q[1]); started = true; }
      if (!last || Math.abs(q[0] - last[0]) + Math.abs(q[1] - last[1]) > 5) { dots.push(q); last = q; }
    }
    const now = panel.at(b, w);
    if (started && now) ctx.lineTo(now[0], now[1]);
    ctx.stroke();
    for (const q of dots) { ctx.beginPath(); ctx.arc(q[0], q[1], 2.4, 0, 2 * Math.PI); ctx.fill(); }
    if (d.show_next && finite(b) && finite(w)) {
      const [gb, gw] = gradients(d.stats, b, w);
      const next = panel.at(b - d.lr * gb, w - d.lr * gw);
      if (now && next) {
        ctx.strokeStyle = PALETTE.updated;
        ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.moveTo(now[0], now[1]); ctx.lineTo(next[0], next[1]); ctx.stroke();
        ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(next[0], next[1], 5, 0, 2 * Math.PI); ctx.stroke();
      }
    }
    ctx.restore();
    panel.point(ctx, b, w, PALETTE.updated, 6.5);
  }

  drawData(panel, ctx, b, w) {
    const d = this.data.data;
    const [x0, x1] = d.x_dom;
    const [y0, y1] = d.y_dom;
    const ends = [b + w * x0, b + w * x1];
    const off = !finite(b) || !finite(w) || ends.every((y) => !(y >= y0)) || ends.every((y) => !(y <= y1));
    panel.titleText(ctx, "The model at this epoch");
    if (off) {
      ctx.font = `bold 13px ${LOOK.font}`;
      ctx.fillStyle = LOOK.title;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText("its line is off the chart", panel.plot.x + panel.plot.w / 2, panel.plot.y + 8);
    }
    if (!finite(b) || !finite(w)) return;
    panel.clip(ctx);
    const a = panel.at(x0, b + w * x0), c = panel.at(x1, b + w * x1);
    if (a && c) {
      ctx.strokeStyle = PALETTE.bVaries;
      ctx.lineWidth = 2.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(c[0], c[1]); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
  }

  drawCut(panel, ctx, param, b, w) {
    const d = this.data, s = d.stats;
    const color = param === "w" ? PALETTE.wVaries : PALETTE.bVaries;
    const fixed = param === "w" ? b : w;
    panel.titleText(ctx, param === "w" ? `Loss along w · fixed b = ${short(b)}` : `Loss along b · fixed w = ${short(w)}`);
    if (!finite(fixed)) return;
    const [lo, hi] = panel.xDom;
    panel.clip(ctx);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    const steps = 120;
    let moved = false;
    for (let i = 0; i <= steps; i++) {
      const v = lo + ((hi - lo) * i) / steps;
      const q = panel.at(v, param === "w" ? mse(s, fixed, v) : mse(s, v, fixed));
      if (!q) { moved = false; continue; }
      if (moved) ctx.lineTo(q[0], q[1]); else { ctx.moveTo(q[0], q[1]); moved = true; }
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.restore();
    const along = param === "w" ? w : b;
    panel.point(ctx, along, mse(s, b, w), color, 6);
  }

  drawLoss(panel, ctx, k, pos) {
    const d = this.data;
    panel.titleText(ctx, "Loss so far");
    panel.clip(ctx);
    const series = [[d.loss, PALETTE.train]];
    if (d.val) series.push([d.val, PALETTE.val]);
    for (const [values, color] of series) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i <= k; i++) {
        const v = values[i];
        const q = finite(v) && v > 0 ? panel.at(d.epoch[i], v) : null;
        if (!q) { started = false; continue; }
        if (started) ctx.lineTo(q[0], q[1]); else { ctx.moveTo(q[0], q[1]); started = true; }
      }
      ctx.stroke();
    }
    ctx.restore();
    for (const [values, color] of series.slice().reverse()) {
      const v = this.valueAt(values, pos);
      if (finite(v) && v > 0) panel.point(ctx, this.valueAt(d.epoch, pos), v, color, 5.5);
    }
  }

  // --- state, text and controls ----------------------------------------------------------------

  /** Show integer frame k (and draw it unless playing draws at its own position). */
  show(k, draw = true) {
    k = Math.max(0, Math.min(this.n - 1, k | 0));
    this.frame = k;
    if (draw) {
      this.pos = k;
      this.draw();
    }
    this.updateText();
  }

  updateText() {
    const d = this.data, k = this.frame;
    const e = d.epoch[k], last = d.epoch[this.n - 1];
    this.root.setAttribute("data-frame", String(k));
    this.root.setAttribute("data-playing", String(this.playing));
    this.range.value = String(k);
    this.range.setAttribute("aria-valuetext", `epoch ${thousands(e)} of ${thousands(last)}`);
    this.count.innerHTML = `<span class="word">epoch </span>${thousands(e)} / ${thousands(last)}`;
    let text = `Epoch ${thousands(e)}: b = ${num(d.b[k])}, w = ${num(d.w[k])}, training loss = ${num(d.loss[k])}`;
    if (d.val) text += `, validation loss = ${num(d.val[k])}`;
    this.numbers.textContent = text + ".";
    const icon = this.playing ? "pause" : "play";
    const name = this.playing ? "Pause" : "Play";
    if (this.playBtn.getAttribute("aria-label") !== name) {
      this.playBtn.setAttribute("aria-label", name);
      this.playBtn.title = name;
      this.playBtn.querySelector("path").setAttribute("d", ICONS[icon]);
    }
  }

  /** Tell Python the frame shown (one rerun), after `delay` ms so quick steps merge. */
  commit(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.playing || this.committed === this.frame || !this.setStateValue) return;
      this.committed = this.frame;
      this.setStateValue("frame", { ident: this.ident, frame: this.frame });
    }, delay);
  }

  go(k, delay) {
    this.stop();
    this.show(k);
    this.commit(delay);
  }

  toggle() {
    if (this.playing) this.pause(); else this.play();
  }

  play() {
    if (this.n < 2) return;
    clearTimeout(this.timer);
    if (this.frame >= this.n - 1) this.show(0);
    this.playing = true;
    this.pos = this.frame;
    this.numbers.setAttribute("aria-live", "off");  // no torrent of announcements while playing
    this.updateText();
    this.lastTime = null;
    this.lastDraw = 0;
    this.raf = requestAnimationFrame((t) => this.tick(t));
  }

  /** Stop playing without telling Python (a step, a scrub or new frames follow). */
  stop() {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = null;
    if (!this.playing) return;
    this.playing = false;
    this.numbers.setAttribute("aria-live", "polite");
    this.pos = this.frame;
    this.draw();
    this.updateText();
  }

  pause() {
    this.stop();
    this.commit(0);
  }

  tick(t) {
    if (!this.playing) return;
    if (this.lastTime === null) this.lastTime = t;
    if (t - this.lastDraw >= FRAME_MS - 2) {
      const epochsPerMs = SPEEDS[this.speed] * (this.data.epoch[this.n - 1] / this.duration) / 1000;
      const lastEpoch = this.data.epoch[this.n - 1];
      // Move in epochs, then find the frame (frames may skip epochs on very long runs).
      // At most 0.1 s per step: a tab in the background (no animation frames) does not jump ahead.
      const epochNow = this.valueAt(this.data.epoch, this.pos) + epochsPerMs * Math.min(100, t - this.lastTime);
      this.lastTime = t;
      // Step the schedule by whole frame intervals, so a display whose refresh is not a
      // multiple of 30 Hz (say 40 Hz) still averages 30 pictures a second; never more
      // than one interval behind, so a stall is not followed by a burst.
      this.lastDraw = Math.max(this.lastDraw + FRAME_MS, t - FRAME_MS);
      if (epochNow >= lastEpoch) {
        this.pos = this.n - 1;
        this.show(this.n - 1, false);
        this.pause();
        return;
      }
      const stride = this.n > 1 ? lastEpoch / (this.n - 1) : 1;
      let i = Math.min(this.n - 2, Math.floor(epochNow / stride));
      while (i > 0 && this.data.epoch[i] > epochNow) i--;
      while (i < this.n - 2 && this.data.epoch[i + 1] <= epochNow) i++;
      const e0 = this.data.epoch[i], e1 = this.data.epoch[i + 1];
      this.pos = i + (epochNow - e0) / Math.max(1, e1 - e0);
      this.draw(this.pos);
      if (i !== this.frame) this.show(i, false);
    }
    this.raf = requestAnimationFrame((t2) => this.tick(t2));
  }

  onKey(e) {
    if (e.target === this.select || e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = { ArrowLeft: () => this.go(this.frame - 1, COMMIT_MS), ArrowRight: () => this.go(this.frame + 1, COMMIT_MS),
                   Home: () => this.go(0, 0), End: () => this.go(this.n - 1, 0), " ": () => this.toggle() };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    action();
  }

  onContourClick(e) {
    const panel = this.panels.contour;
    if (this.playing || !this.setTriggerValue) return;
    const r = panel.canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top, p = panel.plot;
    if (x < p.x || x > p.x + p.w || y < p.y || y > p.y + p.h) return;
    panel.setScales(this.data.surface.b, this.data.surface.w);
    this.setTriggerValue("click", { b: panel.ix(x), w: panel.iy(y) });
  }

  destroy() {
    this.stop();
    clearTimeout(this.timer);
    this.resizer.disconnect();
  }
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let player = parentElement.__gdPlayer;
  if (!player) {
    player = new Player(parentElement);
    parentElement.__gdPlayer = player;
  }
  player.setCallbacks(setStateValue, setTriggerValue);
  if (data && Array.isArray(data.epoch) && data.epoch.length) {
    player.load(data);
  }
  return () => {
    player.destroy();
    delete parentElement.__gdPlayer;
  };
}

// The pure helpers, for tests that check the browser's maths and numbers against Python's.
export { gradients, logTicks, mse, niceTicks, num };
