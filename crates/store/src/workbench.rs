//! 工作台: each role's pending work as counts and the first lines of each, overdue first,
//! every line linking to the page where it is done. A caller's groups come from its own
//! assignments (a street's from its streets, a department's from its departments), read
//! by subtree and by relation as every other read is.

use crate::access::Caller;
use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::Sql;
use datong_domain::Role;
use datong_domain::Scope;
use datong_domain::accountability::{Escalation, quarter_of};
use serde::Serialize;

/// The `due` of a group whose lines have no due time.
const NO_DUE: &str = "NULL";

/// Lines shown a group; the count covers them all.
const LINES: i64 = 10;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Workbench {
    /// Everything waiting, over all groups.
    pub pending: i64,
    /// Of which past its due time.
    pub overdue: i64,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Group {
    /// Stable: what the group holds (`admissions_to_answer` …).
    pub key: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub overdue: i64,
    /// Counts by a finer measure where one helps: overdue targets by ladder step,
    /// findings by rule.
    pub breakdown: Vec<(String, i64)>,
    /// The first lines, overdue and earliest due first.
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Line {
    pub title: String,
    /// The place it concerns, by name.
    pub place: Option<String>,
    pub due: Option<String>,
    pub overdue: bool,
    /// The page where it is done.
    pub href: String,
}

/// One group's rows: `from` appends `FROM … WHERE …` (a complete condition); the lines
/// select `link, title, place, due`, where `link` makes the line's page with `href`.
struct Query<'a> {
    key: &'static str,
    label: &'static str,
    select: &'a str,
    due: &'a str,
    /// What `due` is compared with: today for dates, now for timestamps.
    late_before: &'a str,
    href: fn(&str) -> String,
}

fn run(conn: &mut Conn, q: &Query, from: &dyn Fn(&mut Sql)) -> StoreResult<Group> {
    let mut count = Sql::new("SELECT COUNT(*), ");
    match q.due {
        // Nothing is late that has no due time (and PostgreSQL cannot type `NULL < $1`).
        NO_DUE => count.push("0"),
        due => count
            .push("COALESCE(SUM(CASE WHEN ")
            .push(due)
            .push(" < ")
            .bind(q.late_before)
            .push(" THEN 1 ELSE 0 END), 0)"),
    };
    from(&mut count);
    let totals = conn.query_one(&count.text, &count.params)?;
    let mut lines = Sql::new(&format!("SELECT {}, {}", q.select, q.due));
    from(&mut lines);
    // By position: PostgreSQL takes an output name in ORDER BY only on its own. Lines
    // without a due time come last on both engines.
    lines
        .push(&format!(
            " ORDER BY CASE WHEN {} IS NULL THEN 1 ELSE 0 END, 4 LIMIT ",
            q.due
        ))
        .bind(LINES);
    let lines = conn
        .query(&lines.text, &lines.params)?
        .iter()
        .map(|r| {
            let due = r.opt_str(3)?;
            Ok(Line {
                href: (q.href)(&r.str(0)?),
                title: r.str(1)?,
                place: r.opt_str(2)?,
                overdue: due.as_deref().is_some_and(|d| d < q.late_before),
                due: due.map(|d| d.get(..10).unwrap_or(&d).to_owned()),
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Group {
        key: q.key,
        label: q.label,
        count: totals.i64(0)?,
        overdue: totals.i64(1)?,
        breakdown: Vec::new(),
        lines,
    })
}

/// The subtrees of the caller's assignments of these roles.
fn scope_of(caller: &Caller, roles: &[Role]) -> Scope {
    Scope::new(
        caller
            .assignments
            .iter()
            .filter(|a| roles.contains(&a.role))
            .map(|a| a.scope.clone())
            .collect(),
    )
}

fn admission(id: &str) -> String {
    format!("/admissions/{id}")
}
fn request(id: &str) -> String {
    format!("/requests/{id}")
}
fn target(id: &str) -> String {
    format!("/task-targets/{id}")
}
fn street(code: &str) -> String {
    format!("/t/{code}/street")
}
fn member(id: &str) -> String {
    format!("/members/{id}")
}
fn org(id: &str) -> String {
    format!("/orgs/{id}")
}
fn orgs(code: &str) -> String {
    format!("/t/{code}/orgs")
}

const OPEN_REQUEST: &str = " AND r.stage NOT IN ('closed', 'rated')";
const REQUEST_LINE: &str = "CAST(r.id AS TEXT), s.name, t.name";
const REQUEST_FROM: &str = " FROM request r JOIN service s ON s.code = r.service_code \
     JOIN territory t ON t.code = r.node_code WHERE 1 = 1";

/// The caller's 工作台.
pub fn read(conn: &mut Conn, caller: &Caller) -> StoreResult<Workbench> {
    let today = caller.today().to_string();
    let now = caller.actor.at.clone();
    let mut groups = Vec::new();

    let leading = scope_of(caller, &[Role::City, Role::District]);
    if !leading.roots().is_empty() {
        groups.push(run(
            conn,
            &Query {
                key: "admissions_to_decide",
                label: "待审批的准入申请",
                select: "CAST(a.id AS TEXT), a.name, t.name",
                due: NO_DUE,
                late_before: &today,
                href: admission,
            },
            &|q| {
                q.push(" FROM admission a JOIN territory t ON t.code = a.street_code WHERE a.stage = 'answered'")
                    .and_in_scope("a.street_code", &leading);
            },
        )?);
        let overdue_targets = |q: &mut Sql| {
            q.push(
                " FROM task_target tt JOIN task tk ON tk.id = tt.task_id \
                 JOIN territory t ON t.code = tt.territory_code \
                 WHERE tt.status = 'open' AND tt.due < ",
            )
            .bind(today.as_str())
            .and_in_scope("tt.territory_code", &leading);
        };
        let mut targets = run(
            conn,
            &Query {
                key: "overdue_targets",
                label: "逾期未完成的任务",
                select: "CAST(tt.id AS TEXT), tk.title, t.name",
                due: "tt.due",
                late_before: &today,
                href: target,
            },
            &overdue_targets,
        )?;
        let mut steps = Sql::new(
            "SELECT COALESCE((SELECT MAX(e.step) FROM escalation e WHERE e.target_id = tt.id), 0) AS step, COUNT(*)",
        );
        overdue_targets(&mut steps);
        steps.push(" GROUP BY 1 ORDER BY 1");
        for r in conn.query(&steps.text, &steps.params)? {
            let label = match Escalation::of_rank(r.i64(0)?) {
                Some(e) => e.label(),
                None => "未升级",
            };
            targets.breakdown.push((label.to_owned(), r.i64(1)?));
        }
        groups.push(targets);
        groups.push(run(
            conn,
            &Query {
                key: "late_summonses",
                label: "逾期未报到或未办结的吹哨",
                select: "s.street_code, s.subject || ' · ' || d.name, t.name",
                due: "CASE WHEN sd.reported_at IS NULL THEN s.report_by ELSE s.resolve_by END",
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM summoned sd JOIN summons s ON s.id = sd.summons_id \
                     JOIN department d ON d.id = sd.department_id \
                     JOIN territory t ON t.code = s.street_code \
                     WHERE ((sd.reported_at IS NULL AND s.report_by < ",
                )
                .bind(today.as_str())
                .push(") OR (sd.resolved_at IS NULL AND s.resolve_by < ")
                .bind(today.as_str())
                .push("))")
                .and_in_scope("s.street_code", &leading);
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "late_consultations",
                label: "逾期未答复的征询与建议",
                select: "c.street_code, c.subject, t.name",
                due: "c.due",
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM consultation c JOIN territory t ON t.code = c.street_code \
                     WHERE c.answer IS NULL AND c.due < ",
                )
                .bind(today.as_str())
                .and_in_scope("c.street_code", &leading);
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "requests_at_joint_meeting",
                label: "提交联席会议的诉求",
                select: REQUEST_LINE,
                due: "r.due_at",
                late_before: &now,
                href: request,
            },
            &|q| {
                q.push(REQUEST_FROM)
                    .push(" AND r.tier = 'agenda'")
                    .push(OPEN_REQUEST)
                    .and_in_scope("r.node_code", &leading);
            },
        )?);
    }

    let own = &caller.own;
    if caller
        .assignments
        .iter()
        .any(|a| a.role == Role::Department)
    {
        groups.push(run(
            conn,
            &Query {
                key: "admissions_filed",
                label: "已提出、待答复或审批的准入申请",
                select: "CAST(a.id AS TEXT), a.name, t.name",
                due: "CASE WHEN a.stage = 'filed' THEN a.opinion_due END",
                late_before: &today,
                href: admission,
            },
            &|q| {
                q.push(" FROM admission a JOIN territory t ON t.code = a.street_code WHERE a.stage IN ('filed', 'answered') AND a.filed_by IN ")
                    .bind_list(own.department_logins.iter().map(String::as_str));
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "summonses_to_answer",
                label: "待报到或办结的吹哨",
                select: "s.street_code, s.subject, t.name",
                due: "CASE WHEN sd.reported_at IS NULL THEN s.report_by ELSE s.resolve_by END",
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM summoned sd JOIN summons s ON s.id = sd.summons_id \
                     JOIN territory t ON t.code = s.street_code \
                     WHERE (sd.reported_at IS NULL OR sd.resolved_at IS NULL) AND sd.department_id IN ",
                )
                .bind_list(own.departments.iter().copied());
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "requests_assigned",
                label: "派给本部门的诉求",
                select: REQUEST_LINE,
                due: "r.due_at",
                late_before: &now,
                href: request,
            },
            &|q| {
                q.push(REQUEST_FROM)
                    .push(OPEN_REQUEST)
                    .push(" AND r.department_id IN ")
                    .bind_list(own.departments.iter().copied());
            },
        )?);
    }

    let streets = scope_of(caller, &[Role::Street]);
    if !streets.roots().is_empty() {
        groups.push(run(
            conn,
            &Query {
                key: "tasks_received",
                label: "收到待完成的任务",
                select: "CAST(tt.id AS TEXT), tk.title, t.name",
                due: "tt.due",
                late_before: &today,
                href: target,
            },
            &|q| {
                q.push(
                    " FROM task_target tt JOIN task tk ON tk.id = tt.task_id \
                     JOIN territory t ON t.code = tt.territory_code WHERE tt.status = 'open'",
                )
                .and_in_scope("tt.territory_code", &streets);
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "admissions_to_answer",
                label: "待书面答复的准入申请",
                select: "CAST(a.id AS TEXT), a.name, t.name",
                due: "a.opinion_due",
                late_before: &today,
                href: admission,
            },
            &|q| {
                q.push(" FROM admission a JOIN territory t ON t.code = a.street_code WHERE a.stage = 'filed'")
                    .and_in_scope("a.street_code", &streets);
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "consultations_to_answer",
                label: "待答复的规划征询",
                select: "c.street_code, c.subject, t.name",
                due: "c.due",
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM consultation c JOIN territory t ON t.code = c.street_code \
                     WHERE c.kind = 'planning' AND c.answer IS NULL",
                )
                .and_in_scope("c.street_code", &streets);
            },
        )?);
        let period = quarter_of(caller.today());
        groups.push(run(
            conn,
            &Query {
                key: "agencies_to_rate",
                label: "本季度待考核的派出机构负责人",
                select: "a.street_code, a.name || ' · ' || a.head, t.name",
                due: NO_DUE,
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM agency a JOIN territory t ON t.code = a.street_code \
                     WHERE a.head IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agency_rating g \
                     WHERE g.agency_id = a.id AND g.period = ",
                )
                .bind(period.as_str())
                .push(")")
                .and_in_scope("a.street_code", &streets);
            },
        )?);
        groups.push(run(
            conn,
            &Query {
                key: "open_summonses",
                label: "未办结的吹哨",
                select: "s.street_code, s.subject, t.name",
                due: "s.resolve_by",
                late_before: &today,
                href: street,
            },
            &|q| {
                q.push(
                    " FROM summons s JOIN territory t ON t.code = s.street_code \
                     WHERE EXISTS (SELECT 1 FROM summoned sd WHERE sd.summons_id = s.id AND sd.resolved_at IS NULL)",
                )
                .and_in_scope("s.street_code", &streets);
            },
        )?);
    }

    let communities = scope_of(caller, &[Role::Community, Role::Grid]);
    if !communities.roots().is_empty() {
        groups.push(run(
            conn,
            &Query {
                key: "requests_in_grids",
                label: "辖区内待办的诉求",
                select: REQUEST_LINE,
                due: "r.due_at",
                late_before: &now,
                href: request,
            },
            &|q| {
                q.push(REQUEST_FROM)
                    .push(OPEN_REQUEST)
                    .and_in_scope("r.node_code", &communities);
            },
        )?);
    }
    for a in caller
        .assignments
        .iter()
        .filter(|a| a.role == Role::Community)
    {
        groups.push(findings(conn, caller, &a.scope)?);
        groups.push(probation_due(conn, caller, &a.scope)?);
    }

    if own.member.is_some() || own.unit.is_some() {
        let own_line = |title: &str, href: String| Line {
            title: title.into(),
            place: None,
            due: None,
            overdue: false,
            href,
        };
        let mut lines = Vec::new();
        if let Some(id) = own.member {
            lines.push(own_line("我的党员信息", member(&id.to_string())));
        }
        if let Some(id) = own.unit {
            lines.push(own_line("本单位信息", format!("/units/{id}")));
        }
        let mut orgs: Vec<(i64, String)> =
            crate::org::names(conn, caller, own.orgs.iter().copied())?
                .into_iter()
                .collect();
        orgs.sort();
        for (id, name) in orgs {
            lines.push(Line {
                title: name,
                place: None,
                due: None,
                overdue: false,
                href: org(&id.to_string()),
            });
        }
        groups.push(Group {
            key: "my_record",
            label: "我的信息与组织",
            count: 0,
            overdue: 0,
            breakdown: Vec::new(),
            lines,
        });
    }
    if caller.assignments.iter().any(|a| a.role == Role::Resident) {
        let login = caller.actor.login.clone();
        groups.push(run(
            conn,
            &Query {
                key: "my_requests",
                label: "我的诉求",
                select: REQUEST_LINE,
                due: "r.due_at",
                late_before: &now,
                href: request,
            },
            &|q| {
                q.push(REQUEST_FROM)
                    .push(OPEN_REQUEST)
                    .push(" AND r.reporter_login = ")
                    .bind(login.as_str());
            },
        )?);
    }

    if let Some(g) = pleas_to_decide(conn, caller, &today)? {
        groups.push(g);
    }

    Ok(Workbench {
        pending: groups.iter().map(|g| g.count).sum(),
        overdue: groups.iter().map(|g| g.overdue).sum(),
        groups,
    })
}

/// A plea waits for whoever sent the task: a level above the receiving node, or the
/// department whose clerk sent it.
fn pleas_to_decide(conn: &mut Conn, caller: &Caller, today: &str) -> StoreResult<Option<Group>> {
    let own = &caller.own;
    let senders = scope_of(
        caller,
        &[Role::City, Role::District, Role::Street, Role::Community],
    );
    if senders.roots().is_empty() && own.department_logins.is_empty() {
        return Ok(None);
    }
    run(
        conn,
        &Query {
            key: "pleas_to_decide",
            label: "待审核的延期、退回申请",
            select: "CAST(tt.id AS TEXT), tk.title, t.name",
            due: "tt.due",
            late_before: today,
            href: target,
        },
        &|q| {
            q.push(
                " FROM task_plea p JOIN task_target tt ON tt.id = p.target_id \
                 JOIN task tk ON tk.id = tt.task_id \
                 JOIN territory t ON t.code = tt.territory_code \
                 WHERE p.stage = 'pending' AND tt.status = 'open' AND (1 = 0",
            );
            if !senders.roots().is_empty() {
                q.push(" OR (tt.territory_code NOT IN ")
                    .bind_list(senders.roots().iter().map(|r| r.as_path().to_owned()))
                    .and_in_scope("tt.territory_code", &senders)
                    .push(")");
            }
            if !own.department_logins.is_empty() {
                q.push(" OR tk.created_by IN ")
                    .bind_list(own.department_logins.iter().map(String::as_str));
            }
            q.push(")");
        },
    )
    .map(Some)
}

/// The community's branch-rule findings, by rule.
fn findings(
    conn: &mut Conn,
    caller: &Caller,
    community: &datong_domain::DivisionCode,
) -> StoreResult<Group> {
    let summary = crate::org::findings_summary(conn, caller, community)?;
    Ok(Group {
        key: "branch_findings",
        label: "党组织设置与换届提示",
        count: summary.values().sum(),
        overdue: 0,
        breakdown: summary
            .iter()
            .map(|(code, n)| (code.label().to_owned(), *n))
            .collect(),
        lines: summary
            .iter()
            .map(|(code, n)| Line {
                title: format!("{}（{n}）", code.label()),
                place: None,
                due: None,
                overdue: false,
                href: orgs(community.as_path()),
            })
            .collect(),
    })
}

/// Probationary members whose year (and extension) ends within 30 days, or has ended:
/// the branch's meeting on their full membership is due.
fn probation_due(
    conn: &mut Conn,
    caller: &Caller,
    community: &datong_domain::DivisionCode,
) -> StoreResult<Group> {
    let today = caller.today();
    let horizon = today + chrono::Days::new(30);
    let mut q = Sql::new(
        "SELECT m.id, m.name, m.joined_on, m.extension_months, t.name FROM member m \
         JOIN territory t ON t.code = m.territory_code WHERE m.status = 'probationary'",
    );
    q.and_in_subtree("m.territory_code", community)
        .and_in_scope("m.territory_code", &caller.scope);
    let mut due: Vec<(chrono::NaiveDate, Line)> = Vec::new();
    for r in conn.query(&q.text, &q.params)? {
        let Ok(joined) = r.str(2)?.parse::<chrono::NaiveDate>() else {
            continue;
        };
        let months = u32::try_from(r.i64(3)?).unwrap_or(0);
        let ends = datong_domain::member::probation_end(joined, months);
        if ends <= horizon {
            due.push((
                ends,
                Line {
                    title: r.str(1)?,
                    place: Some(r.str(4)?),
                    due: Some(ends.to_string()),
                    overdue: ends < today,
                    href: member(&r.i64(0)?.to_string()),
                },
            ));
        }
    }
    due.sort_by_key(|(d, _)| *d);
    Ok(Group {
        key: "probation_due",
        label: "预备期将满的预备党员",
        count: due.len() as i64,
        overdue: due.iter().filter(|(_, l)| l.overdue).count() as i64,
        breakdown: Vec::new(),
        lines: due
            .into_iter()
            .take(LINES as usize)
            .map(|(_, l)| l)
            .collect(),
    })
}
