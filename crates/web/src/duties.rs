//! `/t/{code}/duties`: a node's responsibility list by duty area and the tasks its subtree
//! has received; `/t/{code}/tasks/new`: sending a task down, where a refusal by the gate
//! is shown with each refused node and the part of its list that bears on the task.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::member::{Errors, field, required_text};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use crate::xlsx::Column;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use datong_domain::accountability::Escalation;
use datong_domain::duty::{Category, DutyArea, Holder, ItemState, Refusal, TargetStatus};
use datong_domain::{DivisionCode, Level};
use datong_http::App;
use datong_store::StoreError;
use datong_store::access::Caller;
use datong_store::duty::list::{self, Item};
use datong_store::duty::task::{self, SentTask, TargetFilter, TaskDraft};
use datong_store::sql::Page;
use datong_store::territory::{self, Territory};
use maud::{Markup, html};
use serde::Deserialize;

/// Nodes that hold a list: city (主体), district (第一), street and town (直接).
pub fn holds_list(t: &Territory) -> bool {
    Holder::of(t.kind).is_some()
}

fn area_label(a: DutyArea, lang: crate::i18n::Lang) -> String {
    lang.label(a.label(), a.as_str())
}

fn list_tables(viewer: &Viewer, items: &[Item]) -> Markup {
    let lang = viewer.lang;
    html! {
        @for area in DutyArea::ALL {
            @let rows: Vec<&Item> = items.iter().filter(|i| i.area == *area).collect();
            @if !rows.is_empty() {
                h2 { (area_label(*area, lang)) }
                div.table-wrap tabindex="0" { table.duties data-area=(area.as_str()) {
                    thead { tr {
                        th { (lang.pick("事项", "Item")) } th { (lang.pick("依据", "Basis")) } th { (lang.pick("承办科室", "Office")) }
                        th { (lang.pick("责任", "Responsibility")) } th { (lang.pick("状态", "State")) }
                    } }
                    tbody { @for i in rows {
                        tr.removed[i.state == ItemState::Removed] {
                            td { (i.name) }
                            td { (i.basis) }
                            td { (i.office) }
                            td { (lang.label(i.responsibility.label(), i.responsibility.as_str())) }
                            td {
                                (lang.label(i.state.label(), i.state.as_str()))
                                @if let Some(a) = i.admission_id {
                                    " · " a href={ "/admissions/" (a) } { (lang.pick("经准入", "admitted")) }
                                }
                            }
                        }
                    } }
                } }
            }
        }
    }
}

/// A filter by the ladder step a receiving end has reached: `?step=supervision`; on the
/// duties page, `?page=` of the tasks received too.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepQuery {
    step: String,
    page: Option<i64>,
}

impl StepQuery {
    fn step(&self) -> Option<Escalation> {
        Escalation::parse(&self.step)
    }
    fn page_no(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }
}

/// Tasks received listed a page at a time.
const RECEIVED_PAGE: i64 = 50;

/// Links that filter a list by ladder step, the chosen one marked.
fn step_filter(lang: crate::i18n::Lang, base: &str, chosen: Option<Escalation>) -> Markup {
    html! {
        nav.filters aria-label=(lang.pick("按升级步骤筛选", "Filter by ladder step")) {
            a href=(base) aria-current=[chosen.is_none().then_some("true")] { (lang.pick("全部", "All")) }
            @for s in Escalation::ALL {
                " " a href={ (base) "?step=" (s.as_str()) } aria-current=[(chosen == Some(*s)).then_some("true")] { (lang.label(s.label(), s.as_str())) }
            }
        }
    }
}

/// The tasks a node sent, x/N done each, filtered by step.
fn sent_table(
    viewer: &Viewer,
    node: &DivisionCode,
    sent: &[SentTask],
    chosen: Option<Escalation>,
) -> Markup {
    let (lang, t) = (viewer.lang, viewer.lang.text());
    html! {
        h2 #sent-heading { (lang.pick("本级下达的任务", "Tasks sent from here")) }
        (step_filter(lang, &format!("/t/{node}/duties"), chosen))
        div.table-wrap tabindex="0" { table #sent {
            thead { tr {
                th { (lang.pick("任务", "Task")) } th { (lang.pick("完成时限", "Due")) }
                th { (lang.pick("完成", "Done")) } th { (lang.pick("逾期", "Overdue")) }
                th { (lang.pick("最高升级", "Highest step")) }
            } }
            tbody {
                @for s in sent {
                    tr {
                        td { a href={ "/tasks/" (s.id) } { (s.title) } }
                        td { (s.deadline) }
                        td.done { (s.done) "/" (s.targets - s.returned) @if s.returned > 0 { " " span.muted { (lang.pick("退回 ", "returned ")) (s.returned) } } }
                        td.error[s.overdue > 0] { (s.overdue) }
                        td { @match s.step { Some(e) => (lang.label(e.label(), e.as_str())), None => "—" } }
                    }
                }
                @if sent.is_empty() { tr { td colspan="5" { (t.none) } } }
            }
        } }
    }
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(sq): Query<StepQuery>,
) -> Response {
    let caller = viewer.caller.clone();
    let chosen = sq.step();
    let sends =
        code.level() < Level::Grid && viewer.caller.acting_as(&task::SENDERS, &code).is_some();
    let page_no = sq.page_no();
    let key = format!(
        "duties|{}|{code}|{chosen:?}|{sends}|{page_no}",
        caller.memo_key()
    );
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let items = list::of_node(c, &caller, &code)?;
            let sent = if sends {
                task::sent_from(
                    c,
                    &caller,
                    &code,
                    chosen,
                    &Page {
                        limit: 50,
                        offset: 0,
                    },
                )?
            } else {
                Vec::new()
            };
            let f = TargetFilter {
                territory: Some(code.clone()),
                ..TargetFilter::default()
            };
            let received = task::targets(
                c,
                &caller,
                &f,
                &Page {
                    limit: RECEIVED_PAGE,
                    offset: (page_no - 1) * RECEIVED_PAGE,
                },
            )?;
            let count = task::count_targets(c, &caller, &f)?;
            Ok((node, lineage, items, (received, count), sent))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (node, lineage, items, (received, count), sent) = &*loaded;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let today = viewer.caller.today();
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (lang.pick("权责清单", "Responsibilities")) }
        (tabs(t, &node.code, "duties"))
        p {
            @if sends { a.button #send-task href={ "/t/" (node.code) "/tasks/new" } { (lang.pick("下达任务", "Send a task")) } " " }
            a.button href={ "/t/" (node.code) "/admissions" } { (lang.pick("清单外事项准入", "Admissions")) }
        }
        @if holds_list(node) {
            @if items.is_empty() { p.muted { (lang.pick("尚未载入权责清单。", "No list loaded yet.")) } }
            (list_tables(&viewer, items))
        }
        h2 { (lang.pick("收到的任务", "Tasks received")) }
        div.table-wrap tabindex="0" { table #received {
            thead { tr {
                th { (lang.pick("任务", "Task")) } th { (lang.pick("接收单位", "Receiver")) }
                th { (lang.pick("完成时限", "Due")) } th { (lang.pick("状态", "Status")) }
            } }
            tbody {
                @for r in received {
                    @let overdue = r.status == TargetStatus::Open && r.due < today;
                    tr {
                        td { a href={ "/task-targets/" (r.id) } { (r.title) } }
                        td { (r.territory_name) }
                        td.error[overdue] { (r.due) }
                        td { (lang.label(r.status.label(), r.status.as_str())) @if overdue { " · " span.error { (lang.pick("已逾期", "overdue")) } } }
                    }
                }
                @if received.is_empty() { tr { td colspan="4" { (t.none) } } }
            }
        } }
        @let step = chosen.map(|s| format!("step={}&", s.as_str())).unwrap_or_default();
        (crate::table::pager(lang, *count, page_no, RECEIVED_PAGE, &|n| format!("/t/{}/duties?{step}page={n}", node.code)))
        p.exports { a #export-received href={ "/t/" (node.code) "/tasks.xlsx" } { (t.export) } }
        @if sends { (sent_table(&viewer, &node.code, sent, chosen)) }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("权责清单", "Responsibilities"),
        false,
        body,
    )
    .into_response()
}

const TARGET_COLUMNS: [Column; 6] = [
    Column::new("任务", 30),
    Column::new("接收单位", 20),
    Column::new("完成时限", 12),
    Column::new("状态", 10),
    Column::new("办结时间", 17),
    Column::new("逾期升级", 10),
];

/// `/t/{code}/tasks.xlsx`: every task the node's subtree received, as the viewer sees them.
pub async fn export(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    let caller = viewer.caller.clone();
    let file = format!("tasks-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file,
        "任务",
        &TARGET_COLUMNS,
        move |c, rows| {
            head(c, &caller, &code)?;
            let f = TargetFilter {
                territory: Some(code.clone()),
                ..TargetFilter::default()
            };
            crate::download::in_batches(
                c,
                |c, page| task::targets(c, &caller, &f, page),
                |_, items| {
                    for t in &items {
                        rows.row(&[
                            &t.title,
                            &t.territory_name,
                            &t.due.to_string(),
                            t.status.label(),
                            t.done_at
                                .as_deref()
                                .map_or("", |d| d.get(..16).unwrap_or(d)),
                            t.step.map_or("", |s| s.label()),
                        ])?;
                    }
                    Ok(())
                },
            )
        },
    )
    .await
}

/// What the task form holds, as typed.
#[derive(Debug, Default)]
struct TaskForm {
    title: String,
    category: String,
    area: String,
    sender: String,
    evidence: String,
    deadline: String,
    detail: String,
    targets: Vec<String>,
    csrf_token: String,
}

impl TaskForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = TaskForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => f.title = v,
                // Chosen by name from the receivers' lists; none for an item off them.
                "category" => f.category = v,
                "area" => f.area = v,
                "sender" => f.sender = v,
                "evidence" => f.evidence = v,
                "deadline" => f.deadline = v,
                "detail" => f.detail = v,
                "targets" => f.targets.push(v),
                "csrf_token" => f.csrf_token = v,
                _ => {}
            }
        }
        f
    }

    fn parse(&self) -> Result<TaskDraft, Errors> {
        let mut e = Errors::new();
        let text = required_text;
        let title = text(&mut e, "title", &self.title, 100);
        let sender = text(&mut e, "sender", &self.sender, 100);
        let evidence = text(&mut e, "evidence", &self.evidence, 500);
        let area = DutyArea::parse(&self.area);
        if area.is_none() {
            e.insert("area", "请选择职责领域".into());
        }
        // Off the lists, the task's title and area make its category, as the admission
        // asked for it will (`Category::of_new_item`).
        let category = match self.category.trim() {
            "" => area.map(|a| Category::of_new_item(a, &title)),
            c => Category::parse(c)
                .map_err(|err| e.insert("category", err.to_string()))
                .ok(),
        };
        let deadline = NaiveDate::parse_from_str(self.deadline.trim(), "%Y-%m-%d")
            .map_err(|_| e.insert("deadline", "应为日期（年-月-日）".into()))
            .ok();
        let targets: Vec<DivisionCode> = self
            .targets
            .iter()
            .filter_map(|t| DivisionCode::parse(t).ok())
            .collect();
        if targets.is_empty() {
            e.insert("targets", "至少选择一个接收单位".into());
        }
        match (category, area, deadline) {
            (Some(category), Some(area), Some(deadline)) if e.is_empty() => Ok(TaskDraft {
                title,
                category,
                area,
                detail: self.detail.trim().chars().take(4000).collect(),
                sender,
                evidence,
                deadline,
                targets,
            }),
            _ => Err(e),
        }
    }
}

/// The nodes a task can be sent to from `node`: its children.
fn receivers(
    c: &mut datong_store::Conn,
    caller: &Caller,
    node: &DivisionCode,
) -> datong_store::StoreResult<Vec<Territory>> {
    territory::children(
        c,
        caller,
        node,
        &Page {
            limit: 500,
            offset: 0,
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    viewer: &Viewer,
    node: &Territory,
    lineage: &[(Territory, bool)],
    receivers: &[Territory],
    categories: &[Item],
    f: &TaskForm,
    errors: &Errors,
    refused: Option<&serde_json::Value>,
) -> Markup {
    let lang = viewer.lang;
    let checked = |code: &DivisionCode| f.targets.iter().any(|t| t == code.as_path());
    html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (lang.pick("下达任务", "Send a task")) }
        @if let Some(r) = refused {
            div #refusal.error role="alert" {
                p { strong { (lang.pick("任务未下达：以下单位的权责清单不含该事项，须先经准入。", "Not sent: these receivers' lists do not hold this item; it needs an admission first.")) } }
                @for x in r["refused"].as_array().into_iter().flatten() {
                    div.refused data-target=(x["target"].as_str().unwrap_or_default()) data-reason=(x["reason"].as_str().unwrap_or_default()) {
                        p {
                            strong { (x["target_name"].as_str().unwrap_or_default()) } "："
                            (Refusal::parse(x["reason"].as_str().unwrap_or_default()).map_or("", |r| r.label()))
                        }
                        @let relevant = x["relevant"].as_array().cloned().unwrap_or_default();
                        @if !relevant.is_empty() {
                            p.muted { (lang.pick("该单位清单中同一职责领域的事项：", "Items of the same duty area on its list:")) }
                            ul { @for i in &relevant {
                                li { (i["name"].as_str().unwrap_or_default())
                                     @if i["state"] == "removed" { " （" (lang.pick("已取消", "removed")) "）" } }
                            } }
                        }
                    }
                }
                p { a href={ "/t/" (node.code) "/admissions" } { (lang.pick("申请清单外事项准入", "File an admission")) } }
            }
        }
        form.member-form #task-form method="post" action={ "/t/" (node.code) "/tasks/new" } {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            (field(lang.pick("任务名称", "Title"), "title", errors, html! { input name="title" value=(f.title) maxlength="100" required; }))
            (field(lang.pick("发文单位", "Sender"), "sender", errors, html! { input name="sender" value=(f.sender) maxlength="100" required; }))
            (field(lang.pick("职责领域", "Duty area"), "area", errors, html! {
                select name="area" { @for a in DutyArea::ALL { option value=(a.as_str()) selected[f.area == a.as_str()] { (area_label(*a, lang)) } } }
            }))
            (field(lang.pick("事项", "Item"), "category", errors, html! {
                select name="category" {
                    option value="" { (lang.pick("清单外事项（以任务名称为准）", "Off the list (by the title)")) }
                    @for area in DutyArea::ALL {
                        @let items: Vec<&Item> = categories.iter().filter(|i| i.area == *area).collect();
                        @if !items.is_empty() {
                            optgroup label=(area_label(*area, lang)) {
                                @for i in items { option value=(i.category.as_str()) selected[f.category == i.category.as_str()] { (i.name) } }
                            }
                        }
                    }
                }
            }))
            (field(lang.pick("完成时限", "Deadline"), "deadline", errors, html! { input type="date" name="deadline" value=(f.deadline) required; }))
            (field(lang.pick("须提交的佐证材料", "Evidence required"), "evidence", errors, html! { input name="evidence" value=(f.evidence) maxlength="500" required; }))
            (field(lang.pick("任务说明", "Detail"), "detail", errors, html! { textarea name="detail" maxlength="4000" rows="3" { (f.detail) } }))
            fieldset #targets {
                legend { (lang.pick("接收单位", "Receivers")) }
                @if let Some(msg) = errors.get("targets") { span.error role="alert" { (msg) } }
                @for r in receivers {
                    label.check { input type="checkbox" name="targets" value=(r.code) checked[checked(&r.code)]; (r.name) }
                }
            }
            button.primary type="submit" { (lang.pick("下达", "Send")) }
        }
    }
}

async fn load_form(
    app: &App,
    viewer: &Viewer,
    code: DivisionCode,
) -> Result<(Territory, Vec<(Territory, bool)>, Vec<Territory>, Vec<Item>), Response> {
    let caller = viewer.caller.clone();
    app.run(move |c| {
        let (node, lineage) = head(c, &caller, &code)?;
        let receivers = receivers(c, &caller, &code)?;
        // The categories the receivers hold, offered as the sender types: streets and
        // towns hold different lists, so one receiver of each kind speaks for its kind.
        let mut categories: Vec<Item> = Vec::new();
        let mut read: Vec<Holder> = Vec::new();
        for r in &receivers {
            let Some(holder) = Holder::of(r.kind).filter(|h| !read.contains(h)) else {
                continue;
            };
            read.push(holder);
            for i in list::of_node(c, &caller, &r.code)? {
                if i.state == ItemState::Listed
                    && !categories.iter().any(|k| k.category == i.category)
                {
                    categories.push(i);
                }
            }
        }
        Ok((node, lineage, receivers, categories))
    })
    .await
    .map_err(|e| failure(viewer.lang, e))
}

pub async fn new_form(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
) -> Response {
    let (node, lineage, receivers, categories) = match load_form(&app, &viewer, code).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = TaskForm {
        deadline: (viewer.caller.today() + chrono::Days::new(14)).to_string(),
        ..TaskForm::default()
    };
    let body = form_page(
        &viewer,
        &node,
        &lineage,
        &receivers,
        &categories,
        &f,
        &Errors::new(),
        None,
    );
    page(
        viewer.lang,
        Some(&viewer),
        viewer.lang.pick("下达任务", "Send a task"),
        false,
        body,
    )
    .into_response()
}

pub async fn send(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = TaskForm::from_pairs(pairs);
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let (node, lineage, receivers, categories) = match load_form(&app, &viewer, code.clone()).await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let again = |errors: &Errors, refused: Option<&serde_json::Value>| {
        let body = form_page(
            &viewer,
            &node,
            &lineage,
            &receivers,
            &categories,
            &f,
            errors,
            refused,
        );
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                viewer.lang,
                Some(&viewer),
                viewer.lang.pick("下达任务", "Send a task"),
                false,
                body,
            ),
        )
            .into_response()
    };
    let draft = match f.parse() {
        Ok(d) => d,
        Err(errors) => return again(&errors, None),
    };
    let caller = viewer.caller.clone();
    let sent = app
        .run(move |c| match task::send(c, &caller, &draft) {
            Err(StoreError::Refused { details, .. }) => Ok(Err(details)),
            other => other.map(Ok),
        })
        .await;
    match sent {
        Ok(Ok(_)) => Redirect::to(&format!("/t/{code}/duties")).into_response(),
        Ok(Err(details)) => again(&Errors::new(), Some(&details)),
        Err(e) => match e.field.as_deref().and_then(form_field) {
            Some(key) => {
                let mut errors = Errors::new();
                errors.insert(key, e.message);
                again(&errors, None)
            }
            None => failure(viewer.lang, e),
        },
    }
}

/// A store error's field as one of the form's (`targets[3]` is the targets box); an
/// error about anything else is shown as a page of its own.
fn form_field(field: &str) -> Option<&'static str> {
    if field.starts_with("targets") {
        return Some("targets");
    }
    [
        "title", "category", "area", "sender", "evidence", "deadline", "detail",
    ]
    .into_iter()
    .find(|f| *f == field)
}

/// `/tasks/{id}`: one task as its sender follows it: what was asked, x/N done, and every
/// receiving end with its status and ladder step, filtered by step.
pub async fn task_page(
    State(app): State<App>,
    viewer: Viewer,
    crate::paths::IdPath(id): crate::paths::IdPath,
    Query(sq): Query<StepQuery>,
) -> Response {
    let caller = viewer.caller.clone();
    let task = match app.run(move |c| task::get(c, &caller, id)).await {
        Ok(t) => t,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let today = viewer.caller.today();
    let chosen = sq.step();
    let counted: Vec<_> = task
        .targets
        .iter()
        .filter(|r| r.status != TargetStatus::Returned)
        .collect();
    let done = counted
        .iter()
        .filter(|r| r.status == TargetStatus::Done)
        .count();
    let shown: Vec<_> = task
        .targets
        .iter()
        .filter(|r| chosen.is_none() || r.step == chosen)
        .collect();
    let body = html! {
        nav.crumbs { a href={ "/t/" (task.sender_code) "/duties" } { (task.sender) } " › " span { (task.title) } }
        h1 { (task.title) }
        dl.facts {
            dt { (lang.pick("下达单位", "Sent by")) } dd { (task.sender) }
            dt { (lang.pick("完成时限", "Due")) } dd { (task.deadline) }
            dt { (lang.pick("完成情况", "Done")) } dd #progress { (done) "/" (counted.len()) }
            dt { (lang.pick("须提交的佐证材料", "Evidence asked for")) } dd { (task.evidence) }
            @if !task.detail.is_empty() { dt { (lang.pick("任务说明", "Detail")) } dd { (task.detail) } }
        }
        (step_filter(lang, &format!("/tasks/{id}"), chosen))
        div.table-wrap tabindex="0" { table #targets {
            thead { tr {
                th { (lang.pick("接收单位", "Receiver")) } th { (lang.pick("完成时限", "Due")) }
                th { (lang.pick("状态", "Status")) } th { (lang.pick("升级", "Step")) }
            } }
            tbody {
                @for r in &shown {
                    @let overdue = r.status == TargetStatus::Open && r.due < today;
                    tr {
                        td { a href={ "/task-targets/" (r.id) } { (r.territory_name) } }
                        td.error[overdue] { (r.due) }
                        td { (lang.label(r.status.label(), r.status.as_str())) @if overdue { " · " span.error { (lang.pick("已逾期", "overdue")) } } }
                        td { @match r.step { Some(e) => (lang.label(e.label(), e.as_str())), None => "—" } }
                    }
                }
                @if shown.is_empty() { tr { td colspan="4" { (t.none) } } }
            }
        } }
    };
    page(lang, Some(&viewer), &task.title, false, body).into_response()
}
