// The website's script: the official frontend SDKs, bundled by esbuild into an
// IIFE (build/page.js) that exposes window.e2e for the Playwright-driven scenario.
// Every function returns plain JSON-serialisable values so page.evaluate can carry them.

import SuperTokens from "supertokens-web-js";
import Session from "supertokens-web-js/recipe/session";
import EmailPassword from "supertokens-web-js/recipe/emailpassword";
import Passwordless from "supertokens-web-js/recipe/passwordless";
// The session interceptor web-js installs is supertokens-website's; importing it
// directly (the same deduplicated module) lets the scenario cross-check its view.
import SuperTokensWebsite from "supertokens-website";
import webJsPackage from "supertokens-web-js/package.json";
import websitePackage from "supertokens-website/package.json";

let config = null;

function requireInit() {
    if (!config) throw new Error("window.e2e.init() was not called");
    return config;
}

/** Summarise an SDK response without the raw fetch Response (not serialisable). */
function summarise(res) {
    const out = { status: res.status };
    if (res.user) {
        out.user = {
            id: res.user.id,
            emails: res.user.emails,
            phoneNumbers: res.user.phoneNumbers,
            loginMethods: (res.user.loginMethods || []).map((m) => ({
                recipeId: m.recipeId,
                recipeUserId: m.recipeUserId && typeof m.recipeUserId.getAsString === "function" ? m.recipeUserId.getAsString() : m.recipeUserId,
                email: m.email,
                phoneNumber: m.phoneNumber,
            })),
        };
    }
    for (const key of ["formFields", "deviceId", "preAuthSessionId", "flowType", "createdNewRecipeUser", "failedCodeInputAttemptCount", "maximumCodeInputAttempts"]) {
        if (res[key] !== undefined) out[key] = res[key];
    }
    if (res.reason) out.reason = res.reason;
    if (res.message) out.message = res.message;
    return out;
}

window.e2e = {
    sdkVersions: {
        "supertokens-web-js": webJsPackage.version,
        "supertokens-website": websitePackage.version,
    },

    /** @param {{apiDomain: string, tokenTransferMethod: "cookie" | "header"}} opts */
    init({ apiDomain, tokenTransferMethod }) {
        if (config) throw new Error("already initialised");
        config = { apiDomain, tokenTransferMethod };
        SuperTokens.init({
            appInfo: { appName: "supertokens-rs browser e2e", apiDomain, apiBasePath: "/auth" },
            recipeList: [EmailPassword.init(), Passwordless.init(), Session.init({ tokenTransferMethod })],
        });
        return true;
    },

    async signUp(email, password) {
        requireInit();
        return summarise(
            await EmailPassword.signUp({
                formFields: [
                    { id: "email", value: email },
                    { id: "password", value: password },
                ],
            }),
        );
    },

    async signIn(email, password) {
        requireInit();
        return summarise(
            await EmailPassword.signIn({
                formFields: [
                    { id: "email", value: email },
                    { id: "password", value: password },
                ],
            }),
        );
    },

    /** Passwordless.createCode with {email} or {phoneNumber}; web-js keeps the attempt (deviceId, preAuthSessionId). */
    async createCode(input) {
        requireInit();
        return summarise(await Passwordless.createCode(input));
    },

    async resendCode() {
        requireInit();
        return summarise(await Passwordless.resendCode());
    },

    /** With a code: the typed-code flow. Without: the magic-link flow (link code and preAuthSessionId from the URL). */
    async consumeCode(userInputCode) {
        requireInit();
        return summarise(await (userInputCode === undefined ? Passwordless.consumeCode() : Passwordless.consumeCode({ userInputCode })));
    },

    /** What web-js reads from a magic link's URL. */
    linkFromURL() {
        requireInit();
        return {
            linkCode: Passwordless.getLinkCodeFromURL(),
            preAuthSessionId: Passwordless.getPreAuthSessionIdFromURL(),
            tenantId: Passwordless.getTenantIdFromURL() ?? null,
        };
    },

    async signOut() {
        requireInit();
        await Session.signOut();
        return true;
    },

    async doesSessionExist() {
        requireInit();
        return Session.doesSessionExist();
    },

    /** The interceptor's own answer (supertokens-website), for cross-checking web-js. */
    async websiteDoesSessionExist() {
        requireInit();
        return SuperTokensWebsite.doesSessionExist();
    },

    async getUserId() {
        requireInit();
        return Session.getUserId();
    },

    async getAccessTokenPayload() {
        requireInit();
        return Session.getAccessTokenPayloadSecurely();
    },

    /**
     * A plain window.fetch to API_DOMAIN/sessioninfo: the SDK's interceptor adds the
     * session (cookies need credentials: "include" cross-origin; headers mode adds
     * Authorization itself) and refreshes on 401 transparently.
     */
    async fetchSessionInfo() {
        const { apiDomain, tokenTransferMethod } = requireInit();
        const init = { method: "GET" };
        if (tokenTransferMethod === "cookie") init.credentials = "include";
        const res = await fetch(`${apiDomain}/sessioninfo`, init);
        const text = await res.text();
        let body = null;
        try {
            body = text === "" ? null : JSON.parse(text);
        } catch {
            body = { unparsable: text.slice(0, 500) };
        }
        return { status: res.status, body };
    },
};
