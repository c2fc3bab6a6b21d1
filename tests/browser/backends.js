"use strict";
// THE list of app backends the browser scenario runs against. Every entry must
// implement the app contract (README.md, "The app contract"): the harness starts it
// with env PORT, SUPERTOKENS_CONNECTION_URI, SUPERTOKENS_API_KEY, API_DOMAIN and
// WEBSITE_DOMAIN, and waits until API_DOMAIN answers HTTP.
//
// An entry is { name, command } (a shell command line, run from this folder as
// `sh -c "exec <command>"`) or { name, file, args } (an executable, no shell), plus
// optional `env` (extra variables) and `readyTimeoutMs` (default 30 s).
//
// Environment overrides (see selectBackends below):
//   BROWSER_E2E_BACKEND="<command>"  run only this command (name from BROWSER_E2E_BACKEND_NAME, default "custom")
//   BROWSER_E2E_ONLY="name1,name2"   run only the listed entries of this file

const path = require("node:path");

const HERE = __dirname;
const WORKSPACE = path.resolve(HERE, "../..");

const BACKENDS = [
    {
        // The yardstick: the official supertokens-node SDK (express) on our core.
        name: "node-reference",
        command: "node reference-backend/server.js",
    },

    // The Rust SDK's example apps (examples/axum-emailpassword, examples/actix-emailpassword).
    // tests/run-all.sh builds them before `npm test`:
    //   cargo build --release -p supertokens-core -p example-axum -p example-actix
    // A missing binary is a failure, never a skip.
    { name: "rust-axum", file: path.join(WORKSPACE, "target/release/example-axum") },
    { name: "rust-actix", file: path.join(WORKSPACE, "target/release/example-actix") },
];

/** The backends to run in this invocation. */
function selectBackends(env = process.env) {
    if (env.BROWSER_E2E_BACKEND) {
        return [{ name: env.BROWSER_E2E_BACKEND_NAME || "custom", command: env.BROWSER_E2E_BACKEND }];
    }
    if (env.BROWSER_E2E_ONLY) {
        const wanted = env.BROWSER_E2E_ONLY.split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = wanted.filter((w) => !BACKENDS.some((b) => b.name === w));
        if (unknown.length) {
            throw new Error(`BROWSER_E2E_ONLY names unknown backends: ${unknown.join(", ")} (known: ${BACKENDS.map((b) => b.name).join(", ")})`);
        }
        return BACKENDS.filter((b) => wanted.includes(b.name));
    }
    return BACKENDS;
}

module.exports = { BACKENDS, selectBackends, WORKSPACE };
