use super::{List, Name, Note};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::branch_rules::Finding;
use datong_domain::org::OrgKind;
use datong_store::org::{self, NewOrg, Org, OrgChange, OrgFilter};
use datong_store::org_tree::{self, Tree};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/orgs", get(list).post(create))
        .route("/orgs/{id}", get(get_one).patch(update))
        .route("/orgs/{id}/activities", post(activity))
        .route("/orgs/{id}/end", post(end))
        .route("/orgs/{id}/rollup", get(rollup))
}

/// The organisation's figures and its children's, along the party tree.
async fn rollup(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Tree>> {
    Ok(Json(
        app.run(move |c| org_tree::read(c, &caller, id)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndBody {
    on: NaiveDate,
    reason: Note,
}

/// Ends an organisation with its reason; 204, or 409 while members or organisations
/// remain under it.
async fn end(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<EndBody>,
) -> ApiResult<StatusCode> {
    app.run(move |c| org::end(c, &caller, id, b.on, &b.reason.0))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    as_of: Option<NaiveDate>,
    kind: Option<OrgKind>,
    territory: Option<DivisionCode>,
    parent_id: Option<i64>,
    name: Option<Name>,
    #[serde(default)]
    sort: datong_store::sql::ListOrder,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<List<Org>>> {
    let page = super::page(q.limit, q.offset)?;
    let f = OrgFilter {
        order: q.sort,
        descending: false,
        kind: q.kind,
        territory: q.territory,
        parent_id: q.parent_id,
        name: q.name.map(|n| n.0),
        as_of: q.as_of,
    };
    Ok(Json(List::new(
        app.run(move |c| org::list(c, &caller, &f, &page)).await?,
        page,
    )))
}

/// An organisation with its branch-rule findings.
#[derive(Serialize)]
struct OrgView {
    #[serde(flatten)]
    org: Org,
    findings: Vec<Finding>,
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(
        app.run(move |c| {
            let org = org::get(c, &caller, id)?;
            let findings = org::findings(c, &caller, &org)?;
            Ok(OrgView { org, findings })
        })
        .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    name: Name,
    kind: OrgKind,
    territory: DivisionCode,
    parent_id: Option<i64>,
    #[serde(default)]
    committee_size: i64,
    term_start: Option<NaiveDate>,
}

async fn create(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<NewOrgBody>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    let n = NewOrg {
        name: b.name.0,
        kind: b.kind,
        territory: b.territory,
        parent_id: b.parent_id,
        committee_size: b.committee_size,
        term_start: b.term_start,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| org::create(c, &caller, n)).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    name: Option<Name>,
    committee_size: Option<i64>,
    term_start: Option<NaiveDate>,
    version: Option<i64>,
}

async fn update(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ChangeBody>,
) -> ApiResult<Json<Org>> {
    let ch = OrgChange {
        name: b.name.map(|n| n.0),
        committee_size: b.committee_size,
        term_start: b.term_start,
        version: b.version,
    };
    Ok(Json(
        app.run(move |c| org::update(c, &caller, id, ch)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBody {
    kind: Name,
    held_on: NaiveDate,
    topic: Note,
    attendees: Vec<i64>,
}

#[derive(Serialize)]
struct Created {
    id: i64,
}

async fn activity(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ActivityBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    if b.attendees.len() > 1000 {
        return Err(crate::error::ApiError::bad_request(
            "attendees",
            "参加人数过多",
        ));
    }
    let aid = app
        .run(move |c| {
            datong_store::member::record_activity(
                c,
                &caller,
                id,
                &b.kind.0,
                b.held_on,
                &b.topic.0,
                &b.attendees,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}
