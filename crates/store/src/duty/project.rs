//! 项目化履责: responsibility items run as projects, with weighted milestones and
//! sub-projects, evidence files, and progress rolled up to parent projects and nodes.

use crate::access::Caller;
use crate::audit;
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::Sql;
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::duty::ItemState;
use datong_domain::project::{self as rules, Part};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ProjectDraft {
    pub territory: DivisionCode,
    /// The responsibility item it fulfils: on the node's list.
    pub item_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub owner: String,
    pub weight: u32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Milestone {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub weight: u32,
    pub due: String,
    pub percent: u32,
    pub done_at: Option<String>,
    pub evidence: Vec<EvidenceInfo>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvidenceInfo {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the content, hex.
    pub digest: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Project {
    pub id: i64,
    pub territory: DivisionCode,
    pub item_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub owner: String,
    pub weight: u32,
    pub starts_on: String,
    pub ends_on: String,
    /// Weighted over its milestones and sub-projects, 0–100.
    pub progress: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProjectView {
    #[serde(flatten)]
    pub project: Project,
    pub milestones: Vec<Milestone>,
    pub children: Vec<Project>,
}

const COLUMNS: &str = "id, territory_code, item_id, parent_id, name, owner, weight, starts_on, \
     ends_on, path";

struct Stored {
    project: Project,
    path: String,
}

fn from_row(r: &Row) -> StoreResult<Stored> {
    Ok(Stored {
        project: Project {
            id: r.i64(0)?,
            territory: DivisionCode::from_path(&r.str(1)?)
                .map_err(|_| StoreError::invalid("territory", "stored code"))?,
            item_id: r.i64(2)?,
            parent_id: r.opt_i64(3)?,
            name: r.str(4)?,
            owner: r.str(5)?,
            weight: u32::try_from(r.i64(6)?).unwrap_or(0),
            starts_on: r.str(7)?,
            ends_on: r.str(8)?,
            progress: 0.0,
        },
        path: r.str(9)?,
    })
}

fn milestone_parts(conn: &mut Conn, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Part>>> {
    let mut out: HashMap<i64, Vec<Part>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // The ids come from our own rows: written into the SQL as integers.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    for r in conn.query(
        &format!(
            "SELECT project_id, weight, percent FROM milestone WHERE project_id IN ({})",
            list.join(", ")
        ),
        params![],
    )? {
        out.entry(r.i64(0)?).or_default().push(Part {
            weight: u32::try_from(r.i64(1)?).unwrap_or(0),
            percent: r.i64(2)? as f64,
        });
    }
    Ok(out)
}

/// Progress of every project in `projects` (a set closed under children), from the leaves.
fn fill_progress(conn: &mut Conn, projects: &mut [Project]) -> StoreResult<()> {
    let index: HashMap<i64, usize> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let mut parts = milestone_parts(conn, &ids)?;
    let milestones: Vec<Vec<Part>> = ids
        .iter()
        .map(|id| parts.remove(id).unwrap_or_default())
        .collect();
    let mut children: Vec<Vec<(usize, u32)>> = vec![Vec::new(); projects.len()];
    for (i, p) in projects.iter().enumerate() {
        if let Some(parent) = p.parent_id.and_then(|id| index.get(&id)) {
            children[*parent].push((i, p.weight));
        }
    }
    for (p, v) in projects
        .iter_mut()
        .zip(rules::tree_progress(&milestones, &children))
    {
        p.progress = (v * 10.0).round() / 10.0;
    }
    Ok(())
}

/// A project and its whole tree below, progress filled in; the caller must see its node.
fn tree(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Vec<Project>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM project WHERE id = "));
    q.bind(id).and_in_scope("territory_code", &caller.scope);
    let root = from_row(
        &conn
            .query_opt(&q.text, &q.params)?
            .ok_or(StoreError::NotFound)?,
    )?;
    let prefix = format!("{}{}/", root.path, root.project.id);
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM project WHERE 1 = 1"));
    q.and_ascii_prefix("path", &prefix);
    let mut projects = vec![root.project];
    for r in conn.query(&q.text, &q.params)? {
        projects.push(from_row(&r)?.project);
    }
    fill_progress(conn, &mut projects)?;
    Ok(projects)
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<ProjectView> {
    let projects = tree(conn, caller, id)?;
    let project = projects[0].clone();
    let children = projects
        .iter()
        .filter(|p| p.parent_id == Some(id))
        .cloned()
        .collect();
    let mut milestones: Vec<Milestone> = conn
        .query(
            "SELECT id, project_id, name, weight, due, percent, done_at FROM milestone \
             WHERE project_id = $1 ORDER BY due, id",
            params![id],
        )?
        .iter()
        .map(|r| {
            Ok(Milestone {
                id: r.i64(0)?,
                project_id: r.i64(1)?,
                name: r.str(2)?,
                weight: u32::try_from(r.i64(3)?).unwrap_or(0),
                due: r.str(4)?,
                percent: u32::try_from(r.i64(5)?).unwrap_or(0),
                done_at: r.opt_str(6)?,
                evidence: Vec::new(),
            })
        })
        .collect::<StoreResult<_>>()?;
    // Every milestone's evidence in one read, not one a milestone.
    for r in conn.query(
        "SELECT e.milestone_id, e.id, e.file_name, e.content_type, e.size, e.digest, \
         e.uploaded_by, e.uploaded_at FROM evidence e JOIN milestone m ON m.id = e.milestone_id \
         WHERE m.project_id = $1 ORDER BY e.id",
        params![id],
    )? {
        let milestone = r.i64(0)?;
        if let Some(m) = milestones.iter_mut().find(|m| m.id == milestone) {
            m.evidence.push(evidence_from(&r, 1)?);
        }
    }
    Ok(ProjectView {
        project,
        milestones,
        children,
    })
}

pub fn create(conn: &mut Conn, caller: &Caller, d: &ProjectDraft) -> StoreResult<ProjectView> {
    crate::territory::stored_in_scope(conn, caller, &d.territory)
        .map_err(|_| StoreError::invalid("territory", "所在区划不存在或不在权限范围内"))?;
    caller.may_write(&d.territory)?;
    if d.name.trim().is_empty() || d.owner.trim().is_empty() {
        return Err(StoreError::invalid("name", "项目名称和负责人不能为空"));
    }
    if d.weight > 1000 {
        return Err(StoreError::invalid("weight", "权重应在 0 至 1000 之间"));
    }
    if d.ends_on < d.starts_on {
        return Err(StoreError::invalid("ends_on", "结束日期不能早于开始日期"));
    }
    let on_list = super::list::of_node(conn, caller, &d.territory)?
        .iter()
        .any(|i| i.id == d.item_id && i.state == ItemState::Listed);
    if !on_list {
        return Err(StoreError::invalid(
            "item_id",
            "该事项不在此节点的权责清单内",
        ));
    }
    let path = match d.parent_id {
        None => "/".to_owned(),
        Some(p) => {
            let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM project WHERE id = "));
            q.bind(p).and_in_scope("territory_code", &caller.scope);
            let parent = conn
                .query_opt(&q.text, &q.params)?
                .map(|r| from_row(&r))
                .transpose()?
                .ok_or_else(|| StoreError::invalid("parent_id", "上级项目不存在或无权访问"))?;
            if !parent.project.territory.contains(&d.territory) {
                return Err(StoreError::invalid(
                    "parent_id",
                    "子项目应在上级项目所在区划之内",
                ));
            }
            format!("{}{}/", parent.path, parent.project.id)
        }
    };
    let id = conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO project (territory_code, item_id, parent_id, path, name, owner, weight, \
                 starts_on, ends_on, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                params![
                    d.territory.as_path(),
                    d.item_id,
                    d.parent_id,
                    path,
                    d.name.trim(),
                    d.owner.trim(),
                    d.weight,
                    d.starts_on.to_string(),
                    d.ends_on.to_string(),
                    &caller.actor.login,
                    &caller.actor.at
                ],
            )?
            .i64(0)?;
        let view = get(c, &Caller::system(caller.actor.clone()), id)?;
        audit::record(c, &caller.actor, "create", "project", id, &view.project)?;
        Ok::<_, StoreError>(id)
    })?;
    get(conn, caller, id)
}

/// Refuses a change to `project` unless the caller manages its node; a project outside
/// the caller's scope is absent.
fn writable_project(conn: &mut Conn, caller: &Caller, project: i64) -> StoreResult<()> {
    let mut q = Sql::new("SELECT territory_code FROM project WHERE id = ");
    q.bind(project)
        .and_in_scope("territory_code", &caller.scope);
    let code = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?
        .str(0)?;
    let code = DivisionCode::from_path(&code)
        .map_err(|_| StoreError::invalid("territory", "stored code"))?;
    caller.may_write(&code)
}

fn milestone_project(conn: &mut Conn, milestone: i64) -> StoreResult<i64> {
    Ok(conn
        .query_opt(
            "SELECT project_id FROM milestone WHERE id = $1",
            params![milestone],
        )?
        .ok_or(StoreError::NotFound)?
        .i64(0)?)
}

pub fn add_milestone(
    conn: &mut Conn,
    caller: &Caller,
    project: i64,
    name: &str,
    weight: u32,
    due: NaiveDate,
) -> StoreResult<ProjectView> {
    writable_project(conn, caller, project)?;
    if weight > 1000 {
        return Err(StoreError::invalid("weight", "权重应在 0 至 1000 之间"));
    }
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO milestone (project_id, name, weight, due) VALUES ($1, $2, $3, $4) RETURNING id",
                params![project, name, weight, due.to_string()],
            )?
            .i64(0)?;
        audit::record(c, &caller.actor, "create", "milestone", id, &serde_json::json!({ "project_id": project, "name": name, "weight": weight, "due": due }))
    })?;
    get(conn, caller, project)
}

/// Reports a milestone's progress (0–100); 100 marks it done.
pub fn report(
    conn: &mut Conn,
    caller: &Caller,
    milestone: i64,
    percent: u32,
) -> StoreResult<ProjectView> {
    if percent > 100 {
        return Err(StoreError::invalid("percent", "进度应在 0 至 100 之间"));
    }
    let project = milestone_project(conn, milestone)?;
    writable_project(conn, caller, project)?;
    conn.tx(|c| {
        let done = (percent == 100).then(|| caller.actor.at.clone());
        c.execute(
            "UPDATE milestone SET percent = $1, done_at = $2 WHERE id = $3",
            params![percent, done, milestone],
        )?;
        audit::record(
            c,
            &caller.actor,
            "report",
            "milestone",
            milestone,
            &serde_json::json!({ "percent": percent }),
        )
    })?;
    get(conn, caller, project)
}

/// An evidence file checked before it is stored: its name cleaned, its kind told by its
/// bytes, its SM3 digest.
pub(crate) struct Prepared {
    pub name: String,
    pub kind: rules::EvidenceKind,
    pub size: i64,
    pub digest: String,
}

impl Prepared {
    /// What a stored file is, once stored as `id` by `caller`.
    pub(crate) fn stored(self, id: i64, caller: &Caller) -> EvidenceInfo {
        EvidenceInfo {
            id,
            file_name: self.name,
            content_type: self.kind.content_type().to_owned(),
            size: self.size,
            digest: self.digest,
            uploaded_by: caller.actor.login.clone(),
            uploaded_at: caller.actor.at.clone(),
        }
    }
}

/// An evidence file's facts from a row whose columns, from `first` on, are id, file_name,
/// content_type, size, digest, uploaded_by, uploaded_at.
pub(crate) fn evidence_from(r: &Row, first: usize) -> StoreResult<EvidenceInfo> {
    Ok(EvidenceInfo {
        id: r.i64(first)?,
        file_name: r.str(first + 1)?,
        content_type: r.str(first + 2)?,
        size: r.i64(first + 3)?,
        digest: r.str(first + 4)?,
        uploaded_by: r.str(first + 5)?,
        uploaded_at: r.str(first + 6)?,
    })
}

pub(crate) fn prepare(file_name: &str, bytes: &[u8]) -> StoreResult<Prepared> {
    let kind = rules::evidence_kind(bytes).map_err(|e| StoreError::Refused {
        code: "evidence_refused",
        message: e.to_string(),
        details: serde_json::Value::Null,
    })?;
    let name: String = file_name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if name.is_empty() {
        return Err(StoreError::invalid("name", "请给出文件名"));
    }
    let digest = {
        use sm3::Digest;
        hex::encode(sm3::Sm3::digest(bytes))
    };
    Ok(Prepared {
        name,
        kind,
        size: bytes.len() as i64,
        digest,
    })
}

/// Attaches a file to a milestone: its kind told by its bytes, its size bounded.
pub fn attach(
    conn: &mut Conn,
    caller: &Caller,
    milestone: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> StoreResult<EvidenceInfo> {
    let project = milestone_project(conn, milestone)?;
    writable_project(conn, caller, project)?;
    let file = prepare(file_name, &bytes)?;
    let id = conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO evidence (milestone_id, file_name, content_type, size, digest, content, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                params![milestone, &file.name, file.kind.content_type(), file.size, &file.digest, bytes, &caller.actor.login, &caller.actor.at],
            )?
            .i64(0)?;
        audit::record(c, &caller.actor, "attach", "evidence", id, &serde_json::json!({ "milestone_id": milestone, "file_name": file.name, "size": file.size, "digest": file.digest }))?;
        Ok::<_, StoreError>(id)
    })?;
    Ok(file.stored(id, caller))
}

/// An evidence file's name, type and bytes, for whoever sees its project.
pub fn evidence(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
) -> StoreResult<(String, String, Vec<u8>)> {
    let r = conn
        .query_opt(
            "SELECT e.file_name, e.content_type, e.content, m.project_id FROM evidence e \
             JOIN milestone m ON m.id = e.milestone_id WHERE e.id = $1",
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    get(conn, caller, r.i64(3)?)?;
    Ok((r.str(0)?, r.str(1)?, r.bytes(2)?))
}

/// A node's progress: every project in its subtree whose parent lies outside it (or that
/// has none), weighted; and the same for each child node.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeProgress {
    pub code: DivisionCode,
    pub progress: Option<f64>,
    pub projects: Vec<Project>,
    pub children: Vec<ChildProgress>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChildProgress {
    pub code: DivisionCode,
    pub name: String,
    pub progress: Option<f64>,
}

fn weighted(projects: &[&Project]) -> Option<f64> {
    let parts: Vec<Part> = projects
        .iter()
        .map(|p| Part {
            weight: p.weight,
            percent: p.progress,
        })
        .collect();
    (!parts.is_empty()).then(|| (rules::progress(&parts) * 10.0).round() / 10.0)
}

pub fn of_node(conn: &mut Conn, caller: &Caller, node: &DivisionCode) -> StoreResult<NodeProgress> {
    crate::territory::get_in_scope(conn, caller, node)?;
    // Every project in the subtree, with the trees they head (which may reach outside it
    // only downward, so the subtree's projects are closed under children).
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM project WHERE 1 = 1"));
    q.and_in_subtree("territory_code", node)
        .and_in_scope("territory_code", &caller.scope)
        .push(" ORDER BY id");
    let mut projects: Vec<Project> = conn
        .query(&q.text, &q.params)?
        .iter()
        .map(|r| from_row(r).map(|s| s.project))
        .collect::<StoreResult<_>>()?;
    fill_progress(conn, &mut projects)?;
    let inside = |p: &Project, code: &DivisionCode| {
        p.parent_id.is_none_or(|parent| {
            projects
                .iter()
                .find(|q| q.id == parent)
                .is_none_or(|q| !code.contains(&q.territory))
        })
    };
    let heads: Vec<&Project> = projects.iter().filter(|p| inside(p, node)).collect();
    let children = crate::territory::children(
        conn,
        caller,
        node,
        &crate::sql::Page {
            limit: 500,
            offset: 0,
        },
    )?
    .into_iter()
    .map(|t| {
        let mine: Vec<&Project> = projects
            .iter()
            .filter(|p| t.code.contains(&p.territory) && inside(p, &t.code))
            .collect();
        ChildProgress {
            progress: weighted(&mine),
            code: t.code,
            name: t.name,
        }
    })
    .collect();
    Ok(NodeProgress {
        code: node.clone(),
        progress: weighted(&heads),
        projects: heads.into_iter().cloned().collect(),
        children,
    })
}
