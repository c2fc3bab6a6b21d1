"use strict";
// A minimal express backend that uses the official supertokens-node SDK exactly
// the way an application would, pointed at the core under test.
//
// supertokens.init() is process-global, so createApp() must be called at most
// once per process: each backend (SQLite, PostgreSQL) runs in its own test file,
// which node's test runner executes in its own process.

const express = require("express");
const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
const Passwordless = require("supertokens-node/recipe/passwordless");
const EmailVerification = require("supertokens-node/recipe/emailverification");
const UserMetadata = require("supertokens-node/recipe/usermetadata");
const UserRoles = require("supertokens-node/recipe/userroles");
const { middleware, errorHandler } = require("supertokens-node/framework/express");
const { verifySession } = require("supertokens-node/recipe/session/framework/express");

const WEBSITE_DOMAIN = "http://127.0.0.1:3000";
const API_BASE_PATH = "/auth";

/**
 * Every password-reset email the SDK wanted to send, in order:
 * { email, userId, tenantId, passwordResetLink }. Nothing is ever mailed.
 */
const passwordResetEmails = [];

/**
 * Every passwordless email / SMS the SDK wanted to send, in order:
 * { to, userInputCode, urlWithLinkCode, codeLifetime, preAuthSessionId, tenantId }.
 */
const passwordlessEmails = [];
const passwordlessSms = [];

/**
 * Every email-verification email the SDK wanted to send, in order:
 * { email, userId, recipeUserId, tenantId, emailVerifyLink }.
 */
const emailVerificationEmails = [];

let initialised = false;

/**
 * @param {{connectionURI: string, apiKey: string, port: number}} opts
 * @returns {import("express").Express}
 */
function createApp({ connectionURI, apiKey, port }) {
    if (initialised) {
        throw new Error("createApp() called twice in one process: supertokens.init is process-global");
    }
    initialised = true;

    supertokens.init({
        framework: "express",
        supertokens: { connectionURI, apiKey },
        appInfo: {
            appName: "supertokens-rs node-compat",
            apiDomain: `http://127.0.0.1:${port}`,
            websiteDomain: WEBSITE_DOMAIN,
            apiBasePath: API_BASE_PATH,
        },
        // No outbound calls to anything but the core under test.
        telemetry: false,
        recipeList: [
            EmailPassword.init({
                emailDelivery: {
                    override: (originalImplementation) => ({
                        ...originalImplementation,
                        sendEmail: async (input) => {
                            passwordResetEmails.push({
                                email: input.user.email,
                                userId: input.user.id,
                                tenantId: input.tenantId,
                                passwordResetLink: input.passwordResetLink,
                            });
                        },
                    }),
                },
            }),
            Passwordless.init({
                contactMethod: "EMAIL_OR_PHONE",
                flowType: "USER_INPUT_CODE_AND_MAGIC_LINK",
                emailDelivery: {
                    override: (originalImplementation) => ({
                        ...originalImplementation,
                        sendEmail: async (input) => {
                            passwordlessEmails.push({
                                to: input.email,
                                userInputCode: input.userInputCode,
                                urlWithLinkCode: input.urlWithLinkCode,
                                codeLifetime: input.codeLifetime,
                                preAuthSessionId: input.preAuthSessionId,
                                tenantId: input.tenantId,
                            });
                        },
                    }),
                },
                smsDelivery: {
                    override: (originalImplementation) => ({
                        ...originalImplementation,
                        sendSms: async (input) => {
                            passwordlessSms.push({
                                to: input.phoneNumber,
                                userInputCode: input.userInputCode,
                                urlWithLinkCode: input.urlWithLinkCode,
                                codeLifetime: input.codeLifetime,
                                preAuthSessionId: input.preAuthSessionId,
                                tenantId: input.tenantId,
                            });
                        },
                    }),
                },
            }),
            // REQUIRED: node adds the `st-ev` claim to every new session and a global
            // validator that answers 403 "invalid claim" for an unverified email.
            EmailVerification.init({
                mode: "REQUIRED",
                emailDelivery: {
                    override: (originalImplementation) => ({
                        ...originalImplementation,
                        sendEmail: async (input) => {
                            emailVerificationEmails.push({
                                email: input.user.email,
                                userId: input.user.id,
                                recipeUserId: input.user.recipeUserId.getAsString(),
                                tenantId: input.tenantId,
                                emailVerifyLink: input.emailVerifyLink,
                            });
                        },
                    }),
                },
            }),
            UserMetadata.init(),
            // Adds the `st-role` and `st-perm` claims to every new session.
            UserRoles.init(),
            // No getTokenTransferMethod override: the request's `st-auth-mode`
            // header decides (the harness always sends `header`).
            Session.init(),
        ],
    });

    const app = express();
    app.use(middleware());

    const sessionInfo = (req, res) => {
        const session = req.session;
        res.json({
            userId: session.getUserId(),
            recipeUserId: session.getRecipeUserId().getAsString(),
            sessionHandle: session.getHandle(),
            tenantId: session.getTenantId(),
            accessTokenPayload: session.getAccessTokenPayload(),
        });
    };
    // Any session, verified email or not (the session steps use users whose email is unverified).
    app.get("/sessioninfo", verifySession({ overrideGlobalClaimValidators: () => [] }), sessionInfo);
    // The global claim validators apply: an unverified email → 403 invalid claim (`st-ev`).
    app.get("/sessioninfo/verified", verifySession(), sessionInfo);

    app.use(errorHandler());
    // Anything the SDK did not handle: make it visible to the test as JSON.
    // eslint-disable-next-line no-unused-vars
    app.use((err, req, res, next) => {
        res.status(500).json({ message: "unhandled error in app", error: String((err && err.stack) || err) });
    });
    return app;
}

/**
 * Create the app and listen on 127.0.0.1:port.
 * @returns {Promise<{server: import("http").Server, baseUrl: string, close: () => Promise<void>}>}
 */
function startApp({ connectionURI, apiKey, port }) {
    const app = createApp({ connectionURI, apiKey, port });
    return new Promise((resolve, reject) => {
        const server = app.listen(port, "127.0.0.1");
        server.once("error", reject);
        server.once("listening", () => {
            resolve({
                server,
                baseUrl: `http://127.0.0.1:${port}`,
                close: () =>
                    new Promise((res) => {
                        server.close(() => res());
                        if (typeof server.closeAllConnections === "function") server.closeAllConnections();
                    }),
            });
        });
    });
}

module.exports = {
    createApp,
    startApp,
    passwordResetEmails,
    passwordlessEmails,
    passwordlessSms,
    emailVerificationEmails,
    WEBSITE_DOMAIN,
    API_BASE_PATH,
};
