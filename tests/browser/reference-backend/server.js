"use strict";
// Reference app backend for the browser end-to-end harness: the official
// supertokens-node SDK (express) on top of the core under test. It implements
// the app contract in ../README.md exactly like the Rust example apps must:
//
//   env PORT, SUPERTOKENS_CONNECTION_URI, SUPERTOKENS_API_KEY, API_DOMAIN, WEBSITE_DOMAIN
//   FDI under /auth (emailpassword + passwordless + session), protected GET /sessioninfo,
//   CORS for WEBSITE_DOMAIN with credentials and the SuperTokens headers.
//
// Passwordless (EMAIL_OR_PHONE, USER_INPUT_CODE_AND_MAGIC_LINK) delivers like the Rust
// example apps: emails through SMTP_HOST/SMTP_PORT (node's own SMTP service and
// template), text messages through the Twilio-shaped gateway at SMS_GATEWAY_URL
// (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM). Without them, codes go to the console.
//
// Run standalone: PORT=3001 SUPERTOKENS_CONNECTION_URI=http://127.0.0.1:3567 \
//   API_DOMAIN=http://localhost:3001 WEBSITE_DOMAIN=http://localhost:3000 node reference-backend/server.js

const express = require("express");
const cors = require("cors");
const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
const Passwordless = require("supertokens-node/recipe/passwordless");
const { SMTPService } = require("supertokens-node/recipe/passwordless/emaildelivery");
const { middleware, errorHandler } = require("supertokens-node/framework/express");
const { verifySession } = require("supertokens-node/recipe/session/framework/express");

function requireEnv(name) {
    const value = process.env[name];
    if (!value) {
        console.error(`reference-backend: environment variable ${name} is required`);
        process.exit(2);
    }
    return value;
}

const PORT = Number(requireEnv("PORT"));
const CONNECTION_URI = requireEnv("SUPERTOKENS_CONNECTION_URI");
const API_KEY = process.env.SUPERTOKENS_API_KEY || undefined;
const API_DOMAIN = requireEnv("API_DOMAIN");
const WEBSITE_DOMAIN = requireEnv("WEBSITE_DOMAIN");
const APP_NAME = "supertokens-rs browser e2e reference";

/** Emails: node's SMTP service (and its template) when SMTP_HOST is set. */
function emailDelivery() {
    if (!process.env.SMTP_HOST) {
        return {
            service: {
                sendEmail: async (input) => {
                    console.log(`reference-backend: passwordless email to ${input.email}: code ${input.userInputCode}, link ${input.urlWithLinkCode}`);
                },
            },
        };
    }
    return {
        service: new SMTPService({
            smtpSettings: {
                host: process.env.SMTP_HOST,
                port: Number(process.env.SMTP_PORT || 587),
                secure: process.env.SMTP_SECURITY === "tls",
                from: { name: "supertokens-rs browser e2e reference", email: process.env.SMTP_FROM || "no-reply@example.com" },
                // node's SMTP service always logs in; the test server accepts any login.
                authUsername: process.env.SMTP_USER,
                password: process.env.SMTP_PASSWORD || "unused",
            },
        }),
    };
}

/** Text messages: a POST in Twilio's message API shape to SMS_GATEWAY_URL, with node's Twilio wording. */
function smsDelivery() {
    const gateway = process.env.SMS_GATEWAY_URL;
    return {
        service: {
            sendSms: async (input) => {
                let body = "";
                if (input.userInputCode !== undefined) body += `OTP to login is ${input.userInputCode} for ${APP_NAME}\n\n`;
                if (input.urlWithLinkCode !== undefined) body += `${input.userInputCode !== undefined ? "OR click" : "Click"} ${input.urlWithLinkCode} to login.\n\n`;
                body += `This is valid for ${Math.round(input.codeLifetime / 60000)} minutes.`;
                if (!gateway) {
                    console.log(`reference-backend: passwordless SMS to ${input.phoneNumber}: ${body}`);
                    return;
                }
                const sid = process.env.SMS_ACCOUNT_SID;
                const res = await fetch(`${gateway.replace(/\/$/, "")}/2010-04-01/Accounts/${sid}/Messages.json`, {
                    method: "POST",
                    headers: {
                        authorization: "Basic " + Buffer.from(`${sid}:${process.env.SMS_AUTH_TOKEN}`).toString("base64"),
                        "content-type": "application/x-www-form-urlencoded",
                    },
                    body: new URLSearchParams({ To: input.phoneNumber, From: process.env.SMS_FROM, Body: body }).toString(),
                });
                if (!res.ok) throw new Error(`SMS gateway answered ${res.status}: ${await res.text()}`);
            },
        },
    };
}

supertokens.init({
    framework: "express",
    supertokens: { connectionURI: CONNECTION_URI, apiKey: API_KEY },
    appInfo: {
        appName: APP_NAME,
        apiDomain: API_DOMAIN,
        websiteDomain: WEBSITE_DOMAIN,
        apiBasePath: "/auth",
        websiteBasePath: "/auth",
    },
    telemetry: false,
    // Defaults everywhere: the transfer method comes from the frontend's st-auth-mode header.
    recipeList: [
        EmailPassword.init(),
        Passwordless.init({
            contactMethod: "EMAIL_OR_PHONE",
            flowType: "USER_INPUT_CODE_AND_MAGIC_LINK",
            emailDelivery: emailDelivery(),
            smsDelivery: smsDelivery(),
        }),
        Session.init(),
    ],
});

const app = express();

app.use(
    cors({
        origin: WEBSITE_DOMAIN,
        credentials: true,
        allowedHeaders: ["content-type", ...supertokens.getAllCORSHeaders()],
        exposedHeaders: ["front-token", "anti-csrf", "st-access-token", "st-refresh-token"],
        methods: ["GET", "PUT", "POST", "DELETE", "OPTIONS"],
    }),
);

app.use(middleware());

app.get("/sessioninfo", verifySession(), (req, res) => {
    const session = req.session;
    res.json({
        userId: session.getUserId(),
        sessionHandle: session.getHandle(),
        accessTokenPayload: session.getAccessTokenPayload(),
    });
});

app.use(errorHandler());
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
    console.error("reference-backend: unhandled error", err);
    res.status(500).json({ message: "internal error" });
});

const server = app.listen(PORT, "127.0.0.1", () => {
    console.log(`reference-backend listening on 127.0.0.1:${PORT} (apiDomain ${API_DOMAIN}, websiteDomain ${WEBSITE_DOMAIN})`);
});
server.on("error", (err) => {
    console.error("reference-backend: cannot listen:", err.message);
    process.exit(1);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
        server.close(() => process.exit(0));
        if (typeof server.closeAllConnections === "function") server.closeAllConnections();
        setTimeout(() => process.exit(0), 2000).unref();
    });
}
