//! The street: its offices and centres (5+2+1), and its five powers over the district's
//! agencies and decisions (the seed: "赋予街道对区职能部门派出机构负责人的管理考核权和任免征得
//! 同意权、城市建设重大项目的规划参与权、辖区需多部门协调解决事项的综合管理权和区域内事关群众利益
//! 重大决策的建议权").

use crate::vocab;

vocab! {
    /// What a unit of the street's structure is.
    pub enum OfficeKind {
        Office => ("office", "办公室"),
        Centre => ("centre", "中心"),
        Station => ("station", "站所"),
    }
}

vocab! {
    /// The street's rating of an agency head for a period (管理考核权).
    pub enum Grade {
        Excellent => ("excellent", "优秀"),
        Competent => ("competent", "称职"),
        BasicallyCompetent => ("basically_competent", "基本称职"),
        Incompetent => ("incompetent", "不称职"),
    }
}

vocab! {
    /// Appointing or removing an agency head (任免).
    pub enum Appointment {
        Appoint => ("appoint", "任命"),
        Remove => ("remove", "免职"),
    }
}

vocab! {
    /// Written exchanges with a time limit between district and street.
    pub enum ConsultationKind {
        /// The district consults the street on a major construction project (规划参与权).
        Planning => ("planning", "规划参与"),
        /// The street advises the district on a major decision (建议权).
        Advice => ("advice", "重大决策建议"),
    }
}

/// Working days the other side has to answer a consultation in writing.
pub const CONSULTATION_WORKING_DAYS: u32 = 10;

/// The head an agency has once a consented appointment takes effect: consent is what
/// makes it take effect, so without it the head stays as it was.
pub fn head_after(
    current: Option<&str>,
    action: Appointment,
    person: &str,
    consented: bool,
) -> Option<String> {
    match (consented, action) {
        (false, _) => current.map(str::to_owned),
        (true, Appointment::Appoint) => Some(person.to_owned()),
        (true, Appointment::Remove) if current == Some(person) => None,
        (true, Appointment::Remove) => current.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_is_what_changes_a_head() {
        assert_eq!(head_after(None, Appointment::Appoint, "王", false), None);
        assert_eq!(
            head_after(None, Appointment::Appoint, "王", true).as_deref(),
            Some("王")
        );
        assert_eq!(
            head_after(Some("李"), Appointment::Appoint, "王", false).as_deref(),
            Some("李")
        );
        assert_eq!(
            head_after(Some("王"), Appointment::Remove, "王", true),
            None
        );
        assert_eq!(
            head_after(Some("王"), Appointment::Remove, "王", false).as_deref(),
            Some("王")
        );
        assert_eq!(
            head_after(Some("李"), Appointment::Remove, "王", true).as_deref(),
            Some("李")
        );
    }
}
