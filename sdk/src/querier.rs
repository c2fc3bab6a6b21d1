//! The SDK's connection to the core: API key, negotiated `cdi-version`, several hosts tried
//! in turn, a pooled client with timeouts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use supertokens_cdi::version::{
    ApiVersionResponse, CdiVersion, HEADER_API_KEY, HEADER_CDI_VERSION, HEADER_RID,
};
use tokio::sync::OnceCell;

use crate::error::{Result, SuperTokensError};

/// CDI versions this SDK speaks.
pub const SDK_CDI_VERSIONS: &[&str] = &["5.2", "5.3", "5.4"];
/// Time allowed for connecting to a core host.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole core request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A core host: origin plus optional base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreHost {
    /// e.g. `http://localhost:3567`.
    pub origin: String,
    /// e.g. `/appid-myapp` or `""`.
    pub base_path: String,
}

/// Talks CDI to the core.
pub struct Querier {
    hosts: Vec<CoreHost>,
    api_key: Option<SecretString>,
    client: reqwest::Client,
    cdi_version: OnceCell<String>,
    next_host: AtomicUsize,
}

impl std::fmt::Debug for Querier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Querier")
            .field("hosts", &self.hosts)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Parses a connection URI: one or more `;`- or `,`-separated origins with optional paths.
pub fn parse_connection_uri(connection_uri: &str) -> Result<Vec<CoreHost>> {
    let hosts = connection_uri
        .split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let url = url::Url::parse(part).map_err(|error| {
                SuperTokensError::Config(format!(
                    "connection_uri has an invalid host {part:?}: {error}"
                ))
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(SuperTokensError::Config(format!(
                    "connection_uri hosts must be http(s) URLs, got {part:?}"
                )));
            }
            Ok(CoreHost {
                origin: url.origin().ascii_serialization(),
                base_path: url.path().trim_end_matches('/').to_owned(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if hosts.is_empty() {
        return Err(SuperTokensError::Config(
            "connection_uri must name at least one core".into(),
        ));
    }
    Ok(hosts)
}

impl Querier {
    /// A querier for these hosts.
    pub fn new(hosts: Vec<CoreHost>, api_key: Option<String>) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| {
                SuperTokensError::Config(format!("cannot build the HTTP client: {error}"))
            })?;
        Ok(Self {
            hosts,
            api_key: api_key
                .filter(|key| !key.is_empty())
                .map(SecretString::from),
            client,
            cdi_version: OnceCell::new(),
            next_host: AtomicUsize::new(0),
        })
    }

    /// The hosts, in the order given.
    pub fn hosts(&self) -> &[CoreHost] {
        &self.hosts
    }

    /// The negotiated CDI version (asks the core once).
    pub async fn cdi_version(&self) -> Result<String> {
        self.cdi_version
            .get_or_try_init(|| async {
                let (bytes, _) = self.send_raw(Method::GET, "/apiversion", None, None, None).await?;
                let response: ApiVersionResponse = parse("/apiversion", &bytes)?;
                let best = response
                    .versions
                    .iter()
                    .filter(|version| SDK_CDI_VERSIONS.contains(&version.as_str()))
                    .filter_map(|version| CdiVersion::parse(version))
                    .max()
                    .ok_or_else(|| {
                        SuperTokensError::Config(format!(
                            "the core's CDI versions {:?} and this SDK's {SDK_CDI_VERSIONS:?} have nothing in common",
                            response.versions
                        ))
                    })?;
                Ok(best.to_string())
            })
            .await
            .cloned()
    }

    /// `GET path?query` and parse the JSON answer.
    pub async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        rid: Option<&str>,
    ) -> Result<R> {
        let path = if query.is_empty() {
            path.to_owned()
        } else {
            let encoded = serde_urlencoded::to_string(query)
                .map_err(|error| SuperTokensError::Internal(format!("query encoding: {error}")))?;
            format!("{path}?{encoded}")
        };
        self.send(Method::GET, &path, None, rid, true).await
    }

    /// `POST` JSON and parse the JSON answer.
    pub async fn post<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        rid: Option<&str>,
    ) -> Result<R> {
        self.send(Method::POST, path, Some(to_json(body)?), rid, true)
            .await
    }

    /// `PUT` JSON and parse the JSON answer.
    pub async fn put<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        rid: Option<&str>,
    ) -> Result<R> {
        self.send(Method::PUT, path, Some(to_json(body)?), rid, true)
            .await
    }

    /// `GET` a path and return the body and the `Cache-Control: max-age`, if any (for JWKS).
    pub async fn get_with_max_age<R: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(R, Option<u64>)> {
        let (bytes, headers) = self.send_raw(Method::GET, path, None, None, None).await?;
        let max_age = headers
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                value
                    .split(',')
                    .find_map(|part| part.trim().strip_prefix("max-age=")?.parse().ok())
            });
        Ok((parse(path, &bytes)?, max_age))
    }

    async fn send<R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        rid: Option<&str>,
        with_version: bool,
    ) -> Result<R> {
        let version = if with_version {
            Some(self.cdi_version().await?)
        } else {
            None
        };
        let (bytes, _) = self.send_raw(method, path, body, rid, version).await?;
        parse(path, &bytes)
    }

    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        rid: Option<&str>,
        version: Option<String>,
    ) -> Result<(bytes::Bytes, reqwest::header::HeaderMap)> {
        let start = self.next_host.fetch_add(1, Ordering::Relaxed);
        let mut last_error = String::new();
        for offset in 0..self.hosts.len() {
            let host = &self.hosts[(start + offset) % self.hosts.len()];
            let url = format!("{}{}{path}", host.origin, host.base_path);
            let mut request = self.client.request(method.clone(), &url);
            if let Some(key) = &self.api_key {
                request = request.header(HEADER_API_KEY, key.expose_secret());
            }
            if let Some(version) = &version {
                request = request.header(HEADER_CDI_VERSION, version.as_str());
            }
            if let Some(rid) = rid {
                request = request.header(HEADER_RID, rid);
            }
            if let Some(body) = &body {
                request = request
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/json; charset=utf-8",
                    )
                    .body(body.clone());
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let bytes = response.bytes().await.map_err(|error| {
                        SuperTokensError::CoreUnreachable(format!(
                            "reading the answer of {url}: {error}"
                        ))
                    })?;
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        // A limit of the core (shared by every core of the app): no other
                        // host would answer differently.
                        return Err(SuperTokensError::RateLimited {
                            // Without the query, which may carry a secret (it is logged).
                            path: path.split('?').next().unwrap_or_default().to_owned(),
                            retry_after_seconds: retry_after_seconds(&headers),
                        });
                    }
                    if status != StatusCode::OK {
                        return Err(SuperTokensError::Core {
                            status: status.as_u16(),
                            path: path.to_owned(),
                            message: String::from_utf8_lossy(&bytes).into_owned(),
                        });
                    }
                    return Ok((bytes, headers));
                }
                Err(error) if error.is_connect() || error.is_timeout() => {
                    tracing::warn!(host = %host.origin, %error, "core host unreachable; trying the next one");
                    last_error = format!("{}: {error}", host.origin);
                }
                Err(error) => {
                    return Err(SuperTokensError::CoreUnreachable(format!("{url}: {error}")));
                }
            }
        }
        Err(SuperTokensError::CoreUnreachable(last_error))
    }
}

/// The `Retry-After` of an answer in whole seconds (at least 1; 1 when absent or not a
/// number of seconds).
fn retry_after_seconds(headers: &reqwest::header::HeaderMap) -> u64 {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

fn to_json<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>> {
    serde_json::to_vec(body)
        .map_err(|error| SuperTokensError::Internal(format!("request encoding: {error}")))
}

fn parse<R: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<R> {
    serde_json::from_slice(bytes).map_err(|error| {
        SuperTokensError::Internal(format!(
            "unexpected answer from the core for {path}: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_uris_are_parsed() {
        let hosts =
            parse_connection_uri("http://localhost:3567, https://core.example.com/appid-x/")
                .unwrap();
        assert_eq!(
            hosts[0],
            CoreHost {
                origin: "http://localhost:3567".into(),
                base_path: String::new()
            }
        );
        assert_eq!(
            hosts[1],
            CoreHost {
                origin: "https://core.example.com".into(),
                base_path: "/appid-x".into()
            }
        );
        assert!(parse_connection_uri("").is_err());
        assert!(parse_connection_uri("localhost:3567").is_err());
    }

    /// A one-request-per-connection HTTP server that records each request line and answers
    /// `/apiversion` with the versions, and everything else with `{"status":"OK"}`.
    async fn recording_core() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0_u8; 8192];
                let mut read = 0;
                while !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer[read..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => read += n,
                    }
                }
                let text = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                let body = if line.contains("/apiversion ") {
                    r#"{"versions":["5.4"]}"#
                } else {
                    r#"{"status":"OK"}"#
                };
                record.lock().unwrap().push(line);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        (origin, seen)
    }

    /// A core that answers `/apiversion` and refuses everything else with `429` and, when
    /// given, this `Retry-After`.
    async fn limiting_core(retry_after: Option<&'static str>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0_u8; 8192];
                let mut read = 0;
                while !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer[read..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => read += n,
                    }
                }
                let text = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let answer = if text.starts_with("GET /apiversion ") {
                    let body = r#"{"versions":["5.4"]}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    let body = "Too many sign-in attempts";
                    let header = retry_after
                        .map(|value| format!("retry-after: {value}\r\n"))
                        .unwrap_or_default();
                    format!(
                        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\n{header}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        origin
    }

    #[tokio::test]
    async fn a_core_429_is_a_rate_limit_with_its_retry_after() {
        for (header, expected) in [
            (Some("17"), 17),
            (None, 1),
            (Some("soon"), 1),
            (Some("0"), 1),
        ] {
            let origin = limiting_core(header).await;
            let querier = Querier::new(parse_connection_uri(&origin).unwrap(), None).unwrap();
            let error = querier
                .post::<_, serde_json::Value>("/recipe/signin", &serde_json::json!({}), None)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    &error,
                    SuperTokensError::RateLimited { path, retry_after_seconds }
                        if path == "/recipe/signin" && *retry_after_seconds == expected
                ),
                "{header:?}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn every_call_goes_under_the_app_of_the_connection_uri() {
        let (origin, seen) = recording_core().await;
        let hosts = parse_connection_uri(&format!("{origin}/appid-shop/")).unwrap();
        let querier = Querier::new(hosts, None).unwrap();
        let _: serde_json::Value = querier
            .get("/public/recipe/multitenancy/tenant/v2", &[("a", "b")], None)
            .await
            .unwrap();
        let _: serde_json::Value = querier
            .post("/recipe/session/verify", &serde_json::json!({}), None)
            .await
            .unwrap();
        let _: serde_json::Value = querier
            .put("/recipe/user", &serde_json::json!({}), None)
            .await
            .unwrap();
        let _: (serde_json::Value, _) = querier
            .get_with_max_age("/.well-known/jwks.json")
            .await
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                "GET /appid-shop/apiversion HTTP/1.1",
                "GET /appid-shop/public/recipe/multitenancy/tenant/v2?a=b HTTP/1.1",
                "POST /appid-shop/recipe/session/verify HTTP/1.1",
                "PUT /appid-shop/recipe/user HTTP/1.1",
                "GET /appid-shop/.well-known/jwks.json HTTP/1.1",
            ]
        );
    }
}
