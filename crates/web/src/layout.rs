//! The page shell: head, top bar (product, who is logged in, language, logout) and body.

use crate::i18n::Lang;
use crate::viewer::Viewer;
use axum::response::Html;
use maud::{DOCTYPE, Markup, html};

/// A whole page, ready to send.
pub fn page(
    lang: Lang,
    viewer: Option<&Viewer>,
    title: &str,
    charts: bool,
    body: Markup,
) -> Html<String> {
    let t = lang.text();
    let other = if lang == Lang::Zh { "en" } else { "zh" };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t.product) }
                link rel="stylesheet" href=(crate::assets::url("app.css"));
                @if charts {
                    script src=(crate::assets::url("echarts.min.js")) defer {}
                }
                script src=(crate::assets::url("app.js")) defer {}
            }
            body {
                header.top {
                    a.product href="/" { (t.product) }
                    a href={ "/lang/" (other) } { (t.other_language) }
                    @if let Some(v) = viewer {
                        a #pending-badge href="/" title=(lang.pick("工作台待办", "Pending work")) {
                            (lang.pick("待办", "Pending")) " " span.n { "…" }
                        }
                        @if v.caller.may_set_city_wide().is_ok() {
                            a href="/accounts" { (lang.pick("账号与密钥", "Accounts and keys")) }
                        }
                        span { (v.caller.actor.login) }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf_token" value=(v.csrf);
                            button type="submit" { (t.log_out) }
                        }
                    }
                }
                @if let Some(v) = viewer {
                    div.workspace {
                        // A drawer: open beside the page on a desk, closed above it on a
                        // phone (app.js closes it there), its summary the handle.
                        details #tree-drawer open {
                            summary { (lang.pick("辖区导航", "Places")) }
                            aside #tree data-roots=(v.caller.assignments.iter().map(|a| a.scope.to_string()).collect::<Vec<_>>().join(",")) {
                                input #tree-search type="search" placeholder=(t.search_tree) aria-label=(t.search_tree) autocomplete="off";
                                ul #tree-results hidden {}
                                ul #tree-roots {}
                            }
                        }
                        main { (body) }
                    }
                } @else {
                    main { (body) }
                }
            }
        }
    };
    Html(markup.into_string())
}

/// An error as a page: the status and the Chinese (or English) message of the API's error,
/// never its internals.
pub fn failure(lang: Lang, e: datong_http::error::ApiError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let t = lang.text();
    let body = html! {
        h1 { (e.status.as_u16()) }
        p.error #error data-code=(e.code) { (e.message) }
        p { a href="/" { (t.overview) } }
    };
    (
        e.status,
        page(lang, None, &e.status.as_u16().to_string(), false, body),
    )
        .into_response()
}

/// The `?ok=` a page is shown with after a step: which success message it says.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Done {
    pub ok: String,
}
