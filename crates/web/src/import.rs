//! Roster import: `/t/{code}/members/import`. A file (`.xlsx` or `.csv`) is checked whole
//! and every bad cell listed (line, column, reason) before anything is written; a clean
//! file is shown for confirmation, then created in one transaction. The template is
//! `/t/{code}/members/template.xlsx`.

use crate::dashboard::{crumbs, head};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use datong_domain::DivisionCode;
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::import::roster;
use datong_store::import::sheet::{self, CellError};
use datong_store::{member, territory};
use maud::{Markup, html};
use serde::Deserialize;

/// The largest roster file taken (a city's 222,000 members fit in less).
pub const MAX_FILE: usize = 32 << 20;

fn form(viewer: &Viewer, code: &DivisionCode) -> Markup {
    let t = viewer.lang.text();
    html! {
        form #import-form method="post" action={ "/t/" (code) "/members/import" } enctype="multipart/form-data" {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            input type="file" name="file" accept=".xlsx,.csv" required;
            button.primary type="submit" { (t.check_file) }
        }
        p { a #template href={ "/t/" (code) "/members/template.xlsx" } { (t.template) } }
    }
}

async fn frame(
    app: &App,
    viewer: &Viewer,
    code: &DivisionCode,
    body: Markup,
    status: StatusCode,
) -> Response {
    let (caller, c2) = (viewer.caller.clone(), code.clone());
    let head = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &c2)?;
            Ok((lineage, node))
        })
        .await;
    match head {
        Ok((lineage, node)) => {
            let t = viewer.lang.text();
            let body = html! {
                (crumbs(&lineage, &node))
                h1 { (node.name) " · " (t.import_roster) }
                (body)
            };
            (
                status,
                page(viewer.lang, Some(viewer), t.import_roster, false, body),
            )
                .into_response()
        }
        Err(e) => failure(viewer.lang, e),
    }
}

pub async fn show(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    let body = form(&viewer, &code);
    frame(&app, &viewer, &code, body, StatusCode::OK).await
}

fn error_table(viewer: &Viewer, errors: &[CellError]) -> Markup {
    let t = viewer.lang.text();
    html! {
        p.error role="alert" { (t.import_refused) " (" (errors.len()) ")" }
        div.table-wrap tabindex="0" { table #import-errors {
            thead { tr { th { (t.line) } th { (t.column) } th { (t.reason) } } }
            tbody { @for e in errors { tr { td { (e.line) } td { (e.column) } td { (e.reason) } } } }
        } }
    }
}

/// Reads and checks a file; `Err` is the page to show.
async fn check(
    app: &App,
    viewer: &Viewer,
    code: &DivisionCode,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<Vec<member::NewMember>, Response> {
    let (caller, under) = (viewer.caller.clone(), code.clone());
    let checked = app
        .run(move |c| {
            territory::get_in_scope(c, &caller, &under)?;
            match sheet::read(&file_name, &bytes) {
                Ok(sheet) => roster::check(c, &caller, &under, &sheet),
                Err(e) => Ok(Err(vec![e])),
            }
        })
        .await;
    match checked {
        Ok(Ok(members)) => Ok(members),
        Ok(Err(errors)) => {
            let body = html! { (error_table(viewer, &errors)) (form(viewer, code)) };
            Err(frame(app, viewer, code, body, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(e) => Err(failure(viewer.lang, e)),
    }
}

pub async fn upload(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    mut parts: Multipart,
) -> Response {
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        match parts.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf_token") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("roster.csv").to_owned();
                    match field.bytes().await {
                        Ok(b) if b.len() <= MAX_FILE => file = Some((name, b.to_vec())),
                        _ => {
                            return failure(
                                viewer.lang,
                                ApiError::new(
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    "too_large",
                                    "文件过大",
                                ),
                            );
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return failure(
                    viewer.lang,
                    ApiError::bad_request("file", "无法读取上传的文件"),
                );
            }
        }
    }
    if let Some(r) = viewer.csrf_refusal(&csrf) {
        return r;
    }
    let Some((name, bytes)) = file else {
        return failure(viewer.lang, ApiError::bad_request("file", "请选择文件"));
    };
    let content = base64::engine::general_purpose::STANDARD.encode(&bytes);
    match check(&app, &viewer, &code, name.clone(), bytes).await {
        Ok(members) => {
            let t = viewer.lang.text();
            let body = html! {
                p #import-ready { (t.import_ready) ": " strong { (members.len()) } }
                form #import-commit method="post" action={ "/t/" (code) "/members/import/commit" } {
                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                    input type="hidden" name="file_name" value=(name);
                    input type="hidden" name="content" value=(content);
                    button.primary type="submit" { (t.import_commit) }
                }
            };
            frame(&app, &viewer, &code, body, StatusCode::OK).await
        }
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct Commit {
    csrf_token: String,
    file_name: String,
    content: String,
}

pub async fn commit(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(f): Form<Commit>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(f.content.as_bytes()) else {
        return failure(
            viewer.lang,
            ApiError::bad_request("content", "文件内容无效"),
        );
    };
    // Checked again: the register may have changed since the preview.
    let members = match check(&app, &viewer, &code, f.file_name, bytes).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| member::create_many(c, &caller, &members))
        .await
    {
        Ok(_) => Redirect::to(&format!("/t/{code}/members")).into_response(),
        Err(e) => failure(viewer.lang, e),
    }
}

/// The empty template: the roster's columns, with the ID and phone columns formatted as
/// text.
pub async fn template(_viewer: Viewer) -> Response {
    use crate::xlsx::{Column, SheetWriter};
    let columns = roster::COLUMNS.map(|h| match h {
        "公民身份号码" | "联系电话" => Column::text(h, 20),
        _ => Column::new(h, 16),
    });
    let built = SheetWriter::new(Vec::new(), "党员名册", &columns).and_then(SheetWriter::finish);
    match built {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, crate::xlsx::CONTENT_TYPE),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"roster-template.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "building the roster template failed");
            ApiError::internal().into_response()
        }
    }
}
