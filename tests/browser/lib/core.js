"use strict";
// The Rust core under test, on SQLite in the run's temp dir (same env contract as
// tests/node-compat/lib/core.js): ready when GET /hello answers 200 "Hello".

const fs = require("node:fs");
const path = require("node:path");

const { spawnManaged, waitReady, freePort } = require("./processes");

const DEFAULT_CORE_BIN = path.resolve(__dirname, "../../../target/release/supertokens-core");
const READY_TIMEOUT_MS = 20_000;

/** Resolve SUPERTOKENS_CORE_BIN (or the default release path); throw clearly if unusable. */
function resolveCoreBinary() {
    const fromEnv = process.env.SUPERTOKENS_CORE_BIN;
    const bin = fromEnv ? path.resolve(fromEnv) : DEFAULT_CORE_BIN;
    try {
        fs.accessSync(bin, fs.constants.X_OK);
        if (!fs.statSync(bin).isFile()) throw new Error("not a file");
    } catch (err) {
        throw new Error(
            `supertokens-core binary unusable: ${bin} (${fromEnv ? "from SUPERTOKENS_CORE_BIN" : "default path"}: ${err.code || err.message}).\n` +
                "Build it with `cargo build --release -p supertokens-core` in the workspace root, " +
                "or point SUPERTOKENS_CORE_BIN at a built binary.",
        );
    }
    return bin;
}

/**
 * @param {{workDir: string, apiKey: string, accessTokenValidity: number}} opts
 */
async function startCore({ workDir, apiKey, accessTokenValidity }) {
    const bin = resolveCoreBinary();
    const port = await freePort();
    const dataDir = path.join(workDir, "core-data");
    fs.mkdirSync(dataDir, { recursive: true });
    const env = {
        ...process.env,
        SUPERTOKENS_HOST: "127.0.0.1",
        SUPERTOKENS_PORT: String(port),
        SUPERTOKENS_API_KEYS: apiKey,
        SUPERTOKENS_DATA_DIR: dataDir,
        SUPERTOKENS_DATABASE_URL: `sqlite://${path.join(dataDir, "core.db")}`,
        SUPERTOKENS_ACCESS_TOKEN_VALIDITY: String(accessTokenValidity),
        SUPERTOKENS_ARGON2_MEMORY_KB: "1024",
        SUPERTOKENS_ARGON2_ITERATIONS: "1",
        SUPERTOKENS_ARGON2_PARALLELISM: "1",
        SUPERTOKENS_LOG_LEVEL: process.env.SUPERTOKENS_LOG_LEVEL || "debug",
    };
    const proc = spawnManaged({ name: "supertokens-core", file: bin, env, cwd: workDir, logFile: path.join(workDir, "core.log") });
    const url = `http://127.0.0.1:${port}`;
    try {
        await waitReady(proc, {
            what: `supertokens-core (${bin}, ${url})`,
            timeoutMs: READY_TIMEOUT_MS,
            probe: async () => {
                const res = await fetch(`${url}/hello`, { signal: AbortSignal.timeout(1000) });
                const text = await res.text();
                return (res.status === 200 && text.trim() === "Hello") || `GET /hello answered ${res.status} ${JSON.stringify(text.slice(0, 200))}`;
            },
        });
    } catch (err) {
        await proc.stop();
        throw err;
    }
    return { ...proc, stop: proc.stop, url, port, apiKey };
}

module.exports = { startCore, resolveCoreBinary };
