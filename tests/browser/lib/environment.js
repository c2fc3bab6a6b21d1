"use strict";
// One environment per backend under test: a core (SQLite in a temp dir), the
// mail server and the SMS gateway stand-in the backend delivers sign-in codes and
// verification links through,
// the app backend started from its command with the app-contract env, and the website
// server. env.stop() tears everything down in reverse order; env.report() prints
// the backend and core logs (called when something failed).

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const { startCore } = require("./core");
const { spawnManaged, waitReady, freePort } = require("./processes");
const { startWebsite } = require("./website");
const { startMailServer } = require("./mail");
const { startSmsGateway } = require("./sms");
const { buildPage } = require("./build-page");

const ROOT = path.resolve(__dirname, "..");
// Short on purpose: the refresh step waits for a real access token to expire.
const ACCESS_TOKEN_VALIDITY_S = Number(process.env.BROWSER_E2E_ACCESS_TOKEN_VALIDITY || 3);
const DEFAULT_BACKEND_READY_TIMEOUT_MS = 30_000;
const MAX_PRINTED_LOG_CHARS = 150_000;
// Short so that the resend step need not wait long (the Rust recipe's default is 30 s).
const PASSWORDLESS_RESEND_COOLDOWN_S = 1;

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
        mail: null,
        sms: null,
        resendCooldownS: PASSWORDLESS_RESEND_COOLDOWN_S,
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
    /** A CDI call to the core with the API key (what an admin tool does), e.g. to give a role. */
    env.coreRequest = async (method, cdiPath, body) => {
        const res = await fetch(`${env.core.url}${cdiPath}`, {
            method,
            headers: { "api-key": apiKey, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`core ${method} ${cdiPath} answered ${res.status}: ${text.slice(0, 300)}`);
        return JSON.parse(text);
    };

    // Runs last: keep the temp dir (logs, database) only when something failed.
    cleanups.push(() => {
        if (env.failures.length) process.stderr.write(`kept ${workDir} for inspection\n`);
        else fs.rmSync(workDir, { recursive: true, force: true });
    });

    try {
        const pageScriptFile = await buildPage();

        env.core = await startCore({ workDir, apiKey, accessTokenValidity: ACCESS_TOKEN_VALIDITY_S });
        cleanups.push(() => env.core.stop());

        env.mail = await startMailServer();
        cleanups.push(() => env.mail.stop());
        env.sms = await startSmsGateway();
        cleanups.push(() => env.sms.stop());

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
            // Passwordless: emails through the test's SMTP server, text messages through
            // its Twilio-shaped gateway.
            SMTP_HOST: env.mail.host,
            SMTP_PORT: String(env.mail.port),
            SMTP_SECURITY: "none",
            SMTP_FROM: env.mail.from,
            SMS_GATEWAY_URL: env.sms.url,
            SMS_ACCOUNT_SID: env.sms.accountSid,
            SMS_AUTH_TOKEN: env.sms.authToken,
            SMS_FROM: env.sms.sender,
            PASSWORDLESS_CONTACT_METHOD: "email_or_phone",
            PASSWORDLESS_FLOW_TYPE: "user_input_code_and_magic_link",
            PASSWORDLESS_RESEND_COOLDOWN_SECS: String(PASSWORDLESS_RESEND_COOLDOWN_S),
            // Protected routes need a verified email (the examples' default, said explicitly).
            EMAIL_VERIFICATION: "required",
            // The Rust examples limit requests per client address and minute, and every request
            // of this run comes from 127.0.0.1: 12 passwordless codes (createCode in steps
            // 7-11 plus one resend, in each of the two modes) can fall in one minute, over the
            // default 10. Limits stay on, set well above what one run sends.
            RATE_LIMITS: "sign_in=100,sign_up=100,password_reset=100,passwordless_code=100",
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
    if (env.mail) parts.push(`===== mail server (SMTP) =====\n${env.mail.log.join("\n") || "(no messages)"}\n=====`);
    if (env.sms) parts.push(`===== SMS gateway stand-in =====\n${env.sms.log.join("\n") || "(no requests)"}\n=====`);
    if (env.website) parts.push(`===== website requests =====\n${env.website.requests.join("\n") || "(none)"}\n=====`);
    if (parts.length) process.stderr.write("\n" + parts.join("\n\n") + "\n");
}

module.exports = { startEnvironment, ACCESS_TOKEN_VALIDITY_S, ROOT };
