"use strict";
// Starting and stopping the Rust core binary under test.

const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { spawn } = require("node:child_process");

const NODE_COMPAT_DIR = path.resolve(__dirname, "..");
const DEFAULT_CORE_BIN = path.resolve(NODE_COMPAT_DIR, "../../target/release/supertokens-core");
const READY_TIMEOUT_MS = 20_000;
const MAX_LOG_BYTES = 4 * 1024 * 1024; // kept in memory; the full log is also written to a file

/** Resolve the core binary from SUPERTOKENS_CORE_BIN (or the default release path); throw clearly if unusable. */
function resolveCoreBinary() {
    const fromEnv = process.env.SUPERTOKENS_CORE_BIN;
    const bin = fromEnv ? path.resolve(fromEnv) : DEFAULT_CORE_BIN;
    const origin = fromEnv ? "SUPERTOKENS_CORE_BIN" : "default path; SUPERTOKENS_CORE_BIN is not set";
    let stat;
    try {
        stat = fs.statSync(bin);
    } catch {
        throw new Error(
            `supertokens-core binary missing: ${bin} (from ${origin}) does not exist.\n` +
                "Build it with `cargo build --release -p supertokens-core` in the workspace root, " +
                "or point SUPERTOKENS_CORE_BIN at a built binary.",
        );
    }
    if (!stat.isFile()) throw new Error(`supertokens-core binary missing: ${bin} (from ${origin}) is not a file`);
    try {
        fs.accessSync(bin, fs.constants.X_OK);
    } catch {
        throw new Error(`supertokens-core binary is not executable: ${bin} (from ${origin})`);
    }
    return bin;
}

/** A free TCP port on 127.0.0.1 (bound then released; tiny race accepted). */
function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the core and wait until GET /hello answers 200 "Hello".
 * @param {{databaseUrl: string, apiKey: string, accessTokenValidity: number, passwordlessCodeLifetimeMs: number, emailVerificationTokenLifetimeMs: number, workDir: string}} opts
 */
async function startCore({
    databaseUrl,
    apiKey,
    accessTokenValidity,
    passwordlessCodeLifetimeMs = 900000,
    emailVerificationTokenLifetimeMs = 86400000,
    workDir,
}) {
    const bin = resolveCoreBinary();
    const port = await freePort();
    const logFile = path.join(workDir, "core.log");
    const logStream = fs.createWriteStream(logFile);
    logStream.on("error", () => {}); // the in-memory copy is what gets printed anyway
    let logBuf = "";
    const appendLog = (chunk) => {
        const s = chunk.toString("utf8");
        if (!logStream.writableEnded) logStream.write(s); // output may trail the exit event
        logBuf += s;
        if (logBuf.length > MAX_LOG_BYTES) logBuf = logBuf.slice(logBuf.length - MAX_LOG_BYTES);
    };

    const env = {
        ...process.env,
        SUPERTOKENS_HOST: "127.0.0.1",
        SUPERTOKENS_PORT: String(port),
        SUPERTOKENS_API_KEYS: apiKey,
        SUPERTOKENS_DATABASE_URL: databaseUrl,
        SUPERTOKENS_ACCESS_TOKEN_VALIDITY: String(accessTokenValidity),
        SUPERTOKENS_PASSWORDLESS_CODE_LIFETIME: String(passwordlessCodeLifetimeMs),
        SUPERTOKENS_EMAIL_VERIFICATION_TOKEN_LIFETIME: String(emailVerificationTokenLifetimeMs),
        SUPERTOKENS_ARGON2_MEMORY_KB: "1024",
        SUPERTOKENS_ARGON2_ITERATIONS: "1",
        SUPERTOKENS_ARGON2_PARALLELISM: "1",
        SUPERTOKENS_LOG_LEVEL: process.env.SUPERTOKENS_LOG_LEVEL || "debug",
    };

    const child = spawn(bin, [], { env, cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
    let exited = null; // {code, signal} once the process is gone
    let spawnError = null;
    const exitPromise = new Promise((resolve) => {
        child.once("exit", (code, signal) => {
            exited = { code, signal };
            resolve(exited);
        });
        child.once("error", (err) => {
            spawnError = err;
            exited = exited || { code: null, signal: null };
            resolve(exited);
        });
    });
    child.stdout.on("data", appendLog);
    child.stderr.on("data", appendLog);
    // Never leave a core behind, even if the test process dies without running `after` hooks.
    const killOnExit = () => {
        if (!exited) child.kill("SIGKILL");
    };
    process.on("exit", killOnExit);

    const url = `http://127.0.0.1:${port}`;
    const core = {
        url,
        port,
        apiKey,
        pid: child.pid,
        logFile,
        logs: () => logBuf,
        async stop() {
            process.removeListener("exit", killOnExit);
            if (!exited) {
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
            }
            await new Promise((r) => logStream.end(r));
        },
    };

    const describeFailure = (why) => {
        const err = new Error(
            `${why}\n  binary: ${bin}\n  url: ${url}\n  database: ${redact(databaseUrl)}\n` +
                `  full log: ${logFile}\n----- core stdout/stderr -----\n${logBuf || "(no output)"}\n------------------------------`,
        );
        err.keepWorkDir = true; // the message points at the log file
        return err;
    };

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem = "no answer yet";
    for (;;) {
        if (spawnError) {
            await core.stop();
            throw describeFailure(`supertokens-core could not be started: ${spawnError.message}`);
        }
        if (exited) {
            await core.stop();
            throw describeFailure(`supertokens-core exited before becoming ready (code ${exited.code}, signal ${exited.signal})`);
        }
        try {
            const res = await fetch(`${url}/hello`, { signal: AbortSignal.timeout(1000) });
            const text = await res.text();
            if (res.status === 200 && text.trim() === "Hello") return core;
            lastProblem = `GET /hello answered ${res.status} ${JSON.stringify(text.slice(0, 200))}`;
        } catch (err) {
            lastProblem = `GET /hello failed: ${(err.cause && err.cause.code) || err.message}`;
        }
        if (Date.now() > deadline) {
            await core.stop();
            throw describeFailure(`core did not become ready within ${READY_TIMEOUT_MS / 1000} s (last: ${lastProblem})`);
        }
        await sleep(100);
    }
}

function redact(url) {
    return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

module.exports = { startCore, resolveCoreBinary, freePort, sleep, NODE_COMPAT_DIR };
