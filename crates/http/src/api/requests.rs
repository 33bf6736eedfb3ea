//! Residents' requests over the JSON API: the catalogue and its routing, filing (a
//! resident's own, or a hotline call a clerk takes), reading by role, each step of the
//! workflow, the joint meetings' agendas, and the figures per node and period.

use super::{List, Paging, Writing, page};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use datong_domain::accountability::Period;
use datong_domain::request::{Channel, Point, Stage, Tier};
use datong_domain::{DivisionCode, Level, Phone};
use datong_store::access::Caller;
use datong_store::request::catalogue::{self, Route, Service, Settings};
use datong_store::request::intake::{Draft, Receipt, Within};
use datong_store::request::tally::{self, Dot, Figures, Months};
use datong_store::request::workflow::{self, Action};
use datong_store::request::{self as store, AgendaItem, Filter, Request, Step, View};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/request-services", get(services))
        .route("/request-services/{code}", put(put_service))
        .route("/request-services/{code}/rules/{scope}", put(put_rule))
        .route("/request-settings", get(settings).put(put_settings))
        .route("/requests", get(list).post(file))
        .route("/requests/{id}", get(view))
        .route("/requests/{id}/history", get(history))
        .route("/requests/{id}/photos/{photo}", get(photo))
        .route("/requests/{id}/steps", post(step))
        .route("/territories/{code}/request-figures", get(figures))
        .route("/territories/{code}/request-map", get(map))
        .route("/territories/{code}/agenda", get(agenda))
}

fn node(code: &str) -> ApiResult<DivisionCode> {
    DivisionCode::parse(code).map_err(|_| ApiError::not_found())
}

async fn services(State(app): State<App>) -> ApiResult<Json<Vec<Service>>> {
    Ok(Json(app.run(|c| catalogue::services(c, true)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceBody {
    name: super::Name,
    group: super::Name,
    description: super::Note,
    #[serde(default)]
    keywords: String,
    limit_hours: u32,
    tier: Tier,
    department: Option<super::Name>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

async fn put_service(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    JsonBody(b): JsonBody<ServiceBody>,
) -> ApiResult<Json<Service>> {
    let s = Service {
        code,
        name: b.name.0,
        group: b.group.0,
        description: b.description.0,
        keywords: b.keywords,
        limit_hours: b.limit_hours,
        tier: b.tier,
        department: b.department.map(|d| d.0),
        active: b.active,
    };
    Ok(Json(
        app.run(move |c| catalogue::put_service(c, &caller, &s))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    tier: Tier,
    department: Option<super::Name>,
}

async fn put_rule(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam((code, scope)): PathParam<(String, String)>,
    JsonBody(b): JsonBody<RuleBody>,
) -> ApiResult<StatusCode> {
    let scope =
        DivisionCode::parse(&scope).map_err(|e| ApiError::bad_request("scope", e.to_string()))?;
    let route = Route {
        tier: b.tier,
        department: b.department.map(|d| d.0),
    };
    app.run(move |c| catalogue::put_rule(c, &caller, &code, &scope, &route))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn settings(
    State(app): State<App>,
    Authenticated(_c): Authenticated,
) -> ApiResult<Json<Settings>> {
    Ok(Json(app.run(catalogue::settings).await?))
}

async fn put_settings(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<Settings>,
) -> ApiResult<Json<Settings>> {
    Ok(Json(
        app.run(move |c| catalogue::put_settings(c, &caller, &b))
            .await?,
    ))
}

/// A request as the JSON API takes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    service_code: String,
    lat: Option<f64>,
    lon: Option<f64>,
    /// A building, household, grid or community code.
    address_id: Option<String>,
    #[serde(default)]
    address: String,
    description: Writing,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    /// `api` (the default) or, for staff taking a call, `hotline`.
    channel: Option<Channel>,
}

/// The place of a request from its parts, each refused by name.
pub fn place_of(
    lat: Option<f64>,
    lon: Option<f64>,
    address_id: Option<&str>,
) -> ApiResult<(Option<Point>, Option<DivisionCode>)> {
    let point = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(Point::new(lat, lon).map_err(|e| {
            let field = if matches!(e, datong_domain::request::PointError::Latitude) {
                "lat"
            } else {
                "long"
            };
            ApiError::bad_request(field, e.to_string())
        })?),
        (None, None) => None,
        (Some(_), None) => return Err(ApiError::bad_request("long", "纬度和经度应同时给出")),
        (None, Some(_)) => return Err(ApiError::bad_request("lat", "纬度和经度应同时给出")),
    };
    let place = address_id
        .filter(|a| !a.trim().is_empty())
        .map(|a| {
            DivisionCode::parse(a).map_err(|e| ApiError::bad_request("address_id", e.to_string()))
        })
        .transpose()?;
    if point.is_none() && place.is_none() {
        return Err(ApiError::bad_request(
            "lat",
            "请给出坐标（lat、long）或楼栋编码（address_id）",
        ));
    }
    Ok((point, place))
}

pub fn phone_of(phone: Option<&str>) -> ApiResult<Option<Phone>> {
    phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| Phone::parse(p).map_err(|e| ApiError::bad_request("phone", e.to_string())))
        .transpose()
}

/// Hotline calls are entered by staff (a role that manages records), for callers with no
/// account here.
pub fn may_take_calls(caller: &Caller) -> ApiResult<()> {
    if caller.assignments.iter().any(|a| a.role.manages_records()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "热线诉求由工作人员录入",
        ))
    }
}

async fn file(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<FileBody>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let channel = b.channel.unwrap_or(Channel::Api);
    if !matches!(channel, Channel::Api | Channel::Hotline) {
        return Err(ApiError::bad_request("channel", "应为 api 或 hotline"));
    }
    if channel == Channel::Hotline {
        may_take_calls(&caller)?;
    }
    // Staff take calls all day; anyone else files as a resident does, so many an hour.
    let throttled = may_take_calls(&caller)
        .is_err()
        .then(|| caller.actor.login.clone());
    if let Some(login) = &throttled {
        if let Err(wait) = app.filing_throttle.check(login, std::time::Instant::now()) {
            return Err(ApiError::too_many(
                format!(
                    "提交过于频繁，请 {} 分钟后再试",
                    wait.as_secs().div_ceil(60)
                ),
                wait,
            ));
        }
        app.filing_throttle.record(login, std::time::Instant::now());
    }
    let (point, place) = place_of(b.lat, b.lon, b.address_id.as_deref())?;
    let draft = Draft {
        service_code: b.service_code,
        channel,
        point,
        place,
        address: b.address,
        description: b.description.0,
        // A clerk taking a call files for the caller, who has no account here.
        reporter_login: (channel != Channel::Hotline).then(|| caller.actor.login.clone()),
        reporter_name: b.name,
        reporter_phone: phone_of(b.phone.as_deref())?,
        reporter_email: b.email.filter(|e| !e.trim().is_empty()),
        device_id: None,
        photos: Vec::new(),
        // A clerk takes calls about the places in their care.
        within: (channel == Channel::Hotline).then(|| Within::staff(&caller.scope)),
    };
    Ok((
        StatusCode::CREATED,
        Json(app.intake.file(caller.actor, draft).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    under: Option<String>,
    service_code: Option<String>,
    stage: Option<Stage>,
    /// `open` or `closed`.
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

pub fn open_of(status: Option<&str>) -> ApiResult<Option<bool>> {
    match status {
        None | Some("") => Ok(None),
        Some("open") => Ok(Some(true)),
        Some("closed") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request("status", "应为 open 或 closed")),
    }
}

async fn list(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<List<Request>>> {
    let page = page(q.limit, q.offset)?;
    let f = Filter {
        under: q
            .under
            .as_deref()
            .map(|u| {
                DivisionCode::parse(u).map_err(|e| ApiError::bad_request("under", e.to_string()))
            })
            .transpose()?,
        service_code: q.service_code,
        stage: q.stage,
        open: open_of(q.status.as_deref())?,
        ..Filter::default()
    };
    let items = app.run(move |c| store::list(c, &caller, &f, &page)).await?;
    Ok(Json(List::new(items, page)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    #[serde(default)]
    unmask: bool,
}

async fn view(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<ViewQuery>,
) -> ApiResult<Json<View>> {
    Ok(Json(
        app.run(move |c| store::view(c, &caller, id, q.unmask))
            .await?,
    ))
}

async fn history(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<Step>>> {
    Ok(Json(
        app.run(move |c| store::history(c, &caller, id)).await?,
    ))
}

async fn photo(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam((id, photo)): PathParam<(i64, i64)>,
) -> ApiResult<impl IntoResponse> {
    let (kind, bytes) = app
        .run(move |c| store::photo(c, &caller, id, photo))
        .await?;
    Ok(([(header::CONTENT_TYPE, kind)], bytes))
}

/// One step of the workflow, named by `step`.
#[derive(Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
enum StepBody {
    Dispatch {
        to: DivisionCode,
    },
    Take,
    Decline {
        reason: Writing,
    },
    Reply {
        text: Writing,
    },
    Verify {
        passed: bool,
        #[serde(default)]
        note: String,
    },
    Rate {
        score: u8,
        solved: bool,
        #[serde(default)]
        text: String,
    },
    Extend {
        hours: u32,
        reason: Writing,
    },
    Escalate {
        reason: Writing,
    },
    Table {
        reason: Writing,
    },
}

impl From<StepBody> for Action {
    fn from(b: StepBody) -> Action {
        match b {
            StepBody::Dispatch { to } => Action::Dispatch { to },
            StepBody::Take => Action::Take,
            StepBody::Decline { reason } => Action::Decline { reason: reason.0 },
            StepBody::Reply { text } => Action::Reply {
                text: text.0,
                photos: Vec::new(),
            },
            StepBody::Verify { passed, note } => Action::Verify { passed, note },
            StepBody::Rate {
                score,
                solved,
                text,
            } => Action::Rate {
                score,
                solved,
                text,
            },
            StepBody::Extend { hours, reason } => Action::Extend {
                hours,
                reason: reason.0,
            },
            StepBody::Escalate { reason } => Action::Escalate { reason: reason.0 },
            StepBody::Table { reason } => Action::Table { reason: reason.0 },
        }
    }
}

async fn step(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<StepBody>,
) -> ApiResult<Json<Request>> {
    let action = Action::from(b);
    Ok(Json(
        app.run(move |c| workflow::act(c, &caller, id, &action))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    period: String,
}

fn months(period: &str) -> ApiResult<Months> {
    let p = Period::parse(period).map_err(|e| ApiError::bad_request("period", e.to_string()))?;
    Ok(Months::of(&p))
}

async fn figures(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Json<Figures>> {
    let code = node(&code)?;
    let months = months(&q.period)?;
    Ok(Json(
        app.run(move |c| tally::figures(c, &caller, &code, &months))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapQuery {
    period: String,
    level: Level,
}

async fn map(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<MapQuery>,
) -> ApiResult<Json<Vec<Dot>>> {
    let code = node(&code)?;
    let months = months(&q.period)?;
    Ok(Json(
        app.run(move |c| tally::dots(c, &caller, &code, q.level, &months))
            .await?,
    ))
}

async fn agenda(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<Paging>,
) -> ApiResult<Json<List<AgendaItem>>> {
    let code = node(&code)?;
    let page = q.page()?;
    let items = app
        .run(move |c| store::agenda(c, &caller, &code, &page))
        .await?;
    Ok(Json(List::new(items, page)))
}
