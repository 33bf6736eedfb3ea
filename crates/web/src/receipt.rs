//! `/report/r/{token}`: the reporter's receipt, on a phone, with or without an account —
//! what they reported (description and photos), what has happened and when, where it
//! stands, and the rating once it is closed. `/report/status` finds a receipt by the
//! request's number and the phone number given with it; failed tries count against the
//! address like failed logins (`App::login_throttle`), so numbers cannot be guessed.

use crate::i18n::Lang;
use crate::layout::page;
use crate::report::title;
use crate::requests::{local_time, stage_label};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::Phone;
use datong_http::App;
use datong_http::api::session::ClientIp;
use datong_http::error::ApiError;
use datong_store::StoreError;
use datong_store::audit::Actor;
use datong_store::request::receipt::{self, Receipt};
use maud::html;
use serde::Deserialize;
use std::time::Instant;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    ok: String,
}

fn render(lang: Lang, r: &Receipt, ok: &str, error: Option<&str>) -> axum::response::Html<String> {
    let s = &r.summary;
    let body = html! {
        div.report {
            h1 { (lang.pick("诉求回执", "Your request")) }
            @if ok == "rated" { p.notice role="status" { (lang.pick("评价已提交，谢谢。", "Thank you for your rating.")) } }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            p #receipt { (lang.pick("诉求编号 ", "Request no. ")) strong #request-id { (s.id) } }
            dl.facts {
                dt { (lang.pick("类别", "Category")) } dd { (s.service_name) }
                dt { (lang.pick("所在", "Area")) } dd { (s.area) }
                dt { (lang.pick("办理阶段", "Stage")) } dd #stage { (stage_label(s.stage, lang)) }
                @if let Some(a) = &s.agency_responsible { dt { (lang.pick("承办", "Handled by")) } dd { (a) } }
                dt { (lang.pick("受理时间", "Received")) } dd { (local_time(&s.received_at)) }
                dt { (lang.pick("办结时限", "Due")) } dd { (local_time(&s.due_at)) }
                dt { (lang.pick("反映内容", "What you reported")) } dd.writing #description { (r.description) }
                @if !s.status_notes.is_empty() { dt { (lang.pick("办理情况", "Notes")) } dd.writing { (s.status_notes) } }
                @if let Some(n) = r.score { dt { (lang.pick("您的评价", "Your rating")) } dd { (n) " / 5" } }
            }
            @if !r.photos.is_empty() {
                div.photos {
                    @for p in &r.photos {
                        img.photo src={ "/report/r/" (r.token) "/photos/" (p.id) } alt=(lang.pick("照片", "photo")) loading="lazy";
                    }
                }
            }
            h2 { (lang.pick("办理过程", "What has happened")) }
            ol #timeline.timeline {
                @for m in &r.timeline {
                    li { span.muted { (local_time(&m.at)) } " " (lang.label(m.event.label(), m.event.as_str())) }
                }
            }
            @if r.may_rate {
                form #rate method="post" action={ "/report/r/" (r.token) "/rating" } {
                    h2 { (lang.pick("评价办理结果", "Rate the result")) }
                    label { (lang.pick("满意程度", "How satisfied are you"))
                        select name="score" required {
                            @for (n, zh, en) in [(5, "5 非常满意", "5 very"), (4, "4 满意", "4 satisfied"), (3, "3 基本满意", "3 fairly"), (2, "2 不满意", "2 not"), (1, "1 非常不满意", "1 not at all")] {
                                option value=(n) { (lang.pick(zh, en)) }
                            }
                        }
                    }
                    label { (lang.pick("问题是否解决", "Was it solved"))
                        select name="solved" {
                            option value="1" { (lang.pick("已解决", "Yes")) }
                            option value="0" { (lang.pick("未解决", "No")) }
                        }
                    }
                    label { (lang.pick("意见（可不填）", "Comments (optional)"))
                        textarea name="text" rows="3" maxlength="4000" {} }
                    button.primary type="submit" { (lang.pick("提交评价", "Send")) }
                }
            }
            p.muted { (lang.pick("请保存本页地址，或记下编号，用编号和手机号随时查询。", "Keep this page's address, or the number, to follow the request.")) }
        }
    };
    page(lang, None, title(lang), false, body)
}

pub async fn show(
    State(app): State<App>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    match app.run(move |c| receipt::read(c, &token)).await {
        Ok(r) => render(lang, &r, &q.ok, None).into_response(),
        Err(e) => crate::layout::failure(lang, e),
    }
}

pub async fn photo(
    State(app): State<App>,
    headers: HeaderMap,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    match app.run(move |c| receipt::photo(c, &token, id)).await {
        Ok((kind, bytes)) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        Err(e) => crate::layout::failure(lang, e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RatingForm {
    score: String,
    solved: String,
    text: String,
}

/// The reporter's rating: the receipt's token is their proof.
pub async fn rate(
    State(app): State<App>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<RatingForm>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let actor = Actor {
        login: "resident:web".into(),
        at: app.now_text(),
    };
    let score = f.score.parse::<u8>().unwrap_or(0);
    let solved = f.solved == "1";
    let t = token.clone();
    let done = app
        .run(move |c| receipt::rate(c, &t, &actor, score, solved, &f.text))
        .await;
    match done {
        Ok(()) => Redirect::to(&format!("/report/r/{token}?ok=rated")).into_response(),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let message = e.message.clone();
            match app.run(move |c| receipt::read(c, &token)).await {
                Ok(r) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render(lang, &r, "", Some(&message)),
                )
                    .into_response(),
                Err(e) => crate::layout::failure(lang, e),
            }
        }
        Err(e) => crate::layout::failure(lang, e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Lookup {
    id: String,
    phone: String,
}

fn lookup_page(lang: Lang, l: &Lookup, error: Option<&str>) -> axum::response::Html<String> {
    let body = html! {
        div.report {
            h1 { (lang.pick("查询办理进度", "Follow a request")) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form #lookup method="post" action="/report/status" {
                label { (lang.pick("诉求编号", "Request number"))
                    input name="id" value=(l.id) inputmode="numeric" required maxlength="20"; }
                label { (lang.pick("反映时留的手机号", "The phone number you gave"))
                    input name="phone" type="tel" value=(l.phone) required maxlength="20" autocomplete="tel"; }
                button.primary type="submit" { (lang.pick("查询", "Look up")) }
            }
            p { a href="/report" { (lang.pick("我要反映新问题", "Report a new problem")) } }
        }
    };
    page(lang, None, title(lang), false, body)
}

pub async fn lookup_form(headers: HeaderMap) -> Response {
    lookup_page(Lang::from_headers(&headers), &Lookup::default(), None).into_response()
}

/// Number and phone to the receipt. One message for every miss, so a try tells nothing of
/// which part was wrong; misses count against the address.
pub async fn lookup(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(l): Form<Lookup>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    if let Some(ip) = ip
        && let Err(wait) = app.login_throttle.check(&ip, Instant::now())
    {
        let minutes = wait.as_secs().div_ceil(60);
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_lookups",
            format!("查询过于频繁，请 {minutes} 分钟后再试"),
        );
        return (
            [(header::RETRY_AFTER, wait.as_secs().to_string())],
            crate::layout::failure(lang, e),
        )
            .into_response();
    }
    let id = l.id.trim().parse::<i64>().ok();
    let phone = Phone::parse(l.phone.trim()).ok();
    let found = match (id, phone) {
        (Some(id), Some(phone)) => app.run(move |c| receipt::find(c, id, &phone)).await,
        _ => Err(StoreError::NotFound.into()),
    };
    match found {
        Ok(token) => Redirect::to(&format!("/report/r/{token}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            if let Some(ip) = ip {
                app.login_throttle.record(&ip, Instant::now());
            }
            let miss = lang.pick(
                "编号与手机号不匹配，请核对后重试",
                "That number and phone do not match",
            );
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                lookup_page(lang, &l, Some(miss)),
            )
                .into_response()
        }
        Err(e) => crate::layout::failure(lang, e),
    }
}
