//! Admission (准入) pages: `/t/{code}/admissions` lists a subtree's admissions and lets a
//! department file one; `/admissions/{id}` shows one, with the street's opinion form or
//! the approving authority's decision form to whoever holds that step.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::member::{Errors, field, required_text};
use crate::paths::{IdPath, NodePath};
use crate::viewer::Viewer;
use crate::xlsx::Column;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::duty::{AdmissionStage, Category, DutyArea, Opinion};
use datong_domain::{DivisionCode, Level};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::duty::admission::{self, Admission, AdmissionDraft, AdmissionFilter};
use datong_store::sql::Page;
use datong_store::territory::{self, Territory};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FileForm {
    street: String,
    name: String,
    area: String,
    basis: String,
    office: String,
    requester: String,
    request: String,
    csrf_token: String,
}

impl FileForm {
    fn parse(&self) -> Result<AdmissionDraft, Errors> {
        let mut e = Errors::new();
        let text = required_text;
        let name = text(&mut e, "name", &self.name, 100);
        let basis = text(&mut e, "basis", &self.basis, 500);
        let office = text(&mut e, "office", &self.office, 100);
        let requester = text(&mut e, "requester", &self.requester, 100);
        let request = text(&mut e, "request", &self.request, 4000);
        let street = DivisionCode::parse(&self.street)
            .map_err(|_| e.insert("street", "请选择街道".into()))
            .ok();
        let area = DutyArea::parse(&self.area);
        if area.is_none() {
            e.insert("area", "请选择职责领域".into());
        }
        match (street, area) {
            (Some(street), Some(area)) if e.is_empty() => Ok(AdmissionDraft {
                street,
                // The same name and area as the task refused at the gate: the same category.
                category: Category::of_new_item(area, &name),
                name,
                area,
                basis,
                office,
                requester,
                request,
            }),
            _ => Err(e),
        }
    }
}

fn stage_cell(a: &Admission, viewer: &Viewer) -> Markup {
    let lang = viewer.lang;
    html! { (lang.label(a.stage.label(), a.stage.as_str())) }
}

/// The streets an admission can be filed for from `node`.
fn streets(
    c: &mut datong_store::Conn,
    caller: &datong_store::access::Caller,
    node: &Territory,
) -> datong_store::StoreResult<Vec<Territory>> {
    Ok(match node.code.level() {
        Level::Street => vec![node.clone()],
        Level::District => territory::children(
            c,
            caller,
            &node.code,
            &Page {
                limit: 500,
                offset: 0,
            },
        )?,
        _ => Vec::new(),
    })
}

fn file_form(
    viewer: &Viewer,
    node: &Territory,
    streets: &[Territory],
    f: &FileForm,
    errors: &Errors,
) -> Markup {
    let lang = viewer.lang;
    html! {
        h2 { (lang.pick("书面申请清单外事项准入", "File an admission")) }
        form.member-form #admission-form method="post" action={ "/t/" (node.code) "/admissions" } {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            (field(lang.pick("街道", "Street"), "street", errors, html! {
                select name="street" { @for s in streets { option value=(s.code) selected[f.street == s.code.as_path()] { (s.name) } } }
            }))
            (field(lang.pick("事项名称", "Item"), "name", errors, html! { input name="name" value=(f.name) maxlength="100" required; }))
            (field(lang.pick("职责领域", "Duty area"), "area", errors, html! {
                select name="area" { @for a in DutyArea::ALL { option value=(a.as_str()) selected[f.area == a.as_str()] { (lang.label(a.label(), a.as_str())) } } }
            }))
            (field(lang.pick("依据", "Basis"), "basis", errors, html! { input name="basis" value=(f.basis) maxlength="500" required; }))
            (field(lang.pick("承办科室", "Office"), "office", errors, html! { input name="office" value=(f.office) maxlength="100" required; }))
            (field(lang.pick("申请部门", "Requesting department"), "requester", errors, html! { input name="requester" value=(f.requester) maxlength="100" required; }))
            (field(lang.pick("书面申请", "Written request"), "request", errors, html! { textarea name="request" maxlength="4000" rows="4" required { (f.request) } }))
            button.primary type="submit" { (lang.pick("提交申请", "File")) }
        }
    }
}

const PAGE_SIZE: i64 = 50;

/// `?page=` of the admissions list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    page: Option<i64>,
}

impl ListQuery {
    fn page_no(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }
}

async fn list_page(
    app: &App,
    viewer: &Viewer,
    (code, page_no): (DivisionCode, i64),
    f: &FileForm,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let filter = AdmissionFilter {
                territory: Some(code.clone()),
                stage: None,
            };
            let items = admission::list(
                c,
                &caller,
                &filter,
                &Page {
                    limit: PAGE_SIZE,
                    offset: (page_no - 1) * PAGE_SIZE,
                },
            )?;
            let count = admission::count(c, &caller, &filter)?;
            let streets = if caller.acting_as(&admission::FILERS, &code).is_some() {
                streets(c, &caller, &node)?
            } else {
                Vec::new()
            };
            Ok((node, lineage, items, count, streets))
        })
        .await;
    let (node, lineage, items, count, streets) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (lang.pick("清单外事项准入", "Admissions")) }
        (tabs(t, &node.code, "duties"))
        div.table-wrap tabindex="0" { table #admissions {
            thead { tr {
                th { (lang.pick("事项", "Item")) } th { (lang.pick("街道", "Street")) } th { (lang.pick("申请部门", "Requester")) }
                th { (lang.pick("答复期限", "Opinion due")) } th { (lang.pick("进度", "Stage")) }
            } }
            tbody {
                @for a in &items {
                    tr {
                        td { a href={ "/admissions/" (a.id) } { (a.name) } }
                        td { (a.street_name) }
                        td { (a.requester) }
                        td.error[a.stage == AdmissionStage::Filed && a.opinion_due < viewer.caller.today()] { (a.opinion_due) }
                        td { (stage_cell(a, viewer)) }
                    }
                }
                @if items.is_empty() { tr { td colspan="5" { (t.none) } } }
            }
        } }
        (crate::table::pager(lang, count, page_no, PAGE_SIZE, &|n| format!("/t/{}/admissions?page={n}", node.code)))
        p.exports { a #export href={ "/t/" (node.code) "/admissions.xlsx" } { (t.export) } }
        @if !streets.is_empty() { (file_form(viewer, &node, &streets, f, errors)) }
    };
    (
        status,
        page(
            lang,
            Some(viewer),
            lang.pick("清单外事项准入", "Admissions"),
            false,
            body,
        ),
    )
        .into_response()
}

const COLUMNS: [Column; 7] = [
    Column::new("事项", 30),
    Column::new("类别代码", 20),
    Column::new("街道", 16),
    Column::new("申请部门", 20),
    Column::new("提出时间", 12),
    Column::new("答复期限", 12),
    Column::new("进度", 10),
];

/// `/t/{code}/admissions.xlsx`: every admission under the node the viewer sees.
pub async fn export(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    let caller = viewer.caller.clone();
    let file = format!("admissions-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file,
        "准入申请",
        &COLUMNS,
        move |c, rows| {
            head(c, &caller, &code)?;
            let filter = AdmissionFilter {
                territory: Some(code.clone()),
                stage: None,
            };
            crate::download::in_batches(
                c,
                |c, page| admission::list(c, &caller, &filter, page),
                |_, items| {
                    for a in &items {
                        rows.row(&[
                            &a.name,
                            a.category.as_str(),
                            &a.street_name,
                            &a.requester,
                            a.filed_at.get(..10).unwrap_or(&a.filed_at),
                            &a.opinion_due.to_string(),
                            a.stage.label(),
                        ])?;
                    }
                    Ok(())
                },
            )
        },
    )
    .await
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    list_page(
        &app,
        &viewer,
        (code, q.page_no()),
        &FileForm::default(),
        &Errors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn file(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(f): Form<FileForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let draft = match f.parse() {
        Ok(d) => d,
        Err(errors) => {
            return list_page(
                &app,
                &viewer,
                (code, 1),
                &f,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let caller = viewer.caller.clone();
    match app.run(move |c| admission::file(c, &caller, &draft)).await {
        Ok(a) => Redirect::to(&format!("/admissions/{}", a.id)).into_response(),
        // Not the viewer's to file, or not there: a page of its own, not a field's error.
        Err(e) if e.field.is_none() && e.code != "admission_refused" => failure(viewer.lang, e),
        Err(e) => {
            let mut errors = Errors::new();
            // The domain's refusals (already listed, a retired function) are about the
            // item, which its name and area make.
            let key = match e.field.as_deref() {
                Some("street") => "street",
                Some("request") => "request",
                _ => "name",
            };
            errors.insert(key, e.message);
            list_page(
                &app,
                &viewer,
                (code, 1),
                &f,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn detail_page(
    viewer: &Viewer,
    a: &Admission,
    lineage: &[(Territory, bool)],
    node: &Territory,
    problem: Option<&str>,
) -> Markup {
    let lang = viewer.lang;
    let answers = a.stage == AdmissionStage::Filed
        && viewer
            .caller
            .acting_as(&admission::ANSWERERS, &a.street)
            .is_some();
    let decides = a.stage == AdmissionStage::Answered
        && viewer
            .caller
            .acting_as(&admission::DECIDERS, &a.street)
            .is_some();
    html! {
        (crumbs(lineage, node))
        h1 { (a.name) " · " span #stage data-stage=(a.stage.as_str()) { (lang.label(a.stage.label(), a.stage.as_str())) } }
        @if let Some(p) = problem { p.error #error role="alert" { (p) } }
        dl.facts {
            dt { (lang.pick("街道", "Street")) } dd { a href={ "/t/" (a.street) "/duties" } { (a.street_name) } }
            dt { (lang.pick("职责领域", "Duty area")) } dd { (lang.label(a.area.label(), a.area.as_str())) }
            dt { (lang.pick("依据", "Basis")) } dd { (a.basis) }
            dt { (lang.pick("申请部门", "Requester")) } dd { (a.requester) " · " (a.filed_at.get(..10).unwrap_or_default()) }
            dt { (lang.pick("书面申请", "Request")) } dd.writing { (a.request) }
            dt { (lang.pick("答复期限", "Opinion due")) } dd { (a.opinion_due) }
            @if let (Some(o), Some(text)) = (a.opinion, &a.opinion_text) {
                dt { (lang.pick("街道意见", "Street's opinion")) }
                dd.writing #opinion { strong { (lang.label(o.label(), o.as_str())) } "：" (text)
                    @if a.answered_late { " " span.error { (lang.pick("（逾期答复）", "(late)")) } } }
            }
            @if let Some(text) = &a.decision_text {
                dt { (lang.pick("审批意见", "Decision")) } dd.writing { (text) }
            }
        }
        @if answers {
            form.member-form #opinion-form method="post" action={ "/admissions/" (a.id) "/opinion" } {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                label.field { (lang.pick("意见", "Opinion"))
                    select name="opinion" { @for o in Opinion::ALL { option value=(o.as_str()) { (lang.label(o.label(), o.as_str())) } } } }
                label.field { (lang.pick("书面意见", "Written opinion")) textarea name="text" rows="3" maxlength="4000" required {} }
                button.primary type="submit" { (lang.pick("答复", "Answer")) }
            }
        }
        @if decides {
            form.member-form #decision-form method="post" action={ "/admissions/" (a.id) "/decision" } {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                label.field { (lang.pick("审批意见", "Reason")) textarea name="text" rows="3" maxlength="4000" {} }
                button.primary type="submit" name="approve" value="true" { (lang.pick("批准，纳入该街道清单", "Approve")) }
                button type="submit" name="approve" value="false" { (lang.pick("不予批准", "Reject")) }
            }
        }
    }
}

async fn detail(app: &App, viewer: &Viewer, id: i64, problem: Option<ApiError>) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let a = admission::get(c, &caller, id)?;
            let (node, lineage) = head(c, &caller, &a.street)?;
            Ok((a, node, lineage))
        })
        .await;
    let (a, node, lineage) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let status = problem.as_ref().map_or(StatusCode::OK, |p| p.status);
    let body = detail_page(
        viewer,
        &a,
        &lineage,
        &node,
        problem.as_ref().map(|p| p.message.as_str()),
    );
    (
        status,
        page(viewer.lang, Some(viewer), &a.name, false, body),
    )
        .into_response()
}

pub async fn show_one(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    detail(&app, &viewer, id, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    opinion: String,
    approve: String,
    text: String,
    csrf_token: String,
}

pub async fn answer(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Some(opinion) = Opinion::parse(&f.opinion) else {
        return detail(
            &app,
            &viewer,
            id,
            Some(ApiError::invalid("opinion", "请选择同意或不同意")),
        )
        .await;
    };
    let caller = viewer.caller.clone();
    let text = f.text.trim().chars().take(4000).collect::<String>();
    match app
        .run(move |c| admission::answer(c, &caller, id, opinion, &text))
        .await
    {
        Ok(_) => Redirect::to(&format!("/admissions/{id}")).into_response(),
        Err(e) => detail(&app, &viewer, id, Some(e)).await,
    }
}

pub async fn decide(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let approve = f.approve == "true";
    let caller = viewer.caller.clone();
    let text = f.text.trim().chars().take(4000).collect::<String>();
    match app
        .run(move |c| admission::decide(c, &caller, id, approve, &text))
        .await
    {
        Ok(_) => Redirect::to(&format!("/admissions/{id}")).into_response(),
        Err(e) => detail(&app, &viewer, id, Some(e)).await,
    }
}
