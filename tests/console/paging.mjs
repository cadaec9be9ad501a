// Pages through a large data set in kinesin's console (tests/e2e/test_console_scale.py):
// the streams list page by page, a queue's peek and a FIFO queue's groups page by page, and
// the overview's counts. Usage: node paging.mjs BROWSER ENDPOINT OUT_DIR PLAN_JSON; prints
// one JSON document of what the pages showed.
import { open } from "./browsers.mjs";

const [kind, endpoint, outDir, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const errors = [];
const { ui, close } = await open(kind, errors);
const out = { errors };
const go = async (hash, ready) => {
  await ui.goto(`${endpoint}/_kinesin/${hash}`);
  await ui.wait(ready);
};
/** Clicks `button` and waits until the first cell of `rows` is no longer `before`. */
const turn = async (button, rows, before) => {
  await ui.click(button);
  await ui.waitFn(([sel, b]) => {
    const first = document.querySelector(sel);
    return first !== null && first.textContent.trim() !== b;
  }, [rows, before]);
};

await go("#/", "#region-counts tbody tr td.num");
out.overview = await ui.cells("#region-counts tbody tr");
await ui.shot(`${outDir}/scale-overview.png`);

// Streams: pages of 100 with a Next page button until the last page.
await go("#/streams", "#streams tbody tr");
out.streamPages = [];
for (let i = 0; i < plan.maxPages; i++) {
  const names = await ui.texts("#streams tbody tr td:first-child");
  const next = await ui.evaluate(() => !document.querySelector("#next").hidden);
  out.streamPages.push({ names, next });
  if (!next) break;
  await turn("#next", "#streams tbody tr td:first-child", names[0]);
}
await ui.shot(`${outDir}/scale-streams.png`);

// The big queue: its counts and two pages of its peek (Next page adds the next 50).
await go(`#/queue/${encodeURIComponent(plan.queue)}`, "#messages tbody tr");
await ui.wait("#n-visible");
out.counts = { visible: await ui.text("#n-visible"), inFlight: await ui.text("#n-inflight") };
out.peek = [await ui.texts("#messages tbody tr td pre")];
await ui.click("#more");
await ui.waitFn((n) => document.querySelectorAll("#messages tbody tr").length > n, out.peek[0].length);
out.peek.push(await ui.texts("#messages tbody tr td pre"));
await ui.shot(`${outDir}/scale-queue.png`);

// The FIFO queue: its groups page by page (100 a page), with their lock state.
await go(`#/queue/${encodeURIComponent(plan.fifo)}`, "#group-table tbody tr[data-group]");
out.groupPages = [];
for (let i = 0; i < plan.maxPages; i++) {
  const rows = await ui.evaluate(() => [...document.querySelectorAll("#group-table tbody tr")].map((r) => [r.dataset.group, r.cells[1].textContent, r.cells[3].textContent]));
  const next = await ui.evaluate(() => !document.querySelector("#groups-next").hidden);
  out.groupPages.push({ rows, next });
  if (!next) break;
  await turn("#groups-next", "#group-table tbody tr td:first-child", rows[0][0]);
}
await ui.click("#groups-prev");
await ui.waitFn((g) => document.querySelector("#group-table tbody tr")?.dataset.group === g, out.groupPages[0].rows[0][0]);
out.firstAgain = await ui.evaluate(() => document.querySelectorAll("#group-table tbody tr").length);

await close();
process.stdout.write(JSON.stringify(out));
