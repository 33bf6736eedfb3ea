//! The command line documents itself: every `DATONG_*` variable the code reads is listed
//! in `datong --help`.

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
