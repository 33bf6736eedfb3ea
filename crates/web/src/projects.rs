//! 项目化履责 in the pages: `/t/{code}/projects/new` (立项 on an item of the node's list,
//! under a parent project or not) and `/projects/{id}` (the project, its weighted
//! milestones with their evidence and progress, its sub-projects). Progress is reported
//! with its evidence in one form, in one transaction; only staff who may write at the
//! project's node see the forms.

use crate::layout::{Done, failure, page};
use crate::member::{Errors, field};
use crate::paths::{IdPath, NodePath};
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::duty::{DutyArea, ItemState};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::duty::list::{self, Item};
use datong_store::duty::project::{self, ProjectDraft, ProjectView};
use maud::html;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewProject {
    csrf_token: String,
    item_id: String,
    parent_id: String,
    name: String,
    owner: String,
    weight: String,
    starts_on: String,
    ends_on: String,
}

fn date(e: &mut Errors, field: &'static str, v: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            e.insert(field, "请选择日期".into());
            None
        }
    }
}

fn new_page(
    viewer: &Viewer,
    code: &DivisionCode,
    items: &[Item],
    f: &NewProject,
    errors: &Errors,
) -> Response {
    let lang = viewer.lang;
    let title = lang.pick("立项", "New project");
    let body = html! {
        nav.crumbs { a href={ "/t/" (code) "/street" } { (lang.pick("街道", "Street")) } }
        h1 { (title) }
        @if !errors.is_empty() { p.error role="alert" { (lang.text().fix_errors) } }
        form.member-form #new-project method="post" action={ "/t/" (code) "/projects/new" } novalidate {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            input type="hidden" name="parent_id" value=(f.parent_id);
            (field(lang.pick("清单事项", "List item"), "item_id", errors, html! {
                select name="item_id" required {
                    option value="" { (lang.text().choose) }
                    @for area in DutyArea::ALL {
                        @let in_area: Vec<&Item> = items.iter().filter(|i| i.area == *area && i.state == ItemState::Listed).collect();
                        @if !in_area.is_empty() {
                            optgroup label=(lang.label(area.label(), area.as_str())) {
                                @for i in in_area { option value=(i.id) selected[i.id.to_string() == f.item_id] { (i.name) } }
                            }
                        }
                    }
                }
            }))
            (field(lang.pick("项目名称", "Name"), "name", errors, html! { input name="name" value=(f.name) required maxlength="200"; }))
            (field(lang.pick("负责人", "Owner"), "owner", errors, html! { input name="owner" value=(f.owner) required maxlength="100"; }))
            (field(lang.pick("权重", "Weight"), "weight", errors, html! { input name="weight" type="number" min="0" max="1000" value=(if f.weight.is_empty() { "1" } else { &f.weight }); }))
            (field(lang.pick("开始日期", "Starts"), "starts_on", errors, html! { input name="starts_on" type="date" value=(f.starts_on) required; }))
            (field(lang.pick("结束日期", "Ends"), "ends_on", errors, html! { input name="ends_on" type="date" value=(f.ends_on) required; }))
            button.primary type="submit" { (lang.pick("立项", "Create")) }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page(lang, Some(viewer), title, false, body)).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Parent {
    parent: String,
}

async fn items(app: &App, viewer: &Viewer, code: &DivisionCode) -> Result<Vec<Item>, ApiError> {
    let (caller, code) = (viewer.caller.clone(), code.clone());
    app.run(move |c| {
        caller.may_write(&code)?;
        list::of_node(c, &caller, &code)
    })
    .await
}

pub async fn new_form(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(p): Query<Parent>,
) -> Response {
    match items(&app, &viewer, &code).await {
        Ok(items) => {
            let f = NewProject {
                parent_id: p.parent,
                ..NewProject::default()
            };
            new_page(&viewer, &code, &items, &f, &Errors::new())
        }
        Err(e) => failure(viewer.lang, e),
    }
}

pub async fn create(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(f): Form<NewProject>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let items = match items(&app, &viewer, &code).await {
        Ok(i) => i,
        Err(e) => return failure(viewer.lang, e),
    };
    let mut e = Errors::new();
    let item_id = f.item_id.parse::<i64>().ok();
    if item_id.is_none() {
        e.insert("item_id", "请选择清单事项".into());
    }
    let weight = f.weight.trim().parse::<u32>().unwrap_or(1);
    let (starts, ends) = (
        date(&mut e, "starts_on", &f.starts_on),
        date(&mut e, "ends_on", &f.ends_on),
    );
    let (Some(item_id), Some(starts_on), Some(ends_on)) = (item_id, starts, ends) else {
        return new_page(&viewer, &code, &items, &f, &e);
    };
    let d = ProjectDraft {
        territory: code.clone(),
        item_id,
        parent_id: f.parent_id.parse().ok(),
        name: f.name.trim().to_owned(),
        owner: f.owner.trim().to_owned(),
        weight,
        starts_on,
        ends_on,
    };
    let caller = viewer.caller.clone();
    match app.run(move |c| project::create(c, &caller, &d)).await {
        Ok(p) => Redirect::to(&format!("/projects/{}?ok=created", p.project.id)).into_response(),
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let key = match err.field.as_deref() {
                Some("owner") => "owner",
                Some("weight") => "weight",
                Some("ends_on") => "ends_on",
                Some("item_id") => "item_id",
                _ => "name",
            };
            new_page(
                &viewer,
                &code,
                &items,
                &f,
                &Errors::from([(key, err.message)]),
            )
        }
        Err(err) => failure(viewer.lang, err),
    }
}

fn message(ok: &str, lang: crate::i18n::Lang) -> Option<&'static str> {
    match ok {
        "created" => Some(lang.pick("已立项。", "Project created.")),
        "milestone" => Some(lang.pick("已添加节点。", "Milestone added.")),
        "reported" => Some(lang.pick("进度已报告。", "Progress reported.")),
        _ => None,
    }
}

async fn render(
    app: &App,
    viewer: &Viewer,
    id: i64,
    ok: &str,
    error: Option<ApiError>,
) -> Response {
    let caller = viewer.caller.clone();
    let v: ProjectView = match app.run(move |c| project::get(c, &caller, id)).await {
        Ok(v) => v,
        Err(e) => return failure(viewer.lang, e),
    };
    let lang = viewer.lang;
    let p = &v.project;
    let writes = viewer.caller.may_write(&p.territory).is_ok();
    let body = html! {
        nav.crumbs { a href={ "/t/" (p.territory) "/street" } { (lang.pick("项目化履责", "Projects")) }
            @if let Some(parent) = p.parent_id { " › " a href={ "/projects/" (parent) } { (lang.pick("上级项目", "Parent project")) } } }
        h1 { (p.name) }
        @if let Some(m) = message(ok, lang) { p.notice role="status" { (m) } }
        @if let Some(e) = &error { p.error role="alert" { (e.message) } }
        dl.facts {
            dt { (lang.pick("负责人", "Owner")) } dd { (p.owner) }
            dt { (lang.pick("周期", "Period")) } dd { (p.starts_on) " — " (p.ends_on) }
            dt { (lang.pick("权重", "Weight")) } dd { (p.weight) }
            dt { (lang.pick("进度", "Progress")) } dd #progress { progress max="100" value=(p.progress) {} " " (format!("{:.1}%", p.progress)) }
        }
        h2 { (lang.pick("节点", "Milestones")) }
        @if v.milestones.is_empty() { p.muted { (lang.text().none) } }
        @for m in &v.milestones {
            section.milestone data-milestone=(m.id) {
                h3 { (m.name) " " span.muted { (lang.pick("权重 ", "weight ")) (m.weight) " · " (lang.pick("完成时限 ", "due ")) (m.due) } }
                p { progress max="100" value=(m.percent) {} " " (m.percent) "%" @if m.done_at.is_some() { " " (lang.pick("已完成", "done")) } }
                ul.files {
                    @for f in &m.evidence { li { a href={ "/evidence/" (f.id) } { (f.file_name) } " " span.muted { (f.uploaded_at.get(..10).unwrap_or("")) } } }
                }
                @if writes {
                    form.report method="post" action={ "/projects/" (p.id) "/progress" } enctype="multipart/form-data" {
                        input type="hidden" name="csrf_token" value=(viewer.csrf);
                        input type="hidden" name="milestone" value=(m.id);
                        label { (lang.pick("进度（%）", "Progress (%)")) input name="percent" type="number" min="0" max="100" value=(m.percent) required; }
                        label { (lang.pick("佐证材料（可多选）", "Evidence (several allowed)"))
                            input type="file" name="file" multiple accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"; }
                        button.primary type="submit" { (lang.pick("报告进度", "Report")) }
                    }
                }
            }
        }
        @if writes {
            details #add-milestone {
                summary { (lang.pick("添加节点", "Add a milestone")) }
                form method="post" action={ "/projects/" (p.id) "/milestones" } {
                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                    label { (lang.pick("节点名称", "Name")) input name="name" required maxlength="200"; }
                    label { (lang.pick("权重", "Weight")) input name="weight" type="number" min="0" max="1000" value="1"; }
                    label { (lang.pick("完成时限", "Due")) input name="due" type="date" required; }
                    button.primary type="submit" { (lang.pick("添加", "Add")) }
                }
            }
        }
        h2 { (lang.pick("子项目", "Sub-projects")) }
        ul #children {
            @for c in &v.children { li { a href={ "/projects/" (c.id) } { (c.name) } " " (format!("{:.1}%", c.progress)) } }
            @if v.children.is_empty() { li.muted { (lang.text().none) } }
        }
        @if writes { p { a.button href={ "/t/" (p.territory) "/projects/new?parent=" (p.id) } { (lang.pick("新建子项目", "New sub-project")) } } }
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    (status, page(lang, Some(viewer), &p.name, false, body)).into_response()
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Query(d): Query<Done>,
) -> Response {
    render(&app, &viewer, id, &d.ok, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewMilestone {
    csrf_token: String,
    name: String,
    weight: String,
    due: String,
}

pub async fn add_milestone(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<NewMilestone>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(due) = NaiveDate::parse_from_str(f.due.trim(), "%Y-%m-%d") else {
        return render(
            &app,
            &viewer,
            id,
            "",
            Some(ApiError::invalid("due", "请选择完成时限")),
        )
        .await;
    };
    if f.name.trim().is_empty() {
        return render(
            &app,
            &viewer,
            id,
            "",
            Some(ApiError::invalid("name", "请填写节点名称")),
        )
        .await;
    }
    let weight = f.weight.trim().parse::<u32>().unwrap_or(1);
    let caller = viewer.caller.clone();
    let name = f.name.trim().to_owned();
    match app
        .run(move |c| project::add_milestone(c, &caller, id, &name, weight, due))
        .await
    {
        Ok(_) => Redirect::to(&format!("/projects/{id}?ok=milestone")).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

/// Progress with its evidence: the files are attached and the percent reported in one
/// transaction, so a refused file leaves nothing behind.
pub async fn report(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    m: Multipart,
) -> Response {
    let form = match crate::evidence::read(m).await {
        Ok(f) => f,
        Err(e) => return render(&app, &viewer, id, "", Some(e)).await,
    };
    let csrf = form.field("csrf_token").to_owned();
    let milestone = form.field("milestone").parse::<i64>().ok();
    let percent = form.field("percent").trim().parse::<u32>().ok();
    let files = form.files;
    if let Some(r) = viewer.csrf_refusal(&csrf) {
        return r;
    }
    let (Some(milestone), Some(percent)) = (milestone, percent) else {
        let e = ApiError::invalid("percent", "进度应在 0 至 100 之间");
        return render(&app, &viewer, id, "", Some(e)).await;
    };
    let caller = viewer.caller.clone();
    let done = app
        .run(move |c| {
            c.tx(|c| {
                for (name, bytes) in files {
                    project::attach(c, &caller, milestone, &name, bytes)?;
                }
                project::report(c, &caller, milestone, percent)
            })
        })
        .await;
    match done {
        Ok(v) => Redirect::to(&format!("/projects/{}?ok=reported", v.project.id)).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

/// A milestone's evidence file, for whoever sees its project.
pub async fn download(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    let caller = viewer.caller.clone();
    match app.run(move |c| project::evidence(c, &caller, id)).await {
        Ok((name, content_type, bytes)) => {
            datong_http::api::projects::attachment(&name, content_type, bytes)
        }
        Err(e) => failure(viewer.lang, e),
    }
}
