//! The pages' words in Simplified Chinese (the default) and English. One struct a
//! language, so a missing translation is a compile error.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

pub const LANG_COOKIE: &str = "datong_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language cookie, else Chinese.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v))
            .unwrap_or(Lang::Zh)
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

pub struct Text {
    pub product: &'static str,
    pub login: &'static str,
    pub login_name: &'static str,
    pub password: &'static str,
    pub log_in: &'static str,
    pub log_out: &'static str,
    pub login_failed: &'static str,
    pub other_language: &'static str,
    pub overview: &'static str,
    pub members: &'static str,
    pub orgs: &'static str,
    pub units: &'static str,
    pub households: &'static str,
    pub grids: &'static str,
    pub buildings: &'static str,
    pub communities: &'static str,
    pub full: &'static str,
    pub probationary: &'static str,
    pub coverage_non_public: &'static str,
    pub coverage_social: &'static str,
    pub by_age: &'static str,
    pub by_education: &'static str,
    pub by_joined: &'static str,
    pub by_org_kind: &'static str,
    pub coverage_by_kind: &'static str,
    pub children: &'static str,
    pub name: &'static str,
    pub code: &'static str,
    pub sex: &'static str,
    pub id_number: &'static str,
    pub education: &'static str,
    pub joined_on: &'static str,
    pub status: &'static str,
    pub org: &'static str,
    pub phone: &'static str,
    pub filter: &'static str,
    pub all: &'static str,
    pub sort: &'static str,
    pub place: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub none: &'static str,
    pub male: &'static str,
    pub female: &'static str,
    pub years_old: &'static str,
    pub decade: &'static str,
    pub ethnicity: &'static str,
    pub birth_date: &'static str,
    pub full_on: &'static str,
    pub new_member: &'static str,
    pub save: &'static str,
    pub unmask: &'static str,
    pub transfers: &'static str,
    pub transferred_on: &'static str,
    pub from_org: &'static str,
    pub to_org: &'static str,
    pub reason: &'static str,
    pub work_unit: &'static str,
    pub fix_errors: &'static str,
    pub choose: &'static str,
    pub search_tree: &'static str,
    pub export: &'static str,
    pub export_unmasked: &'static str,
}

static ZH: Text = Text {
    product: "大同市城市基层党建引领基层治理平台",
    login: "登录",
    login_name: "登录名",
    password: "密码",
    log_in: "登录",
    log_out: "退出",
    login_failed: "登录名或密码错误",
    other_language: "English",
    overview: "概览",
    members: "党员",
    orgs: "党组织",
    units: "驻区单位",
    households: "户",
    grids: "网格",
    buildings: "楼栋",
    communities: "社区（村）",
    full: "正式党员",
    probationary: "预备党员",
    coverage_non_public: "非公企业党组织覆盖率",
    coverage_social: "社会组织党组织覆盖率",
    by_age: "党员年龄",
    by_education: "党员学历",
    by_joined: "入党年代",
    by_org_kind: "党组织类型",
    coverage_by_kind: "各类单位党组织覆盖率",
    children: "下级",
    name: "名称",
    code: "代码",
    sex: "性别",
    id_number: "公民身份号码",
    education: "学历",
    joined_on: "入党日期",
    status: "类别",
    org: "所在党组织",
    phone: "联系电话",
    filter: "筛选",
    all: "全部",
    sort: "排序",
    place: "按区划",
    previous: "上一页",
    next: "下一页",
    none: "暂无",
    male: "男",
    female: "女",
    years_old: "岁",
    decade: "年代",
    ethnicity: "民族",
    birth_date: "出生日期",
    full_on: "转正日期",
    new_member: "新增党员",
    save: "保存",
    unmask: "显示完整号码",
    transfers: "组织关系转接记录",
    transferred_on: "转接日期",
    from_org: "转出组织",
    to_org: "转入组织",
    reason: "原因",
    work_unit: "工作单位",
    fix_errors: "请修改标出的项目后再保存",
    choose: "请选择",
    search_tree: "名称、代码或拼音首字母",
    export: "导出 Excel",
    export_unmasked: "导出 Excel（完整号码，记入审计）",
};

static EN: Text = Text {
    product: "Datong Party-Building-Led Grassroots Governance",
    login: "Log in",
    login_name: "Login",
    password: "Password",
    log_in: "Log in",
    log_out: "Log out",
    login_failed: "Wrong login or password",
    other_language: "中文",
    overview: "Overview",
    members: "Members",
    orgs: "Organisations",
    units: "Resident units",
    households: "Households",
    grids: "Grids",
    buildings: "Buildings",
    communities: "Communities / villages",
    full: "Full members",
    probationary: "Probationary",
    coverage_non_public: "Party coverage, non-public firms",
    coverage_social: "Party coverage, social organisations",
    by_age: "Members by age",
    by_education: "Members by education",
    by_joined: "Members by joining decade",
    by_org_kind: "Organisations by kind",
    coverage_by_kind: "Party coverage by unit kind",
    children: "Below",
    name: "Name",
    code: "Code",
    sex: "Sex",
    id_number: "Citizen ID",
    education: "Education",
    joined_on: "Joined",
    status: "Status",
    org: "Organisation",
    phone: "Phone",
    filter: "Filter",
    all: "All",
    sort: "Sort",
    place: "By place",
    previous: "Previous",
    next: "Next",
    none: "None",
    male: "Male",
    female: "Female",
    years_old: "",
    decade: "s",
    ethnicity: "Ethnicity",
    birth_date: "Birth date",
    full_on: "Full membership",
    new_member: "New member",
    save: "Save",
    unmask: "Show full numbers",
    transfers: "Transfers",
    transferred_on: "Date",
    from_org: "From",
    to_org: "To",
    reason: "Reason",
    work_unit: "Work unit",
    fix_errors: "Please correct the marked fields",
    choose: "Choose",
    search_tree: "Name, code or pinyin initials",
    export: "Export to Excel",
    export_unmasked: "Export with full numbers (audited)",
};
