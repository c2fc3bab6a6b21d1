"use strict";
// The test's mail server: a real SMTP server on loopback (smtp-server, from nodemailer)
// that keeps every message it receives, parsed by mailparser. The backend under test gets
// SMTP_HOST/SMTP_PORT/SMTP_SECURITY=none/SMTP_FROM and sends through it like through any
// relay; the scenario waits for a message to an address and reads the code or link in it
// (passwordless sign-in codes and magic links, email verification links).

const { SMTPServer } = require("smtp-server");
const { simpleParser } = require("mailparser");

/**
 * @returns {Promise<{host: string, port: number, from: string, messages: object[], log: string[],
 *   waitFor: (to: string, opts?: {after?: number, timeoutMs?: number}) => Promise<object>, stop: () => Promise<void>}>}
 */
async function startMailServer() {
    const messages = []; // {to: string[], from, subject, text, html, plain, receivedAt}
    const log = []; // one line per SMTP transaction, for failure reports (no bodies)
    const waiters = new Set();

    const server = new SMTPServer({
        // Plain SMTP on loopback: no TLS (the backends use SMTP_SECURITY=none). AUTH is
        // accepted but optional (supertokens-node's SMTP service always logs in; the Rust
        // delivery does not when no SMTP_USER is set).
        disabledCommands: ["STARTTLS"],
        authOptional: true,
        allowInsecureAuth: true,
        logger: false,
        size: 1024 * 1024,
        onAuth(auth, session, callback) {
            callback(null, { user: auth.username });
        },
        onData(stream, session, callback) {
            simpleParser(stream)
                .then((mail) => {
                    const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
                    const message = {
                        to,
                        from: session.envelope.mailFrom && session.envelope.mailFrom.address,
                        subject: mail.subject || "",
                        text: mail.text || "",
                        html: typeof mail.html === "string" ? mail.html : "",
                        receivedAt: Date.now(),
                    };
                    message.plain = message.text || htmlToText(message.html);
                    messages.push(message);
                    log.push(`${new Date().toISOString().slice(11, 23)} MAIL FROM:<${message.from}> RCPT TO:<${to.join(">,<")}> subject ${JSON.stringify(message.subject)}${session.user ? ` (AUTH as ${session.user})` : ""}`);
                    for (const w of [...waiters]) w();
                    callback();
                })
                .catch((err) => {
                    log.push(`unparsable message: ${err.message}`);
                    callback(err);
                });
        },
    });
    server.on("error", (err) => log.push(`smtp server error: ${err.message}`));

    await new Promise((resolve, reject) => {
        server.server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.server.address();

    return {
        host: "127.0.0.1",
        port,
        from: "no-reply@e2e.example.com",
        messages,
        log,
        /**
         * The first message to `to` among those received from index `after` on, waiting up
         * to `timeoutMs` for it.
         */
        waitFor(to, { after = 0, timeoutMs = 10_000 } = {}) {
            const address = to.toLowerCase();
            const find = () => messages.slice(after).find((m) => m.to.includes(address));
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
                    reject(new Error(`no email to ${to} within ${timeoutMs / 1000} s (received: ${messages.map((m) => m.to.join(",")).join("; ") || "none"})`));
                }, timeoutMs);
                waiters.add(check);
                check();
            });
        },
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

/** HTML → text, enough to find a code or a link: no head/style/script, no tags, entities decoded. */
function htmlToText(html) {
    return decodeEntities(
        html
            .replace(/<(head|style|script)\b[\s\S]*?<\/\1>/gi, " ")
            .replace(/<a\b[^>]*\bhref="([^"]*)"[^>]*>/gi, " $1 ")
            .replace(/<[^>]+>/g, " "),
    ).replace(/[ \t]+/g, " ");
}

function decodeEntities(text) {
    return text
        .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
        .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
        .replace(/&quot;/g, '"')
        .replace(/&#39;|&apos;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&nbsp;/g, " ")
        .replace(/&amp;/g, "&");
}

/**
 * The sign-in code and magic link of a passwordless message (email text or SMS body).
 * The link is `<websiteDomain>/auth/verify?…#<linkCode>`; the code is the core's 6 digits,
 * looked for in the text with the link removed.
 */
function extractSignIn(text) {
    // Brackets and parentheses end it too: mailparser renders an HTML-only email's links as "text [url]".
    const linkMatch = text.match(/https?:\/\/[^\s"'<>()[\]]+\/verify\?[^\s"'<>()[\]]*#[^\s"'<>()[\]]+/);
    const link = linkMatch ? decodeEntities(linkMatch[0]) : null;
    const rest = linkMatch ? text.split(linkMatch[0]).join(" ") : text;
    const codes = [...new Set(rest.match(/(?<![\w#-])\d{6}(?![\w-])/g) || [])];
    return { link, code: codes.length === 1 ? codes[0] : null, codeCandidates: codes };
}

/**
 * The email verification link of a message: `<websiteDomain>/auth/verify-email?token=…&tenantId=…`
 * (the first one, when the email shows it twice, as a button and as text).
 */
function extractVerifyLink(text) {
    const match = text.match(/https?:\/\/[^\s"'<>()[\]]+\/verify-email\?[^\s"'<>()[\]]+/);
    return match ? decodeEntities(match[0]) : null;
}

module.exports = { startMailServer, extractSignIn, extractVerifyLink, htmlToText };
