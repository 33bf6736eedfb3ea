//! Draws the demo city in memory from the real divisions: everything below the
//! communities, the party organisations, the units and the members. Pure: the same
//! places, plan and seed give the same city.

use crate::geo::{self, Point, Rect, Shelves, shelves};
use crate::people::{self, IdRegistry, Person, Walk};
use crate::plan::Plan;
use crate::rng::Rng;
use chrono::{Months, NaiveDate};
use datong_domain::branch_rules;
use datong_domain::division::{Kind, Level};
use datong_domain::org::OrgKind;
use datong_domain::unit::{Coverage, UnitKind};
use datong_domain::{credit_code, synthetic};

/// A node that already exists: a district, street or community of the real divisions.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub kind: Kind,
}

pub struct NewTerritory {
    pub code: String,
    pub parent: String,
    pub name: String,
    pub level: Level,
    pub member_centre: bool,
}

pub struct Geo {
    pub code: String,
    pub at: Point,
    pub area: Option<Rect>,
}

pub struct Org {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub territory: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub committee_size: i64,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
}

pub struct Unit {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub kind: UnitKind,
    pub territory: String,
    pub address: String,
    pub coverage: Coverage,
    pub org_id: Option<i64>,
}

pub struct Member {
    pub id: i64,
    pub person: Person,
    pub org_id: i64,
    pub territory: String,
    pub work_unit: Option<String>,
    pub home_community: Option<String>,
}

pub struct SocialWorker {
    pub person: Person,
    pub community: String,
    pub post: &'static str,
    pub grade: u32,
    pub hired_on: NaiveDate,
}

#[derive(Default)]
pub struct City {
    pub social_workers: Vec<SocialWorker>,
    pub territories: Vec<NewTerritory>,
    pub geo: Vec<Geo>,
    pub orgs: Vec<Org>,
    pub units: Vec<Unit>,
    pub members: Vec<Member>,
}

/// Where the members of one organisation come from, before their number is settled.
struct Seat {
    org: usize,
    weight: f64,
    walk: Walk,
    district: String,
    work_unit: Option<String>,
    home: Option<String>,
}

const BUILDING_NAMES: &[&str] = &[
    "华林大厦",
    "御河大厦",
    "平城国际",
    "云冈商务中心",
    "同煤大厦",
    "凯德世家",
    "万达广场",
    "恒安新区商务楼",
    "文瀛湖科创园",
    "魏都大厦",
    "鼓楼商厦",
    "和阳商务中心",
    "新开里大厦",
    "太和商城",
    "古城之星",
    "东信广场",
];
const FIRM_WORDS: &[&str] = &[
    "恒达", "鑫源", "同兴", "晋华", "云中", "塞北", "平安", "顺通", "瑞丰", "利民", "金城", "长城",
    "御东", "华光", "天成", "博远", "德信", "鼎盛", "宏图", "兴业",
];
const FIRM_TRADES: &[(&str, &str)] = &[
    ("商贸", "有限公司"),
    ("科技", "有限公司"),
    ("物流", "有限公司"),
    ("建筑工程", "有限公司"),
    ("餐饮管理", "有限公司"),
    ("煤炭销售", "有限公司"),
    ("文化传媒", "有限公司"),
    ("家政服务", "有限公司"),
];
const AGENCIES: &[&str] = &[
    "市场监督管理所",
    "司法所",
    "税务所",
    "人力资源和社会保障所",
    "自然资源所",
    "交通运输管理站",
    "财政所",
    "统计站",
];
const INSTITUTIONS: &[&str] = &[
    "小学",
    "中学",
    "幼儿园",
    "社区卫生服务中心",
    "图书馆",
    "文化馆",
    "医院",
    "职业学校",
];
const STATE_FIRMS: &[&str] = &[
    "供电公司",
    "燃气公司",
    "热力公司",
    "自来水公司",
    "公交公司",
    "煤业公司",
    "银行支行",
    "邮政支局",
];
const SOCIAL_ORGS: &[&str] = &[
    "志愿者协会",
    "养老服务中心",
    "商会",
    "社会工作服务中心",
    "老年人协会",
    "慈善协会",
    "书画协会",
    "青少年活动中心",
];

/// `康吉社区居民委员会` → `康吉社区`: the name people use.
fn short_name(name: &str) -> &str {
    ["居民委员会", "居委会", "村民委员会", "村委会"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

pub struct Inputs<'a> {
    pub districts: &'a [Place],
    pub streets: &'a [Place],
    pub communities: &'a [Place],
    pub plan: &'a Plan,
    pub seed: u64,
    pub today: NaiveDate,
    /// The first ids free in each table.
    pub next_org_id: i64,
    pub next_unit_id: i64,
    pub next_member_id: i64,
}

/// A community's staff: its secretary-director, deputies, members of the committee and
/// one full-time grid worker a grid, each at a grade of the 三岗十八级 sequence fitting
/// the post (the leading post grades 1–6, deputies 7–12, the others 13–18).
fn staff(
    city: &mut City,
    rng: &mut Rng,
    ids: &mut IdRegistry,
    community: &Place,
    grids: usize,
    today: NaiveDate,
) {
    let mut posts: Vec<(&'static str, (u32, u32))> = vec![
        ("书记、主任", (1, 6)),
        ("副书记", (7, 12)),
        ("副主任", (7, 12)),
    ];
    posts.extend(std::iter::repeat_n(
        ("委员", (13, 18)),
        rng.range(2, 4) as usize,
    ));
    posts.extend(std::iter::repeat_n(("专职网格员", (13, 18)), grids));
    for (post, (lo, hi)) in posts {
        let person = people::person(rng, ids, Walk::InService, &community.code[..6], today);
        let years = rng.range(1, 15);
        city.social_workers.push(SocialWorker {
            person,
            community: community.code.clone(),
            post,
            grade: rng.range(lo, hi),
            hired_on: today
                .checked_sub_months(Months::new(12 * years))
                .expect("calendar"),
        });
    }
}

fn parent_of<'a>(places: &'a [Place], code: &str) -> Option<&'a Place> {
    places
        .iter()
        .rev()
        .find(|p| code.starts_with(&p.code) && p.code.len() < code.len())
}

/// Where each place lies: every community a square (a village's larger), a street the
/// communities it holds laid out in rows, a district its streets, the city its districts,
/// urban districts first. Each level tiles without overlap, so a point lies in one
/// community, and in one grid of it (grids are cells of their community).
pub struct Layout {
    /// The centre of each district and street.
    pub centres: std::collections::HashMap<String, Point>,
    /// Each community's area, in the order of `Inputs::communities`.
    pub communities: Vec<Rect>,
}

pub fn lay_out(districts: &[Place], streets: &[Place], communities: &[Place]) -> Layout {
    use std::collections::{BTreeMap, HashMap};
    let area_of = |c: &Place| {
        let side = if c.kind == Kind::Community {
            0.0064
        } else {
            0.016
        };
        (side, side)
    };
    // Who holds whom, by code prefix, so a place whose parent is not listed still lies
    // somewhere; urban districts first.
    let mut by_street: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in communities.iter().enumerate() {
        by_street.entry(&c.code[..9]).or_default().push(i);
    }
    let mut street_codes: Vec<&str> = streets.iter().map(|s| s.code.as_str()).collect();
    let unlisted: Vec<&str> = by_street
        .keys()
        .copied()
        .filter(|k| !street_codes.contains(k))
        .collect();
    street_codes.extend(unlisted);
    let mut by_district: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in &street_codes {
        by_district.entry(&s[..6]).or_default().push(s);
    }
    let mut ordered: Vec<&Place> = districts.iter().collect();
    ordered.sort_by_key(|d| d.kind != Kind::District);
    let mut district_codes: Vec<&str> = ordered.iter().map(|d| d.code.as_str()).collect();
    let unlisted: Vec<&str> = by_district
        .keys()
        .copied()
        .filter(|k| !district_codes.contains(k))
        .collect();
    district_codes.extend(unlisted);

    // Sizes, innermost first: a place with nothing in it still holds a little ground.
    let street_shelves: HashMap<&str, Shelves> = street_codes
        .iter()
        .map(|s| {
            let sizes: Vec<(f64, f64)> = by_street
                .get(s)
                .into_iter()
                .flatten()
                .map(|&i| area_of(&communities[i]))
                .collect();
            (*s, shelves(&sizes, 0.0006, (0.004, 0.004)))
        })
        .collect();
    let district_shelves: HashMap<&str, Shelves> = district_codes
        .iter()
        .map(|d| {
            let sizes: Vec<(f64, f64)> = by_district
                .get(d)
                .into_iter()
                .flatten()
                .map(|s| street_shelves[s].size)
                .collect();
            (*d, shelves(&sizes, 0.003, (0.01, 0.01)))
        })
        .collect();
    let sizes: Vec<(f64, f64)> = district_codes
        .iter()
        .map(|d| district_shelves[d].size)
        .collect();
    let city = shelves(&sizes, 0.01, (0.0, 0.0));
    let origin = geo::CENTRE.offset(-city.size.0 / 2.0, -city.size.1 / 2.0);

    // Then positions, outermost first.
    let mut centres = HashMap::new();
    let mut areas: Vec<Option<Rect>> = vec![None; communities.len()];
    for (d, corner) in district_codes.iter().zip(&city.corners) {
        let district = &district_shelves[d];
        let d_origin = origin.offset(corner.0, corner.1);
        centres.insert(
            (*d).to_owned(),
            Rect::from_corner(d_origin, (0.0, 0.0), district.size).centre(),
        );
        for (s, sc) in by_district
            .get(d)
            .into_iter()
            .flatten()
            .zip(&district.corners)
        {
            let street = &street_shelves[s];
            let s_origin = d_origin.offset(sc.0, sc.1);
            centres.insert(
                (*s).to_owned(),
                Rect::from_corner(s_origin, (0.0, 0.0), street.size).centre(),
            );
            for (&i, cc) in by_street.get(s).into_iter().flatten().zip(&street.corners) {
                areas[i] = Some(Rect::from_corner(s_origin, *cc, area_of(&communities[i])));
            }
        }
    }
    Layout {
        centres,
        communities: areas
            .into_iter()
            .map(|a| a.expect("every community is laid out in its street"))
            .collect(),
    }
}

pub fn draw(inp: &Inputs) -> City {
    let mut root = Rng::new(inp.seed);
    let mut city = City::default();
    let plan = inp.plan;

    let mut place_rng = root.fork(1);
    let layout = lay_out(inp.districts, inp.streets, inp.communities);
    for p in inp.districts.iter().chain(inp.streets) {
        city.geo.push(Geo {
            code: p.code.clone(),
            at: layout.centres.get(&p.code).copied().unwrap_or(geo::CENTRE),
            area: None,
        });
    }

    // Households: the urban share of residents over the communities, the rest over the
    // villages, each community within ±40% of the mean.
    let urban: Vec<&Place> = inp
        .communities
        .iter()
        .filter(|c| c.kind == Kind::Community)
        .collect();
    let rural = inp.communities.len() - urban.len();
    let households = plan.residents as f64 / plan.household_size;
    let per_urban = households * plan.urban_share / urban.len().max(1) as f64;
    let per_rural = households * (1.0 - plan.urban_share) / rural.max(1) as f64;

    let mut grids_of: Vec<(usize, Vec<String>)> = Vec::new(); // community index -> grid codes
    let mut buildings_of_grid: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut households_of: Vec<u64> = Vec::with_capacity(inp.communities.len());
    for (ci, c) in inp.communities.iter().enumerate() {
        let is_urban = c.kind == Kind::Community;
        let area = layout.communities[ci];
        city.geo.push(Geo {
            code: c.code.clone(),
            at: area.centre(),
            area: Some(area),
        });

        let mean = if is_urban { per_urban } else { per_rural };
        let n_households = (mean * (0.6 + 0.8 * place_rng.unit())).round().max(4.0) as u64;
        households_of.push(n_households);
        let (lo, hi) = if is_urban {
            plan.grids_urban
        } else {
            plan.grids_rural
        };
        let n_grids = place_rng.range(lo, hi) as usize;
        let per_building = if is_urban {
            plan.households_per_building_urban
        } else {
            plan.households_per_building_rural
        };
        let cells = area.cells(n_grids);
        let mut grid_codes = Vec::with_capacity(n_grids);
        let mut left = n_households;
        for (g, cell) in cells.iter().enumerate() {
            let grid = format!("{}{:03}", c.code, g + 1);
            city.territories.push(NewTerritory {
                code: grid.clone(),
                parent: c.code.clone(),
                name: format!("第{}网格", g + 1),
                level: Level::Grid,
                member_centre: false,
            });
            city.geo.push(Geo {
                code: grid.clone(),
                at: cell.centre(),
                area: Some(*cell),
            });
            let in_grid = left / (n_grids - g) as u64;
            left -= in_grid;
            let n_buildings = in_grid.div_ceil(u64::from(per_building)).max(1) as usize;
            let spots = cell.cells(n_buildings);
            let mut buildings = Vec::with_capacity(n_buildings);
            let mut hh_left = in_grid;
            for (b, spot) in spots.iter().enumerate() {
                let building = format!("{grid}{:03}", b + 1);
                let name = if is_urban {
                    format!("{}号楼", b + 1)
                } else {
                    format!("{}组", b + 1)
                };
                city.territories.push(NewTerritory {
                    code: building.clone(),
                    parent: grid.clone(),
                    name,
                    level: Level::Building,
                    member_centre: false,
                });
                city.geo.push(Geo {
                    code: building.clone(),
                    at: spot.centre(),
                    area: None,
                });
                let in_building = hh_left / (n_buildings - b) as u64;
                hh_left -= in_building;
                let centre_household = place_rng
                    .chance(0.25)
                    .then(|| place_rng.below(in_building.max(1)));
                for h in 0..in_building {
                    let name = if is_urban {
                        let (unit, floor, room) = (h / 12 + 1, (h / 2) % 6 + 1, h % 2 + 1);
                        format!("{unit}单元{floor}0{room}室")
                    } else {
                        format!("{}号", h + 1)
                    };
                    city.territories.push(NewTerritory {
                        code: format!("{building}{:04}", h + 1),
                        parent: building.clone(),
                        name,
                        level: Level::Household,
                        member_centre: centre_household == Some(h),
                    });
                }
                buildings.push(building);
            }
            buildings_of_grid.insert(grid.clone(), buildings);
            grid_codes.push(grid);
        }
        grids_of.push((ci, grid_codes));
    }

    // Organisations, parents before children.
    let mut org_rng = root.fork(2);
    let mut next_org = inp.next_org_id;
    let mut seats: Vec<Seat> = Vec::new();
    // A grid branch's 党小组, by the branch's index.
    let mut groups_of: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    let today = inp.today;
    let mut add_org = |city: &mut City,
                       rng: &mut Rng,
                       name: String,
                       kind: OrgKind,
                       territory: &str,
                       parent: Option<usize>|
     -> usize {
        let id = next_org;
        next_org += 1;
        let (parent_id, parent_path) = match parent {
            Some(p) => (Some(city.orgs[p].id), city.orgs[p].path.clone()),
            None => (None, "/".to_owned()),
        };
        let years = branch_rules::term_years(territory.len() >= Level::Community.code_len());
        // Most terms started within their length; about one in twenty has run out.
        let started_months_ago = if rng.chance(0.05) {
            years * 12 + rng.range(1, 10)
        } else {
            rng.range(1, years * 12 - 1)
        };
        let term_start = today
            .checked_sub_months(Months::new(started_months_ago))
            .expect("calendar");
        city.orgs.push(Org {
            id,
            name,
            kind,
            territory: territory.to_owned(),
            parent_id,
            path: format!("{parent_path}{id}/"),
            committee_size: 0,
            term_start,
            term_end: term_start
                .checked_add_months(Months::new(12 * years))
                .expect("calendar"),
        });
        city.orgs.len() - 1
    };
    let district_of = |code: &str| code[..6].to_owned();
    // 四级联动: the city's committee over the districts' and counties', over the streets'
    // working committees and the towns' committees.
    let city_org = add_org(
        &mut city,
        &mut org_rng,
        "中共大同市委员会".to_owned(),
        OrgKind::Committee,
        crate::CITY,
        None,
    );
    let mut district_org: std::collections::HashMap<String, usize> = Default::default();
    for d in inp.districts {
        let i = add_org(
            &mut city,
            &mut org_rng,
            if d.kind == Kind::District {
                format!("中共大同市{}委员会", d.name)
            } else {
                format!("中共{}委员会", d.name)
            },
            OrgKind::Committee,
            &d.code,
            Some(city_org),
        );
        district_org.insert(d.code.clone(), i);
    }
    let mut street_org: std::collections::HashMap<String, usize> = Default::default();
    for s in inp.streets {
        let (name, kind) = if s.kind == Kind::Street {
            (
                format!("中共大同市{}工作委员会", s.name),
                OrgKind::WorkingCommittee,
            )
        } else {
            (format!("中共{}委员会", s.name), OrgKind::Committee)
        };
        let parent = district_org.get(&s.code[..6]).copied().or(Some(city_org));
        let i = add_org(&mut city, &mut org_rng, name, kind, &s.code, parent);
        street_org.insert(s.code.clone(), i);
    }
    for ((ci, grids), c) in grids_of.iter().zip(inp.communities) {
        let parent = street_org.get(&c.code[..9]).copied();
        let short = short_name(&c.name);
        if c.kind == Kind::Community {
            let big = households_of[*ci] > (per_urban * 1.1) as u64;
            let (name, kind) = if big {
                (format!("中共{short}委员会"), OrgKind::Committee)
            } else {
                (format!("中共{short}总支部委员会"), OrgKind::GeneralBranch)
            };
            let i = add_org(&mut city, &mut org_rng, name, kind, &c.code, parent);
            for (g, grid) in grids.iter().enumerate() {
                let b = add_org(
                    &mut city,
                    &mut org_rng,
                    format!("中共{short}第{}网格支部委员会", g + 1),
                    OrgKind::Branch,
                    grid,
                    Some(i),
                );
                seats.push(Seat {
                    org: b,
                    weight: org_rng.range(10, 24).into(),
                    walk: Walk::Resident,
                    district: district_of(&c.code),
                    work_unit: None,
                    home: Some(c.code.clone()),
                });
                for building in &buildings_of_grid[grid] {
                    if org_rng.chance(inp.plan.group_share) {
                        let serial: u32 = building[building.len() - 3..].parse().unwrap_or(0);
                        let group = add_org(
                            &mut city,
                            &mut org_rng,
                            format!("{short}第{}网格{serial}号楼党小组", g + 1),
                            OrgKind::Group,
                            building,
                            Some(b),
                        );
                        groups_of.entry(b).or_default().push(group);
                    }
                }
            }
        } else {
            let i = add_org(
                &mut city,
                &mut org_rng,
                format!("中共{short}支部委员会"),
                OrgKind::Branch,
                &c.code,
                parent,
            );
            seats.push(Seat {
                org: i,
                weight: org_rng.range(15, 45).into(),
                walk: Walk::Villager,
                district: district_of(&c.code),
                work_unit: None,
                home: Some(c.code.clone()),
            });
        }
    }

    // Units: located in urban communities; agencies, institutions and state firms have
    // their own organisation, non-public and social ones mostly own or joint, a few
    // only an instructor or nothing yet.
    let mut unit_rng = root.fork(3);
    let mut next_unit = inp.next_unit_id;
    let mut codes = std::collections::HashSet::new();
    let hosts: Vec<usize> = (0..inp.communities.len())
        .filter(|&i| inp.communities[i].kind == Kind::Community)
        .collect();
    let hosts = if hosts.is_empty() {
        (0..inp.communities.len()).collect()
    } else {
        hosts
    };
    let mut waiting_joint: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let mut building_org_budget = plan.building_orgs;
    for &(kind, count) in plan.units {
        // Exactly the planned share is covered: each unit is drawn covered with the odds
        // of the covered places still left among the units still left.
        let coverage_target = match kind {
            UnitKind::NonPublicEnterprise => Some(plan.coverage_non_public),
            UnitKind::SocialOrganisation => Some(plan.coverage_social),
            UnitKind::Agency
            | UnitKind::PublicInstitution
            | UnitKind::StateEnterprise
            | UnitKind::PoliceStation => Some(1.0),
            _ => None,
        };
        let mut covered_left = coverage_target.map_or(0, |p| (p * f64::from(count)).round() as u64);
        for n in 0..count {
            let host = hosts[unit_rng.below(hosts.len() as u64) as usize];
            let c = &inp.communities[host];
            let street =
                short_name(parent_of(inp.streets, &c.code).map_or("", |s| s.name.as_str()))
                    .to_owned();
            let name = match kind {
                UnitKind::Agency => format!("{street}{}", unit_rng.pick(AGENCIES)),
                UnitKind::PublicInstitution => format!(
                    "大同市{}第{}{}",
                    street
                        .trim_end_matches("街道")
                        .trim_end_matches('镇')
                        .trim_end_matches('乡'),
                    n + 1,
                    unit_rng.pick(INSTITUTIONS)
                ),
                UnitKind::StateEnterprise => format!(
                    "大同{}{}",
                    unit_rng.pick(&["市", "城区", "御东"]),
                    unit_rng.pick(STATE_FIRMS)
                ),
                UnitKind::NonPublicEnterprise => {
                    let (trade, suffix) = unit_rng.pick(FIRM_TRADES);
                    format!("大同市{}{trade}{suffix}", unit_rng.pick(FIRM_WORDS))
                }
                UnitKind::SocialOrganisation => {
                    format!("{}{}", short_name(&c.name), unit_rng.pick(SOCIAL_ORGS))
                }
                UnitKind::PropertyCompany => {
                    format!("大同{}物业服务有限公司", unit_rng.pick(FIRM_WORDS))
                }
                UnitKind::OwnersCommittee => {
                    format!("{}第{}业主委员会", short_name(&c.name), n % 5 + 1)
                }
                UnitKind::PoliceStation => format!("大同市公安局{street}派出所"),
                UnitKind::Other => format!("{}服务站", short_name(&c.name)),
            };
            // Credit code: registering department, kind, the synthetic region, a serial.
            let prefix = match kind {
                UnitKind::Agency | UnitKind::PoliceStation => "11",
                UnitKind::PublicInstitution => "12",
                UnitKind::SocialOrganisation => "52",
                UnitKind::OwnersCommittee => "93",
                _ => "91",
            };
            let credit_code = loop {
                let first17 = format!(
                    "{prefix}{}{:09}",
                    synthetic::region_for(&c.code[..6]),
                    unit_rng.below(1_000_000_000)
                );
                let code = format!(
                    "{first17}{}",
                    credit_code::check_char(first17.as_bytes()) as char
                );
                if codes.insert(code.clone()) {
                    break code;
                }
            };
            let covered =
                coverage_target.is_some() && unit_rng.below(u64::from(count - n)) < covered_left;
            covered_left -= u64::from(covered);
            let id = next_unit;
            next_unit += 1;
            let ui = city.units.len();
            let street_code = c.code[..9].to_owned();
            let (coverage, org_id) = match coverage_target {
                Some(_) if covered => {
                    let own = matches!(
                        kind,
                        UnitKind::Agency
                            | UnitKind::PublicInstitution
                            | UnitKind::StateEnterprise
                            | UnitKind::PoliceStation
                    ) || unit_rng.chance(0.55);
                    if own {
                        let o = add_org(
                            &mut city,
                            &mut org_rng,
                            format!("中共{name}支部委员会"),
                            OrgKind::Branch,
                            &c.code,
                            street_org.get(&street_code).copied(),
                        );
                        let (lo, hi) = match kind {
                            UnitKind::NonPublicEnterprise => (4, 20),
                            UnitKind::SocialOrganisation => (3, 12),
                            UnitKind::PoliceStation => (10, 30),
                            _ => (15, 45),
                        };
                        seats.push(Seat {
                            org: o,
                            weight: unit_rng.range(lo, hi).into(),
                            walk: Walk::InService,
                            district: district_of(&c.code),
                            work_unit: Some(name.clone()),
                            home: None,
                        });
                        (Coverage::OwnOrg, Some(city.orgs[o].id))
                    } else {
                        waiting_joint.entry(street_code).or_default().push(ui);
                        (Coverage::JointBranch, None)
                    }
                }
                Some(_) => (
                    if unit_rng.chance(0.75) {
                        Coverage::Instructor
                    } else {
                        Coverage::None
                    },
                    None,
                ),
                None => (Coverage::None, None),
            };
            city.units.push(Unit {
                id,
                name,
                credit_code,
                kind,
                territory: c.code.clone(),
                address: format!("{}{}号", short_name(&c.name), unit_rng.range(1, 300)),
                coverage,
                org_id,
            });
        }
    }
    // Joint branches: the waiting units of a street, two to five to a branch (the rule's
    // limit); the first few are the building (楼宇) organisations of office towers.
    for (street_code, waiting) in waiting_joint {
        let street_name = inp
            .streets
            .iter()
            .find(|s| s.code == street_code)
            .map_or("", |s| s.name.as_str())
            .to_owned();
        let mut n = 0;
        for chunk in waiting.chunks(5) {
            n += 1;
            let first = &city.units[chunk[0]];
            let territory = first.territory.clone();
            let (name, territory) = if building_org_budget > 0 {
                building_org_budget -= 1;
                let tower = BUILDING_NAMES[(plan.building_orgs - building_org_budget - 1) as usize
                    % BUILDING_NAMES.len()];
                let grid = format!("{territory}001");
                let serial = buildings_of_grid.get(&grid).map_or(1, |b| b.len() + 1);
                let code = format!("{grid}{serial:03}");
                city.territories.push(NewTerritory {
                    code: code.clone(),
                    parent: grid.clone(),
                    name: tower.to_owned(),
                    level: Level::Building,
                    member_centre: false,
                });
                if let Some(cell) = city
                    .geo
                    .iter()
                    .find(|g| g.code == grid)
                    .and_then(|g| g.area)
                {
                    city.geo.push(Geo {
                        code: code.clone(),
                        at: cell.min.offset(0.0003, 0.0003),
                        area: None,
                    });
                }
                buildings_of_grid
                    .entry(grid)
                    .or_default()
                    .push(code.clone());
                (format!("中共{tower}楼宇联合支部委员会"), code)
            } else {
                (
                    format!("中共{street_name}非公有制经济组织第{n}联合支部委员会"),
                    street_code.clone(),
                )
            };
            let o = add_org(
                &mut city,
                &mut org_rng,
                name,
                OrgKind::JointBranch,
                &territory,
                street_org.get(&street_code).copied(),
            );
            seats.push(Seat {
                org: o,
                weight: org_rng.range(6, 25).into(),
                walk: Walk::InService,
                district: district_of(&territory),
                work_unit: Some(city.units[chunk[0]].name.clone()),
                home: None,
            });
            let id = city.orgs[o].id;
            for &u in chunk {
                city.units[u].org_id = Some(id);
            }
        }
    }

    // Members: each seat's weight scaled so that the city has the plan's number, no
    // branch above the rule's 50.
    let mut member_rng = root.fork(4);
    let total: f64 = seats.iter().map(|s| s.weight).sum();
    let scale = plan.members as f64 / total.max(1.0);
    let mut ids = IdRegistry::default();
    let mut next_member = inp.next_member_id;
    let urban_codes: Vec<&str> = urban.iter().map(|c| c.code.as_str()).collect();
    let mut full_members = vec![0i64; city.orgs.len()];
    for seat in &seats {
        let n = ((seat.weight * scale).round() as u32).clamp(1, branch_rules::MAX_BRANCH_MEMBERS);
        let groups = groups_of
            .get(&seat.org)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for j in 0..n as usize {
            // A member living in a building with a 党小组 belongs to it; the branch's
            // members are spread over its buildings' groups and the branch itself.
            let at = groups
                .get(j % (groups.len() + 1))
                .copied()
                .unwrap_or(seat.org);
            let person =
                people::person(&mut member_rng, &mut ids, seat.walk, &seat.district, today);
            if person.status == datong_domain::member::MemberStatus::Full {
                full_members[seat.org] += 1;
            }
            let home = match (&seat.home, urban_codes.is_empty()) {
                (Some(h), _) => Some(h.clone()),
                // 双报到: most in-service members report to the community they live in.
                (None, false) if member_rng.chance(0.85) => {
                    Some((*member_rng.pick(&urban_codes)).to_owned())
                }
                _ => None,
            };
            city.members.push(Member {
                id: next_member,
                person,
                org_id: city.orgs[at].id,
                territory: city.orgs[at].territory.clone(),
                work_unit: seat.work_unit.clone(),
                home_community: home,
            });
            next_member += 1;
        }
    }
    let mut staff_rng = root.fork(5);
    for (ci, grids) in &grids_of {
        let c = &inp.communities[*ci];
        if c.kind == Kind::Community {
            staff(&mut city, &mut staff_rng, &mut ids, c, grids.len(), today);
        }
    }
    // Committees: a branch of seven or more full members elects one; a few have not yet.
    for (i, org) in city.orgs.iter_mut().enumerate() {
        org.committee_size = match org.kind {
            OrgKind::Committee | OrgKind::WorkingCommittee => 7,
            OrgKind::GeneralBranch => 5,
            k if k.is_branch()
                && full_members[i] >= i64::from(branch_rules::COMMITTEE_THRESHOLD)
                && !org_rng.chance(0.03) =>
            {
                if full_members[i] >= 30 {
                    5
                } else {
                    3
                }
            }
            _ => 0,
        };
    }
    city
}

#[cfg(test)]
mod tests {
    use super::short_name;

    /// Datong's real communities and villages, laid out as the demo lays them: no two
    /// overlap, and the centre of each lies in its own polygon and in no other, by the
    /// same test the request lookup runs (`request::contains` on the stored GeoJSON).
    #[test]
    fn datongs_communities_tile_and_each_point_routes_to_its_own() {
        use datong_domain::request::{Point, contains, ring_of};
        use datong_domain::{DivisionCode, Level};
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
        let read =
            datong_store::import::divisions::read(&dir, &DivisionCode::parse(crate::CITY).unwrap())
                .expect("the national divisions beside the project");
        let at = |level: Level| -> Vec<super::Place> {
            read.records
                .iter()
                .filter(|r| r.code.level() == level)
                .map(|r| super::Place {
                    code: r.code.as_path().to_owned(),
                    kind: super::Kind::classify(level, &r.name),
                    name: r.name.clone(),
                })
                .collect()
        };
        let (districts, streets, communities) =
            (at(Level::District), at(Level::Street), at(Level::Community));
        assert_eq!(
            communities.len(),
            1827,
            "Datong's communities and villages (2023 codes)"
        );
        // The seed counts Datong's 39 streets apart from its towns and townships.
        let count = |places: &[super::Place], kind: super::Kind| {
            places.iter().filter(|p| p.kind == kind).count()
        };
        assert_eq!(
            count(&streets, super::Kind::Street),
            39,
            "the seed's 39 streets"
        );
        // The 2023 codes hold 401 社区, where the seed, some years earlier, counts ~396.
        let seen = [
            count(&communities, super::Kind::Community),
            count(&communities, super::Kind::Village),
            count(&streets, super::Kind::Town),
            count(&streets, super::Kind::Township),
        ];
        assert_eq!(
            seen,
            [401, 1426, 37, 51],
            "communities, villages, towns, townships"
        );
        let layout = super::lay_out(&districts, &streets, &communities);
        let areas = &layout.communities;
        let mut by_west: Vec<usize> = (0..areas.len()).collect();
        by_west.sort_by(|a, b| areas[*a].min.lon.total_cmp(&areas[*b].min.lon));
        for (k, &i) in by_west.iter().enumerate() {
            for &j in &by_west[k + 1..] {
                if areas[j].min.lon >= areas[i].max.lon {
                    break;
                }
                assert!(
                    !areas[i].overlaps(&areas[j]),
                    "{} overlaps {}",
                    communities[i].code,
                    communities[j].code
                );
            }
        }
        let rings: Vec<Vec<Point>> = areas
            .iter()
            .map(|a| ring_of(&a.polygon_json()).unwrap())
            .collect();
        for (i, a) in areas.iter().enumerate() {
            let c = a.centre();
            let p = Point::new(c.lat, c.lon).unwrap();
            let found: Vec<&str> = rings
                .iter()
                .enumerate()
                .filter(|(_, r)| contains(r, p))
                .map(|(j, _)| communities[j].code.as_str())
                .collect();
            assert_eq!(found, [communities[i].code.as_str()]);
        }
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("康吉社区居民委员会"), "康吉社区");
        assert_eq!(short_name("新胜街社区居委会"), "新胜街社区");
        assert_eq!(short_name("新荣村村委会"), "新荣村");
        assert_eq!(short_name("东关村村民委员会"), "东关村");
        assert_eq!(short_name("开发区"), "开发区");
    }
}
