"use strict";
// Reference app backend for the browser end-to-end harness: the official
// supertokens-node SDK (express) on top of the core under test. It implements
// the app contract in ../README.md exactly like the Rust example apps must:
//
//   env PORT, SUPERTOKENS_CONNECTION_URI, SUPERTOKENS_API_KEY, API_DOMAIN, WEBSITE_DOMAIN
//   FDI under /auth (emailpassword + passwordless + emailverification + session; plus the
//   usermetadata and userroles recipes), protected GET /sessioninfo (a verified email with
//   EMAIL_VERIFICATION=required, the default), GET /admin (the "admin" role),
//   POST /refresh-claims, GET/PUT /metadata, CORS for WEBSITE_DOMAIN with credentials and
//   the SuperTokens headers.
//
// Passwordless (EMAIL_OR_PHONE, USER_INPUT_CODE_AND_MAGIC_LINK) delivers like the Rust
// example apps: emails through SMTP_HOST/SMTP_PORT (node's own SMTP service and
// template), text messages through the Twilio-shaped gateway at SMS_GATEWAY_URL
// (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM). Without them, codes go to the console.
// Email verification links go through the same SMTP server (node's template).
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
const EmailVerification = require("supertokens-node/recipe/emailverification");
const { SMTPService: EmailVerificationSMTPService } = require("supertokens-node/recipe/emailverification/emaildelivery");
const UserMetadata = require("supertokens-node/recipe/usermetadata");
const UserRoles = require("supertokens-node/recipe/userroles");
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
const EMAIL_VERIFICATION = (process.env.EMAIL_VERIFICATION || "required").trim().toLowerCase();
if (!["required", "optional", "off"].includes(EMAIL_VERIFICATION)) {
    console.error(`reference-backend: EMAIL_VERIFICATION must be required, optional or off, not ${JSON.stringify(EMAIL_VERIFICATION)}`);
    process.exit(2);
}
const MAX_METADATA_UPDATE_BYTES = 16 * 1024;

/** node's SMTP settings from SMTP_*. */
function smtpSettings() {
    return {
        host: process.env.SMTP_HOST,
        port: Number(process.env.SMTP_PORT || 587),
        secure: process.env.SMTP_SECURITY === "tls",
        from: { name: "supertokens-rs browser e2e reference", email: process.env.SMTP_FROM || "no-reply@example.com" },
        // node's SMTP service always logs in; the test server accepts any login.
        authUsername: process.env.SMTP_USER,
        password: process.env.SMTP_PASSWORD || "unused",
    };
}

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
    return { service: new SMTPService({ smtpSettings: smtpSettings() }) };
}

/** Verification emails: the same SMTP server, node's email verification template. */
function emailVerificationDelivery() {
    if (!process.env.SMTP_HOST) {
        return {
            service: {
                sendEmail: async (input) => {
                    console.log(`reference-backend: email verification link for ${input.user.email}: ${input.emailVerifyLink}`);
                },
            },
        };
    }
    return { service: new EmailVerificationSMTPService({ smtpSettings: smtpSettings() }) };
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
        ...(EMAIL_VERIFICATION === "off"
            ? []
            : [EmailVerification.init({ mode: EMAIL_VERIFICATION.toUpperCase(), emailDelivery: emailVerificationDelivery() })]),
        UserMetadata.init(),
        UserRoles.init(),
        Session.init(),
    ],
});

/** Express 4 does not catch rejected promises: pass them to the error handlers. */
const handle = (fn) => (req, res, next) => Promise.resolve(fn(req, res)).catch(next);


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

// Only for sessions whose st-role claim includes "admin" (plus the global validators: st-ev).
app.get(
    "/admin",
    verifySession({
        overrideGlobalClaimValidators: async (globalValidators) => [...globalValidators, UserRoles.UserRoleClaim.validators.includes("admin")],
    }),
    handle(async (req, res) => {
        const session = req.session;
        res.json({
            userId: session.getUserId(),
            roles: (await session.getClaimValue(UserRoles.UserRoleClaim)) || [],
            permissions: (await session.getClaimValue(UserRoles.PermissionClaim)) || [],
        });
    }),
);

// Fetches the session's roles and permissions again (after they changed).
app.post(
    "/refresh-claims",
    verifySession(),
    handle(async (req, res) => {
        const session = req.session;
        await session.fetchAndSetClaim(UserRoles.UserRoleClaim);
        await session.fetchAndSetClaim(UserRoles.PermissionClaim);
        res.json({
            roles: (await session.getClaimValue(UserRoles.UserRoleClaim)) || [],
            permissions: (await session.getClaimValue(UserRoles.PermissionClaim)) || [],
        });
    }),
);

app.get(
    "/metadata",
    verifySession(),
    handle(async (req, res) => {
        const { metadata } = await UserMetadata.getUserMetadata(req.session.getUserId());
        res.json({ metadata });
    }),
);

app.put(
    "/metadata",
    verifySession(),
    express.text({ type: () => true, limit: MAX_METADATA_UPDATE_BYTES * 4 }),
    handle(async (req, res) => {
        const text = typeof req.body === "string" ? req.body : "";
        let update;
        try {
            update = Buffer.byteLength(text) <= MAX_METADATA_UPDATE_BYTES ? JSON.parse(text) : undefined;
        } catch {
            update = undefined;
        }
        if (update === null || typeof update !== "object" || Array.isArray(update)) {
            res.status(400).json({ message: "the body must be a JSON object of the keys to set (at most 16384 bytes)" });
            return;
        }
        const { metadata } = await UserMetadata.updateUserMetadata(req.session.getUserId(), update);
        res.json({ metadata });
    }),
);

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
