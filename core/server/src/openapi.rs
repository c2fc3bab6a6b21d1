//! The OpenAPI document of the CDI, generated from the code: the operations come from the
//! `#[utoipa::path]` annotations of the handlers registered in [`crate::routes`], the schemas
//! from the wire types of `supertokens-cdi` (its `openapi` feature), and the error responses,
//! security and headers that the guard adds to every route from [`complete`].
//!
//! The core serves it at `GET /openapi.json`; the same text is committed as
//! `core/openapi.json`, and a test fails when they differ.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use supertokens_cdi::version::{
    HEADER_API_KEY, HEADER_CDI_VERSION, LATEST_CDI_VERSION, SUPPORTED_CDI_VERSIONS,
};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder,
};
use utoipa::{OpenApi as _, ToSchema};

use crate::AppState;
use crate::error::ApiError;
use crate::{observability, routing};

/// Where the document is committed, relative to the workspace root.
pub const COMMITTED_PATH: &str = "core/openapi.json";

/// Security scheme of the `api-key` header.
const API_KEY_SCHEME: &str = "api-key";
/// Security scheme of `Authorization: Bearer <key>`.
const BEARER_SCHEME: &str = "bearer";

/// Routes answered with 429 and `Retry-After` when a rate limit is reached.
pub const RATE_LIMITED_ROUTES: &[(&str, &str)] = &[
    ("post", "/recipe/signin"),
    ("post", "/recipe/signup"),
    ("post", "/recipe/user/password/reset/token"),
    ("post", "/recipe/signinup/code"),
];

const DESCRIPTION: &str = "\
The Core Driver Interface (CDI) of this SuperTokens-compatible core: what the backend SDKs call.

**Paths.** Every path is listed without its prefixes. A request may address an app and a tenant: \
`[/<base_path>][/appid-<appId>][/<tenantId>]/<path>`, e.g. `/appid-a1/t1/recipe/signin`; the \
defaults are the app `public` and the tenant `public`. An unknown app or tenant gets 400. APIs \
of the app (roles, sessions, metadata, ...) called with a tenant other than `public` get 403 \
from CDI 5.0. `base_path` is the core's setting (none by default).

**Authentication.** When the core has API keys, every path except `/`, `/hello`, \
`/.well-known/jwks.json`, `/openapi.json` and the health checks needs one, in the `api-key` \
header or as `Authorization: Bearer <key>`; a missing or wrong key gets 401 `Invalid API key`.

**Versions.** The optional `cdi-version` header names the CDI version the caller speaks (one of \
`GET /apiversion`); an unsupported one gets 400. Without it, the newest is assumed.

**Outcomes and errors.** Business outcomes are 200 responses whose `status` field tells them \
apart (`OK`, `UNKNOWN_USER_ID_ERROR`, ...). Failures are plain-text bodies: 400 (the request is \
malformed; the text says what to fix), 401, 403, 404, 405, 413 (bodies over 1 MiB), 429 (a rate \
limit; `Retry-After` says when to retry), 500, and 503 (the database is unreachable; \
`Retry-After`).";

/// The OpenAPI document of every route, as the core serves it (without `servers`).
pub fn document() -> OpenApi {
    let mut document = crate::routes::documented_routes().into_openapi();
    document.merge(ObservabilityPaths::openapi());
    complete(&mut document);
    document
}

/// The operations of [`crate::observability::routes`], which registers its handlers itself.
#[derive(utoipa::OpenApi)]
#[openapi(paths(metrics_operation, liveness_operation, readiness_operation))]
struct ObservabilityPaths;

/// Prometheus metrics of the core
///
/// Needs the API key (when the core has keys) but no `cdi-version`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "general",
    responses(
        (status = 200, description = "Metrics in the Prometheus text exposition format", body = String, content_type = "text/plain"),
        (status = 404, description = "Metrics are disabled", body = String, content_type = "text/plain"),
    ),
)]
#[allow(dead_code)] // documents `crate::metrics::scrape`
fn metrics_operation() {}

/// Liveness: the process serves HTTP
///
/// Open. Never touches the database.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "general",
    responses((status = 200, description = "Alive", body = String, content_type = "text/plain", example = "OK")),
)]
#[allow(dead_code)] // documents `crate::health::live`
fn liveness_operation() {}

/// Readiness: the public app's database answers and the core is not shutting down
///
/// Open.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "general",
    responses((status = 200, description = "Ready", body = String, content_type = "text/plain", example = "OK")),
)]
#[allow(dead_code)] // documents `crate::health::ready`
fn readiness_operation() {}

/// [`document`] as committed: pretty JSON with a final newline. Paths, schemas, properties
/// and responses are sorted maps, so the text is stable.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|mut text| {
        text.push('\n');
        text
    })
}

/// This document
///
/// Open: needs neither an API key nor a `cdi-version`. With a `base_path`, `servers` names it.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "general",
    responses((status = 200, description = "The OpenAPI document", body = Object, content_type = "application/json")),
)]
pub(crate) async fn serve_document(State(state): State<AppState>) -> Response {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    let mut document = DOCUMENT.get_or_init(document).clone();
    if !state.config.base_path.is_empty() {
        document.servers = Some(vec![Server::new(state.config.base_path.clone())]);
    }
    match serde_json::to_string(&document) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(error) => ApiError::Internal(format!("OpenAPI document: {error}")).into_response(),
    }
}

/// Schema of a boolean query parameter as the core reads it: `true`, `false`, or empty for
/// the parameter's default (as when it is absent).
pub(crate) struct QueryBool;

impl utoipa::PartialSchema for QueryBool {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["true", "false", ""]))
            .into()
    }
}

impl ToSchema for QueryBool {}

/// The schema of a value that has the shape of `A`, of `B`, or of both (`anyOf`).
pub(crate) fn any_of<A: ToSchema, B: ToSchema>() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(Ref::from_schema_name(A::name()))
        .item(Ref::from_schema_name(B::name()))
        .into()
}

/// Registers the schemas [`any_of`] refers to.
pub(crate) fn any_of_schemas<A: ToSchema, B: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((A::name().into_owned(), A::schema()));
    A::schemas(schemas);
    schemas.push((B::name().into_owned(), B::schema()));
    B::schemas(schemas);
}

/// A failure answered with a plain-text body, shared by many operations through
/// `#/components/responses/<name>`.
struct Failure {
    status: &'static str,
    name: &'static str,
    description: &'static str,
    retry_after: bool,
}

const BAD_REQUEST: Failure = Failure {
    status: "400",
    name: "BadRequest",
    description: "Malformed request: unknown app or tenant, unsupported `cdi-version`, or invalid \
                  input; the text says what to fix",
    retry_after: false,
};
const UNAUTHORIZED: Failure = Failure {
    status: "401",
    name: "Unauthorized",
    description: "Missing or wrong API key (`Invalid API key`)",
    retry_after: false,
};
const FORBIDDEN: Failure = Failure {
    status: "403",
    name: "Forbidden",
    description: "Not allowed from this app or tenant, e.g. an API of the app called with a \
                  tenant other than `public`",
    retry_after: false,
};
const NOT_FOUND: Failure = Failure {
    status: "404",
    name: "NotFound",
    description: "A `/<tenantId>/` prefix with a `cdi-version` older than 3.0",
    retry_after: false,
};
const PAYLOAD_TOO_LARGE: Failure = Failure {
    status: "413",
    name: "PayloadTooLarge",
    description: "The body is larger than 1 MiB",
    retry_after: false,
};
const TOO_MANY_REQUESTS: Failure = Failure {
    status: "429",
    name: "TooManyRequests",
    description: "Too many attempts; retry after `Retry-After` seconds",
    retry_after: true,
};
const INTERNAL_ERROR: Failure = Failure {
    status: "500",
    name: "InternalError",
    description: "Internal error; the details are in the core's log",
    retry_after: false,
};
const UNAVAILABLE: Failure = Failure {
    status: "503",
    name: "Unavailable",
    description: "The database is unreachable; retry after `Retry-After` seconds",
    retry_after: true,
};
const NOT_READY: Failure = Failure {
    status: "503",
    name: "NotReady",
    description: "Not ready: the database does not answer, or the core is shutting down",
    retry_after: true,
};

const FAILURES: &[&Failure] = &[
    &BAD_REQUEST,
    &UNAUTHORIZED,
    &FORBIDDEN,
    &NOT_FOUND,
    &PAYLOAD_TOO_LARGE,
    &TOO_MANY_REQUESTS,
    &INTERNAL_ERROR,
    &UNAVAILABLE,
    &NOT_READY,
];

/// Name of the shared `cdi-version` parameter.
const CDI_VERSION_PARAMETER: &str = "CdiVersion";
/// The header that says when to retry.
const RETRY_AFTER_HEADER: &str = "Retry-After";

/// Adds what the annotations of single handlers do not say: the document's description, the
/// security schemes, the `cdi-version` header, unique operation ids, and the failures that
/// the guard and the error mapping answer on every route.
fn complete(document: &mut OpenApi) {
    document.info.title = "SuperTokens core: Core Driver Interface".into();
    document.info.version = LATEST_CDI_VERSION.into();
    document.info.description = Some(DESCRIPTION.into());
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        API_KEY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            HEADER_API_KEY,
            "One of the core's API keys (`api_keys`)",
        ))),
    );
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "One of the core's API keys, as `Authorization: Bearer <key>`",
                ))
                .build(),
        ),
    );
    components.parameters.insert(
        CDI_VERSION_PARAMETER.into(),
        RefOr::T(cdi_version_parameter()),
    );
    for failure in FAILURES {
        components
            .responses
            .insert(failure.name.into(), RefOr::T(failure.response()));
    }
    document.security = Some(vec![
        SecurityRequirement::new(API_KEY_SCHEME, Vec::<String>::new()),
        SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
    ]);
    document.tags = Some(
        [
            ("general", "Liveness, versions, metrics and this document"),
            ("jwt", "Signing keys and JWTs"),
            (
                "emailpassword",
                "Email and password sign-up, sign-in and password reset",
            ),
            ("passwordless", "One-time codes and magic links"),
            ("emailverification", "Email verification tokens"),
            ("session", "Sessions and their tokens"),
            ("users", "Users of every recipe"),
            ("usermetadata", "Free-form metadata of users"),
            ("userroles", "Roles and permissions"),
            ("multitenancy", "Apps, tenants and the users in tenants"),
        ]
        .into_iter()
        .map(|(name, description)| {
            TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build()
        })
        .collect(),
    );
    for (path, item) in document.paths.paths.iter_mut() {
        let operations = [
            ("get", item.get.as_mut()),
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                complete_operation(method, path, operation);
            }
        }
    }
}

impl Failure {
    fn response(&self) -> utoipa::openapi::Response {
        let mut builder = ResponseBuilder::new()
            .description(self.description)
            .content(
                "text/plain",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            );
        if self.retry_after {
            builder = builder.header(
                RETRY_AFTER_HEADER,
                HeaderBuilder::new()
                    .description(Some("Seconds to wait before retrying"))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some("^[0-9]+$")),
                    ))
                    .build(),
            );
        }
        builder.build()
    }

    fn reference(&self) -> RefOr<utoipa::openapi::Response> {
        RefOr::Ref(Ref::new(format!("#/components/responses/{}", self.name)))
    }
}

/// Whether the guard lets a path through without an API key or `cdi-version`.
fn is_open(path: &str) -> bool {
    routing::is_open_path(path)
        || path == observability::LIVENESS_PATH
        || path == observability::READINESS_PATH
}

fn complete_operation(method: &str, path: &str, operation: &mut Operation) {
    let id: String = format!("{method}{path}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    operation.operation_id = Some(id.trim_end_matches('_').to_owned());
    let open = is_open(path);
    if open {
        operation.security = Some(Vec::new());
    }
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    for parameter in parameters.iter_mut() {
        if let RefOr::T(parameter) = parameter {
            drop_null_alternative(parameter);
        }
    }
    if !open && path != "/apiversion" && path != observability::METRICS_PATH {
        parameters.push(RefOr::Ref(Ref::new(format!(
            "#/components/parameters/{CDI_VERSION_PARAMETER}"
        ))));
    }
    if parameters.is_empty() {
        operation.parameters = None;
    }
    let is_api_path = routing::API_PATHS.contains(&path);
    let mut failures: Vec<&Failure> = Vec::new();
    if is_api_path {
        failures.push(&BAD_REQUEST);
    }
    if !open {
        failures.push(&UNAUTHORIZED);
    }
    if is_api_path && !open {
        failures.extend([&FORBIDDEN, &NOT_FOUND]);
    }
    if operation.request_body.is_some() {
        failures.push(&PAYLOAD_TOO_LARGE);
    }
    if RATE_LIMITED_ROUTES.contains(&(method, path)) {
        failures.push(&TOO_MANY_REQUESTS);
    }
    failures.push(&INTERNAL_ERROR);
    if is_api_path {
        failures.push(&UNAVAILABLE);
    }
    if path == observability::READINESS_PATH {
        failures.push(&NOT_READY);
    }
    for failure in failures {
        operation
            .responses
            .responses
            .entry(failure.status.to_owned())
            .or_insert_with(|| failure.reference());
    }
}

/// An optional parameter is simply not sent: its schema need not allow `null` (utoipa's
/// `Option<Enum>` is `oneOf: [enum, null]`).
fn drop_null_alternative(parameter: &mut Parameter) {
    let Some(RefOr::T(Schema::OneOf(one_of))) = &parameter.schema else {
        return;
    };
    let mut items = one_of.items.iter().filter(|item| {
        !matches!(item, RefOr::T(Schema::Object(object))
            if object.schema_type == SchemaType::Type(Type::Null))
    });
    if let (Some(only), None) = (items.next(), items.next()) {
        parameter.schema = Some(only.clone());
    }
}

/// The optional `cdi-version` header, one of the supported versions.
fn cdi_version_parameter() -> Parameter {
    ParameterBuilder::new()
        .name(HEADER_CDI_VERSION)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "CDI version the caller speaks; the newest when absent. Unsupported ones get 400.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(SUPPORTED_CDI_VERSIONS.iter().copied())),
        ))
        .build()
}
