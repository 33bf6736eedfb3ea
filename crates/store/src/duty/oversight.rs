//! Two-level oversight (两级督导): how each node one level below carries its duties over a
//! period — list coverage of its streets, admissions filed and decided, tasks on time,
//! escalations, and its score and rank among its siblings — for drill-down from the city.

use super::accountability::{self, Assessment};
use crate::access::Caller;
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use datong_domain::accountability::{Period, Weights};
use datong_domain::division::{DivisionCode, Kind, Level};
use datong_domain::duty::{AdmissionStage, Holder, ItemState};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Coverage {
    /// Streets, towns and townships in the subtree.
    pub streets: u32,
    /// Of those, how many have a list with at least one item on it.
    pub listed: u32,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Admissions {
    /// Filed in the period.
    pub filed: u32,
    pub approved: u32,
    pub rejected: u32,
    /// Still waiting for the street's opinion or the decision.
    pub pending: u32,
    /// Answered by the street after its due date.
    pub answered_late: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    #[serde(flatten)]
    pub assessment: Assessment,
    pub coverage: Coverage,
    pub admissions: Admissions,
}

/// One row a child of `node` that the caller sees, ranked by score.
pub fn of_children(
    conn: &mut Conn,
    caller: &Caller,
    node: &DivisionCode,
    period: &Period,
) -> StoreResult<Vec<Row>> {
    let level = node
        .level()
        .child()
        .filter(|l| *l <= Level::Street)
        .ok_or_else(|| StoreError::invalid("code", "督导下钻至街道为止"))?;
    let len = level.code_len();
    let assessed = accountability::assess(conn, caller, node, level, period, &Weights::default())?;

    // A street has a list when an item of the list its kind holds (the street list, or
    // the town list for a town) is declared at it or an ancestor: the streets come through
    // the parent index, the declarations from their own small table.
    let streets = crate::territory::at_level(conn, caller, node, Level::Street)?;
    let declared: Vec<(String, String)> = conn
        .query(
            "SELECT DISTINCT scope_code, holder FROM duty_item WHERE holder IN ($1, $2) \
             AND state = $3 AND valid_to IS NULL",
            &[
                Holder::Street.as_str().into(),
                Holder::Town.as_str().into(),
                ItemState::Listed.as_str().into(),
            ],
        )?
        .iter()
        .map(|r| Ok((r.str(0)?, r.str(1)?)))
        .collect::<StoreResult<_>>()?;
    let mut coverage: HashMap<String, Coverage> = HashMap::new();
    for (street, name) in &streets {
        let c = coverage
            .entry(street.as_path()[..len].to_owned())
            .or_default();
        c.streets += 1;
        let holder = Holder::of(Kind::classify(Level::Street, name));
        if declared.iter().any(|(d, h)| {
            Some(h.as_str()) == holder.map(Holder::as_str)
                && street.as_path().starts_with(d.as_str())
        }) {
            c.listed += 1;
        }
    }

    let stage = |s: AdmissionStage| s.as_str();
    let mut adm = Sql::new(&format!(
        "SELECT substr(street_code, 1, {len}), count(*), \
           sum(CASE WHEN stage = '{approved}' THEN 1 ELSE 0 END), \
           sum(CASE WHEN stage = '{rejected}' THEN 1 ELSE 0 END), \
           sum(CASE WHEN stage IN ('{filed}', '{answered}') THEN 1 ELSE 0 END), \
           sum(CASE WHEN substr(answered_at, 1, 10) > opinion_due THEN 1 ELSE 0 END) \
         FROM admission WHERE substr(filed_at, 1, 10) >= ",
        approved = stage(AdmissionStage::Approved),
        rejected = stage(AdmissionStage::Rejected),
        filed = stage(AdmissionStage::Filed),
        answered = stage(AdmissionStage::Answered),
    ));
    adm.bind(period.first.to_string())
        .push(" AND substr(filed_at, 1, 10) <= ")
        .bind(period.last.to_string())
        .and_in_subtree("street_code", node)
        // Counts, not records: every role sees the figures of its places.
        .and_in_scope("street_code", &caller.places)
        .push(&format!(" GROUP BY substr(street_code, 1, {len})"));
    let mut admissions: HashMap<String, Admissions> = HashMap::new();
    for r in conn.query(&adm.text, &adm.params)? {
        let n = |i: usize| r.i64(i).map(|v| u32::try_from(v).unwrap_or(0));
        admissions.insert(
            r.str(0)?,
            Admissions {
                filed: n(1)?,
                approved: n(2)?,
                rejected: n(3)?,
                pending: n(4)?,
                answered_late: n(5)?,
            },
        );
    }

    Ok(assessed
        .into_iter()
        .map(|a| {
            let key = a.code.as_path().to_owned();
            Row {
                coverage: coverage.remove(&key).unwrap_or_default(),
                admissions: admissions.remove(&key).unwrap_or_default(),
                assessment: a,
            }
        })
        .collect())
}
