//! The street over HTTP: its 5+2+1 offices and staff, and its five powers (agency ratings,
//! consent to appointments, planning consultations, summonses, advice).

use super::{List, Name, Note, Writing};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::duty::Holder;
use datong_domain::street::{Appointment, ConsultationKind, Grade};
use datong_store::street::powers::{
    self, Agency, AppointmentRow, Consultation, Department, Rating, Summons, SummonsDraft,
};
use datong_store::street::structure::{self, Office, Staff, TemplateRow};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/office-template", get(template).put(set_template))
        .route("/territories/{code}/offices", get(offices))
        .route("/territories/{code}/offices/apply", post(apply))
        .route("/offices/{id}/staff", post(add_staff))
        .route("/departments", post(add_department))
        .route("/agencies", post(add_agency))
        .route("/territories/{code}/agencies", get(agencies))
        .route("/agencies/{id}/ratings", post(rate))
        .route("/territories/{code}/agency-ratings", get(ratings))
        .route("/agencies/{id}/appointments", post(propose))
        .route("/appointments/{id}/consent", post(consent))
        .route("/consultations", post(consult))
        .route("/consultations/{id}", get(consultation))
        .route("/consultations/{id}/answer", post(answer))
        .route("/territories/{code}/consultations", get(consultations))
        .route("/summonses", post(summon))
        .route("/summonses/{id}", get(summons))
        .route(
            "/summonses/{id}/departments/{department}/report",
            post(report),
        )
        .route(
            "/summonses/{id}/departments/{department}/resolve",
            post(resolve),
        )
        .route("/territories/{code}/summonses", get(summonses))
}

fn node(code: &str) -> ApiResult<DivisionCode> {
    DivisionCode::parse(code).map_err(|_| ApiError::not_found())
}

/// Whose template: the streets' (the default) or the towns'.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateQuery {
    holder: Option<Holder>,
}

impl TemplateQuery {
    fn holder(&self) -> Holder {
        self.holder.unwrap_or(Holder::Street)
    }
}

async fn template(
    State(app): State<App>,
    Authenticated(_c): Authenticated,
    QueryParams(q): QueryParams<TemplateQuery>,
) -> ApiResult<Json<Vec<TemplateRow>>> {
    let holder = q.holder();
    Ok(Json(
        app.run(move |c| structure::template(c, holder)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
    rows: Vec<TemplateRow>,
}

async fn set_template(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<TemplateQuery>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> ApiResult<Json<Vec<TemplateRow>>> {
    let holder = q.holder();
    Ok(Json(
        app.run(move |c| structure::set_template(c, &caller, holder, &b.rows))
            .await?,
    ))
}

async fn offices(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Vec<Office>>> {
    let code = node(&code)?;
    Ok(Json(
        app.run(move |c| structure::offices(c, &caller, &code))
            .await?,
    ))
}

#[derive(Serialize)]
struct Applied {
    streets: u64,
}

async fn apply(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Applied>> {
    let code = node(&code)?;
    let streets = app
        .run(move |c| structure::apply(c, &caller, &code))
        .await?;
    Ok(Json(Applied { streets }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffBody {
    name: Name,
    post: Name,
}

async fn add_staff(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<StaffBody>,
) -> ApiResult<(StatusCode, Json<Staff>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| structure::add_staff(c, &caller, id, &b.name.0, &b.post.0))
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentBody {
    district: DivisionCode,
    name: Name,
    #[serde(default)]
    logins: Vec<Name>,
}

async fn add_department(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<DepartmentBody>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    let logins: Vec<String> = b.logins.into_iter().map(|l| l.0).collect();
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| powers::add_department(c, &caller, &b.district, &b.name.0, &logins))
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyBody {
    department_id: i64,
    street: DivisionCode,
    name: Name,
}

async fn add_agency(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<AgencyBody>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| powers::add_agency(c, &caller, b.department_id, &b.street, &b.name.0))
                .await?,
        ),
    ))
}

async fn agencies(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Vec<Agency>>> {
    let code = node(&code)?;
    Ok(Json(
        app.run(move |c| powers::agencies(c, &caller, &code))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    period: String,
    grade: Grade,
    comment: Note,
}

async fn rate(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<RatingBody>,
) -> ApiResult<(StatusCode, Json<Rating>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| powers::rate(c, &caller, id, &b.period, b.grade, &b.comment.0))
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingsQuery {
    period: Option<String>,
}

async fn ratings(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<RatingsQuery>,
) -> ApiResult<Json<Vec<Rating>>> {
    let code = node(&code)?;
    Ok(Json(
        app.run(move |c| powers::ratings(c, &caller, &code, q.period.as_deref()))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalBody {
    action: Appointment,
    person: Name,
    reason: Note,
}

async fn propose(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ProposalBody>,
) -> ApiResult<(StatusCode, Json<AppointmentRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| powers::propose(c, &caller, id, b.action, &b.person.0, &b.reason.0))
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentBody {
    given: bool,
    text: Writing,
}

async fn consent(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ConsentBody>,
) -> ApiResult<Json<AppointmentRow>> {
    Ok(Json(
        app.run(move |c| powers::consent(c, &caller, id, b.given, &b.text.0))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsultationBody {
    kind: ConsultationKind,
    street: DivisionCode,
    subject: Name,
    body: Writing,
}

async fn consult(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<ConsultationBody>,
) -> ApiResult<(StatusCode, Json<Consultation>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| {
                powers::consult(c, &caller, b.kind, &b.street, &b.subject.0, &b.body.0)
            })
            .await?,
        ),
    ))
}

async fn consultation(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Consultation>> {
    Ok(Json(
        app.run(move |c| powers::consultation(c, &caller, id))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    text: Writing,
}

async fn answer(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<TextBody>,
) -> ApiResult<Json<Consultation>> {
    Ok(Json(
        app.run(move |c| powers::answer(c, &caller, id, &b.text.0))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn consultations(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<List<Consultation>>> {
    let code = node(&code)?;
    let page = super::page(q.limit, q.offset)?;
    Ok(Json(List::new(
        app.run(move |c| powers::consultations(c, &caller, &code, &page))
            .await?,
        page,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummonsBody {
    street: DivisionCode,
    subject: Name,
    body: Writing,
    departments: Vec<i64>,
    report_by: NaiveDate,
    resolve_by: NaiveDate,
}

async fn summon(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<SummonsBody>,
) -> ApiResult<(StatusCode, Json<Summons>)> {
    let d = SummonsDraft {
        street: b.street,
        subject: b.subject.0,
        body: b.body.0,
        departments: b.departments,
        report_by: b.report_by,
        resolve_by: b.resolve_by,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| powers::summon(c, &caller, &d)).await?),
    ))
}

async fn summons(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Summons>> {
    Ok(Json(
        app.run(move |c| powers::summons(c, &caller, id)).await?,
    ))
}

async fn respond(
    app: App,
    caller: datong_store::access::Caller,
    id: i64,
    department: i64,
    resolved: bool,
    text: String,
) -> ApiResult<Json<Summons>> {
    Ok(Json(
        app.run(move |c| powers::respond(c, &caller, id, department, resolved, &text))
            .await?,
    ))
}

async fn report(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam((id, department)): PathParam<(i64, i64)>,
    JsonBody(b): JsonBody<TextBody>,
) -> ApiResult<Json<Summons>> {
    respond(app, caller, id, department, false, b.text.0).await
}

async fn resolve(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam((id, department)): PathParam<(i64, i64)>,
    JsonBody(b): JsonBody<TextBody>,
) -> ApiResult<Json<Summons>> {
    respond(app, caller, id, department, true, b.text.0).await
}

async fn summonses(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Json<List<Summons>>> {
    let code = node(&code)?;
    let page = super::page(q.limit, q.offset)?;
    Ok(Json(List::new(
        app.run(move |c| powers::summonses(c, &caller, &code, &page))
            .await?,
        page,
    )))
}
