"use strict";
// One environment per backend under test: a core (SQLite in a temp dir), the app
// backend started from its command with the app-contract env, and the website
// server. env.stop() tears everything down in reverse order; env.report() prints
// the backend and core logs (called when something failed).

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const { startCore } = require("./core");
const { spawnManaged, waitReady, freePort } = require("./processes");
const { startWebsite } = require("./website");
const { buildPage } = require("./build-page");

const ROOT = path.resolve(__dirname, "..");
// Short on purpose: the refresh step waits for a real access token to expire.
const ACCESS_TOKEN_VALIDITY_S = Number(process.env.BROWSER_E2E_ACCESS_TOKEN_VALIDITY || 3);
const DEFAULT_BACKEND_READY_TIMEOUT_MS = 30_000;
const MAX_PRINTED_LOG_CHARS = 150_000;

/**
 * @param {{name: string, command?: string, file?: string, args?: string[], env?: object, readyTimeoutMs?: number}} backend
 */
async function startEnvironment(backend) {
    const slug = backend.name.replace(/[^A-Za-z0-9-]+/g, "_");
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `st-browser-e2e-${slug}-`));
    const apiKey = `browserE2E-${crypto.randomBytes(16).toString("hex")}`;
    const cleanups = [];
    const env = {
        backend,
        workDir,
        apiKey,
        accessTokenValidity: ACCESS_TOKEN_VALIDITY_S,
        core: null,
        app: null,
        website: null,
        apiDomain: null,
        websiteDomain: null,
        failures: [],
    };

    env.stop = async () => {
        const errors = [];
        while (cleanups.length) {
            try {
                await cleanups.pop()();
            } catch (err) {
                errors.push(err);
            }
        }
        if (errors.length) throw new AggregateError(errors, "teardown failed: " + errors.map((e) => e.message).join("; "));
    };
    env.report = () => printLogs(env);

    // Runs last: keep the temp dir (logs, database) only when something failed.
    cleanups.push(() => {
        if (env.failures.length) process.stderr.write(`kept ${workDir} for inspection\n`);
        else fs.rmSync(workDir, { recursive: true, force: true });
    });

    try {
        const pageScriptFile = await buildPage();

        env.core = await startCore({ workDir, apiKey, accessTokenValidity: ACCESS_TOKEN_VALIDITY_S });
        cleanups.push(() => env.core.stop());

        env.website = await startWebsite({ pageScriptFile, port: await freePort() });
        env.websiteDomain = env.website.url;
        cleanups.push(() => env.website.stop());

        const appPort = await freePort();
        env.apiDomain = `http://localhost:${appPort}`;
        const appEnv = {
            ...process.env,
            ...(backend.env || {}),
            PORT: String(appPort),
            SUPERTOKENS_CONNECTION_URI: env.core.url,
            SUPERTOKENS_API_KEY: apiKey,
            API_DOMAIN: env.apiDomain,
            WEBSITE_DOMAIN: env.websiteDomain,
        };
        env.app = spawnManaged({
            name: `backend ${backend.name}`,
            command: backend.command,
            file: backend.file,
            args: backend.args,
            env: appEnv,
            cwd: ROOT,
            logFile: path.join(workDir, "backend.log"),
        });
        cleanups.push(() => env.app.stop());
        await waitReady(env.app, {
            what: `backend ${backend.name} (${backend.command || backend.file}) at ${env.apiDomain}`,
            timeoutMs: backend.readyTimeoutMs || DEFAULT_BACKEND_READY_TIMEOUT_MS,
            // Any HTTP answer means it listens; GET /sessioninfo without a session is a 401.
            probe: async () => {
                const res = await fetch(`${env.apiDomain}/sessioninfo`, { signal: AbortSignal.timeout(1000) });
                await res.arrayBuffer();
                return true;
            },
        });
    } catch (err) {
        env.failures.push("setup");
        printLogs(env);
        await env.stop().catch((e) => console.error(e));
        throw err;
    }
    return env;
}

function tail(text) {
    return text.length > MAX_PRINTED_LOG_CHARS ? "…(truncated)…\n" + text.slice(-MAX_PRINTED_LOG_CHARS) : text;
}

function printLogs(env) {
    const parts = [];
    const what = `${env.backend.name}; failed: ${env.failures.join(", ") || "?"}`;
    if (env.app) parts.push(`===== backend log (${what}) =====\nfull log: ${env.app.logFile}\n${tail(env.app.logs()) || "(no output)"}\n===== end of backend log =====`);
    if (env.core) parts.push(`===== supertokens-core log (${what}) =====\nfull log: ${env.core.logFile}\n${tail(env.core.logs()) || "(no output)"}\n===== end of core log =====`);
    if (env.website) parts.push(`===== website requests =====\n${env.website.requests.join("\n") || "(none)"}\n=====`);
    if (parts.length) process.stderr.write("\n" + parts.join("\n\n") + "\n");
}

module.exports = { startEnvironment, ACCESS_TOKEN_VALIDITY_S, ROOT };
