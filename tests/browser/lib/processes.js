"use strict";
// Child processes of the harness (core, app backend): spawned in their own process
// group, output kept in memory and in a log file, readiness polled over HTTP, and
// always killed (group-wide) on stop or when this process exits.

const fs = require("node:fs");
const net = require("node:net");
const { spawn } = require("node:child_process");

const MAX_LOG_CHARS = 2 * 1024 * 1024;
const STOP_GRACE_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

// Every live managed process group, killed if this process is interrupted (SIGINT /
// SIGTERM skip 'exit' handlers, and the groups are detached from ours).
const live = new Set();
let signalHandlersInstalled = false;
function installSignalHandlers() {
    if (signalHandlersInstalled) return;
    signalHandlersInstalled = true;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
        process.once(signal, () => {
            for (const pid of live) {
                try {
                    process.kill(-pid, "SIGKILL");
                } catch {
                    /* gone */
                }
            }
            process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
        });
    }
}

/**
 * Spawn a process. Either `command` (a shell command line, run as `sh -c "exec …"`)
 * or `file` + `args`.
 * @param {{name: string, command?: string, file?: string, args?: string[], env: object, cwd: string, logFile: string}} opts
 */
function spawnManaged({ name, command, file, args = [], env, cwd, logFile }) {
    const logStream = fs.createWriteStream(logFile);
    logStream.on("error", () => {});
    let logBuf = "";
    const append = (chunk) => {
        const s = chunk.toString("utf8");
        if (!logStream.writableEnded) logStream.write(s);
        logBuf += s;
        if (logBuf.length > MAX_LOG_CHARS) logBuf = logBuf.slice(logBuf.length - MAX_LOG_CHARS);
    };

    const [bin, argv] = command !== undefined ? ["/bin/sh", ["-c", `exec ${command}`]] : [file, args];
    const child = spawn(bin, argv, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let exited = null;
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
    child.stdout.on("data", append);
    child.stderr.on("data", append);

    const killGroup = (signal) => {
        try {
            process.kill(-child.pid, signal); // the whole group: `sh -c`, wrappers, the app itself
        } catch {
            try {
                child.kill(signal);
            } catch {
                /* already gone */
            }
        }
    };
    // Never leave a process behind, even if the test process dies without running hooks.
    const killOnExit = () => {
        if (!exited && child.pid) killGroup("SIGKILL");
    };
    process.on("exit", killOnExit);
    if (child.pid) {
        live.add(child.pid);
        installSignalHandlers();
    }

    const proc = {
        name,
        pid: child.pid,
        logFile,
        logs: () => logBuf,
        exited: () => exited,
        spawnError: () => spawnError,
        async stop() {
            process.removeListener("exit", killOnExit);
            if (!exited && child.pid) {
                killGroup("SIGTERM");
                let timer;
                const timedOut = await Promise.race([
                    exitPromise.then(() => false),
                    new Promise((r) => (timer = setTimeout(() => r(true), STOP_GRACE_MS))),
                ]);
                clearTimeout(timer);
                if (timedOut && !exited) {
                    killGroup("SIGKILL");
                    await exitPromise;
                }
            }
            // Children of a wrapper that ignored SIGTERM: make sure the group is gone.
            if (child.pid) {
                try {
                    process.kill(-child.pid, "SIGKILL");
                } catch {
                    /* group already empty */
                }
            }
            live.delete(child.pid);
            await new Promise((r) => logStream.end(r));
        },
    };
    return proc;
}

/**
 * Poll `probe()` (resolves true when ready, or a string describing why not) until it
 * is ready, the process exits, or the timeout passes. Throws with the process log on failure.
 */
async function waitReady(proc, { probe, timeoutMs, what }) {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    for (;;) {
        if (proc.spawnError()) throw failure(proc, `${what} could not be started: ${proc.spawnError().message}`);
        const ex = proc.exited();
        if (ex) throw failure(proc, `${what} exited before becoming ready (code ${ex.code}, signal ${ex.signal})`);
        try {
            const r = await probe();
            if (r === true) return;
            last = String(r);
        } catch (err) {
            last = (err.cause && (err.cause.code || err.cause.message)) || err.message;
        }
        if (Date.now() > deadline) throw failure(proc, `${what} did not become ready within ${timeoutMs / 1000} s (last: ${last})`);
        await sleep(150);
    }
}

function failure(proc, message) {
    return new Error(`${message}\n  full log: ${proc.logFile}\n----- ${proc.name} output -----\n${proc.logs() || "(no output)"}\n-----`);
}

module.exports = { spawnManaged, waitReady, freePort, sleep };
