"use strict";
// Headless Debian Chromium driven by playwright-core (no Playwright-downloaded
// browsers): a fresh temporary profile per launch, every request/response and page
// console line recorded for the assertions and for failure reports.

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.BROWSER_E2E_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
];
const ACTION_TIMEOUT_MS = 15_000;
const EVALUATE_TIMEOUT_MS = 20_000;

/**
 * Launch Chromium and open the website.
 * @param {{websiteUrl: string, label: string}} opts
 */
async function openBrowser({ websiteUrl, label }) {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} is missing: run tests/browser/install.sh (apt-get install chromium)`);
    }
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "st-browser-e2e-profile-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30_000,
    });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);

    const transcript = []; // human-readable log, printed on failure
    const exchanges = []; // {method, url, path, request, response: Promise<{status, headers}>}
    const stamp = () => new Date().toISOString().slice(11, 23);

    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (msg) => transcript.push(`${stamp()} console.${msg.type()}: ${msg.text()}`));
    page.on("pageerror", (err) => transcript.push(`${stamp()} pageerror: ${err.stack || err.message}`));
    page.on("requestfailed", (req) => transcript.push(`${stamp()} request failed: ${req.method()} ${req.url()} ${req.failure() && req.failure().errorText}`));
    page.on("request", (req) => {
        const url = new URL(req.url());
        const entry = { method: req.method(), url: req.url(), origin: url.origin, path: url.pathname, request: req };
        entry.response = req
            .response()
            .then(async (res) => (res ? { status: res.status(), headers: await res.allHeaders() } : null))
            .catch(() => null);
        exchanges.push(entry);
        transcript.push(`${stamp()} -> ${req.method()} ${req.url()}`);
    });
    page.on("response", (res) => transcript.push(`${stamp()} <- ${res.status()} ${res.request().method()} ${res.url()}`));

    await page.goto(`${websiteUrl}/`, { waitUntil: "load" });
    await page.waitForFunction(() => typeof window.e2e === "object", null, { timeout: ACTION_TIMEOUT_MS });

    return {
        label,
        context,
        page,
        exchanges,
        transcript,
        /** Run window.e2e[fn](...args) in the page, bounded in time. */
        async call(fn, ...args) {
            let timer;
            const timeout = new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`window.e2e.${fn}() did not settle within ${EVALUATE_TIMEOUT_MS / 1000} s`)), EVALUATE_TIMEOUT_MS);
            });
            try {
                return await Promise.race([page.evaluate(([f, a]) => window.e2e[f](...a), [fn, args]), timeout]);
            } finally {
                clearTimeout(timer);
            }
        },
        async close() {
            try {
                await context.close();
            } finally {
                fs.rmSync(userDataDir, { recursive: true, force: true });
            }
        },
    };
}

module.exports = { openBrowser, CHROMIUM, CHROMIUM_ARGS };
