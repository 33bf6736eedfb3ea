//! What the holder of a receipt — the reporter, with or without an account — may know and
//! do: the public summary, their own description and photos, what happened and when (not
//! who did it), and, once the request is closed, the rating. A receipt is found by its
//! link, or by the request's number together with the phone number the reporter gave.

use super::workflow::{self, Action};
use super::{PhotoRef, Summary, photos, summary};
use crate::audit::Actor;
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use datong_domain::Phone;
use datong_domain::request::{self as rules, Act, Event, Stage};
use serde::Serialize;

/// One step of the timeline as the reporter reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Moment {
    pub at: String,
    pub event: Event,
    pub stage: Stage,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Receipt {
    pub token: String,
    #[serde(flatten)]
    pub summary: Summary,
    pub description: String,
    pub photos: Vec<PhotoRef>,
    pub timeline: Vec<Moment>,
    /// The rating given, 1–5.
    pub score: Option<i64>,
    /// Closed and not yet rated: the reporter may rate it now.
    pub may_rate: bool,
}

fn id_of(conn: &mut Conn, token: &str) -> StoreResult<i64> {
    super::by_token(conn, token)?.ok_or(StoreError::NotFound)
}

pub fn read(conn: &mut Conn, token: &str) -> StoreResult<Receipt> {
    let id = id_of(conn, token)?;
    let summary = summary(conn, id)?;
    let r = conn.query_one(
        "SELECT description, score FROM request WHERE id = $1",
        params![id],
    )?;
    let timeline = conn
        .query(
            "SELECT at, kind, stage FROM request_event WHERE request_id = $1 ORDER BY id",
            params![id],
        )?
        .iter()
        .map(|e| {
            Ok(Moment {
                at: e.str(0)?,
                event: Event::parse(&e.str(1)?)
                    .ok_or_else(|| StoreError::invalid("kind", "stored event unknown"))?,
                stage: Stage::parse(&e.str(2)?)
                    .ok_or_else(|| StoreError::invalid("stage", "stored stage unknown"))?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let may_rate = rules::next_stage(summary.stage, Act::Rate { score: 5 }).is_ok();
    Ok(Receipt {
        token: token.to_owned(),
        description: r.str(0)?,
        score: r.opt_i64(1)?,
        photos: photos(conn, id)?,
        timeline,
        may_rate,
        summary,
    })
}

/// A photo of the receipt's request.
pub fn photo(conn: &mut Conn, token: &str, photo: i64) -> StoreResult<(String, Vec<u8>)> {
    let id = id_of(conn, token)?;
    super::photo_of(conn, id, photo)
}

/// The reporter rates the result through the receipt.
pub fn rate(
    conn: &mut Conn,
    token: &str,
    actor: &Actor,
    score: u8,
    solved: bool,
    text: &str,
) -> StoreResult<()> {
    let id = id_of(conn, token)?;
    workflow::rate_by_reporter(
        conn,
        actor,
        id,
        &Action::Rate {
            score,
            solved,
            text: text.to_owned(),
        },
    )
}

/// The receipt of request `id` when `phone` is the number its reporter gave; not found
/// otherwise, alike for a wrong number, no number and no such request.
pub fn find(conn: &mut Conn, id: i64, phone: &Phone) -> StoreResult<String> {
    let r = conn
        .query_opt(
            "SELECT token, reporter_phone FROM request WHERE id = $1",
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    let Some(sealed) = r.opt_str(1)? else {
        return Err(StoreError::NotFound);
    };
    let given = conn.unseal(&sealed)?;
    match Phone::parse(&given) {
        Ok(p) if p == *phone => Ok(r.str(0)?),
        _ => Err(StoreError::NotFound),
    }
}
