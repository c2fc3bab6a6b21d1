"use strict";
// Steps r1–r7: the official UserRoles recipe of supertokens-node against the core,
// and the `st-role` / `st-perm` claims node puts into every new session.
// Lists are compared in the core's documented order: sorted.

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const supertokens = require("supertokens-node");
const Session = require("supertokens-node/recipe/session");
const EmailPassword = require("supertokens-node/recipe/emailpassword");
const UserRoles = require("supertokens-node/recipe/userroles");
const { UserRoleClaim, PermissionClaim } = UserRoles;

const { request, decodeJwt, describe } = require("./http");

const UNKNOWN_ROLE = { status: "UNKNOWN_ROLE_ERROR" };
const T = "public"; // the only tenant until multitenancy lands

/**
 * @param {{env: any, step: Function, signIn: Function, sessionInfo: Function, expectNewSession: Function}} ctx
 */
async function runUserRolesSteps(ctx) {
    const { env, step, signIn, sessionInfo, expectNewSession } = ctx;
    const email = `roles-${crypto.randomBytes(4).toString("hex")}@example.com`;
    const password = "Passw0rd123";
    // Role assignments do not check that the user exists: a free-form id works too.
    const otherUser = `roles-other-${crypto.randomBytes(4).toString("hex")}`;
    const r = {}; // { userId, nodeSession }
    const sorted = (list) => [...list].sort();

    const rolesOf = (userId) => UserRoles.getRolesForUser(T, userId);
    const usersOf = (role) => UserRoles.getUsersThatHaveRole(T, role);
    const permissionsOf = (role) => UserRoles.getPermissionsForRole(role);
    const cdiGet = (path) => request(env.core.url, "GET", path, { headers: { "api-key": env.core.apiKey } });

    /** An array claim of an access token: {v: [...], t: epoch ms}. */
    function arrayClaimOf(accessToken, key, expected, what) {
        const claim = decodeJwt(accessToken).payload[key];
        assert.ok(claim && typeof claim === "object", `${what}: the access token must carry ${key}, got ${JSON.stringify(claim)}`);
        assert.deepEqual(Object.keys(claim).sort(), ["t", "v"], `${what}: ${key} = {v, t}`);
        assert.deepEqual(claim.v, expected, `${what}: ${key}.v`);
        assert.equal(typeof claim.t, "number", `${what}: ${key}.t`);
        assert.ok(Math.abs(claim.t - Date.now()) < 60_000, `${what}: ${key}.t is the time it was fetched (ms), got ${claim.t}`);
    }

    await step("r1", "user roles: createNewRoleOrAddPermissions creates (true), then adds permissions (false); getAllRoles", [], async () => {
        assert.deepEqual(
            await UserRoles.createNewRoleOrAddPermissions("admin", ["write", "read"]),
            { status: "OK", createdNewRole: true },
            "create admin",
        );
        assert.deepEqual(await permissionsOf("admin"), { status: "OK", permissions: ["read", "write"] }, "admin permissions");
        assert.deepEqual(
            await UserRoles.createNewRoleOrAddPermissions("admin", ["delete", "read"]),
            { status: "OK", createdNewRole: false },
            "add permissions to admin",
        );
        assert.deepEqual(
            await permissionsOf("admin"),
            { status: "OK", permissions: ["delete", "read", "write"] },
            "admin permissions after adding (a repeated one kept once)",
        );
        assert.deepEqual(
            await UserRoles.createNewRoleOrAddPermissions("editor", ["read", "publish"]),
            { status: "OK", createdNewRole: true },
            "create editor",
        );
        assert.deepEqual(
            await UserRoles.createNewRoleOrAddPermissions("viewer", []),
            { status: "OK", createdNewRole: true },
            "create viewer without permissions",
        );
        assert.deepEqual(await permissionsOf("viewer"), { status: "OK", permissions: [] }, "viewer permissions");
        assert.deepEqual(
            await UserRoles.createNewRoleOrAddPermissions("viewer", []),
            { status: "OK", createdNewRole: false },
            "viewer again",
        );
        assert.deepEqual(await permissionsOf("editor"), { status: "OK", permissions: ["publish", "read"] }, "editor permissions");
        assert.deepEqual(await UserRoles.getAllRoles(), { status: "OK", roles: ["admin", "editor", "viewer"] }, "getAllRoles");
    });

    await step("r2", "getRolesThatHavePermission; unknown roles → UNKNOWN_ROLE_ERROR everywhere", ["r1"], async () => {
        assert.deepEqual(await UserRoles.getRolesThatHavePermission("read"), { status: "OK", roles: ["admin", "editor"] }, "roles with read");
        assert.deepEqual(await UserRoles.getRolesThatHavePermission("publish"), { status: "OK", roles: ["editor"] }, "roles with publish");
        assert.deepEqual(await UserRoles.getRolesThatHavePermission("nothing"), { status: "OK", roles: [] }, "roles with an unknown permission");

        assert.deepEqual(await permissionsOf("ghost"), UNKNOWN_ROLE, "getPermissionsForRole(unknown)");
        assert.deepEqual(await UserRoles.addRoleToUser(T, otherUser, "ghost"), UNKNOWN_ROLE, "addRoleToUser(unknown role)");
        assert.deepEqual(await UserRoles.removeUserRole(T, otherUser, "ghost"), UNKNOWN_ROLE, "removeUserRole(unknown role)");
        assert.deepEqual(await usersOf("ghost"), UNKNOWN_ROLE, "getUsersThatHaveRole(unknown role)");
        assert.deepEqual(await UserRoles.removePermissionsFromRole("ghost", ["read"]), UNKNOWN_ROLE, "removePermissionsFromRole(unknown role)");
        assert.deepEqual(await UserRoles.deleteRole("ghost"), { status: "OK", didRoleExist: false }, "deleteRole(unknown role)");
        assert.deepEqual(await UserRoles.getAllRoles(), { status: "OK", roles: ["admin", "editor", "viewer"] }, "no role was created by these");
        assert.deepEqual(await rolesOf(otherUser), { status: "OK", roles: [] }, "the user got no role");
    });

    await step("r3", "addRoleToUser (false, then true), getRolesForUser, getUsersThatHaveRole — public tenant, with and without /public", ["r1"], async () => {
        const up = await EmailPassword.signUp(T, email, password);
        assert.equal(up.status, "OK", `EmailPassword.signUp: ${JSON.stringify(up)}`);
        r.userId = up.user.id;

        assert.deepEqual(await rolesOf(r.userId), { status: "OK", roles: [] }, "a new user has no roles");
        assert.deepEqual(
            await UserRoles.addRoleToUser(T, r.userId, "editor"),
            { status: "OK", didUserAlreadyHaveRole: false },
            "add editor",
        );
        assert.deepEqual(
            await UserRoles.addRoleToUser(T, r.userId, "editor"),
            { status: "OK", didUserAlreadyHaveRole: true },
            "add editor again",
        );
        assert.deepEqual(
            await UserRoles.addRoleToUser(T, r.userId, "admin"),
            { status: "OK", didUserAlreadyHaveRole: false },
            "add admin",
        );
        assert.deepEqual(
            await UserRoles.addRoleToUser(T, otherUser, "admin"),
            { status: "OK", didUserAlreadyHaveRole: false },
            "add admin to a free-form user id",
        );
        assert.deepEqual(await rolesOf(r.userId), { status: "OK", roles: ["admin", "editor"] }, "roles of the user");
        assert.deepEqual(await rolesOf(otherUser), { status: "OK", roles: ["admin"] }, "roles of the other user");
        assert.deepEqual(await usersOf("admin"), { status: "OK", users: sorted([r.userId, otherUser]) }, "users with admin");
        assert.deepEqual(await usersOf("editor"), { status: "OK", users: [r.userId] }, "users with editor");
        assert.deepEqual(await usersOf("viewer"), { status: "OK", users: [] }, "users with viewer");

        // The SDK addresses the tenant as /public/recipe/…; the plain path means the same tenant.
        const q = encodeURIComponent;
        for (const prefix of ["", "/public"]) {
            const roles = await cdiGet(`${prefix}/recipe/user/roles?userId=${q(r.userId)}`);
            assert.equal(roles.status, 200, `GET ${prefix}/recipe/user/roles: ${describe(roles)}`);
            assert.deepEqual(roles.json, { status: "OK", roles: ["admin", "editor"] }, `GET ${prefix}/recipe/user/roles`);
            const users = await cdiGet(`${prefix}/recipe/role/users?role=admin`);
            assert.equal(users.status, 200, `GET ${prefix}/recipe/role/users: ${describe(users)}`);
            assert.deepEqual(users.json, { status: "OK", users: sorted([r.userId, otherUser]) }, `GET ${prefix}/recipe/role/users`);
        }
    });

    await step("r4", "sessions created by node carry st-role and st-perm with the user's roles and permissions", ["r3"], async () => {
        // st-perm: node walks the roles in the core's order and each role's permissions in the
        // core's order, keeping the first occurrence: admin [delete, read, write], editor [publish, read].
        const roles = ["admin", "editor"];
        const permissions = ["delete", "read", "write", "publish"];

        const res = await signIn(email, password);
        assert.equal(res.json && res.json.status, "OK", `sign-in: ${describe(res)}`);
        const tokens = expectNewSession(res, "sign-in (roles)", r.userId);
        const info = await sessionInfo(tokens.accessToken);
        assert.equal(info.status, 200, `/sessioninfo: ${describe(info)}`);
        assert.deepEqual(info.json.accessTokenPayload["st-role"].v, roles, "/sessioninfo accessTokenPayload st-role");
        arrayClaimOf(tokens.accessToken, "st-role", roles, "FDI sign-in access token");
        arrayClaimOf(tokens.accessToken, "st-perm", permissions, "FDI sign-in access token");

        r.nodeSession = await Session.createNewSessionWithoutRequestResponse(T, supertokens.convertToRecipeUserId(r.userId));
        assert.deepEqual(await r.nodeSession.getClaimValue(UserRoleClaim), roles, "node session UserRoleClaim");
        assert.deepEqual(await r.nodeSession.getClaimValue(PermissionClaim), permissions, "node session PermissionClaim");
        arrayClaimOf(r.nodeSession.getAccessToken(), "st-role", roles, "node session access token");
        arrayClaimOf(r.nodeSession.getAccessToken(), "st-perm", permissions, "node session access token");
        await r.nodeSession.assertClaims([
            UserRoleClaim.validators.includes("admin"),
            PermissionClaim.validators.includesAll(["publish", "delete"]),
        ]);
        await assert.rejects(
            r.nodeSession.assertClaims([UserRoleClaim.validators.includes("viewer")]),
            (err) => err.type === "INVALID_CLAIMS",
            "assertClaims(includes viewer) must throw INVALID_CLAIMS",
        );
    });

    await step("r5", "removeUserRole (true, then false); node's claims follow after fetchAndSetClaim", ["r3", "r4"], async () => {
        assert.deepEqual(
            await UserRoles.removeUserRole(T, r.userId, "editor"),
            { status: "OK", didUserHaveRole: true },
            "remove editor",
        );
        assert.deepEqual(
            await UserRoles.removeUserRole(T, r.userId, "editor"),
            { status: "OK", didUserHaveRole: false },
            "remove editor again",
        );
        assert.deepEqual(await rolesOf(r.userId), { status: "OK", roles: ["admin"] }, "roles after removal");
        assert.deepEqual(await usersOf("editor"), { status: "OK", users: [] }, "users with editor after removal");
        assert.deepEqual(await permissionsOf("editor"), { status: "OK", permissions: ["publish", "read"] }, "the role itself is untouched");

        await r.nodeSession.fetchAndSetClaim(UserRoleClaim);
        await r.nodeSession.fetchAndSetClaim(PermissionClaim);
        assert.deepEqual(await r.nodeSession.getClaimValue(UserRoleClaim), ["admin"], "UserRoleClaim after removal");
        assert.deepEqual(await r.nodeSession.getClaimValue(PermissionClaim), ["delete", "read", "write"], "PermissionClaim after removal");
    });

    await step("r6", "removePermissionsFromRole: some, none ([]), then all (no list)", ["r1"], async () => {
        assert.deepEqual(
            await UserRoles.removePermissionsFromRole("admin", ["write", "never-granted"]),
            { status: "OK" },
            "remove write (and a permission the role never had)",
        );
        assert.deepEqual(await permissionsOf("admin"), { status: "OK", permissions: ["delete", "read"] }, "admin after removing write");
        assert.deepEqual(await UserRoles.getRolesThatHavePermission("write"), { status: "OK", roles: [] }, "roles with write");

        assert.deepEqual(await UserRoles.removePermissionsFromRole("admin", []), { status: "OK" }, "remove an empty list");
        assert.deepEqual(await permissionsOf("admin"), { status: "OK", permissions: ["delete", "read"] }, "an empty list removes nothing");

        assert.deepEqual(
            await UserRoles.removePermissionsFromRole("admin", ["delete", "read"]),
            { status: "OK" },
            "remove every remaining permission by name",
        );
        assert.deepEqual(await permissionsOf("admin"), { status: "OK", permissions: [] }, "admin has no permissions left");

        // Without a list (node omits the undefined field from the body) the core removes them all.
        assert.deepEqual(await UserRoles.removePermissionsFromRole("editor", undefined), { status: "OK" }, "remove all of editor's");
        assert.deepEqual(await permissionsOf("editor"), { status: "OK", permissions: [] }, "editor has no permissions left");
        assert.deepEqual(await UserRoles.getRolesThatHavePermission("read"), { status: "OK", roles: [] }, "roles with read");
        assert.deepEqual(await UserRoles.getAllRoles(), { status: "OK", roles: ["admin", "editor", "viewer"] }, "the roles still exist");
    });

    await step("r7", "deleteRole (didRoleExist true, then false); its users lose it; a new session reflects it", ["r3", "r5"], async () => {
        assert.deepEqual(
            await UserRoles.addRoleToUser(T, r.userId, "viewer"),
            { status: "OK", didUserAlreadyHaveRole: false },
            "add viewer",
        );
        assert.deepEqual(await UserRoles.createNewRoleOrAddPermissions("viewer", ["view"]), { status: "OK", createdNewRole: false }, "grant view");
        assert.deepEqual(await rolesOf(r.userId), { status: "OK", roles: ["admin", "viewer"] }, "roles before deleteRole");

        assert.deepEqual(await UserRoles.deleteRole("admin"), { status: "OK", didRoleExist: true }, "delete admin");
        assert.deepEqual(await UserRoles.deleteRole("admin"), { status: "OK", didRoleExist: false }, "delete admin again");
        assert.deepEqual(await rolesOf(r.userId), { status: "OK", roles: ["viewer"] }, "the user lost admin");
        assert.deepEqual(await rolesOf(otherUser), { status: "OK", roles: [] }, "the other user lost admin");
        assert.deepEqual(await UserRoles.getAllRoles(), { status: "OK", roles: ["editor", "viewer"] }, "getAllRoles after delete");
        assert.deepEqual(await permissionsOf("admin"), UNKNOWN_ROLE, "permissions of a deleted role");
        assert.deepEqual(await usersOf("admin"), UNKNOWN_ROLE, "users of a deleted role");
        assert.deepEqual(await UserRoles.addRoleToUser(T, r.userId, "admin"), UNKNOWN_ROLE, "assigning a deleted role");

        // Re-creating the role does not bring the assignments back.
        assert.deepEqual(await UserRoles.createNewRoleOrAddPermissions("admin", []), { status: "OK", createdNewRole: true }, "re-create admin");
        assert.deepEqual(await usersOf("admin"), { status: "OK", users: [] }, "nobody has the re-created admin");

        const res = await signIn(email, password);
        assert.equal(res.json && res.json.status, "OK", `sign-in: ${describe(res)}`);
        const tokens = expectNewSession(res, "sign-in after deleteRole", r.userId);
        arrayClaimOf(tokens.accessToken, "st-role", ["viewer"], "access token after deleteRole");
        arrayClaimOf(tokens.accessToken, "st-perm", ["view"], "access token after deleteRole");
    });
}

module.exports = { runUserRolesSteps };
