//! 两级三责: responsibility lists (权责清单), the gate a task passes to reach a street, and
//! the admission (准入) of an item that is not on a street's list.
//!
//! The seed: the city carries the principal responsibility (主体责任), the district the
//! first (第一责任), the street party working committee the direct one (直接责任). Streets
//! have eight duty areas; 招商引资 and 协税护税 were taken from them. "未列入清单的事项，原则上
//! 不得交由街道承担；区直部门确实需要委托街道承担的行政事务，须书面征求街道意见，按规定程序审核
//! 批准，纳入街道权责清单管理。"
//!
//! Architecture invariant: a task reaches a gated node only with a [`Clearance`], and only
//! [`clear`] makes one.

use crate::division::{Kind, Level};
use crate::vocab;

vocab! {
    /// Whose list an item is on. A level's nodes share a list, except at the street level,
    /// where 街道 and 乡镇 (towns and townships) keep lists of their own: a town's duties
    /// (farmland, villages, the harvest) are not a street's.
    pub enum Holder {
        City => ("city", "市"),
        District => ("district", "区县"),
        Street => ("street", "街道"),
        Town => ("town", "乡镇"),
    }
}

impl Holder {
    /// The list a node of `kind` holds, if its kind holds one.
    pub fn of(kind: Kind) -> Option<Holder> {
        match kind {
            Kind::City => Some(Holder::City),
            Kind::District | Kind::County => Some(Holder::District),
            Kind::Street => Some(Holder::Street),
            Kind::Town | Kind::Township => Some(Holder::Town),
            _ => None,
        }
    }

    /// The level of the nodes that hold this list.
    pub fn level(self) -> Level {
        match self {
            Holder::City => Level::City,
            Holder::District => Level::District,
            Holder::Street | Holder::Town => Level::Street,
        }
    }

    /// Whether a node of `kind` holds this list.
    pub fn holds(self, kind: Kind) -> bool {
        Holder::of(kind) == Some(self)
    }
}

vocab! {
    /// The eight duty areas of a street (街道 8 大职责).
    pub enum DutyArea {
        PartyAndMasses => ("party_and_masses", "党群工作"),
        RegionalDevelopment => ("regional_development", "区域发展"),
        PublicService => ("public_service", "公共服务"),
        UrbanManagement => ("urban_management", "城市管理"),
        CommunityBuilding => ("community_building", "社区建设"),
        Environment => ("environment", "营造环境"),
        CoGovernance => ("co_governance", "促进共治"),
        Stability => ("stability", "维护稳定"),
    }
}

vocab! {
    /// Whose responsibility an item is (三责).
    pub enum Responsibility {
        /// 市委主体责任: leads and guides.
        Principal => ("principal", "主体责任"),
        /// 区委第一责任: organises, resources, inspects.
        First => ("first", "第一责任"),
        /// 街道党工委直接责任: carries it out.
        Direct => ("direct", "直接责任"),
    }
}

impl Responsibility {
    /// The responsibility a list carries: the city's principal, the district's first, and
    /// the direct one of the street working committee or the town committee.
    pub fn of(holder: Holder) -> Self {
        match holder {
            Holder::City => Responsibility::Principal,
            Holder::District => Responsibility::First,
            Holder::Street | Holder::Town => Responsibility::Direct,
        }
    }
}

vocab! {
    /// Whether an item is on the list or was taken off it (kept, so history shows it).
    pub enum ItemState {
        Listed => ("listed", "在列"),
        Removed => ("removed", "已取消"),
    }
}

/// The category of a list item and of a task: what kind of work it is. Lower-case ASCII
/// letters, digits, `.`, `-` and `_`, 1–40 characters, so a city can keep its own scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Category(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("类别代码应为 1–40 位小写字母、数字或 . - _")]
pub struct CategoryError;

impl Category {
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let s = s.trim();
        let ok = (1..=40).contains(&s.len())
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
            });
        if ok {
            Ok(Category(s.to_owned()))
        } else {
            Err(CategoryError)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The category of an item not yet on any list, made from its duty area and the pinyin
    /// initials of its name (`占道经营摊点排查` in urban management is
    /// `urban_management.zdjytdpc`): the same name in the same area makes the same
    /// category, so a task refused at the gate and the admission asked for it meet
    /// without a clerk inventing a code. A name that holds a retired function's
    /// (招商引资, 协税护税) is that function, whatever words surround it.
    pub fn of_new_item(area: DutyArea, name: &str) -> Category {
        if let Some((code, _)) = RETIRED_FUNCTIONS.iter().find(|(_, n)| name.contains(n)) {
            return Category((*code).to_owned());
        }
        let mut initials = crate::initials::initials(name);
        if initials.is_empty() {
            initials.push_str("item");
        }
        let mut code = format!("{}.{initials}", area.as_str());
        code.truncate(40);
        Category(code)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Category::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Functions taken from every street, whatever a city's own list says (the seed: "全面取消
/// 招商引资、协税护税等职能"). A task of these categories is refused at a street and cannot
/// be admitted to one; towns keep them.
pub const RETIRED_FUNCTIONS: [(&str, &str); 2] = [
    ("investment_promotion", "招商引资"),
    ("tax_assistance", "协税护税"),
];

pub fn is_retired_function(c: &Category) -> bool {
    RETIRED_FUNCTIONS
        .iter()
        .any(|(code, _)| *code == c.as_str())
}

/// The list that gates the tasks sent to a node of `kind`: a street's its street list, a
/// town's or township's the town list; other nodes have no gate.
pub fn gate_of(kind: Kind) -> Option<Holder> {
    Holder::of(kind).filter(|h| matches!(h, Holder::Street | Holder::Town))
}

/// What the receiving node's list says of one category: the item that applies there (the
/// most specific one when a district and a street both list it), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListEntry {
    pub item_id: i64,
    pub state: ItemState,
}

vocab! {
    /// Why the gate refused a task.
    pub enum Refusal {
        /// Not on the street's list and not admitted (清单外事项).
        OffList => ("off_list", "不在该街道权责清单内，且未经准入"),
        /// On the list once, taken off since.
        Removed => ("removed", "该事项已从街道权责清单中取消"),
        /// 招商引资, 协税护税: taken from every street.
        Retired => ("retired_function", "该职能已从街道全面取消"),
    }
}

/// Proof that a task may be given to one node: made only by [`clear`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clearance {
    item_id: Option<i64>,
}

impl Clearance {
    /// The list item that let the task through; `None` where the node has no gate.
    pub fn item_id(&self) -> Option<i64> {
        self.item_id
    }
}

/// The gate: may a task of `category` be given to a node of `kind`, whose list says
/// `entry` about that category?
pub fn clear(
    kind: Kind,
    category: &Category,
    entry: Option<ListEntry>,
) -> Result<Clearance, Refusal> {
    let Some(gate) = gate_of(kind) else {
        return Ok(Clearance { item_id: None });
    };
    if gate == Holder::Street && is_retired_function(category) {
        return Err(Refusal::Retired);
    }
    match entry {
        Some(ListEntry {
            item_id,
            state: ItemState::Listed,
        }) => Ok(Clearance {
            item_id: Some(item_id),
        }),
        Some(ListEntry {
            state: ItemState::Removed,
            ..
        }) => Err(Refusal::Removed),
        None => Err(Refusal::OffList),
    }
}

vocab! {
    /// Where a task stands at one receiving node.
    pub enum TargetStatus {
        Open => ("open", "办理中"),
        Done => ("done", "已完成"),
        /// Taken back by its sender at the receiver's plea: no one's work, no one's failure.
        Returned => ("returned", "已退回"),
    }
}

vocab! {
    /// What a receiver asks of a task's sender when it cannot do the task as sent.
    pub enum PleaKind {
        /// A later due date (申请延期).
        Extension => ("extension", "申请延期"),
        /// Taking the task back as not the receiver's to do (退回).
        Return => ("return", "退回"),
    }
}

vocab! {
    /// Where a plea stands: waiting for the sender, then granted or refused with an answer.
    pub enum PleaStage {
        Pending => ("pending", "待审核"),
        Granted => ("granted", "已同意"),
        Refused => ("refused", "未同意"),
    }
}

vocab! {
    /// Where an admission stands: filed by a department, answered by the street in
    /// writing, decided by the approving authority.
    pub enum AdmissionStage {
        Filed => ("filed", "待街道答复"),
        Answered => ("answered", "待审批"),
        Approved => ("approved", "已批准"),
        Rejected => ("rejected", "未批准"),
    }
}

vocab! {
    /// The street's written opinion.
    pub enum Opinion {
        Agree => ("agree", "同意"),
        Disagree => ("disagree", "不同意"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    #[error("招商引资、协税护税等职能已从街道取消，不能准入")]
    RetiredFunction,
    #[error("该事项已在街道权责清单内，无需准入")]
    AlreadyListed,
    #[error("该准入申请{0}，不能再答复")]
    NotAwaitingOpinion(&'static str),
    #[error("该准入申请{0}，不能审批")]
    NotAwaitingDecision(&'static str),
    #[error("街道不同意时，批准须写明理由")]
    OverrideNeedsReason,
}

/// Working days the street has to answer an admission in writing. Weekends are skipped;
/// public holidays are not known to the platform.
pub const OPINION_WORKING_DAYS: u32 = 5;

/// The day the street's written opinion is due, for an admission filed on `filed`.
pub fn opinion_due(filed: chrono::NaiveDate) -> chrono::NaiveDate {
    working_days_after(filed, OPINION_WORKING_DAYS)
}

/// The `n`th working day after `day`, weekends skipped (public holidays are not known).
pub fn working_days_after(day: chrono::NaiveDate, n: u32) -> chrono::NaiveDate {
    use chrono::{Datelike, Weekday};
    let mut day = day;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("a date far from the end of time");
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// May a department ask to put `category` on the list of `holder` (a street's or a
/// town's) that says `entry`?
pub fn may_file(
    holder: Holder,
    category: &Category,
    entry: Option<ListEntry>,
) -> Result<(), AdmissionError> {
    if holder == Holder::Street && is_retired_function(category) {
        return Err(AdmissionError::RetiredFunction);
    }
    match entry {
        Some(ListEntry {
            state: ItemState::Listed,
            ..
        }) => Err(AdmissionError::AlreadyListed),
        _ => Ok(()),
    }
}

/// The street answers: only an admission still waiting for its opinion.
pub fn answer(stage: AdmissionStage) -> Result<AdmissionStage, AdmissionError> {
    match stage {
        AdmissionStage::Filed => Ok(AdmissionStage::Answered),
        s => Err(AdmissionError::NotAwaitingOpinion(s.label())),
    }
}

/// The approving authority decides, once the street has answered; approving over the
/// street's disagreement needs a written reason.
pub fn decide(
    stage: AdmissionStage,
    opinion: Option<Opinion>,
    approve: bool,
    reason: &str,
) -> Result<AdmissionStage, AdmissionError> {
    if stage != AdmissionStage::Answered {
        return Err(AdmissionError::NotAwaitingDecision(stage.label()));
    }
    if approve && opinion == Some(Opinion::Disagree) && reason.trim().is_empty() {
        return Err(AdmissionError::OverrideNeedsReason);
    }
    Ok(if approve {
        AdmissionStage::Approved
    } else {
        AdmissionStage::Rejected
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_items_category_comes_from_its_area_and_name() {
        let c = |area, name| Category::of_new_item(area, name).as_str().to_owned();
        assert_eq!(
            c(DutyArea::UrbanManagement, "占道经营摊点排查"),
            "urban_management.zdjytdpc"
        );
        assert_eq!(
            c(DutyArea::PublicService, "12345 热线回访"),
            "public_service.12345rxhf"
        );
        assert_eq!(c(DutyArea::PublicService, "——"), "public_service.item");
        assert_eq!(
            c(DutyArea::RegionalDevelopment, "协助开展招商引资项目对接"),
            "investment_promotion"
        );
        let long = c(DutyArea::RegionalDevelopment, &"区域发展".repeat(20));
        assert_eq!(long.len(), 40);
        assert!(Category::parse(&long).is_ok());
    }

    /// `input`: kind, category, and what the list says (`-`, `listed`, `removed`);
    /// `expect`: `ok ITEM`, `ok -` (ungated) or the refusal's code.
    fn check(input: &str, expect: &str) {
        let w: Vec<&str> = input.split_whitespace().collect();
        let kind = Kind::parse(w[0]).unwrap();
        let category = Category::parse(w[1]).unwrap();
        let entry = ItemState::parse(w[2]).map(|state| ListEntry { item_id: 7, state });
        let got = match clear(kind, &category, entry) {
            Ok(c) => format!("ok {}", c.item_id().map_or("-".into(), |i| i.to_string())),
            Err(r) => r.as_str().to_owned(),
        };
        assert_eq!(got, expect, "case: {input}");
    }

    #[test]
    fn the_gate() {
        check("street sanitation listed", "ok 7");
        check("street sanitation -", "off_list");
        check("street sanitation removed", "removed");
        check("street investment_promotion listed", "retired_function");
        check("street tax_assistance -", "retired_function");
        check("town farmland listed", "ok 7");
        check("township farmland -", "off_list");
        check("town tax_assistance listed", "ok 7");
        check("town investment_promotion -", "off_list");
        check("community sanitation -", "ok -");
        check("village sanitation -", "ok -");
        check("county investment_promotion -", "ok -");
        check("district investment_promotion -", "ok -");
    }

    #[test]
    fn categories() {
        assert!(Category::parse("ggfw.ylbz-01_a").is_ok());
        assert!(Category::parse(" sanitation ").is_ok());
        for bad in ["", "Sanitation", "环境卫生", "a b", &"x".repeat(41)] {
            assert!(Category::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_admission_path() {
        let sanitation = Category::parse("sanitation").unwrap();
        let retired = Category::parse("investment_promotion").unwrap();
        let listed = Some(ListEntry {
            item_id: 1,
            state: ItemState::Listed,
        });
        let removed = Some(ListEntry {
            item_id: 1,
            state: ItemState::Removed,
        });
        let street = Holder::Street;
        assert_eq!(may_file(street, &sanitation, None), Ok(()));
        assert_eq!(may_file(street, &sanitation, removed), Ok(()));
        assert_eq!(
            may_file(street, &sanitation, listed),
            Err(AdmissionError::AlreadyListed)
        );
        assert_eq!(
            may_file(street, &retired, None),
            Err(AdmissionError::RetiredFunction)
        );
        assert_eq!(may_file(Holder::Town, &retired, None), Ok(()));

        use AdmissionStage::*;
        assert_eq!(answer(Filed), Ok(Answered));
        assert!(answer(Answered).is_err());
        assert!(decide(Filed, None, true, "").is_err());
        assert_eq!(
            decide(Answered, Some(Opinion::Agree), true, ""),
            Ok(Approved)
        );
        assert_eq!(
            decide(Answered, Some(Opinion::Disagree), true, " "),
            Err(AdmissionError::OverrideNeedsReason)
        );
        assert_eq!(
            decide(Answered, Some(Opinion::Disagree), true, "全区统一部署"),
            Ok(Approved)
        );
        assert_eq!(
            decide(Answered, Some(Opinion::Disagree), false, ""),
            Ok(Rejected)
        );
        assert!(decide(Approved, Some(Opinion::Agree), false, "").is_err());
    }

    #[test]
    fn opinions_are_due_in_five_working_days() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // Thursday → the next Thursday; Saturday → the next Friday.
        assert_eq!(opinion_due(d("2026-11-26")), d("2026-12-03"));
        assert_eq!(opinion_due(d("2026-11-28")), d("2026-12-04"));
        assert_eq!(opinion_due(d("2026-11-30")), d("2026-12-07"));
    }

    #[test]
    fn vocabularies_read_ids_and_labels() {
        assert_eq!(DutyArea::ALL.len(), 8);
        assert_eq!(DutyArea::from_label("维护稳定"), Some(DutyArea::Stability));
        assert_eq!(DutyArea::from_label("stability"), Some(DutyArea::Stability));
        assert_eq!(DutyArea::parse("维护稳定"), None);
        assert_eq!(
            serde_json::to_string(&Responsibility::Direct).unwrap(),
            "\"direct\""
        );
        assert!(serde_json::from_str::<Responsibility>("\"main\"").is_err());
        assert_eq!(Responsibility::of(Holder::Town), Responsibility::Direct);
        assert_eq!(Holder::of(Kind::Township), Some(Holder::Town));
        assert_eq!(Holder::of(Kind::County), Some(Holder::District));
        assert_eq!(Holder::of(Kind::Village), None);
        assert_eq!(Holder::Town.level(), Level::Street);
    }
}
