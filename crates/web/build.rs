//! Fetches the browser libraries the pages embed (ECharts) with `npm ci`, pinned by
//! package-lock.json, when they are not there yet: third-party code is never committed,
//! and the binary still serves every asset itself, so pages work with no internet.

use std::path::Path;
use std::process::Command;

const ECHARTS: &str = "node_modules/echarts/dist/echarts.min.js";

fn main() {
    println!("cargo:rerun-if-changed=package-lock.json");
    println!("cargo:rerun-if-changed={ECHARTS}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !dir.join(ECHARTS).exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir)
            .status();
        match status {
            Ok(s) if s.success() => {}
            other => panic!(
                "datong-web needs ECharts from the npm registry: `npm ci` in {} failed ({other:?}); \
                 install Node.js and npm, or run it by hand",
                dir.display()
            ),
        }
    }
    println!(
        "cargo:rustc-env=DATONG_ECHARTS_JS={}",
        dir.join(ECHARTS).display()
    );
}
