"use strict";
// Tiny fetch wrapper + token decoding helpers used by the scenario.

const REQUEST_TIMEOUT_MS = 15_000;
// What supertokens-web-js sends as fdi-version (captured from the real frontend).
const FDI_VERSION = "3.1,4.0,4.1,4.2";

/**
 * @returns {Promise<{status: number, headers: Headers, text: string, json: any}>}
 */
async function request(baseUrl, method, path, { body, headers = {}, bearer } = {}) {
    const h = { ...headers };
    if (bearer !== undefined) h.authorization = `Bearer ${bearer}`;
    if (body !== undefined) h["content-type"] = "application/json";
    let res;
    try {
        res = await fetch(baseUrl + path, {
            method,
            headers: h,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
    } catch (err) {
        const cause = err.cause ? ` (${err.cause.code || err.cause.message})` : "";
        throw new Error(`${method} ${baseUrl}${path} failed: ${err.message}${cause}`);
    }
    const text = await res.text();
    let json;
    try {
        json = text === "" ? undefined : JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
}

/** Headers a header-mode frontend (supertokens-web-js) sends on FDI calls. */
function frontendHeaders(rid) {
    const h = { "st-auth-mode": "header", "fdi-version": FDI_VERSION };
    if (rid) h.rid = rid;
    return h;
}

function decodeBase64Json(s, what) {
    try {
        return JSON.parse(Buffer.from(s, "base64").toString("utf8"));
    } catch (err) {
        throw new Error(`${what} is not base64 JSON: ${JSON.stringify(s)} (${err.message})`);
    }
}

/** front-token = standard base64 of {"uid","ate","up"}. */
function decodeFrontToken(s) {
    return decodeBase64Json(s, "front-token");
}

/** Decode (without verifying) a JWT into {header, payload}. */
function decodeJwt(token) {
    const parts = String(token).split(".");
    if (parts.length !== 3) throw new Error(`not a JWT (expected 3 segments): ${JSON.stringify(token)}`);
    const dec = (seg, what) => {
        try {
            return JSON.parse(Buffer.from(seg, "base64url").toString("utf8"));
        } catch (err) {
            throw new Error(`JWT ${what} segment is not base64url JSON (${err.message})`);
        }
    };
    return { header: dec(parts[0], "header"), payload: dec(parts[1], "payload") };
}

/** A short, log-friendly description of a response for assertion messages. */
function describe(res) {
    const hdrs = ["st-access-token", "st-refresh-token", "front-token"]
        .map((n) => `${n}=${res.headers.get(n) === null ? "(absent)" : JSON.stringify(res.headers.get(n).slice(0, 24) + "…")}`)
        .join(" ");
    return `HTTP ${res.status} body=${res.text.slice(0, 600)} [${hdrs}]`;
}

module.exports = { request, frontendHeaders, decodeFrontToken, decodeJwt, describe, FDI_VERSION };
