//! The login and logout forms. Login failures count against the account and the address
//! exactly as the API's do; logout needs the page's CSRF token.

use crate::i18n::{LANG_COOKIE, Lang};
use crate::layout::{failure, page};
use crate::viewer::{Viewer, safe_next};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Html;
use axum::response::{IntoResponse, Redirect, Response};
use datong_http::App;
use datong_http::api::session::{ClientIp, LoginRefused, attempt_login};
use datong_http::auth::{session_cookie, set_session_cookie};
use datong_store::account;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

fn form(lang: Lang, next: &str, login: &str, error: Option<&str>) -> Html<String> {
    let t = lang.text();
    page(
        lang,
        None,
        t.login,
        false,
        html! {
            div.login {
                h1 { (t.product) }
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label { (t.login_name) input name="login" value=(login) autocomplete="username" required autofocus; }
                    label { (t.password) input type="password" name="password" autocomplete="current-password" required; }
                    @if let Some(e) = error { p.error role="alert" { (e) } }
                    button.primary type="submit" { (t.log_in) }
                }
            }
        },
    )
}

pub async fn show(headers: HeaderMap, Query(q): Query<Next>) -> Html<String> {
    form(
        Lang::from_headers(&headers),
        safe_next(q.next.as_deref()),
        "",
        None,
    )
}

#[derive(Deserialize)]
pub struct Credentials {
    login: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<Credentials>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let next = safe_next(f.next.as_deref()).to_owned();
    let refuse = |status: StatusCode, message: &str| {
        (status, form(lang, &next, &f.login, Some(message))).into_response()
    };
    if f.login.is_empty()
        || f.login.len() > 64
        || f.password.is_empty()
        || f.password.chars().count() > 256
    {
        return refuse(StatusCode::UNAUTHORIZED, lang.text().login_failed);
    }
    match attempt_login(&app, ip, f.login.clone(), f.password.clone()).await {
        Ok(Ok((session, _))) => {
            let cookie = set_session_cookie(&app, &session.secret, account::SESSION_HOURS * 3600);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Ok(Err(LoginRefused::Failed)) => refuse(StatusCode::UNAUTHORIZED, lang.text().login_failed),
        Ok(Err(refused)) => refuse(refused.status(), &refused.message()),
        Err(e) => failure(lang, e),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

pub async fn logout(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    if let Some(secret) = session_cookie(&headers) {
        let actor = viewer.caller.actor.clone();
        if let Err(e) = app
            .run(move |c| account::log_out(c, &actor, &secret, account::CredentialKind::Session))
            .await
        {
            return failure(viewer.lang, e);
        }
    }
    (
        [(header::SET_COOKIE, set_session_cookie(&app, "", 0))],
        Redirect::to("/login"),
    )
        .into_response()
}

/// Switches the language and goes back where the browser came from.
pub async fn language(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::parse(&lang).unwrap_or(Lang::Zh);
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            r.split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        });
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        if lang == Lang::En { "en" } else { "zh" }
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(back.as_deref())),
    )
        .into_response()
}
