//! Residents' requests for the staff who answer them: `/t/{code}/requests` lists a
//! subtree's requests, `/t/{code}/requests/new` takes a hotline call, `/requests/{id}`
//! shows one with its history and the steps its holder may take, and
//! `/t/{code}/request-figures` is the 接诉即办 dashboard — the rates, their trend month by
//! month, each child's figures and a map of where requests come from.

use crate::dashboard::{crumbs, head, tabs};
use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::member::{Errors, field};
use crate::paths::{IdPath, NodePath};
use crate::picker;
use crate::report::{phone_of, point_of};
use crate::table;
use crate::viewer::Viewer;
use crate::xlsx::Column;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Months as CalendarMonths, Utc};
use datong_domain::accountability::Period;
use datong_domain::request::{Channel, Rates, Stage, rates};
use datong_domain::{DivisionCode, Level};
use datong_http::App;
use datong_http::api::requests::may_take_calls;
use datong_http::error::ApiError;
use datong_store::request::catalogue::{self, Service};
use datong_store::request::intake::{Draft, Within};
use datong_store::request::tally::{self, Dot, Figures, Months};
use datong_store::request::workflow::{self, Action, Permits};
use datong_store::request::{self as store, Filter, Request, Step};
use datong_store::sql::Page;
use datong_store::territory::Pick;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

/// A stored UTC time as Beijing wall-clock time, to the minute.
pub fn local_time(stored: &str) -> String {
    DateTime::parse_from_rfc3339(stored).map_or_else(
        |_| stored.to_owned(),
        |t| {
            t.with_timezone(&datong_domain::china_time())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

pub fn stage_label(s: Stage, lang: Lang) -> String {
    lang.label(s.label(), s.as_str())
}

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    service_code: String,
    page: i64,
}

impl ListQuery {
    fn filter(&self, code: &DivisionCode) -> Filter {
        let open = match self.status.as_str() {
            "open" => Some(true),
            "closed" => Some(false),
            _ => None,
        };
        Filter {
            under: Some(code.clone()),
            service_code: (!self.service_code.is_empty()).then(|| self.service_code.clone()),
            open,
            ..Filter::default()
        }
    }

    fn page_no(&self) -> i64 {
        self.page.clamp(1, 100_000)
    }

    /// The query string of this list at page `n` (none for the first).
    fn link(&self, n: i64) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("status", &self.status),
            ("service_code", &self.service_code),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        if n > 1 {
            pairs.push(("page", n.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

const REQUEST_COLUMNS: [Column; 9] = [
    Column::new("编号", 8),
    Column::new("类别", 16),
    Column::new("位置", 24),
    Column::new("地址", 30),
    Column::new("描述", 40),
    Column::new("阶段", 10),
    Column::new("承办", 20),
    Column::new("受理时间", 17),
    Column::new("时限", 17),
];

/// `/t/{code}/requests.xlsx`: the requests as listed, every page, newest first.
pub async fn export(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = q.filter(&code);
    let caller = viewer.caller.clone();
    let file = format!("requests-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file,
        "诉求",
        &REQUEST_COLUMNS,
        move |c, rows| {
            head(c, &caller, &code)?;
            crate::download::in_batches(
                c,
                |c, page| store::list(c, &caller, &f, page),
                |_, items| {
                    for r in &items {
                        rows.row(&[
                            &r.id.to_string(),
                            &r.service_name,
                            &r.node_name,
                            &r.address,
                            &r.description,
                            &stage_label(r.stage, Lang::Zh),
                            r.handler.as_deref().unwrap_or(""),
                            &local_time(&r.received_at),
                            &local_time(r.step_due_at.as_deref().unwrap_or(&r.due_at)),
                        ])?;
                    }
                    Ok(())
                },
            )
        },
    )
    .await
}

pub async fn list(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let caller = viewer.caller.clone();
    let f = q.filter(&code);
    let page_at = Page {
        limit: PAGE,
        offset: (q.page_no() - 1) * PAGE,
    };
    // What is overdue is judged to the minute.
    let key = format!(
        "requests|{}|{code}|{f:?}|{page_at:?}",
        caller.memo_key_to_the_minute()
    );
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let items = store::list(c, &caller, &f, &page_at)?;
            let count = store::count(c, &caller, &f)?;
            let services = catalogue::services(c, true)?;
            Ok((node, lineage, items, count, services))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (node, lineage, items, count, services) = &*loaded;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/requests", node.code);
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (lang.pick("诉求", "Requests")) }
        (tabs(t, &node.code, "requests"))
        form.filters method="get" {
            label { (lang.pick("状态", "Status"))
                select name="status" {
                    option value="" { (lang.pick("全部", "All")) }
                    option value="open" selected[q.status == "open"] { (lang.pick("办理中", "Open")) }
                    option value="closed" selected[q.status == "closed"] { (lang.pick("已办结", "Closed")) }
                }
            }
            label { (lang.pick("类别", "Category"))
                select name="service_code" {
                    option value="" { (lang.pick("全部", "All")) }
                    @for s in services { option value=(s.code) selected[s.code == q.service_code] { (s.name) } }
                }
            }
            button.primary type="submit" { (lang.pick("筛选", "Filter")) }
            @if may_take_calls(&viewer.caller).is_ok() {
                a.button href={ "/t/" (node.code) "/requests/new" } { (lang.pick("登记热线来电", "Take a hotline call")) }
            }
        }
        div.table-wrap tabindex="0" { table #requests {
            thead { tr {
                th { (lang.pick("编号", "No.")) } th { (lang.pick("类别", "Category")) } th { (lang.pick("位置", "Place")) }
                th { (lang.pick("阶段", "Stage")) } th { (lang.pick("承办", "Holder")) } th { (lang.pick("受理", "Received")) } th { (lang.pick("时限", "Due")) }
            } }
            tbody {
                @for r in items {
                    tr.overdue[r.overdue] {
                        td { a href={ "/requests/" (r.id) } { (r.id) } }
                        td { (r.service_name) }
                        td { (r.node_name) }
                        td { (stage_label(r.stage, lang)) }
                        td { (r.handler.as_deref().unwrap_or("—")) }
                        td { (local_time(&r.received_at)) }
                        td { (local_time(r.step_due_at.as_deref().unwrap_or(&r.due_at))) @if r.overdue { " " span.error { (lang.pick("超时", "late")) } } }
                    }
                }
                @if items.is_empty() { tr { td colspan="7" { (t.none) } } }
            }
        } }
        (table::pager(lang, *count, q.page_no(), PAGE, &|n| format!("{base}?{}", q.link(n))))
        p.exports { a #export href={ (base) ".xlsx?" (q.link(1)) } { (t.export) } }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("诉求", "Requests"),
        false,
        body,
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct HotlineForm {
    service_code: String,
    address_id: String,
    lat: String,
    lon: String,
    address: String,
    description: String,
    name: String,
    phone: String,
    csrf_token: String,
}

fn hotline_page(
    viewer: &Viewer,
    code: &DivisionCode,
    (services, places): (&[Service], &[Pick]),
    f: &HotlineForm,
    errors: &Errors,
) -> Response {
    let lang = viewer.lang;
    let title = lang.pick("登记热线来电", "Take a hotline call");
    let body = html! {
        nav.crumbs { a href={ "/t/" (code) "/requests" } { (lang.pick("诉求", "Requests")) } }
        h1 { (title) }
        @if !errors.is_empty() { p.error role="alert" { (lang.text().fix_errors) } }
        form.member-form #hotline method="post" action={ "/t/" (code) "/requests/new" } novalidate {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            (field(lang.pick("类别", "Category"), "service_code", errors, html! { select name="service_code" {
                option value="" { (lang.text().choose) }
                @for s in services { option value=(s.code) selected[s.code == f.service_code] { (s.group) " · " (s.name) } }
            } }))
            (field(lang.pick("所在网格或社区", "Grid or community"), "address_id", errors,
                picker::select(lang, "address_id", places, &f.address_id)))
            // The picked community's map, fetched by app.js: a tap sets the point.
            div #pick-map {}
            input type="hidden" name="lat" value=(f.lat);
            input type="hidden" name="lon" value=(f.lon);
            (field(lang.pick("位置（可选）", "Point (optional)"), "lat", errors, html! {
                p #picked.muted data-empty=(lang.pick("选择社区或网格后，可在其地图上点选位置", "Pick a community or grid, then tap its map"))
                    data-chosen=(lang.pick("已选位置：", "Chosen: "))
                    data-outside=(lang.pick("该位置不在社区的网格内，请在网格范围内点选", "That is outside the community's grids: tap inside one")) {
                    @if f.lat.is_empty() { (lang.pick("选择社区或网格后，可在其地图上点选位置", "Pick a community or grid, then tap its map")) }
                    @else { (lang.pick("已选位置：", "Chosen: ")) (f.lat) ", " (f.lon) }
                }
            }))
            (field(lang.pick("详细位置", "Where exactly"), "address", errors, html! { input name="address" value=(f.address) maxlength="200"; }))
            (field(lang.pick("来电人", "Caller"), "name", errors, html! { input name="name" value=(f.name) maxlength="50"; }))
            (field(lang.pick("来电号码", "Caller's number"), "phone", errors, html! { input name="phone" value=(f.phone) maxlength="20" autocomplete="off"; }))
            (field(lang.pick("诉求内容", "What the caller asks"), "description", errors, html! { textarea name="description" rows="5" maxlength="4000" { (f.description) } }))
            button.primary type="submit" { (lang.pick("登记", "Register the call")) }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, page(lang, Some(viewer), title, false, body)).into_response()
}

/// What the hotline form offers: the services, and the places under `code` a call can be
/// placed at (down to the grids from a street down, to the communities above).
async fn form_choices(
    app: &App,
    viewer: &Viewer,
    code: &DivisionCode,
) -> Result<(Vec<Service>, Vec<Pick>), ApiError> {
    let (caller, code) = (viewer.caller.clone(), code.clone());
    app.run(move |c| {
        let deepest = if code.level() >= Level::Street {
            Level::Grid
        } else {
            Level::Community
        };
        Ok((
            catalogue::services(c, false)?,
            datong_store::territory::picks(c, &caller, &code, deepest)?,
        ))
    })
    .await
}

/// Refuses a node the clerk may not see: it takes no calls, on the form or its post.
async fn in_scope(app: &App, viewer: &Viewer, code: &DivisionCode) -> Result<(), Response> {
    let (caller, code) = (viewer.caller.clone(), code.clone());
    app.run(move |c| datong_store::territory::get_in_scope(c, &caller, &code))
        .await
        .map(|_| ())
        .map_err(|e| failure(viewer.lang, e))
}

/// `/t/{code}/pick-map`: the map of the community `code` is in (a community or a grid),
/// its grids and buildings drawn, for the hotline form to tap a point on.
pub async fn pick_map(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
) -> Response {
    let Some(community) = code.ancestor_at(Level::Community) else {
        return ApiError::bad_request("code", "应为社区或网格").into_response();
    };
    let (caller, at) = (viewer.caller.clone(), community.clone());
    // `placed_below` reads the community through the caller's scope first.
    let places = match app
        .run(move |c| datong_store::territory::placed_below(c, &caller, &at, Level::Building))
        .await
    {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let lang = viewer.lang;
    let name = places
        .iter()
        .find(|p| p.code == community)
        .map_or("", |p| p.name.as_str());
    let drawn = html! {
        @if !places.is_empty() {
            div.map-box.pick {
                p.muted { (lang.pick("在地图上点一下问题所在的位置：", "Tap the map where the problem is:")) }
                (crate::map::svg(&places, app.map_tiles.as_deref(), &format!("{name} {}", lang.text().map)))
            }
        }
    };
    axum::response::Html(drawn.into_string()).into_response()
}

pub async fn hotline_form(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
) -> Response {
    // Residents report through the resident's form; the hotline form is the staff's.
    if let Err(e) = may_take_calls(&viewer.caller) {
        return failure(viewer.lang, e);
    }
    if let Err(r) = in_scope(&app, &viewer, &code).await {
        return r;
    }
    match form_choices(&app, &viewer, &code).await {
        Ok((s, places)) => hotline_page(
            &viewer,
            &code,
            (&s, &places),
            &HotlineForm::default(),
            &Errors::new(),
        ),
        Err(e) => failure(viewer.lang, e),
    }
}

fn hotline_draft(f: &HotlineForm) -> Result<Draft, Errors> {
    let mut e = Errors::new();
    let text = |s: &str| s.trim().to_owned();
    if f.service_code.trim().is_empty() {
        e.insert("service_code", "请选择类别".into());
    }
    if f.description.trim().is_empty() {
        e.insert("description", "请记录诉求内容".into());
    }
    let place = match f.address_id.trim() {
        "" => None,
        a => DivisionCode::parse(a)
            .map_err(|err| e.insert("address_id", err.to_string()))
            .ok(),
    };
    let point = point_of(&mut e, &f.lat, &f.lon);
    if place.is_none() && point.is_none() && !e.contains_key("address_id") {
        e.insert("address_id", "请选择所在网格或社区，或填写坐标".into());
    }
    let phone = phone_of(&mut e, &f.phone);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(Draft {
        service_code: text(&f.service_code),
        channel: Channel::Hotline,
        point,
        place,
        address: text(&f.address),
        description: text(&f.description),
        reporter_login: None,
        reporter_name: Some(text(&f.name)).filter(|n| !n.is_empty()),
        reporter_phone: phone,
        reporter_email: None,
        device_id: None,
        photos: Vec::new(),
        within: None,
    })
}

pub async fn hotline(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(f): Form<HotlineForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    if let Err(e) = may_take_calls(&viewer.caller) {
        return failure(viewer.lang, e);
    }
    if let Err(r) = in_scope(&app, &viewer, &code).await {
        return r;
    }
    let (services, places) = match form_choices(&app, &viewer, &code).await {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let draft = match hotline_draft(&f) {
        Ok(d) => Draft {
            within: Some(Within::staff(&viewer.caller.scope)),
            ..d
        },
        Err(errors) => {
            return hotline_page(&viewer, &code, (&services, &places), &f, &errors);
        }
    };
    match app.intake.file(viewer.caller.actor.clone(), draft).await {
        Ok(r) => Redirect::to(&format!("/requests/{}", r.id)).into_response(),
        Err(e) if e.status.is_client_error() => {
            let key = match e.field.as_deref() {
                Some("service_code") => "service_code",
                Some("phone") => "phone",
                Some("name") => "name",
                Some("address") => "address",
                Some("description") => "description",
                _ => "address_id",
            };
            let errors = Errors::from([(key, e.message)]);
            hotline_page(&viewer, &code, (&services, &places), &f, &errors)
        }
        Err(e) => failure(viewer.lang, e),
    }
}

pub async fn detail(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Query(q): Query<crate::member::DetailQuery>,
) -> Response {
    show_one(&app, &viewer, id, q.unmask, None).await
}

async fn show_one(
    app: &App,
    viewer: &Viewer,
    id: i64,
    unmask: bool,
    refusal: Option<ApiError>,
) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let r = store::get(c, &caller, id, unmask)?;
            let steps = store::steps(c, &r)?;
            let permits = workflow::permits_on(c, &caller, id)?;
            // Where it may be dispatched: its street's places, or its community's for a
            // dispatcher who sees no further.
            let mut places = Vec::new();
            if permits.dispatch {
                for root in [Level::Street, Level::Community]
                    .iter()
                    .filter_map(|l| r.node.ancestor_at(*l))
                {
                    match datong_store::territory::picks(c, &caller, &root, Level::Grid) {
                        Ok(p) => {
                            places = p;
                            break;
                        }
                        Err(datong_store::StoreError::NotFound) => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok((r, (steps, permits, places)))
        })
        .await;
    let (r, (steps, permits, places)) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |e| e.status);
    (
        status,
        render_one(viewer, &r, &steps, (permits, &places), refusal.as_ref()),
    )
        .into_response()
}

fn render_one(
    viewer: &Viewer,
    r: &Request,
    steps: &[Step],
    (permits, places): (Permits, &[Pick]),
    refusal: Option<&ApiError>,
) -> axum::response::Html<String> {
    let lang = viewer.lang;
    let title = format!("{} {}", lang.pick("诉求", "Request"), r.id);
    let body = html! {
        nav.crumbs { a href={ "/t/" (r.node) "/requests" } { (r.node_name) } }
        h1 { (title) " · " (r.service_name) }
        @if let Some(e) = refusal { p.error #refused role="alert" data-code=(e.code) { (e.message) } }
        dl.facts #facts {
            dt { (lang.pick("阶段", "Stage")) } dd #stage { (stage_label(r.stage, lang)) @if r.overdue { " " span.error { (lang.pick("超时", "late")) } } }
            dt { (lang.pick("承办", "Holder")) } dd #holder { (r.handler.as_deref().unwrap_or("—")) }
            dt { (lang.pick("位置", "Place")) } dd { (r.node_name) @if !r.address.is_empty() { "，" (r.address) } }
            dt { (lang.pick("来源", "Channel")) } dd { (lang.label(r.channel.label(), r.channel.as_str())) }
            dt { (lang.pick("受理时间", "Received")) } dd { (local_time(&r.received_at)) }
            dt { (lang.pick("办结时限", "Due")) } dd { (local_time(&r.due_at)) }
            @if let Some(d) = &r.step_due_at { dt { (lang.pick("本环节时限", "This step due")) } dd { (local_time(d)) } }
            dt { (lang.pick("反映人", "Reporter")) }
            dd { (r.reporter.name.as_deref().unwrap_or("—")) " "
                 @if let Some(p) = &r.reporter.phone { span #phone { (p) } @if r.reporter.phone_masked && viewer.caller.unmask_scope.contains(&r.node) { " " a href={ "/requests/" (r.id) "?unmask=true" } { (lang.pick("查看号码", "Show number")) } } } }
            @if let Some(s) = r.score { dt { (lang.pick("评价", "Rating")) } dd { (s) " / 5 " (r.rating_text.as_deref().unwrap_or("")) } }
        }
        h2 { (lang.pick("诉求内容", "What was asked")) }
        p.writing #description { (r.description) }
        @for p in &r.photos { img.photo src={ "/api/v1/requests/" (r.id) "/photos/" (p.id) } alt=(lang.pick("照片", "photo")) loading="lazy"; }
        @if r.stage.is_open() || r.stage == Stage::Closed { (step_forms(viewer, r, permits, places)) }
        h2 { (lang.pick("办理经过", "History")) }
        div.table-wrap tabindex="0" { table #history {
            thead { tr { th { (lang.pick("时间", "When")) } th { (lang.pick("环节", "Step")) } th { (lang.pick("办理人", "By")) } th { (lang.pick("说明", "Note")) } } }
            tbody { @for s in steps { tr {
                td { (local_time(&s.at)) } td { (lang.label(s.kind.label(), s.kind.as_str())) } td { (picker::actor(&s.actor, lang)) } td.writing { (s.note) }
            } } }
        } }
    };
    page(lang, Some(viewer), &title, false, body)
}

/// The steps that fit the request's stage and that the viewer may take (`Permits`, the
/// store's own rule); `workflow::act` still decides, and a refused step comes back with
/// its reason.
fn step_forms(viewer: &Viewer, r: &Request, p: Permits, places: &[Pick]) -> Markup {
    let pass_up = p.hold || p.dispatch;
    let any = match r.stage {
        Stage::Accepted => p.dispatch,
        Stage::Dispatched | Stage::Handling => pass_up,
        Stage::Replied => p.verify || pass_up,
        Stage::Closed => p.rate,
        Stage::Rated => false,
    };
    if !any {
        return html! {};
    }
    let lang = viewer.lang;
    let action = format!("/requests/{}/steps", r.id);
    let form = |step: &str, label: &str, inner: Markup| {
        html! {
            form.step method="post" action=(action) data-step=(step) {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                input type="hidden" name="step" value=(step);
                (inner)
                button.primary type="submit" { (label) }
            }
        }
    };
    let reason = |ph: &str| html! { input name="text" required maxlength="4000" placeholder=(ph); };
    let to_field = html! {
        label { (lang.pick("派往", "To")) (picker::select(lang, "to", places, "")) }
    };
    html! {
        h2 { (lang.pick("办理", "Act")) }
        div.steps {
            @match r.stage {
                Stage::Accepted => {
                    @if p.dispatch { (form("dispatch", lang.pick("派遣", "Dispatch"), to_field)) }
                }
                Stage::Dispatched => {
                    @if p.hold {
                        (form("take", lang.pick("签收", "Sign for it"), html! {}))
                        (form("decline", lang.pick("超职责退回", "Not our duty"), reason(lang.pick("退回理由", "why"))))
                    }
                    @if pass_up { (form("escalate", lang.pick("申请升级", "Pass it up"), reason(lang.pick("理由", "why")))) }
                    @if p.dispatch { (form("dispatch", lang.pick("改派", "Re-dispatch"), to_field)) }
                }
                Stage::Handling => {
                    @if p.hold {
                        (form("reply", lang.pick("反馈办理结果", "Report the result"), html! { textarea name="text" rows="3" required maxlength="4000" placeholder=(lang.pick("办理结果", "what was done")) {} }))
                        (form("extend", lang.pick("申请延期", "Extend"), html! {
                            input name="hours" type="number" min="1" max="72" value="24" required;
                            (reason(lang.pick("延期理由", "why")))
                        }))
                        (form("decline", lang.pick("超职责退回", "Not our duty"), reason(lang.pick("退回理由", "why"))))
                    }
                    @if pass_up { (form("escalate", lang.pick("申请升级", "Pass it up"), reason(lang.pick("理由", "why")))) }
                }
                Stage::Replied => {
                    // Never by the one who replied: a grid does not check its own work.
                    @if p.verify {
                        (form("verify_pass", lang.pick("核查通过", "Verified"), html! { input name="note" maxlength="4000" placeholder=(lang.pick("核查说明", "note")); }))
                        (form("verify_fail", lang.pick("核查不通过（返工）", "Failed (rework)"), html! { input name="note" required maxlength="4000" placeholder=(lang.pick("问题", "what is still wrong")); }))
                    }
                }
                Stage::Closed => {
                    // The reporter rates; staff record the rating of a reporter with no
                    // account here, on calling them back.
                    @if p.rate {
                        (form("rate", lang.pick("评价", "Rate"), html! {
                            select name="score" required {
                                @for s in (1..=5).rev() { option value=(s) { (s) " ★" } }
                            }
                            label.check { input type="checkbox" name="solved" value="true" checked; (lang.pick("问题已解决", "Solved")) }
                            input name="text" maxlength="4000" placeholder=(lang.pick("评价内容", "comment"));
                        }))
                    }
                }
                Stage::Rated => {}
            }
            @if r.stage.is_open() && pass_up {
                (form("table", lang.pick("提交联席会议", "Put on the joint meeting's agenda"), reason(lang.pick("理由", "why"))))
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    step: String,
    to: String,
    text: String,
    note: String,
    hours: String,
    score: String,
    solved: String,
    csrf_token: String,
}

fn action_of(f: &StepForm) -> Result<Action, ApiError> {
    let text = f.text.trim().to_owned();
    let need = |field: &str, v: &str| {
        if v.trim().is_empty() {
            Err(ApiError::invalid(field.to_owned(), "请填写"))
        } else {
            Ok(())
        }
    };
    Ok(match f.step.as_str() {
        "dispatch" => Action::Dispatch {
            to: DivisionCode::parse(f.to.trim())
                .map_err(|e| ApiError::invalid("to", e.to_string()))?,
        },
        "take" => Action::Take,
        "decline" => {
            need("text", &text)?;
            Action::Decline { reason: text }
        }
        "escalate" => {
            need("text", &text)?;
            Action::Escalate { reason: text }
        }
        "table" => {
            need("text", &text)?;
            Action::Table { reason: text }
        }
        "reply" => {
            need("text", &text)?;
            Action::Reply {
                text,
                photos: Vec::new(),
            }
        }
        "extend" => {
            need("text", &text)?;
            Action::Extend {
                hours: f
                    .hours
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::invalid("hours", "应为小时数"))?,
                reason: text,
            }
        }
        "verify_pass" | "verify_fail" => {
            let passed = f.step == "verify_pass";
            if !passed {
                need("note", &f.note)?;
            }
            Action::Verify {
                passed,
                note: f.note.trim().to_owned(),
            }
        }
        "rate" => Action::Rate {
            score: f
                .score
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid("score", "评分应为 1 至 5"))?,
            solved: f.solved == "true",
            text,
        },
        _ => return Err(ApiError::invalid("step", "未知的办理环节")),
    })
}

pub async fn step(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let action = match action_of(&f) {
        Ok(a) => a,
        Err(e) => return show_one(&app, &viewer, id, false, Some(e)).await,
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| workflow::act(c, &caller, id, &action))
        .await
    {
        Ok(_) => Redirect::to(&format!("/requests/{id}")).into_response(),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            show_one(&app, &viewer, id, false, Some(e)).await
        }
        Err(e) => failure(viewer.lang, e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FiguresQuery {
    period: String,
}

/// The months a dashboard covers: the period asked for, or the twelve months to this one.
fn months_of(period: &str, now: DateTime<Utc>) -> Result<Months, ApiError> {
    if !period.trim().is_empty() {
        let p = Period::parse(period).map_err(|e| ApiError::invalid("period", e.to_string()))?;
        return Ok(Months::of(&p));
    }
    let today = now.with_timezone(&datong_domain::china_time()).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(CalendarMonths::new(11)))
        .unwrap_or(today);
    Ok(Months {
        first: first.format("%Y-%m").to_string(),
        last: today.format("%Y-%m").to_string(),
    })
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"))
}

fn rounded(r: Option<f64>) -> Value {
    json!(r.map(|x| (x * 10.0).round() / 10.0))
}

/// Requests received (bars) and the three rates with their composite (lines), by month.
fn trend(f: &Figures, lang: Lang) -> String {
    let months: Vec<&str> = f.months.iter().map(|(m, _)| m.as_str()).collect();
    let each: Vec<(i64, Rates)> = f
        .months
        .iter()
        .map(|(_, t)| (t.received, rates(t, &f.weights)))
        .collect();
    let line = |name: &str, pick: fn(&Rates) -> Option<f64>| {
        json!({ "name": name, "type": "line", "yAxisIndex": 1, "connectNulls": true,
                "data": each.iter().map(|(_, r)| rounded(pick(r))).collect::<Vec<_>>() })
    };
    let received = lang.pick("受理量", "Received");
    json!({
        "grid": { "left": 48, "right": 48, "top": 40, "bottom": 32 },
        "tooltip": { "trigger": "axis" },
        "legend": { "top": 0 },
        "xAxis": { "type": "category", "data": months },
        "yAxis": [
            { "type": "value", "name": received },
            { "type": "value", "min": 0, "max": 100, "axisLabel": { "formatter": "{value}%" } }
        ],
        "series": [
            { "name": received, "type": "bar", "itemStyle": { "color": "#c9d1d9" },
              "data": each.iter().map(|(n, _)| n).collect::<Vec<_>>() },
            line(lang.pick("响应率", "Response"), |r| r.response),
            line(lang.pick("解决率", "Resolution"), |r| r.resolution),
            line(lang.pick("满意率", "Satisfaction"), |r| r.satisfaction),
            line(lang.pick("综合", "Composite"), |r| r.composite),
        ]
    })
    .to_string()
}

/// Where requests come from: one circle per street or community at its centre, sized by
/// how many it received.
fn dot_map(dots: &[Dot]) -> String {
    let most = dots.iter().map(|d| d.received).max().unwrap_or(0).max(1) as f64;
    let data: Vec<Value> = dots
        .iter()
        .map(|d| {
            let size = 4.0 + 36.0 * (d.received as f64 / most).sqrt();
            json!({ "name": d.name, "value": [d.lon, d.lat, d.received], "symbolSize": size.round() })
        })
        .collect();
    json!({
        "grid": { "left": 8, "right": 8, "top": 8, "bottom": 8 },
        "tooltip": { "trigger": "item", "formatter": "{b}：{@[2]}" },
        "xAxis": { "type": "value", "scale": true, "show": false },
        "yAxis": { "type": "value", "scale": true, "show": false },
        "series": [{
            "type": "scatter", "data": data,
            "itemStyle": { "color": "#c8161d", "opacity": 0.6 },
            "label": { "show": dots.len() <= 40, "formatter": "{b}", "position": "right", "fontSize": 11 }
        }]
    })
    .to_string()
}

/// The level a node's map shows: streets for a city, communities below.
fn map_level(node: &DivisionCode) -> Option<Level> {
    match node.level() {
        Level::Province | Level::City => Some(Level::Street),
        Level::District | Level::Street => Some(Level::Community),
        _ => None,
    }
}

pub async fn figures(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<FiguresQuery>,
) -> Response {
    let months = match months_of(&q.period, app.clock.now()) {
        Ok(m) => m,
        Err(e) => return failure(viewer.lang, e),
    };
    let caller = viewer.caller.clone();
    let shown = months.clone();
    let key = format!("figures|{}|{code}|{months:?}", caller.memo_key());
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let figures = tally::figures(c, &caller, &code, &months)?;
            let dots = match map_level(&code) {
                Some(level) => tally::dots(c, &caller, &code, level, &months)?,
                None => Vec::new(),
            };
            Ok((node, lineage, figures, dots))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (node, lineage, f, dots) = &*loaded;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let n = &f.node;
    let figure =
        |v: String, k: &str, id: &str| html! { div.figure id=(id) { div.n { (v) } div.k { (k) } } };
    let w = &f.weights;
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (lang.pick("接诉即办", "Requests answered")) }
        (tabs(t, &node.code, "request-figures"))
        form.filters method="get" {
            label { (lang.pick("考核期（年、半年、季度或月，如 2026、2026-H1、2026-Q3、2026-07；不填为近 12 个月）", "Period (2026, 2026-H1, 2026-Q3 or 2026-07; empty: the last 12 months)"))
                input name="period" value=(q.period) placeholder=(format!("{} – {}", shown.first, shown.last)); }
            button.primary type="submit" { (lang.pick("查看", "Show")) }
        }
        div.figures {
            (figure(n.tally.received.to_string(), lang.pick("受理量", "Received"), "fig-received"))
            (figure(pct(n.rates.response), lang.pick("响应率", "Response"), "fig-response"))
            (figure(pct(n.rates.resolution), lang.pick("解决率", "Resolution"), "fig-resolution"))
            (figure(pct(n.rates.satisfaction), lang.pick("满意率", "Satisfaction"), "fig-satisfaction"))
            (figure(pct(n.rates.composite), &format!("{} ({}/{}/{})", lang.pick("综合", "Composite"), w.response, w.resolution, w.satisfaction), "fig-composite"))
            (figure(pct(n.rates.closure), lang.pick("结案率", "Closure"), "fig-closure"))
            (figure(pct(n.rates.on_time_closure), lang.pick("按期结案率", "On-time closure"), "fig-on-time"))
            (figure(pct(n.rates.rework), lang.pick("返工率", "Rework"), "fig-rework"))
            (figure(pct(n.rates.extension), lang.pick("延期率", "Extension"), "fig-extension"))
        }
        div.charts {
            div.chart-box { h2 { (lang.pick("逐月趋势", "Month by month")) } div.chart #chart-trend data-chart=(trend(f, lang)) {} }
            @if !dots.is_empty() {
                div.chart-box { h2 { (lang.pick("诉求分布", "Where requests come from")) } div.chart #chart-map data-chart=(dot_map(dots)) {} }
            }
        }
        @if !f.children.is_empty() {
            h2 { (t.children) }
            div.table-wrap tabindex="0" { table #children {
                thead { tr {
                    th { (t.name) } th { (lang.pick("受理量", "Received")) } th { (lang.pick("响应率", "Response")) } th { (lang.pick("解决率", "Resolution")) }
                    th { (lang.pick("满意率", "Satisfaction")) } th { (lang.pick("综合", "Composite")) } th { (lang.pick("结案率", "Closure")) }
                    th { (lang.pick("按期结案率", "On time")) } th { (lang.pick("返工率", "Rework")) } th { (lang.pick("延期率", "Extension")) }
                } }
                tbody { @for c in &f.children { tr {
                    td { a href={ "/t/" (c.code) "/request-figures?period=" (q.period) } { (c.name) } }
                    td { (c.tally.received) } td { (pct(c.rates.response)) } td { (pct(c.rates.resolution)) }
                    td { (pct(c.rates.satisfaction)) } td { (pct(c.rates.composite)) } td { (pct(c.rates.closure)) }
                    td { (pct(c.rates.on_time_closure)) } td { (pct(c.rates.rework)) } td { (pct(c.rates.extension)) }
                } } }
            } }
        }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("接诉即办", "Requests answered"),
        true,
        body,
    )
    .into_response()
}
