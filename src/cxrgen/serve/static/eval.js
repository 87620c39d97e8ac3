// Blinded rating page: one study at a time, candidate reports as slots A, B, ...
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("cxrgen-token"), current = null, sessionId = null;

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  if (options.json !== undefined) { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(options.json); }
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) { let d = res.statusText; try { d = (await res.json()).detail; } catch (e) { /* not JSON */ } throw new Error(d); }
  return res;
}
function show(v) { for (const x of ["login-view", "sessions-view", "item-view"]) $(x).hidden = x !== v; }
// What each point of the 1-5 scale means (shown beside every button, and in its tooltip).
const SCALE = { 1: "1 very poor", 2: "2 poor", 3: "3 acceptable", 4: "4 good", 5: "5 excellent" };
let zoom = 1;
function applyZoom() { for (const img of $("item-images").querySelectorAll("img")) img.style.width = (100 * zoom) + "%"; }
$("zoom-in").addEventListener("click", () => { zoom = Math.min(8, zoom * 1.25); applyZoom(); });
$("zoom-out").addEventListener("click", () => { zoom = Math.max(0.25, zoom / 1.25); applyZoom(); });
$("zoom-reset").addEventListener("click", () => { zoom = 1; applyZoom(); });
$("logout").addEventListener("click", () => {
  if (token) fetch("/api/auth/logout", { method: "POST", keepalive: true, headers: { Authorization: "Bearer " + token } });
  token = null; sessionStorage.removeItem("cxrgen-token");
  document.body.replaceChildren();
  location.replace("/eval");
});

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const body = await (await api("/api/auth/login", { method: "POST", json: { username: $("username").value, password: $("password").value } })).json();
    token = body.token; sessionStorage.setItem("cxrgen-token", token); await start();
  } catch (e) { $("login-error").textContent = e.message; }
});

async function start() {
  if (!token) return show("login-view");
  let me;
  try { me = await (await api("/api/auth/me")).json(); } catch (e) { return show("login-view"); }
  $("who").textContent = `${me.username} (${me.role})`;
  $("logout").hidden = false;
  const sessions = await (await api("/api/eval/sessions")).json();
  const ul = $("sessions"); ul.replaceChildren();
  for (const s of sessions) {
    const li = document.createElement("li"); const b = document.createElement("button");
    b.textContent = `${s.name} (${s.mode}): ${s.rated_by_me} / ${s.items} rated`;
    b.addEventListener("click", () => { sessionId = s.id; nextItem(); });
    li.appendChild(b); ul.appendChild(li);
  }
  show("sessions-view");
}

async function nextItem() {
  current = await (await api(`/api/eval/sessions/${sessionId}/next`)).json();
  if (current.done) { $("item-message").textContent = "all items rated, thank you"; return start(); }
  show("item-view");
  $("item-title").textContent = `Study ${current.position + 1} of ${current.total}`;
  const imgs = $("item-images"); imgs.replaceChildren();
  for (const url of current.images) {
    const blob = await (await api(url)).blob();
    const img = document.createElement("img"); img.src = URL.createObjectURL(blob); img.style.maxWidth = "none";
    imgs.appendChild(img);
  }
  zoom = 1; applyZoom();
  const form = $("rating-form"); form.replaceChildren();
  for (const c of current.candidates) {
    const box = document.createElement("fieldset");
    const legend = document.createElement("legend"); legend.textContent = "Report " + c.slot; box.appendChild(legend);
    const p = document.createElement("p"); p.className = "report-text"; p.textContent = c.text; box.appendChild(p);
    if (current.mode === "pairwise") {
      const l = document.createElement("label"); const r = document.createElement("input");
      r.type = "radio"; r.name = "preferred"; r.value = c.slot; r.required = true;
      l.append(r, " this report is better"); box.appendChild(l);
    } else {
      for (const crit of current.criteria) {
        const row = document.createElement("div"); row.setAttribute("role", "radiogroup");
        row.setAttribute("aria-label", crit.replace("_", " ")); row.textContent = crit.replace("_", " ") + ": ";
        for (let s = 1; s <= 5; s++) {
          const l = document.createElement("label"); const r = document.createElement("input");
          r.type = "radio"; r.name = `${c.slot}:${crit}`; r.value = s; r.required = true;
          l.title = SCALE[s]; l.append(r, SCALE[s]); row.appendChild(l);
        }
        box.appendChild(row);
      }
    }
    form.appendChild(box);
  }
  const submit = document.createElement("button"); submit.type = "submit"; submit.textContent = "Submit and next";
  form.appendChild(submit);
}

$("rating-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData($("rating-form"));
  const body = {};
  if (current.mode === "pairwise") body.preferred = data.get("preferred");
  else {
    body.scores = {};
    for (const [k, v] of data.entries()) { const [slot, crit] = k.split(":"); (body.scores[slot] ||= {})[crit] = +v; }
  }
  try { await api(`/api/eval/items/${current.item_id}/rating`, { method: "POST", json: body }); await nextItem(); }
  catch (e) { $("item-message").textContent = e.message; }
});
start();
