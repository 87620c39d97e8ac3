// PACS link on the review page: where a pulled study's report was written back (DICOM SR by
// STOW-RS), why a write-back failed, and a button to send (or retry) it. Loaded after app.js,
// whose loadReport it extends; a study that did not come from a PACS shows nothing.
"use strict";

const loadReportWithoutPacs = loadReport;
loadReport = async function () {
  await loadReportWithoutPacs();
  await loadPacs();
};

async function loadPacs() {
  const box = $("pacs");
  box.hidden = true;
  if (!state.study) return;
  let row;
  try {
    row = await (await api(`/api/studies/${state.study.id}/pacs`)).json();
  } catch (e) {
    return; // 404: not from a PACS, or the service has no PACS link
  }
  const p = row.push;
  let text = `PACS report: ${p.status}`;
  if (p.status === "pushed") text += ` (version ${p.version}, ${p.verified ? "verified" : "unverified draft"})`;
  if (p.status === "waiting" && p.retry_at) text += `, next attempt ${p.retry_at.slice(11, 19)}`;
  if (p.error) text += ` — ${p.error}`;
  $("pacs-status").textContent = text;
  $("pacs-status").dataset.status = p.status;
  $("pacs-push").textContent = p.status === "failed" ? "Retry sending to PACS" : "Send to PACS";
  $("pacs-push").disabled = !state.user.permissions.includes("edit") || !state.report;
  box.hidden = false;
}

$("pacs-push").addEventListener("click", async () => {
  $("pacs-push").disabled = true;
  $("pacs-status").textContent = "sending to PACS…";
  try {
    await api(`/api/studies/${state.study.id}/pacs/push`, { method: "POST" });
  } catch (e) {
    /* the study's PACS row says why; shown below */
  }
  await loadPacs();
});
