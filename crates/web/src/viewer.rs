//! Who is looking at a page: the browser session behind the cookie, with its CSRF token
//! for the page's forms. A page without a session sends the browser to the login page.

use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use datong_http::App;
use datong_http::auth::session_cookie;
use datong_store::access::Caller;
use datong_store::account::{self, CredentialKind};

pub struct Viewer {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
}

impl Viewer {
    /// The refusal for a form that did not come back with this session's CSRF token.
    pub fn csrf_refusal(&self, token: &str) -> Option<Response> {
        (token != self.csrf).then(|| (axum::http::StatusCode::FORBIDDEN, "CSRF").into_response())
    }
}

/// Where to log in so as to come back to `path`.
pub fn login_url(path: &str) -> String {
    format!("/login?next={}", form_urlencoded_component(path))
}

fn form_urlencoded_component(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

impl FromRequestParts<App> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        let back = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let to_login = || Redirect::to(&login_url(&back)).into_response();
        let Some(secret) = session_cookie(&parts.headers) else {
            return Err(to_login());
        };
        let now = app.now_text();
        let resolved = app
            .run(move |c| account::caller_for_secret(c, &secret, CredentialKind::Session, &now))
            .await
            .map_err(|e| crate::layout::failure(lang, e))?;
        match resolved {
            Some(r) => Ok(Viewer {
                caller: r.caller,
                csrf: r.csrf_token.unwrap_or_default(),
                lang,
            }),
            None => Err(to_login()),
        }
    }
}

/// Where a login may send the browser back to: a path on this site, nothing else.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        // Printable ASCII only: browsers drop tabs and line breaks from a URL ("/\t/x"
        // becomes "//x", another site), and a line break would split the header.
        Some(n)
            if n.starts_with('/')
                && n.bytes().all(|b| b.is_ascii_graphic())
                && !n.starts_with("//")
                && !n.contains('\\') =>
        {
            n
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_come_back() {
        assert_eq!(safe_next(Some("/t/1402")), "/t/1402");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/t\r\nSet-Cookie: x=1",
            "/ /evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(
            login_url("/t/1402?x=1&y=2"),
            "/login?next=%2Ft%2F1402%3Fx%3D1%26y%3D2"
        );
    }
}
