"use strict";
// Steps mt1–mt7: several apps and tenants in one core, through the official supertokens-node.
//
// Apps are created through the core's CDI as node's own test suite does (node has no
// function for it). `supertokens.init` takes one connection URI per process, so each app gets
// a node backend of its own (app-worker.js, connection URI `<core>/appid-<app>`), driven over
// its FDI and, for node's functions (Multitenancy.*, getUser, listUsersByAccountInfo), over a
// small `/rpc` route. The main process's SDK (the public app) checks that it sees none of it.

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const supertokens = require("supertokens-node");
const Multitenancy = require("supertokens-node/recipe/multitenancy");

const { request, frontendHeaders, decodeJwt, describe } = require("./http");
const { sleep } = require("./core");
const { startWorker } = require("./worker");

const APP_A = "mt-app-a";
const APP_B = "mt-app-b";
/** What the core answers for a path under an app (or tenant) it does not know (Java core). */
const UNKNOWN_APP_STATUS = 400;
const UNKNOWN_APP_MESSAGE = "AppId or tenantId not found";
/** node's answer to a sign-in with a factor the tenant does not accept as a first factor. */
const UNAUTHORISED = { message: "unauthorised" };
const sortedIds = (tenants) => tenants.map((t) => t.tenantId).sort();

/**
 * @param {{env: any, step: Function}} ctx
 */
async function runMultitenancySteps(ctx) {
    const { env, step } = ctx;
    const core = env.core.url;
    // App A overrides the core's access_token_validity (env.accessTokenValidity, 2 s by default);
    // app B and the public app keep it.
    const validityA = env.accessTokenValidity + 4;
    const validityBase = env.accessTokenValidity;
    const password = "Passw0rd123";
    const tenantEmail = `mt-tenant-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const sharedEmail = `mt-shared-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const m = { workers: [] }; // { a, b, t1UserId, userA, userB, ... }

    const cdi = (method, path, body) => request(core, method, path, { headers: { "api-key": env.core.apiKey }, body });
    const putApp = (body) => cdi("PUT", "/recipe/multitenancy/app/v2", body);
    const removeApp = (appId) => cdi("POST", "/recipe/multitenancy/app/remove", { appId });
    const listApps = async () => {
        const res = await cdi("GET", "/recipe/multitenancy/app/list/v2");
        assert.equal(res.status, 200, `GET /recipe/multitenancy/app/list/v2: ${describe(res)}`);
        assert.equal(res.json.status, "OK", `app list: ${res.text}`);
        return res.json.apps;
    };
    const formFields = (email, pw) => ({
        formFields: [
            { id: "email", value: email },
            { id: "password", value: pw },
        ],
    });
    const fdi = (worker, method, path, body, rid) =>
        request(worker.baseUrl, method, `/auth${path}`, { headers: frontendHeaders(rid), body });
    const signUp = (worker, tenantPrefix, email, pw = password) => fdi(worker, "POST", `${tenantPrefix}/signup`, formFields(email, pw), "emailpassword");
    const signIn = (worker, tenantPrefix, email, pw = password) => fdi(worker, "POST", `${tenantPrefix}/signin`, formFields(email, pw), "emailpassword");
    const loginMethods = (worker, tenantPrefix, query = "") => fdi(worker, "GET", `${tenantPrefix}/loginmethods${query}`, undefined, "multitenancy");
    const sessionInfo = (worker, accessToken) => request(worker.baseUrl, "GET", "/sessioninfo", { headers: frontendHeaders(), bearer: accessToken });
    /** The access token of a response that must have created a session, decoded. */
    function sessionOf(res, what) {
        assert.equal(res.status, 200, `${what}: ${describe(res)}`);
        assert.equal(res.json && res.json.status, "OK", `${what}: ${describe(res)}`);
        const accessToken = res.headers.get("st-access-token");
        assert.ok(accessToken, `${what}: st-access-token missing — ${describe(res)}`);
        return { accessToken, jwt: decodeJwt(accessToken), user: res.json.user };
    }
    /** node's error for a core call under an app the core does not know. */
    function assertUnknownApp(res, what) {
        assert.equal(res.status, 500, `${what}: node must fail — HTTP ${res.status} ${JSON.stringify(res.result)} ${res.error}`);
        assert.match(
            String(res.error),
            new RegExp(`status code: ${UNKNOWN_APP_STATUS} and message: ${UNKNOWN_APP_MESSAGE}`),
            `${what}: node must report the core's unknown-app answer`,
        );
    }
    /** A login-methods answer for these first factors (node 24 shape, with webauthn). */
    const methodsFor = (firstFactors) => ({
        status: "OK",
        emailPassword: { enabled: firstFactors.includes("emailpassword") },
        thirdParty: { enabled: false, providers: [] },
        webauthn: { enabled: false },
        passwordless: { enabled: firstFactors.some((f) => ["otp-email", "otp-phone", "link-email", "link-phone"].includes(f)) },
        firstFactors,
    });

    try {
        await step("mt1", "apps: created through the CDI (app A overrides access_token_validity), listed, updated; an unknown app → 400", [], async () => {
            const a = await putApp({ appId: APP_A, coreConfig: { access_token_validity: validityA } });
            assert.equal(a.status, 200, `create app A: ${describe(a)}`);
            assert.deepEqual(a.json, { status: "OK", createdNew: true }, `create app A: ${a.text}`);
            const b = await putApp({ appId: APP_B });
            assert.deepEqual(b.json, { status: "OK", createdNew: true }, `create app B: ${describe(b)}`);
            const again = await putApp({ appId: APP_A, coreConfig: { access_token_validity: validityA } });
            assert.deepEqual(again.json, { status: "OK", createdNew: false }, `update app A: ${describe(again)}`);

            const apps = await listApps();
            assert.deepEqual(apps.map((app) => app.appId).sort(), [APP_A, APP_B, "public"].sort(), "app list v2");
            const listedA = apps.find((app) => app.appId === APP_A);
            assert.deepEqual(sortedIds(listedA.tenants), ["public"], "app A has its public tenant");
            assert.deepEqual(listedA.tenants[0].coreConfig, { access_token_validity: validityA }, "app A's public tenant shows the app's override");
            const listedB = apps.find((app) => app.appId === APP_B);
            assert.deepEqual(listedB.tenants[0].coreConfig, {}, "app B has no override");

            const unknown = await cdi("GET", "/appid-mt-nope/recipe/multitenancy/tenant/list/v2");
            assert.equal(unknown.status, UNKNOWN_APP_STATUS, `an unknown app: ${describe(unknown)}`);
            assert.ok(unknown.text.startsWith(UNKNOWN_APP_MESSAGE), `an unknown app: ${describe(unknown)}`);

            m.a = await startWorker({ name: "app A", connectionURI: `${core}/appid-${APP_A}`, apiKey: env.core.apiKey });
            m.workers.push(m.a);
            m.b = await startWorker({ name: "app B", connectionURI: `${core}/appid-${APP_B}`, apiKey: env.core.apiKey });
            m.workers.push(m.b);
        });

        await step("mt2", "tenants in app A: createOrUpdateTenant (firstFactors, coreConfig), getTenant, listAllTenants; invisible elsewhere", ["mt1"], async () => {
            const { a, b } = m;
            assert.deepEqual(
                await a.rpc("createOrUpdateTenant", "t1", { firstFactors: ["emailpassword"] }),
                { status: "OK", createdNew: true },
                "create t1",
            );
            assert.deepEqual(
                await a.rpc("createOrUpdateTenant", "t2", { firstFactors: ["otp-email"], coreConfig: { passwordless_max_code_input_attempts: 3 } }),
                { status: "OK", createdNew: true },
                "create t2",
            );
            assert.deepEqual(
                await a.rpc("createOrUpdateTenant", "t1", { firstFactors: ["emailpassword"], coreConfig: { password_reset_token_lifetime: 120000 } }),
                { status: "OK", createdNew: false },
                "update t1",
            );

            const t1 = await a.rpc("getTenant", "t1");
            assert.ok(t1, "getTenant(t1)");
            assert.equal(t1.status, "OK", `getTenant(t1): ${JSON.stringify(t1)}`);
            assert.equal(t1.tenantId, "t1", "getTenant(t1).tenantId");
            assert.deepEqual(t1.firstFactors, ["emailpassword"], "getTenant(t1).firstFactors");
            assert.deepEqual(t1.thirdParty, { providers: [] }, "getTenant(t1).thirdParty");
            assert.deepEqual(t1.coreConfig, { password_reset_token_lifetime: 120000 }, "getTenant(t1).coreConfig");
            const t2 = await a.rpc("getTenant", "t2");
            assert.deepEqual(t2.firstFactors, ["otp-email"], "getTenant(t2).firstFactors");
            assert.deepEqual(t2.coreConfig, { passwordless_max_code_input_attempts: 3 }, "getTenant(t2).coreConfig");
            assert.equal(await a.rpc("getTenant", "t-nope"), null, "getTenant(unknown) → undefined");

            const all = await a.rpc("listAllTenants");
            assert.equal(all.status, "OK", `listAllTenants: ${JSON.stringify(all)}`);
            assert.deepEqual(sortedIds(all.tenants), ["public", "t1", "t2"], "app A's tenants");
            assert.deepEqual(
                all.tenants.find((t) => t.tenantId === "t2").firstFactors,
                ["otp-email"],
                "listAllTenants carries each tenant's first factors",
            );

            assert.deepEqual(sortedIds((await b.rpc("listAllTenants")).tenants), ["public"], "app B has only its public tenant");
            assert.equal(await b.rpc("getTenant", "t1"), null, "app B does not know app A's t1");
            assert.deepEqual(sortedIds((await Multitenancy.listAllTenants()).tenants), ["public"], "the public app has only its public tenant");
            assert.equal(await Multitenancy.getTenant("t1"), undefined, "the public app does not know app A's t1");
        });

        await step("mt3", "tenant routes of app A: loginmethods follow firstFactors; sign-up in t1 → tId t1; t2 refuses emailpassword", ["mt2"], async () => {
            const { a } = m;
            const t1Methods = await loginMethods(a, "/t1");
            assert.deepEqual(t1Methods.json, methodsFor(["emailpassword"]), `GET /auth/t1/loginmethods: ${describe(t1Methods)}`);
            const t2Methods = await loginMethods(a, "/t2");
            assert.deepEqual(t2Methods.json, methodsFor(["otp-email"]), `GET /auth/t2/loginmethods: ${describe(t2Methods)}`);
            const publicMethods = await loginMethods(a, "");
            assert.deepEqual(publicMethods.json, methodsFor(["emailpassword", "otp-email"]), `GET /auth/loginmethods: ${describe(publicMethods)}`);
            // web-js puts the tenant in the path; node ignores a `tenantId` query parameter.
            const queried = await loginMethods(a, "", "?tenantId=t1");
            assert.deepEqual(queried.json, publicMethods.json, `GET /auth/loginmethods?tenantId=t1 is the public tenant's: ${describe(queried)}`);
            const unknown = await loginMethods(a, "/t-nope");
            assert.equal(unknown.status, 500, `GET /auth/t-nope/loginmethods (node throws "Tenant not found"): ${describe(unknown)}`);

            const up = sessionOf(await signUp(a, "/t1", tenantEmail), "sign-up in t1");
            assert.equal(up.jwt.payload.tId, "t1", "the session of a sign-up in t1 carries tId t1");
            assert.deepEqual(up.user.tenantIds, ["t1"], "the new user belongs to t1 only");
            m.t1UserId = up.user.id;
            const info = await sessionInfo(a, up.accessToken);
            assert.equal(info.status, 200, `GET /sessioninfo: ${describe(info)}`);
            assert.equal(info.json.tenantId, "t1", "session.getTenantId()");

            const publicSignIn = await signIn(a, "", tenantEmail);
            assert.deepEqual(publicSignIn.json, { status: "WRONG_CREDENTIALS_ERROR" }, `the t1 user is unknown in public: ${describe(publicSignIn)}`);
            const t1SignIn = sessionOf(await signIn(a, "/t1", tenantEmail), "sign-in in t1");
            assert.equal(t1SignIn.jwt.payload.tId, "t1", "sign-in in t1 → tId t1");

            const refused = await signUp(a, "/t2", `mt-t2-${crypto.randomBytes(4).toString("hex")}@example.com`);
            assert.equal(refused.status, 401, `emailpassword sign-up in t2 (firstFactors otp-email) → 401: ${describe(refused)}`);
            assert.deepEqual(refused.json, UNAUTHORISED, `emailpassword sign-up in t2: ${describe(refused)}`);
        });

        await step("mt3b", "passwordless in tenant t2: the session carries tId t2; t2's coreConfig (passwordless_max_code_input_attempts 3) applies to its codes", ["mt2"], async () => {
            const { a } = m;
            // The core's default is 5; t2 overrides it (the Java core applies tenant overrides).
            const plEmail = `mt-pl-${crypto.randomBytes(4).toString("hex")}@example.com`;
            const created = await fdi(a, "POST", "/t2/signinup/code", { email: plEmail }, "passwordless");
            assert.equal(created.json && created.json.status, "OK", `create code in t2: ${describe(created)}`);
            const { deviceId, preAuthSessionId } = created.json;
            const wrong = await fdi(a, "POST", "/t2/signinup/code/consume", { deviceId, preAuthSessionId, userInputCode: "000000x" }, "passwordless");
            assert.equal(wrong.json && wrong.json.status, "INCORRECT_USER_INPUT_CODE_ERROR", `a wrong code in t2: ${describe(wrong)}`);
            const sent = (await a.rpc("passwordlessEmails")).filter((e) => e.to === plEmail);
            assert.equal(sent.length, 1, "one code was sent");
            assert.equal(sent[0].tenantId, "t2", "the code was made for t2");
            const consumed = sessionOf(
                await fdi(a, "POST", "/t2/signinup/code/consume", { deviceId, preAuthSessionId, userInputCode: sent[0].userInputCode }, "passwordless"),
                "passwordless sign-up in t2",
            );
            assert.equal(consumed.jwt.payload.tId, "t2", "the passwordless session carries tId t2");
            assert.deepEqual(consumed.user.tenantIds, ["t2"], "the passwordless user belongs to t2");
            assert.deepEqual(
                wrong.json,
                { status: "INCORRECT_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 3 },
                `a wrong code in t2 counts against t2's limit (its coreConfig): ${describe(wrong)}`,
            );
        });

        await step("mt4", "associateUserToTenant / disassociateUserFromTenant (app A): sign-in follows the association", ["mt3"], async () => {
            const { a } = m;
            const rid = m.t1UserId;
            assert.deepEqual(await a.rpc("associateUserToTenant", "public", rid), { status: "OK", wasAlreadyAssociated: false }, "associate");
            assert.deepEqual(await a.rpc("associateUserToTenant", "public", rid), { status: "OK", wasAlreadyAssociated: true }, "associate again");
            const user = await a.rpc("getUser", rid);
            assert.deepEqual([...user.tenantIds].sort(), ["public", "t1"], "getUser: both tenants");
            assert.deepEqual([...user.loginMethods[0].tenantIds].sort(), ["public", "t1"], "getUser: the login method's tenants");
            const inPublic = sessionOf(await signIn(a, "", tenantEmail), "sign-in in public after associating");
            assert.equal(inPublic.jwt.payload.tId, "public", "tId public");
            assert.equal(inPublic.jwt.payload.sub, rid, "the same user");

            assert.deepEqual(await a.rpc("disassociateUserFromTenant", "public", rid), { status: "OK", wasAssociated: true }, "disassociate");
            assert.deepEqual(await a.rpc("disassociateUserFromTenant", "public", rid), { status: "OK", wasAssociated: false }, "disassociate again");
            assert.deepEqual((await a.rpc("getUser", rid)).tenantIds, ["t1"], "getUser: t1 only");
            const gone = await signIn(a, "", tenantEmail);
            assert.deepEqual(gone.json, { status: "WRONG_CREDENTIALS_ERROR" }, `sign-in in public after disassociating: ${describe(gone)}`);

            assert.deepEqual(
                await a.rpc("associateUserToTenant", "public", "00000000-0000-4000-8000-000000000000"),
                { status: "UNKNOWN_USER_ID_ERROR" },
                "associate an unknown user",
            );
            // Another emailpassword user with the same email in public: associating t1's user clashes.
            const other = await a.rpc("emailPasswordSignUp", "public", tenantEmail, password);
            assert.equal(other.status, "OK", `sign up the same email in public: ${JSON.stringify(other)}`);
            assert.notEqual(other.user.id, rid, "a different user");
            assert.deepEqual(
                await a.rpc("associateUserToTenant", "public", rid),
                { status: "EMAIL_ALREADY_EXISTS_ERROR" },
                "associate where the email is taken",
            );
        });

        await step("mt5", "the same email in apps A and B → two users, each invisible to the other app and to the public app", ["mt1"], async () => {
            const { a, b } = m;
            const upA = sessionOf(await signUp(a, "", sharedEmail, "PasswordOfA1"), "sign-up in app A");
            const upB = sessionOf(await signUp(b, "", sharedEmail, "PasswordOfB1"), "sign-up in app B");
            m.userA = upA.user.id;
            m.userB = upB.user.id;
            assert.notEqual(m.userA, m.userB, "two different user ids");

            assert.equal((await a.rpc("getUser", m.userA)).id, m.userA, "app A finds its user");
            assert.equal(await a.rpc("getUser", m.userB), null, "app A does not find app B's user");
            assert.equal((await b.rpc("getUser", m.userB)).id, m.userB, "app B finds its user");
            assert.equal(await b.rpc("getUser", m.userA), null, "app B does not find app A's user");
            const byEmailA = await a.rpc("listUsersByAccountInfo", "public", { email: sharedEmail });
            assert.deepEqual(byEmailA.map((u) => u.id), [m.userA], "listUsersByAccountInfo in app A");
            const byEmailB = await b.rpc("listUsersByAccountInfo", "public", { email: sharedEmail });
            assert.deepEqual(byEmailB.map((u) => u.id), [m.userB], "listUsersByAccountInfo in app B");
            assert.deepEqual(await supertokens.listUsersByAccountInfo("public", { email: sharedEmail }), [], "the public app has no such user");
            assert.equal(await supertokens.getUser(m.userA), undefined, "the public app does not find app A's user");

            const crossed = await signIn(b, "", sharedEmail, "PasswordOfA1");
            assert.deepEqual(crossed.json, { status: "WRONG_CREDENTIALS_ERROR" }, `app A's password in app B: ${describe(crossed)}`);
            const own = sessionOf(await signIn(b, "", sharedEmail, "PasswordOfB1"), "sign-in in app B");
            assert.equal(own.jwt.payload.sub, m.userB, "app B signs in its own user");
        });

        await step("mt6", "access_token_validity: app A's override applies to app A's tokens only; each app verifies only its own", ["mt5"], async () => {
            const { a, b } = m;
            // B first, then A: A's token then outlives B's by at least validityA - validityBase - 1 s.
            const inB = sessionOf(await signIn(b, "", sharedEmail, "PasswordOfB1"), "sign-in in app B");
            const inA = sessionOf(await signIn(a, "", sharedEmail, "PasswordOfA1"), "sign-in in app A");
            const lifetime = (s) => s.jwt.payload.exp - s.jwt.payload.iat;
            // The core truncates iat and exp to whole seconds and may subtract up to 5 % jitter.
            assert.ok(
                lifetime(inA) <= validityA && lifetime(inA) >= validityA - 1,
                `app A's token lives ${lifetime(inA)} s (exp - iat), expected ${validityA} (its override)`,
            );
            assert.ok(
                lifetime(inB) <= validityBase && lifetime(inB) >= validityBase - 1,
                `app B's token lives ${lifetime(inB)} s, expected the core's ${validityBase}`,
            );
            const jwksA = await request(core, "GET", `/appid-${APP_A}/.well-known/jwks.json`);
            const jwksB = await request(core, "GET", `/appid-${APP_B}/.well-known/jwks.json`);
            assert.equal(jwksA.status, 200, `app A's JWKS: ${describe(jwksA)}`);
            assert.equal(jwksB.status, 200, `app B's JWKS: ${describe(jwksB)}`);
            const kids = (res) => res.json.keys.map((k) => k.kid);
            assert.ok(kids(jwksA).includes(inA.jwt.header.kid), "app A's JWKS has the key of app A's token");
            assert.ok(!kids(jwksB).includes(inA.jwt.header.kid), "app B's JWKS does not have the key of app A's token");
            const foreign = await sessionInfo(b, inA.accessToken);
            assert.equal(foreign.status, 401, `app A's token at app B's backend → 401: ${describe(foreign)}`);

            const waitMs = inB.jwt.payload.exp * 1000 - Date.now() + 300;
            if (waitMs > 0) await sleep(waitMs);
            const expired = await sessionInfo(b, inB.accessToken);
            assert.equal(expired.status, 401, `app B's token after its exp: ${describe(expired)}`);
            assert.deepEqual(expired.json, { message: "try refresh token" }, `app B's token after its exp: ${describe(expired)}`);
            assert.ok(Date.now() < inA.jwt.payload.exp * 1000 - 200, "app A's token must still be valid now (slow machine?)");
            const live = await sessionInfo(a, inA.accessToken);
            assert.equal(live.status, 200, `app A's token at the same moment: ${describe(live)}`);
            assert.equal(live.json.userId, m.userA, "app A's session");
        });

        await step("mt7", "removing app A: refused while it has tenants; then its data is gone, calls to it fail, app B is untouched; re-created it is empty", ["mt5"], async () => {
            const { a, b } = m;
            const refused = await removeApp(APP_A);
            assert.equal(refused.status, 403, `removing an app that still has tenants: ${describe(refused)}`);
            assert.deepEqual((await a.rpc("deleteTenant", "t1")), { status: "OK", didExist: true }, "deleteTenant(t1)");
            assert.deepEqual((await a.rpc("deleteTenant", "t1")), { status: "OK", didExist: false }, "deleteTenant(t1) again");
            assert.deepEqual((await a.rpc("deleteTenant", "t2")), { status: "OK", didExist: true }, "deleteTenant(t2)");
            assert.deepEqual(sortedIds((await a.rpc("listAllTenants")).tenants), ["public"], "app A's tenants after deleting");

            const removed = await removeApp(APP_A);
            assert.deepEqual(removed.json, { status: "OK", didExist: true }, `remove app A: ${describe(removed)}`);
            const again = await removeApp(APP_A);
            assert.deepEqual(again.json, { status: "OK", didExist: false }, `remove app A again: ${describe(again)}`);
            assert.deepEqual((await listApps()).map((app) => app.appId).sort(), [APP_B, "public"].sort(), "app list after removing A");

            assertUnknownApp(await a.rpcRaw("getUser", m.userA), "getUser in the removed app");
            assertUnknownApp(await a.rpcRaw("listUsersByAccountInfo", "public", { email: sharedEmail }), "listUsersByAccountInfo in the removed app");
            const fdiSignIn = await signIn(a, "", sharedEmail, "PasswordOfA1");
            assert.equal(fdiSignIn.status, 500, `FDI sign-in at the removed app's backend: ${describe(fdiSignIn)}`);
            assert.match(fdiSignIn.text, new RegExp(UNKNOWN_APP_MESSAGE), `FDI sign-in at the removed app's backend: ${describe(fdiSignIn)}`);

            assert.equal((await b.rpc("getUser", m.userB)).id, m.userB, "app B keeps its user");
            sessionOf(await signIn(b, "", sharedEmail, "PasswordOfB1"), "sign-in in app B after removing A");

            const recreated = await putApp({ appId: APP_A });
            assert.deepEqual(recreated.json, { status: "OK", createdNew: true }, `re-create app A: ${describe(recreated)}`);
            assert.equal(await a.rpc("getUser", m.userA), null, "the re-created app does not have the old user");
            assert.deepEqual(await a.rpc("listUsersByAccountInfo", "public", { email: sharedEmail }), [], "nor anyone with that email");
            assert.deepEqual((await a.rpc("getUsersNewestFirst", "public")).users, [], "no users at all");
            assert.deepEqual(sortedIds((await a.rpc("listAllTenants")).tenants), ["public"], "only the public tenant");
            assert.equal(await a.rpc("getTenant", "t1"), null, "t1 did not come back");
            const publicTenant = await a.rpc("getTenant", "public");
            assert.deepEqual(publicTenant.coreConfig, {}, "the old access_token_validity override did not come back");
            const fresh = await signIn(a, "", sharedEmail, "PasswordOfA1");
            assert.deepEqual(fresh.json, { status: "WRONG_CREDENTIALS_ERROR" }, `the old credentials in the re-created app: ${describe(fresh)}`);
            const newUser = sessionOf(await signUp(a, "", sharedEmail, "PasswordOfA1"), "sign-up in the re-created app");
            assert.notEqual(newUser.user.id, m.userA, "a new user");
            assert.equal(newUser.jwt.payload.exp - newUser.jwt.payload.iat <= validityBase, true, "the core's own access_token_validity again");
        });
    } finally {
        for (const worker of m.workers) {
            if (env.failures.length) process.stderr.write(`\n===== ${worker.name} (node) output =====\n${worker.logs() || "(none)"}\n`);
            await worker.stop().catch(() => {});
        }
    }
}

module.exports = { runMultitenancySteps };
