// One small page interface over two drivers: Debian's Chromium through playwright-core, and
// Debian's Firefox ESR through puppeteer-core over WebDriver BiDi (no geckodriver). Neither
// downloads a browser of its own. console.mjs and paging.mjs drive the console through it.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens `kind` ("chromium" or "firefox") headless and returns `{ ui, close }`; page errors
 * (uncaught exceptions) are pushed to `errors`, dialogs are accepted. */
export async function open(kind, errors) {
  const { browser, page, p } = kind === "firefox" ? await firefox() : await chromium();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => d.accept());
  const ui = {
    kind,
    goto: (url) => page.goto(url),
    wait: (sel, timeout = 30000) => page.waitForSelector(sel, { timeout }),
    waitFn: (fn, arg, timeout = 30000) => p.waitFn(fn, arg, timeout),
    sleep,
    text: (sel) => page.$eval(sel, (e) => e.textContent),
    texts: (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim())),
    /** The trimmed text of each cell of each row matched by `sel`. */
    cells: (sel) => page.$$eval(sel, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim()))),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    fill: (sel, value) => p.fill(sel, value),
    select: (sel, value) => p.select(sel, value),
    click: (sel) => page.click(sel),
    press: (key) => page.keyboard.press(key),
    /** The trimmed text of the focused element. */
    focused: () => page.evaluate(() => document.activeElement.textContent.trim()),
    shot: (path) => page.screenshot({ path, fullPage: true }),
  };
  return { ui, close: () => browser.close() };
}

async function chromium() {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const p = {
    waitFn: (fn, arg, timeout) => page.waitForFunction(fn, arg, { timeout }),
    fill: (sel, value) => page.fill(sel, value),
    select: (sel, value) => page.selectOption(sel, value),
  };
  return { browser, page, p };
}

async function firefox() {
  const puppeteer = (await import("puppeteer-core")).default;
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr",
    headless: true,
    // No updates, telemetry or remote settings: the machine has no network.
    extraPrefsFirefox: { "app.update.enabled": false, "datareporting.policy.dataSubmissionEnabled": false, "toolkit.telemetry.enabled": false },
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const p = {
    waitFn: (fn, arg, timeout) => page.waitForFunction(fn, { timeout }, arg),
    fill: (sel, value) => page.locator(sel).fill(value),
    select: (sel, value) => page.select(sel, value),
  };
  return { browser, page, p };
}
