//! Synthetic party members: names, sex, ethnicity, age, education and joining dates drawn
//! to look like a city's membership, with numbers that mark themselves as test data.
//!
//! Shares follow the Organisation Department's published membership statistics (中共中央
//! 组织部《中国共产党党内统计公报》): women 29.4% and 大专及以上 53.2% of members at the end
//! of 2021; the age bands of the 2018 bulletin (30 and under 14.1%, 31–35 10.4%, 36–40
//! 9.5%, 41–45 9.5%, 46–50 10.3%, 51–55 10.1%, 56–60 7.5%, 61 and over 28.7%).

use crate::rng::Rng;
use chrono::{Datelike, Months, NaiveDate};
use datong_domain::member::{Education, MemberStatus};
use datong_domain::{id_number, synthetic};
use std::collections::HashMap;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚",
    "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
    "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武", "乔",
    "贺", "赖", "龚", "文", "牛", "温", "芦", "樊", "兰", "殷", "申", "霍", "耿", "闫", "梁", "庞",
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宁", "健", "志", "建", "国", "俊", "峰", "亮", "海", "宇", "浩", "凯", "晨", "博",
    "文", "武", "德", "成", "忠", "民", "利", "福", "山", "林", "龙", "兵", "东", "新", "永", "力",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "红", "燕", "萍", "梅",
    "琳", "丹", "雪", "慧", "颖", "婷", "洁", "莉", "倩", "欣", "悦", "佳", "彤", "琪", "晶", "兰",
    "凤", "云", "珍", "玉", "春", "荣", "君", "蓉", "月", "菊", "素", "华", "文", "宁", "平", "新",
];
const ETHNICITIES: &[(&str, u32)] = &[("汉族", 980), ("回族", 10), ("蒙古族", 5), ("满族", 5)];
const MOBILE_PLACES: &[&str] = &[
    "北京市",
    "天津市",
    "太原市",
    "呼和浩特市",
    "石家庄市",
    "鄂尔多斯市",
];

/// Where a member stands in life, which shapes age, education and work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Works in an agency, institution or company whose organisation they belong to.
    InService,
    /// Retired, or otherwise organised where they live (grid and village branches).
    Resident,
    /// Lives and works in a village.
    Villager,
}

pub struct Person {
    pub name: String,
    pub sex: &'static str,
    pub ethnicity: &'static str,
    pub birth_date: NaiveDate,
    pub id_number: String,
    pub education: Education,
    pub joined_on: NaiveDate,
    pub full_on: Option<NaiveDate>,
    pub status: MemberStatus,
    pub phone: String,
    pub mobile_note: Option<String>,
    pub last_activity_on: NaiveDate,
}

/// Hands out ID sequence numbers so that no two people share a number.
#[derive(Default)]
pub struct IdRegistry(HashMap<(String, NaiveDate, bool), u32>);

impl IdRegistry {
    fn next(&mut self, region: &str, birth: NaiveDate, male: bool) -> Option<u32> {
        let n = self.0.entry((region.to_owned(), birth, male)).or_insert(0);
        // Sequence 001–999, odd for men and even for women (GB 11643).
        let seq = *n * 2 + if male { 1 } else { 2 };
        *n += 1;
        (seq <= 999).then_some(seq)
    }
}

fn age_band(rng: &mut Rng, walk: Walk) -> (u32, u32) {
    match walk {
        // Working age: the bulletin's bands up to 60.
        Walk::InService => *rng.weighted(&[
            ((23, 30), 141),
            ((31, 35), 104),
            ((36, 40), 95),
            ((41, 45), 95),
            ((46, 50), 103),
            ((51, 55), 101),
            ((56, 60), 75),
        ]),
        Walk::Resident => *rng.weighted(&[
            ((25, 54), 15),
            ((55, 60), 10),
            ((61, 75), 50),
            ((76, 92), 25),
        ]),
        Walk::Villager => *rng.weighted(&[
            ((25, 45), 20),
            ((46, 60), 35),
            ((61, 80), 40),
            ((81, 92), 5),
        ]),
    }
}

fn education(rng: &mut Rng, walk: Walk, age: u32) -> Education {
    use Education::*;
    let weights: &[(Education, u32)] = match (walk, age) {
        (Walk::InService, _) if age < 40 => &[
            (SeniorSecondary, 3),
            (Vocational, 3),
            (Associate, 20),
            (Bachelor, 55),
            (Master, 17),
            (Doctor, 2),
        ],
        (Walk::InService, _) => &[
            (JuniorSecondary, 4),
            (SeniorSecondary, 10),
            (Vocational, 8),
            (Associate, 28),
            (Bachelor, 42),
            (Master, 7),
            (Doctor, 1),
        ],
        (Walk::Villager, _) => &[
            (Primary, 22),
            (JuniorSecondary, 45),
            (SeniorSecondary, 18),
            (Vocational, 6),
            (Associate, 7),
            (Bachelor, 2),
        ],
        (Walk::Resident, _) if age < 61 => &[
            (JuniorSecondary, 10),
            (SeniorSecondary, 20),
            (Vocational, 10),
            (Associate, 30),
            (Bachelor, 28),
            (Master, 2),
        ],
        (Walk::Resident, _) => &[
            (Primary, 10),
            (JuniorSecondary, 22),
            (SeniorSecondary, 25),
            (Vocational, 12),
            (Associate, 18),
            (Bachelor, 12),
            (Master, 1),
        ],
    };
    *rng.weighted(weights)
}

fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(years * 12))
        .expect("within the calendar")
}

/// A Chinese name: a common surname and one or two given characters.
pub fn name(rng: &mut Rng, male: bool) -> String {
    let surname = rng.pick(SURNAMES);
    let given = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    if rng.chance(0.7) {
        format!("{surname}{}{}", rng.pick(given), rng.pick(given))
    } else {
        format!("{surname}{}", rng.pick(given))
    }
}

/// Draws one member. `district` is the real district whose synthetic region the ID uses.
pub fn person(
    rng: &mut Rng,
    ids: &mut IdRegistry,
    walk: Walk,
    district: &str,
    today: NaiveDate,
) -> Person {
    let male = !rng.chance(0.294);
    let ethnicity = *rng.weighted(ETHNICITIES);
    let region = synthetic::region_for(district);
    let (mut birth_date, mut seq);
    loop {
        let (lo, hi) = age_band(rng, walk);
        let age = rng.range(lo, hi);
        birth_date = years_before(today, age) - chrono::Duration::days(rng.below(365) as i64);
        seq = ids.next(&region, birth_date, male);
        if seq.is_some() {
            break;
        }
    }
    let age = today.years_since(birth_date).unwrap_or(0);
    let first17 = format!(
        "{region}{}{:03}",
        birth_date.format("%Y%m%d"),
        seq.expect("found")
    );
    let id_number = format!(
        "{first17}{}",
        id_number::check_char(first17.as_bytes()) as char
    );
    let name = name(rng, male);

    // Most joined between 18 and 35; a few are still on probation (up to a year).
    let probationary = age < 45 && rng.chance(0.06);
    let (joined_on, full_on, status) = if probationary {
        let joined = today - chrono::Duration::days(rng.range(10, 360).into());
        (joined, None, MemberStatus::Probationary)
    } else {
        let joined_age = rng.range(18, 35.min(age.saturating_sub(1)).max(18));
        let joined = years_before(today, age - joined_age.min(age))
            .with_day(1)
            .unwrap_or(today)
            .min(today - chrono::Duration::days(400));
        let joined = joined.max(birth_date + chrono::Duration::days(18 * 366));
        let full = joined
            .checked_add_months(Months::new(12))
            .expect("within the calendar");
        (joined, Some(full), MemberStatus::Full)
    };
    let phone = format!("{}{:08}", synthetic::PHONE_PREFIX, rng.below(100_000_000));
    let mobile_note = (walk != Walk::InService && age < 60 && rng.chance(0.06))
        .then(|| format!("外出务工：{}", rng.pick(MOBILE_PLACES)));
    // Branches meet monthly; a few members have not been seen for over half a year.
    let last_activity_on = if rng.chance(0.015) {
        today - chrono::Duration::days(rng.range(190, 400).into())
    } else {
        today - chrono::Duration::days(rng.range(1, 60).into())
    };
    Person {
        name,
        sex: if male { "male" } else { "female" },
        ethnicity,
        birth_date,
        id_number,
        education: education(rng, walk, age),
        joined_on,
        full_on,
        status,
        phone,
        mobile_note,
        last_activity_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datong_domain::IdNumber;

    #[test]
    fn people_are_valid_and_marked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut rng = Rng::new(1);
        let mut ids = IdRegistry::default();
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            let walk = [Walk::InService, Walk::Resident, Walk::Villager][i % 3];
            let p = person(&mut rng, &mut ids, walk, "140213", today);
            let id = IdNumber::parse(&p.id_number).unwrap();
            assert!(synthetic::is_synthetic_id(&id));
            assert_eq!(id.birth_date(), p.birth_date);
            assert_eq!(id.sex().as_str(), p.sex);
            assert!(seen.insert(p.id_number.clone()), "unique");
            let age = today.years_since(p.birth_date).unwrap();
            assert!((18..=95).contains(&age), "{age}");
            assert!(
                p.joined_on <= today
                    && p.joined_on >= p.birth_date + chrono::Duration::days(18 * 365)
            );
            if let Some(full) = p.full_on {
                assert!(full <= today, "{full}");
            }
            assert!(p.phone.starts_with("100") && p.phone.len() == 11);
        }
    }
}
