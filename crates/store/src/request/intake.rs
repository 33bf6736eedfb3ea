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
use datong_domain::text::{self, TextError};
use datong_domain::{DivisionCode, Level, Phone, Scope};
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
    /// Where the request must lie, when whoever files it says so.
    pub within: Option<Within>,
}

/// Where a request must lie: the community a resident chose before tapping its map (a
/// point there is looked up among that community's grids alone), the subtree of a clerk
/// taking a call.
#[derive(Debug, Clone)]
pub struct Within {
    pub scope: Scope,
    /// What the reporter is told of a place outside.
    pub outside: &'static str,
}

impl Within {
    /// The community a resident chose on the form.
    pub fn community(code: DivisionCode) -> Self {
        Within {
            scope: Scope::new(vec![code]),
            outside: "所选位置不在您选择的社区内，请在该社区地图内选点或重新选择社区",
        }
    }

    /// The subtree a staff member files calls into.
    pub fn staff(scope: &Scope) -> Self {
        Within {
            scope: scope.clone(),
            outside: "该位置不在本账号辖区内",
        }
    }
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

/// An optional line of text: empty, or a line `text::line` keeps.
fn optional_line(field: &str, v: &str, max: usize) -> StoreResult<()> {
    // Control characters are found before blankness, so a blank line is a clean one.
    match text::line(v, max) {
        Ok(_) | Err(TextError::Blank) => Ok(()),
        Err(e) => Err(StoreError::invalid(field, e.to_string())),
    }
}

/// Checks the fields that need no database.
fn check_fields(d: &Draft) -> StoreResult<()> {
    if d.service_code.chars().any(char::is_control) {
        return Err(StoreError::invalid("service_code", "没有这个服务类别"));
    }
    match text::writing(&d.description, MAX_DESCRIPTION) {
        Ok(_) => {}
        Err(TextError::Blank) => return Err(StoreError::invalid("description", "请描述诉求")),
        Err(e) => return Err(StoreError::invalid("description", e.to_string())),
    }
    optional_line("address", &d.address, 200)?;
    if let Some(n) = &d.reporter_name {
        optional_line("name", n, 50)?;
    }
    if let Some(e) = &d.reporter_email {
        optional_line("email", e, 254)?;
        let ok = e
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
        if !ok {
            return Err(StoreError::invalid("email", "电子邮件地址格式不对"));
        }
    }
    if let Some(dv) = &d.device_id {
        optional_line("device_id", dv, 100)?;
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
        if let Some(w) = d.within.as_ref().filter(|w| !w.scope.contains(p)) {
            return Err(StoreError::invalid("address_id", w.outside));
        }
        return Ok(p.ancestor_at(Level::Grid).unwrap_or_else(|| p.clone()));
    }
    let point = d.point.expect("checked: a point or a place");
    let within = d.within.as_ref();
    catalogue::locate(c, point, within.map(|w| &w.scope))?.ok_or_else(|| {
        StoreError::invalid(
            "lat",
            within.map_or("该位置不在本市任何网格或社区内", |w| {
                w.outside
            }),
        )
    })
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
/// with. Each draft gets its own answer: a receipt, or the reason it was refused
/// (nothing of it written). The outer error is the batch's commit failing, which writes
/// nothing of it.
pub fn receive(
    conn: &mut Conn,
    drafts: &[(Actor, Draft)],
) -> StoreResult<Vec<StoreResult<Receipt>>> {
    let settings = catalogue::settings(conn)?;
    conn.tx(|c| {
        let mut out = Vec::with_capacity(drafts.len());
        for (actor, d) in drafts {
            // Each draft is read and written in a savepoint of its own: whatever refuses
            // it, the database included (PostgreSQL refuses a NUL byte in any text it is
            // sent, and then the rest of the transaction), undoes its work alone and the
            // batch goes on.
            out.push(check_fields(d).and_then(|()| {
                c.tx(|c| {
                    let service = catalogue::service(c, &d.service_code)
                        .ok()
                        .filter(|s| s.active)
                        .ok_or_else(|| StoreError::invalid("service_code", "没有这个服务类别"))?;
                    let node = place(c, d)?;
                    let route = catalogue::route(c, &service, &node)?;
                    write(c, actor, d, &service, &node, &route, &settings)
                })
            }));
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
