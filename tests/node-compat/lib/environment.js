"use strict";
// One test environment = one database + one core process + one express app
// (supertokens-node) in this process. Torn down by env.stop().

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Client } = require("pg");

const { startCore, resolveCoreBinary, freePort } = require("./core");

const PG_ADMIN_URL = process.env.NODE_COMPAT_PG_ADMIN_URL || "postgres://postgres@127.0.0.1:5432/postgres";
// Short on purpose: step (f) waits for a real access token to expire.
const ACCESS_TOKEN_VALIDITY_S = Number(process.env.NODE_COMPAT_ACCESS_TOKEN_VALIDITY || 2);
// Short, so the expiry step waits only a few seconds; every other flow takes well under a second.
const PASSWORDLESS_CODE_LIFETIME_MS = Number(process.env.NODE_COMPAT_PASSWORDLESS_CODE_LIFETIME_MS || 6000);
// Short for the same reason (step ev7 waits a token out); every other token is used at once.
const EMAIL_VERIFICATION_TOKEN_LIFETIME_MS = Number(process.env.NODE_COMPAT_EMAIL_VERIFICATION_TOKEN_LIFETIME_MS || 6000);

async function pgAdmin(fn) {
    const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
        await client.connect();
    } catch (err) {
        throw new Error(
            `PostgreSQL is unreachable at ${PG_ADMIN_URL} (${err.code || ""} ${err.message}).\n` +
                "The PostgreSQL compatibility run needs a server there (user postgres, trust/no password); " +
                "it is never skipped. Set NODE_COMPAT_PG_ADMIN_URL to use another admin connection.",
        );
    }
    try {
        return await fn(client);
    } finally {
        await client.end().catch(() => {});
    }
}

async function createPgDatabase() {
    const name = `st_node_${crypto.randomBytes(6).toString("hex")}`;
    await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    return { name, url: url.toString() };
}

async function dropPgDatabase(name) {
    await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * @param {{backend: "sqlite" | "postgres"}} opts
 */
async function startEnvironment({ backend }) {
    // Fail on a missing binary before creating anything.
    resolveCoreBinary();

    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `st-node-compat-${backend}-`));
    const apiKey = `nodeCompat-${crypto.randomBytes(16).toString("hex")}`; // [A-Za-z0-9-], 43 chars
    const env = {
        backend,
        workDir,
        apiKey,
        accessTokenValidity: ACCESS_TOKEN_VALIDITY_S,
        passwordlessCodeLifetimeMs: PASSWORDLESS_CODE_LIFETIME_MS,
        emailVerificationTokenLifetimeMs: EMAIL_VERIFICATION_TOKEN_LIFETIME_MS,
        core: null,
        app: null,
        appBaseUrl: null,
        pgDatabase: null,
        databaseUrl: null,
        failures: [], // names of failed steps, filled by the scenario
        stop: null,
    };

    const cleanups = [];
    env.stop = async () => {
        const errors = [];
        while (cleanups.length) {
            const fn = cleanups.pop();
            try {
                await fn();
            } catch (err) {
                errors.push(err);
            }
        }
        if (errors.length) throw new AggregateError(errors, "teardown failed: " + errors.map((e) => e.message).join("; "));
    };

    try {
        if (backend === "sqlite") {
            env.databaseUrl = `sqlite://${path.join(workDir, "core.db")}`; // sqlite:///abs/path
        } else if (backend === "postgres") {
            const db = await createPgDatabase();
            env.pgDatabase = db.name;
            env.databaseUrl = db.url;
            cleanups.push(() => dropPgDatabase(db.name));
        } else {
            throw new Error(`unknown backend ${backend}`);
        }

        env.core = await startCore({
            databaseUrl: env.databaseUrl,
            apiKey,
            accessTokenValidity: ACCESS_TOKEN_VALIDITY_S,
            passwordlessCodeLifetimeMs: PASSWORDLESS_CODE_LIFETIME_MS,
            emailVerificationTokenLifetimeMs: EMAIL_VERIFICATION_TOKEN_LIFETIME_MS,
            workDir,
        });
        cleanups.push(() => env.core.stop());

        const port = await freePort();
        // app.js is required lazily so that a failing core start never initialises the SDK.
        const { startApp } = require("../app");
        env.app = await startApp({ connectionURI: env.core.url, apiKey, port });
        env.appBaseUrl = env.app.baseUrl;
        cleanups.push(() => env.app.close());
    } catch (err) {
        await env.stop().catch(() => {});
        if (!err.keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
        throw err;
    }
    return env;
}

/** Print the core's log (called from `after` when something failed). */
function printCoreLogs(env) {
    if (!env || !env.core) return;
    const logs = env.core.logs();
    const maxChars = 200_000;
    const shown = logs.length > maxChars ? "…(truncated)…\n" + logs.slice(-maxChars) : logs;
    process.stderr.write(
        `\n===== supertokens-core log (${env.backend}; failed: ${env.failures.join(", ") || "setup"}) =====\n` +
            `full log: ${env.core.logFile}\n${shown || "(no output)"}\n===== end of core log =====\n`,
    );
}

module.exports = { startEnvironment, printCoreLogs, ACCESS_TOKEN_VALIDITY_S, PG_ADMIN_URL };
