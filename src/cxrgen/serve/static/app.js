// cxrgen review page: plain JS, no build step. Talks to the JSON API under /api with a bearer
// token kept in sessionStorage (gone when the tab closes).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("cxrgen-token"), user: null, study: null,
                report: null, image: null, heat: null, zoom: 1, panX: 0, panY: 0, poll: null };

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json; charset=utf-8";
    options.body = JSON.stringify(options.json);
  }
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (res.status === 401 && path !== "/api/auth/login") { logout(); throw new Error("session expired"); }
  if (!res.ok) {
    let detail = res.statusText;
    try { const body = await res.json(); detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail); } catch (e) { /* not JSON */ }
    const err = new Error(detail); err.status = res.status; throw err;
  }
  return res;
}

function show(view) {
  for (const v of ["login-view", "worklist-view", "study-view"]) $(v).hidden = v !== view;
}

// ------------------------------------------------------------------ login
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    const res = await api("/api/auth/login", { method: "POST",
      json: { username: $("username").value, password: $("password").value } });
    const body = await res.json();
    state.token = body.token; sessionStorage.setItem("cxrgen-token", body.token);
    await start();
  } catch (e) { $("login-error").textContent = e.message; }
});

// On a shared workstation nothing of the last user may stay in the page: the token is dropped,
// every form reset, and the page loaded afresh, so the worklist, the study, the patient banner,
// the viewer's canvases and the search term are rebuilt from the static HTML for the next user.
function logout() {
  const token = state.token;
  state.token = null; sessionStorage.removeItem("cxrgen-token");
  clearInterval(state.poll);
  if (token) fetch("/api/auth/logout", { method: "POST", keepalive: true, headers: { Authorization: "Bearer " + token } });
  for (const f of document.querySelectorAll("form")) f.reset();
  $("search").value = "";
  document.body.replaceChildren();
  location.replace("/");
}
$("logout").addEventListener("click", logout);

async function start() {
  if (!state.token) return show("login-view");
  try { state.user = await (await api("/api/auth/me")).json(); } catch (e) { return show("login-view"); }
  $("who").textContent = `${state.user.username} (${state.user.role})`;
  $("logout").hidden = false;
  $("upload-form").hidden = !state.user.permissions.includes("upload");
  show("worklist-view");
  await loadWorklist();
}

// ------------------------------------------------------------------ worklist
async function loadWorklist() {
  const params = new URLSearchParams();
  if ($("search").value.trim()) params.set("q", $("search").value.trim());
  if ($("status-filter").value) params.set("status", $("status-filter").value);
  const body = await (await api("/api/studies?" + params)).json();
  const tbody = $("worklist").querySelector("tbody");
  tbody.replaceChildren();
  const phi = state.user.permissions.includes("see_phi");
  for (const th of document.querySelectorAll(".phi-col")) th.hidden = !phi;
  for (const s of body.items) {
    const tr = document.createElement("tr");
    tr.dataset.studyId = s.id;
    const cells = [s.id, s.reference, s.status, s.language, s.images, s.excerpt, (s.created_at || "").slice(0, 19).replace("T", " ")];
    if (phi) cells.splice(1, 0, patientLine(s.patient));
    for (const value of cells) {
      const td = document.createElement("td"); td.textContent = value ?? ""; tr.appendChild(td);
    }
    tr.addEventListener("click", () => openStudy(s.id));
    tbody.appendChild(tr);
  }
}
$("refresh").addEventListener("click", loadWorklist);
$("search").addEventListener("input", () => { clearTimeout(state.searchTimer); state.searchTimer = setTimeout(loadWorklist, 250); });
$("status-filter").addEventListener("change", loadWorklist);

$("upload-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const files = $("upload-files").files;
  if (!files.length) { $("upload-status").textContent = "choose one or more images"; return; }
  const form = new FormData();
  for (const f of files) form.append("files", f);
  form.append("reference", $("upload-reference").value);
  form.append("language", $("upload-language").value);
  $("upload-status").textContent = "uploading…";
  try {
    const body = await (await api("/api/studies", { method: "POST", body: form })).json();
    $("upload-status").textContent = `study ${body.study_id} queued`;
    $("upload-form").reset();
    await openStudy(body.study_id);
  } catch (e) {
    $("upload-status").textContent = (e.status === 503 ? "server busy, retry shortly: " : "refused: ") + e.message;
  }
});

// ------------------------------------------------------------------ study
$("back").addEventListener("click", async () => { clearInterval(state.poll); show("worklist-view"); await loadWorklist(); });

async function openStudy(id) {
  clearInterval(state.poll);
  show("study-view");
  state.study = await (await api(`/api/studies/${id}`)).json();
  setWindow(PRESETS.default);  // every study starts from the full range, never the last one's
  renderStudyHeader();
  const select = $("image-select");
  select.replaceChildren();
  state.study.images.forEach((im, i) => {
    const o = document.createElement("option");
    o.value = i; o.textContent = `image ${i + 1} (${im.kind}${im.meta.ViewPosition ? ", " + im.meta.ViewPosition : ""})`;
    select.appendChild(o);
  });
  await showImage(0);
  await loadReport();
  const job = state.study.job;
  if (job && (job.status === "queued" || job.status === "running")) pollJob(job.id);
}

function patientLine(p) {
  if (!p) return "";
  return [p.name, p.id && "ID " + p.id, p.birth_date && "born " + p.birth_date, p.sex].filter(Boolean).join(" · ");
}

function renderStudyHeader() {
  const s = state.study;
  $("study-title").textContent = `Study ${s.id}${s.reference ? " · " + s.reference : ""}`;
  $("study-status").textContent = s.status;
  $("study-status").className = "badge " + s.status;
  $("job-status").textContent = s.job ? `job ${s.job.id}: ${s.job.status}${s.job.error ? " — " + s.job.error : ""}` : "";
  $("retry").hidden = !(s.status === "failed" && state.user.permissions.includes("upload"));
  const banner = $("patient-banner");
  if (s.phi_visible) {
    const line = patientLine(s.patient);
    banner.textContent = "Patient: " + (line || "no identifiers in the images (de-identified or PNG/JPEG)");
    banner.className = "patient-banner";
  } else {
    banner.textContent = "Patient identifiers hidden for your role";
    banner.className = "patient-banner hidden-phi";
  }
}

$("retry").addEventListener("click", async () => {
  try {
    const body = await (await api(`/api/studies/${state.study.id}/retry`, { method: "POST" })).json();
    $("retry").hidden = true;
    $("job-status").textContent = `job ${body.job_id}: queued`;
    pollJob(body.job_id);
  } catch (e) { $("job-status").textContent = "retry refused: " + e.message; }
});

function pollJob(jobId) {
  state.poll = setInterval(async () => {
    const job = await (await api(`/api/jobs/${jobId}`)).json();
    $("job-status").textContent = `job ${job.id}: ${job.status}${job.error ? " — " + job.error : ""}`;
    if (job.status === "done" || job.status === "failed") {
      clearInterval(state.poll);
      await openStudy(state.study.id);
    }
  }, 400);
}

async function loadReport() {
  const s = state.study;
  const canEdit = state.user.permissions.includes("edit") && s.status !== "signed";
  const canSign = state.user.permissions.includes("sign") && s.status !== "signed";
  try {
    state.report = await (await api(`/api/studies/${s.id}/report`)).json();
  } catch (e) {
    state.report = null;
    $("report-view").textContent = e.status === 404 ? "draft not ready yet…" : e.message;
    $("report-edit").value = ""; $("report-edit").disabled = true;
    $("save").disabled = $("signoff").disabled = true;
    $("versions").replaceChildren();
    $("ai-draft-banner").hidden = true;
    return;
  }
  $("ai-draft-banner").hidden = !(state.report.ai_draft && !state.report.signed);
  renderHighlighted($("report-view"), state.report.text, state.report.labels);
  $("report-view").lang = state.report.language;
  $("report-edit").lang = state.report.language;
  $("report-edit").value = state.report.text;
  $("report-edit").disabled = !canEdit;
  $("save").disabled = !canEdit;
  $("signoff").disabled = !canSign;
  $("report-message").textContent = state.report.signed ? `signed by ${state.report.signed_by} at ${state.report.signed_at.slice(0, 19).replace("T", " ")}` : `version ${state.report.version}`;
  await loadVersions();
}

function renderHighlighted(el, text, spans) {
  el.replaceChildren();
  let at = 0;
  const sorted = [...(spans || [])].sort((a, b) => a.start - b.start);
  for (const sp of sorted) {
    if (sp.start < at) continue; // overlapping mentions: keep the first
    el.appendChild(document.createTextNode(text.slice(at, sp.start)));
    const mark = document.createElement("span");
    mark.className = "finding f-" + sp.status;
    mark.title = `${sp.concept}: ${sp.status}`;
    mark.dataset.status = sp.status;
    mark.textContent = text.slice(sp.start, sp.end);
    el.appendChild(mark);
    at = sp.end;
  }
  el.appendChild(document.createTextNode(text.slice(at)));
}

async function loadVersions() {
  const versions = await (await api(`/api/studies/${state.study.id}/report/versions`)).json();
  const ol = $("versions");
  ol.replaceChildren();
  for (const v of versions.reverse()) {
    const li = document.createElement("li");
    li.textContent = `v${v.version} · ${v.author} · ${(v.created_at || "").slice(0, 19).replace("T", " ")}`;
    const pre = document.createElement("pre"); pre.textContent = v.text; pre.lang = state.report.language;
    li.appendChild(pre); ol.appendChild(li);
  }
}

$("save").addEventListener("click", async () => {
  try {
    await api(`/api/studies/${state.study.id}/report`, { method: "PUT",
      json: { text: $("report-edit").value, base_version: state.report.version } });
    state.study = await (await api(`/api/studies/${state.study.id}`)).json();
    renderStudyHeader();
    await loadReport();
    $("report-message").textContent = `saved as version ${state.report.version}`;
  } catch (e) { $("report-message").textContent = "not saved: " + e.message; }
});

// Live findings highlighting while typing: the server's labeler (the same as after Save) on the
// text in the editor, at most one request per pause in typing.
$("report-edit").addEventListener("input", () => {
  clearTimeout(state.highlightTimer);
  state.highlightTimer = setTimeout(async () => {
    const text = $("report-edit").value;
    try {
      const body = await (await api("/api/findings/highlight", { method: "POST",
        json: { text, language: state.report ? state.report.language : "en" } })).json();
      if ($("report-edit").value === text) renderHighlighted($("report-view"), text, body.labels);
    } catch (e) { /* highlighting is a help; Save still works */ }
  }, 300);
});

// Sign-off: a confirmation showing exactly the text being signed (the version on screen, which
// the server checks is still current); an unedited machine draft needs an explicit tick.
$("signoff").addEventListener("click", () => {
  if ($("report-edit").value !== state.report.text) {
    $("report-message").textContent = "save your changes before signing"; return;
  }
  const ai = !!state.report.ai_draft;
  $("signoff-meta").textContent = `Study ${state.study.id}, version ${state.report.version} by ${state.report.author}`;
  $("signoff-text").textContent = state.report.text;
  $("signoff-ai").hidden = !ai;
  $("signoff-ack-label").hidden = !ai;
  $("signoff-ack").checked = false;
  $("signoff-confirm").disabled = ai;
  $("signoff-confirm").textContent = `Sign version ${state.report.version}`;
  $("signoff-dialog").showModal();
});
$("signoff-ack").addEventListener("change", () => { $("signoff-confirm").disabled = !$("signoff-ack").checked; });
$("signoff-dialog").addEventListener("close", async () => {
  if ($("signoff-dialog").returnValue !== "confirm") return;
  try {
    await api(`/api/studies/${state.study.id}/signoff`, { method: "POST", json: { version: state.report.version } });
    state.study = await (await api(`/api/studies/${state.study.id}`)).json();
    renderStudyHeader();
    await loadReport();
  } catch (e) { $("report-message").textContent = "not signed: " + e.message; }
});

// ------------------------------------------------------------------ viewer
async function fetchBitmap(url) {
  const blob = await (await api(url)).blob();
  return await createImageBitmap(blob);
}

async function showImage(i) {
  const im = state.study.images[i];
  if (!im) return;
  const bitmap = await fetchBitmap(im.url);
  const off = document.createElement("canvas");
  off.width = bitmap.width; off.height = bitmap.height;
  const ctx = off.getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  state.image = { raw: ctx.getImageData(0, 0, off.width, off.height), canvas: off };
  state.heat = im.has_heatmap ? await fetchBitmap(im.heatmap_url) : null;
  $("heatmap-toggle").disabled = !state.heat;
  state.zoom = 1; state.panX = state.panY = 0;
  applyWindow();
}
$("image-select").addEventListener("change", (ev) => showImage(+ev.target.value));

// Window/level on the displayed 8-bit image: values in [L - W/2, L + W/2] are stretched to 0..255.
// The presets are on that display scale (0..255, the DICOM's own window already applied at
// intake), not in Hounsfield units, which radiographs do not have: "lung" widens the dark range,
// "mediastinum" and "bone" the bright one.
const PRESETS = { default: [255, 128], lung: [180, 100], mediastinum: [120, 170], bone: [90, 200] };

function setWindow([w, l]) {
  $("window").value = $("window-value").value = w;
  $("level").value = $("level-value").value = l;
  applyWindow();
}
for (const b of document.querySelectorAll("[data-preset]")) b.addEventListener("click", () => setWindow(PRESETS[b.dataset.preset]));
$("window-value").addEventListener("change", () => setWindow([Math.min(255, Math.max(1, +$("window-value").value || 255)), +$("level").value]));
$("level-value").addEventListener("change", () => setWindow([+$("window").value, Math.min(255, Math.max(0, +$("level-value").value || 0))]));

function applyWindow() {
  $("window-value").value = $("window").value; $("level-value").value = $("level").value;
  if (!state.image) return;
  const w = +$("window").value, l = +$("level").value;
  const lut = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) lut[v] = ((v - (l - w / 2)) / w) * 255;
  const src = state.image.raw.data;
  const out = new ImageData(state.image.raw.width, state.image.raw.height);
  for (let p = 0; p < src.length; p += 4) {
    const g = lut[src[p]];
    out.data[p] = out.data[p + 1] = out.data[p + 2] = g; out.data[p + 3] = 255;
  }
  state.image.canvas.getContext("2d").putImageData(out, 0, 0);
  draw();
}
$("window").addEventListener("input", applyWindow);
$("level").addEventListener("input", applyWindow);

function draw() {
  const c = $("canvas"), ctx = c.getContext("2d");
  const img = state.image.canvas;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, c.width, c.height);
  const fit = Math.min(c.width / img.width, c.height / img.height) * state.zoom;
  const x = (c.width - img.width * fit) / 2 + state.panX, y = (c.height - img.height * fit) / 2 + state.panY;
  ctx.imageSmoothingEnabled = state.zoom < 3;
  ctx.drawImage(img, x, y, img.width * fit, img.height * fit);
  if (state.heat && $("heatmap-toggle").checked) {
    ctx.globalAlpha = 0.6;
    ctx.drawImage(state.heat, x, y, img.width * fit, img.height * fit);
    ctx.globalAlpha = 1;
  }
}
$("heatmap-toggle").addEventListener("change", draw);
function zoomBy(f) { state.zoom = Math.min(16, Math.max(0.25, state.zoom * f)); draw(); }
$("zoom-in").addEventListener("click", () => zoomBy(1.25));
$("zoom-out").addEventListener("click", () => zoomBy(0.8));
$("zoom-reset").addEventListener("click", () => { state.zoom = 1; state.panX = state.panY = 0; draw(); });
$("canvas").addEventListener("wheel", (ev) => { ev.preventDefault(); zoomBy(ev.deltaY < 0 ? 1.1 : 0.9); }, { passive: false });
$("canvas").addEventListener("mousedown", (ev) => {
  const sx = ev.clientX - state.panX, sy = ev.clientY - state.panY;
  const move = (e) => { state.panX = e.clientX - sx; state.panY = e.clientY - sy; draw(); };
  const up = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); };
  window.addEventListener("mousemove", move); window.addEventListener("mouseup", up);
});

start();
