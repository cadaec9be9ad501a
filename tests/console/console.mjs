// Drives kinesin's web console in Debian's headless Chromium with playwright-core.
// Usage: node console.mjs ENDPOINT OUT_DIR PLAN_JSON. Prints one JSON document of what
// each page showed; tests/e2e/test_console.py checks it against boto3.
import { chromium } from "playwright-core";

const [endpoint, outDir, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("dialog", (d) => d.accept());
const out = { errors };
const shot = (name) => page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));
const go = async (hash, ready) => {
  await page.goto(`${endpoint}/_kinesin/${hash}`);
  await page.waitForSelector(ready, { timeout: 15000 });
};

// Overview: counts per account/region, live rates and the cost estimate.
await go("#/", "#region-counts tbody tr td.num");
await page.waitForSelector("#cost-total");
await page.waitForTimeout(2500); // a second server-sent event gives rates
const rows = await page.$$eval("#region-counts tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
out.overview = { rows, cost: await page.textContent("#cost-total") };
await shot("overview");

// Keyboard: the first Tab reaches the skip link, the next ones the service links.
await page.keyboard.press("Tab");
const first = await page.evaluate(() => document.activeElement.textContent.trim());
await page.keyboard.press("Tab");
const second = await page.evaluate(() => document.activeElement.textContent.trim());
out.keyboard = [first, second];

// Streams and one stream: shards, lineage, put, records.
await go("#/streams", "#streams tbody tr");
out.streams = await texts("#streams tbody tr td:first-child");
await go(`#/stream/${encodeURIComponent(plan.stream)}`, "#lineage g");
out.lineage = await page.$$eval("#lineage g", (gs) => gs.map((g) => [g.dataset.shard, g.dataset.parents]));
out.shardStates = await texts("#shards tbody tr td:nth-child(2)");
out.consumers = await page.$$eval("#consumers tbody tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
await page.waitForSelector("#incoming-chart tbody tr");
out.incoming = await texts("#incoming-chart tbody tr td.num");
await page.fill("#put input[name=key]", "from-browser");
await page.fill("#put textarea[name=data]", plan.putData);
await page.click("#put button");
await page.waitForFunction(() => document.querySelector("#put-result").textContent.startsWith("Put in"));
out.put = await page.textContent("#put-result");
await page.selectOption("#browse select[name=shard]", plan.browseShard);
await page.selectOption("#browse select[name=view]", "json");
await page.click("#browse button");
await page.waitForSelector("#records tbody tr");
out.records = await page.$$eval("#records tbody tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
await shot("stream");

// FIFO queue: counts, group locks, peek, send.
await go(`#/queue/${encodeURIComponent(plan.queue)}`, "#group-table tbody tr[data-group]");
await page.waitForSelector("#n-visible");
out.groups = await page.$$eval("#group-table tbody tr", (rows) => rows.map((r) => [r.dataset.group, r.cells[3].textContent.trim()]));
out.counts = { visible: await page.textContent("#n-visible"), inFlight: await page.textContent("#n-inflight") };
out.peeked = await texts("#messages tbody tr td pre");
await page.fill("#send textarea[name=body]", plan.sendBody);
await page.fill("#send input[name=group]", "from-browser");
await page.click("#send button");
await page.waitForFunction(() => document.querySelector("#send-result").textContent.startsWith("Sent"));
out.sent = await page.textContent("#send-result");
await shot("queue");

// Firehose, pipes, S3 (a delivered GZIP object, shown decompressed).
await go("#/firehose", "#delivery-streams tbody tr[data-stream]");
out.firehose = await texts("#delivery-streams tbody tr[data-stream] td:first-child");
await page.click("#delivery-streams button[data-bucket]");
await page.waitForSelector("#object-list tbody tr a");
out.delivered = await texts("#object-list tbody tr td:first-child");
await shot("firehose");
await go("#/pipes", "#pipes tbody tr[data-pipe]");
out.pipes = await page.$$eval("#pipes tbody tr[data-pipe]", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
await shot("pipes");
// Analytics: the list, then one application's SQL, in-application streams and live rows.
await go("#/analytics", "#applications tbody tr[data-application]");
out.applications = await page.$$eval("#applications tbody tr[data-application]", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
await go(`#/analytics/${encodeURIComponent(plan.application)}`, "#in-app-streams tbody tr[data-stream]");
await page.waitForFunction((n) => document.querySelector("#records-read")?.textContent === String(n), plan.appRecords, { timeout: 15000 });
await page.waitForFunction(() => document.querySelector("#in-app-streams tr[data-stream=error_stream] td.num")?.textContent === "1", null, { timeout: 15000 });
out.sql = await page.textContent("#sql");
out.inApp = await page.$$eval("#in-app-streams tbody tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
const live = async (stream) => {
  await page.selectOption("#live select[name=stream]", stream);
  await page.waitForFunction((s) => document.querySelector("#live-rows")?.dataset.stream === s && !document.querySelector("#live-rows td.muted"), stream, { timeout: 15000 });
  return page.$eval("#live-rows", (t) => ({ columns: [...t.tHead.rows[0].cells].map((c) => c.textContent.trim()), rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent.trim())) }));
};
out.liveRows = await live("DESTINATION_SQL_STREAM");
await shot("analytics");
out.errorRows = await live("error_stream");
await go("#/s3", "#buckets tbody tr a");
out.buckets = await texts("#buckets tbody tr td");
await go(`#/s3/${encodeURIComponent(plan.bucket)}/${encodeURIComponent(out.delivered[0])}`, "#object-body");
await page.waitForFunction(() => document.querySelector("#object-body").textContent.length > 0);
out.object = { body: await page.textContent("#object-body"), note: await page.textContent("#object p.muted") };
await shot("s3-object");

await browser.close();
process.stdout.write(JSON.stringify(out));
