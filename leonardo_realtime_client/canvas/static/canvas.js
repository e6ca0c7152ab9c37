// The page of `leonardo-realtime canvas`. Plain JS, no build step, no dependencies.
//
// Protocol (see leonardo_realtime_client/canvas/_protocol.py): the page sends its drawing as a binary message
// (tag byte 0x01 + JPEG) only when it changed, at most every `throttle_ms`; in inpaint mode the mask goes first
// (0x02 + PNG). Parameters go as JSON {"type": "params", ...}. The server answers with JSON events: hello (the
// controls, built from the spec's constraints table), result, upscaled, error, budget and stats.
"use strict";

const $ = (id) => document.getElementById(id);
const drawing = $("drawing");
const mask = $("mask");
const output = $("output");
const dctx = drawing.getContext("2d", { willReadFrequently: true });
const mctx = mask.getContext("2d", { willReadFrequently: true });
const MASK_INK = "#ff2050";
const UNDO_DEPTH = 40;

const state = {
  tool: "brush",
  operation: "generate",
  drawingChanged: false, // the drawing differs from what was last sent
  maskChanged: false,
  paramsChanged: false,
  sending: null, // the send under way (a Promise), if any
  unsent: 0, // changes that left the bytes as they were, so were not sent
  budgetReached: false,
  pausedUntil: 0, // performance.now() when a 429 pause ends
  undo: [],
  stroke: null,
  ws: null,
};

// ---------------------------------------------------------------- drawing

function clearLayer(ctx) {
  if (ctx === dctx) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, drawing.width, drawing.height);
  } else {
    ctx.clearRect(0, 0, mask.width, mask.height);
  }
  changed(ctx);
}

function layer() {
  return state.operation === "inpaint" ? mctx : dctx;
}

function changed(ctx) {
  if (ctx === mctx) state.maskChanged = true;
  else state.drawingChanged = true;
}

function pushUndo(ctx) {
  state.undo.push({ ctx, data: ctx.getImageData(0, 0, ctx.canvas.width, ctx.canvas.height) });
  if (state.undo.length > UNDO_DEPTH) state.undo.shift();
}

function undo() {
  const step = state.undo.pop();
  if (!step) return;
  step.ctx.putImageData(step.data, 0, 0);
  changed(step.ctx);
}

function toCanvas(event) {
  const box = drawing.getBoundingClientRect();
  return [((event.clientX - box.left) * drawing.width) / box.width, ((event.clientY - box.top) * drawing.height) / box.height];
}

function lineWidth(event) {
  const size = Number($("size").value);
  // A pen's pressure thins or thickens the line; mouse and touch draw at the chosen size.
  return event.pointerType === "pen" ? size * (0.25 + 1.5 * event.pressure) : size;
}

function paint(ctx, from, to, width) {
  const erasing = state.tool === "eraser";
  ctx.globalCompositeOperation = erasing && ctx === mctx ? "destination-out" : "source-over";
  ctx.strokeStyle = ctx.fillStyle = ctx === mctx ? MASK_INK : erasing ? "#ffffff" : $("colour").value;
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  if (from[0] === to[0] && from[1] === to[1]) {
    ctx.arc(from[0], from[1], width / 2, 0, 2 * Math.PI); // a dot (a tap): a zero-length line draws nothing
    ctx.fill();
  } else {
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  }
  ctx.globalCompositeOperation = "source-over";
  changed(ctx);
}

const pad = $("pad");
pad.addEventListener("pointerdown", (event) => {
  if (event.button !== 0) return;
  pad.setPointerCapture(event.pointerId);
  const ctx = layer();
  pushUndo(ctx);
  const at = toCanvas(event);
  state.stroke = { ctx, last: at, pointerId: event.pointerId };
  paint(ctx, at, at, lineWidth(event));
});
pad.addEventListener("pointermove", (event) => {
  const stroke = state.stroke;
  if (!stroke || stroke.pointerId !== event.pointerId) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of events.length ? events : [event]) {
    const at = toCanvas(e);
    paint(stroke.ctx, stroke.last, at, lineWidth(e));
    stroke.last = at;
  }
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => (state.stroke = null));
}

async function drawPicture(source) {
  // Fit the picture inside the drawing, on white (uploads and "use output").
  const bitmap = await createImageBitmap(source);
  pushUndo(dctx);
  dctx.fillStyle = "#ffffff";
  dctx.fillRect(0, 0, drawing.width, drawing.height);
  const scale = Math.min(drawing.width / bitmap.width, drawing.height / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  dctx.drawImage(bitmap, (drawing.width - w) / 2, (drawing.height - h) / 2, w, h);
  bitmap.close();
  changed(dctx);
}

// ---------------------------------------------------------------- frames out

function blobOf(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

function maskCanvas() {
  // White where the mask is painted (repaint), black elsewhere (keep).
  const out = document.createElement("canvas");
  out.width = mask.width;
  out.height = mask.height;
  const ctx = out.getContext("2d");
  ctx.drawImage(mask, 0, 0);
  ctx.globalCompositeOperation = "source-in";
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.globalCompositeOperation = "destination-over";
  ctx.fillStyle = "#000000";
  ctx.fillRect(0, 0, out.width, out.height);
  return out;
}

async function tagged(tag, blob) {
  // One binary message: the tag byte, then the encoded image.
  const image = new Uint8Array(await blob.arrayBuffer());
  const message = new Uint8Array(image.length + 1);
  message[0] = tag;
  message.set(image, 1);
  return message;
}

const lastSent = {}; // tag → the last message sent with it

function sendIfNew(ws, message) {
  // Paint over paint of the same colour changes nothing: the same bytes are not sent twice.
  const last = lastSent[message[0]];
  if (last && last.length === message.length && last.every((byte, i) => byte === message[i])) {
    $("unsent").textContent = String(++state.unsent);
    return;
  }
  lastSent[message[0]] = message;
  ws.send(message);
}

function maskIsEmpty() {
  // One 32-bit word per pixel: a pixel never painted (or erased) reads back as transparent black, 0.
  const pixels = new Uint32Array(mctx.getImageData(0, 0, mask.width, mask.height).data.buffer);
  return !pixels.some((pixel) => pixel !== 0);
}

function sendChanges() {
  // Runs every throttle_ms: sends what changed since the last time, nothing otherwise. Returns the send under way.
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || state.sending || state.budgetReached) return state.sending;
  state.sending = sendChangesTo(ws).finally(() => (state.sending = null));
  return state.sending;
}

async function sendChangesTo(ws) {
  if (state.paramsChanged) {
    state.paramsChanged = false;
    ws.send(JSON.stringify(params()));
  }
  // Inpaint with nothing painted would pay for a picture that cannot change: wait for a mask.
  const inpaint = state.operation === "inpaint";
  if (inpaint && maskIsEmpty()) return;
  if (inpaint && state.maskChanged) {
    state.maskChanged = false;
    sendIfNew(ws, await tagged(2, await blobOf(maskCanvas(), "image/png")));
  }
  if (state.drawingChanged) {
    state.drawingChanged = false;
    sendIfNew(ws, await tagged(1, await blobOf(drawing, "image/jpeg", 0.85)));
  }
}

// ---------------------------------------------------------------- parameters (controls from the server)

function controlElement(spec) {
  const wrap = document.createElement("label");
  wrap.className = "control";
  wrap.title = spec.allowed;
  const name = document.createElement("span");
  name.textContent = spec.label;
  wrap.append(name);
  let input;
  if (spec.kind === "text") {
    input = document.createElement("textarea");
    input.value = spec.value ?? "";
    input.required = spec.required;
  } else if (spec.kind === "select") {
    input = document.createElement("select");
    input.append(new Option("(API default)", ""));
    for (const choice of spec.choices) input.append(new Option(String(choice).replaceAll("_", " ").toLowerCase(), choice));
    input.value = spec.value ?? "";
  } else if (spec.kind === "checkbox") {
    input = document.createElement("input");
    input.type = "checkbox";
    input.checked = Boolean(spec.value);
  } else {
    input = document.createElement("input");
    input.type = "range";
    Object.assign(input, { min: spec.min, max: spec.max, step: spec.step, value: spec.value });
  }
  input.name = spec.name;
  input.dataset.kind = spec.kind;
  wrap.append(input);
  if (spec.kind === "range") {
    const shown = document.createElement("output");
    shown.textContent = input.value;
    input.addEventListener("input", () => (shown.textContent = input.value));
    wrap.append(shown);
  }
  input.addEventListener("input", () => (state.paramsChanged = true));
  return wrap;
}

function buildControls(settings) {
  const ops = $("operations");
  for (const op of settings.live_operations) {
    const radio = Object.assign(document.createElement("input"), { type: "radio", name: "operation", value: op });
    radio.checked = op === state.operation;
    const label = document.createElement("label");
    label.append(radio, ` ${op}`);
    ops.append(label);
  }
  for (const spec of settings.controls) {
    if (spec.name === "seed") {
      Object.assign($("seed"), { min: spec.min, max: spec.max, value: spec.value, title: spec.allowed });
      continue;
    }
    const live = spec.operations.some((op) => settings.live_operations.includes(op));
    $(live ? "params" : "upscale-params").append(controlElement(spec));
  }
}

function params() {
  const message = { type: "params", operation: state.operation };
  for (const input of document.querySelectorAll("#params [name], #upscale-params [name]")) {
    const kind = input.dataset.kind;
    if (kind === "checkbox") message[input.name] = input.checked;
    else if (kind === "range") message[input.name] = Number(input.value);
    else if (kind === "select") message[input.name] = input.value === "" ? null : input.value;
    else message[input.name] = input.value;
  }
  const seed = $("seed");
  // Locked: the same seed for every frame (no flicker). Unlocked: the API picks one per frame.
  message.seed = $("seed-lock").checked && seed.value !== "" ? Number(seed.value) : null;
  return message;
}

function setOperation(op) {
  state.operation = op;
  $("mask-hint").hidden = op !== "inpaint";
  mask.style.visibility = op === "inpaint" ? "visible" : "hidden";
  state.paramsChanged = true;
  state.maskChanged = op === "inpaint";
}

// ---------------------------------------------------------------- events in

function say(text, level = "") {
  const box = $("message");
  box.textContent = text;
  box.className = level;
}

function showOutput(src, caption) {
  output.src = src;
  $("output-caption").textContent = caption;
  const link = $("download");
  link.href = src;
  link.setAttribute("aria-disabled", "false");
}

function formatStat(name, value) {
  if (value === null || value === undefined) return "–";
  if (name.endsWith("_ms")) return `${Math.round(value)} ms`;
  if (name === "unit") return String(value).toLowerCase();
  return String(value);
}

function showStats(stats) {
  for (const cell of document.querySelectorAll("[data-stat]")) {
    if (cell.dataset.stat in stats) cell.textContent = formatStat(cell.dataset.stat, stats[cell.dataset.stat]);
  }
  const meter = $("spend");
  if (stats.budget !== null) {
    meter.max = Number(stats.budget) || 1;
    meter.value = Number(stats.spent);
  }
  if (stats.paused_ms) state.pausedUntil = performance.now() + stats.paused_ms;
}

const handlers = {
  hello(message) {
    buildControls(message);
    $("backend").textContent = message.backend;
    state.paramsChanged = true;
    setInterval(sendChanges, message.throttle_ms);
  },
  result(message) {
    const cost = message.cost === null ? "" : ` · cost ${message.cost}`;
    showOutput(message.image, `Output #${message.seq} (${message.operation}) · ${Math.round(message.latency_ms)} ms${cost}`);
    if (!state.pausedUntil) say("");
  },
  upscaled(message) {
    showOutput(message.image, `Upscaled · ${Math.round(message.latency_ms)} ms · cost ${message.cost ?? "?"}`);
  },
  error(message) {
    if (message.retry_after) state.pausedUntil = performance.now() + message.retry_after * 1000;
    else say(`${message.kind} error: ${message.message}`, "bad");
  },
  budget(message) {
    state.budgetReached = true;
    say(message.message, "warn");
  },
  stats: showStats,
};

function countdown() {
  // A 429 pauses the whole session; show how long is left.
  if (!state.pausedUntil) return;
  const left = state.pausedUntil - performance.now();
  if (left <= 0) {
    state.pausedUntil = 0;
    say("rate limit over: sending again");
  } else {
    say(`rate limited (429): sending resumes in ${(left / 1000).toFixed(1)} s`, "warn");
  }
}

function connect() {
  const token = new URLSearchParams(location.search).get("token");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  const ws = new WebSocket(url);
  const status = $("status");
  ws.addEventListener("open", () => {
    status.textContent = "connected";
    status.className = "badge ok";
  });
  ws.addEventListener("close", (event) => {
    status.textContent = `disconnected${event.reason ? ` (${event.reason})` : ""}: reload to reconnect`;
    status.className = "badge bad";
  });
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const handle = handlers[message.type];
    if (handle) handle(message);
  });
  state.ws = ws;
}

// ---------------------------------------------------------------- wiring

$("size").addEventListener("input", (e) => (e.target.nextElementSibling.textContent = e.target.value));
for (const radio of document.querySelectorAll("input[name=tool]")) {
  radio.addEventListener("change", () => (state.tool = radio.value));
}
$("operations").addEventListener("change", (e) => setOperation(e.target.value));
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", () => {
  const ctx = layer();
  pushUndo(ctx);
  clearLayer(ctx);
});
$("upload").addEventListener("change", (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file) return;
  // A picture the browser cannot decode (a phone's HEIC, a renamed file) leaves the drawing as it was, and says so.
  drawPicture(file).then(
    () => $("message").textContent.startsWith("cannot read ") && say(""),
    () => say(`cannot read ${file.name}: this browser cannot decode it; try a JPEG, PNG or WebP`, "bad"),
  );
});
$("use-output").addEventListener("click", () => {
  if (output.complete && output.naturalWidth) drawPicture(output);
});
$("seed").addEventListener("input", () => (state.paramsChanged = true));
$("seed-lock").addEventListener("change", () => (state.paramsChanged = true));
$("seed-new").addEventListener("click", () => {
  $("seed").value = Math.floor(Math.random() * 1e9);
  state.paramsChanged = true;
});
$("upscale").addEventListener("click", async () => {
  // What was drawn before the click goes first: the server upscales its output, and the upscaled picture comes last.
  await state.sending;
  await sendChanges();
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: "upscale" }));
});
document.addEventListener("keydown", (e) => {
  // Ctrl+Z in the prompt (or any field) undoes the typing, not the drawing.
  const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || e.target.matches("input, textarea, select"));
  if ((e.ctrlKey || e.metaKey) && e.key === "z" && !typing) {
    e.preventDefault();
    undo();
  }
});

clearLayer(dctx);
state.drawingChanged = false; // a blank page is not worth a request
setOperation("generate");
setInterval(countdown, 200);
connect();
