//! 接诉即办: a resident's request (诉求), the steps it goes through, who answers it and
//! where it climbs when they do not, and how answering is judged.
//!
//! The steps (DESIGN §2 C5): 受理 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价. A request's
//! [`Stage`] is the last step done; 核查 is an event, not a stage: passing it closes the
//! request (结案) at once, failing it sends the request back to its handler (返工), as does
//! a bad rating.

use crate::vocab;
use serde::Serialize;

vocab! {
    /// The last step done on a request.
    pub enum Stage {
        /// Registered, not yet with anyone (no route matched its place and service).
        Accepted => ("accepted", "受理"),
        /// With a handler, who has not yet signed for it.
        Dispatched => ("dispatched", "派遣"),
        /// The handler signed for it and is working on it.
        Handling => ("handling", "处置"),
        /// The handler reported the result; it waits for verification.
        Replied => ("replied", "反馈"),
        /// Verified and closed; the reporter may rate it.
        Closed => ("closed", "结案"),
        /// The reporter rated it well enough to stay closed.
        Rated => ("rated", "评价"),
    }
}

impl Stage {
    /// Open311's two statuses.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Closed | Stage::Rated)
    }
}

vocab! {
    /// Who holds a request, from the bottom of the ladder to the top.
    pub enum Tier {
        Grid => ("grid", "网格"),
        Community => ("community", "社区"),
        Street => ("street", "街道"),
        /// A department of the district, summoned by the street (吹哨报到).
        Department => ("department", "职能部门"),
        /// The agenda of the community's 大党委 or the street's 大工委 (联席会议).
        Agenda => ("agenda", "联席会议"),
    }
}

impl Tier {
    /// The next rung up: where a request goes when this tier does not answer in time or
    /// says it is not its duty (超职责).
    pub fn above(self) -> Option<Tier> {
        match self {
            Tier::Grid => Some(Tier::Community),
            Tier::Community => Some(Tier::Street),
            Tier::Street => Some(Tier::Department),
            Tier::Department => Some(Tier::Agenda),
            Tier::Agenda => None,
        }
    }

    /// The territory level that holds a request at this tier, for the tiers that are
    /// territory nodes.
    pub fn level(self) -> Option<crate::Level> {
        match self {
            Tier::Grid => Some(crate::Level::Grid),
            Tier::Community => Some(crate::Level::Community),
            Tier::Street => Some(crate::Level::Street),
            Tier::Department | Tier::Agenda => None,
        }
    }
}

vocab! {
    /// How a request came in.
    pub enum Channel {
        Web => ("web", "居民网页"),
        Hotline => ("hotline", "热线"),
        Api => ("api", "接口"),
        Open311 => ("open311", "Open311"),
    }
}

vocab! {
    /// What happened to a request: its history, one row an event.
    pub enum Event {
        Received => ("received", "受理"),
        Dispatched => ("dispatched", "派遣"),
        Taken => ("taken", "签收处置"),
        Declined => ("declined", "超职责退回"),
        Replied => ("replied", "反馈"),
        Verified => ("verified", "核查通过"),
        Rejected => ("rejected", "核查不通过"),
        Closed => ("closed", "结案"),
        Rated => ("rated", "评价"),
        Reopened => ("reopened", "返工"),
        Extended => ("extended", "延期"),
        Escalated => ("escalated", "升级"),
        Summoned => ("summoned", "吹哨"),
        Tabled => ("tabled", "提交联席会议"),
    }
}

/// What someone asks to do to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// A dispatcher hands it to a handler (again).
    Dispatch,
    /// The handler signs for it.
    Take,
    /// The handler says it is not their duty; it goes on up.
    Decline,
    /// The handler reports the result.
    Reply,
    /// The verifier passes the result (closing the request) or fails it (返工).
    Verify { passed: bool },
    /// The reporter rates; a bad rating reopens the request.
    Rate { score: u8 },
    /// The handler takes more time.
    Extend,
    /// It climbs a rung: the time limit passed, or a handler asked.
    Escalate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("诉求在「{0}」阶段，不能{1}")]
    WrongStage(&'static str, &'static str),
    #[error("评分应为 1 至 5")]
    BadScore,
    #[error("已到联席会议，不能再升级")]
    Top,
}

/// A rating at or below this reopens the request (返工).
pub const REOPEN_AT_OR_BELOW: u8 = 2;
/// A rating at or above this counts as satisfied (满意).
pub const SATISFIED_FROM: u8 = 4;

impl Act {
    fn verb(self) -> &'static str {
        match self {
            Act::Dispatch => "派遣",
            Act::Take => "签收",
            Act::Decline => "退回",
            Act::Reply => "反馈",
            Act::Verify { .. } => "核查",
            Act::Rate { .. } => "评价",
            Act::Extend => "延期",
            Act::Escalate => "升级",
        }
    }
}

/// The stage after `act`, or why it cannot be done now. Which tier comes next and who
/// may act are the store's: this is the order of the steps alone.
pub fn next_stage(stage: Stage, act: Act) -> Result<Stage, Refusal> {
    use Stage::*;
    let refuse = || Err(Refusal::WrongStage(stage.label(), act.verb()));
    match (act, stage) {
        (Act::Dispatch, Accepted | Dispatched | Handling) => Ok(Dispatched),
        (Act::Take, Dispatched) => Ok(Handling),
        (Act::Decline | Act::Escalate, Dispatched | Handling) => Ok(Dispatched),
        (Act::Reply | Act::Extend, Handling) => {
            Ok(if act == Act::Reply { Replied } else { Handling })
        }
        (Act::Verify { passed }, Replied) => Ok(if passed { Closed } else { Handling }),
        (Act::Rate { score }, Closed) if !(1..=5).contains(&score) => Err(Refusal::BadScore),
        (Act::Rate { score }, Closed) => Ok(if score <= REOPEN_AT_OR_BELOW {
            Handling
        } else {
            Rated
        }),
        _ => refuse(),
    }
}

/// Time limits (hours) that hold for every service; a service sets its own time to
/// resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Limits {
    /// From dispatch to the handler signing for it (响应).
    pub respond_hours: u32,
    /// From the reply to its verification.
    pub verify_hours: u32,
    /// How long an extension adds, at most.
    pub extend_hours: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            respond_hours: 2,
            verify_hours: 24,
            extend_hours: 72,
        }
    }
}

vocab! {
    /// What the tallies count, each against the month a request was received in.
    pub enum Measure {
        Received => ("received", "受理量"),
        /// Signed for within the response limit of its first dispatch.
        Responded => ("responded", "按时响应"),
        Closed => ("closed", "结案"),
        /// Closed the first time by its due time.
        ClosedOnTime => ("closed_on_time", "按期结案"),
        /// Sent back at least once.
        Reworked => ("reworked", "返工"),
        /// Given more time at least once.
        Extended => ("extended", "延期"),
        Rated => ("rated", "已评价"),
        /// The reporter said it was solved.
        Solved => ("solved", "已解决"),
        /// Rated 4 or 5.
        Satisfied => ("satisfied", "满意"),
    }
}

/// A node's counts over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub received: i64,
    pub responded: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub reworked: i64,
    pub extended: i64,
    pub rated: i64,
    pub solved: i64,
    pub satisfied: i64,
}

impl Tally {
    pub fn add(&mut self, m: Measure, n: i64) {
        let slot = match m {
            Measure::Received => &mut self.received,
            Measure::Responded => &mut self.responded,
            Measure::Closed => &mut self.closed,
            Measure::ClosedOnTime => &mut self.closed_on_time,
            Measure::Reworked => &mut self.reworked,
            Measure::Extended => &mut self.extended,
            Measure::Rated => &mut self.rated,
            Measure::Solved => &mut self.solved,
            Measure::Satisfied => &mut self.satisfied,
        };
        *slot += n;
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.received += o.received;
        self.responded += o.responded;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.reworked += o.reworked;
        self.extended += o.extended;
        self.rated += o.rated;
        self.solved += o.solved;
        self.satisfied += o.satisfied;
    }
}

/// The weights of the composite score (响应, 解决, 满意), in percent, summing to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Weights {
    pub response: u32,
    pub resolution: u32,
    pub satisfaction: u32,
}

impl Default for Weights {
    /// 30/35/35.
    fn default() -> Self {
        Weights {
            response: 30,
            resolution: 35,
            satisfaction: 35,
        }
    }
}

impl Weights {
    pub fn new(response: u32, resolution: u32, satisfaction: u32) -> Result<Self, &'static str> {
        if response + resolution + satisfaction != 100 {
            return Err("三项权重之和应为 100");
        }
        Ok(Weights {
            response,
            resolution,
            satisfaction,
        })
    }
}

/// The rates of a tally, in percent; `None` where nothing was there to count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// 响应率: responded in time / received.
    pub response: Option<f64>,
    /// 解决率: solved / rated (the reporter's word).
    pub resolution: Option<f64>,
    /// 满意率: satisfied / rated.
    pub satisfaction: Option<f64>,
    /// The weighted sum of the three; `None` until all three exist.
    pub composite: Option<f64>,
    /// 结案率: closed / received.
    pub closure: Option<f64>,
    /// 按期结案率: closed on time / closed.
    pub on_time_closure: Option<f64>,
    /// 返工率: reworked / closed.
    pub rework: Option<f64>,
    /// 延期率: extended / received.
    pub extension: Option<f64>,
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

pub fn rates(t: &Tally, w: &Weights) -> Rates {
    let response = percent(t.responded, t.received);
    let resolution = percent(t.solved, t.rated);
    let satisfaction = percent(t.satisfied, t.rated);
    let composite = match (response, resolution, satisfaction) {
        (Some(a), Some(b), Some(c)) => Some(
            (a * f64::from(w.response)
                + b * f64::from(w.resolution)
                + c * f64::from(w.satisfaction))
                / 100.0,
        ),
        _ => None,
    };
    Rates {
        response,
        resolution,
        satisfaction,
        composite,
        closure: percent(t.closed, t.received),
        on_time_closure: percent(t.closed_on_time, t.closed),
        rework: percent(t.reworked, t.closed),
        extension: percent(t.extended, t.received),
    }
}

/// A point in WGS 84: what a request's place is given as. Only a real place can be held.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    #[error("纬度应在 -90 至 90 之间")]
    Latitude,
    #[error("经度应在 -180 至 180 之间")]
    Longitude,
}

impl Point {
    pub fn new(lat: f64, lon: f64) -> Result<Self, PointError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(PointError::Latitude);
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(PointError::Longitude);
        }
        Ok(Point { lon, lat })
    }

    /// The square of the lookup grid this point falls in: 0.01° a side (about a
    /// kilometre), named `lon:lat` in hundredths.
    pub fn cell(self) -> String {
        cell_name(
            (self.lon * 100.0).floor() as i64,
            (self.lat * 100.0).floor() as i64,
        )
    }
}

fn cell_name(x: i64, y: i64) -> String {
    format!("{x}:{y}")
}

/// A polygon's outer ring as GeoJSON stores it: `[[[lon, lat], …]]`. Holes are not kept
/// by the places we draw, so only the first ring counts.
pub fn ring_of(geojson: &str) -> Option<Vec<Point>> {
    let rings: Vec<Vec<[f64; 2]>> = serde_json::from_str(geojson).ok()?;
    let ring = rings.into_iter().next()?;
    (ring.len() >= 3).then(|| {
        ring.into_iter()
            .map(|[lon, lat]| Point { lon, lat })
            .collect()
    })
}

/// Whether `p` lies inside `ring` (even-odd rule; a point on an edge may go either way).
pub fn contains(ring: &[Point], p: Point) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[j]);
        if (a.lat > p.lat) != (b.lat > p.lat)
            && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The lookup squares a ring's bounding box touches: where a point inside it may fall.
pub fn cells_of(ring: &[Point]) -> Vec<String> {
    let lo_x = ring
        .iter()
        .map(|p| (p.lon * 100.0).floor() as i64)
        .min()
        .unwrap_or(0);
    let hi_x = ring
        .iter()
        .map(|p| (p.lon * 100.0).floor() as i64)
        .max()
        .unwrap_or(-1);
    let lo_y = ring
        .iter()
        .map(|p| (p.lat * 100.0).floor() as i64)
        .min()
        .unwrap_or(0);
    let hi_y = ring
        .iter()
        .map(|p| (p.lat * 100.0).floor() as i64)
        .max()
        .unwrap_or(-1);
    (lo_x..=hi_x)
        .flat_map(|x| (lo_y..=hi_y).map(move |y| cell_name(x, y)))
        .collect()
}

/// At most this many photos go with a request or a reply.
pub const MAX_PHOTOS: usize = 4;
/// The largest photo: 5 MiB, a phone's picture.
pub const MAX_PHOTO_BYTES: usize = 5 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("照片为空")]
    Empty,
    #[error("照片超过 5 MB")]
    TooLarge,
    #[error("只接受 JPEG 或 PNG 照片")]
    WrongType,
}

/// The media type of a photo, told by its bytes, if it is one we keep.
pub fn photo_type(bytes: &[u8]) -> Result<&'static str, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else {
        Err(PhotoError::WrongType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input`: a stage and an act; `expect`: the next stage or the refusal.
    fn check(input: &str, expect: &str) {
        let (stage, act) = input.split_once(' ').unwrap();
        let act = match act {
            "dispatch" => Act::Dispatch,
            "take" => Act::Take,
            "decline" => Act::Decline,
            "reply" => Act::Reply,
            "pass" => Act::Verify { passed: true },
            "fail" => Act::Verify { passed: false },
            "extend" => Act::Extend,
            "escalate" => Act::Escalate,
            rate => Act::Rate {
                score: rate.trim_start_matches("rate").parse().unwrap(),
            },
        };
        let got = match next_stage(Stage::parse(stage).unwrap(), act) {
            Ok(s) => s.as_str().to_owned(),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn the_steps() {
        for (input, expect) in [
            ("accepted dispatch", "dispatched"),
            ("accepted take", "诉求在「受理」阶段，不能签收"),
            ("dispatched take", "handling"),
            ("dispatched reply", "诉求在「派遣」阶段，不能反馈"),
            ("dispatched decline", "dispatched"),
            ("handling escalate", "dispatched"),
            ("handling extend", "handling"),
            ("handling reply", "replied"),
            ("replied pass", "closed"),
            ("replied fail", "handling"),
            ("closed rate1", "handling"),
            ("closed rate2", "handling"),
            ("closed rate3", "rated"),
            ("closed rate5", "rated"),
            ("closed rate6", "评分应为 1 至 5"),
            ("closed rate0", "评分应为 1 至 5"),
            ("rated rate1", "诉求在「评价」阶段，不能评价"),
            ("closed escalate", "诉求在「结案」阶段，不能升级"),
            ("replied take", "诉求在「反馈」阶段，不能签收"),
        ] {
            check(input, expect);
        }
    }

    #[test]
    fn the_ladder_climbs_to_the_joint_meeting() {
        let mut t = Tier::Grid;
        let mut seen = vec![t.as_str()];
        while let Some(up) = t.above() {
            seen.push(up.as_str());
            t = up;
        }
        assert_eq!(seen.join(" "), "grid community street department agenda");
    }

    #[test]
    fn rates_on_a_known_tally() {
        let t = Tally {
            received: 200,
            responded: 180,
            closed: 160,
            closed_on_time: 120,
            reworked: 16,
            extended: 10,
            rated: 100,
            solved: 80,
            satisfied: 70,
        };
        let r = rates(&t, &Weights::default());
        assert_eq!(r.response, Some(90.0));
        assert_eq!(r.resolution, Some(80.0));
        assert_eq!(r.satisfaction, Some(70.0));
        // 0.30 × 90 + 0.35 × 80 + 0.35 × 70 = 27 + 28 + 24.5
        assert_eq!(r.composite, Some(79.5));
        assert_eq!(r.closure, Some(80.0));
        assert_eq!(r.on_time_closure, Some(75.0));
        assert_eq!(r.rework, Some(10.0));
        assert_eq!(r.extension, Some(5.0));
        let even = rates(&t, &Weights::new(40, 30, 30).unwrap());
        assert_eq!(even.composite, Some(36.0 + 24.0 + 21.0));
        assert_eq!(
            rates(&Tally::default(), &Weights::default()).composite,
            None
        );
        assert!(Weights::new(30, 30, 30).is_err());
    }

    #[test]
    fn points_and_polygons() {
        assert_eq!(Point::new(91.0, 0.0), Err(PointError::Latitude));
        assert_eq!(Point::new(0.0, -180.5), Err(PointError::Longitude));
        assert!(Point::new(f64::NAN, 0.0).is_err());
        let ring = ring_of(
            "[[[113.30,40.08],[113.31,40.08],[113.31,40.09],[113.30,40.09],[113.30,40.08]]]",
        )
        .unwrap();
        let p = |lat, lon| Point::new(lat, lon).unwrap();
        assert!(contains(&ring, p(40.085, 113.305)));
        assert!(!contains(&ring, p(40.095, 113.305)));
        assert!(!contains(&ring, p(40.085, 113.315)));
        assert_eq!(p(40.085, 113.305).cell(), "11330:4008");
        assert!(cells_of(&ring).contains(&p(40.085, 113.305).cell()));
        assert_eq!(cells_of(&ring).len(), 4);
        assert_eq!(ring_of("[[[1,2],[3,4]]]"), None);
        assert_eq!(ring_of("nonsense"), None);
    }

    #[test]
    fn photos_are_told_by_their_bytes() {
        assert_eq!(photo_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\n..."), Ok("image/png"));
        assert_eq!(photo_type(b"%PDF-1.7"), Err(PhotoError::WrongType));
        assert_eq!(photo_type(b""), Err(PhotoError::Empty));
        assert_eq!(
            photo_type(&vec![0xFF; MAX_PHOTO_BYTES + 1]),
            Err(PhotoError::TooLarge)
        );
    }
}
