//! Territory codes: the national statistical division codes (统计用区划代码) and their
//! extension below the community.
//!
//! A code is a materialised path: every ancestor's code is a prefix of it. The lengths are
//! 2 province, 4 city, 6 district/county, 9 street/town, 12 community/village (NBS), then
//! 15 grid (community + 3-digit serial, as Beijing DB11/T 2157), 18 building (grid + 3),
//! 22 household (building + 4). The nation is the empty path, written `CN`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Depth in the territory tree. Names follow the urban words; each level also covers its
/// rural counterpart (county under `District`, town and township under `Street`, village
/// under `Community`), which the node's `Kind` tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Nation,
    Province,
    City,
    District,
    Street,
    Community,
    Grid,
    Building,
    Household,
}

impl Level {
    pub const ALL: [Level; 9] = [
        Level::Nation,
        Level::Province,
        Level::City,
        Level::District,
        Level::Street,
        Level::Community,
        Level::Grid,
        Level::Building,
        Level::Household,
    ];

    /// The code length of this level.
    pub fn code_len(self) -> usize {
        match self {
            Level::Nation => 0,
            Level::Province => 2,
            Level::City => 4,
            Level::District => 6,
            Level::Street => 9,
            Level::Community => 12,
            Level::Grid => 15,
            Level::Building => 18,
            Level::Household => 22,
        }
    }

    pub fn from_code_len(len: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code_len() == len)
    }

    pub fn parent(self) -> Option<Level> {
        let i = Level::ALL.iter().position(|l| *l == self)?;
        i.checked_sub(1).map(|p| Level::ALL[p])
    }

    pub fn child(self) -> Option<Level> {
        let i = Level::ALL.iter().position(|l| *l == self)?;
        Level::ALL.get(i + 1).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Nation => "nation",
            Level::Province => "province",
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
            Level::Building => "building",
            Level::Household => "household",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Levels below the community are made by Datong users, not imported.
    pub fn is_below_community(self) -> bool {
        self > Level::Community
    }
}

/// The finer kind of a node, read from its level and its official name's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Nation,
    Province,
    City,
    District,
    County,
    Street,
    Town,
    Township,
    Community,
    Village,
    Grid,
    Building,
    Household,
}

impl Kind {
    /// Classifies a node by level and name: 县/旗/县级市 are counties beside districts (区);
    /// a 街道 (街道办事处) is a street, 镇 a town, and any other township-level unit (乡,
    /// 苏木, a development zone's 乡级单位, a farm) a township; 村 is a village beside
    /// communities (社区).
    pub fn classify(level: Level, name: &str) -> Kind {
        match level {
            Level::Nation => Kind::Nation,
            Level::Province => Kind::Province,
            Level::City => Kind::City,
            Level::District => {
                if name.ends_with('区') {
                    Kind::District
                } else {
                    Kind::County
                }
            }
            Level::Street => {
                if name.ends_with("街道") || name.ends_with("街道办事处") {
                    Kind::Street
                } else if name.ends_with('镇') {
                    Kind::Town
                } else {
                    Kind::Township
                }
            }
            Level::Community => {
                if name.contains("社区") || name.ends_with("居委会") || name.ends_with("居民委员会")
                {
                    Kind::Community
                } else if name.ends_with("村委会")
                    || name.ends_with("村民委员会")
                    || name.ends_with('村')
                    || name.ends_with("嘎查")
                {
                    Kind::Village
                } else {
                    Kind::Community
                }
            }
            Level::Grid => Kind::Grid,
            Level::Building => Kind::Building,
            Level::Household => Kind::Household,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nation => "nation",
            Kind::Province => "province",
            Kind::City => "city",
            Kind::District => "district",
            Kind::County => "county",
            Kind::Street => "street",
            Kind::Town => "town",
            Kind::Township => "township",
            Kind::Community => "community",
            Kind::Village => "village",
            Kind::Grid => "grid",
            Kind::Building => "building",
            Kind::Household => "household",
        }
    }

    /// The level a kind of node stands at.
    pub fn level(self) -> Level {
        match self {
            Kind::Nation => Level::Nation,
            Kind::Province => Level::Province,
            Kind::City => Level::City,
            Kind::District | Kind::County => Level::District,
            Kind::Street | Kind::Town | Kind::Township => Level::Street,
            Kind::Community | Kind::Village => Level::Community,
            Kind::Grid => Level::Grid,
            Kind::Building => Level::Building,
            Kind::Household => Level::Household,
        }
    }

    pub const ALL: [Kind; 13] = [
        Kind::Nation,
        Kind::Province,
        Kind::City,
        Kind::District,
        Kind::County,
        Kind::Street,
        Kind::Town,
        Kind::Township,
        Kind::Community,
        Kind::Village,
        Kind::Grid,
        Kind::Building,
        Kind::Household,
    ];

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("区划代码只能由数字组成")]
    NotDigits,
    #[error("区划代码长度 {0} 不是 2、4、6、9、12、15、18 或 22 位")]
    BadLength(usize),
}

/// A territory code. The nation is the empty code, written `CN`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode(String);

impl DivisionCode {
    pub const NATION_TEXT: &'static str = "CN";

    pub fn nation() -> Self {
        DivisionCode(String::new())
    }

    pub fn parse(s: &str) -> Result<Self, DivisionCodeError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case(Self::NATION_TEXT) {
            return Ok(Self::nation());
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionCodeError::NotDigits);
        }
        if s.is_empty() {
            return Err(DivisionCodeError::BadLength(0));
        }
        // An all-zero serial is legal: the NBS data itself has 441900 (东莞市 standing in
        // for its own county level) and 350527000 (金门县 placeholders).
        Level::from_code_len(s.len()).ok_or(DivisionCodeError::BadLength(s.len()))?;
        Ok(DivisionCode(s.to_owned()))
    }

    pub fn level(&self) -> Level {
        Level::from_code_len(self.0.len()).expect("length checked at parse")
    }

    pub fn is_nation(&self) -> bool {
        self.0.is_empty()
    }

    /// The path form: the empty string for the nation. This is what storage keeps and
    /// what prefix ranges are built from.
    pub fn as_path(&self) -> &str {
        &self.0
    }

    /// Rebuilds a code from its stored path, which was valid when written.
    pub fn from_path(path: &str) -> Result<Self, DivisionCodeError> {
        if path.is_empty() {
            Ok(Self::nation())
        } else {
            Self::parse(path)
        }
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        self.parent_path().map(|p| DivisionCode(p.to_owned()))
    }

    /// The parent's path (`""` for a province, whose parent is the nation), without
    /// allocating.
    pub fn parent_path(&self) -> Option<&str> {
        let parent = self.level().parent()?;
        Some(&self.0[..parent.code_len()])
    }

    /// Every ancestor from the nation down, then the code itself.
    pub fn lineage(&self) -> Vec<DivisionCode> {
        let mut out = Vec::new();
        let mut cur = Some(self.clone());
        while let Some(c) = cur {
            cur = c.parent();
            out.push(c);
        }
        out.reverse();
        out
    }

    /// This node's ancestor at `level`, or itself at its own level; `None` for a level
    /// below it.
    pub fn ancestor_at(&self, level: Level) -> Option<DivisionCode> {
        let n = level.code_len();
        (n <= self.0.len()).then(|| DivisionCode(self.0[..n].to_owned()))
    }

    /// True when `other` is this node or lies below it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The half-open range `[lo, hi)` of stored paths in this subtree. Paths are ASCII
    /// digits, and ':' sorts right after '9', so `hi` bounds every extension of `lo`.
    pub fn subtree_range(&self) -> (String, String) {
        (self.0.clone(), format!("{}:", self.0))
    }

    /// Code of the child with this serial, e.g. grid 3 of a community.
    pub fn child(&self, serial: u32) -> Option<DivisionCode> {
        let child = self.level().child()?;
        let width = child.code_len() - self.0.len();
        let s = format!("{}{:0width$}", self.0, serial, width = width);
        DivisionCode::parse(&s).ok().filter(|c| c.level() == child)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_nation() {
            f.write_str(Self::NATION_TEXT)
        } else {
            f.write_str(&self.0)
        }
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({self})")
    }
}

impl Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DivisionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DivisionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_length() {
        for (code, level) in [
            ("14", Level::Province),
            ("1402", Level::City),
            ("140213", Level::District),
            ("140213001", Level::Street),
            ("140213001001", Level::Community),
            ("140213001001001", Level::Grid),
            ("140213001001001001", Level::Building),
            ("1402130010010010010001", Level::Household),
        ] {
            assert_eq!(DivisionCode::parse(code).unwrap().level(), level, "{code}");
        }
        assert!(DivisionCode::parse("CN").unwrap().is_nation());
    }

    #[test]
    fn rejects_bad_codes() {
        assert_eq!(
            DivisionCode::parse("1402a"),
            Err(DivisionCodeError::NotDigits)
        );
        assert_eq!(
            DivisionCode::parse("14021"),
            Err(DivisionCodeError::BadLength(5))
        );
        assert_eq!(
            DivisionCode::parse("441900").unwrap().level(),
            Level::District
        );
        assert_eq!(
            DivisionCode::parse(""),
            Err(DivisionCodeError::BadLength(0))
        );
    }

    #[test]
    fn parent_and_lineage_are_prefixes() {
        let c = DivisionCode::parse("140213001001").unwrap();
        assert_eq!(c.parent().unwrap().as_path(), "140213001");
        let lineage: Vec<String> = c.lineage().iter().map(|c| c.to_string()).collect();
        assert_eq!(
            lineage,
            ["CN", "14", "1402", "140213", "140213001", "140213001001"]
        );
        assert!(DivisionCode::nation().contains(&c));
        assert!(!DivisionCode::parse("1401").unwrap().contains(&c));
    }

    #[test]
    fn subtree_range_bounds_extensions() {
        let (lo, hi) = DivisionCode::parse("1402").unwrap().subtree_range();
        for inside in ["1402", "140213", "140299999999"] {
            assert!(lo.as_str() <= inside && inside < hi.as_str(), "{inside}");
        }
        for outside in ["1401", "1403", "14"] {
            assert!(
                !(lo.as_str() <= outside && outside < hi.as_str()),
                "{outside}"
            );
        }
    }

    #[test]
    fn child_serials() {
        let c = DivisionCode::parse("140213001001").unwrap();
        assert_eq!(c.child(7).unwrap().as_path(), "140213001001007");
        assert_eq!(c.child(0).unwrap().as_path(), "140213001001000");
        assert!(c.child(1000).is_none());
    }

    #[test]
    fn kinds_from_names() {
        for (level, name, kind) in [
            (Level::District, "平城区", Kind::District),
            (Level::District, "阳高县", Kind::County),
            (Level::Street, "新华街街道", Kind::Street),
            (Level::Street, "新华街道办事处", Kind::Street),
            (Level::Street, "西坪镇", Kind::Town),
            (Level::Street, "马军营乡", Kind::Township),
            (Level::Street, "经济技术开发区乡级单位", Kind::Township),
            (Level::Community, "文源社区居委会", Kind::Community),
            (Level::Community, "东关村委会", Kind::Village),
        ] {
            assert_eq!(Kind::classify(level, name), kind, "{name}");
        }
    }
}
