"use strict";
// The body of every backend's test file: start the environment, run the
// scenario, always tear down in `after`, print the core log on failure.

const fs = require("node:fs");
const { test, after } = require("node:test");

const { startEnvironment, printCoreLogs } = require("./environment");

/** @param {"sqlite" | "postgres"} backend */
function defineSuite(backend, title) {
    let env = null;

    after(async () => {
        if (!env) return; // setup failed: its error already carries the core log
        const failed = env.failures.length > 0;
        try {
            await env.stop();
        } finally {
            if (failed) {
                printCoreLogs(env);
                process.stderr.write(`(kept ${env.workDir} for inspection)\n`);
            } else {
                fs.rmSync(env.workDir, { recursive: true, force: true });
            }
        }
    });

    test(title, async (t) => {
        env = await startEnvironment({ backend }); // throws a self-explanatory error (with the core log) on failure
        t.diagnostic(`core ${env.core.url} (pid ${env.core.pid}), app ${env.appBaseUrl}, db ${env.databaseUrl}`);
        const { runScenario } = require("./scenario");
        try {
            await runScenario(t, env);
        } catch (err) {
            env.failures.push(`scenario aborted: ${err.message}`);
            throw err;
        }
    });
}

module.exports = { defineSuite };
