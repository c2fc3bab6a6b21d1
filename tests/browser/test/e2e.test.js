"use strict";
// The browser scenario: the official frontend SDKs (supertokens-web-js, whose
// session interceptor is supertokens-website) in headless Chromium against each
// backend of backends.js, in cookie mode and in header mode. One subtest per step;
// a step is skipped when an earlier step of the same mode failed. Steps 0-6 are
// email-password and sessions, with email verification (2a-2c: the link read from a real
// SMTP server and opened in the browser) and roles as session claims (4a-4c: the admin
// route, a role given through the core, the claim refreshed; user metadata); steps 7-11
// passwordless sign-in (codes read from the SMTP server and a Twilio-shaped SMS gateway
// stand-in, magic link opened in the browser).

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { isDeepStrictEqual } = require("node:util");
const { describe, test, before, after } = require("node:test");

const { selectBackends } = require("../backends");
const { startEnvironment, ACCESS_TOKEN_VALIDITY_S } = require("../lib/environment");
const { openBrowser } = require("../lib/browser");
const { sleep } = require("../lib/processes");
const { extractSignIn, extractVerifyLink } = require("../lib/mail");

const MODES = ["cookie", "header"];
const PASSWORD = "Passw0rd-e2e-1";
const STEP_BUDGET_MS = 25_000; // a step's own bound
const STEP_TIMEOUT_MS = 30_000; // node:test's backstop
const SETUP_TIMEOUT_MS = 60_000;
const REFRESH_PATH = "/auth/session/refresh";
const PASSWORDLESS_FLOW_TYPE = "USER_INPUT_CODE_AND_MAGIC_LINK";
const MAX_CODE_INPUT_ATTEMPTS = 5; // the core's default
// What a protected route answers an unverified session (node's reason, word for word).
const EMAIL_NOT_VERIFIED = [{ id: "st-ev", reason: { message: "wrong value", expectedValue: true, actualValue: false } }];
const ADMIN_ROLE = "admin";
const ADMIN_PERMISSIONS = ["users:read", "users:write"];
// Phone numbers typed the way people do; the backend must normalise them to E.164.
const PHONE = { cookie: ["+1 415 555 0100", "+14155550100"], header: ["+1 415 555 0101", "+14155550101"] };

const backends = selectBackends();
if (backends.length === 0) throw new Error("no backend selected: backends.js is empty or BROWSER_E2E_ONLY matched nothing");

for (const backend of backends) {
    describe(`backend ${backend.name}`, { timeout: 180_000 }, () => {
        let env = null;

        before(async () => {
            env = await startEnvironment(backend);
        }, { timeout: SETUP_TIMEOUT_MS });

        after(async () => {
            if (!env) return; // startEnvironment already reported and cleaned up
            if (env.failures.length) env.report();
            await env.stop();
        }, { timeout: 30_000 });

        for (const mode of MODES) {
            describe(`${mode} mode`, () => {
                /** @type {Awaited<ReturnType<typeof openBrowser>>} */
                let b = null;
                let failed = null; // first failed step of this mode
                const s = {}; // values carried between steps

                before(async () => {
                    if (!env) return;
                    try {
                        b = await openBrowser({ websiteUrl: env.websiteDomain, label: `${backend.name}/${mode}` });
                        await b.call("init", { apiDomain: env.apiDomain, tokenTransferMethod: mode });
                    } catch (err) {
                        env.failures.push(`${mode}: browser setup`);
                        failed = "browser setup";
                        throw err;
                    }
                }, { timeout: SETUP_TIMEOUT_MS });

                after(async () => {
                    if (b) {
                        if (failed || process.env.BROWSER_E2E_VERBOSE) {
                            process.stderr.write(`\n===== browser transcript (${b.label}) =====\n${b.transcript.join("\n")}\n===== end of browser transcript =====\n`);
                        }
                        await b.close();
                    }
                }, { timeout: 30_000 });

                /** One scenario step: skipped after an earlier failure, failure recorded for the logs. */
                const step = (name, fn) =>
                    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
                        if (!env || !b) return t.skip("environment or browser setup failed");
                        if (failed) return t.skip(`earlier step failed: ${failed}`);
                        let timer;
                        try {
                            // Our own bound (below node:test's) so that a hung step is recorded as failed.
                            await Promise.race([
                                fn(),
                                new Promise((_, reject) => {
                                    timer = setTimeout(() => reject(new Error(`step did not finish within ${STEP_BUDGET_MS / 1000} s`)), STEP_BUDGET_MS);
                                }),
                            ]);
                        } catch (err) {
                            failed = name;
                            env.failures.push(`${mode}: ${name}`);
                            throw err;
                        } finally {
                            clearTimeout(timer);
                        }
                    });

                /** Exchanges (browser → API_DOMAIN) recorded from index `from` on, with their responses. */
                const apiExchanges = async (from = 0) => {
                    const list = b.exchanges.slice(from).filter((e) => e.origin === env.apiDomain && e.method !== "OPTIONS");
                    return Promise.all(list.map(async (e) => ({ ...e, res: await e.response })));
                };
                const describeExchanges = (list) => list.map((e) => `${e.method} ${e.path} -> ${e.res ? e.res.status : "no response"}`).join(", ");

                step("0 the page runs the pinned frontend SDKs", async () => {
                    const pins = require("../package.json").devDependencies;
                    const loaded = await b.page.evaluate(() => window.e2e.sdkVersions);
                    assert.deepEqual(loaded, {
                        "supertokens-web-js": pins["supertokens-web-js"],
                        "supertokens-website": pins["supertokens-website"],
                    });
                });

                step("1 sign-up via EmailPassword.signUp → OK, session exists", async () => {
                    s.email = `e2e-${mode}-${Date.now()}-${crypto.randomBytes(4).toString("hex")}@example.com`;
                    const mark = b.exchanges.length;
                    const res = await b.call("signUp", s.email, PASSWORD);
                    assert.equal(res.status, "OK", `signUp answered ${JSON.stringify(res)}`);
                    assert.equal(typeof res.user.id, "string");
                    assert.deepEqual(res.user.emails, [s.email]);
                    s.userId = res.user.id;
                    assert.equal(await b.call("doesSessionExist"), true, "Session.doesSessionExist() after sign-up");
                    assert.equal(await b.call("websiteDoesSessionExist"), true, "supertokens-website doesSessionExist() after sign-up");
                    assert.equal(await b.call("getUserId"), s.userId, "Session.getUserId() (from the front-token)");

                    const [signup] = (await apiExchanges(mark)).filter((e) => e.method === "POST" && e.path === "/auth/signup");
                    assert.ok(signup && signup.res, "the browser sent POST /auth/signup");
                    const h = signup.res.headers;
                    assert.equal(signup.request.headers()["st-auth-mode"], mode, "request header st-auth-mode");
                    assert.ok(h["front-token"], "sign-up response carries front-token");
                    if (mode === "header") {
                        assert.ok(h["st-access-token"], "header mode: sign-up response carries st-access-token");
                        assert.ok(h["st-refresh-token"], "header mode: sign-up response carries st-refresh-token");
                    } else {
                        assert.ok(!h["st-access-token"], "cookie mode: no st-access-token header");
                        assert.ok(!h["st-refresh-token"], "cookie mode: no st-refresh-token header");
                    }
                });

                step(`1b ${mode === "cookie" ? "auth cookies set on the API domain (HttpOnly, paths)" : "no auth cookies (tokens travel in headers)"}`, async () => {
                    const cookies = await b.context.cookies();
                    const at = cookies.filter((c) => c.name === "sAccessToken");
                    const rt = cookies.filter((c) => c.name === "sRefreshToken");
                    const summary = JSON.stringify(cookies.map(({ name, domain, path, httpOnly, sameSite }) => ({ name, domain, path, httpOnly, sameSite })));
                    if (mode === "header") {
                        assert.equal(at.length + rt.length, 0, `header mode must not set auth cookies: ${summary}`);
                        return;
                    }
                    assert.equal(at.length, 1, `exactly one sAccessToken cookie: ${summary}`);
                    assert.equal(rt.length, 1, `exactly one sRefreshToken cookie: ${summary}`);
                    assert.equal(at[0].domain, "localhost", "sAccessToken is a host-only cookie of the API domain");
                    assert.equal(at[0].path, "/", "sAccessToken path");
                    assert.equal(at[0].httpOnly, true, "sAccessToken HttpOnly");
                    assert.equal(at[0].sameSite, "Lax", "sAccessToken SameSite (same-site localhost → lax)");
                    assert.equal(at[0].secure, false, "sAccessToken not Secure on http");
                    assert.equal(rt[0].path, REFRESH_PATH, "sRefreshToken path");
                    assert.equal(rt[0].httpOnly, true, "sRefreshToken HttpOnly");
                    assert.equal(rt[0].sameSite, "Lax", "sRefreshToken SameSite");
                });

                step("2 sign-out, then sign-in via EmailPassword.signIn → OK", async () => {
                    await b.call("signOut");
                    assert.equal(await b.call("doesSessionExist"), false, "no session after sign-out");
                    const res = await b.call("signIn", s.email, PASSWORD);
                    assert.equal(res.status, "OK", `signIn answered ${JSON.stringify(res)}`);
                    assert.equal(res.user.id, s.userId, "sign-in returns the signed-up user");
                    assert.equal(await b.call("doesSessionExist"), true, "session after sign-in");
                    assert.equal(await b.call("getUserId"), s.userId);
                });

                // ---- email verification (REQUIRED) ------------------------------------

                /** A 403 invalid claim: the body, what web-js reads from it, and the API_INVALID_CLAIM event. */
                const assertInvalidClaim = async (res, expected, eventMark) => {
                    assert.equal(res.status, 403, `expected 403 invalid claim, got ${JSON.stringify(res)}`);
                    assert.equal(res.body.message, "invalid claim", "the 403's message");
                    assert.deepEqual(res.body.claimValidationErrors, expected, "claimValidationErrors");
                    assert.deepEqual(res.invalidClaims, expected, "web-js Session.getInvalidClaimsFromResponse");
                    const events = await b.call("events", eventMark);
                    assert.ok(
                        events.some((e) => e.action === "API_INVALID_CLAIM" && isDeepStrictEqual(e.claimValidationErrors, expected)),
                        `the interceptor reported API_INVALID_CLAIM with the errors (events: ${JSON.stringify(events)})`,
                    );
                };

                step("2a unverified email: /sessioninfo → 403 invalid claim st-ev (web-js reads it), no refresh", async () => {
                    assert.equal(await b.call("getClaimValue", "st-ev"), false, "the session's st-ev claim is false");
                    assert.deepEqual((await b.call("validateClaims")).map((e) => e.id), ["st-ev"], "web-js' own check (Session.validateClaims) fails on st-ev");
                    const mark = b.exchanges.length;
                    const eventMark = await b.call("eventCount");
                    const res = await b.call("fetchSessionInfo");
                    await assertInvalidClaim(res, EMAIL_NOT_VERIFIED, eventMark);
                    const seen = await apiExchanges(mark);
                    assert.deepEqual(seen.map((e) => `${e.method} ${e.path} ${e.res && e.res.status}`), ["GET /sessioninfo 403"], "a 403 is not a reason to refresh");
                    assert.deepEqual(await b.call("isEmailVerified"), { status: "OK", isVerified: false }, "EmailVerification.isEmailVerified()");
                    assert.equal(await b.call("doesSessionExist"), true, "the session stays");
                });

                step("2b EmailVerification.sendVerificationEmail() → OK; the link arrives at the SMTP server", async () => {
                    const mailMark = env.mail.messages.length;
                    const mark = b.exchanges.length;
                    const res = await b.call("sendVerificationEmail");
                    assert.equal(res.status, "OK", `sendVerificationEmail answered ${JSON.stringify(res)}`);
                    const [req] = (await apiExchanges(mark)).filter((e) => e.method === "POST" && e.path === "/auth/user/email/verify/token");
                    assert.ok(req && req.res && req.res.status === 200, `POST /auth/user/email/verify/token → 200 (exchanges: ${describeExchanges(await apiExchanges(mark))})`);
                    const mail = await env.mail.waitFor(s.email, { after: mailMark });
                    assert.equal(mail.from, env.mail.from, "sent from SMTP_FROM");
                    const link = extractVerifyLink(mail.plain);
                    assert.ok(link, `a verification link in the email (subject ${JSON.stringify(mail.subject)})`);
                    const url = new URL(link);
                    assert.equal(url.origin + url.pathname, `${env.websiteDomain}/auth/verify-email`, `the link opens WEBSITE_DOMAIN/auth/verify-email: ${link}`);
                    assert.equal(url.searchParams.get("tenantId"), "public", "the link names the tenant");
                    const token = url.searchParams.get("token");
                    assert.ok(token && token.length >= 32, "the link carries a long token");
                    assert.ok(!mail.subject.includes(token), "the subject does not carry the token");
                    s.verifyLink = link;
                    s.verifyToken = token;
                });

                step("2c the link opened in the browser → EmailVerification.verifyEmail() → OK; st-ev true; single use", async () => {
                    await b.page.goto(s.verifyLink, { waitUntil: "load" });
                    await b.page.waitForFunction(() => typeof window.e2e === "object");
                    await b.call("init", { apiDomain: env.apiDomain, tokenTransferMethod: mode });
                    assert.deepEqual(await b.call("verificationFromURL"), { token: s.verifyToken, tenantId: "public" }, "web-js reads the token and tenant from the URL");
                    assert.equal(await b.call("doesSessionExist"), true, "the session survived the page load");
                    const mark = b.exchanges.length;
                    const res = await b.call("verifyEmail");
                    assert.equal(res.status, "OK", `verifyEmail answered ${JSON.stringify(res)}`);
                    const [verify] = (await apiExchanges(mark)).filter((e) => e.method === "POST" && e.path === "/auth/user/email/verify");
                    assert.ok(verify && verify.res && verify.res.status === 200, `POST /auth/user/email/verify → 200 (exchanges: ${describeExchanges(await apiExchanges(mark))})`);
                    assert.deepEqual(JSON.parse(verify.request.postData() || "{}"), { method: "token", token: s.verifyToken }, "web-js sent the token from the link");
                    assert.ok(verify.res.headers["front-token"], "the answer updated the session (front-token)");
                    assert.equal(await b.call("getClaimValue", "st-ev"), true, "the session's st-ev claim is true right away");
                    assert.deepEqual(await b.call("validateClaims"), [], "web-js' own check passes");
                    assert.deepEqual(await b.call("isEmailVerified"), { status: "OK", isVerified: true }, "EmailVerification.isEmailVerified()");
                    const again = await b.call("verifyEmail");
                    assert.equal(again.status, "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR", `the link works once (second use: ${JSON.stringify(again)})`);
                    const resend = await b.call("sendVerificationEmail");
                    assert.equal(resend.status, "EMAIL_ALREADY_VERIFIED_ERROR", `sendVerificationEmail once verified: ${JSON.stringify(resend)}`);
                });

                step("3 fetch API_DOMAIN/sessioninfo through the interceptor → 200, same user", async () => {
                    const mark = b.exchanges.length;
                    const res = await b.call("fetchSessionInfo");
                    assert.equal(res.status, 200, `GET /sessioninfo answered ${JSON.stringify(res)}`);
                    assert.equal(res.body.userId, await b.call("getUserId"), "userId equals Session.getUserId()");
                    assert.equal(res.body.userId, s.userId);
                    assert.equal(typeof res.body.sessionHandle, "string");
                    assert.equal(res.body.accessTokenPayload.sub, s.userId, "accessTokenPayload.sub");
                    assert.equal(res.body.accessTokenPayload["st-ev"].v, true, "the backend sees st-ev true");
                    s.sessionHandle = res.body.sessionHandle;

                    const [req] = (await apiExchanges(mark)).filter((e) => e.path === "/sessioninfo");
                    assert.ok(req, "the browser sent GET /sessioninfo");
                    const sent = await req.request.allHeaders();
                    assert.ok(sent.rid, "the interceptor added a rid header");
                    if (mode === "header") {
                        assert.match(sent.authorization || "", /^Bearer \S+$/, "header mode: Authorization: Bearer <access token>");
                    } else {
                        assert.ok(!sent.authorization, "cookie mode: no Authorization header");
                        assert.match(sent.cookie || "", /(^|; )sAccessToken=/, "cookie mode: sAccessToken cookie sent");
                    }
                    const payload = await b.call("getAccessTokenPayload");
                    assert.equal(typeof payload.exp, "number", "access token payload has exp");
                    assert.equal(payload["st-ev"].v, true, "Session.getAccessTokenPayloadSecurely() has st-ev true");
                    s.exp = payload.exp;
                });

                step(`4 automatic refresh after the access token expired (core validity ${ACCESS_TOKEN_VALIDITY_S} s)`, async () => {
                    // Wait (real time) until the access token's exp has passed, with a margin.
                    const waitMs = s.exp * 1000 - Date.now() + 1200;
                    assert.ok(waitMs < 15_000, `access token expires too far in the future (${waitMs} ms): is the core's validity short?`);
                    if (waitMs > 0) await sleep(waitMs);
                    const mark = b.exchanges.length;
                    const res = await b.call("fetchSessionInfo");
                    const seen = await apiExchanges(mark);
                    assert.equal(res.status, 200, `GET /sessioninfo after expiry answered ${JSON.stringify(res)} (exchanges: ${describeExchanges(seen)})`);
                    assert.equal(res.body.userId, s.userId);
                    assert.equal(res.body.sessionHandle, s.sessionHandle, "refresh keeps the session");
                    const refreshes = seen.filter((e) => e.method === "POST" && e.path === REFRESH_PATH);
                    assert.ok(refreshes.length >= 1, `a POST ${REFRESH_PATH} happened (exchanges: ${describeExchanges(seen)})`);
                    assert.ok(refreshes.every((e) => e.res && e.res.status === 200), `refresh answered 200 (exchanges: ${describeExchanges(seen)})`);
                    // The expired token was answered with the session-expired status (401), which
                    // is what makes the interceptor refresh and then retry the original call.
                    const sessionInfos = seen.filter((e) => e.path === "/sessioninfo");
                    const firstRefresh = seen.indexOf(refreshes[0]);
                    assert.ok(
                        seen.slice(0, firstRefresh).some((e) => e.path === "/sessioninfo" && e.res && e.res.status === 401),
                        `before refreshing, /sessioninfo with the expired token was refused with 401 (exchanges: ${describeExchanges(seen)})`,
                    );
                    assert.equal(sessionInfos.at(-1).res.status, 200, "the last /sessioninfo call (the retry) succeeded");
                    assert.ok(seen.indexOf(sessionInfos.at(-1)) > firstRefresh, "the successful /sessioninfo came after the refresh");
                    const payload = await b.call("getAccessTokenPayload");
                    assert.ok(payload.exp > s.exp, `the refreshed access token expires later (${payload.exp} > ${s.exp})`);
                    if (mode === "cookie") {
                        const sent = await refreshes[0].request.allHeaders();
                        assert.match(sent.cookie || "", /(^|; )sRefreshToken=/, "cookie mode: refresh sent the sRefreshToken cookie");
                    } else {
                        const sent = await refreshes[0].request.allHeaders();
                        assert.match(sent.authorization || "", /^Bearer \S+$/, "header mode: refresh sent Authorization: Bearer <refresh token>");
                    }
                });

                // ---- roles as session claims, user metadata -------------------------

                step(`4a GET /admin without the ${ADMIN_ROLE} role → 403 invalid claim st-role`, async () => {
                    assert.deepEqual(await b.call("getClaimValue", "st-role"), [], "the session's st-role claim is empty");
                    const eventMark = await b.call("eventCount");
                    const res = await b.call("fetchApi", "/admin");
                    await assertInvalidClaim(res, [{ id: "st-role", reason: { message: "wrong value", expectedToInclude: ADMIN_ROLE, actualValue: [] } }], eventMark);
                });

                step(`4b the ${ADMIN_ROLE} role given through the core → still 403 → POST /refresh-claims → GET /admin 200`, async () => {
                    // What an admin tool does: the core's CDI with the API key (no app endpoint).
                    const created = await env.coreRequest("PUT", "/recipe/role", { role: ADMIN_ROLE, permissions: ADMIN_PERMISSIONS });
                    assert.equal(created.status, "OK", `PUT /recipe/role answered ${JSON.stringify(created)}`);
                    const given = await env.coreRequest("PUT", "/public/recipe/user/role", { userId: s.userId, role: ADMIN_ROLE });
                    assert.deepEqual(given, { status: "OK", didUserAlreadyHaveRole: false }, "PUT /public/recipe/user/role");
                    const stale = await b.call("fetchApi", "/admin");
                    assert.equal(stale.status, 403, `the session still carries the old roles (fresh for 5 minutes): ${JSON.stringify(stale)}`);

                    const mark = b.exchanges.length;
                    const refreshed = await b.call("fetchApi", "/refresh-claims", { method: "POST" });
                    assert.equal(refreshed.status, 200, `POST /refresh-claims answered ${JSON.stringify(refreshed)}`);
                    assert.deepEqual(refreshed.body.roles, [ADMIN_ROLE], "refreshed roles");
                    assert.deepEqual([...refreshed.body.permissions].sort(), ADMIN_PERMISSIONS, "refreshed permissions");
                    const [exchange] = (await apiExchanges(mark)).filter((e) => e.path === "/refresh-claims");
                    assert.ok(exchange.res.headers["front-token"], "the answer carries the new access token's front-token");
                    if (mode === "header") assert.ok(exchange.res.headers["st-access-token"], "header mode: and the new access token");
                    assert.deepEqual(await b.call("getClaimValue", "st-role"), [ADMIN_ROLE], "web-js reads the new st-role claim");
                    assert.deepEqual([...(await b.call("getClaimValue", "st-perm"))].sort(), ADMIN_PERMISSIONS, "web-js reads the new st-perm claim");

                    const res = await b.call("fetchApi", "/admin");
                    assert.equal(res.status, 200, `GET /admin after the refresh answered ${JSON.stringify(res)}`);
                    assert.equal(res.body.userId, s.userId, "the admin is the signed-in user");
                    assert.deepEqual(res.body.roles, [ADMIN_ROLE]);
                    const info = await b.call("fetchSessionInfo");
                    assert.equal(info.status, 200);
                    assert.equal(info.body.sessionHandle, s.sessionHandle, "the same session all along");
                });

                step("4c user metadata: PUT /metadata merges (null removes a key), GET /metadata reads it, a non-object → 400", async () => {
                    const first = await b.call("fetchApi", "/metadata", { method: "PUT", body: { theme: "dark", lang: "en" } });
                    assert.equal(first.status, 200, `PUT /metadata answered ${JSON.stringify(first)}`);
                    assert.deepEqual(first.body, { metadata: { theme: "dark", lang: "en" } });
                    const second = await b.call("fetchApi", "/metadata", { method: "PUT", body: { lang: null, tz: "UTC" } });
                    assert.deepEqual(second.body, { metadata: { theme: "dark", tz: "UTC" } }, "merged, lang removed");
                    const read = await b.call("fetchApi", "/metadata");
                    assert.deepEqual(read, { status: 200, body: { metadata: { theme: "dark", tz: "UTC" } } });
                    const bad = await b.call("fetchApi", "/metadata", { method: "PUT", body: "[1]" });
                    assert.equal(bad.status, 400, `a JSON array answered ${JSON.stringify(bad)}`);
                    assert.equal(typeof bad.body.message, "string", "with a message");
                });

                step("5 sign-out via Session.signOut() → no session", async () => {
                    const mark = b.exchanges.length;
                    await b.call("signOut");
                    assert.equal(await b.call("doesSessionExist"), false, "Session.doesSessionExist() after sign-out");
                    assert.equal(await b.call("websiteDoesSessionExist"), false, "supertokens-website doesSessionExist() after sign-out");
                    const signouts = (await apiExchanges(mark)).filter((e) => e.method === "POST" && e.path === "/auth/signout");
                    assert.equal(signouts.length, 1, "POST /auth/signout sent once");
                    assert.equal(signouts[0].res && signouts[0].res.status, 200, "sign-out answered 200");
                    assert.equal(signouts[0].res.headers["front-token"], "remove", "sign-out answers front-token: remove");
                    const cookies = (await b.context.cookies()).filter((c) => c.name === "sAccessToken" || c.name === "sRefreshToken");
                    assert.deepEqual(cookies, [], "no auth cookies left after sign-out");
                });

                step("6 /sessioninfo after sign-out → 401, still no session", async () => {
                    const res = await b.call("fetchSessionInfo");
                    assert.equal(res.status, 401, `GET /sessioninfo after sign-out answered ${JSON.stringify(res)}`);
                    assert.equal(await b.call("doesSessionExist"), false, "no session after the 401");
                });

                // ---- passwordless -------------------------------------------------------

                const plEmail = (what) => `pl-${what}-${mode}-${Date.now()}-${crypto.randomBytes(3).toString("hex")}@example.com`;

                /** Passwordless.createCode in the page → OK; returns the answer. */
                const createCode = async (input) => {
                    const res = await b.call("createCode", input);
                    assert.equal(res.status, "OK", `createCode(${JSON.stringify(input)}) answered ${JSON.stringify(res)}`);
                    assert.equal(typeof res.deviceId, "string", "createCode answers a deviceId");
                    assert.equal(typeof res.preAuthSessionId, "string", "createCode answers a preAuthSessionId");
                    assert.equal(res.flowType, PASSWORDLESS_FLOW_TYPE, "createCode answers the backend's flowType");
                    return res;
                };

                /** The next email to `to` (from the mail server's index `after` on), with its code and link. */
                const nextEmail = async (to, after) => {
                    const mail = await env.mail.waitFor(to, { after });
                    const found = extractSignIn(mail.plain);
                    assert.ok(found.code, `one 6-digit code in the email to ${to} (candidates ${JSON.stringify(found.codeCandidates)}; subject ${JSON.stringify(mail.subject)})`);
                    assert.ok(found.link, `a magic link in the email to ${to}`);
                    assert.ok(!mail.subject.includes(found.code), "the subject does not carry the code");
                    return { mail, ...found };
                };

                /** A successful consumeCode: session exists, same user in the session and in /sessioninfo. */
                const assertSignedIn = async (res, { createdNewRecipeUser, userId }) => {
                    assert.equal(res.status, "OK", `consumeCode answered ${JSON.stringify(res)}`);
                    assert.equal(res.createdNewRecipeUser, createdNewRecipeUser, `createdNewRecipeUser (answer ${JSON.stringify(res)})`);
                    assert.equal(typeof res.user.id, "string");
                    if (userId) assert.equal(res.user.id, userId, "the same user as before");
                    assert.ok(res.user.loginMethods.some((m) => m.recipeId === "passwordless"), `a passwordless login method (${JSON.stringify(res.user.loginMethods)})`);
                    assert.equal(await b.call("doesSessionExist"), true, "session after consumeCode");
                    assert.equal(await b.call("getUserId"), res.user.id, "Session.getUserId() is the signed-in user");
                    const info = await b.call("fetchSessionInfo");
                    assert.equal(info.status, 200, `GET /sessioninfo answered ${JSON.stringify(info)}`);
                    assert.equal(info.body.userId, res.user.id, "/sessioninfo userId");
                    assert.equal(info.body.accessTokenPayload.sub, res.user.id, "/sessioninfo accessTokenPayload.sub");
                    return res.user;
                };

                const signOutAndCheck = async () => {
                    await b.call("signOut");
                    assert.equal(await b.call("doesSessionExist"), false, "no session after sign-out");
                };

                step("7 passwordless email OTP: createCode({email}) → code from the SMTP server → consumeCode → OK, new user, session", async () => {
                    s.plEmail = plEmail("otp");
                    const mailMark = env.mail.messages.length;
                    const mark = b.exchanges.length;
                    const created = await createCode({ email: s.plEmail });
                    const [req] = (await apiExchanges(mark)).filter((e) => e.method === "POST" && e.path === "/auth/signinup/code");
                    assert.ok(req && req.res && req.res.status === 200, `POST /auth/signinup/code → 200 (exchanges: ${describeExchanges(await apiExchanges(mark))})`);
                    const { mail, code, link } = await nextEmail(s.plEmail, mailMark);
                    assert.equal(mail.from, env.mail.from, "sent from SMTP_FROM");
                    assert.ok(link.startsWith(`${env.websiteDomain}/auth/verify?`), `the link points at the website's /auth/verify: ${link}`);
                    assert.ok(new URL(link).searchParams.get("preAuthSessionId") === created.preAuthSessionId, "the link carries createCode's preAuthSessionId");
                    const res = await b.call("consumeCode", code);
                    const user = await assertSignedIn(res, { createdNewRecipeUser: true });
                    assert.deepEqual(user.emails, [s.plEmail], "the user's email");
                    s.plUserId = user.id;
                    assert.notEqual(s.plUserId, s.userId, "a different user from the email-password one");
                    await signOutAndCheck();
                });

                step(`8 wrong code → INCORRECT_USER_INPUT_CODE_ERROR (1 of ${MAX_CODE_INPUT_ATTEMPTS}), then the right one → OK, same user`, async () => {
                    const mailMark = env.mail.messages.length;
                    await createCode({ email: s.plEmail });
                    const { code } = await nextEmail(s.plEmail, mailMark);
                    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
                    const bad = await b.call("consumeCode", wrong);
                    assert.equal(bad.status, "INCORRECT_USER_INPUT_CODE_ERROR", `a wrong code answered ${JSON.stringify(bad)}`);
                    assert.equal(bad.failedCodeInputAttemptCount, 1, "failedCodeInputAttemptCount");
                    assert.equal(bad.maximumCodeInputAttempts, MAX_CODE_INPUT_ATTEMPTS, "maximumCodeInputAttempts");
                    assert.equal(await b.call("doesSessionExist"), false, "no session after a wrong code");
                    const res = await b.call("consumeCode", code);
                    await assertSignedIn(res, { createdNewRecipeUser: false, userId: s.plUserId });
                    await signOutAndCheck();
                });

                step("9 resendCode → OK and a new email with a new code, which signs in", async () => {
                    const email = plEmail("resend");
                    let mailMark = env.mail.messages.length;
                    await createCode({ email });
                    const first = await nextEmail(email, mailMark);
                    // The backend refuses resends within its cooldown (PASSWORDLESS_RESEND_COOLDOWN_SECS).
                    await sleep(env.resendCooldownS * 1000 + 300);
                    mailMark = env.mail.messages.length;
                    const resent = await b.call("resendCode");
                    assert.equal(resent.status, "OK", `resendCode answered ${JSON.stringify(resent)}`);
                    const second = await nextEmail(email, mailMark);
                    assert.notEqual(second.code, first.code, "the resent email carries a new code");
                    assert.notEqual(second.link, first.link, "and a new link");
                    const res = await b.call("consumeCode", second.code);
                    const user = await assertSignedIn(res, { createdNewRecipeUser: true });
                    assert.deepEqual(user.emails, [email]);
                    await signOutAndCheck();
                });

                step(`10 passwordless phone OTP: createCode({phoneNumber: "${PHONE[mode][0]}"}) → SMS to ${PHONE[mode][1]} → consumeCode → OK`, async () => {
                    const [typed, e164] = PHONE[mode];
                    const smsMark = env.sms.messages.length;
                    await createCode({ phoneNumber: typed });
                    const sms = await env.sms.waitFor(e164, { after: smsMark });
                    assert.equal(sms.from, env.sms.sender, "sent From SMS_FROM");
                    const { code, codeCandidates } = extractSignIn(sms.body);
                    assert.ok(code, `one 6-digit code in the text message (candidates ${JSON.stringify(codeCandidates)})`);
                    const res = await b.call("consumeCode", code);
                    const user = await assertSignedIn(res, { createdNewRecipeUser: true });
                    assert.deepEqual(user.phoneNumbers, [e164], "the user's phone number, normalised to E.164");
                    await signOutAndCheck();
                });

                step("11 magic link: the link from the email opened in the browser → consumeCode() → OK, session", async () => {
                    const email = plEmail("link");
                    const mailMark = env.mail.messages.length;
                    const created = await createCode({ email });
                    const { link } = await nextEmail(email, mailMark);
                    const url = new URL(link);
                    assert.equal(url.origin + url.pathname, `${env.websiteDomain}/auth/verify`, "the link opens WEBSITE_DOMAIN/auth/verify");
                    assert.equal(url.searchParams.get("tenantId"), "public", "the link names the tenant");
                    await b.page.goto(link, { waitUntil: "load" });
                    await b.page.waitForFunction(() => typeof window.e2e === "object");
                    await b.call("init", { apiDomain: env.apiDomain, tokenTransferMethod: mode });
                    const fromUrl = await b.call("linkFromURL");
                    assert.equal(fromUrl.preAuthSessionId, created.preAuthSessionId, "web-js reads the preAuthSessionId from the URL");
                    assert.ok(fromUrl.linkCode.length > 0, "web-js reads the link code from the URL's hash");
                    const mark = b.exchanges.length;
                    const consumed = () => apiExchanges(mark).then((list) => list.filter((e) => e.method === "POST" && e.path === "/auth/signinup/code/consume"));
                    let res;
                    try {
                        res = await b.call("consumeCode");
                    } catch (err) {
                        const [c] = await consumed();
                        throw new Error(`consumeCode() failed: ${err.message}; link ${link}; sent ${c ? c.request.postData() : "nothing"} → ${c && c.res ? c.res.status : "no answer"}`);
                    }
                    const [consume] = await consumed();
                    assert.ok(consume, "the page sent POST /auth/signinup/code/consume");
                    const sent = JSON.parse(consume.request.postData() || "{}");
                    assert.ok(sent.linkCode && !sent.userInputCode, "it sent the link code, not a typed code");
                    const user = await assertSignedIn(res, { createdNewRecipeUser: true });
                    assert.deepEqual(user.emails, [email]);
                    await signOutAndCheck();
                });
            });
        }
    });
}
