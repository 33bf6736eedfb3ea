//! `datong demo`: builds the demo city into an empty database — Datong's real divisions
//! (city 1402), then synthetic grids, buildings, households, party organisations, units
//! and members, the same for the same seed, and one account for each role.
//!
//! Every person and unit it makes is synthetic and says so: `synthetic` is set on the
//! record, and ID numbers, credit codes and phone numbers carry the markers of
//! `datong_domain::synthetic`.

mod city;
mod duties;
mod geo;
mod people;
mod plan;
mod requests;
mod rng;
mod streets;

pub use duties::CATALOGUE_CSV;
pub use plan::{Plan, Scale};

use city::{City, Inputs, Place};
use datong_domain::division::{DivisionCode, Kind};
use datong_domain::{Level, Role};
use datong_store::account::{Binding, NewAccount};
use datong_store::audit::{self, Actor, Entry};
use datong_store::db::Value;
use datong_store::import::divisions::{self, ImportError};
use datong_store::{Conn, Db, StoreError, params};
use std::path::PathBuf;

/// The city the demo stands on.
pub const CITY: &str = "1402";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("数据库中已有党组织或党员，演示城市只在空库中生成")]
    AlreadyBuilt,
    #[error("区划数据中没有 {0} 的街道和社区")]
    NoCity(String),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("权责清单样例有误：{0}")]
    Catalogue(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<datong_store::DbError> for DemoError {
    fn from(e: datong_store::DbError) -> Self {
        DemoError::Store(e.into())
    }
}

pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// The national divisions directory (only read when the city is not imported yet).
    pub divisions: PathBuf,
    pub today: chrono::NaiveDate,
}

/// A demo login, printed for the people trying the platform.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoAccount {
    pub login: String,
    pub role: Role,
    pub scope: String,
    pub scope_name: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub territories: u64,
    pub orgs: u64,
    pub units: u64,
    pub members: u64,
    pub social_workers: u64,
    pub accounts: Vec<DemoAccount>,
    pub password: String,
}

/// The demo accounts' shared password, from the seed.
pub fn password(seed: u64) -> String {
    format!("Demo-{seed}-Datong")
}

fn places(conn: &mut Conn, level: Level) -> Result<Vec<Place>, DemoError> {
    let (lo, hi) = DivisionCode::parse(CITY)
        .expect("a valid code")
        .subtree_range();
    conn.query(
        "SELECT code, name FROM territory WHERE code > $1 AND code < $2 AND level = $3 ORDER BY code",
        params![lo, hi, level.as_str()],
    )?
    .iter()
    .map(|r| {
        let name = r.str(1)?;
        Ok(Place {
            code: r.str(0)?,
            kind: Kind::classify(level, &name),
            name,
        })
    })
    .collect()
}

fn next_id(conn: &mut Conn, table: &str) -> Result<i64, DemoError> {
    Ok(conn
        .query_one(
            &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
            &[],
        )?
        .i64(0)?)
}

/// Builds the demo city. Refuses a database that already has organisations or members.
pub fn build(db: &Db, opts: &Options, actor: &Actor) -> Result<Report, DemoError> {
    let mut conn = db.get()?;
    let c = &mut *conn;
    let used = c
        .query_one(
            "SELECT (SELECT COUNT(*) FROM party_org) + (SELECT COUNT(*) FROM member)",
            &[],
        )?
        .i64(0)?;
    if used > 0 {
        return Err(DemoError::AlreadyBuilt);
    }
    let city = DivisionCode::parse(CITY).expect("a valid code");
    if c.query_opt("SELECT code FROM territory WHERE code = $1", params![CITY])?
        .is_none()
    {
        let records = divisions::read(&opts.divisions, &city)?;
        divisions::apply(
            c,
            actor,
            &records,
            &opts.today.to_string(),
            divisions::Extent::Additions,
        )?;
    }
    let districts = places(c, Level::District)?;
    let streets = places(c, Level::Street)?;
    let communities = places(c, Level::Community)?;
    if streets.is_empty() || communities.is_empty() {
        return Err(DemoError::NoCity(CITY.into()));
    }
    let plan = Plan::of(opts.scale);
    let inputs = Inputs {
        districts: &districts,
        streets: &streets,
        communities: &communities,
        plan: &plan,
        seed: opts.seed,
        today: opts.today,
        next_org_id: next_id(c, "party_org")?,
        next_unit_id: next_id(c, "unit")?,
        next_member_id: next_id(c, "member")?,
    };
    let started = std::time::Instant::now();
    let drawn = city::draw(&inputs);
    tracing::info!(elapsed = ?started.elapsed(), "demo city drawn");
    let counts = c.tx(|c| write(c, actor, &drawn, &opts.today.to_string()))?;
    duties::load_catalogue(c, actor, &opts.today.to_string())?;
    duties::history(
        c,
        opts.seed,
        opts.today,
        &districts,
        &streets,
        plan.tasks_per_district_month,
    )?;
    let (home_district, _) = home(&districts, &streets);
    streets::build(
        c,
        opts.seed,
        opts.today,
        &districts,
        &streets,
        ("department", &home_district.code),
    )?;
    // Residents' requests find their grid among the places just drawn.
    datong_store::request::catalogue::index_areas(c)?;
    // Fresh statistics, so the planners read rosters off the right index from the start.
    c.batch("ANALYZE")?;
    tracing::info!(elapsed = ?started.elapsed(), "demo city written");
    let accounts = accounts(
        c,
        actor,
        &drawn,
        &districts,
        &streets,
        &communities,
        &password(opts.seed),
    )?;
    let buildings: Vec<String> = drawn
        .territories
        .iter()
        .filter(|t| t.level == Level::Building)
        .map(|t| t.code.clone())
        .collect();
    let resident = accounts
        .iter()
        .find(|a| a.role == Role::Resident)
        .expect("the demo has a resident");
    let resident_building = DivisionCode::parse(&resident.scope)
        .ok()
        .and_then(|h| h.parent())
        .map(|b| b.as_path().to_owned())
        .unwrap_or_default();
    let filed = requests::file(
        c,
        &requests::Inputs {
            seed: opts.seed,
            today: opts.today,
            per_year: plan.requests_per_year,
            buildings: &buildings,
            resident_building: &resident_building,
            resident_login: &resident.login,
        },
    )?;
    tracing::info!(elapsed = ?started.elapsed(), requests = filed.requests, open = filed.open, "demo requests filed");
    Ok(Report {
        accounts,
        password: password(opts.seed),
        ..counts
    })
}

fn write(c: &mut Conn, actor: &Actor, city: &City, today: &str) -> Result<Report, DemoError> {
    let territories: Vec<[Value; 8]> = city
        .territories
        .iter()
        .map(|t| {
            [
                t.code.as_str().into(),
                t.parent.as_str().into(),
                t.name.as_str().into(),
                t.level.as_str().into(),
                Kind::classify(t.level, &t.name).as_str().into(),
                t.member_centre.into(),
                today.into(),
                datong_domain::initials::initials(&t.name).into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "territory",
        &[
            "code",
            "parent_code",
            "name",
            "level",
            "kind",
            "member_centre",
            "valid_from",
            "initials",
        ],
        territories.iter().map(|r| &r[..]),
    )?;
    let geo: Vec<[Value; 4]> = city
        .geo
        .iter()
        .map(|g| {
            [
                g.code.as_str().into(),
                g.at.lon.into(),
                g.at.lat.into(),
                g.area.map(|a| a.polygon_json()).into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "territory_geo",
        &["code", "lon", "lat", "polygon"],
        geo.iter().map(|r| &r[..]),
    )?;
    let orgs: Vec<[Value; 10]> = city
        .orgs
        .iter()
        .map(|o| {
            [
                o.id.into(),
                o.name.as_str().into(),
                o.kind.as_str().into(),
                o.territory.as_str().into(),
                o.parent_id.into(),
                o.path.as_str().into(),
                o.committee_size.into(),
                o.term_start.to_string().into(),
                o.term_end.to_string().into(),
                today.into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "party_org",
        &[
            "id",
            "name",
            "kind",
            "territory_code",
            "parent_id",
            "path",
            "committee_size",
            "term_start",
            "term_end",
            "valid_from",
        ],
        orgs.iter().map(|r| &r[..]),
    )?;
    let units: Vec<[Value; 9]> = city
        .units
        .iter()
        .map(|u| {
            [
                u.id.into(),
                u.name.as_str().into(),
                u.credit_code.as_str().into(),
                u.kind.as_str().into(),
                u.territory.as_str().into(),
                u.address.as_str().into(),
                u.coverage.as_str().into(),
                u.org_id.into(),
                true.into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "unit",
        &[
            "id",
            "name",
            "credit_code",
            "kind",
            "territory_code",
            "address",
            "coverage",
            "org_id",
            "synthetic",
        ],
        units.iter().map(|r| &r[..]),
    )?;
    // Personal numbers go in as every write stores them: sealed when the database has a
    // data key, with the ID number's blind index.
    let members: Vec<[Value; 20]> = city
        .members
        .iter()
        .map(|m| {
            let p = &m.person;
            [
                m.id.into(),
                p.name.as_str().into(),
                p.sex.into(),
                p.ethnicity.into(),
                p.birth_date.to_string().into(),
                c.seal(&p.id_number).into(),
                p.education.as_str().into(),
                p.joined_on.to_string().into(),
                p.full_on.map(|d| d.to_string()).into(),
                p.status.as_str().into(),
                m.org_id.into(),
                m.territory.as_str().into(),
                c.seal(&p.phone).into(),
                m.work_unit.as_deref().into(),
                m.home_community.as_deref().into(),
                p.mobile_note.is_some().into(),
                p.mobile_note.as_deref().into(),
                p.last_activity_on.to_string().into(),
                true.into(),
                c.blind(&p.id_number).into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "member",
        &[
            "id",
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "joined_on",
            "full_on",
            "status",
            "org_id",
            "territory_code",
            "phone",
            "work_unit",
            "home_community",
            "mobile",
            "mobile_note",
            "last_activity_on",
            "synthetic",
            "id_number_blind",
        ],
        members.iter().map(|r| &r[..]),
    )?;
    // Each 党员中心户 is kept by a member of its grid (or of a group in the grid).
    let mut in_grid: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for m in &city.members {
        if let Some(grid) = m.territory.get(..15) {
            in_grid.entry(grid).or_default().push(m.id);
        }
    }
    let keepers: Vec<[Value; 2]> = city
        .territories
        .iter()
        .filter(|t| t.member_centre)
        .enumerate()
        .filter_map(|(k, t)| {
            let members = in_grid.get(t.code.get(..15)?)?;
            Some([t.code.as_str().into(), members[k % members.len()].into()])
        })
        .collect();
    c.bulk_insert(
        "centre_keeper",
        &["household_code", "member_id"],
        keepers.iter().map(|r| &r[..]),
    )?;
    let workers: Vec<[Value; 11]> = city
        .social_workers
        .iter()
        .map(|w| {
            let p = &w.person;
            [
                p.name.as_str().into(),
                p.sex.into(),
                p.birth_date.to_string().into(),
                c.seal(&p.id_number).into(),
                c.seal(&p.phone).into(),
                w.community.as_str().into(),
                w.post.into(),
                i64::from(w.grade).into(),
                w.hired_on.to_string().into(),
                true.into(),
                c.blind(&p.id_number).into(),
            ]
        })
        .collect();
    c.bulk_insert(
        "social_worker",
        &[
            "name",
            "sex",
            "birth_date",
            "id_number",
            "phone",
            "territory_code",
            "post",
            "grade",
            "hired_on",
            "synthetic",
            "id_number_blind",
        ],
        workers.iter().map(|r| &r[..]),
    )?;
    for table in ["party_org", "unit", "member"] {
        c.sync_id_sequence(table)?;
    }
    datong_store::rollup::rebuild(c)?;
    let report = Report {
        territories: city.territories.len() as u64,
        orgs: city.orgs.len() as u64,
        units: city.units.len() as u64,
        members: city.members.len() as u64,
        social_workers: city.social_workers.len() as u64,
        accounts: Vec::new(),
        password: String::new(),
    };
    let after = serde_json::json!({
        "territories": report.territories, "orgs": report.orgs, "units": report.units, "members": report.members,
        "social_workers": report.social_workers,
    });
    audit::append(
        c,
        actor,
        Entry {
            action: "demo",
            entity: "city",
            entity_id: CITY,
            before: None,
            after: Some(&after),
        },
    )?;
    Ok(report)
}

/// The report of a demo city built earlier: its counts and the demo accounts that exist.
pub fn existing(db: &Db, seed: u64) -> Result<Report, DemoError> {
    let mut c = db.get()?;
    let count = |c: &mut Conn, table: &str| -> Result<u64, DemoError> {
        Ok(c.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
            .i64(0)? as u64)
    };
    let mut accounts = Vec::new();
    for login in DEMO_LOGINS {
        let Some(r) = c.query_opt(
            "SELECT r.role, r.scope_code, COALESCE(t.name, '全国') FROM account a
               JOIN role_assignment r ON r.account_id = a.id
               LEFT JOIN territory t ON t.code = r.scope_code
              WHERE a.login = $1",
            params![login],
        )?
        else {
            continue;
        };
        let scope = DivisionCode::from_path(&r.str(1)?)
            .map_err(|e| StoreError::invalid("scope", e.to_string()))?;
        accounts.push(DemoAccount {
            login: login.to_string(),
            role: Role::parse(&r.str(0)?).unwrap_or(Role::Resident),
            scope: scope.to_string(),
            scope_name: r.str(2)?,
        });
    }
    Ok(Report {
        territories: count(&mut c, "territory")?,
        orgs: count(&mut c, "party_org")?,
        units: count(&mut c, "unit")?,
        members: count(&mut c, "member")?,
        social_workers: count(&mut c, "social_worker")?,
        accounts,
        password: password(seed),
    })
}

const DEMO_LOGINS: [&str; 10] = [
    "city",
    "district",
    "department",
    "street",
    "community",
    "grid",
    "unit",
    "member",
    "resident",
    "admin",
];

/// The street the demo's accounts work in (the city's first 街道, not a town) and the
/// district it belongs to.
fn home<'a>(districts: &'a [Place], streets: &'a [Place]) -> (&'a Place, &'a Place) {
    let street = streets
        .iter()
        .find(|s| s.kind == Kind::Street)
        .unwrap_or(&streets[0]);
    let district = districts
        .iter()
        .find(|d| street.code.starts_with(&d.code))
        .unwrap_or(&districts[0]);
    (district, street)
}

/// The first row of `table` placed under `code`, for an account bound to a record.
fn first_under(c: &mut Conn, table: &str, code: &str) -> Result<Option<i64>, DemoError> {
    Ok(c.query_opt(
        &format!(
            "SELECT id FROM {table} WHERE territory_code >= $1 AND territory_code < $2 ORDER BY id LIMIT 1"
        ),
        params![code, format!("{code}:")],
    )?
    .map(|r| r.i64(0))
    .transpose()?)
}

/// Where a member or a unit is placed: its node's code and name.
fn place_of(c: &mut Conn, table: &str, id: i64) -> Result<(String, String), DemoError> {
    let r = c.query_one(
        &format!(
            "SELECT x.territory_code, t.name FROM {table} x JOIN territory t ON t.code = x.territory_code WHERE x.id = $1"
        ),
        params![id],
    )?;
    Ok((r.str(0)?, r.str(1)?))
}

/// One account for each role of DESIGN §1, on the first urban district, street,
/// community and grid; the member is one of that community's members and the unit one of
/// its street's units; the department acts for a bureau of its own district
/// (`streets::build` binds it).
fn accounts(
    c: &mut Conn,
    actor: &Actor,
    city: &City,
    districts: &[Place],
    streets: &[Place],
    communities: &[Place],
    password: &str,
) -> Result<Vec<DemoAccount>, DemoError> {
    let (district, street) = home(districts, streets);
    let community = communities
        .iter()
        .find(|x| x.code.starts_with(&street.code) && x.kind == Kind::Community)
        .unwrap_or(&communities[0]);
    let grid = city
        .territories
        .iter()
        .find(|t| t.parent == community.code)
        .expect("every community has grids");
    let household = city
        .territories
        .iter()
        .find(|t| t.code.starts_with(&grid.code) && t.level == Level::Household)
        .expect("every grid has households");
    let member = first_under(c, "member", &community.code)?
        .ok_or_else(|| DemoError::NoCity(format!("no member in {}", community.code)))?;
    let unit = match first_under(c, "unit", &community.code)? {
        Some(u) => u,
        None => first_under(c, "unit", &street.code)?
            .ok_or_else(|| DemoError::NoCity(format!("no unit in {}", street.code)))?,
    };
    let unit_place = place_of(c, "unit", unit)?;
    let member_place = place_of(c, "member", member)?;
    let city_name = "大同市".to_owned();
    let plan: [(&str, Role, &str, String, bool, Binding); 10] = [
        ("city", Role::City, CITY, city_name, true, Binding::None),
        (
            "district",
            Role::District,
            &district.code,
            district.name.clone(),
            false,
            Binding::None,
        ),
        (
            "department",
            Role::Department,
            &district.code,
            format!("{}住房和城乡建设局", district.name),
            false,
            Binding::None,
        ),
        (
            "street",
            Role::Street,
            &street.code,
            street.name.clone(),
            false,
            Binding::None,
        ),
        (
            "community",
            Role::Community,
            &community.code,
            community.name.clone(),
            false,
            Binding::None,
        ),
        (
            "grid",
            Role::Grid,
            &grid.code,
            format!("{}{}", community.name, grid.name),
            false,
            Binding::None,
        ),
        (
            "unit",
            Role::Unit,
            &unit_place.0,
            unit_place.1.clone(),
            false,
            Binding::Unit(unit),
        ),
        (
            "member",
            Role::Member,
            &member_place.0,
            member_place.1.clone(),
            false,
            Binding::Member(member),
        ),
        (
            "resident",
            Role::Resident,
            &household.code,
            household.name.clone(),
            false,
            Binding::None,
        ),
        (
            "admin",
            Role::Admin,
            "CN",
            "全国".to_owned(),
            false,
            Binding::None,
        ),
    ];
    let mut out = Vec::new();
    for (login, role, scope, scope_name, unmask, binding) in plan {
        debug_assert!(DEMO_LOGINS.contains(&login));
        let code = DivisionCode::parse(scope).expect("codes from the tree");
        let account = NewAccount {
            login,
            password,
            role,
            scope: Some(code.clone()),
            unmask,
            binding,
        };
        datong_store::account::add_user(c, actor, &account)?;
        out.push(DemoAccount {
            login: login.to_owned(),
            role,
            scope: code.to_string(),
            scope_name,
        });
    }
    Ok(out)
}
