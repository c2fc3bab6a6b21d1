"use strict";
// The compatibility scenario: a header-mode frontend talking to an express app
// that runs the official supertokens-node SDK, which talks to the core under test.
// Shared by every backend's test file.

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const { request, frontendHeaders, decodeFrontToken, decodeJwt, describe } = require("./http");
const { sleep } = require("./core");
const { passwordResetEmails, passwordlessEmails, passwordlessSms, WEBSITE_DOMAIN, API_BASE_PATH } = require("../app");
const { runEmailVerificationSteps } = require("./scenario-emailverification");
const { runUserMetadataSteps } = require("./scenario-usermetadata");
const { runUserRolesSteps } = require("./scenario-userroles");
const { runMultitenancySteps } = require("./scenario-multitenancy");

const DUPLICATE_EMAIL_ERROR = "This email already exists. Please sign in instead.";

/**
 * Run every step as a subtest of `t`, in order. A step whose prerequisites did
 * not pass is skipped (with the reason) instead of failing in a confusing way.
 *
 * @param {import("node:test").TestContext} t
 * @param {{appBaseUrl: string, core: {url: string, apiKey: string}, accessTokenValidity: number, failures: string[]}} env
 */
async function runScenario(t, env) {
    const app = env.appBaseUrl;
    const passed = new Set();
    const s = {}; // state carried between steps

    const email = `node-compat-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const password = "Passw0rd123";
    const newPassword = "N3wPassw0rd456";

    const step = (id, name, needs, fn) =>
        t.test(`${id}. ${name}`, async (st) => {
            const missing = needs.filter((n) => !passed.has(n));
            if (missing.length) {
                st.skip(`skipped: needs step(s) ${missing.join(", ")}, which did not pass`);
                return;
            }
            try {
                await fn(st);
                passed.add(id);
            } catch (err) {
                env.failures.push(`${id}. ${name}`);
                throw err;
            }
        });

    // ---------- FDI helpers (what supertokens-web-js would send in header mode) ----------
    const formFields = (fields) => ({ formFields: Object.entries(fields).map(([id, value]) => ({ id, value })) });
    const signUp = (em, pw) =>
        request(app, "POST", `${API_BASE_PATH}/signup`, {
            headers: frontendHeaders("emailpassword"),
            body: formFields({ email: em, password: pw }),
        });
    const signIn = (em, pw) =>
        request(app, "POST", `${API_BASE_PATH}/signin`, {
            headers: frontendHeaders("emailpassword"),
            body: formFields({ email: em, password: pw }),
        });
    const refresh = (refreshToken) =>
        request(app, "POST", `${API_BASE_PATH}/session/refresh`, {
            headers: frontendHeaders("session"),
            bearer: refreshToken,
        });
    const sessionInfo = (accessToken) =>
        request(app, "GET", "/sessioninfo", { headers: frontendHeaders(), bearer: accessToken });
    const signOut = (accessToken) =>
        request(app, "POST", `${API_BASE_PATH}/signout`, { headers: frontendHeaders("session"), bearer: accessToken });

    /** Assert a response created a session in header mode; return its tokens, decoded. */
    function expectNewSession(res, what, userId) {
        const at = res.headers.get("st-access-token");
        const rt = res.headers.get("st-refresh-token");
        const ft = res.headers.get("front-token");
        assert.ok(at, `${what}: st-access-token response header missing — ${describe(res)}`);
        assert.ok(rt, `${what}: st-refresh-token response header missing — ${describe(res)}`);
        assert.ok(ft && ft !== "remove", `${what}: front-token response header missing — ${describe(res)}`);
        const jwt = decodeJwt(at);
        const front = decodeFrontToken(ft);
        assert.equal(jwt.header.typ, "JWT", `${what}: access token header typ`);
        assert.equal(jwt.header.version, "5", `${what}: access token header must carry version "5" (CDI ≥ 4.0)`);
        assert.equal(jwt.header.alg, "RS256", `${what}: access token alg`);
        assert.ok(
            typeof jwt.header.kid === "string" && jwt.header.kid.startsWith("d-"),
            `${what}: access token kid must be a dynamic key ("d-…"), got ${JSON.stringify(jwt.header.kid)}`,
        );
        for (const claim of ["sub", "rsub", "sessionHandle", "refreshTokenHash1", "tId"]) {
            assert.equal(typeof jwt.payload[claim], "string", `${what}: access token claim ${claim} must be a string`);
        }
        assert.equal(typeof jwt.payload.exp, "number", `${what}: access token exp must be a number`);
        assert.equal(typeof jwt.payload.iat, "number", `${what}: access token iat must be a number`);
        if (userId !== undefined) {
            assert.equal(jwt.payload.sub, userId, `${what}: access token sub must be the user id`);
            assert.equal(front.uid, userId, `${what}: front-token uid must be the user id`);
        }
        assert.equal(front.uid, jwt.payload.sub, `${what}: front-token uid must equal the access token sub`);
        assert.equal(typeof front.ate, "number", `${what}: front-token ate must be a number (epoch ms)`);
        assert.equal(front.ate, jwt.payload.exp * 1000, `${what}: front-token ate must be the access token exp in ms`);
        assert.equal(typeof front.up, "object", `${what}: front-token up must be the access token payload`);
        assert.equal(front.up.sessionHandle, jwt.payload.sessionHandle, `${what}: front-token up.sessionHandle`);
        return { accessToken: at, refreshToken: rt, frontToken: front, jwt };
    }

    function expectNoNewSession(res, what) {
        assert.equal(res.headers.get("st-access-token"), null, `${what}: must not set st-access-token — ${describe(res)}`);
        assert.equal(res.headers.get("st-refresh-token"), null, `${what}: must not set st-refresh-token — ${describe(res)}`);
    }

    function expect401(res, message, what) {
        assert.equal(res.status, 401, `${what}: expected HTTP 401 — ${describe(res)}`);
        assert.deepEqual(res.json, { message }, `${what}: expected body {"message":"${message}"} — ${describe(res)}`);
    }

    // ---------- 0. plain CDI checks against the core ----------
    await step("0", "core: GET /apiversion with the API key lists 5.4; without it → 401", [], async () => {
        const core = env.core.url;
        const ok = await request(core, "GET", "/apiversion", { headers: { "api-key": env.core.apiKey } });
        assert.equal(ok.status, 200, `GET /apiversion with api-key: ${describe(ok)}`);
        assert.ok(ok.json && Array.isArray(ok.json.versions), `GET /apiversion must return {"versions":[…]}: ${ok.text}`);
        assert.ok(ok.json.versions.includes("5.4"), `GET /apiversion must advertise "5.4" (supertokens-node 24): ${ok.text}`);

        const noKey = await request(core, "GET", "/apiversion");
        assert.equal(noKey.status, 401, `GET /apiversion without api-key must be 401: HTTP ${noKey.status} ${noKey.text}`);

        const wrongKey = await request(core, "GET", "/apiversion", { headers: { "api-key": "wrong-key-wrong-key-wrong" } });
        assert.equal(wrongKey.status, 401, `GET /apiversion with a wrong api-key must be 401: HTTP ${wrongKey.status} ${wrongKey.text}`);
    });

    // ---------- a. sign-up ----------
    await step("a", "sign-up creates the user and a header-mode session", [], async () => {
        const res = await signUp(email, password);
        assert.equal(res.status, 200, `sign-up: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `sign-up status: ${describe(res)}`);
        const user = res.json.user;
        assert.ok(user && typeof user.id === "string", `sign-up: response must contain user.id: ${res.text}`);
        assert.ok(Array.isArray(user.emails) && user.emails.includes(email), `sign-up: user.emails must contain ${email}: ${res.text}`);
        assert.ok(
            Array.isArray(user.loginMethods) &&
                user.loginMethods.some((m) => m.recipeId === "emailpassword" && m.email === email),
            `sign-up: user.loginMethods must contain the emailpassword login method: ${res.text}`,
        );
        s.userId = user.id;
        s.signUp = expectNewSession(res, "sign-up", user.id);
    });

    // ---------- b. duplicate sign-up ----------
    await step("b", "duplicate sign-up → FIELD_ERROR on email", ["a"], async () => {
        const res = await signUp(email, "An0therPassw0rd");
        assert.equal(res.status, 200, `duplicate sign-up: ${describe(res)}`);
        assert.deepEqual(
            res.json,
            { status: "FIELD_ERROR", formFields: [{ id: "email", error: DUPLICATE_EMAIL_ERROR }] },
            `duplicate sign-up body: ${describe(res)}`,
        );
        expectNoNewSession(res, "duplicate sign-up");
    });

    // ---------- c. wrong password ----------
    await step("c", "sign-in with a wrong password → WRONG_CREDENTIALS_ERROR", ["a"], async () => {
        const res = await signIn(email, "wrongPassw0rd");
        assert.equal(res.status, 200, `wrong-password sign-in: ${describe(res)}`);
        assert.deepEqual(res.json, { status: "WRONG_CREDENTIALS_ERROR" }, `wrong-password sign-in body: ${describe(res)}`);
        expectNoNewSession(res, "wrong-password sign-in");
    });

    // ---------- d. sign-in ----------
    await step("d", "sign-in → OK with a new session", ["a"], async () => {
        const res = await signIn(email, password);
        assert.equal(res.status, 200, `sign-in: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `sign-in status: ${describe(res)}`);
        assert.equal(res.json.user && res.json.user.id, s.userId, `sign-in: user.id must be the signed-up user: ${res.text}`);
        s.signIn = expectNewSession(res, "sign-in", s.userId);
        assert.notEqual(s.signIn.accessToken, s.signUp.accessToken, "sign-in must mint a new access token");
        assert.notEqual(s.signIn.refreshToken, s.signUp.refreshToken, "sign-in must mint a new refresh token");
        assert.notEqual(
            s.signIn.jwt.payload.sessionHandle,
            s.signUp.jwt.payload.sessionHandle,
            "sign-in must create a new session (new sessionHandle)",
        );
        assert.ok(
            s.signIn.jwt.payload.parentRefreshTokenHash1 === null ||
                s.signIn.jwt.payload.parentRefreshTokenHash1 === undefined,
            `a new session's access token has no parentRefreshTokenHash1, got ${JSON.stringify(s.signIn.jwt.payload.parentRefreshTokenHash1)}`,
        );
    });

    // ---------- e. protected route ----------
    await step("e", "GET /sessioninfo with the access token → 200", ["d"], async () => {
        const res = await sessionInfo(s.signIn.accessToken);
        assert.equal(res.status, 200, `GET /sessioninfo: ${describe(res)}`);
        assert.equal(res.json.userId, s.userId, `GET /sessioninfo userId: ${res.text}`);
        assert.equal(res.json.sessionHandle, s.signIn.jwt.payload.sessionHandle, `GET /sessioninfo sessionHandle: ${res.text}`);
        assert.equal(res.json.accessTokenPayload.sub, s.userId, `GET /sessioninfo accessTokenPayload.sub: ${res.text}`);
    });

    // ---------- f. access token expiry ----------
    await step("f", "after the access token expires, GET /sessioninfo → 401 try refresh token", ["d"], async () => {
        const expMs = s.signIn.jwt.payload.exp * 1000;
        const waitMs = expMs - Date.now() + 1000;
        const limitMs = (env.accessTokenValidity + 5) * 1000;
        assert.ok(
            waitMs <= limitMs,
            `access token exp is ${Math.round((expMs - Date.now()) / 1000)} s away, but the core was started with ` +
                `SUPERTOKENS_ACCESS_TOKEN_VALIDITY=${env.accessTokenValidity}: is the setting ignored?`,
        );
        if (waitMs > 0) await sleep(waitMs);
        const res = await sessionInfo(s.signIn.accessToken);
        expect401(res, "try refresh token", "GET /sessioninfo with an expired access token");
    });

    // ---------- g. refresh ----------
    await step("g", "POST /auth/session/refresh → new access + refresh tokens", ["d"], async () => {
        const res = await refresh(s.signIn.refreshToken);
        assert.equal(res.status, 200, `refresh: ${describe(res)}`);
        s.refreshed = expectNewSession(res, "refresh", s.userId);
        const p = s.refreshed.jwt.payload;
        assert.notEqual(s.refreshed.accessToken, s.signIn.accessToken, "refresh must mint a new access token");
        assert.notEqual(s.refreshed.refreshToken, s.signIn.refreshToken, "refresh must mint a new refresh token");
        assert.equal(p.sessionHandle, s.signIn.jwt.payload.sessionHandle, "refresh keeps the sessionHandle");
        assert.ok(
            typeof p.parentRefreshTokenHash1 === "string" && p.parentRefreshTokenHash1.length > 0,
            `the refreshed (child) access token must carry parentRefreshTokenHash1, got ${JSON.stringify(p.parentRefreshTokenHash1)}`,
        );
        assert.equal(
            p.parentRefreshTokenHash1,
            s.signIn.jwt.payload.refreshTokenHash1,
            "the child token's parentRefreshTokenHash1 must be the refreshTokenHash1 of the token it was refreshed from",
        );
        assert.notEqual(p.refreshTokenHash1, s.signIn.jwt.payload.refreshTokenHash1, "refreshTokenHash1 must change on refresh");
    });

    // ---------- h. first verify after refresh (promotion) ----------
    await step("h", "first GET /sessioninfo after refresh → 200 and a promoted replacement access token", ["g"], async () => {
        const res = await sessionInfo(s.refreshed.accessToken);
        assert.equal(res.status, 200, `GET /sessioninfo with the refreshed token: ${describe(res)}`);
        assert.equal(res.json.userId, s.userId, `GET /sessioninfo userId: ${res.text}`);
        const replacement = res.headers.get("st-access-token");
        assert.ok(
            replacement,
            "the first verify of a refreshed (child) token must return a replacement st-access-token " +
                `(node calls /recipe/session/verify, the core promotes the token and mints a new one) — ${describe(res)}`,
        );
        assert.notEqual(replacement, s.refreshed.accessToken, "the replacement access token must differ from the one sent");
        const { payload } = decodeJwt(replacement);
        assert.ok(
            payload.parentRefreshTokenHash1 === null || payload.parentRefreshTokenHash1 === undefined,
            `the promoted token must have parentRefreshTokenHash1 null/absent, got ${JSON.stringify(payload.parentRefreshTokenHash1)}`,
        );
        assert.equal(payload.refreshTokenHash1, s.refreshed.jwt.payload.refreshTokenHash1, "promotion keeps refreshTokenHash1");
        assert.equal(payload.sessionHandle, s.refreshed.jwt.payload.sessionHandle, "promotion keeps the sessionHandle");
        assert.equal(payload.sub, s.userId, "promoted token sub");
        const ft = res.headers.get("front-token");
        assert.ok(ft && ft !== "remove", `a new access token must come with a front-token — ${describe(res)}`);
        assert.equal(decodeFrontToken(ft).ate, payload.exp * 1000, "front-token ate must match the promoted token's exp");

        // The promoted token is a normal token now: verified locally, no further replacement.
        const again = await sessionInfo(replacement);
        assert.equal(again.status, 200, `GET /sessioninfo with the promoted token: ${describe(again)}`);
        assert.equal(again.headers.get("st-access-token"), null, `the promoted token must not be replaced again — ${describe(again)}`);
        s.promoted = replacement;
    });

    // ---------- i. token theft ----------
    await step("i", "reusing the first refresh token → 401 token theft detected; session revoked", ["g", "h"], async () => {
        const theft = await refresh(s.signIn.refreshToken);
        expect401(theft, "token theft detected", "refresh with the already-rotated first refresh token");
        const after = await refresh(s.refreshed.refreshToken);
        expect401(after, "unauthorised", "refresh with the latest refresh token after theft detection (session revoked)");
    });

    await step("i2", "sign in again for a fresh session", ["a"], async () => {
        const res = await signIn(email, password);
        assert.equal(res.status, 200, `sign-in: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `sign-in status: ${describe(res)}`);
        s.second = expectNewSession(res, "second sign-in", s.userId);
    });

    // ---------- j. sign-out ----------
    await step("j", "POST /auth/signout → OK; its refresh token is then rejected", ["i2"], async () => {
        const res = await signOut(s.second.accessToken);
        assert.equal(res.status, 200, `sign-out: ${describe(res)}`);
        assert.deepEqual(res.json, { status: "OK" }, `sign-out body: ${describe(res)}`);
        assert.equal(res.headers.get("front-token"), "remove", `sign-out must send front-token: remove — ${describe(res)}`);
        const after = await refresh(s.second.refreshToken);
        expect401(after, "unauthorised", "refresh with the signed-out session's refresh token");
    });

    // ---------- k. password reset ----------
    await step("k", "password reset: token → link → reset; old password rejected, new accepted", ["a"], async () => {
        const before = passwordResetEmails.length;
        const tokRes = await request(app, "POST", `${API_BASE_PATH}/user/password/reset/token`, {
            headers: frontendHeaders("emailpassword"),
            body: formFields({ email }),
        });
        assert.equal(tokRes.status, 200, `reset-token request: ${describe(tokRes)}`);
        assert.deepEqual(tokRes.json, { status: "OK" }, `reset-token request body: ${describe(tokRes)}`);
        assert.equal(passwordResetEmails.length, before + 1, "exactly one password reset email must have been 'sent'");
        const mail = passwordResetEmails[passwordResetEmails.length - 1];
        assert.equal(mail.email, email, "the reset email goes to the user");
        assert.equal(mail.userId, s.userId, "the reset email is for the user");
        const link = new URL(mail.passwordResetLink);
        assert.equal(link.origin + link.pathname, `${WEBSITE_DOMAIN}${API_BASE_PATH}/reset-password`, `reset link: ${link}`);
        const token = link.searchParams.get("token");
        assert.ok(token, `the reset link must carry ?token=…: ${link}`);
        assert.equal(link.searchParams.get("tenantId"), "public", `the reset link must carry tenantId=public: ${link}`);

        const resetBody = { method: "token", token, formFields: [{ id: "password", value: newPassword }] };
        const reset = await request(app, "POST", `${API_BASE_PATH}/user/password/reset`, {
            headers: frontendHeaders("emailpassword"),
            body: resetBody,
        });
        assert.equal(reset.status, 200, `password reset: ${describe(reset)}`);
        assert.equal(reset.json && reset.json.status, "OK", `password reset body: ${describe(reset)}`);

        const reuse = await request(app, "POST", `${API_BASE_PATH}/user/password/reset`, {
            headers: frontendHeaders("emailpassword"),
            body: { ...resetBody, formFields: [{ id: "password", value: "Th1rdPassw0rd" }] },
        });
        assert.equal(reuse.status, 200, `password reset with a used token: ${describe(reuse)}`);
        assert.deepEqual(
            reuse.json,
            { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" },
            `a reset token is single-use: ${describe(reuse)}`,
        );

        const old = await signIn(email, password);
        assert.equal(old.status, 200, `sign-in with the old password: ${describe(old)}`);
        assert.deepEqual(old.json, { status: "WRONG_CREDENTIALS_ERROR" }, `sign-in with the old password: ${describe(old)}`);

        const fresh = await signIn(email, newPassword);
        assert.equal(fresh.status, 200, `sign-in with the new password: ${describe(fresh)}`);
        assert.equal(fresh.json && fresh.json.status, "OK", `sign-in with the new password: ${describe(fresh)}`);
        expectNewSession(fresh, "sign-in with the new password", s.userId);
    });

    await step("k2", "password reset token for an unknown email → OK, and no email is sent", [], async () => {
        const before = passwordResetEmails.length;
        const res = await request(app, "POST", `${API_BASE_PATH}/user/password/reset/token`, {
            headers: frontendHeaders("emailpassword"),
            body: formFields({ email: `nobody-${crypto.randomBytes(4).toString("hex")}@example.com` }),
        });
        assert.equal(res.status, 200, `reset-token request for an unknown email: ${describe(res)}`);
        assert.deepEqual(res.json, { status: "OK" }, `reset-token request for an unknown email (no enumeration): ${describe(res)}`);
        assert.equal(passwordResetEmails.length, before, "no password reset email may be sent for an unknown email");
    });

    // ---------- p. passwordless (official Passwordless recipe of supertokens-node) ----------
    // The core runs with SUPERTOKENS_PASSWORDLESS_CODE_LIFETIME = env.passwordlessCodeLifetimeMs.
    const plEmail = `pl-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const plPhone = `+1415555${String(crypto.randomInt(1000, 9999))}`;
    const createCode = (body) =>
        request(app, "POST", `${API_BASE_PATH}/signinup/code`, { headers: frontendHeaders("passwordless"), body });
    const resendCode = (body) =>
        request(app, "POST", `${API_BASE_PATH}/signinup/code/resend`, { headers: frontendHeaders("passwordless"), body });
    const consumeCode = (body) =>
        request(app, "POST", `${API_BASE_PATH}/signinup/code/consume`, { headers: frontendHeaders("passwordless"), body });
    /** The newest message the SDK wanted to deliver to `to`, after `before` messages in `box`. */
    function delivered(box, before, to, what) {
        const mine = box.slice(before).filter((m) => m.to === to);
        assert.ok(mine.length > 0, `${what}: the SDK must deliver a message to ${to} (box has ${box.length - before} new)`);
        return mine[mine.length - 1];
    }
    /** Create a code for `contact` ({email} or {phoneNumber}); return the device and the delivered message. */
    async function startSignIn(contact, what) {
        const box = contact.email ? passwordlessEmails : passwordlessSms;
        const before = box.length;
        const res = await createCode(contact);
        assert.equal(res.status, 200, `${what}: create code: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `${what}: create code: ${describe(res)}`);
        assert.equal(res.json.flowType, "USER_INPUT_CODE_AND_MAGIC_LINK", `${what}: flowType`);
        assert.equal(typeof res.json.deviceId, "string", `${what}: deviceId`);
        assert.equal(typeof res.json.preAuthSessionId, "string", `${what}: preAuthSessionId`);
        const expectedHash = crypto
            .createHash("sha256")
            .update(Buffer.from(res.json.deviceId, "base64"))
            .digest("base64url");
        assert.equal(res.json.preAuthSessionId, expectedHash, `${what}: preAuthSessionId must be base64url(sha256(deviceId))`);
        const message = delivered(box, before, contact.email || contact.phoneNumber, what);
        assert.match(message.userInputCode, /^[0-9]{6}$/, `${what}: a 6-digit code`);
        assert.equal(message.codeLifetime, env.passwordlessCodeLifetimeMs, `${what}: codeLifetime from the core's config`);
        assert.equal(message.preAuthSessionId, res.json.preAuthSessionId, `${what}: the message is for this device`);
        return { deviceId: res.json.deviceId, preAuthSessionId: res.json.preAuthSessionId, message };
    }
    const wrongCodeFor = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

    await step("p1", "passwordless: create code → OK; wrong code → INCORRECT with counters 1/5", [], async () => {
        s.pl = await startSignIn({ email: plEmail }, "create code");
        const res = await consumeCode({
            preAuthSessionId: s.pl.preAuthSessionId,
            deviceId: s.pl.deviceId,
            userInputCode: wrongCodeFor(s.pl.message.userInputCode),
        });
        assert.equal(res.status, 200, `wrong code: ${describe(res)}`);
        assert.deepEqual(
            res.json,
            { status: "INCORRECT_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 5 },
            `wrong code: ${describe(res)}`,
        );
        expectNoNewSession(res, "wrong code");
    });

    await step("p2", "passwordless: resend adds a code to the same device; the first code still signs up", ["p1"], async () => {
        const before = passwordlessEmails.length;
        const res = await resendCode({ deviceId: s.pl.deviceId, preAuthSessionId: s.pl.preAuthSessionId });
        assert.equal(res.status, 200, `resend: ${describe(res)}`);
        assert.deepEqual(res.json, { status: "OK" }, `resend: ${describe(res)}`);
        const again = delivered(passwordlessEmails, before, plEmail, "resend");
        assert.equal(again.preAuthSessionId, s.pl.preAuthSessionId, "the resent code belongs to the same device");

        const ok = await consumeCode({
            preAuthSessionId: s.pl.preAuthSessionId,
            deviceId: s.pl.deviceId,
            userInputCode: s.pl.message.userInputCode,
        });
        assert.equal(ok.status, 200, `consume: ${describe(ok)}`);
        assert.equal(ok.json && ok.json.status, "OK", `consume: ${describe(ok)}`);
        assert.equal(ok.json.createdNewRecipeUser, true, `a new user: ${describe(ok)}`);
        assert.deepEqual(ok.json.user.emails, [plEmail], "user.emails");
        const method = ok.json.user.loginMethods[0];
        assert.equal(method.recipeId, "passwordless", "login method recipe");
        assert.equal(method.verified, true, "a passwordless email is verified by the sign-in");
        const tokens = expectNewSession(ok, "passwordless sign-up", ok.json.user.id);
        s.plUserId = ok.json.user.id;
        s.plSignUpSession = tokens;

        const info = await sessionInfo(tokens.accessToken);
        assert.equal(info.status, 200, `/sessioninfo with the passwordless session: ${describe(info)}`);
        assert.equal(info.json.userId, s.plUserId, "/sessioninfo userId");

        const reuse = await consumeCode({
            preAuthSessionId: s.pl.preAuthSessionId,
            deviceId: s.pl.deviceId,
            userInputCode: again.userInputCode,
        });
        assert.deepEqual(reuse.json, { status: "RESTART_FLOW_ERROR" }, `a consumed device is gone: ${describe(reuse)}`);
    });

    await step("p3", "passwordless: magic link signs the existing user in (createdNewRecipeUser false)", ["p2"], async () => {
        const started = await startSignIn({ email: plEmail }, "create code (link)");
        const link = new URL(started.message.urlWithLinkCode);
        assert.equal(link.origin + link.pathname, `${WEBSITE_DOMAIN}${API_BASE_PATH}/verify`, `magic link: ${link}`);
        assert.equal(link.searchParams.get("preAuthSessionId"), started.preAuthSessionId, `magic link preAuthSessionId: ${link}`);
        assert.equal(link.searchParams.get("tenantId"), "public", `magic link tenantId: ${link}`);
        const linkCode = link.hash.slice(1);
        assert.ok(linkCode.length > 20, `magic link code in the fragment: ${link}`);
        const res = await consumeCode({ preAuthSessionId: started.preAuthSessionId, linkCode });
        assert.equal(res.status, 200, `consume link: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `consume link: ${describe(res)}`);
        assert.equal(res.json.createdNewRecipeUser, false, "an existing user signs in");
        assert.equal(res.json.user.id, s.plUserId, "the same user");
        expectNewSession(res, "magic link sign-in", s.plUserId);

        const again = await consumeCode({ preAuthSessionId: started.preAuthSessionId, linkCode });
        assert.deepEqual(again.json, { status: "RESTART_FLOW_ERROR" }, `a link works once: ${describe(again)}`);
    });

    await step("p4", "passwordless: an expired code → EXPIRED_USER_INPUT_CODE_ERROR (counts), its link → RESTART_FLOW_ERROR", ["p1"], async () => {
        const started = await startSignIn({ email: plEmail }, "create code (expiry)");
        await sleep(env.passwordlessCodeLifetimeMs + 1200);
        const link = new URL(started.message.urlWithLinkCode);
        const byLink = await consumeCode({ preAuthSessionId: started.preAuthSessionId, linkCode: link.hash.slice(1) });
        assert.deepEqual(byLink.json, { status: "RESTART_FLOW_ERROR" }, `expired link: ${describe(byLink)}`);
        const res = await consumeCode({
            preAuthSessionId: started.preAuthSessionId,
            deviceId: started.deviceId,
            userInputCode: started.message.userInputCode,
        });
        assert.deepEqual(
            res.json,
            { status: "EXPIRED_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 5 },
            `expired code: ${describe(res)}`,
        );
        expectNoNewSession(res, "expired code");
    });

    await step("p5", "passwordless: five wrong codes end the device; the sixth attempt fails even with the right code", ["p1"], async () => {
        const started = await startSignIn({ email: plEmail }, "create code (attempts)");
        const wrong = wrongCodeFor(started.message.userInputCode);
        const body = { preAuthSessionId: started.preAuthSessionId, deviceId: started.deviceId };
        for (let attempt = 1; attempt <= 4; attempt++) {
            const res = await consumeCode({ ...body, userInputCode: wrong });
            assert.deepEqual(
                res.json,
                { status: "INCORRECT_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: attempt, maximumCodeInputAttempts: 5 },
                `wrong attempt ${attempt}: ${describe(res)}`,
            );
        }
        const fifth = await consumeCode({ ...body, userInputCode: wrong });
        assert.deepEqual(fifth.json, { status: "RESTART_FLOW_ERROR" }, `fifth wrong attempt: ${describe(fifth)}`);
        const sixth = await consumeCode({ ...body, userInputCode: started.message.userInputCode });
        assert.deepEqual(sixth.json, { status: "RESTART_FLOW_ERROR" }, `sixth attempt with the right code: ${describe(sixth)}`);
        expectNoNewSession(sixth, "sixth attempt");
    });

    await step("p6", "passwordless: phone sign-up by SMS code; exists checks", [], async () => {
        const started = await startSignIn({ phoneNumber: plPhone }, "create code (phone)");
        const res = await consumeCode({
            preAuthSessionId: started.preAuthSessionId,
            deviceId: started.deviceId,
            userInputCode: started.message.userInputCode,
        });
        assert.equal(res.json && res.json.status, "OK", `consume (phone): ${describe(res)}`);
        assert.equal(res.json.createdNewRecipeUser, true, "a new phone user");
        assert.deepEqual(res.json.user.phoneNumbers, [plPhone], "user.phoneNumbers");
        s.plPhoneSession = expectNewSession(res, "phone sign-up", res.json.user.id);

        const phoneExists = await request(
            app,
            "GET",
            `${API_BASE_PATH}/passwordless/phonenumber/exists?phoneNumber=${encodeURIComponent(plPhone)}`,
            { headers: frontendHeaders("passwordless") },
        );
        assert.deepEqual(phoneExists.json, { status: "OK", exists: true }, `phone exists: ${describe(phoneExists)}`);
        const emailExists = await request(
            app,
            "GET",
            `${API_BASE_PATH}/passwordless/email/exists?email=${encodeURIComponent(plEmail)}`,
            { headers: frontendHeaders("passwordless") },
        );
        assert.deepEqual(emailExists.json, { status: "OK", exists: true }, `email exists: ${describe(emailExists)}`);
        const nobody = await request(
            app,
            "GET",
            `${API_BASE_PATH}/passwordless/email/exists?email=${encodeURIComponent(`nobody-${plEmail}`)}`,
            { headers: frontendHeaders("passwordless") },
        );
        assert.deepEqual(nobody.json, { status: "OK", exists: false }, `unknown email: ${describe(nobody)}`);
    });

    // ---------- ev / m / r. email verification, user metadata, user roles ----------
    const ctx = { env, app, s, step, plEmail, signUp, signIn, sessionInfo, expectNewSession, expectNoNewSession };
    await runEmailVerificationSteps(ctx);
    await runUserMetadataSteps(ctx);
    await runUserRolesSteps(ctx);

    // ---------- mt. apps and tenants ----------
    await runMultitenancySteps(ctx);
}

module.exports = { runScenario };
