//! Hand-written seeds: valid requests of every route (bodies from the CDI and FDI specs and
//! the captures in `shared/specs/captures`), tokens, cookie headers and config files, with
//! what each must give. `cargo run -p supertokens-fuzz-harness --bin write-fuzz-seeds`
//! writes them to `tests/fuzz/corpus/<target>/seed-<name>`; the tests check each against its
//! expectation on a fresh world.

use http::Method;
use serde_json::json;
use supertokens::SuperTokens;

use crate::access_token::SIGN_PREFIX;
use crate::input::{FLAG_QUERY_AND_BODY, encode};
use crate::world::{KNOWN_EMAIL, KNOWN_PASSWORD, PASSWORDLESS_EMAIL};

/// What a seed must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Status 200 with `"status": "OK"` in the body.
    Ok,
    /// This HTTP status.
    Status(u16),
    /// Only the target's oracle (no finding).
    NoFinding,
    /// `access_token`: the SDK accepts the session.
    SessionAccepted,
}

/// One seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// File name suffix (`seed-<name>`).
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
    /// What it must give.
    pub expect: Expect,
}

fn seed(name: &str, data: Vec<u8>, expect: Expect) -> Seed {
    Seed {
        name: name.to_owned(),
        data,
        expect,
    }
}

/// CDI flag: the `/tenant1` prefix.
const TENANT_PREFIX: u8 = 0x03;

/// Seeds of `cdi_request`, in an order that works on a fresh world.
pub fn cdi() -> Vec<Seed> {
    use Expect::{Ok, Status};
    let known = KNOWN_EMAIL;
    let user = json!({ "userId": "$USER_ID", "email": known }).to_string();
    let session = json!({
        "userId": "$USER_ID",
        "userDataInJWT": { "iss": "http://localhost:3001/auth" },
        "userDataInDatabase": {},
        "useDynamicSigningKey": true,
        "enableAntiCsrf": false
    })
    .to_string();
    let table: Vec<(&str, Method, &str, u8, String, Expect)> = vec![
        ("hello", Method::GET, "/", 0, String::new(), Status(200)),
        ("hello-post", Method::POST, "/", 0, String::new(), Status(200)),
        ("hello-tenant", Method::GET, "/hello", TENANT_PREFIX, String::new(), Status(200)),
        ("root-tenant", Method::GET, "/", TENANT_PREFIX, String::new(), Expect::NoFinding),
        ("hello-get", Method::GET, "/hello", 0, String::new(), Status(200)),
        ("hello-put", Method::PUT, "/hello", 0, String::new(), Status(200)),
        ("hello-delete", Method::DELETE, "/hello", 0, String::new(), Status(200)),
        ("apiversion", Method::GET, "/apiversion", 0, "apiDomain=http%3A%2F%2Flocalhost%3A3001&websiteDomain=http%3A%2F%2Flocalhost%3A3000".into(), Status(200)),
        ("jwks-well-known", Method::GET, "/.well-known/jwks.json", 0, String::new(), Status(200)),
        ("jwt-create", Method::POST, "/recipe/jwt", 0, json!({"payload": {"sub": "u1", "role": ["a"]}, "algorithm": "RS256", "jwksDomain": "http://localhost:3001", "validity": 3600}).to_string(), Ok),
        ("jwt-jwks", Method::GET, "/recipe/jwt/jwks", 0, String::new(), Ok),
        ("jwt-data-put", Method::PUT, "/recipe/jwt/data", 0, json!({"sessionHandle": "$SESSION_HANDLE", "userDataInJWT": {"k": "v", "n": 1}}).to_string(), Ok),
        ("jwt-data-get", Method::GET, "/recipe/jwt/data", 0, "sessionHandle=$SESSION_HANDLE".into(), Ok),
        ("tenant-get", Method::GET, "/recipe/multitenancy/tenant/v2", TENANT_PREFIX, String::new(), Ok),
        ("tenant-put", Method::PUT, "/recipe/multitenancy/tenant/v2", 0, json!({"tenantId": "tenant2", "firstFactors": ["emailpassword", "otp-email"], "requiredSecondaryFactors": null, "coreConfig": {"password_reset_token_lifetime": 7200000}}).to_string(), Ok),
        ("tenant-list", Method::GET, "/recipe/multitenancy/tenant/list/v2", 0, String::new(), Ok),
        ("tenant-remove", Method::POST, "/recipe/multitenancy/tenant/remove", 0, json!({"tenantId": "tenant-gone"}).to_string(), Ok),
        ("tenant-user", Method::POST, "/recipe/multitenancy/tenant/user", TENANT_PREFIX, json!({"recipeUserId": "$USER_ID"}).to_string(), Ok),
        ("tenant-user-remove", Method::POST, "/recipe/multitenancy/tenant/user/remove", TENANT_PREFIX, json!({"recipeUserId": "$USER_ID"}).to_string(), Ok),
        ("app-put", Method::PUT, "/recipe/multitenancy/app/v2", 0, json!({"appId": "app1", "coreConfig": {}}).to_string(), Ok),
        ("app-list", Method::GET, "/recipe/multitenancy/app/list/v2", 0, String::new(), Ok),
        ("app-remove", Method::POST, "/recipe/multitenancy/app/remove", 0, json!({"appId": "app1"}).to_string(), Ok),
        ("users-by-accountinfo", Method::GET, "/users/by-accountinfo", 0, "email=known%40example.com&doUnionOfAccountInfo=true".into(), Ok),
        ("users-page", Method::GET, "/users", 0, "limit=10&timeJoinedOrder=ASC&includeRecipeIds=emailpassword,passwordless".into(), Ok),
        ("users-count", Method::GET, "/users/count", 0, "includeRecipeIds=emailpassword".into(), Ok),
        ("signup", Method::POST, "/recipe/signup", 0, json!({"email": "new@example.com", "password": "Passw0rd123"}).to_string(), Ok),
        ("signup-tenant", Method::POST, "/recipe/signup", TENANT_PREFIX, json!({"email": "new@example.com", "password": "Passw0rd123"}).to_string(), Ok),
        ("signin", Method::POST, "/recipe/signin", 0, json!({"email": known, "password": KNOWN_PASSWORD}).to_string(), Ok),
        ("reset-token", Method::POST, "/recipe/user/password/reset/token", 0, user.clone(), Ok),
        ("reset-token-consume", Method::POST, "/recipe/user/password/reset/token/consume", 0, json!({"method": "token", "token": "$RESET_TOKEN"}).to_string(), Ok),
        ("reset-password", Method::POST, "/recipe/user/password/reset", 0, json!({"method": "token", "token": "$RESET_TOKEN", "newPassword": KNOWN_PASSWORD}).to_string(), Status(200)),
        ("passwordhash-import", Method::POST, "/recipe/user/passwordhash/import", 0, json!({"email": "imported@example.com", "passwordHash": "$2a$10$qGvh3Cnkhbo2QaAO0Hu3.uXXiI9TMhDzHqCZKBdNUmKeyzX4lAo5K", "hashingAlgorithm": "BCRYPT"}).to_string(), Ok),
        // F4 (fixed): hashes above the import bounds are refused with 400, without hashing.
        ("passwordhash-import-costly-bcrypt", Method::POST, "/recipe/user/passwordhash/import", 0, json!({"email": "imported@example.com", "passwordHash": "$2a$20$qGvh3Cnkhbo2QaAO0Hu3.uXXiI9TMhDzHqCZKBdNUmKeyzX4lAo5K"}).to_string(), Status(400)),
        ("passwordhash-import-costly-argon2", Method::POST, "/recipe/user/passwordhash/import", 0, json!({"email": "imported@example.com", "passwordHash": "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"}).to_string(), Status(400)),
        ("user-id", Method::GET, "/user/id", 0, "userId=$USER_ID".into(), Ok),
        ("recipe-user-get", Method::GET, "/recipe/user", 0, "userId=$USER_ID".into(), Ok),
        ("recipe-user-put", Method::PUT, "/recipe/user", 0, json!({"recipeUserId": "$USER_ID", "email": known}).to_string(), Ok),
        ("code-create", Method::POST, "/recipe/signinup/code", 0, json!({"email": PASSWORDLESS_EMAIL}).to_string(), Ok),
        ("code-create-phone", Method::POST, "/recipe/signinup/code", 0, json!({"phoneNumber": "+14155552671", "userInputCode": "123456"}).to_string(), Ok),
        ("code-consume", Method::POST, "/recipe/signinup/code/consume", 0, json!({"deviceId": "$DEVICE_ID", "preAuthSessionId": "$PRE_AUTH_SESSION_ID", "userInputCode": "$USER_INPUT_CODE", "createRecipeUserIfNotExists": true}).to_string(), Ok),
        ("code-consume-link", Method::POST, "/recipe/signinup/code/consume", 0, json!({"preAuthSessionId": "$PRE_AUTH_SESSION_ID", "linkCode": "$LINK_CODE"}).to_string(), Ok),
        ("code-check", Method::POST, "/recipe/signinup/code/check", 0, json!({"deviceId": "$DEVICE_ID", "preAuthSessionId": "$PRE_AUTH_SESSION_ID", "userInputCode": "$USER_INPUT_CODE"}).to_string(), Ok),
        ("code-remove", Method::POST, "/recipe/signinup/code/remove", 0, json!({"codeId": "$CODE_ID"}).to_string(), Ok),
        ("codes-list", Method::GET, "/recipe/signinup/codes", 0, "email=passwordless%40example.com".into(), Ok),
        ("codes-remove", Method::POST, "/recipe/signinup/codes/remove", 0, json!({"email": PASSWORDLESS_EMAIL}).to_string(), Ok),
        ("verify-token", Method::POST, "/recipe/user/email/verify/token", 0, user.clone(), Ok),
        ("verify", Method::POST, "/recipe/user/email/verify", 0, json!({"method": "token", "token": "$EV_TOKEN"}).to_string(), Ok),
        ("verify-get", Method::GET, "/recipe/user/email/verify", 0, "userId=$USER_ID&email=known%40example.com".into(), Ok),
        ("verify-remove", Method::POST, "/recipe/user/email/verify/remove", 0, user.clone(), Ok),
        ("verify-token-remove", Method::POST, "/recipe/user/email/verify/token/remove", 0, user.clone(), Ok),
        ("metadata-put", Method::PUT, "/recipe/user/metadata", 0, json!({"userId": "$USER_ID", "metadataUpdate": {"theme": "dark", "nested": {"a": [1, 2]}, "gone": null}}).to_string(), Ok),
        ("metadata-get", Method::GET, "/recipe/user/metadata", 0, "userId=$USER_ID".into(), Ok),
        ("metadata-remove", Method::POST, "/recipe/user/metadata/remove", 0, json!({"userId": "someone-else"}).to_string(), Ok),
        ("role-put", Method::PUT, "/recipe/role", 0, json!({"role": "admin", "permissions": ["read", "write"]}).to_string(), Ok),
        ("roles", Method::GET, "/recipe/roles", 0, String::new(), Ok),
        ("role-permissions", Method::GET, "/recipe/role/permissions", 0, "role=admin".into(), Ok),
        ("role-permissions-remove", Method::POST, "/recipe/role/permissions/remove", 0, json!({"role": "admin", "permissions": ["write"]}).to_string(), Ok),
        ("permission-roles", Method::GET, "/recipe/permission/roles", 0, "permission=read".into(), Ok),
        ("user-role-put", Method::PUT, "/recipe/user/role", 0, json!({"userId": "$USER_ID", "role": "admin"}).to_string(), Ok),
        ("user-roles", Method::GET, "/recipe/user/roles", 0, "userId=$USER_ID".into(), Ok),
        ("role-users", Method::GET, "/recipe/role/users", 0, "role=admin".into(), Ok),
        ("user-role-remove", Method::POST, "/recipe/user/role/remove", 0, json!({"userId": "$USER_ID", "role": "admin"}).to_string(), Ok),
        ("role-remove", Method::POST, "/recipe/role/remove", 0, json!({"role": "admin"}).to_string(), Ok),
        ("session-create", Method::POST, "/recipe/session", 0, session.clone(), Ok),
        ("session-verify", Method::POST, "/recipe/session/verify", 0, json!({"accessToken": "$ACCESS_TOKEN", "doAntiCsrfCheck": false, "enableAntiCsrf": false, "checkDatabase": true}).to_string(), Ok),
        ("session-refresh", Method::POST, "/recipe/session/refresh", 0, json!({"refreshToken": "$REFRESH_TOKEN", "enableAntiCsrf": false, "useDynamicSigningKey": true}).to_string(), Ok),
        ("session-regenerate", Method::POST, "/recipe/session/regenerate", 0, json!({"accessToken": "$ACCESS_TOKEN", "userDataInJWT": {"x": 1}}).to_string(), Ok),
        ("session-data-put", Method::PUT, "/recipe/session/data", 0, json!({"sessionHandle": "$SESSION_HANDLE", "userDataInDatabase": {"a": 1}}).to_string(), Ok),
        ("session-user", Method::GET, "/recipe/session/user", 0, "userId=$USER_ID&fetchSessionsForAllLinkedAccounts=true".into(), Ok),
        ("session-remove", Method::POST, "/recipe/session/remove", 0, json!({"sessionHandles": ["$SESSION_HANDLE"]}).to_string(), Ok),
        ("session-remove-user", Method::POST, "/recipe/session/remove", 0, json!({"userId": "someone-else", "revokeAcrossAllTenants": true}).to_string(), Ok),
        ("user-remove", Method::POST, "/user/remove", 0, json!({"userId": "no-such-user", "removeAllLinkedAccounts": true}).to_string(), Ok),
        ("openapi", Method::GET, "/openapi.json", 0, String::new(), Status(200)),
        ("metrics", Method::GET, "/metrics", 0, String::new(), Expect::NoFinding),
        ("health-live", Method::GET, "/health/live", 0, String::new(), Status(200)),
        ("health-ready", Method::GET, "/health/ready", 0, String::new(), Status(200)),
        ("bad-json", Method::POST, "/recipe/signin", 0, "{\"email\": ".into(), Status(400)),
        ("wrong-types", Method::POST, "/recipe/signup", 0, json!({"email": 1, "password": ["x"]}).to_string(), Status(400)),
        ("no-api-key", Method::GET, "/recipe/roles", 0x08, String::new(), Status(401)),
        ("old-cdi-tenant", Method::GET, "/recipe/roles", 0x20 | TENANT_PREFIX, String::new(), Status(404)),
        ("app-api-tenant", Method::GET, "/recipe/roles", TENANT_PREFIX, String::new(), Status(403)),
        ("appid-prefix", Method::GET, "/users/count", 0x02, String::new(), Ok),
    ];
    let mut seeds: Vec<Seed> = table
        .into_iter()
        .filter_map(|(name, method, path, flags, text, expect)| {
            let selector = crate::cdi::selector(&method, path)?;
            let data = if method == Method::GET {
                encode(selector, flags, "", &text, "")
            } else {
                encode(selector, flags, "", "", &text)
            };
            Some(seed(name, data, expect))
        })
        .collect();
    // Query and body together, and extra headers.
    if let Some(selector) = crate::cdi::selector(&Method::GET, "/recipe/session") {
        seeds.push(seed(
            "session-get-query-and-body",
            encode(
                selector,
                FLAG_QUERY_AND_BODY,
                "",
                "sessionHandle=$SESSION_HANDLE",
                "",
            ),
            Expect::Ok,
        ));
    }
    if let Some(selector) = crate::cdi::selector(&Method::GET, "/recipe/session/data") {
        seeds.push(seed(
            "session-data-get-headers",
            encode(
                selector,
                0,
                "rid: session\nx-forwarded-for: 10.0.0.1",
                "sessionHandle=$SESSION_HANDLE",
                "",
            ),
            Expect::Ok,
        ));
    }
    seeds
}

/// FDI flag bits of a session in cookies, in headers, and of `st-auth-mode: cookie`.
const COOKIE_SESSION: u8 = 0x08;
const HEADER_SESSION: u8 = 0x10;
const AUTH_MODE_COOKIE: u8 = 0x20;
const RID: u8 = 0x04;
const TENANT1: u8 = 0x02;
/// FDI flag bits of [`crate::fdi::UNKNOWN_TENANT`] in the path.
const UNKNOWN_TENANT: u8 = 0x03;

fn form(fields: &[(&str, &str)]) -> String {
    let fields: Vec<_> = fields
        .iter()
        .map(|(id, value)| json!({ "id": id, "value": value }))
        .collect();
    json!({ "formFields": fields }).to_string()
}

/// Seeds of `fdi_request`, in an order that works on a fresh world.
pub fn fdi(sdk: &SuperTokens) -> Vec<Seed> {
    use Expect::{Ok, Status};
    let known = KNOWN_EMAIL;
    let ep = "emailpassword";
    let pl = "passwordless";
    let table: Vec<(&str, &str, Method, &str, u8, String, Expect)> = vec![
        ("jwks", "session", Method::GET, "/jwt/jwks.json", 0, String::new(), Status(200)),
        ("openid", "session", Method::GET, "/.well-known/openid-configuration", 0, String::new(), Status(200)),
        ("signup", ep, Method::POST, "/signup", RID, form(&[("email", "fdi-new@example.com"), ("password", "Passw0rd123")]), Ok),
        ("signup-cookie", ep, Method::POST, "/signup", RID | AUTH_MODE_COOKIE, form(&[("email", "fdi-cookie@example.com"), ("password", "Passw0rd123")]), Ok),
        ("signup-tenant", ep, Method::POST, "/signup", TENANT1, form(&[("email", "fdi-tenant@example.com"), ("password", "Passw0rd123")]), Ok),
        ("signin", ep, Method::POST, "/signin", 0, form(&[("email", known), ("password", KNOWN_PASSWORD)]), Ok),
        ("signin-wrong", ep, Method::POST, "/signin", 0, form(&[("email", known), ("password", "wrong-password-1")]), Status(200)),
        ("email-exists", ep, Method::GET, "/emailpassword/email/exists", 0, "email=known%40example.com".into(), Ok),
        ("email-exists-old", ep, Method::GET, "/signup/email/exists", RID, "email=known%40example.com".into(), Ok),
        ("reset-token", ep, Method::POST, "/user/password/reset/token", 0, form(&[("email", known)]), Ok),
        ("reset", ep, Method::POST, "/user/password/reset", 0, json!({"method": "token", "token": "$RESET_TOKEN", "formFields": [{"id": "password", "value": KNOWN_PASSWORD}]}).to_string(), Ok),
        ("loginmethods", ep, Method::GET, "/loginmethods", 0, String::new(), Ok),
        ("loginmethods-passwordless", pl, Method::GET, "/loginmethods", RID | TENANT1, String::new(), Ok),
        ("loginmethods-tenant", ep, Method::GET, "/loginmethods", 0, "tenantId=tenant1".into(), Ok),
        ("code-email", pl, Method::POST, "/signinup/code", 0, json!({"email": "fdi-pl@example.com"}).to_string(), Ok),
        ("code-phone", pl, Method::POST, "/signinup/code", 0, json!({"phoneNumber": "+14155552671"}).to_string(), Ok),
        ("code-resend", pl, Method::POST, "/signinup/code/resend", 0, json!({"deviceId": "$DEVICE_ID", "preAuthSessionId": "$PRE_AUTH_SESSION_ID"}).to_string(), Ok),
        ("code-consume", pl, Method::POST, "/signinup/code/consume", 0, json!({"deviceId": "$DEVICE_ID", "preAuthSessionId": "$PRE_AUTH_SESSION_ID", "userInputCode": "$USER_INPUT_CODE"}).to_string(), Ok),
        ("code-consume-link", pl, Method::POST, "/signinup/code/consume", AUTH_MODE_COOKIE, json!({"preAuthSessionId": "$PRE_AUTH_SESSION_ID", "linkCode": "$LINK_CODE"}).to_string(), Ok),
        ("pl-email-exists", pl, Method::GET, "/passwordless/email/exists", 0, "email=passwordless%40example.com".into(), Ok),
        ("pl-phone-exists", pl, Method::GET, "/passwordless/phonenumber/exists", 0, "phoneNumber=%2B14155552671".into(), Ok),
        ("verify-token", "emailverification", Method::POST, "/user/email/verify/token", HEADER_SESSION, String::new(), Ok),
        ("verify", "emailverification", Method::POST, "/user/email/verify", 0, json!({"method": "token", "token": "$EV_TOKEN"}).to_string(), Ok),
        ("verify-get", "emailverification", Method::GET, "/user/email/verify", COOKIE_SESSION, String::new(), Ok),
        ("refresh-header", "session", Method::POST, "/session/refresh", HEADER_SESSION, String::new(), Status(200)),
        ("refresh-cookie", "session", Method::POST, "/session/refresh", COOKIE_SESSION | RID, String::new(), Status(200)),
        ("signout", "session", Method::POST, "/signout", HEADER_SESSION, String::new(), Ok),
        ("signout-none", "session", Method::POST, "/signout", 0, String::new(), Status(401)),
        // F1 (fixed): a tenant the core does not know is a 400, in the path or the query.
        ("signin-unknown-tenant", ep, Method::POST, "/signin", UNKNOWN_TENANT, form(&[("email", known), ("password", KNOWN_PASSWORD)]), Status(400)),
        ("email-exists-unknown-tenant", ep, Method::GET, "/emailpassword/email/exists", UNKNOWN_TENANT, "email=known%40example.com".into(), Status(400)),
        ("loginmethods-unknown-tenant", ep, Method::GET, "/loginmethods", 0, "tenantId=nosuchtenant".into(), Status(400)),
        // F2 (fixed): a malformed deviceId is a 400, not a core call the core refuses.
        ("code-resend-bad-device", pl, Method::POST, "/signinup/code/resend", 0, json!({"deviceId": "AAAA", "preAuthSessionId": "x"}).to_string(), Status(400)),
        ("bad-json", ep, Method::POST, "/signin", 0, "{\"formFields\": [".into(), Status(400)),
        ("no-fields", ep, Method::POST, "/signin", 0, "{}".into(), Status(400)),
    ];
    table
        .into_iter()
        .filter_map(|(name, recipe, method, path, flags, text, expect)| {
            let selector = crate::fdi::selector(sdk, recipe, &method, path)?;
            let data = if method == Method::GET {
                encode(selector, flags, "", &text, "")
            } else {
                encode(selector, flags, "", "", &text)
            };
            Some(seed(name, data, expect))
        })
        .collect()
}

/// Seeds of `access_token`.
pub fn access_token() -> Vec<Seed> {
    let signed = |payload: serde_json::Value| {
        let mut data = SIGN_PREFIX.to_vec();
        data.extend_from_slice(payload.to_string().as_bytes());
        data
    };
    let b64 = |value: serde_json::Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let payload = json!({
        "sub": "user-1", "rsub": "user-1", "tId": "public", "exp": 4_000_000_000_u64, "iat": 1_700_000_000,
        "sessionHandle": "h-1", "refreshTokenHash1": "r-1", "parentRefreshTokenHash1": null,
        "antiCsrfToken": null, "iss": "http://localhost:3001/auth"
    });
    let v5 =
        |alg: &str, kid: &str| b64(json!({"alg": alg, "typ": "JWT", "kid": kid, "version": "5"}));
    vec![
        seed("signed-session", signed(payload.clone()), Expect::SessionAccepted),
        seed("signed-empty", signed(json!({})), Expect::NoFinding),
        seed("signed-expired", signed(json!({"sub": "u", "exp": 1, "iat": 0, "sessionHandle": "h", "refreshTokenHash1": "r"})), Expect::NoFinding),
        seed("alg-none", format!("{}.{}.", b64(json!({"alg": "none", "typ": "JWT", "kid": "d-1", "version": "5"})), b64(payload.clone())).into_bytes(), Expect::NoFinding),
        seed("hs256", format!("{}.{}.c2lnbmF0dXJl", v5("HS256", "s-1"), b64(payload.clone())).into_bytes(), Expect::NoFinding),
        seed("unknown-kid", format!("{}.{}.c2lnbmF0dXJl", v5("RS256", "d-unknown"), b64(payload.clone())).into_bytes(), Expect::NoFinding),
        seed("no-kid-v2", format!("{}.{}.c2ln", b64(json!({"alg": "RS256", "typ": "JWT", "version": "2"})), b64(payload.clone())).into_bytes(), Expect::NoFinding),
        seed("standard-base64", format!("{}.{}.c2ln+/==", v5("RS256", "d-1"), b64(payload)).into_bytes(), Expect::NoFinding),
        seed("truncated", b"eyJhbGciOiJSUzI1NiIsImtpZCI6ImQtOGY0YjgxMTQ5MDhkIiwidHlwIjoiSldUIiwidmVyc2lvbiI6IjUifQ.eyJpc3Mi".to_vec(), Expect::NoFinding),
        seed("dots", b"..".to_vec(), Expect::NoFinding),
        seed("empty", Vec::new(), Expect::NoFinding),
    ]
}

/// Seeds of `cookies`.
pub fn cookies() -> Vec<Seed> {
    let lines: &[(&str, &str)] = &[
        (
            "both-cookies",
            "cookie: sAccessToken=abc.def.ghi; sRefreshToken=rt-123",
        ),
        (
            "duplicate-cookies",
            "cookie: sAccessToken=a\ncookie: sAccessToken=b; other=1",
        ),
        (
            "bare-cookie-line",
            "sAccessToken=eyJ.eyJ.sig; sIdRefreshToken=legacy",
        ),
        ("bearer", "authorization: Bearer   token-with-spaces  "),
        ("bearer-empty", "authorization: Bearer "),
        ("anti-csrf", "anti-csrf: csrf-token\ncookie: sAccessToken=x"),
        (
            "percent-encoded",
            "cookie: sAccessToken=%E2%82%AC%20x; sRefreshToken=%ZZ",
        ),
        (
            "quoted",
            "cookie: sRefreshToken=\"quoted\"; =novalue; noequals",
        ),
        (
            "refresh-post",
            "\u{1}\ncookie: sRefreshToken=rt-1\nrid: session",
        ),
        (
            "auth-mode",
            "st-auth-mode: cookie\nfront-token: eyJ1aWQiOiJ4In0=",
        ),
    ];
    lines
        .iter()
        .map(|(name, text)| seed(name, text.as_bytes().to_vec(), Expect::NoFinding))
        .collect()
}

/// Seeds of `config`.
pub fn config() -> Vec<Seed> {
    let files: &[(&str, &str, Expect)] = &[
        ("empty", "", Expect::Ok),
        ("comments", "# nothing here\n---\n", Expect::Ok),
        (
            "example",
            include_str!("../../../core/daemon/config.yaml.example"),
            Expect::Ok,
        ),
        (
            "full",
            "host: \"0.0.0.0\"\nport: 3567\nbase_path: /st\napi_keys: \"key-one-at-least-20-chars,key-two-at-least-20-chars\"\n\
             database_url: \"sqlite::memory:\"\nmax_db_connections: 5\naccess_token_validity: 3600\n\
             refresh_token_validity: 144000\naccess_token_dynamic_signing_key_update_interval: 168\n\
             password_reset_token_lifetime: 3600000\nemail_verification_token_lifetime: 86400000\n\
             passwordless_code_lifetime: 900000\npasswordless_max_code_input_attempts: 5\n\
             password_hashing_alg: BCRYPT\nargon2_iterations: 2\nargon2_memory_kb: 19456\n\
             argon2_parallelism: 1\nargon2_hashing_pool_size: 2\nbcrypt_log_rounds: 11\n\
             cleanup_interval_seconds: 3600\ncleanup_batch_size: 1000\nlog_level: warn\nlog_format: json\n\
             core_config_version: 0\ndisable_telemetry: true\n",
            Expect::Ok,
        ),
        (
            "api-keys-list",
            "api_keys:\n  - key-one-at-least-20-chars\n  - key-two-at-least-20-chars\n",
            Expect::Ok,
        ),
        (
            "java-keys",
            "info_log_path: /var/log/x\nmax_server_pool_size: 10\n",
            Expect::Ok,
        ),
        ("unknown-key", "prot: 3567\n", Expect::NoFinding),
        (
            "bad-values",
            "port: -1\naccess_token_validity: 0\nrefresh_token_validity: 1e999\nlog_level: LOUD\n",
            Expect::NoFinding,
        ),
        ("short-api-key", "api_keys: short\n", Expect::NoFinding),
        ("not-a-mapping", "- just\n- a list\n", Expect::NoFinding),
        // F3 (fixed): a typo makes the file one string, which the error must not show.
        (
            "not-a-mapping-api-key",
            "api_keys:key-one-at-least-20-chars-secret\n",
            Expect::NoFinding,
        ),
        ("bad-yaml", "port: [3567\n", Expect::NoFinding),
        (
            "postgres",
            "postgresql_connection_uri: postgres://x\ndatabase_url: \"postgres://user:secret@localhost:5432/db\"\n",
            Expect::NoFinding,
        ),
    ];
    files
        .iter()
        .map(|(name, text, expect)| seed(name, text.as_bytes().to_vec(), *expect))
        .collect()
}
