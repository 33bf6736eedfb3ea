//! `/`: the 工作台, every role's landing page: its pending work as counts and the first
//! lines of each, overdue first, each line a link to the page where it is done; then the
//! places it works in. The header's badge keeps the count current (app.js).

use crate::accounts::role_label;
use crate::layout::{failure, page};
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use datong_http::App;
use datong_store::workbench::Group;
use maud::{Markup, html};

fn group(g: &Group, lang: crate::i18n::Lang) -> Markup {
    html! {
        section.card data-group=(g.key) {
            h2 {
                (g.label) " " span.count { (g.count) }
                @if g.overdue > 0 { " " span.error.overdue { (lang.pick("逾期 ", "overdue ")) (g.overdue) } }
            }
            @if !g.breakdown.is_empty() {
                p.muted { @for (i, (k, n)) in g.breakdown.iter().enumerate() { @if i > 0 { " · " } (k) " " (n) } }
            }
            @if g.lines.is_empty() {
                p.muted { (lang.pick("暂无", "Nothing waiting")) }
            } @else {
                ul.lines {
                    @for l in &g.lines {
                        li.overdue[l.overdue] {
                            a href=(l.href) { (l.title) }
                            @if let Some(p) = &l.place { " " span.muted { (p) } }
                            @if let Some(d) = &l.due { " " span.due.error[l.overdue] { (d) } }
                        }
                    }
                }
                @if g.count > g.lines.len() as i64 {
                    p.muted { (lang.pick("另有 ", "and ")) (g.count - g.lines.len() as i64) (lang.pick(" 项", " more")) }
                }
            }
        }
    }
}

pub async fn show(State(app): State<App>, viewer: Viewer) -> Response {
    let caller = viewer.caller.clone();
    let bench = match datong_http::api::workbench::of(&app, caller.clone()).await {
        Ok(b) => b,
        Err(e) => return failure(viewer.lang, e),
    };
    let loaded = app
        .run(move |c| {
            let mut places = Vec::new();
            for a in &caller.assignments {
                let name = datong_store::territory::get(c, &caller, &a.scope)
                    .map_or_else(|_| a.scope.to_string(), |t| t.name);
                places.push((a.scope.clone(), name, a.role));
            }
            Ok(places)
        })
        .await;
    let places = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let lang = viewer.lang;
    let body = html! {
        h1 { (lang.pick("工作台", "Workbench")) }
        p #pending-summary {
            (lang.pick("待办 ", "Pending: ")) strong { (bench.pending) }
            @if bench.overdue > 0 { (lang.pick("，其中逾期 ", ", overdue: ")) strong.error { (bench.overdue) } }
        }
        @if bench.groups.is_empty() {
            p.muted { (lang.pick("当前没有待办事项。", "Nothing is waiting for you.")) }
        }
        div.cards { @for g in &bench.groups { (group(g, lang)) } }
        h2 { (lang.pick("我的辖区", "My places")) }
        ul.places {
            @for (code, name, role) in &places {
                li { a href={ "/t/" (code) } { (name) } " " span.muted { (role_label(lang, *role)) } }
            }
        }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("工作台", "Workbench"),
        false,
        body,
    )
    .into_response()
}
