"use strict";
// Steps ev1–ev9: the official EmailVerification recipe (mode REQUIRED) of
// supertokens-node against the core, through its functions, its session claim
// (`st-ev`) and its FDI routes. Called from runScenario with the shared context.

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
const EmailVerification = require("supertokens-node/recipe/emailverification");
const { EmailVerificationClaim } = EmailVerification;

const { request, frontendHeaders, decodeJwt, describe } = require("./http");
const { sleep } = require("./core");
const { emailVerificationEmails, WEBSITE_DOMAIN, API_BASE_PATH } = require("../app");

const INVALID_TOKEN = { status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" };
const ALREADY_VERIFIED = { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
/** What node's REQUIRED-mode validator answers for a session whose `st-ev` is false. */
const EV_CLAIM_403 = {
    message: "invalid claim",
    claimValidationErrors: [{ id: "st-ev", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

/**
 * @param {{env: any, app: string, s: any, step: Function, plEmail: string, signUp: Function, signIn: Function,
 *          expectNewSession: Function, expectNoNewSession: Function}} ctx
 */
async function runEmailVerificationSteps(ctx) {
    const { env, app, s, step, plEmail, signUp, signIn, expectNewSession, expectNoNewSession } = ctx;
    const evEmail = `ev-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const evPassword = "Passw0rd123";
    const changedEmail = `ev-changed-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const ev = {}; // { userId, nodeSession }
    const rid = () => supertokens.convertToRecipeUserId(ev.userId);

    const createToken = (email) => EmailVerification.createEmailVerificationToken("public", rid(), email);
    const verifyToken = (token) => EmailVerification.verifyEmailUsingToken("public", token);
    /** Create a token and assert it is an OK one; return the token. */
    async function newToken(what, email) {
        const res = await createToken(email);
        assert.equal(res.status, "OK", `${what}: createEmailVerificationToken: ${JSON.stringify(res)}`);
        assert.deepEqual(Object.keys(res).sort(), ["status", "token"], `${what}: createEmailVerificationToken keys`);
        assert.equal(typeof res.token, "string", `${what}: token`);
        assert.match(res.token, /^[A-Za-z0-9_-]{64}$/, `${what}: the token is 64 URL-safe base64 characters (48 random bytes)`);
        return res.token;
    }
    /** verifyEmailUsingToken → OK for this user and `email`. */
    async function expectVerifiedBy(token, email, what) {
        const res = await verifyToken(token);
        assert.equal(res.status, "OK", `${what}: verifyEmailUsingToken: ${JSON.stringify(res)}`);
        assert.deepEqual(
            { status: res.status, recipeUserId: res.user.recipeUserId.getAsString(), email: res.user.email },
            { status: "OK", recipeUserId: ev.userId, email },
            `${what}: verifyEmailUsingToken answers the user id and email the token was made for`,
        );
    }
    async function expectInvalid(token, what) {
        assert.deepEqual(await verifyToken(token), INVALID_TOKEN, `${what}: verifyEmailUsingToken`);
    }
    async function expectIsVerified(expected, what, email) {
        assert.equal(
            await EmailVerification.isEmailVerified(rid(), email),
            expected,
            `${what}: isEmailVerified(${email === undefined ? "the user's current email" : email})`,
        );
    }
    /** The single login method of `userId`, through node's getUser (core GET /user/id). */
    async function loginMethodOf(userId, what) {
        const user = await supertokens.getUser(userId);
        assert.ok(user, `${what}: getUser(${userId}) must find the user`);
        assert.equal(user.loginMethods.length, 1, `${what}: one login method`);
        return user.loginMethods[0];
    }
    /** The `st-ev` claim of an access token: {v: boolean, t: epoch ms of the fetch}. */
    function evClaimOf(accessToken, expected, what) {
        const claim = decodeJwt(accessToken).payload["st-ev"];
        assert.ok(claim && typeof claim === "object", `${what}: the access token must carry st-ev, got ${JSON.stringify(claim)}`);
        assert.deepEqual(Object.keys(claim).sort(), ["t", "v"], `${what}: st-ev = {v, t}`);
        assert.equal(claim.v, expected, `${what}: st-ev.v`);
        assert.equal(typeof claim.t, "number", `${what}: st-ev.t`);
        assert.ok(Math.abs(claim.t - Date.now()) < 60_000, `${what}: st-ev.t is the time it was fetched (ms), got ${claim.t}`);
        return claim;
    }
    const verifiedRoute = (accessToken) =>
        request(app, "GET", "/sessioninfo/verified", { headers: frontendHeaders(), bearer: accessToken });
    const evFdi = (method, path, accessToken, body) =>
        request(app, method, `${API_BASE_PATH}${path}`, {
            headers: frontendHeaders("emailverification"),
            bearer: accessToken,
            body,
        });

    await step("ev1", "email verification: a new user is unverified — st-ev false in its session, 403 on a REQUIRED route", [], async () => {
        const res = await signUp(evEmail, evPassword);
        assert.equal(res.json && res.json.status, "OK", `sign-up: ${describe(res)}`);
        const tokens = expectNewSession(res, "sign-up (ev)", res.json.user.id);
        ev.userId = res.json.user.id;
        // HTTP first: the access token lives only a few seconds.
        const refused = await verifiedRoute(tokens.accessToken);
        assert.equal(refused.status, 403, `REQUIRED route with an unverified email: ${describe(refused)}`);
        assert.deepEqual(refused.json, EV_CLAIM_403, `REQUIRED route with an unverified email: ${describe(refused)}`);
        evClaimOf(tokens.accessToken, false, "sign-up access token");

        await expectIsVerified(false, "new user");
        await expectIsVerified(false, "new user", evEmail);
        assert.equal((await loginMethodOf(ev.userId, "new user")).verified, false, "loginMethods[0].verified of a new user");

        ev.nodeSession = await Session.createNewSessionWithoutRequestResponse("public", rid());
        assert.equal(await ev.nodeSession.getClaimValue(EmailVerificationClaim), false, "node session: EmailVerificationClaim");
        evClaimOf(ev.nodeSession.getAccessToken(), false, "node session access token");
    });

    await step("ev2", "createEmailVerificationToken → verifyEmailUsingToken OK; isEmailVerified true; tokens then invalid; FDI GET refreshes st-ev", ["ev1"], async () => {
        const signedIn = await signIn(evEmail, evPassword);
        assert.equal(signedIn.json && signedIn.json.status, "OK", `sign-in: ${describe(signedIn)}`);
        const before = expectNewSession(signedIn, "sign-in (unverified)", ev.userId);
        evClaimOf(before.accessToken, false, "sign-in access token before verification");

        const first = await newToken("first token", evEmail);
        const second = await newToken("second token (email taken from the user)");
        assert.notEqual(first, second, "every token is new");
        await expectVerifiedBy(first, evEmail, "first token");

        // FDI: GET user/email/verify with the pre-verification session → isVerified, and a new access token with st-ev true.
        const polled = await evFdi("GET", "/user/email/verify", before.accessToken);
        assert.equal(polled.status, 200, `GET /auth/user/email/verify: ${describe(polled)}`);
        assert.deepEqual(polled.json, { status: "OK", isVerified: true }, `GET /auth/user/email/verify: ${describe(polled)}`);
        const updated = polled.headers.get("st-access-token");
        assert.ok(updated, `GET /auth/user/email/verify must send an updated access token: ${describe(polled)}`);
        evClaimOf(updated, true, "access token updated by GET /auth/user/email/verify");
        const allowed = await verifiedRoute(updated);
        assert.equal(allowed.status, 200, `REQUIRED route with the updated token: ${describe(allowed)}`);
        assert.equal(allowed.json.userId, ev.userId, "REQUIRED route userId");
        // The old token still says false (node re-checks a false st-ev only after 10 s).
        const stale = await verifiedRoute(before.accessToken);
        assert.deepEqual([stale.status, stale.json], [403, EV_CLAIM_403], `REQUIRED route with the old token: ${describe(stale)}`);

        await expectIsVerified(true, "after verification");
        await expectIsVerified(true, "after verification", evEmail);
        assert.equal((await loginMethodOf(ev.userId, "after verification")).verified, true, "loginMethods[0].verified");

        await expectInvalid(first, "the used token again");
        await expectInvalid(second, "a second token of the verified pair (all tokens of the pair are gone)");
        await expectInvalid(crypto.randomBytes(48).toString("base64url"), "an unknown token");
    });

    await step("ev3", "a verified email: create token → EMAIL_ALREADY_VERIFIED_ERROR; node's EmailVerificationClaim turns true", ["ev2"], async () => {
        assert.deepEqual(await createToken(evEmail), ALREADY_VERIFIED, "createEmailVerificationToken for a verified email");
        assert.deepEqual(await createToken(), ALREADY_VERIFIED, "createEmailVerificationToken (email from the user) for a verified email");

        const session = ev.nodeSession;
        assert.equal(await session.getClaimValue(EmailVerificationClaim), false, "node session: the claim is still the value fetched at creation");
        await session.fetchAndSetClaim(EmailVerificationClaim);
        assert.equal(await session.getClaimValue(EmailVerificationClaim), true, "node session after fetchAndSetClaim");
        evClaimOf(session.getAccessToken(), true, "node session access token after fetchAndSetClaim");
        await session.assertClaims([EmailVerificationClaim.validators.isVerified()]);

        // The same, as stored by the core for the session handle.
        assert.deepEqual(
            await Session.getClaimValue(session.getHandle(), EmailVerificationClaim),
            { status: "OK", value: true },
            "Session.getClaimValue(handle) after fetchAndSetClaim",
        );
        assert.deepEqual(
            await Session.validateClaimsForSessionHandle(session.getHandle()),
            { status: "OK", invalidClaims: [] },
            "Session.validateClaimsForSessionHandle with the REQUIRED-mode validator",
        );
    });

    await step("ev4", "unverifyEmail → isEmailVerified false; the user object and node's claim follow", ["ev2"], async () => {
        assert.deepEqual(await EmailVerification.unverifyEmail(rid(), evEmail), { status: "OK" }, "unverifyEmail");
        await expectIsVerified(false, "after unverifyEmail");
        await expectIsVerified(false, "after unverifyEmail", evEmail);
        assert.equal((await loginMethodOf(ev.userId, "after unverifyEmail")).verified, false, "loginMethods[0].verified");
        assert.deepEqual(await EmailVerification.unverifyEmail(rid()), { status: "OK" }, "unverifyEmail of an unverified email");
        await expectIsVerified(false, "after a second unverifyEmail");

        const session = ev.nodeSession;
        await session.fetchAndSetClaim(EmailVerificationClaim);
        assert.equal(await session.getClaimValue(EmailVerificationClaim), false, "node session after unverify + fetchAndSetClaim");
        assert.deepEqual(
            await Session.validateClaimsForSessionHandle(session.getHandle()),
            { status: "OK", invalidClaims: EV_CLAIM_403.claimValidationErrors },
            "Session.validateClaimsForSessionHandle after unverify",
        );
        await assert.rejects(
            session.assertClaims([EmailVerificationClaim.validators.isVerified()]),
            (err) => err.type === "INVALID_CLAIMS",
            "assertClaims(isVerified) must throw INVALID_CLAIMS",
        );
    });

    await step("ev5", "revokeEmailVerificationTokens makes outstanding tokens invalid", ["ev4"], async () => {
        const a = await newToken("token a", evEmail);
        const b = await newToken("token b", evEmail);
        assert.deepEqual(
            await EmailVerification.revokeEmailVerificationTokens("public", rid(), evEmail),
            { status: "OK" },
            "revokeEmailVerificationTokens",
        );
        await expectInvalid(a, "token a after revoke");
        await expectInvalid(b, "token b after revoke");
        await expectIsVerified(false, "after revoked tokens were tried");
        // Revoking when there is nothing to revoke is fine, and new tokens work again.
        assert.deepEqual(
            await EmailVerification.revokeEmailVerificationTokens("public", rid()),
            { status: "OK" },
            "revokeEmailVerificationTokens with no tokens",
        );
    });

    await step("ev6", "FDI: POST user/email/verify/token mails the link; POST user/email/verify with it → OK and st-ev true", ["ev5"], async () => {
        const signedIn = await signIn(evEmail, evPassword);
        assert.equal(signedIn.json && signedIn.json.status, "OK", `sign-in: ${describe(signedIn)}`);
        const session = expectNewSession(signedIn, "sign-in (unverified again)", ev.userId);
        evClaimOf(session.accessToken, false, "sign-in access token");

        const before = emailVerificationEmails.length;
        const sent = await evFdi("POST", "/user/email/verify/token", session.accessToken);
        assert.equal(sent.status, 200, `POST /auth/user/email/verify/token: ${describe(sent)}`);
        assert.deepEqual(sent.json, { status: "OK" }, `POST /auth/user/email/verify/token: ${describe(sent)}`);
        const mails = emailVerificationEmails.slice(before);
        assert.equal(mails.length, 1, `one verification email, got ${JSON.stringify(mails)}`);
        const mail = mails[0];
        assert.deepEqual(
            { email: mail.email, userId: mail.userId, recipeUserId: mail.recipeUserId, tenantId: mail.tenantId },
            { email: evEmail, userId: ev.userId, recipeUserId: ev.userId, tenantId: "public" },
            "verification email recipient",
        );
        const link = new URL(mail.emailVerifyLink);
        assert.equal(link.origin + link.pathname, `${WEBSITE_DOMAIN}${API_BASE_PATH}/verify-email`, `verification link: ${link}`);
        assert.equal(link.searchParams.get("tenantId"), "public", `verification link tenantId: ${link}`);
        const token = link.searchParams.get("token");
        assert.match(token || "", /^[A-Za-z0-9_-]{64}$/, `verification link token: ${link}`);

        const verified = await evFdi("POST", "/user/email/verify", session.accessToken, { method: "token", token });
        assert.equal(verified.status, 200, `POST /auth/user/email/verify: ${describe(verified)}`);
        assert.deepEqual(verified.json, { status: "OK" }, `POST /auth/user/email/verify: ${describe(verified)}`);
        const updated = verified.headers.get("st-access-token");
        assert.ok(updated, `POST /auth/user/email/verify with a session must update its access token: ${describe(verified)}`);
        evClaimOf(updated, true, "access token updated by POST /auth/user/email/verify");
        const allowed = await verifiedRoute(updated);
        assert.equal(allowed.status, 200, `REQUIRED route after FDI verification: ${describe(allowed)}`);
        await expectIsVerified(true, "after FDI verification");

        const again = await evFdi("POST", "/user/email/verify", undefined, { method: "token", token });
        assert.equal(again.status, 200, `the link again: ${describe(again)}`);
        assert.deepEqual(again.json, INVALID_TOKEN, `the link again: ${describe(again)}`);
        expectNoNewSession(again, "the link again");

        const mailsBefore = emailVerificationEmails.length;
        const already = await evFdi("POST", "/user/email/verify/token", updated);
        assert.equal(already.status, 200, `verify/token for a verified email: ${describe(already)}`);
        assert.deepEqual(already.json, ALREADY_VERIFIED, `verify/token for a verified email: ${describe(already)}`);
        assert.equal(emailVerificationEmails.length, mailsBefore, "no email for a verified address");
    });

    await step("ev7", "an expired verification token is refused (and takes the pair's other tokens with it)", ["ev1"], async () => {
        assert.deepEqual(await EmailVerification.unverifyEmail(rid(), evEmail), { status: "OK" }, "unverifyEmail");
        const token = await newToken("token to expire", evEmail);
        await sleep(env.emailVerificationTokenLifetimeMs + 1200);
        const newer = await newToken("token made after the first expired", evEmail);
        await expectInvalid(token, `a token older than the core's lifetime (${env.emailVerificationTokenLifetimeMs} ms)`);
        await expectIsVerified(false, "after the expired token");
        await expectInvalid(newer, "a newer token of the pair (using an expired token deletes every token of the pair)");
        // A fresh token still works.
        await expectVerifiedBy(await newToken("fresh token", evEmail), evEmail, "fresh token after expiry");
        await expectIsVerified(true, "after the fresh token");
    });

    await step("ev8", "a passwordless email user is verified; sessions of passwordless users carry st-ev true", ["p2", "p6"], async () => {
        const plRid = supertokens.convertToRecipeUserId(s.plUserId);
        assert.equal(await EmailVerification.isEmailVerified(plRid), true, "isEmailVerified of the passwordless email user");
        assert.equal(await EmailVerification.isEmailVerified(plRid, plEmail), true, "isEmailVerified(passwordless user, its email)");
        assert.deepEqual(
            await EmailVerification.createEmailVerificationToken("public", plRid),
            ALREADY_VERIFIED,
            "createEmailVerificationToken for the passwordless email user",
        );
        const method = await loginMethodOf(s.plUserId, "passwordless user");
        assert.deepEqual([method.recipeId, method.email, method.verified], ["passwordless", plEmail, true], "passwordless login method");
        evClaimOf(s.plSignUpSession.accessToken, true, "passwordless sign-up session");
        // No email at all: node counts the user as verified.
        evClaimOf(s.plPhoneSession.accessToken, true, "phone-only passwordless session");
    });

    await step("ev9", "updateEmailOrPassword to a new email → that email is unverified (the old pair keeps its state)", ["ev7"], async () => {
        await expectIsVerified(true, "before the email change", evEmail);
        const updated = await EmailPassword.updateEmailOrPassword({ recipeUserId: rid(), email: changedEmail });
        assert.deepEqual(updated, { status: "OK" }, "updateEmailOrPassword");
        const method = await loginMethodOf(ev.userId, "after the email change");
        assert.deepEqual([method.email, method.verified], [changedEmail, false], "login method email and verified after the change");
        await expectIsVerified(false, "after the email change");
        await expectIsVerified(false, "after the email change", changedEmail);
        await expectIsVerified(true, "the old email (state is per user id and email)", evEmail);

        await ev.nodeSession.fetchAndSetClaim(EmailVerificationClaim);
        assert.equal(await ev.nodeSession.getClaimValue(EmailVerificationClaim), false, "node session claim after the email change");

        await expectVerifiedBy(await newToken("token for the new email"), changedEmail, "token for the new email");
        await expectIsVerified(true, "the new email after verification");
        assert.equal((await loginMethodOf(ev.userId, "new email verified")).verified, true, "loginMethods[0].verified");
    });
}

module.exports = { runEmailVerificationSteps };
