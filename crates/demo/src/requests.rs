//! A year of residents' requests (接诉即办) in the demo city, through the platform's own
//! intake and workflow: each request is filed at a building on a plausible day and hour,
//! then signed for, sometimes declined or extended, answered, verified (now and then
//! failed and redone) and rated by the reporter or on a call back — each step as its
//! holder, at its own time. The last days' requests are still open; the time-limit scan
//! then climbs whatever has stalled.

use crate::rng::Rng;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use datong_domain::request::{Channel, Stage, Tier};
use datong_domain::{DivisionCode, Level, Phone, Role};
use datong_store::access::{Assignment, Caller};
use datong_store::audit::{Actor, timestamp};
use datong_store::request::Request;
use datong_store::request::intake::{self, Draft, Receipt};
use datong_store::request::workflow::{self, Action};
use datong_store::{Conn, StoreError};

/// Services with their share of requests, and what residents write about them.
const SERVICES: &[(&str, u32, &[&str])] = &[
    (
        "sanitation",
        18,
        &[
            "楼下垃圾桶满了两天没人清运",
            "小区门口有建筑垃圾堆放",
            "楼道里堆放杂物，气味很大",
        ],
    ),
    (
        "facilities",
        12,
        &[
            "路口路灯晚上不亮",
            "人行道井盖松动，有安全隐患",
            "小区主路路面塌陷",
        ],
    ),
    (
        "heating",
        10,
        &[
            "家里暖气不热，室温只有十四度",
            "暖气管道漏水",
            "单元暖气时冷时热",
        ],
    ),
    (
        "water",
        8,
        &["整栋楼水压很低", "下水道堵塞反味", "突然停水没有通知"],
    ),
    (
        "property",
        14,
        &["电梯经常故障停运", "物业不处理楼顶漏水", "地下车库照明坏了"],
    ),
    (
        "noise",
        9,
        &["夜间施工噪声扰民", "楼下商铺音响声音太大", "广场舞音量过大"],
    ),
    (
        "dispute",
        6,
        &[
            "楼上漏水到我家，协商不成",
            "邻居占用楼道停放电动车",
            "相邻住户因装修产生矛盾",
        ],
    ),
    ("building", 3, &["一楼住户私自扩建院墙", "楼顶搭建彩钢房"]),
    (
        "care",
        7,
        &["独居老人需要上门探望", "残疾人家庭申请帮扶", "老人就餐困难"],
    ),
    (
        "safety",
        8,
        &["电动车在楼道内充电", "消防通道被车辆堵塞", "小区监控损坏"],
    ),
    ("market", 3, &["早市占道经营堵塞交通", "小饭馆油烟直排"]),
    (
        "other",
        2,
        &["希望增设健身器材", "建议在小区门口增设公交站牌"],
    ),
];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];

/// Hours of the day residents write or call, weighted towards the working day.
const HOURS: &[(u32, u32)] = &[
    (7, 3),
    (8, 8),
    (9, 10),
    (10, 10),
    (11, 8),
    (12, 4),
    (13, 5),
    (14, 8),
    (15, 8),
    (16, 8),
    (17, 6),
    (18, 5),
    (19, 5),
    (20, 4),
    (21, 3),
    (22, 2),
];

/// The demo's requests: how many, where, and whose.
pub struct Inputs<'a> {
    pub seed: u64,
    pub today: NaiveDate,
    pub per_year: u32,
    pub buildings: &'a [String],
    /// The demo resident's building, where their own requests are.
    pub resident_building: &'a str,
    pub resident_login: &'a str,
}

/// How many requests were filed, and how many are still open.
pub struct Filed {
    pub requests: usize,
    pub open: usize,
}

/// Someone holding `role` over `scope`; `Steps::take` sets the time.
fn caller(role: Role, scope: &DivisionCode) -> Caller {
    Caller::new(
        Actor {
            login: format!("{}@{}", role.as_str(), scope),
            at: String::new(),
        },
        vec![Assignment {
            role,
            scope: scope.clone(),
            unmask: false,
        }],
    )
}

fn hours(rng: &mut Rng, lo: f64, hi: f64) -> Duration {
    Duration::seconds(((lo + rng.unit() * (hi - lo)) * 3600.0) as i64)
}

/// The role that holds a request at a tier.
fn holder(tier: Tier) -> Option<Role> {
    match tier {
        Tier::Grid => Some(Role::Grid),
        Tier::Community => Some(Role::Community),
        Tier::Street => Some(Role::Street),
        Tier::Department | Tier::Agenda => None,
    }
}

/// The level that verifies what a holder at `level` did.
fn verifier(level: Level) -> (Role, Level) {
    match level {
        Level::Grid => (Role::Community, Level::Community),
        Level::Community => (Role::Street, Level::Street),
        _ => (Role::District, Level::District),
    }
}

pub fn file(c: &mut Conn, inp: &Inputs) -> Result<Filed, StoreError> {
    let mut rng = Rng::new(inp.seed).fork(0x12345);
    let now = Utc.from_utc_datetime(&inp.today.and_hms_opt(4, 0, 0).expect("a valid time"));
    let start = now - Duration::days(365);
    // Requests by day, more in the heating season; drawn day by day so that times come in
    // order, as they would.
    let mut drafts: Vec<(Actor, Draft, bool)> = Vec::new();
    let per_day = f64::from(inp.per_year) / 365.0;
    for day in 0..365 {
        let date = (start + Duration::days(day)).date_naive();
        let month = chrono::Datelike::month(&date);
        let winter = matches!(month, 11 | 12 | 1 | 2 | 3);
        let factor = if winter { 1.2 } else { 0.9 };
        let n = (per_day * factor * (0.7 + 0.6 * rng.unit())).round() as u32;
        for _ in 0..n {
            let hour = *rng.weighted(HOURS);
            // Beijing hours, stored in UTC.
            let at = date
                .and_hms_opt(hour, 0, 0)
                .expect("an hour of the day")
                .and_local_timezone(datong_domain::china_time())
                .single()
                .expect("a fixed offset has one time")
                .with_timezone(&Utc)
                + Duration::seconds(rng.below(3600) as i64);
            if at >= now {
                continue;
            }
            let weights: Vec<(usize, u32)> = SERVICES
                .iter()
                .enumerate()
                .map(|(i, (code, w, _))| {
                    let w = match (*code, winter) {
                        ("heating", true) => w * 3,
                        ("heating", false) => 1,
                        _ => *w,
                    };
                    (i, w)
                })
                .collect();
            let (code, _, texts) = SERVICES[*rng.weighted(&weights)];
            let own = rng.chance(0.002);
            let building = if own {
                inp.resident_building.to_owned()
            } else {
                rng.pick(inp.buildings).clone()
            };
            let channel = *rng.weighted(&[
                (Channel::Hotline, 50),
                (Channel::Web, 35),
                (Channel::Api, 10),
                (Channel::Open311, 5),
            ]);
            let phone = format!(
                "{}{:08}",
                datong_domain::synthetic::PHONE_PREFIX,
                rng.below(100_000_000)
            );
            let name = format!(
                "{}{}",
                rng.pick(SURNAMES),
                if rng.chance(0.5) { "女士" } else { "先生" }
            );
            let draft = Draft {
                service_code: code.to_owned(),
                channel: if own { Channel::Web } else { channel },
                point: None,
                place: DivisionCode::parse(&building).ok(),
                address: String::new(),
                description: rng.pick(texts).to_string(),
                reporter_login: own.then(|| inp.resident_login.to_owned()),
                reporter_name: Some(name),
                reporter_phone: Phone::parse(&phone).ok(),
                reporter_email: None,
                device_id: None,
                photos: Vec::new(),
                within: None,
            };
            let actor = Actor {
                login: match draft.channel {
                    Channel::Hotline => "hotline".into(),
                    Channel::Web if own => inp.resident_login.to_owned(),
                    Channel::Web => "resident:web".into(),
                    Channel::Api => "api".into(),
                    Channel::Open311 => "open311:demo".into(),
                },
                at: timestamp(at),
            };
            drafts.push((actor, draft, own));
        }
    }
    let mut open = 0;
    let mut filed = 0;
    // Two hundred requests and their whole workflows in one transaction: each step's own
    // transaction is a savepoint inside it, so the disk is synced per chunk, not per step.
    for chunk in drafts.chunks(200) {
        let batch: Vec<(Actor, Draft)> = chunk
            .iter()
            .map(|(a, d, _)| (a.clone(), d.clone()))
            .collect();
        c.tx(|c| {
            let receipts = intake::receive(c, &batch)?;
            for ((actor, _, own), receipt) in chunk.iter().zip(receipts) {
                let receipt = receipt?;
                filed += 1;
                let received = DateTime::parse_from_rfc3339(&actor.at)
                    .expect("written by timestamp")
                    .with_timezone(&Utc);
                let own = own.then_some(inp.resident_login);
                if work(c, &mut rng, &receipt, received, now, own)?.is_open() {
                    open += 1;
                }
            }
            Ok::<_, StoreError>(())
        })?;
    }
    let scan = Actor {
        login: "system".into(),
        at: timestamp(now),
    };
    workflow::scan(c, &scan, usize::MAX)?;
    Ok(Filed {
        requests: filed,
        open,
    })
}

/// One request's own time line: each step happens some time after the last, unless
/// that is still to come.
struct Steps {
    id: i64,
    t: DateTime<Utc>,
    now: DateTime<Utc>,
    stage: Stage,
}

impl Steps {
    /// Takes `a` as `who` at `after` past the last step; `false` when that lies after now.
    fn take(
        &mut self,
        c: &mut Conn,
        after: Duration,
        mut who: Caller,
        a: Action,
    ) -> Result<Option<Request>, StoreError> {
        let at = self.t + after;
        if at >= self.now {
            return Ok(None);
        }
        self.t = at;
        who.actor.at = timestamp(at);
        let r = workflow::act(c, &who, self.id, &a)?;
        self.stage = r.stage;
        Ok(Some(r))
    }
}

fn reply(text: &str) -> Action {
    Action::Reply {
        text: text.into(),
        photos: Vec::new(),
    }
}

fn verify(passed: bool) -> Action {
    Action::Verify {
        passed,
        note: if passed {
            "现场核查属实"
        } else {
            "问题仍未解决，返工"
        }
        .into(),
    }
}

/// Takes one request as far as its holders would have by `now`; returns where it stands.
fn work(
    c: &mut Conn,
    rng: &mut Rng,
    r: &Receipt,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
    reporter: Option<&str>,
) -> Result<Stage, StoreError> {
    let mut s = Steps {
        id: r.id,
        t: received,
        now,
        stage: r.stage,
    };
    let (Some(tier), Some(mut handler)) = (r.tier, r.handler_code.clone()) else {
        return Ok(s.stage);
    };
    let Some(mut role) = holder(tier) else {
        return Ok(s.stage);
    };
    // 超职责: a grid now and then finds it is not theirs, and it goes up a rung.
    if tier == Tier::Grid && rng.chance(0.05) {
        let decline = Action::Decline {
            reason: "超出网格职责，需社区协调".into(),
        };
        let Some(up) = s.take(c, hours(rng, 0.2, 1.5), caller(role, &handler), decline)? else {
            return Ok(s.stage);
        };
        match (up.tier.and_then(holder), up.handler_code) {
            (Some(r), Some(h)) => (role, handler) = (r, h),
            _ => return Ok(s.stage),
        }
    }
    // Most sign within the two-hour limit; some are late.
    let respond = if rng.chance(0.88) {
        hours(rng, 0.1, 1.9)
    } else {
        hours(rng, 2.1, 6.0)
    };
    if s.take(c, respond, caller(role, &handler), Action::Take)?
        .is_none()
    {
        return Ok(s.stage);
    }
    if rng.chance(0.06) {
        let ask = Action::Extend {
            hours: 48,
            reason: "需协调相关单位，申请延期".into(),
        };
        if s.take(c, hours(rng, 1.0, 12.0), caller(role, &handler), ask)?
            .is_none()
        {
            return Ok(s.stage);
        }
    }
    let (vrole, vlevel) = verifier(handler.level());
    let checker = handler
        .ancestor_at(vlevel)
        .unwrap_or_else(|| handler.clone());
    if s.take(
        c,
        hours(rng, 3.0, 40.0),
        caller(role, &handler),
        reply("已到现场处置完毕"),
    )?
    .is_none()
    {
        return Ok(s.stage);
    }
    // Verification; a failed one means the work is redone.
    let passed = rng.chance(0.93);
    if s.take(
        c,
        hours(rng, 1.0, 20.0),
        caller(vrole, &checker),
        verify(passed),
    )?
    .is_none()
    {
        return Ok(s.stage);
    }
    if !passed {
        if s.take(
            c,
            hours(rng, 3.0, 30.0),
            caller(role, &handler),
            reply("已返工处置"),
        )?
        .is_none()
        {
            return Ok(s.stage);
        }
        if s.take(
            c,
            hours(rng, 1.0, 20.0),
            caller(vrole, &checker),
            verify(true),
        )?
        .is_none()
        {
            return Ok(s.stage);
        }
    }
    if !rng.chance(0.85) {
        return Ok(s.stage);
    }
    // The reporter rates, or the community calls them back and records it.
    let community = handler
        .ancestor_at(Level::Community)
        .unwrap_or_else(|| handler.clone());
    let rater = match reporter {
        Some(login) => Caller::new(
            Actor {
                login: login.to_owned(),
                at: String::new(),
            },
            Vec::new(),
        ),
        None => caller(Role::Community, &community),
    };
    let score = *rng.weighted(&[(5u8, 55), (4, 25), (3, 10), (2, 6), (1, 4)]);
    let rate = Action::Rate {
        score,
        solved: score >= 3,
        text: match score {
            5 => "处理及时，非常满意",
            4 => "基本满意",
            3 => "一般",
            _ => "问题没有真正解决",
        }
        .into(),
    };
    if s.take(c, hours(rng, 2.0, 48.0), rater, rate)?.is_none() {
        return Ok(s.stage);
    }
    if s.stage == Stage::Handling
        && s.take(
            c,
            hours(rng, 3.0, 30.0),
            caller(role, &handler),
            reply("回访后再次处置"),
        )?
        .is_some()
    {
        // Reopened by a bad rating: answered again, then verified.
        s.take(
            c,
            hours(rng, 1.0, 20.0),
            caller(vrole, &checker),
            verify(true),
        )?;
    }
    Ok(s.stage)
}
