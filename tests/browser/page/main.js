// The website's script: the official frontend SDKs, bundled by esbuild into an
// IIFE (build/page.js) that exposes window.e2e for the Playwright-driven scenario.
// Every function returns plain JSON-serialisable values so page.evaluate can carry them.

import SuperTokens from "supertokens-web-js";
import Session from "supertokens-web-js/recipe/session";
import EmailPassword from "supertokens-web-js/recipe/emailpassword";
import Passwordless from "supertokens-web-js/recipe/passwordless";
import EmailVerification from "supertokens-web-js/recipe/emailverification";
import { UserRoleClaim, PermissionClaim } from "supertokens-web-js/recipe/userroles";
// The session interceptor web-js installs is supertokens-website's; importing it
// directly (the same deduplicated module) lets the scenario cross-check its view.
import SuperTokensWebsite from "supertokens-website";
import webJsPackage from "supertokens-web-js/package.json";
import websitePackage from "supertokens-website/package.json";

let config = null;
// Session events the SDK reported (onHandleEvent), e.g. API_INVALID_CLAIM with the
// claimValidationErrors of a 403 the interceptor saw.
const events = [];
// The frontend's view of the backend's session claims, by key.
const CLAIMS = { "st-ev": EmailVerification.EmailVerificationClaim, "st-role": UserRoleClaim, "st-perm": PermissionClaim };

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
            recipeList: [
                EmailPassword.init(),
                Passwordless.init(),
                EmailVerification.init(),
                Session.init({
                    tokenTransferMethod,
                    onHandleEvent: (event) => {
                        const recorded = { action: event.action };
                        if (event.claimValidationErrors) recorded.claimValidationErrors = event.claimValidationErrors;
                        events.push(recorded);
                    },
                }),
            ],
        });
        return true;
    },

    /** The session events recorded from index `from` on. */
    events(from = 0) {
        return events.slice(from);
    },

    eventCount() {
        return events.length;
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

    // ---- email verification (web-js EmailVerification recipe) ----

    async sendVerificationEmail() {
        requireInit();
        return summarise(await EmailVerification.sendVerificationEmail());
    },

    /** Reads the token (and tenant) from the page's URL, as on the verify-email page. */
    async verifyEmail() {
        requireInit();
        return summarise(await EmailVerification.verifyEmail());
    },

    async isEmailVerified() {
        requireInit();
        const res = await EmailVerification.isEmailVerified();
        return { status: res.status, isVerified: res.isVerified };
    },

    /** What web-js reads from a verification link's URL. */
    verificationFromURL() {
        requireInit();
        return {
            token: EmailVerification.getEmailVerificationTokenFromURL(),
            tenantId: EmailVerification.getTenantIdFromURL() ?? null,
        };
    },

    // ---- session claims ----

    /** A claim's value as the frontend reads it from the access token payload ("st-ev", "st-role", "st-perm"). */
    async getClaimValue(key) {
        requireInit();
        const claim = CLAIMS[key];
        if (!claim) throw new Error(`unknown claim ${key}`);
        const value = await Session.getClaimValue({ claim });
        return value === undefined ? null : value;
    },

    /** The frontend's own claim check (its global validators: st-ev with EmailVerification). */
    async validateClaims() {
        requireInit();
        return (await Session.validateClaims()).map((e) => ({ id: e.id, reason: e.reason }));
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
        return window.e2e.fetchApi("/sessioninfo");
    },

    /**
     * A plain window.fetch to API_DOMAIN + path through the interceptor, with an optional
     * JSON body (a string is sent as it is). A 403 also carries what web-js reads from it
     * (Session.getInvalidClaimsFromResponse).
     */
    async fetchApi(path, { method = "GET", body } = {}) {
        const { apiDomain, tokenTransferMethod } = requireInit();
        const init = { method };
        if (tokenTransferMethod === "cookie") init.credentials = "include";
        if (body !== undefined) {
            init.headers = { "content-type": "application/json" };
            init.body = typeof body === "string" ? body : JSON.stringify(body);
        }
        const res = await fetch(`${apiDomain}${path}`, init);
        const out = { status: res.status, body: null };
        if (res.status === 403) out.invalidClaims = (await Session.getInvalidClaimsFromResponse({ response: res })) ?? null;
        const text = await res.text();
        try {
            out.body = text === "" ? null : JSON.parse(text);
        } catch {
            out.body = { unparsable: text.slice(0, 500) };
        }
        return out;
    },
};
