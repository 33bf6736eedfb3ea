//! 规范化问责: the escalation ladder for overdue tasks, and the assessment score of a node
//! over a period, with rankings within a level.

use crate::vocab;
use serde::Serialize;

vocab! {
    /// The steps of the ladder, in order: 提醒 → 督办 → 约谈 → 通报.
    pub enum Escalation {
        Reminder => ("reminder", "提醒"),
        Supervision => ("supervision", "督办"),
        Interview => ("interview", "约谈"),
        Notice => ("notice", "通报"),
    }
}

impl Escalation {
    /// The step as stored: 1 for a reminder up to 4 for a public notice.
    pub fn rank(self) -> i64 {
        match self {
            Escalation::Reminder => 1,
            Escalation::Supervision => 2,
            Escalation::Interview => 3,
            Escalation::Notice => 4,
        }
    }

    /// The step stored as `rank`; none for 0 (not escalated) or a number out of range.
    pub fn of_rank(rank: i64) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.rank() == rank)
    }
}

/// When each step is taken: a number of days past the due date. A city sets its own;
/// steps it leaves out are never taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ladder {
    steps: Vec<(Escalation, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    #[error("升级阶梯至少一级")]
    Empty,
    #[error("升级阶梯应按 提醒、督办、约谈、通报 的次序，逾期天数逐级增加")]
    OutOfOrder,
}

impl Ladder {
    pub fn new(mut steps: Vec<(Escalation, u32)>) -> Result<Self, LadderError> {
        if steps.is_empty() {
            return Err(LadderError::Empty);
        }
        let ordered = steps.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1);
        if !ordered {
            return Err(LadderError::OutOfOrder);
        }
        steps.shrink_to_fit();
        Ok(Ladder { steps })
    }

    pub fn steps(&self) -> &[(Escalation, u32)] {
        &self.steps
    }

    /// The highest step due for a task `days_overdue` days past its due date.
    pub fn step_for(&self, days_overdue: i64) -> Option<Escalation> {
        self.steps
            .iter()
            .rev()
            .find(|(_, after)| days_overdue >= i64::from(*after))
            .map(|(s, _)| *s)
    }
}

impl Default for Ladder {
    /// A reminder the first day overdue, supervision after 3 days, an interview after 7,
    /// a public notice after 15.
    fn default() -> Self {
        Ladder {
            steps: vec![
                (Escalation::Reminder, 1),
                (Escalation::Supervision, 3),
                (Escalation::Interview, 7),
                (Escalation::Notice, 15),
            ],
        }
    }
}

/// What a node did with the tasks due in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Targets whose due date fell in the period and has passed, or that are done.
    pub due: u32,
    /// Of those, done on or before the due date.
    pub on_time: u32,
    /// Quality ratings (1–5) given by the senders, their sum and count.
    pub rating_sum: u32,
    pub ratings: u32,
    /// Escalations reached, by step: reminder, supervision, interview, notice.
    pub escalations: [u32; 4],
}

/// How facts become a score out of 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Share of the score from the on-time rate (the rest from quality).
    pub on_time: f64,
    /// Points taken off a score for each escalation at each step.
    pub penalty: [f64; 4],
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            on_time: 0.6,
            penalty: [0.0, 2.0, 5.0, 10.0],
        }
    }
}

/// The score out of 100: the on-time rate and the mean quality rating (out of 5) weighted,
/// less the escalation penalties, never below 0. A node with nothing due has no score;
/// one with no ratings is judged on time alone.
pub fn score(f: &Facts, w: &Weights) -> Option<f64> {
    if f.due == 0 {
        return None;
    }
    let on_time = f64::from(f.on_time) / f64::from(f.due);
    let base = if f.ratings == 0 {
        on_time
    } else {
        let quality = f64::from(f.rating_sum) / f64::from(f.ratings) / 5.0;
        w.on_time * on_time + (1.0 - w.on_time) * quality
    };
    let penalty: f64 = f
        .escalations
        .iter()
        .zip(w.penalty)
        .map(|(n, p)| f64::from(*n) * p)
        .sum();
    Some((100.0 * base - penalty).max(0.0))
}

/// Competition ranks ("1224") of scores, highest first; equal scores (to 0.01) share a
/// rank, and unscored nodes rank after every scored one, together.
pub fn ranks(scores: &[Option<f64>]) -> Vec<u32> {
    let key = |s: Option<f64>| s.map(|v| (v * 100.0).round() as i64);
    scores
        .iter()
        .map(|s| {
            let mine = key(*s);
            1 + scores.iter().filter(|o| key(**o) > mine).count() as u32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder() {
        let l = Ladder::default();
        let got: Vec<&str> = [0, 1, 2, 3, 6, 7, 14, 15, 400]
            .into_iter()
            .map(|d| l.step_for(d).map_or("-", |s| s.as_str()))
            .collect();
        assert_eq!(
            got.join(" "),
            "- reminder reminder supervision supervision interview interview notice notice"
        );
        let short =
            Ladder::new(vec![(Escalation::Supervision, 2), (Escalation::Notice, 5)]).unwrap();
        assert_eq!(short.step_for(1), None);
        assert_eq!(short.step_for(4), Some(Escalation::Supervision));
        assert_eq!(Ladder::new(vec![]), Err(LadderError::Empty));
        for bad in [
            vec![(Escalation::Supervision, 3), (Escalation::Reminder, 5)],
            vec![(Escalation::Reminder, 3), (Escalation::Supervision, 3)],
        ] {
            assert_eq!(Ladder::new(bad), Err(LadderError::OutOfOrder));
        }
    }

    /// `input`: due on_time rating_sum ratings reminders supervisions interviews notices.
    fn check(input: &str, expect: &str) {
        let n: Vec<u32> = input
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        let f = Facts {
            due: n[0],
            on_time: n[1],
            rating_sum: n[2],
            ratings: n[3],
            escalations: [n[4], n[5], n[6], n[7]],
        };
        let got = score(&f, &Weights::default()).map_or("-".into(), |s| format!("{s:.2}"));
        assert_eq!(got, expect, "case: {input}");
    }

    #[test]
    fn scores() {
        check("0 0 0 0 0 0 0 0", "-");
        check("10 10 0 0 0 0 0 0", "100.00");
        check("10 8 0 0 0 0 0 0", "80.00");
        // 0.6 × 0.8 + 0.4 × (4.5 / 5) = 0.84
        check("10 8 45 10 0 0 0 0", "84.00");
        // Reminders cost nothing; a supervision 2, an interview 5.
        check("10 8 45 10 3 1 1 0", "77.00");
        check("4 0 4 4 4 4 4 4", "0.00");
    }

    #[test]
    fn rankings_share_ties_and_put_the_unscored_last() {
        let r = ranks(&[Some(80.0), Some(95.5), None, Some(80.004), Some(60.0), None]);
        assert_eq!(r, vec![2, 1, 5, 2, 4, 5]);
    }
}

/// An assessment period: a year (`2026`), a half-year (`2026-H1`: the district's
/// half-yearly meeting and the half-year report run on these), a quarter (`2026-Q4`) or a
/// month (`2026-11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: chrono::NaiveDate,
    pub last: chrono::NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("考核期应为 年（2026）、半年（2026-H1）、季度（2026-Q4）或 月（2026-11）")]
pub struct PeriodError;

/// The quarter a day falls in, as a period names it (`2026-Q4`): what agency heads are
/// rated for.
pub fn quarter_of(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}-Q{}", day.year(), day.month0() / 3 + 1)
}

impl Period {
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        use chrono::NaiveDate;
        let s = s.trim();
        let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or(PeriodError);
        let year = |y: &str| -> Result<i32, PeriodError> {
            let y: i32 = y.parse().map_err(|_| PeriodError)?;
            (2000..=2100).contains(&y).then_some(y).ok_or(PeriodError)
        };
        let (first, months) = match s.split_once('-') {
            None => (ymd(year(s)?, 1)?, 12),
            Some((y, h)) if h.starts_with('H') => {
                let h: u32 = h[1..].parse().map_err(|_| PeriodError)?;
                if !(1..=2).contains(&h) {
                    return Err(PeriodError);
                }
                (ymd(year(y)?, 6 * h - 5)?, 6)
            }
            Some((y, q)) if q.starts_with('Q') => {
                let q: u32 = q[1..].parse().map_err(|_| PeriodError)?;
                if !(1..=4).contains(&q) {
                    return Err(PeriodError);
                }
                (ymd(year(y)?, 3 * q - 2)?, 3)
            }
            Some((y, m)) if m.len() == 2 => {
                (ymd(year(y)?, m.parse().map_err(|_| PeriodError)?)?, 1)
            }
            _ => return Err(PeriodError),
        };
        let last = first
            .checked_add_months(chrono::Months::new(months))
            .and_then(|d| d.pred_opt())
            .ok_or(PeriodError)?;
        Ok(Period { first, last })
    }
}

#[cfg(test)]
mod period_tests {
    use super::*;

    #[test]
    fn periods() {
        let p = |s: &str| Period::parse(s).map(|p| format!("{} {}", p.first, p.last));
        assert_eq!(p("2026").unwrap(), "2026-01-01 2026-12-31");
        assert_eq!(p("2026-Q4").unwrap(), "2026-10-01 2026-12-31");
        assert_eq!(p("2026-H1").unwrap(), "2026-01-01 2026-06-30");
        assert_eq!(p("2026-H2").unwrap(), "2026-07-01 2026-12-31");
        assert_eq!(p("2024-02").unwrap(), "2024-02-01 2024-02-29");
        for bad in [
            "",
            "26",
            "2026-Q5",
            "2026-H3",
            "2026-H0",
            "2026-13",
            "2026-1",
            "1999",
            "2026-11-01",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
