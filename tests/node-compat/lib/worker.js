"use strict";
// Starting and stopping app-worker.js: a supertokens-node backend in a process of its own,
// pointed at one app of the core (`<core>/appid-<app>`).

const path = require("node:path");
const { spawn } = require("node:child_process");

const { freePort, NODE_COMPAT_DIR } = require("./core");
const { request } = require("./http");

const READY_TIMEOUT_MS = 20_000;
const MAX_LOG_CHARS = 1_000_000;

/**
 * @param {{name: string, connectionURI: string, apiKey: string}} opts
 * @returns {Promise<{name: string, baseUrl: string, logs: () => string, rpc: Function, rpcRaw: Function, stop: () => Promise<void>}>}
 */
async function startWorker({ name, connectionURI, apiKey }) {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(NODE_COMPAT_DIR, "app-worker.js")], {
        cwd: NODE_COMPAT_DIR,
        env: { ...process.env, WORKER_CONNECTION_URI: connectionURI, WORKER_API_KEY: apiKey, WORKER_PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    const append = (chunk) => {
        logs += chunk.toString("utf8");
        if (logs.length > MAX_LOG_CHARS) logs = logs.slice(logs.length - MAX_LOG_CHARS);
    };
    let exited = null;
    const exitPromise = new Promise((resolve) => {
        child.once("exit", (code, signal) => resolve((exited = { code, signal })));
        child.once("error", (err) => resolve((exited = { code: null, signal: null, error: err })));
    });
    const killOnExit = () => {
        if (!exited) child.kill("SIGKILL");
    };
    process.on("exit", killOnExit);

    const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`app worker ${name} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
        child.stdout.on("data", (chunk) => {
            append(chunk);
            if (logs.includes(`READY ${port}`)) {
                clearTimeout(timer);
                resolve();
            }
        });
        child.stderr.on("data", append);
        exitPromise.then((how) => {
            clearTimeout(timer);
            reject(new Error(`app worker ${name} exited before it was ready (${JSON.stringify(how)})`));
        });
    });

    const baseUrl = `http://127.0.0.1:${port}`;
    const worker = {
        name,
        baseUrl,
        logs: () => logs,
        /** Calls an SDK function in the worker; `{status, result, error}` whatever happened. */
        async rpcRaw(fn, ...args) {
            const res = await request(baseUrl, "POST", "/rpc", { body: { fn, args } });
            return { status: res.status, result: res.json && res.json.result, error: res.json ? res.json.error : res.text };
        },
        /** Calls an SDK function in the worker and returns its result; throws what node threw. */
        async rpc(fn, ...args) {
            const res = await worker.rpcRaw(fn, ...args);
            if (res.status !== 200) throw new Error(`${name}: ${fn}(${JSON.stringify(args)}) failed: HTTP ${res.status} ${res.error}`);
            return res.result;
        },
        async stop() {
            process.removeListener("exit", killOnExit);
            if (exited) return;
            child.kill("SIGTERM");
            let timer;
            const timedOut = await Promise.race([
                exitPromise.then(() => false),
                new Promise((r) => (timer = setTimeout(() => r(true), 5000))),
            ]);
            clearTimeout(timer);
            if (timedOut && !exited) {
                child.kill("SIGKILL");
                await exitPromise;
            }
        },
    };
    try {
        await ready;
    } catch (err) {
        await worker.stop();
        err.message += `\n----- ${name} output -----\n${logs || "(none)"}`;
        throw err;
    }
    return worker;
}

module.exports = { startWorker };
