//! The command line: it documents every `DATONG_*` variable the code reads in
//! `datong --help`, keeps secrets out of its output, and adds the nodes below communities.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp};
use serde_json::json;
use std::path::Path;

fn variables_in(dir: &Path, out: &mut std::collections::BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            variables_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("DATONG_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                out.insert(name.trim_end_matches('_').to_owned());
                rest = &rest[at + 7..];
            }
        }
    }
}

#[test]
fn help_lists_every_environment_variable() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut vars = std::collections::BTreeSet::new();
    for krate in ["domain", "store", "http", "datong"] {
        variables_in(&crates.join(krate).join("src"), &mut vars);
    }
    assert!(vars.contains("DATONG_DB"), "{vars:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let missing: Vec<_> = vars.iter().filter(|v| !help.contains(v.as_str())).collect();
    assert!(
        missing.is_empty(),
        "not in datong --help: {missing:?}\n{help}"
    );
}

#[test]
fn secrets_in_the_database_url_are_not_printed() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
        .args(["serve", "--help"])
        .env("DATONG_DB", "postgres://clerk:s3cret-Pass@127.0.0.1:1/none")
        .output()
        .unwrap();
    let printed =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!printed.contains("s3cret"), "{printed}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
        .args(["migrate"])
        .env("DATONG_DB", "postgres://clerk:s3cret-Pass@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let printed =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!printed.contains("s3cret"), "{printed}");
}

#[test]
fn a_bad_proxy_list_stops_the_server_naming_the_entry() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
        .args(["--db", ":memory:", "serve", "--addr", "127.0.0.1:0"])
        .env("DATONG_TRUSTED_PROXIES", "10.0.0.0/8, proxy.intranet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let printed = String::from_utf8_lossy(&out.stderr);
    assert!(
        printed.contains("--trusted-proxies") && printed.contains("proxy.intranet"),
        "{printed}"
    );
}

fn datong(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
        .args(["--db", url])
        .args(args)
        .env("DATONG_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

async fn grids_buildings_and_households_from_the_command_line(app: TestApp) {
    let url = app.url.clone();
    let add = move |args: &[&str]| {
        let out = datong(&url, &[&["territory", "add"][..], args].concat());
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap().trim().to_owned(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (grid, building, household) = crate::helpers::blocking(|| {
        let grid = add(&[COMMUNITY_A, "一网格"]);
        let building = add(&[&grid.1, "1号楼", "--serial", "7"]);
        let household = add(&[&building.1, "101户", "--member-centre"]);
        (grid, building, household)
    });
    assert!(grid.0, "{}", grid.2);
    assert_eq!(grid.1, format!("{COMMUNITY_A}001"));
    assert_eq!(building.1, format!("{COMMUNITY_A}001007"));
    assert_eq!(household.1, format!("{COMMUNITY_A}0010070001"));
    let r = app
        .get("a", &format!("/api/v1/territories/{}", household.1))
        .await;
    assert_eq!((r.status, &r.body["member_centre"]), (200, &json!(true)));

    let url = app.url.clone();
    let refused = crate::helpers::blocking(move || {
        [
            vec![COMMUNITY_A, "   "],
            vec!["1402", "网格"],
            vec!["140213050009", "网格"],
            vec![COMMUNITY_A, "网格", "--member-centre"],
        ]
        .map(|args| datong(&url, &[&["territory", "add"][..], &args].concat()))
    });
    for out in refused {
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success() && err.starts_with("Error: "), "{err}");
    }
    let r = app
        .get("a", &format!("/api/v1/territories/{COMMUNITY_A}/children"))
        .await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        1,
        "nothing else was added: {}",
        r.body
    );
}
both!(grids_buildings_and_households_from_the_command_line);

/// `datong serve --demo` builds the demo city on first run, prints the logins, and a
/// printed login works; a second start finds the city and prints them again.
#[test]
fn serve_demo_builds_once_and_prints_the_logins() {
    let url = crate::helpers::fresh_db_url(datong_store::Engine::Sqlite);
    for run in 0..2 {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
            .args([
                "--db",
                &url,
                "serve",
                "--demo",
                "--demo-scale",
                "small",
                "--addr",
                "127.0.0.1:0",
            ])
            .env(
                "DATONG_DIVISIONS",
                crate::helpers::fixtures().join("divisions"),
            )
            .env("DATONG_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);
        let stderr = std::io::BufReader::new(child.0.stderr.take().unwrap());
        let mut lines = Vec::new();
        let mut base = None;
        for line in std::io::BufRead::lines(stderr).map_while(Result::ok) {
            if let Some(b) = line.strip_prefix("datong listening on ") {
                base = Some(b.to_owned());
                break;
            }
            lines.push(line);
        }
        let printed = lines.join("\n");
        assert!(
            printed.contains("password Demo-1-Datong"),
            "run {run}: {printed}"
        );
        for login in [
            "city",
            "district",
            "street",
            "community",
            "grid",
            "member",
            "resident",
            "admin",
        ] {
            assert!(
                printed.lines().any(|l| l.trim_start().starts_with(login)),
                "run {run}: {login} in {printed}"
            );
        }
        assert_eq!(printed.contains("demo city built"), run == 0, "{printed}");
        let base = base.expect("the server started");
        let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/session"))
                .json(&json!({ "login": "street", "password": "Demo-1-Datong" }))
                .send()
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status, 201, "run {run}");
    }
}

/// A server that stops when the test does, even when the test fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `datong import roster` does what the roster page does, for scripts: a clean file joins
/// every member to the organisations it names under the territory; a file with one bad
/// cell is refused with the cell named as file:line: column, and writes nothing.
async fn a_roster_imports_from_the_command_line(app: TestApp) {
    use crate::helpers::id_number;
    app.branch(COMMUNITY_A, "康吉社区第一支部").await;
    let header =
        "姓名,性别,民族,公民身份号码,出生日期,学历,入党日期,转正日期,人员类别,所在党组织,联系电话";
    let row = |name: &str, id: &str| {
        format!(
            "{name},男,汉族,{id},1980-01-01,大学本科,2005-07-01,2006-07-01,正式党员,康吉社区第一支部,13800138000"
        )
    };
    let (one, two) = (id_number("19800101", 31), id_number("19800101", 33));
    let bad = format!(
        "{}{}",
        &two[..17],
        if two.ends_with('0') { '1' } else { '0' }
    );
    let files = [
        (
            "bad",
            format!("{header}\n{}\n{}\n", row("张甲", &one), row("李乙", &bad)),
        ),
        (
            "good",
            format!("{header}\n{}\n{}\n", row("张甲", &one), row("李乙", &two)),
        ),
    ]
    .map(|(name, text)| {
        let path = crate::helpers::temp_file(&format!("{name}-roster.csv"));
        std::fs::write(&path, text).unwrap();
        path
    });
    let url = app.url.clone();
    let [bad, good] = crate::helpers::blocking(|| {
        files.each_ref().map(|f| {
            datong(
                &url,
                &[
                    "import",
                    "roster",
                    f.to_str().unwrap(),
                    "--under",
                    COMMUNITY_A,
                    "--as",
                    "a",
                ],
            )
        })
    });
    let refusal = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "{refusal}");
    assert!(
        refusal.contains(&format!("{}:3: 公民身份号码", files[0].display())),
        "{refusal}"
    );
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let r = app
        .get("a", &format!("/api/v1/members?territory={COMMUNITY_A}"))
        .await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "张甲").count(),
        1,
        "{names:?}"
    );
    assert!(names.contains(&"李乙"), "{names:?}");
    for f in files {
        std::fs::remove_file(f).unwrap();
    }
}
both!(a_roster_imports_from_the_command_line);
