"use strict";
// Reference app backend for the browser end-to-end harness: the official
// supertokens-node SDK (express) on top of the core under test. It implements
// the app contract in ../README.md exactly like the Rust example apps must:
//
//   env PORT, SUPERTOKENS_CONNECTION_URI, SUPERTOKENS_API_KEY, API_DOMAIN, WEBSITE_DOMAIN
//   FDI under /auth (emailpassword + session), protected GET /sessioninfo,
//   CORS for WEBSITE_DOMAIN with credentials and the SuperTokens headers.
//
// Run standalone: PORT=3001 SUPERTOKENS_CONNECTION_URI=http://127.0.0.1:3567 \
//   API_DOMAIN=http://localhost:3001 WEBSITE_DOMAIN=http://localhost:3000 node reference-backend/server.js

const express = require("express");
const cors = require("cors");
const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
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

supertokens.init({
    framework: "express",
    supertokens: { connectionURI: CONNECTION_URI, apiKey: API_KEY },
    appInfo: {
        appName: "supertokens-rs browser e2e reference",
        apiDomain: API_DOMAIN,
        websiteDomain: WEBSITE_DOMAIN,
        apiBasePath: "/auth",
        websiteBasePath: "/auth",
    },
    telemetry: false,
    // Defaults everywhere: the transfer method comes from the frontend's st-auth-mode header.
    recipeList: [EmailPassword.init(), Session.init()],
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
