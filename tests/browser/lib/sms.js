"use strict";
// The test's SMS gateway: a local HTTP server speaking Twilio's message API shape
// (POST /2010-04-01/Accounts/<AccountSid>/Messages.json, form-encoded To/From/Body,
// HTTP basic auth AccountSid:AuthToken, 201 + JSON message resource). The backend under
// test gets SMS_GATEWAY_URL/SMS_ACCOUNT_SID/SMS_AUTH_TOKEN/SMS_FROM; the scenario reads
// the code from the recorded Body.

const crypto = require("node:crypto");
const http = require("node:http");

async function startSmsGateway() {
    const accountSid = `AC${crypto.randomBytes(16).toString("hex")}`;
    const authToken = crypto.randomBytes(16).toString("hex");
    const sender = "+15005550006";
    const messages = []; // {to, from, messagingServiceSid, body, receivedAt}
    const log = []; // one line per request, for failure reports (no bodies)
    const waiters = new Set();
    const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    const expectedAuth = "Basic " + Buffer.from(`${accountSid}:${authToken}`).toString("base64");

    const json = (res, status, body) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };

    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const stamp = new Date().toISOString().slice(11, 23);
            const line = `${stamp} ${req.method} ${req.url}`;
            if (req.method !== "POST" || req.url !== path) {
                log.push(`${line} -> 404`);
                return json(res, 404, { code: 20404, message: `The requested resource ${req.url} was not found`, status: 404 });
            }
            if (req.headers.authorization !== expectedAuth) {
                log.push(`${line} -> 401 (bad credentials)`);
                return json(res, 401, { code: 20003, message: "Authenticate", status: 401 });
            }
            if (!String(req.headers["content-type"] || "").startsWith("application/x-www-form-urlencoded")) {
                log.push(`${line} -> 400 (content-type ${req.headers["content-type"]})`);
                return json(res, 400, { code: 20001, message: "expected a form-encoded body", status: 400 });
            }
            const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
            const to = form.get("To");
            const from = form.get("From");
            const messagingServiceSid = form.get("MessagingServiceSid");
            const body = form.get("Body");
            if (!to || !body || (!from && !messagingServiceSid)) {
                log.push(`${line} -> 400 (missing To/Body/From)`);
                return json(res, 400, { code: 21604, message: "A 'To', 'Body' and 'From' (or 'MessagingServiceSid') are required", status: 400 });
            }
            if (!/^\+[1-9]\d{6,14}$/.test(to)) {
                log.push(`${line} -> 400 (To ${to} is not E.164)`);
                return json(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
            }
            const sid = `SM${crypto.randomBytes(16).toString("hex")}`;
            messages.push({ to, from, messagingServiceSid, body, receivedAt: Date.now() });
            log.push(`${line} -> 201 To ${to} From ${from || messagingServiceSid} (${body.length} chars)`);
            for (const w of [...waiters]) w();
            json(res, 201, { sid, account_sid: accountSid, to, from, status: "queued", num_segments: "1", direction: "outbound-api", uri: `${path.replace(".json", "")}/${sid}.json` });
        });
    });

    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address();

    return {
        url: `http://127.0.0.1:${port}`,
        accountSid,
        authToken,
        sender,
        messages,
        log,
        /** The first message to `to` (E.164) among those received from index `after` on. */
        waitFor(to, { after = 0, timeoutMs = 10_000 } = {}) {
            const find = () => messages.slice(after).find((m) => m.to === to);
            return new Promise((resolve, reject) => {
                const check = () => {
                    const found = find();
                    if (found) {
                        clearTimeout(timer);
                        waiters.delete(check);
                        resolve(found);
                    }
                };
                const timer = setTimeout(() => {
                    waiters.delete(check);
                    reject(new Error(`no text message to ${to} within ${timeoutMs / 1000} s (received for: ${messages.map((m) => m.to).join(", ") || "none"}; requests: ${log.join(" | ") || "none"})`));
                }, timeoutMs);
                waiters.add(check);
                check();
            });
        },
        stop: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

module.exports = { startSmsGateway };
