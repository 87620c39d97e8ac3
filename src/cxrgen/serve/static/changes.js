// "What the radiologist changed": the machine draft against the current / signed report, per
// clinical error category (GET /api/studies/{id}/changes), and the model's edit burden over the
// signed studies (GET /api/edit-burden). Separate from app.js: it redraws whenever app.js
// re-renders the versions list (open, save, sign), using app.js's global `state` and `api`.
"use strict";

const CHANGE_NAMES = {
  false_finding: "finding removed (draft stated it)", missed_finding: "finding added (draft missed it)",
  wrong_location: "location / side corrected", wrong_severity: "severity corrected",
  false_comparison: "comparison removed", missed_comparison: "comparison added",
};

function changeItem(err) {
  const li = document.createElement("li");
  const what = document.createElement("b");
  what.textContent = `${CHANGE_NAMES[err.category] || err.category}: ${err.finding}`;
  li.appendChild(what);
  for (const [side, label] of [["hyp", "draft"], ["ref", "report"]]) {
    if (!err[side]) continue;
    const q = document.createElement("div");
    q.className = "change-quote";
    q.textContent = `${label}: “${err[side].text}”`;
    li.appendChild(q);
  }
  return li;
}

async function loadChanges() {
  const box = document.getElementById("changes");
  if (!box || !state.study) return;
  box.replaceChildren();
  let ch;
  try {
    ch = await (await api(`/api/studies/${state.study.id}/changes`)).json();
  } catch (e) {
    box.textContent = e.status === 404 ? "" : `changes: ${e.message}`;
    return;
  }
  const head = document.createElement("p");
  head.textContent = !ch.edited ? "The report is the machine draft, unchanged."
    : ch.errors.length === 0 ? `Edited (v${ch.version}), no clinical change: ${ch.matched} findings kept.`
    : `${ch.errors.length} clinical change(s) to the draft of ${ch.model} (v${ch.version}), ${ch.matched} findings kept:`;
  box.appendChild(head);
  const ul = document.createElement("ul");
  for (const err of ch.errors) ul.appendChild(changeItem(err));
  box.appendChild(ul);
  try {
    const burden = (await (await api("/api/edit-burden")).json()).models
      .find((m) => m.model === ch.model && m.language === ch.language);
    if (burden) {
      const p = document.createElement("p");
      p.className = "edit-burden";
      p.textContent = `Edit burden of ${burden.model}: ${burden.all_edits_per_100_signed.toFixed(1)} clinical ` +
        `changes per 100 signed reports (${burden.signed_reports} signed, ${burden.reports_changed} edited).`;
      box.appendChild(p);
    }
  } catch (e) { /* the per-study diff is shown; the burden figure is optional */ }
}

new MutationObserver(() => { loadChanges(); })
  .observe(document.getElementById("versions"), { childList: true });
