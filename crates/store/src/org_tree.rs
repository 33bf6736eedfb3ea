//! Roll-ups and oversight along the party tree (四级联动): 市委 → 区委 / 县委 → 党工委 /
//! 乡镇党委 → 社区党委 → 网格党支部 → 党小组, read from the same counters as the places.
//!
//! An organisation *leads* its place when its parent sits at another place (or it has
//! none) and no elder sibling leads that place already: the 区委 leads its district, a
//! 网格党支部 its grid. What a leading organisation oversees is its place's subtree, so its
//! figures are that place's counters. An organisation beside its parent at the same place
//! (a 两新 branch in a community, a second committee at the district) leads nothing: its
//! figures are its own members, its 党小组's, its child organisations and its units.

use crate::access::Caller;
use crate::db::Conn;
use crate::error::StoreResult;
use crate::org::{self, Org, OrgFilter};
use crate::params;
use crate::rollup;
use crate::sql::{Page, Sql};
use datong_domain::division::DivisionCode;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Figures {
    /// The place whose subtree the organisation leads; `None` when it leads none.
    pub leads: Option<DivisionCode>,
    pub members_total: i64,
    /// By status: full, probationary.
    pub members: BTreeMap<String, i64>,
    /// Organisations by kind, the organisation itself included.
    pub orgs: BTreeMap<String, i64>,
    pub units_total: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    pub org: Org,
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tree {
    pub org: Org,
    pub figures: Figures,
    /// The organisation's children that the caller sees, each with its figures, in the
    /// order of their places.
    pub children: Vec<Node>,
}

impl Figures {
    fn of_place(code: &DivisionCode, r: rollup::Rollup) -> Figures {
        Figures {
            leads: Some(code.clone()),
            members_total: r.members_total,
            members: r.members,
            orgs: r.orgs,
            units_total: r.units_total,
        }
    }
}

/// One organisation's figures and its children's, for drilling down the party tree. The
/// caller must see the organisation, and the figures are counts: every role reads those
/// of the places it has (as a place's roll-up), never the people behind them.
pub fn read(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Tree> {
    let top = org::get(conn, caller, id)?;
    crate::territory::get_in_scope(conn, caller, &top.territory)?;
    let top_leads = leads_alone(conn, &top)?;
    let children = org::list(
        conn,
        caller,
        &OrgFilter {
            parent_id: Some(top.id),
            ..OrgFilter::default()
        },
        &Page {
            limit: 1000,
            offset: 0,
        },
    )?;
    // A child leads its place when it stands below its parent and no elder sibling at
    // the same place leads it already.
    let mut elder_first: Vec<&Org> = children.iter().collect();
    elder_first.sort_by_key(|c| c.id);
    let mut leaders: Vec<(i64, DivisionCode)> = Vec::new();
    for c in elder_first {
        if c.territory != top.territory && !leaders.iter().any(|(_, t)| *t == c.territory) {
            leaders.push((c.id, c.territory.clone()));
        }
    }
    let leads = |o: &Org| leaders.iter().any(|(id, _)| *id == o.id);
    let mut places: Vec<DivisionCode> = leaders.iter().map(|(_, t)| t.clone()).collect();
    if top_leads {
        places.push(top.territory.clone());
    }
    let mut counted: BTreeMap<String, Figures> = places
        .iter()
        .zip(rollup::read_many(conn, &places)?)
        .map(|(code, r)| (code.as_path().to_owned(), Figures::of_place(code, r)))
        .collect();
    let unled: Vec<i64> = children
        .iter()
        .filter(|c| !leads(c))
        .map(|c| c.id)
        .chain((!top_leads).then_some(top.id))
        .collect();
    let mut own = own_figures(conn, &unled)?;
    let mut figures_of = |o: &Org, leading: bool| {
        if leading {
            counted.remove(o.territory.as_path())
        } else {
            own.remove(&o.id)
        }
        .unwrap_or_default()
    };
    let figures = figures_of(&top, top_leads);
    let children = children
        .into_iter()
        .map(|c| {
            let figures = figures_of(&c, leads(&c));
            Node { org: c, figures }
        })
        .collect();
    Ok(Tree {
        org: top,
        figures,
        children,
    })
}

/// Whether `o` leads its place: its parent sits elsewhere (or it has none) and no elder
/// organisation of the same parent sits at the same place.
fn leads_alone(conn: &mut Conn, o: &Org) -> StoreResult<bool> {
    let parent_place = match o.parent_id {
        Some(p) => conn
            .query_opt(
                "SELECT territory_code FROM party_org WHERE id = $1",
                params![p],
            )?
            .map(|r| r.str(0))
            .transpose()?,
        None => None,
    };
    if parent_place.as_deref() == Some(o.territory.as_path()) {
        return Ok(false);
    }
    let mut q =
        Sql::new("SELECT COUNT(*) FROM party_org WHERE valid_to IS NULL AND territory_code = ");
    q.bind(o.territory.as_path()).push(" AND id < ").bind(o.id);
    match o.parent_id {
        Some(p) => q.push(" AND parent_id = ").bind(p),
        None => q.push(" AND parent_id IS NULL"),
    };
    Ok(conn.query_one(&q.text, &q.params)?.i64(0)? == 0)
}

/// The figures of organisations that lead no place, counted from their own subtrees of
/// the party tree (`path` ranges, through its index): the members of each and of every
/// organisation under it, those organisations by kind (itself included), and its units.
fn own_figures(conn: &mut Conn, ids: &[i64]) -> StoreResult<BTreeMap<i64, Figures>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let Some(path) = conn
            .query_opt("SELECT path FROM party_org WHERE id = $1", params![*id])?
            .map(|r| r.str(0))
            .transpose()?
        else {
            continue;
        };
        // Paths end in '/', and '0' follows '/': [path, path with '0' for '/') holds the
        // subtree exactly.
        let end = format!("{}0", &path[..path.len() - 1]);
        let mut f = Figures::default();
        for r in conn.query(
            "SELECT m.status, COUNT(*) FROM member m JOIN party_org g ON g.id = m.org_id \
             WHERE g.path >= $1 AND g.path < $2 GROUP BY m.status",
            params![&path, &end],
        )? {
            let n = r.i64(1)?;
            f.members_total += n;
            f.members.insert(r.str(0)?, n);
        }
        for r in conn.query(
            "SELECT kind, COUNT(*) FROM party_org WHERE valid_to IS NULL AND path >= $1 \
             AND path < $2 GROUP BY kind",
            params![&path, &end],
        )? {
            f.orgs.insert(r.str(0)?, r.i64(1)?);
        }
        f.units_total = conn
            .query_one(
                "SELECT COUNT(*) FROM unit u JOIN party_org g ON g.id = u.org_id \
                 WHERE g.path >= $1 AND g.path < $2",
                params![&path, &end],
            )?
            .i64(0)?;
        out.insert(*id, f);
    }
    Ok(out)
}
