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
use datong_domain::id_number::{IdNumber, Sex};
use datong_domain::member::{Education, MemberStatus};
use datong_domain::phone::Phone;
use datong_store::member::{
    self, Member, MemberChange, MemberFilter, MemberSort, NewMember, Transfer,
};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/members", get(list).post(create))
        .route("/members/{id}", get(get_one).patch(update))
        .route("/members/{id}/transfers", get(transfers).post(transfer))
        .route("/members/{id}/probation", post(probation))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    org_id: Option<i64>,
    territory: Option<DivisionCode>,
    status: Option<MemberStatus>,
    name: Option<Name>,
    #[serde(default)]
    lost_contact: bool,
    #[serde(default)]
    sort: MemberSort,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<List<Member>>> {
    let page = super::page(q.limit, q.offset)?;
    let f = MemberFilter {
        sort: q.sort,
        descending: false,
        org_id: q.org_id,
        territory: q.territory,
        status: q.status,
        name: q.name.map(|n| n.0),
        lost_contact_on: q.lost_contact.then(|| caller.today()),
    };
    Ok(Json(List::new(
        app.run(move |c| member::list(c, &caller, &f, &page))
            .await?,
        page,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetQuery {
    #[serde(default)]
    unmask: bool,
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<GetQuery>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        app.run(move |c| member::get(c, &caller, id, q.unmask))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMemberBody {
    name: Name,
    sex: Sex,
    ethnicity: Text20,
    birth_date: NaiveDate,
    id_number: IdNumber,
    education: Education,
    joined_on: NaiveDate,
    full_on: Option<NaiveDate>,
    status: MemberStatus,
    org_id: i64,
    phone: Option<Phone>,
    work_unit: Option<Name>,
    home_community: Option<DivisionCode>,
    #[serde(default)]
    mobile: bool,
    mobile_note: Option<Note>,
}

type Text20 = super::Text<20>;

async fn create(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<NewMemberBody>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let n = NewMember {
        name: b.name.0,
        sex: b.sex,
        ethnicity: b.ethnicity.0,
        birth_date: b.birth_date,
        id_number: b.id_number,
        education: b.education,
        joined_on: b.joined_on,
        full_on: b.full_on,
        status: b.status,
        org_id: b.org_id,
        phone: b.phone,
        work_unit: b.work_unit.map(|w| w.0),
        home_community: b.home_community,
        mobile: b.mobile,
        mobile_note: b.mobile_note.map(|n| n.0),
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| member::create(c, &caller, n)).await?),
    ))
}

/// Absent means "leave as is", `null` means "clear".
fn nullable<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    #[serde(default, deserialize_with = "nullable")]
    phone: Option<Option<Phone>>,
    #[serde(default, deserialize_with = "nullable")]
    work_unit: Option<Option<Name>>,
    education: Option<Education>,
    #[serde(default, deserialize_with = "nullable")]
    home_community: Option<Option<DivisionCode>>,
    mobile: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    mobile_note: Option<Option<Note>>,
    version: Option<i64>,
}

async fn update(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ChangeBody>,
) -> ApiResult<Json<Member>> {
    let ch = MemberChange {
        phone: b.phone,
        work_unit: b.work_unit.map(|w| w.map(|w| w.0)),
        education: b.education,
        home_community: b.home_community,
        mobile: b.mobile,
        mobile_note: b.mobile_note.map(|n| n.map(|n| n.0)),
        version: b.version,
    };
    Ok(Json(
        app.run(move |c| member::update(c, &caller, id, ch)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    to_org_id: i64,
    transferred_on: NaiveDate,
    reason: Note,
}

async fn transfer(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<TransferBody>,
) -> ApiResult<(StatusCode, Json<Transfer>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| {
                member::transfer(c, &caller, id, b.to_org_id, b.transferred_on, &b.reason.0)
            })
            .await?,
        ),
    ))
}

async fn transfers(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<Transfer>>> {
    Ok(Json(
        app.run(move |c| member::transfers(c, &caller, id)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbationBody {
    /// The day of full membership, or of the extension decision.
    on: NaiveDate,
    /// Extend probation by this many months (1–12) instead of ending it.
    extend_months: Option<u32>,
}

async fn probation(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ProbationBody>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        app.run(move |c| member::probation(c, &caller, id, b.on, b.extend_months))
            .await?,
    ))
}
