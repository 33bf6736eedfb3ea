//! The headers every response carries: what the browser may load and run (a content
//! security policy), no type sniffing, no framing by other sites, and nothing kept in a
//! cache unless the response says it may be (rosters, exports and personal pages are not).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The policy: scripts and styles from this server only (the pages inline no script;
/// ECharts sets styles from script, hence inline styles), images also from the map's tile
/// server when one is configured, no plugins, no other site framing the pages.
pub fn content_security_policy(map_tiles: Option<&str>) -> String {
    let tiles = map_tiles
        .and_then(origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{tiles}; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a URL template, if it has one.
fn origin(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let clean = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    clean.then(|| &url[..scheme.len() + 3 + host_end])
}

pub async fn secure(State(csp): State<Arc<HeaderValue>>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, (*csp).clone());
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_servers_origin_joins_img_src() {
        for (template, expect) in [
            (
                "http://tiles.intranet/{z}/{x}/{y}.png",
                Some("http://tiles.intranet"),
            ),
            (
                "https://10.1.2.3:8443/t/{z}/{x}/{y}",
                Some("https://10.1.2.3:8443"),
            ),
            ("javascript:alert(1)", None),
            ("http://a b/{z}", None),
            ("/local/{z}/{x}/{y}.png", None),
        ] {
            assert_eq!(origin(template), expect, "{template}");
        }
        assert!(
            content_security_policy(Some("http://t/{z}/{x}/{y}.png"))
                .contains("img-src 'self' data: blob: http://t;")
        );
    }
}
