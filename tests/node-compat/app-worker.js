"use strict";
// One more express backend with the official supertokens-node SDK, in a process of its own,
// for the multitenancy steps: `supertokens.init` is process-global and takes one connection
// URI, so each app of the core (`<core>/appid-<app>`) gets its own node process, as it would
// in production. Started and stopped by lib/worker.js.
//
// It serves the FDI (EmailPassword, Passwordless, Session; Multitenancy is initialised by
// node itself), `GET /sessioninfo` behind verifySession(), and `POST /rpc`, through which the
// test calls the SDK's functions in this process: `{"fn": "<name>", "args": [...]}` →
// 200 `{"result": …}` or 500 `{"error": "<message>"}` (the message node threw, e.g. the
// core's answer to a call for an app that no longer exists).
//
// Environment: WORKER_CONNECTION_URI, WORKER_API_KEY, WORKER_PORT. Prints `READY <port>`
// once it listens.

const express = require("express");
const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
const Passwordless = require("supertokens-node/recipe/passwordless");
const Multitenancy = require("supertokens-node/recipe/multitenancy");
const { middleware, errorHandler } = require("supertokens-node/framework/express");
const { verifySession } = require("supertokens-node/recipe/session/framework/express");

const connectionURI = process.env.WORKER_CONNECTION_URI;
const apiKey = process.env.WORKER_API_KEY;
const port = Number(process.env.WORKER_PORT);
if (!connectionURI || !apiKey || !port) {
    process.stderr.write("app-worker: WORKER_CONNECTION_URI, WORKER_API_KEY and WORKER_PORT are required\n");
    process.exit(2);
}

/** Messages node wanted to send (nothing is ever sent): { to, userInputCode, tenantId }. */
const passwordlessEmails = [];

supertokens.init({
    framework: "express",
    supertokens: { connectionURI, apiKey },
    appInfo: {
        appName: "supertokens-rs node-compat (app worker)",
        apiDomain: `http://127.0.0.1:${port}`,
        websiteDomain: "http://127.0.0.1:3000",
        apiBasePath: "/auth",
    },
    telemetry: false,
    recipeList: [
        EmailPassword.init({
            emailDelivery: {
                override: (original) => ({ ...original, sendEmail: async () => {} }),
            },
        }),
        Passwordless.init({
            contactMethod: "EMAIL",
            flowType: "USER_INPUT_CODE",
            emailDelivery: {
                override: (original) => ({
                    ...original,
                    sendEmail: async (input) => {
                        passwordlessEmails.push({ to: input.email, userInputCode: input.userInputCode, tenantId: input.tenantId });
                    },
                }),
            },
        }),
        Session.init(),
    ],
});

/** A user (or undefined) as plain JSON: node's User class knows its wire shape. */
const userJson = (user) => (user === undefined ? null : user.toJson());

/** The SDK functions the test may call, by name. */
const functions = {
    createOrUpdateTenant: (tenantId, config) => Multitenancy.createOrUpdateTenant(tenantId, config),
    getTenant: async (tenantId) => (await Multitenancy.getTenant(tenantId)) ?? null,
    listAllTenants: () => Multitenancy.listAllTenants(),
    deleteTenant: (tenantId) => Multitenancy.deleteTenant(tenantId),
    associateUserToTenant: (tenantId, recipeUserId) =>
        Multitenancy.associateUserToTenant(tenantId, supertokens.convertToRecipeUserId(recipeUserId)),
    disassociateUserFromTenant: (tenantId, recipeUserId) =>
        Multitenancy.disassociateUserFromTenant(tenantId, supertokens.convertToRecipeUserId(recipeUserId)),
    getUser: async (userId) => userJson(await supertokens.getUser(userId)),
    listUsersByAccountInfo: async (tenantId, accountInfo) =>
        (await supertokens.listUsersByAccountInfo(tenantId, accountInfo)).map(userJson),
    getUsersNewestFirst: async (tenantId) => {
        const page = await supertokens.getUsersNewestFirst({ tenantId });
        return { users: page.users.map(userJson), nextPaginationToken: page.nextPaginationToken };
    },
    emailPasswordSignUp: async (tenantId, email, password) => {
        const res = await EmailPassword.signUp(tenantId, email, password);
        return res.status === "OK" ? { status: "OK", user: userJson(res.user) } : res;
    },
    passwordlessEmails: () => passwordlessEmails,
};

const app = express();
app.use(middleware());
app.get("/sessioninfo", verifySession(), (req, res) => {
    res.json({
        userId: req.session.getUserId(),
        tenantId: req.session.getTenantId(),
        accessTokenPayload: req.session.getAccessTokenPayload(),
    });
});
app.post("/rpc", express.json(), async (req, res) => {
    const { fn, args = [] } = req.body || {};
    const impl = Object.prototype.hasOwnProperty.call(functions, fn) ? functions[fn] : undefined;
    if (impl === undefined) {
        res.status(400).json({ error: `unknown function ${JSON.stringify(fn)}` });
        return;
    }
    try {
        res.json({ result: (await impl(...args)) ?? null });
    } catch (err) {
        res.status(500).json({ error: String((err && err.message) || err) });
    }
});
app.use(errorHandler());
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
    res.status(500).json({ message: "unhandled error in app", error: String((err && err.message) || err) });
});

const server = app.listen(port, "127.0.0.1", () => {
    process.stdout.write(`READY ${port}\n`);
});
server.on("error", (err) => {
    process.stderr.write(`app-worker: cannot listen on ${port}: ${err.message}\n`);
    process.exit(1);
});
// The parent stops this process with SIGTERM.
process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    if (typeof server.closeAllConnections === "function") server.closeAllConnections();
});
