// kinesin console: plain JavaScript, no build. Reads through the AWS APIs and the read-only
// internal API under /_kinesin/api/ (docs/console.md); changes go only through AWS APIs.
"use strict";

const $ = (sel, el = document) => el.querySelector(sel);
const main = $("#main");
const state = { account: "", region: "", timers: [], events: null, last: null, onOverview: null };

// ---------------------------------------------------------------- helpers

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
const enc = encodeURIComponent;

/** A SigV4-shaped Authorization whose scope names the chosen account and region (kinesin
 * takes a 12-digit access key id as the account; it does not check the signature). */
function auth(service) {
  const region = state.region || state.last?.region;
  if (!state.account && (service !== "s3" || !region)) return {};
  // Without a chosen account, a key id that is not an account id: the server's default account.
  const key = state.account || "console";
  return { Authorization: `AWS4-HMAC-SHA256 Credential=${key}/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0` };
}

const PROTOCOLS = {
  kinesis: ["Kinesis_20131202", "application/x-amz-json-1.1"],
  firehose: ["Firehose_20150804", "application/x-amz-json-1.1"],
  sqs: ["AmazonSQS", "application/x-amz-json-1.0"],
};

/** Calls an AWS JSON operation of kinesin. */
async function aws(service, op, body = {}) {
  const [prefix, ct] = PROTOCOLS[service];
  const r = await fetch("/", { method: "POST", headers: { "Content-Type": ct, "X-Amz-Target": `${prefix}.${op}`, ...auth(service) }, body: JSON.stringify(body) });
  const text = await r.text();
  const doc = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error(`${(doc.__type || "").split("#").pop()}: ${doc.message || doc.Message || r.status}`);
  return doc;
}

/** GETs a JSON document from the internal API (with the chosen account and region). */
async function api(path, params = {}) {
  const q = new URLSearchParams({ ...params, ...(state.account ? { account: state.account, region: state.region } : {}) });
  const r = await fetch(`/_kinesin/api/${path}?${q}`);
  const doc = await r.json();
  if (!r.ok) throw new Error(doc.message || r.status);
  return doc;
}

/** A signed-looking GET for the REST services (Pipes, S3). */
async function rest(service, path) {
  const r = await fetch(path, { headers: auth(service === "s3" ? "s3" : service) });
  if (!r.ok) throw new Error(`${service} ${path}: HTTP ${r.status}`);
  return r;
}

function b64ToBytes(b64) {
  const s = atob(b64 || "");
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
function bytesToB64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
function view(bytes, mode) {
  if (mode === "hex") return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const text = new TextDecoder().decode(bytes);
  if (mode === "json") {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text + "  (not JSON)"; }
  }
  return text;
}
const fmtTime = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").replace("Z", "") : "");
const usd = (v) => "$" + Number(v || 0).toFixed(6);

function every(ms, fn) {
  state.timers.push(setInterval(fn, ms));
}
function page(title, html) {
  main.innerHTML = `<h1>${esc(title)}</h1>${html}`;
}
function fail(e) {
  main.insertAdjacentHTML("beforeend", `<p class="err" role="alert">${esc(e.message || e)}</p>`);
}

// ---------------------------------------------------------------- routing

const routes = [
  [/^#?\/?$/, overview],
  [/^#\/streams$/, streams],
  [/^#\/stream\/(.+)$/, stream],
  [/^#\/queues$/, queues],
  [/^#\/queue\/(.+)$/, queue],
  [/^#\/firehose$/, firehose],
  [/^#\/pipes$/, pipes],
  [/^#\/analytics$/, applications],
  [/^#\/analytics\/(.+)$/, application],
  [/^#\/s3$/, buckets],
  [/^#\/s3\/([^/]+)$/, bucket],
  [/^#\/s3\/([^/]+)\/(.+)$/, object],
];

async function route() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.onOverview = null;
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll("nav a")) {
    const base = a.getAttribute("href");
    const on = base === "#/" ? hash === "#/" : hash.startsWith(base.replace(/s$/, ""));
    if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  for (const [re, fn] of routes) {
    const m = hash.match(re);
    if (m) {
      try { await fn(...m.slice(1).map(decodeURIComponent)); } catch (e) { fail(e); }
      return;
    }
  }
  page("Not found", "");
}

// ---------------------------------------------------------------- live overview (SSE)

function listen() {
  const es = new EventSource("/_kinesin/api/events");
  es.addEventListener("overview", (ev) => {
    const doc = JSON.parse(ev.data);
    const prev = state.last;
    state.last = doc;
    fillScopes(doc.regions || []);
    const rates = {}, scopedRates = {};
    const per = (now, before) => Object.fromEntries(Object.entries(now || {}).map(([k, v]) => [k, ((v - ((before || {})[k] || 0)) * 1000) / (doc.nowMs - prev.nowMs)]));
    if (prev && doc.nowMs > prev.nowMs) {
      Object.assign(rates, per(doc.totals, prev.totals));
      for (const r of doc.regions || []) {
        const was = (prev.regions || []).find((p) => p.account === r.account && p.region === r.region);
        scopedRates[`${r.account}/${r.region}`] = per(r.totals, was?.totals);
      }
    }
    if (state.onOverview) state.onOverview({ doc, rates, scopedRates });
  });
  state.events = es;
}

function fillScopes(regions) {
  const sel = $("#scope");
  const want = regions.map((r) => `${r.account}/${r.region}`);
  const have = [...sel.options].map((o) => o.value);
  if (want.length && JSON.stringify(want) !== JSON.stringify(have.slice(1))) {
    const cur = sel.value;
    sel.innerHTML = `<option value="">server default</option>` + want.map((w) => `<option>${esc(w)}</option>`).join("");
    sel.value = want.includes(cur) ? cur : "";
  }
}
$("#scope").addEventListener("change", (e) => {
  [state.account, state.region] = e.target.value ? e.target.value.split("/") : ["", ""];
  route();
});

// ---------------------------------------------------------------- overview

async function overview() {
  page("Overview", `<div id="counts"><p class="muted">Waiting for the first update…</p></div>
    <h2>Live rates</h2><div class="cards" id="rates"></div><div id="region-rates"></div>
    <h2>Estimated AWS cost</h2><div id="cost"></div>`);
  const paint = ({ doc, rates, scopedRates = {} }) => {
    const rows = (doc.regions || []).map((r) => `<tr><td>${esc(r.account)}</td><td>${esc(r.region)}</td><td class="num">${r.streams}</td><td class="num">${r.openShards}</td><td class="num">${r.consumers}</td><td class="num">${r.queues}</td><td class="num">${r.deliveryStreams}</td><td class="num">${r.pipes}</td><td class="num">${r.applications}</td><td class="num">${r.buckets}</td></tr>`).join("");
    $("#counts").innerHTML = `<table id="region-counts"><thead><tr><th>Account</th><th>Region</th><th class="num">Streams</th><th class="num">Open shards</th><th class="num">EFO consumers</th><th class="num">Queues</th><th class="num">Delivery streams</th><th class="num">Pipes</th><th class="num">Analytics apps</th><th class="num">Buckets</th></tr></thead><tbody>${rows || `<tr><td colspan="10" class="muted">No resources yet.</td></tr>`}</tbody></table>`;
    const names = { kinesisRecordsIn: "Kinesis records in/s", kinesisRecordsOut: "Kinesis records out/s", firehoseRecordsIn: "Firehose records in/s", firehoseDeliveries: "Firehose deliveries/s", sqsMessagesSent: "SQS messages sent/s", sqsMessagesReceived: "SQS messages received/s", pipesRequests: "Pipes requests/s" };
    $("#rates").innerHTML = Object.entries(names).map(([k, label]) => `<div class="card"><div class="v">${(rates[k] || 0).toFixed(1)}</div><div class="k">${label} · total ${(doc.totals || {})[k] || 0}</div></div>`).join("");
    const scoped = (doc.regions || []).map((r) => `<tr data-scope="${esc(r.account)}/${esc(r.region)}"><td>${esc(r.account)}</td><td>${esc(r.region)}</td>${Object.keys(names).map((k) => `<td class="num">${(scopedRates[`${r.account}/${r.region}`]?.[k] || 0).toFixed(1)} <span class="muted">(${(r.totals || {})[k] || 0})</span></td>`).join("")}</tr>`).join("");
    $("#region-rates").innerHTML = `<table id="rates-by-scope"><thead><tr><th>Account</th><th>Region</th>${Object.values(names).map((l) => `<th class="num">${l} (total)</th>`).join("")}</tr></thead><tbody>${scoped}</tbody></table>`;
  };
  state.onOverview = paint;
  if (state.last) paint({ doc: state.last, rates: {} });
  const cost = async () => {
    const c = await api("cost");
    const rows = c.resources.map((r) => `<tr><td>${esc(r.service)}</td><td>${esc(r.account)}/${esc(r.region)}</td><td>${esc(r.name)}</td><td class="num">${usd(r.usd)}</td><td class="num">${usd(r.usdPerHour)}</td></tr>`).join("");
    if ($("#cost")) $("#cost").innerHTML = `<div class="cards"><div class="card"><div class="v" id="cost-total">${usd(c.usd)}</div><div class="k">since start (${c.elapsedHours.toFixed(2)} h)</div></div><div class="card"><div class="v" id="cost-hourly">${usd(c.usdPerHour)}</div><div class="k">per hour at the current rate</div></div></div>
      <table><thead><tr><th>Service</th><th>Scope</th><th>Resource</th><th class="num">Since start</th><th class="num">Per hour</th></tr></thead><tbody>${rows}</tbody></table>
      <p class="muted">Prices: ${esc(c.prices.region)}, ${esc(c.prices.date)} (${esc(c.prices.source)}).</p>`;
  };
  await cost();
  every(10000, cost);
}

// ---------------------------------------------------------------- streams

async function streams(token) {
  page("Streams", `<div id="list"></div><div class="pager"><button id="next" hidden>Next page</button></div>`);
  const out = await aws("kinesis", "ListStreams", token ? { NextToken: token, Limit: 100 } : { Limit: 100 });
  const rows = (out.StreamSummaries || []).map((s) => `<tr><td><a href="#/stream/${enc(s.StreamName)}">${esc(s.StreamName)}</a></td><td>${esc(s.StreamStatus)}</td><td>${esc(s.StreamModeDetails?.StreamMode)}</td><td>${fmtTime(s.StreamCreationTimestamp * 1000)}</td></tr>`).join("");
  $("#list").innerHTML = `<table id="streams"><thead><tr><th>Name</th><th>Status</th><th>Mode</th><th>Created</th></tr></thead><tbody>${rows || `<tr><td colspan="4" class="muted">No streams.</td></tr>`}</tbody></table>`;
  if (out.NextToken) {
    const b = $("#next");
    b.hidden = false;
    b.onclick = () => streams(out.NextToken);
  }
}

async function listShards(name) {
  let shards = [], token;
  do {
    const out = await aws("kinesis", "ListShards", token ? { NextToken: token } : { StreamName: name });
    shards = shards.concat(out.Shards || []);
    token = out.NextToken;
  } while (token);
  return shards;
}

async function stream(name) {
  const d = (await aws("kinesis", "DescribeStreamSummary", { StreamName: name })).StreamDescriptionSummary;
  const shards = await listShards(name);
  const consumers = (await aws("kinesis", "ListStreamConsumers", { StreamARN: d.StreamARN })).Consumers || [];
  const subs = await api("kinesis/subscriptions");
  const subscribed = (arn) => subs.filter((x) => x.consumerArn === arn).map((x) => x.shardId).join(", ") || "none";
  page(`Stream ${name}`, `
    <div class="cards" id="summary"><div class="card"><div class="v">${esc(d.StreamStatus)}</div><div class="k">status</div></div>
    <div class="card"><div class="v">${esc(d.StreamModeDetails?.StreamMode)}</div><div class="k">mode</div></div>
    <div class="card"><div class="v">${d.OpenShardCount}</div><div class="k">open shards</div></div>
    <div class="card"><div class="v">${d.RetentionPeriodHours} h</div><div class="k">retention</div></div></div>
    <h2>Shards</h2>${shardTable(shards)}
    <h2>Lineage</h2>${lineage(shards)}
    <h2>Incoming records per shard (last 5 minutes)</h2><div id="incoming"></div>
    <h2>Consumers (enhanced fan-out)</h2>
    <table id="consumers"><thead><tr><th>Name</th><th>Status</th><th>Created</th><th>Subscribed shards</th></tr></thead><tbody>${consumers.map((c) => `<tr><td>${esc(c.ConsumerName)}</td><td>${esc(c.ConsumerStatus)}</td><td>${fmtTime(c.ConsumerCreationTimestamp * 1000)}</td><td>${esc(subscribed(c.ConsumerARN))}</td></tr>`).join("") || `<tr><td colspan="4" class="muted">None.</td></tr>`}</tbody></table>
    <h2>Put a record</h2>
    <form class="inline" id="put"><label>Partition key<input name="key" required value="console"></label><label>Data<textarea name="data" rows="1" cols="40" required></textarea></label><button class="primary">Put record</button><span id="put-result" role="status"></span></form>
    <h2>Records</h2>
    <form class="inline" id="browse"><label>Shard<select name="shard">${shards.map((s) => `<option>${esc(s.ShardId)}</option>`).join("")}</select></label>
      <label>From<select name="from"><option value="TRIM_HORIZON">TRIM_HORIZON</option><option value="LATEST">LATEST</option><option value="AT_TIMESTAMP">timestamp</option><option value="AT_SEQUENCE_NUMBER">sequence number</option></select></label>
      <label>Timestamp or sequence number<input name="at" size="40"></label>
      <label>View<select name="view"><option>text</option><option>json</option><option>hex</option></select></label>
      <label><span>Live tail</span><input type="checkbox" name="live"></label>
      <button class="primary">Read</button> <span id="browse-status" role="status"></span></form>
    <table id="records"><thead><tr><th>Sequence number</th><th>Partition key</th><th>Arrival</th><th>Data</th></tr></thead><tbody></tbody></table>`);
  $("#put").onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      const out = await aws("kinesis", "PutRecord", { StreamName: name, PartitionKey: f.key.value, Data: bytesToB64(new TextEncoder().encode(f.data.value)) });
      $("#put-result").textContent = `Put in ${out.ShardId} as ${out.SequenceNumber}`;
    } catch (err) { $("#put-result").textContent = err.message; }
  };
  browser(name);
  const incoming = async () => {
    const doc = await api("kinesis/incoming", { stream: name });
    if ($("#incoming")) $("#incoming").innerHTML = chart(doc);
  };
  await incoming();
  every(5000, incoming);
}

function shardTable(shards) {
  return `<table id="shards"><thead><tr><th>Shard</th><th>State</th><th>Parent</th><th>Adjacent parent</th><th>Hash range</th><th>Sequence range</th></tr></thead><tbody>${shards.map((s) => {
    const closed = s.SequenceNumberRange?.EndingSequenceNumber;
    return `<tr data-shard="${esc(s.ShardId)}"><td class="mono">${esc(s.ShardId)}</td><td class="${closed ? "closed" : "open"}">${closed ? "closed" : "open"}</td><td class="mono">${esc(s.ParentShardId || "")}</td><td class="mono">${esc(s.AdjacentParentShardId || "")}</td><td class="mono">${esc(s.HashKeyRange.StartingHashKey)} – ${esc(s.HashKeyRange.EndingHashKey)}</td><td class="mono">${esc(s.SequenceNumberRange.StartingSequenceNumber)}${closed ? " – " + esc(closed) : " –"}</td></tr>`;
  }).join("")}</tbody></table>`;
}

/** The shards as boxes laid out by generation (x) and hash range (y), with edges from
 * parents to children. */
function lineage(shards) {
  const byId = Object.fromEntries(shards.map((s) => [s.ShardId, s]));
  const depth = {};
  const d = (s, n = 0) => {
    if (depth[s.ShardId] !== undefined || n > 64) return depth[s.ShardId] ?? 0;
    const ps = [s.ParentShardId, s.AdjacentParentShardId].filter((p) => byId[p]);
    return (depth[s.ShardId] = ps.length ? 1 + Math.max(...ps.map((p) => d(byId[p], n + 1))) : 0);
  };
  shards.forEach((s) => d(s));
  const H = 260, W = 190, MAX = 2n ** 128n;
  const y = (h) => Number((BigInt(h) * 1000n) / MAX) / 1000 * H;
  const box = {};
  const rects = shards.map((s) => {
    const x = 10 + depth[s.ShardId] * W, y0 = y(s.HashKeyRange.StartingHashKey), y1 = y(s.HashKeyRange.EndingHashKey);
    box[s.ShardId] = { x, y: (y0 + y1) / 2 };
    const closed = !!s.SequenceNumberRange?.EndingSequenceNumber;
    return `<g data-shard="${esc(s.ShardId)}" data-parents="${esc([s.ParentShardId, s.AdjacentParentShardId].filter(Boolean).join(" "))}"><rect x="${x}" y="${y0 + 1}" width="150" height="${Math.max(y1 - y0 - 2, 14)}" rx="4" fill="${closed ? "#eceff2" : "#dbe9fb"}" stroke="${closed ? "#9aa3ad" : "#0b62c4"}"/><text x="${x + 6}" y="${(y0 + y1) / 2 + 4}">${esc(s.ShardId.replace("shardId-", ""))}${closed ? " (closed)" : ""}</text></g>`;
  });
  const edges = shards.flatMap((s) => [s.ParentShardId, s.AdjacentParentShardId].filter((p) => box[p]).map((p) => `<line x1="${box[p].x + 150}" y1="${box[p].y}" x2="${box[s.ShardId].x}" y2="${box[s.ShardId].y}" stroke="#5b6470"/>`));
  const width = 20 + (Math.max(0, ...Object.values(depth)) + 1) * W;
  return `<svg id="lineage" role="img" aria-label="Shard lineage: ${shards.length} shards" width="${width}" height="${H + 4}">${edges.join("")}${rects.join("")}</svg>`;
}

function chart(doc) {
  const rows = (doc.shards || []).map((s) => {
    const max = Math.max(1, ...s.buckets);
    const bars = s.buckets.map((n, i) => `<rect x="${i * 8}" y="${30 - (n / max) * 30}" width="7" height="${(n / max) * 30}" fill="#0b62c4"><title>${n} records</title></rect>`).join("");
    return `<tr><td class="mono">${esc(s.shardId)}</td><td><svg width="${s.buckets.length * 8}" height="30" role="img" aria-label="${s.buckets.reduce((a, b) => a + b, 0)} records in 5 minutes">${bars}</svg></td><td class="num">${s.buckets.reduce((a, b) => a + b, 0)}</td></tr>`;
  }).join("");
  return `<table id="incoming-chart"><thead><tr><th>Shard</th><th>Records per ${doc.bucketSecs} s</th><th class="num">Total</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function browser(name) {
  const form = $("#browse");
  let iterator = null, live = null;
  const show = (records, mode) => {
    const body = $("#records tbody");
    for (const r of records) {
      body.insertAdjacentHTML("beforeend", `<tr><td class="mono">${esc(r.SequenceNumber)}</td><td>${esc(r.PartitionKey)}</td><td>${fmtTime(r.ApproximateArrivalTimestamp * 1000)}</td><td><pre>${esc(view(b64ToBytes(r.Data), mode))}</pre></td></tr>`);
    }
    while (body.rows.length > 500) body.deleteRow(0);
  };
  const status = () => {
    const n = $("#records tbody")?.rows.length ?? 0;
    const end = iterator ? (live ? ", tailing (every second)" : "") : ", end of the shard";
    if ($("#browse-status")) $("#browse-status").textContent = `${n} records${end}`;
  };
  const read = async () => {
    if (!iterator) return;
    const out = await aws("kinesis", "GetRecords", { ShardIterator: iterator, Limit: 100 });
    iterator = out.NextShardIterator;
    show(out.Records || [], form.view.value);
    status();
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    if (live) clearInterval(live);
    live = null;
    $("#records tbody").innerHTML = "";
    $("#browse-status").textContent = "Reading…";
    const req = { StreamName: name, ShardId: form.shard.value, ShardIteratorType: form.from.value };
    if (form.from.value === "AT_TIMESTAMP") req.Timestamp = (Date.parse(form.at.value) || Number(form.at.value) * 1000) / 1000;
    if (form.from.value === "AT_SEQUENCE_NUMBER") req.StartingSequenceNumber = form.at.value.trim();
    try {
      iterator = (await aws("kinesis", "GetShardIterator", req)).ShardIterator;
      await read();
      if (form.live.checked) {
        live = setInterval(() => read().catch(fail), 1000);
        state.timers.push(live);
        status();
      }
    } catch (err) { fail(err); }
  };
}

// ---------------------------------------------------------------- queues

async function queues(token) {
  page("Queues", `<div id="list"></div><div class="pager"><button id="next" hidden>Next page</button></div>`);
  const out = await aws("sqs", "ListQueues", token ? { NextToken: token, MaxResults: 100 } : { MaxResults: 100 });
  const urls = out.QueueUrls || [];
  const names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"];
  const attrs = await Promise.all(urls.map((u) => aws("sqs", "GetQueueAttributes", { QueueUrl: u, AttributeNames: names }).then((a) => a.Attributes)));
  const rows = urls.map((u, i) => `<tr><td><a href="#/queue/${enc(u.split("/").pop())}">${esc(u.split("/").pop())}</a></td>${names.map((n) => `<td class="num">${esc(attrs[i][n])}</td>`).join("")}</tr>`).join("");
  $("#list").innerHTML = `<table id="queues"><thead><tr><th>Name</th><th class="num">Visible</th><th class="num">In flight</th><th class="num">Delayed</th></tr></thead><tbody>${rows || `<tr><td colspan="4" class="muted">No queues.</td></tr>`}</tbody></table>`;
  if (out.NextToken) {
    const b = $("#next");
    b.hidden = false;
    b.onclick = () => queues(out.NextToken);
  }
}

async function queue(name) {
  const url = (await aws("sqs", "GetQueueUrl", { QueueName: name })).QueueUrl;
  const fifo = name.endsWith(".fifo");
  page(`Queue ${name}`, `<div class="cards" id="counts"></div><div id="settings"></div>
    ${fifo ? `<h2>Message groups</h2><div id="groups"></div><div class="pager"><button id="groups-prev" hidden>First groups</button> <button id="groups-next" hidden>Next groups</button></div>` : ""}
    <h2>Messages (peek: nothing is received or changed)</h2><div id="peek"></div><div class="pager"><button id="more">Next page</button></div>
    <h2>Send a message</h2>
    <form class="inline" id="send"><label>Body<textarea name="body" rows="1" cols="40" required></textarea></label>
      ${fifo ? `<label>Group id<input name="group" required value="console"></label><label>Deduplication id<input name="dedup"></label>` : `<label>Delay (s)<input name="delay" type="number" min="0" max="900" value="0"></label>`}
      <button class="primary">Send</button><span id="send-result" role="status"></span></form>
    <div id="redrive" hidden><h2>Dead-letter redrive</h2>
      <form class="inline" id="redrive-form"><label>Max messages per second<input name="rate" type="number" min="1" max="500" placeholder="system optimized"></label>
        <button class="primary">Redrive back to source queues</button><span id="redrive-result" role="status"></span></form>
      <div id="move-tasks"></div></div>
    <h2>Purge</h2><button class="danger" id="purge">Purge queue</button> <span id="purge-result" role="status"></span>`);
  // Set by counts(): the queue's ARN, and whether it is the dead-letter queue of others.
  let arn = "", isDlq = false;
  const counts = async () => {
    const a = (await aws("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] })).Attributes;
    if (!$("#counts")) return;
    const card = (v, k, id) => `<div class="card"><div class="v" id="${id}">${esc(v)}</div><div class="k">${k}</div></div>`;
    $("#counts").innerHTML = card(a.ApproximateNumberOfMessages, "visible", "n-visible") + card(a.ApproximateNumberOfMessagesNotVisible, "in flight", "n-inflight") + card(a.ApproximateNumberOfMessagesDelayed, "delayed", "n-delayed");
    const redrive = a.RedrivePolicy ? JSON.parse(a.RedrivePolicy) : null;
    const sources = (await aws("sqs", "ListDeadLetterSourceQueues", { QueueUrl: url })).queueUrls || [];
    arn = a.QueueArn;
    isDlq = sources.length > 0;
    $("#redrive").hidden = !isDlq;
    $("#settings").innerHTML = `<table><tbody>
      <tr><th>Visibility timeout</th><td>${esc(a.VisibilityTimeout)} s</td><th>Retention</th><td>${esc(a.MessageRetentionPeriod)} s</td></tr>
      ${fifo ? `<tr><th>Deduplication</th><td>${a.ContentBasedDeduplication === "true" ? "content-based" : "by id"}, scope ${esc(a.DeduplicationScope || "queue")}, 5-minute window</td><th>Throughput limit</th><td>${esc(a.FifoThroughputLimit || "perQueue")}</td></tr>` : ""}
      <tr><th>Dead-letter queue</th><td id="dlq">${redrive ? `${esc(redrive.deadLetterTargetArn)} after ${esc(redrive.maxReceiveCount)} receives` : "none"}</td><th>DLQ of</th><td>${sources.map((s) => esc(s.split("/").pop())).join(", ") || "none"}</td></tr></tbody></table>`;
  };
  let after = 0;
  const peek = async (reset) => {
    if (reset) { after = 0; $("#peek").innerHTML = ""; }
    const msgs = await api("sqs/messages", { queue: name, after, limit: 50 });
    if (msgs.length) after = msgs[msgs.length - 1].pos;
    if ($("#more")) $("#more").hidden = msgs.length < 50;
    const now = state.last?.nowMs || Date.now();
    const rows = msgs.map((m) => `<tr><td class="mono">${esc(m.messageId)}</td>${fifo ? `<td>${esc(m.groupId)}</td>` : ""}<td>${fmtTime(m.sentMs)}</td><td>${m.visibleMs > now ? (m.receiveCount ? "in flight" : "delayed") : "visible"}</td><td class="num">${m.receiveCount}</td><td><pre>${esc(m.body)}</pre></td></tr>`).join("");
    if (!$("#peek table")) $("#peek").innerHTML = `<table id="messages"><thead><tr><th>Message id</th>${fifo ? "<th>Group</th>" : ""}<th>Sent</th><th>State</th><th class="num">Receives</th><th>Body</th></tr></thead><tbody></tbody></table>`;
    $("#peek tbody").insertAdjacentHTML("beforeend", rows);
  };
  // The groups page shown starts after group `groupsAfter` ("": the first page); refreshes keep it.
  let groupsAfter = "";
  const groups = async () => {
    if (!fifo || !$("#groups")) return;
    const gs = await api("sqs/groups", { queue: name, after: groupsAfter, limit: 100 });
    $("#groups-next").hidden = gs.length < 100;
    $("#groups-next").onclick = () => { groupsAfter = gs[gs.length - 1].groupId; groups().catch(fail); };
    $("#groups-prev").hidden = !groupsAfter;
    $("#groups-prev").onclick = () => { groupsAfter = ""; groups().catch(fail); };
    $("#groups").innerHTML = `<table id="group-table"><thead><tr><th>Group</th><th class="num">Messages</th><th class="num">In flight</th><th>Lock</th></tr></thead><tbody>${gs.map((g) => `<tr data-group="${esc(g.groupId)}"><td>${esc(g.groupId)}</td><td class="num">${g.messages}</td><td class="num">${g.inFlight}</td><td class="${g.locked ? "locked" : "open"}">${g.locked ? "locked" : "unlocked"}</td></tr>`).join("") || `<tr><td colspan="4" class="muted">No messages.</td></tr>`}</tbody></table>`;
  };
  // A dead-letter queue's message move tasks (ListMessageMoveTasks: the newest 10); the peek
  // is read again when a task moved messages.
  let moved = null;
  const moves = async () => {
    if (!isDlq || !$("#move-tasks")) return;
    const tasks = (await aws("sqs", "ListMessageMoveTasks", { SourceArn: arn, MaxResults: 10 })).Results || [];
    const progress = tasks.map((t) => `${t.Status}/${t.ApproximateNumberOfMessagesMoved}`).join();
    if (moved !== null && progress !== moved) await peek(true);
    moved = progress;
    const row = (t) => `<tr data-status="${esc(t.Status)}"><td>${fmtTime(t.StartedTimestamp)}</td><td>${esc(t.Status)}</td><td class="num">${esc(t.ApproximateNumberOfMessagesMoved)}</td><td class="num">${esc(t.ApproximateNumberOfMessagesToMove ?? "")}</td><td>${esc(t.DestinationArn ? t.DestinationArn.split(":").pop() : "source queues")}</td><td>${esc(t.MaxNumberOfMessagesPerSecond ?? "system optimized")}</td><td class="${t.FailureReason ? "err" : ""}">${esc(t.FailureReason || "")}</td></tr>`;
    $("#move-tasks").innerHTML = `<table id="move-task-table"><thead><tr><th>Started</th><th>Status</th><th class="num">Moved</th><th class="num">To move</th><th>To</th><th>Messages/s</th><th>Failure</th></tr></thead><tbody>${tasks.map(row).join("") || `<tr><td colspan="7" class="muted">No redrive yet.</td></tr>`}</tbody></table>`;
  };
  $("#redrive-form").onsubmit = async (e) => {
    e.preventDefault();
    const req = { SourceArn: arn };
    if (e.target.rate.value) req.MaxNumberOfMessagesPerSecond = Number(e.target.rate.value);
    try {
      await aws("sqs", "StartMessageMoveTask", req);
      $("#redrive-result").textContent = "Redrive started.";
      await moves();
    } catch (err) { $("#redrive-result").textContent = err.message; }
  };
  $("#more").onclick = () => peek(false).catch(fail);
  $("#send").onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    const req = { QueueUrl: url, MessageBody: f.body.value };
    if (fifo) { req.MessageGroupId = f.group.value; if (f.dedup.value) req.MessageDeduplicationId = f.dedup.value; } else req.DelaySeconds = Number(f.delay.value || 0);
    try {
      const out = await aws("sqs", "SendMessage", req);
      $("#send-result").textContent = `Sent ${out.MessageId}`;
      await Promise.all([counts(), groups(), peek(true)]);
    } catch (err) { $("#send-result").textContent = err.message; }
  };
  $("#purge").onclick = async () => {
    if (!confirm(`Purge every message of ${name}?`)) return;
    try { await aws("sqs", "PurgeQueue", { QueueUrl: url }); $("#purge-result").textContent = "Purged."; await Promise.all([counts(), groups(), peek(true)]); } catch (err) { $("#purge-result").textContent = err.message; }
  };
  await Promise.all([counts(), groups(), peek(true)]);
  await moves();
  every(3000, () => Promise.all([counts(), groups()]).then(moves).catch(() => {}));
}

// ---------------------------------------------------------------- firehose

async function firehose() {
  page("Firehose", `<div id="list"></div><h2>Recent deliveries</h2><div id="recent"></div><h2>Delivered objects</h2><div id="objects"><p class="muted">Choose a delivery stream.</p></div>`);
  const paint = async () => {
    const bufs = await api("firehose/buffers");
    const mine = bufs.filter((b) => !state.account || (b.account === state.account && b.region === state.region));
    const now = state.last?.nowMs || Date.now();
    const rows = mine.map((b) => {
      const hints = b.destination?.BufferingHints || {};
      const size = (hints.SizeInMBs || 5) * 1048576, secs = hints.IntervalInSeconds || 300;
      const age = b.oldestMs ? (now - b.oldestMs) / 1000 : 0;
      const bucket = (b.destination?.BucketARN || "").replace("arn:aws:s3:::", "");
      return `<tr data-stream="${esc(b.name)}"><td>${esc(b.name)}</td><td><div class="bar" title="${b.bufferedBytes} of ${size} bytes"><span style="width:${Math.min(100, (100 * b.bufferedBytes) / size)}%"></span></div>${b.bufferedBytes} B / ${hints.SizeInMBs || 5} MiB</td><td><div class="bar"><span style="width:${Math.min(100, (100 * age) / secs)}%"></span></div>${age.toFixed(0)} s / ${secs} s</td><td class="${b.attempts ? "err" : ""}">${b.attempts ? `${b.attempts} failed attempts, retry at ${fmtTime(b.retryAt)}` : "none"}</td><td>${bucket ? `<button data-bucket="${esc(bucket)}" data-prefix="${esc(b.destination?.Prefix || "")}">Objects in ${esc(bucket)}</button>` : ""}</td></tr>`;
    }).join("");
    if ($("#list")) $("#list").innerHTML = `<table id="delivery-streams"><thead><tr><th>Delivery stream</th><th>Buffer fill (size hint)</th><th>Buffer age (interval hint)</th><th>Errors and retries</th><th>Destination</th></tr></thead><tbody>${rows || `<tr><td colspan="5" class="muted">No delivery streams.</td></tr>`}</tbody></table>`;
    for (const b of document.querySelectorAll("#list button[data-bucket]")) b.onclick = () => objects(b.dataset.bucket, "#objects");
    const recent = await api("firehose/deliveries", { limit: 50 });
    const outcome = (d) => (d.outcome === "delivered" ? "delivered" : d.outcome === "retry" ? `failed (attempt ${d.attempts}), retried: ${esc(d.message)}` : `given up: ${esc(d.message)}`);
    if ($("#recent")) $("#recent").innerHTML = `<table id="deliveries"><thead><tr><th>Time</th><th>Delivery stream</th><th class="num">Records</th><th class="num">Bytes</th><th>Outcome</th><th>Objects</th></tr></thead><tbody>${recent.map((d) => `<tr data-delivery="${esc(d.name)}" data-outcome="${esc(d.outcome)}"><td>${fmtTime(d.atMs)}</td><td>${esc(d.name)}</td><td class="num">${d.records}</td><td class="num">${d.bytes}</td><td class="${d.outcome === "delivered" ? "" : "err"}">${outcome(d)}</td><td class="mono">${d.objects.map((o) => { const [b, ...k] = o.split("/"); return `<a href="#/s3/${enc(b)}/${enc(k.join("/"))}">${esc(o)}</a>`; }).join("<br>")}</td></tr>`).join("") || `<tr><td colspan="6" class="muted">No deliveries yet.</td></tr>`}</tbody></table>`;
  };
  await paint();
  every(3000, () => paint().catch(() => {}));
}

// ---------------------------------------------------------------- pipes

async function pipes() {
  page("Pipes", `<div id="list"></div>`);
  await paintPipes();
  every(3000, () => paintPipes().catch(() => {}));
}

/** The pipes (the first 100): state, positions, counters, failures, DLQ. */
async function paintPipes() {
  const list = await (await rest("pipes", "/v1/pipes?Limit=100")).json();
  const rows = [];
  for (const p of list.Pipes || []) {
    const d = await (await rest("pipes", `/v1/pipes/${enc(p.Name)}`)).json();
    const [pos, n] = await Promise.all([api("pipes/positions", { pipe: p.Name }), api("pipes/counters", { pipe: p.Name })]);
    const dlq = d.SourceParameters?.KinesisStreamParameters?.DeadLetterConfig?.Arn || "none";
    const shard = (x) => `shardId-${String(x.shardIdx).padStart(12, "0")}: ${x.done ? "done" : "next " + x.nextSeq}${x.attempts ? ` <span class="err">(${x.attempts} failed, retry at ${fmtTime(x.retryAt)})</span>` : ""}`;
    rows.push(`<tr data-pipe="${esc(p.Name)}"><td>${esc(p.Name)}</td><td>${esc(d.CurrentState)} <span class="muted">(desired ${esc(d.DesiredState)})</span></td><td class="mono">${esc(d.Source)}<br>→ ${esc(d.Target)}</td><td>${pos.map(shard).join("<br>") || "not started"}</td><td class="num batches">${n.batches}</td><td class="num failures${n.failures ? " err" : ""}">${n.failures}</td><td class="${d.StateReason ? "err" : ""}">${esc(d.StateReason || "none")}</td><td>${esc(dlq)}</td></tr>`);
  }
  if ($("#list")) $("#list").innerHTML = `<table id="pipes"><thead><tr><th>Pipe</th><th>State</th><th>Source → target</th><th>Position per shard</th><th class="num">Batches sent</th><th class="num">Failed deliveries</th><th>Last failure</th><th>Dead-letter queue</th></tr></thead><tbody>${rows.join("") || `<tr><td colspan="8" class="muted">No pipes.</td></tr>`}</tbody></table>`;
}

// ---------------------------------------------------------------- S3

async function buckets() {
  page("S3 buckets", `<div id="list"></div>`);
  if (!state.last) state.last = await api("overview");
  const xml = new DOMParser().parseFromString(await (await rest("s3", "/")).text(), "application/xml");
  const names = [...xml.getElementsByTagName("Bucket")].map((b) => b.getElementsByTagName("Name")[0]?.textContent);
  $("#list").innerHTML = `<table id="buckets"><thead><tr><th>Bucket</th></tr></thead><tbody>${names.map((n) => `<tr><td><a href="#/s3/${enc(n)}">${esc(n)}</a></td></tr>`).join("") || `<tr><td class="muted">No buckets.</td></tr>`}</tbody></table>`;
}

async function bucket(name) {
  page(`Bucket ${name}`, `<div id="objects"></div>`);
  await objects(name, "#objects");
}

async function objects(bucket, target, token) {
  const q = new URLSearchParams({ "list-type": "2", "max-keys": "100", ...(token ? { "continuation-token": token } : {}) });
  const xml = new DOMParser().parseFromString(await (await rest("s3", `/${enc(bucket)}?${q}`)).text(), "application/xml");
  const objs = [...xml.getElementsByTagName("Contents")].map((c) => ({ key: c.getElementsByTagName("Key")[0].textContent, size: c.getElementsByTagName("Size")[0]?.textContent, modified: c.getElementsByTagName("LastModified")[0]?.textContent }));
  objs.sort((a, b) => (b.modified || "").localeCompare(a.modified || ""));
  const next = xml.getElementsByTagName("NextContinuationToken")[0]?.textContent;
  $(target).innerHTML = `<table id="object-list"><thead><tr><th>Key</th><th class="num">Size</th><th>Last modified</th><th></th></tr></thead><tbody>${objs.map((o) => `<tr><td><a href="#/s3/${enc(bucket)}/${enc(o.key)}">${esc(o.key)}</a></td><td class="num">${esc(o.size)}</td><td>${esc(o.modified)}</td><td><a href="/${enc(bucket)}/${o.key.split("/").map(enc).join("/")}" download>Download</a></td></tr>`).join("") || `<tr><td colspan="4" class="muted">No objects.</td></tr>`}</tbody></table>${next ? `<button id="objects-next">Next page</button>` : ""}`;
  if (next) $("#objects-next").onclick = () => objects(bucket, target, next);
}

async function object(bucketName, key) {
  page(`${bucketName}/${key}`, `<p><a href="#/s3/${enc(bucketName)}">Back to the bucket</a> · <a href="/${enc(bucketName)}/${key.split("/").map(enc).join("/")}" download>Download</a></p><div id="object"></div>`);
  const r = await rest("s3", `/${enc(bucketName)}/${key.split("/").map(enc).join("/")}`);
  let bytes = new Uint8Array(await r.arrayBuffer());
  let note = "";
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && "DecompressionStream" in window) {
    bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
    note = " (GZIP, decompressed)";
  }
  $("#object").innerHTML = `<p class="muted">${bytes.length} bytes${note}</p><label>View <select id="obj-view"><option>text</option><option>json</option><option>hex</option></select></label><pre id="object-body"></pre>`;
  const show = () => { $("#object-body").textContent = view(bytes.slice(0, 1 << 20), $("#obj-view").value); };
  $("#obj-view").onchange = show;
  show();
}

// ---------------------------------------------------------------- start

window.addEventListener("hashchange", route);
listen();
route();
