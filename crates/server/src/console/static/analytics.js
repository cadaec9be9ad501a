// kinesin console: the Analytics page (Kinesis Data Analytics SQL applications). Loaded
// before app.js, whose helpers ($, api, page, every, esc, enc, fmtTime) it uses when called.
"use strict";

/** #/analytics: every application with its status, source, destinations and counts. */
async function applications() {
  page("Analytics applications", `<div id="list"></div>`);
  const paint = async () => {
    const apps = await api("analytics/applications");
    const rows = apps.map((a) => `<tr data-application="${esc(a.name)}"><td><a href="#/analytics/${enc(a.name)}">${esc(a.name)}</a></td><td>${esc(a.status)}</td><td>${esc(a.runtime)} <span class="muted">(API v${a.api}, version ${a.version})</span></td><td class="mono">${a.inputs.map(endpointText).join("<br>") || "none"}</td><td class="mono">${a.outputs.map(endpointText).join("<br>") || "none"}</td><td class="num">${a.recordsRead}</td></tr>`).join("");
    if ($("#list")) $("#list").innerHTML = `<table id="applications"><thead><tr><th>Application</th><th>Status</th><th>Runtime</th><th>Input</th><th>Outputs</th><th class="num">Records read</th></tr></thead><tbody>${rows || `<tr><td colspan="6" class="muted">No applications.</td></tr>`}</tbody></table>`;
  };
  await paint();
  every(2000, () => paint().catch(() => {}));
}

function endpointText(e) {
  return `${esc(e.name)} ↔ ${esc(e.kind)} ${esc(e.arn.split(/[/:]/).pop())} (${esc(e.format)})`;
}

/** #/analytics/NAME: status, SQL, inputs and outputs, in-application streams, live rows. */
async function application(name) {
  page(name, `<p><a href="#/analytics">All applications</a></p><div id="app-summary"></div>
    <h2>SQL</h2><pre id="sql"></pre>
    <h2>In-application streams</h2><div id="in-app"></div>
    <h2>Live rows</h2><form class="inline" id="live" onsubmit="return false"><label>Stream <select name="stream"></select></label></form><div id="rows"></div>`);
  let chosen = null;
  const paint = async () => {
    const a = (await api("analytics/applications")).find((x) => x.name === name);
    if (!a) throw new Error(`Application ${name} not found.`);
    if (!$("#app-summary")) return;
    $("#app-summary").innerHTML = `<div class="cards"><div class="card"><div class="v" id="app-status">${esc(a.status)}</div><div class="k">status · ${esc(a.runtime)} · version ${a.version}</div></div><div class="card"><div class="v" id="records-read">${a.recordsRead}</div><div class="k">input records read</div></div></div>
      <table id="endpoints"><thead><tr><th>Direction</th><th>In-application name</th><th>Resource</th><th>Format</th></tr></thead><tbody>${[["input", a.inputs], ["output", a.outputs], ["reference", a.references]].flatMap(([dir, list]) => list.map((e) => `<tr><td>${dir}</td><td>${esc(e.name)}</td><td class="mono">${esc(e.arn)}</td><td>${esc(e.format)}</td></tr>`)).join("")}</tbody></table>
      ${a.description ? `<p>${esc(a.description)}</p>` : ""}${a.codeError ? `<p class="err" role="alert">${esc(a.codeError)}</p>` : ""}`;
    if ($("#sql").textContent !== (a.code || "")) $("#sql").textContent = a.code || "";
    $("#in-app").innerHTML = `<table id="in-app-streams"><thead><tr><th>Name</th><th>Kind</th><th>Columns</th><th class="num">Rows</th></tr></thead><tbody>${a.streams.map((s) => `<tr data-stream="${esc(s.name)}"><td>${esc(s.name)}</td><td>${esc(s.kind)}</td><td class="mono">${s.columns.map(esc).join(", ")}</td><td class="num">${s.kind === "reference" ? "" : s.rows}</td></tr>`).join("") || `<tr><td colspan="4" class="muted">The code defines no streams yet.</td></tr>`}</tbody></table>`;
    const sel = $("#live select");
    const names = a.streams.filter((s) => s.kind !== "reference").map((s) => s.name);
    if (JSON.stringify([...sel.options].map((o) => o.value)) !== JSON.stringify(names)) {
      sel.innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join("");
      const outputs = a.outputs.map((o) => o.name);
      chosen = names.includes(chosen) ? chosen : names.find((n) => outputs.includes(n)) || names[0] || null;
      if (chosen) sel.value = chosen;
    }
    if (chosen) await liveRows(name, chosen);
  };
  $("#live select").addEventListener("change", (e) => { chosen = e.target.value; liveRows(name, chosen).catch(fail); });
  await paint();
  every(2000, () => paint().catch(() => {}));
}

/** The newest rows of one in-application stream, newest first. */
async function liveRows(app, stream) {
  const r = await api("analytics/rows", { application: app, stream, limit: 50 });
  if (!$("#rows")) return;
  const cell = (v) => (v === null ? `<span class="muted">null</span>` : esc(typeof v === "object" ? JSON.stringify(v) : v));
  $("#rows").innerHTML = `<p class="muted">${r.total} rows entered ${esc(r.stream)}; the newest ${r.rows.length}:</p><table id="live-rows" data-stream="${esc(r.stream)}"><thead><tr>${r.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${r.rows.map((row) => `<tr>${row.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("") || `<tr><td colspan="${r.columns.length}" class="muted">No rows yet.</td></tr>`}</tbody></table>`;
}
