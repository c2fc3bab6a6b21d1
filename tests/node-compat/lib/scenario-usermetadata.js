"use strict";
// Steps m1–m3: the official UserMetadata recipe of supertokens-node against the core.

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const UserMetadata = require("supertokens-node/recipe/usermetadata");

/** @param {{step: Function}} ctx */
async function runUserMetadataSteps(ctx) {
    const { step } = ctx;
    // User ids are free-form for this recipe: the core does not check that the user exists.
    const userA = `meta-a-${crypto.randomBytes(4).toString("hex")}`;
    const userB = `meta-b-${crypto.randomBytes(4).toString("hex")}`;

    await step("m1", "user metadata: an unknown user has {}", [], async () => {
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: {} }, "getUserMetadata of an unknown user");
    });

    await step("m2", "updateUserMetadata merges top-level keys, null deletes a key, nested objects are replaced", ["m1"], async () => {
        const first = {
            name: "Ada",
            theme: { mode: "dark", font: { size: 12 } },
            tags: ["a", "b"],
            count: 1,
            active: true,
        };
        assert.deepEqual(await UserMetadata.updateUserMetadata(userA, first), { status: "OK", metadata: first }, "first update");
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: first }, "read after the first update");

        const merged = await UserMetadata.updateUserMetadata(userA, {
            theme: { accent: "blue" }, // replaces the whole object
            count: null, // removes the key
            tags: [], // replaces the array
            note: "hi", // adds a key
            missing: null, // removing an absent key is fine
        });
        const expected = { name: "Ada", theme: { accent: "blue" }, tags: [], active: true, note: "hi" };
        assert.deepEqual(merged, { status: "OK", metadata: expected }, "shallow merge result");
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: expected }, "read after the merge");

        assert.deepEqual(
            await UserMetadata.updateUserMetadata(userA, {}),
            { status: "OK", metadata: expected },
            "an empty update changes nothing",
        );
        // Another user's metadata is separate.
        assert.deepEqual(
            await UserMetadata.updateUserMetadata(userB, { name: "Grace" }),
            { status: "OK", metadata: { name: "Grace" } },
            "update of user B",
        );
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: expected }, "user A unaffected by B");
    });

    await step("m3", "clearUserMetadata removes everything; a later update starts from {}", ["m2"], async () => {
        assert.deepEqual(await UserMetadata.clearUserMetadata(userA), { status: "OK" }, "clearUserMetadata");
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: {} }, "read after clear");
        assert.deepEqual(await UserMetadata.clearUserMetadata(userA), { status: "OK" }, "clearing again");
        assert.deepEqual(
            await UserMetadata.getUserMetadata(userB),
            { status: "OK", metadata: { name: "Grace" } },
            "user B unaffected by clearing A",
        );
        assert.deepEqual(
            await UserMetadata.updateUserMetadata(userA, { fresh: 1 }),
            { status: "OK", metadata: { fresh: 1 } },
            "update after clear",
        );
        // Setting every key to null leaves {} (and the stored object is then empty).
        assert.deepEqual(
            await UserMetadata.updateUserMetadata(userA, { fresh: null }),
            { status: "OK", metadata: {} },
            "nulling the last key",
        );
        assert.deepEqual(await UserMetadata.getUserMetadata(userA), { status: "OK", metadata: {} }, "read after nulling");
    });
}

module.exports = { runUserMetadataSteps };
