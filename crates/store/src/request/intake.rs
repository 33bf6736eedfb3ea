//! 受理 and 派遣: a request is checked, placed (the building chosen, or the grid its point
//! falls in), routed to the tier its service and place call for, and written with its
//! first two steps, its photos, its counters and its audit row.
//!
//! Intake takes a batch: the HTTP layer gathers the requests that arrive together and
//! writes them in one transaction, so each acknowledged request is on disk (one commit,
//! one sync for the batch) and a bad one is answered alone without holding up the rest.

use super::catalogue::{self, Route, Service};
use super::workflow::{self, Standing};
use super::{holder_at, tally};
use crate::audit::{self, Actor};
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use datong_domain::request::{self as rules, Channel, Event, Measure, Point, Stage, Tier};
use datong_domain::{DivisionCode, Level, Phone};
use serde::Serialize;

/// A request as it arrives.
#[derive(Debug, Clone)]
pub struct Draft {
    pub service_code: String,
    pub channel: Channel,
    pub point: Option<Point>,
    /// A building, household, grid or community the reporter chose.
    pub place: Option<DivisionCode>,
    pub address: String,
    pub description: String,
    /// The resident's account, when they were signed in.
    pub reporter_login: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    pub reporter_email: Option<String>,
    pub device_id: Option<String>,
    pub photos: Vec<Vec<u8>>,
}

/// What the reporter is told.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Receipt {
    pub id: i64,
    pub token: String,
    pub stage: Stage,
    pub tier: Option<Tier>,
    pub handler_code: Option<DivisionCode>,
    pub received_at: String,
    pub due_at: String,
}

/// The longest description, as GeoReport v2 allows.
pub const MAX_DESCRIPTION: usize = 4000;

fn too_long(field: &str, v: &str, max: usize) -> StoreResult<()> {
    if v.chars().count() > max {
        return Err(StoreError::invalid(field, format!("不能超过 {max} 个字符")));
    }
    Ok(())
}

/// Checks the fields that need no database.
fn check_fields(d: &Draft) -> StoreResult<()> {
    if d.description.trim().is_empty() {
        return Err(StoreError::invalid("description", "请描述诉求"));
    }
    too_long("description", &d.description, MAX_DESCRIPTION)?;
    too_long("address", &d.address, 200)?;
    if let Some(n) = &d.reporter_name {
        too_long("name", n, 50)?;
    }
    if let Some(e) = &d.reporter_email {
        too_long("email", e, 254)?;
        let ok = e
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
        if !ok {
            return Err(StoreError::invalid("email", "电子邮件地址格式不对"));
        }
    }
    if let Some(dv) = &d.device_id {
        too_long("device_id", dv, 100)?;
    }
    if d.point.is_none() && d.place.is_none() {
        return Err(StoreError::invalid("lat", "请在地图上选点或选择楼栋"));
    }
    if d.photos.len() > rules::MAX_PHOTOS {
        return Err(StoreError::invalid(
            "media",
            format!("照片最多 {} 张", rules::MAX_PHOTOS),
        ));
    }
    for (i, p) in d.photos.iter().enumerate() {
        rules::photo_type(p)
            .map_err(|e| StoreError::invalid(&format!("media[{i}]"), e.to_string()))?;
    }
    Ok(())
}

/// Where the request lies: the grid of the place chosen, else the deepest area its point
/// falls in.
fn place(c: &mut Conn, d: &Draft) -> StoreResult<DivisionCode> {
    if let Some(p) = &d.place {
        let known = p.level() >= Level::Community
            && c.query_opt(
                "SELECT 1 FROM territory WHERE code = $1 AND valid_to IS NULL",
                params![p.as_path()],
            )?
            .is_some();
        if !known {
            return Err(StoreError::invalid(
                "address_id",
                "没有这个社区、网格或楼栋",
            ));
        }
        return Ok(p.ancestor_at(Level::Grid).unwrap_or_else(|| p.clone()));
    }
    let point = d.point.expect("checked: a point or a place");
    catalogue::locate(c, point)?
        .ok_or_else(|| StoreError::invalid("lat", "该位置不在本市任何网格或社区内"))
}

fn random_token() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source works");
    hex::encode(b)
}

/// `at` plus `hours`, in the stored form.
pub(crate) fn later(at: &str, hours: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    audit::timestamp(t + chrono::Duration::hours(hours))
}

/// Receives a batch in one transaction, each draft with the actor (and time) it came
/// with. Each draft gets its own answer: a receipt, or the
/// reason it was refused (nothing of it written). The outer error is a database failure,
/// which writes nothing of the batch.
pub fn receive(
    conn: &mut Conn,
    drafts: &[(Actor, Draft)],
) -> StoreResult<Vec<StoreResult<Receipt>>> {
    let settings = catalogue::settings(conn)?;
    conn.tx(|c| {
        let mut out = Vec::with_capacity(drafts.len());
        for (actor, d) in drafts {
            let checked = check_fields(d).and_then(|()| {
                let service = catalogue::service(c, &d.service_code)
                    .ok()
                    .filter(|s| s.active)
                    .ok_or_else(|| StoreError::invalid("service_code", "没有这个服务类别"))?;
                let node = place(c, d)?;
                let route = catalogue::route(c, &service, &node)?;
                Ok((service, node, route))
            });
            match checked {
                Ok((service, node, route)) => {
                    out.push(Ok(write(c, actor, d, &service, &node, &route, &settings)?))
                }
                Err(e @ StoreError::Db(_)) => return Err(e),
                Err(e) => out.push(Err(e)),
            }
        }
        Ok(out)
    })
}

fn write(
    c: &mut Conn,
    actor: &Actor,
    d: &Draft,
    service: &Service,
    node: &DivisionCode,
    route: &Route,
    settings: &catalogue::Settings,
) -> StoreResult<Receipt> {
    let at = actor.at.as_str();
    let due_at = later(at, i64::from(service.limit_hours));
    // A first tier that is not territory (a department) is reached from the street.
    let first = if route.tier.level().is_some() {
        route.tier
    } else {
        Tier::Street
    };
    let handler = holder_at(node, first).or_else(|| holder_at(node, Tier::Community));
    let tier = match &handler {
        Some(h) if h.level() == Level::Grid => Tier::Grid,
        Some(h) if h.level() == Level::Community => Tier::Community,
        Some(_) => Tier::Street,
        None => first,
    };
    let step_due = later(at, i64::from(settings.limits.respond_hours));
    let token = random_token();
    let id = c
        .query_one(
            "INSERT INTO request (token, service_code, channel, node_code, lon, lat, address, description, \
               reporter_login, reporter_name, reporter_phone, reporter_email, device_id, stage, tier, handler_code, \
               received_at, month, due_at, step_due_at, first_dispatched_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $17, $17) RETURNING id",
            params![
                &token, &service.code, d.channel.as_str(), node.as_path(), d.point.map(|p| p.lon), d.point.map(|p| p.lat),
                d.address.trim(), d.description.trim(), d.reporter_login.clone(), d.reporter_name.clone(),
                d.reporter_phone.as_ref().map(|p| c.seal(p.as_str())), d.reporter_email.clone(), d.device_id.clone(),
                Stage::Dispatched.as_str(), tier.as_str(), handler.as_ref().map(|h| h.as_path().to_owned()),
                at, &at[..7], &due_at, &step_due
            ],
        )?
        .i64(0)?;
    let received = Standing {
        stage: Stage::Accepted,
        tier: None,
        handler: None,
        department: None,
    };
    workflow::log(c, id, actor, Event::Received, &received, d.channel.label())?;
    let dispatched = Standing {
        stage: Stage::Dispatched,
        tier: Some(tier),
        handler: handler.as_ref(),
        department: None,
    };
    workflow::log(c, id, actor, Event::Dispatched, &dispatched, "")?;
    for p in &d.photos {
        workflow::add_photo(c, id, p, at)?;
    }
    tally::add(c, node, &at[..7], &[(Measure::Received, 1)])?;
    audit::record(
        c,
        actor,
        "receive",
        "request",
        id,
        &serde_json::json!({
            "service": service.code, "node": node, "channel": d.channel, "tier": tier, "handler": handler,
        }),
    )?;
    let mut receipt = Receipt {
        id,
        token,
        stage: Stage::Dispatched,
        tier: Some(tier),
        handler_code: handler,
        received_at: at.to_owned(),
        due_at,
    };
    if route.tier == Tier::Department {
        let st = workflow::climb(c, actor, id, "服务类别首接为职能部门", settings)?;
        receipt.tier = st.tier;
        receipt.handler_code = st.handler_code;
    }
    Ok(receipt)
}
