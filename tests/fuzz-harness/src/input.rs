//! Reading a fuzz input: the two leading selector bytes of the request targets and the
//! optional header block, query and body that follow.
//!
//! Layout of a request input: `[route] [flags] rest`. With [`FLAG_HEADERS`] set, `rest`
//! starts with header lines (`name: value`, `\n`-separated) ended by an empty line. With
//! [`FLAG_QUERY_AND_BODY`] set, what is left is `query \0 body`; otherwise it is the query of
//! a `GET` and the body of any other method.

use http::{HeaderMap, HeaderName, HeaderValue};

/// Flag bit: `rest` starts with a header block.
pub const FLAG_HEADERS: u8 = 0x40;
/// Flag bit: the remainder is `query \0 body` whatever the method.
pub const FLAG_QUERY_AND_BODY: u8 = 0x80;

/// A request input split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInput<'a> {
    /// Chooses the route (taken modulo the number of routes).
    pub route: u8,
    /// Per-target flag bits.
    pub flags: u8,
    /// Extra headers, as raw lines.
    pub headers: &'a [u8],
    /// The query string, if any.
    pub query: Option<&'a [u8]>,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> RequestInput<'a> {
    /// Splits `data`; `is_get` says where the remainder goes without [`FLAG_QUERY_AND_BODY`].
    pub fn parse(data: &'a [u8], is_get: impl Fn(u8) -> bool) -> Self {
        let route = data.first().copied().unwrap_or_default();
        let flags = data.get(1).copied().unwrap_or_default();
        let mut rest = data.get(2..).unwrap_or_default();
        let mut headers: &[u8] = &[];
        if flags & FLAG_HEADERS != 0 {
            match find(rest, b"\n\n") {
                Some(end) => {
                    headers = &rest[..end];
                    rest = &rest[end + 2..];
                }
                None => {
                    headers = rest;
                    rest = &[];
                }
            }
        }
        let (query, body) = if flags & FLAG_QUERY_AND_BODY != 0 {
            match rest.iter().position(|&byte| byte == 0) {
                Some(end) => (Some(&rest[..end]), &rest[end + 1..]),
                None => (Some(rest), &[][..]),
            }
        } else if is_get(route) {
            (Some(rest), &[][..])
        } else {
            (None, rest)
        };
        Self {
            route,
            flags,
            headers,
            query: query.filter(|query| !query.is_empty()),
            body,
        }
    }
}

/// Builds an input from its parts (for seeds): the inverse of [`RequestInput::parse`].
pub fn encode(route: u8, flags: u8, headers: &str, query: &str, body: &str) -> Vec<u8> {
    let mut flags = flags;
    if !headers.is_empty() {
        flags |= FLAG_HEADERS;
    }
    let mut data = vec![route, flags];
    if !headers.is_empty() {
        data.extend_from_slice(headers.as_bytes());
        data.extend_from_slice(b"\n\n");
    }
    if flags & FLAG_QUERY_AND_BODY != 0 {
        data.extend_from_slice(query.as_bytes());
        data.push(0);
        data.extend_from_slice(body.as_bytes());
    } else if !query.is_empty() {
        data.extend_from_slice(query.as_bytes());
    } else {
        data.extend_from_slice(body.as_bytes());
    }
    data
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Adds each valid `name: value` line to `headers` (appending, so a name may repeat); lines
/// that are not a valid header are skipped, as an HTTP server would refuse them before any
/// application code ran.
pub fn add_header_lines(headers: &mut HeaderMap, lines: &[u8]) {
    for line in lines.split(|&byte| byte == b'\n') {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let name = &line[..colon];
        let value = trim(&line[colon + 1..]);
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|byte| !byte.is_ascii_whitespace())
        .map_or(start, |last| last + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// The query as it can go into a URI: bytes a URI may not hold are percent-encoded, so the
/// server's own query parsing sees every input.
pub fn uri_safe_query(query: &[u8]) -> String {
    let mut text = String::with_capacity(query.len());
    for &byte in query {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_and_parse_agree() {
        let data = encode(3, FLAG_QUERY_AND_BODY, "rid: session", "a=1", "{}");
        let parsed = RequestInput::parse(&data, |_| false);
        assert_eq!(parsed.route, 3);
        assert_eq!(parsed.headers, b"rid: session");
        assert_eq!(parsed.query, Some(&b"a=1"[..]));
        assert_eq!(parsed.body, b"{}");
        let get = encode(1, 0, "", "x=y", "");
        let parsed = RequestInput::parse(&get, |_| true);
        assert_eq!(parsed.query, Some(&b"x=y"[..]));
        assert!(parsed.body.is_empty());
        let post = encode(1, 0, "", "", "{\"a\":1}");
        assert_eq!(RequestInput::parse(&post, |_| false).body, b"{\"a\":1}");
    }

    #[test]
    fn short_inputs_parse() {
        assert_eq!(RequestInput::parse(&[], |_| true), RequestInput::default());
        assert_eq!(RequestInput::parse(&[7], |_| true).route, 7);
    }

    #[test]
    fn header_lines_skip_invalid_ones() {
        let mut headers = HeaderMap::new();
        add_header_lines(
            &mut headers,
            b"cookie: a=b\nno colon\nbad name: x\ncookie:  c=d \n",
        );
        assert_eq!(headers.get_all("cookie").iter().count(), 2);
        assert_eq!(headers.len(), 2);
    }

    #[test]
    fn queries_are_made_uri_safe() {
        assert_eq!(uri_safe_query(b"a=b c#\xff"), "a=b%20c%23%FF");
        let uri: http::Uri = format!("/x?{}", uri_safe_query(b"\x00\x7f\"<>{}|"))
            .parse()
            .unwrap();
        assert!(uri.query().is_some());
    }
}
