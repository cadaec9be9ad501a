// Drives kinesin's web console in a headless browser (browsers.mjs: Debian's Chromium or
// Firefox ESR). Usage: node console.mjs BROWSER ENDPOINT OUT_DIR PLAN_JSON. Prints one JSON
// document of what each page showed; tests/e2e/test_console.py checks it against boto3.
// When the test must act with boto3 in the middle (put records while the page tails), the
// driver asks on stdout (`@name JSON`) and reads the answer (one JSON line) on stdin.
import { createInterface } from "node:readline";
import { open } from "./browsers.mjs";

const stdin = createInterface({ input: process.stdin });
const answers = stdin[Symbol.asyncIterator]();
const ask = async (name, arg = {}) => {
  process.stdout.write(`@${name} ${JSON.stringify(arg)}\n`);
  return JSON.parse((await answers.next()).value);
};

const [kind, endpoint, outDir, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const errors = [];
const { ui, close } = await open(kind, errors);
const out = { errors };
const shot = (name) => ui.shot(`${outDir}/${name}.png`);
const go = async (hash, ready) => {
  await ui.goto(`${endpoint}/_kinesin/${hash}`);
  await ui.wait(ready);
};

// Overview: counts per account/region, live rates and the cost estimate.
await go("#/", "#region-counts tbody tr td.num");
await ui.wait("#cost-total");
await ui.sleep(2500); // a second server-sent event gives rates
out.overview = { rows: await ui.cells("#region-counts tbody tr"), cost: await ui.text("#cost-total"), rates: await ui.cells("#rates-by-scope tbody tr") };
await shot("overview");

// Keyboard: the first Tab reaches the skip link, the next ones the service links; Enter on
// the Streams link opens the streams page.
await ui.press("Tab");
const keys = [await ui.focused()];
for (let i = 0; i < 2; i++) {
  await ui.press("Tab");
  keys.push(await ui.focused());
}
out.keyboard = keys;
await ui.press("Enter");
await ui.wait("#streams tbody tr");
out.keyboardOpened = await ui.evaluate(() => location.hash);

// Streams and one stream: shards, lineage, put, records.
await go("#/streams", "#streams tbody tr");
out.streams = await ui.texts("#streams tbody tr td:first-child");
await go(`#/stream/${encodeURIComponent(plan.stream)}`, "#lineage g");
out.summary = Object.fromEntries(await ui.evaluate(() => [...document.querySelectorAll("#summary .card")].map((c) => [c.querySelector(".k").textContent, c.querySelector(".v").textContent])));
out.lineage = await ui.evaluate(() => [...document.querySelectorAll("#lineage g")].map((g) => [g.dataset.shard, g.dataset.parents]));
out.shardStates = await ui.texts("#shards tbody tr td:nth-child(2)");
out.consumers = await ui.cells("#consumers tbody tr");
await ui.wait("#incoming-chart tbody tr");
out.incoming = await ui.texts("#incoming-chart tbody tr td.num");
await ui.fill("#put input[name=key]", "from-browser");
await ui.fill("#put textarea[name=data]", plan.putData);
await ui.click("#put button");
await ui.waitFn(() => document.querySelector("#put-result").textContent.startsWith("Put in"));
out.put = await ui.text("#put-result");
await ui.select("#browse select[name=shard]", plan.browseShard);
await ui.select("#browse select[name=view]", "json");
await ui.click("#browse button");
await ui.wait("#records tbody tr");
out.records = await ui.cells("#records tbody tr");
await shot("stream");

// FIFO queue: counts, settings, group locks, peek, send.
await go(`#/queue/${encodeURIComponent(plan.queue)}`, "#group-table tbody tr[data-group]");
await ui.wait("#n-visible");
await ui.wait("#settings table");
out.groups = await ui.evaluate(() => [...document.querySelectorAll("#group-table tbody tr")].map((r) => [r.dataset.group, r.cells[3].textContent.trim()]));
out.counts = { visible: await ui.text("#n-visible"), inFlight: await ui.text("#n-inflight") };
out.settings = await ui.cells("#settings tr");
out.peeked = await ui.texts("#messages tbody tr td pre");
await ui.fill("#send textarea[name=body]", plan.sendBody);
await ui.fill("#send input[name=group]", "from-browser");
await ui.click("#send button");
await ui.waitFn(() => document.querySelector("#send-result").textContent.startsWith("Sent"));
out.sent = await ui.text("#send-result");
await shot("queue");

// Firehose, pipes, S3 (a delivered GZIP object, shown decompressed).
await go("#/firehose", "#delivery-streams tbody tr[data-stream]");
await ui.wait("#deliveries tbody tr[data-outcome=delivered]");
await ui.wait("#deliveries tbody tr[data-outcome=retry]");
await ui.waitFn(() => document.querySelector("#delivery-streams td.err")); // the same paint as the deliveries
out.firehose = await ui.cells("#delivery-streams tbody tr[data-stream]");
out.deliveries = await ui.cells("#deliveries tbody tr[data-delivery]");
await ui.click(`#delivery-streams tr[data-stream="${plan.delivery}"] button[data-bucket]`); // not the failing one's missing bucket
await ui.wait("#object-list tbody tr a");
out.delivered = await ui.texts("#object-list tbody tr td:first-child");
await shot("firehose");
await go("#/pipes", "#pipes tbody tr[data-pipe]");
await ui.waitFn(([name, n]) => Number(document.querySelector(`#pipes tr[data-pipe="${name}"] td.batches`)?.textContent) >= n, [plan.pipe, plan.pipeBatches]);
await ui.waitFn((name) => Number(document.querySelector(`#pipes tr[data-pipe="${name}"] td.failures`)?.textContent) >= 1, plan.failingPipe);
out.pipes = await ui.cells("#pipes tbody tr[data-pipe]");
await shot("pipes");
// Analytics: the list, then one application's SQL, in-application streams and live rows.
await go("#/analytics", "#applications tbody tr[data-application]");
out.applications = await ui.cells("#applications tbody tr[data-application]");
await go(`#/analytics/${encodeURIComponent(plan.application)}`, "#in-app-streams tbody tr[data-stream]");
await ui.waitFn((n) => document.querySelector("#records-read")?.textContent === String(n), plan.appRecords);
await ui.waitFn(() => document.querySelector("#in-app-streams tr[data-stream=error_stream] td.num")?.textContent === "1");
out.sql = await ui.text("#sql");
out.inApp = await ui.cells("#in-app-streams tbody tr");
const live = async (stream) => {
  await ui.select("#live select[name=stream]", stream);
  await ui.waitFn((s) => document.querySelector("#live-rows")?.dataset.stream === s && !document.querySelector("#live-rows td.muted"), stream);
  return ui.evaluate(() => {
    const t = document.querySelector("#live-rows");
    return { columns: [...t.tHead.rows[0].cells].map((c) => c.textContent.trim()), rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent.trim())) };
  });
};
out.liveRows = await live("DESTINATION_SQL_STREAM");
await shot("analytics");
out.errorRows = await live("error_stream");
await go("#/s3", "#buckets tbody tr a");
out.buckets = await ui.texts("#buckets tbody tr td");
await go(`#/s3/${encodeURIComponent(plan.bucket)}/${encodeURIComponent(out.delivered[0])}`, "#object-body");
await ui.waitFn(() => document.querySelector("#object-body").textContent.length > 0);
out.object = { body: await ui.text("#object-body"), note: await ui.text("#object p.muted") };
await shot("s3-object");

// The record browser over records boto3 puts now (after the pages above counted the stream's
// records): from a sequence number in hex, from a timestamp, and from LATEST with the live tail
// (a record boto3 puts once the tail runs appears without reload).
await go(`#/stream/${encodeURIComponent(plan.stream)}`, "#browse button");
const made = await ask("records");
const browse = async (from, at, view) => {
  await ui.select("#browse select[name=shard]", made.shard);
  await ui.select("#browse select[name=from]", from);
  await ui.fill("#browse input[name=at]", at);
  await ui.select("#browse select[name=view]", view);
  await ui.click("#browse button");
  await ui.waitFn(() => /^\d+ records/.test(document.querySelector("#browse-status").textContent));
  return ui.cells("#records tbody tr");
};
out.browseHex = await browse("AT_SEQUENCE_NUMBER", made.seqA, "hex");
out.browseAt = await browse("AT_TIMESTAMP", made.timeB, "text");
await ui.click("#browse input[name=live]");
out.tailBefore = await browse("LATEST", "", "text");
out.tailStatus = await ui.text("#browse-status");
const tailed = await ask("tail");
await ui.waitFn((seq) => [...document.querySelectorAll("#records tbody tr td:first-child")].some((td) => td.textContent === seq), tailed.seq);
out.tail = await ui.cells("#records tbody tr");
await shot("stream-tail");

// Dead-letter redrive and purge, over queues boto3 makes now (the pages above counted the
// others): the DLQ's sources, "redrive back to source queues" (StartMessageMoveTask) and the
// task's status (ListMessageMoveTasks); then the source queue purged through the page.
const dlq = await ask("dlq");
await go(`#/queue/${encodeURIComponent(dlq.dlq)}`, "#move-task-table");
out.dlqSettings = await ui.cells("#settings tr");
out.dlqVisible = await ui.text("#n-visible");
await ui.click("#redrive-form button");
await ui.waitFn(() => document.querySelector("#redrive-result").textContent === "Redrive started.");
await ui.waitFn(() => document.querySelector("#move-task-table tbody tr[data-status=COMPLETED]"));
out.moveTasks = await ui.cells("#move-task-table tbody tr");
await ui.waitFn(() => !document.querySelector("#messages tbody tr")); // the peek read again: moved away
out.dlqPeekAfter = await ui.texts("#messages tbody tr");
await shot("dlq-redrive");
await ask("redriven");
await ui.goto(`${endpoint}/_kinesin/#/queue/${encodeURIComponent(dlq.source)}`);
// the same kind of page as the DLQ's: wait for this queue's
await ui.waitFn((title) => document.querySelector("h1")?.textContent === title && document.querySelector("#n-inflight"), `Queue ${dlq.source}`);
out.beforePurge = { visible: await ui.text("#n-visible"), inFlight: await ui.text("#n-inflight") };
await ui.click("#purge"); // its confirm() is accepted (browsers.mjs)
await ui.waitFn(() => document.querySelector("#purge-result").textContent === "Purged.");
await ui.waitFn(() => document.querySelector("#n-visible").textContent === "0" && document.querySelector("#n-inflight").textContent === "0");
out.purged = await ui.text("#purge-result");

await close();
stdin.close();
process.stdout.write(JSON.stringify(out));
