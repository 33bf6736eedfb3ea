//! `datong`: the one binary. Every option can also come from a `DATONG_*` variable.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use datong_domain::{DivisionCode, Role};
use datong_store::audit::Actor;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

mod bench;

// The platform allocates many small rows and strings; mimalloc keeps that cheap where
// glibc's malloc spent a sixth of the demo build consolidating and unlinking chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every variable the binary reads; a test checks that none is missing.
const ENVIRONMENT: &str = "\
Environment (each overrides the default; a command-line option overrides it):
  DATONG_DB               database: an SQLite file path (default datong.db) or a
                          postgres://user:password@host/db URL; never printed
  DATONG_LOG              log filter, e.g. info, warn, datong_store=debug (default info)
  DATONG_DATA_KEY         the data key (32 hex digits; `datong new-data-key` makes one):
                          ID and phone numbers are stored sealed with SM4 under it.
                          Without one they are stored in clear; a sealed database needs
                          its key to open. Never printed; never give it on the command line
  DATONG_DATA_KEY_FILE    a file holding the data key instead (e.g. readable by the
                          service account alone)
  DATONG_AUDIT_KEY        the audit key (64 hex digits; `datong new-audit-key` makes one):
                          the audit chain is signed with HMAC-SM3 under it from its first
                          opening with it, and then opens only with it; `datong audit
                          checkpoint` signs heads with it. Keep it apart from the database
                          and from the data key. Never printed
  DATONG_AUDIT_KEY_FILE   a file holding the audit key instead
  DATONG_ADDR             serve: address to listen on (default 127.0.0.1:8080)
  DATONG_SEED_DIVISIONS   serve: divisions directory to import into an empty database
  DATONG_SEED_SCOPE       serve: the subtree of it to import (default 1402)
  DATONG_SECURE_COOKIES   serve: true behind HTTPS, so session cookies are marked Secure
  DATONG_JOB_INTERVAL     serve: seconds between job-queue runs (default 60; 0: none)
  DATONG_TRUSTED_PROXIES  serve: reverse proxies whose X-Forwarded-For names the client,
                          as addresses or networks, e.g. 127.0.0.1,10.0.0.0/8 (none by
                          default: the connection's address is the client's)
  DATONG_MAP_TILES        serve: map tile URL template ({z}/{x}/{y}) under community
                          maps; none by default (pages need no internet)
  DATONG_DEMO             serve: true to serve the demo city, built on first run
  DATONG_DEMO_SCALE       serve --demo: datong (default) or small
  DATONG_DIVISIONS        demo: the national divisions directory
                          (default ../shared/data/divisions)";

#[derive(Parser)]
#[command(
    name = "datong",
    version,
    about = "城市基层党建引领基层治理平台 (party-building-led urban grassroots governance)",
    after_help = ENVIRONMENT
)]
struct Cli {
    /// Database: an SQLite file path, or a postgres:// URL for PostgreSQL.
    #[arg(
        long,
        global = true,
        env = "DATONG_DB",
        default_value = "datong.db",
        hide_env_values = true
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "DATONG_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Import this divisions directory first when the database has no territory yet.
        #[arg(long, env = "DATONG_SEED_DIVISIONS")]
        seed_divisions: Option<PathBuf>,
        /// With --seed-divisions: the scope to import (a division code, or CN).
        #[arg(long, env = "DATONG_SEED_SCOPE", default_value = "1402")]
        seed_scope: String,
        /// Serve the demo city: build it into the database on first run, and print the
        /// demo logins.
        #[arg(long, env = "DATONG_DEMO")]
        demo: bool,
        /// With --demo: datong (the whole city) or small.
        #[arg(long, env = "DATONG_DEMO_SCALE", default_value = "datong")]
        demo_scale: String,
        /// Mark the session cookie Secure: set this when users reach the server over HTTPS
        /// (directly or through a proxy), so the cookie never travels in clear.
        #[arg(long, env = "DATONG_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A map tile URL template, e.g. http://tiles.intranet/{z}/{x}/{y}.png, drawn under
        /// community maps (none by default).
        #[arg(long, env = "DATONG_MAP_TILES")]
        map_tiles: Option<String>,
        /// Seconds between runs of the job queue (the daily overdue scan, scheduled
        /// tasks); 0 runs no jobs in this process.
        #[arg(long, env = "DATONG_JOB_INTERVAL", default_value_t = 60)]
        job_interval: u64,
        /// Reverse proxies in front of the server (comma-separated addresses or networks):
        /// on their connections the client is read from X-Forwarded-For, so the login and
        /// residents' form throttles count each resident, not the proxy.
        #[arg(long, env = "DATONG_TRUSTED_PROXIES", default_value = "")]
        trusted_proxies: datong_http::client_addr::TrustedProxies,
    },
    /// Build the demo city (Datong's divisions with synthetic people) into an empty
    /// database, with one account for each role.
    Demo(DemoArgs),
    /// Import data.
    #[command(subcommand)]
    Import(Import),
    /// Grids, buildings and households below the communities.
    #[command(subcommand)]
    Territory(Territory),
    /// Manage accounts.
    #[command(subcommand)]
    User(User),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(Token),
    /// Manage the keys of Open311 clients.
    #[command(subcommand, name = "open311-key")]
    Open311Key(Open311Key),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(Audit),
    /// Write the whole database to FILE (gzip-compressed JSON lines; - for standard
    /// output) from one snapshot, while the server runs. Either engine restores it.
    Backup { file: PathBuf },
    /// Fill a new database from a backup FILE taken on either engine: all or nothing, and
    /// only if its audit chain verifies.
    Restore { file: PathBuf },
    /// Print a fresh random data key (for DATONG_DATA_KEY), and nothing else.
    NewDataKey,
    /// Print a fresh random audit key (for DATONG_AUDIT_KEY), and nothing else.
    NewAuditKey,
    /// Recompute every roll-up counter from the tables.
    RollupRebuild,
    /// Create or upgrade the schema and exit.
    Migrate,
    /// Measure (see scripts/bench).
    #[command(subcommand)]
    Bench(Bench),
}

#[derive(Subcommand)]
enum Bench {
    /// Time roll-ups from the kept counters against a recursive walk of each subtree.
    Rollup {
        /// Nodes to roll up (division codes, or CN).
        #[arg(default_values = ["CN", "1402"])]
        nodes: Vec<String>,
        /// Timed runs a node, after one warm-up run.
        #[arg(long, default_value_t = 51)]
        runs: usize,
    },
    /// On a database holding the demo city (it changes it: use a copy): the task gate per
    /// task, and the overdue scan over a given number of open task targets.
    Duties {
        /// Open task targets to create before timing the scan.
        #[arg(long, default_value_t = 100_000)]
        open: usize,
    },
    /// On a database holding the demo city (it adds requests: use a copy): fills it to a
    /// number of residents' requests, then times the city's 接诉即办 figures and map.
    Requests {
        #[arg(long, default_value_t = 1_000_000)]
        total: usize,
    },
}

#[derive(Subcommand)]
enum Import {
    /// National statistical division codes: a directory of CSV files (or one file).
    Divisions {
        dir: PathBuf,
        /// Import only this subtree (and its ancestors): a division code, or CN for all.
        #[arg(long, default_value = "CN")]
        scope: String,
        /// The day the imported nodes and names take effect (default: today); nothing
        /// stored is ended.
        #[arg(long, conflicts_with = "effective")]
        valid_from: Option<chrono::NaiveDate>,
        /// The input is the whole of its levels within --scope as of this day: new nodes
        /// and names take effect then, and the nodes of those levels it lacks end then
        /// (never deleted), each reported with what was attached to it.
        #[arg(long)]
        effective: Option<chrono::NaiveDate>,
    },
    /// A batch of tasks (.xlsx or .csv, one a row), each through the responsibility-list
    /// gate; one refused row refuses the file, every bad row listed as file:line.
    Tasks {
        file: PathBuf,
        /// Send as this account, with its rights (default: the operator, everywhere).
        #[arg(long = "as")]
        login: Option<String>,
    },
    /// A member roster (党员名册): an .xlsx or .csv file, one member a row, with the
    /// columns of the template the roster page offers. Its 所在党组织 column names
    /// organisations under --under. All or nothing: every bad cell is listed as
    /// file:line: column: reason.
    Roster {
        file: PathBuf,
        /// The territory whose organisations the roster's members join (a division code).
        #[arg(long)]
        under: String,
        /// Import as this account, with its rights (default: the operator, everywhere).
        #[arg(long = "as")]
        login: Option<String>,
    },
    /// A responsibility-list catalogue (权责清单): an .xlsx or .csv file, one item a row.
    /// All or nothing: every bad cell is listed as file:line: column: reason.
    Duties {
        file: PathBuf,
        /// The day the items and their new versions take effect (default: today).
        #[arg(long)]
        valid_from: Option<chrono::NaiveDate>,
    },
}

#[derive(clap::Parser)]
struct DemoArgs {
    /// datong: the whole city (3.1 million residents, ~222,000 members); small: for tests.
    #[arg(long, default_value = "datong")]
    scale: String,
    /// The same seed builds the same city.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The national divisions directory the city's tree comes from.
    #[arg(
        long,
        env = "DATONG_DIVISIONS",
        default_value = "../shared/data/divisions"
    )]
    divisions: PathBuf,
}

impl DemoArgs {
    fn options(&self) -> Result<datong_demo::Options> {
        let Some(scale) = datong_demo::Scale::parse(&self.scale) else {
            bail!("--scale {}: one of datong, small", self.scale);
        };
        Ok(datong_demo::Options {
            scale,
            seed: self.seed,
            divisions: self.divisions.clone(),
            today: chrono::Local::now().date_naive(),
        })
    }
}

fn build_demo(db: &datong_store::Db, args: &DemoArgs) -> Result<()> {
    let start = std::time::Instant::now();
    let report = datong_demo::build(db, &args.options()?, &operator())?;
    print_built(start, &report);
    Ok(())
}

fn print_built(start: std::time::Instant, report: &datong_demo::Report) {
    eprintln!(
        "demo city built in {:.1?}: {} territories, {} organisations, {} units, {} members, {} social workers",
        start.elapsed(),
        report.territories,
        report.orgs,
        report.units,
        report.members,
        report.social_workers
    );
    print_logins(report);
}

/// Builds the demo city unless the database has it, then prints the logins.
fn serve_demo(db: &datong_store::Db, scale: &str) -> Result<()> {
    let args = DemoArgs::parse_from(["demo", "--scale", scale]);
    let start = std::time::Instant::now();
    match datong_demo::build(db, &args.options()?, &operator()) {
        Ok(report) => print_built(start, &report),
        Err(datong_demo::DemoError::AlreadyBuilt) => {
            let report = datong_demo::existing(db, args.seed)?;
            print_logins(&report);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn print_logins(report: &datong_demo::Report) {
    eprintln!("demo logins (password {}):", report.password);
    for a in &report.accounts {
        eprintln!(
            "  {:<10} {:<10} {} {}",
            a.login,
            a.role.as_str(),
            a.scope,
            a.scope_name
        );
    }
}

#[derive(Subcommand)]
enum Territory {
    /// Add a grid under a community, a building under a grid, or a household under a
    /// building; prints the new code.
    Add {
        /// The parent's division code.
        parent: String,
        name: String,
        /// The serial within the parent (default: the next free one).
        #[arg(long)]
        serial: Option<u32>,
        /// Mark a household as a 党员中心户.
        #[arg(long)]
        member_centre: bool,
    },
}

#[derive(Subcommand)]
enum User {
    /// Add an account with one role over one subtree; the password is read from stdin.
    /// A role is held at its own level (city at a city, district and department at a
    /// district …); a member account names its member record and a unit account its
    /// unit, whose node it takes.
    Add {
        login: String,
        #[arg(long)]
        role: String,
        /// The node where the role is held (a division code, or CN for an administrator).
        #[arg(long, required_unless_present_any = ["member", "unit"])]
        scope: Option<String>,
        /// May read ID and phone numbers unmasked in its scope (each read is audited).
        #[arg(long)]
        unmask: bool,
        /// With --role member: the member record (id) the account is.
        #[arg(long, conflicts_with_all = ["unit", "department"])]
        member: Option<i64>,
        /// With --role unit: the resident unit (id) the account acts for.
        #[arg(long, conflicts_with = "department")]
        unit: Option<i64>,
        /// With --role department: the department (id) the account acts for.
        #[arg(long)]
        department: Option<i64>,
    },
    /// Disable an account: its tokens and sessions end at once, and it cannot log in.
    Disable { login: String },
    /// Enable a disabled account again (it logs in anew; its old tokens stay ended).
    Enable { login: String },
}

#[derive(Subcommand)]
enum Token {
    /// Issue a bearer token; prints the token alone on stdout.
    Create {
        login: String,
        /// Days the token stays valid (at most 366).
        #[arg(long, default_value_t = datong_store::account::TOKEN_DAYS)]
        days: i64,
    },
    /// End every token of an account (a holder ends its own with DELETE /api/v1/session).
    Revoke { login: String },
}

#[derive(Subcommand)]
enum Open311Key {
    /// Issue a key for a client that files requests; prints the key alone on stdout.
    Create { label: String },
    /// The keys issued: id (the start of the key's hash), label, issued, revoked.
    List,
    /// Stop the key with this id from filing.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum Audit {
    /// Walk the hash chain; exits non-zero if any row was edited, inserted or deleted.
    Verify {
        /// Also hold the log to the signed heads in this file (see `audit checkpoint`).
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Append the chain's head, signed with the audit key, to FILE: keep the file apart
    /// from the database (another machine, write-once storage), and run this on a
    /// schedule; `audit verify --checkpoints FILE` then finds a cut tail or a rebuilt chain.
    Checkpoint { file: PathBuf },
}

fn operator() -> Actor {
    let login = std::env::var("USER")
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into());
    Actor {
        login,
        at: datong_store::audit::timestamp(chrono::Utc::now()),
    }
}

fn set_disabled(db: &datong_store::Db, login: &str, disabled: bool) -> Result<()> {
    let caller = datong_store::access::Caller::system(operator());
    datong_store::account::set_disabled(&mut *db.get()?, &caller, login, disabled)?;
    eprintln!(
        "account {login} {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

fn parse_scope(s: &str) -> Result<DivisionCode> {
    DivisionCode::parse(s).map_err(|e| anyhow::anyhow!("scope {s}: {e}"))
}

/// The deployment's keys: each from `DATONG_<NAME>` or the file `DATONG_<NAME>_FILE` names.
fn keys() -> Result<datong_store::Keys> {
    Ok(datong_store::Keys {
        data: key_from_env("DATA_KEY")?,
        audit: key_from_env("AUDIT_KEY")?,
    })
}

fn key_from_env<K: std::str::FromStr>(name: &str) -> Result<Option<K>>
where
    K::Err: std::fmt::Display,
{
    let text = match (
        std::env::var(format!("DATONG_{name}")).ok(),
        std::env::var_os(format!("DATONG_{name}_FILE")),
    ) {
        (Some(k), _) => k,
        (None, Some(f)) => std::fs::read_to_string(&f)
            .with_context(|| format!("DATONG_{name}_FILE {}", f.to_string_lossy()))?,
        (None, None) => return Ok(None),
    };
    let key = text
        .parse()
        .map_err(|e| anyhow::anyhow!("DATONG_{name}: {e}"))?;
    Ok(Some(key))
}

/// The division files, read and checked, and how long that took.
struct ReadDivisions {
    records: datong_store::import::divisions::Read,
    started: std::time::Instant,
    read_in: std::time::Duration,
}

fn read_divisions(dir: &std::path::Path, scope: &DivisionCode) -> Result<ReadDivisions> {
    let started = std::time::Instant::now();
    let records = datong_store::import::divisions::read(dir, scope)?;
    Ok(ReadDivisions {
        records,
        started,
        read_in: started.elapsed(),
    })
}

fn import_divisions(
    db: &datong_store::Db,
    read: ReadDivisions,
    valid_from: Option<chrono::NaiveDate>,
    effective: Option<chrono::NaiveDate>,
) -> Result<()> {
    use datong_store::import::divisions::{self, Extent};
    let extent = if effective.is_some() {
        Extent::Whole
    } else {
        Extent::Additions
    };
    let valid_from = effective
        .or(valid_from)
        .unwrap_or_else(|| chrono::Local::now().date_naive())
        .to_string();
    let report = divisions::apply(
        &mut *db.get()?,
        &operator(),
        &read.records,
        &valid_from,
        extent,
    )?;
    for e in &report.ended {
        println!(
            "ended {} {} on {valid_from}: {} places below it, {} organisations, {} members, {} units, {} open requests attached",
            e.code, e.name, e.descendants, e.orgs, e.members, e.units, e.open_requests
        );
    }
    eprintln!(
        "imported {} rows in {:.2?} (read {:.2?}): {} new, {} renamed, {} unchanged, {} ended",
        report.read,
        read.started.elapsed(),
        read.read_in,
        report.inserted,
        report.renamed,
        report.unchanged,
        report.ended.len()
    );
    Ok(())
}

/// Writes a backup to `file` (or standard output): into a temporary file beside it, made
/// readable by its owner alone (it holds every personal record), renamed into place when
/// whole.
fn backup(db: &datong_store::Db, file: &std::path::Path) -> Result<()> {
    use std::io::Write;
    let summary = if file.as_os_str() == "-" {
        let out = std::io::stdout().lock();
        datong_store::backup::write(&mut *db.get()?, &operator(), out)?
    } else {
        let shown = file.display().to_string();
        let mut partial = file.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let out = options
            .open(&partial)
            .with_context(|| format!("writing {shown}"))?;
        let mut out = std::io::BufWriter::new(out);
        let written =
            datong_store::backup::write(&mut *db.get()?, &operator(), &mut out).and_then(|s| {
                out.flush()?;
                out.get_ref().sync_all()?;
                Ok(s)
            });
        match written {
            Ok(s) => {
                std::fs::rename(&partial, file).with_context(|| format!("writing {shown}"))?;
                s
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e).with_context(|| format!("writing {shown}"));
            }
        }
    };
    eprintln!(
        "backed up {} rows in {} tables",
        summary.rows, summary.tables
    );
    Ok(())
}

fn restore(db: &datong_store::Db, file: &std::path::Path) -> Result<()> {
    let shown = file.display().to_string();
    let input = std::fs::File::open(file).with_context(|| format!("reading {shown}"))?;
    let s = datong_store::backup::restore(&mut *db.get()?, &operator(), input).map_err(|e| {
        use datong_store::backup::BackupError;
        match e {
            BackupError::Upgrade(_) => anyhow::anyhow!("{shown}: {e}"),
            e => anyhow::anyhow!("{shown}: {e}; nothing was restored"),
        }
    })?;
    eprintln!("restored {} rows in {} tables", s.rows, s.tables);
    Ok(())
}

/// A spreadsheet file the command line imports: its name as shown in errors, and the
/// refusal that prints every bad cell as `file:line: column: reason`.
struct SheetFile {
    shown: String,
    sheet: datong_store::import::sheet::Sheet,
}

impl SheetFile {
    fn read(file: &std::path::Path) -> Result<Self> {
        let shown = file.display().to_string();
        let bytes = std::fs::read(file).with_context(|| format!("reading {shown}"))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sheet = datong_store::import::sheet::read(&name, &bytes)
            .map_err(|e| refuse(&shown, vec![e]))?;
        Ok(SheetFile { shown, sheet })
    }
}

fn refuse(shown: &str, errors: Vec<datong_store::import::sheet::CellError>) -> anyhow::Error {
    for e in &errors {
        eprintln!("{shown}:{}: {}: {}", e.line, e.column, e.reason);
    }
    anyhow::anyhow!("{shown}: {} problems; nothing was imported", errors.len())
}

fn import_duties(
    db: &datong_store::Db,
    file: &std::path::Path,
    valid_from: Option<chrono::NaiveDate>,
) -> Result<()> {
    use datong_store::import::duties;
    let f = SheetFile::read(file)?;
    let rows = duties::check(&f.sheet).map_err(|e| refuse(&f.shown, e))?;
    let valid_from = valid_from
        .unwrap_or_else(|| chrono::Local::now().date_naive())
        .to_string();
    let report = duties::apply(&mut *db.get()?, &operator(), &rows, &valid_from)?
        .map_err(|e| refuse(&f.shown, e))?;
    eprintln!(
        "imported {} items: {} new, {} new versions, {} unchanged",
        rows.len(),
        report.inserted,
        report.versioned,
        report.unchanged
    );
    Ok(())
}

/// Who a command acts as: the account `login` with its rights, or the operator everywhere.
fn caller_as(
    conn: &mut datong_store::Conn,
    login: Option<String>,
) -> Result<datong_store::access::Caller> {
    let operator = operator();
    Ok(match login {
        None => datong_store::access::Caller::system(operator),
        Some(l) => datong_store::account::caller_for_login(conn, &l, &operator.at)?
            .with_context(|| format!("no enabled account {l}"))?,
    })
}

fn import_tasks(
    db: &datong_store::Db,
    file: &std::path::Path,
    login: Option<String>,
) -> Result<()> {
    use datong_store::import::tasks;
    let f = SheetFile::read(file)?;
    let rows = tasks::check(&f.sheet).map_err(|e| refuse(&f.shown, e))?;
    let conn = &mut *db.get()?;
    let caller = caller_as(conn, login)?;
    let sent = tasks::apply(conn, &caller, &rows)?.map_err(|e| refuse(&f.shown, e))?;
    eprintln!("sent {} tasks", sent.len());
    Ok(())
}

fn import_roster(
    db: &datong_store::Db,
    file: &std::path::Path,
    under: &DivisionCode,
    login: Option<String>,
) -> Result<()> {
    use datong_store::import::roster;
    let f = SheetFile::read(file)?;
    let conn = &mut *db.get()?;
    let caller = caller_as(conn, login)?;
    datong_store::territory::get_in_scope(conn, &caller, under)?;
    let members =
        roster::check(conn, &caller, under, &f.sheet)?.map_err(|e| refuse(&f.shown, e))?;
    let n = datong_store::member::create_many(conn, &caller, &members)?;
    eprintln!("imported {n} members");
    Ok(())
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DATONG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::NewDataKey => {
            println!("{}", datong_store::seal::DataKey::generate());
            return Ok(());
        }
        Command::NewAuditKey => {
            println!("{}", datong_store::audit::AuditKey::generate());
            return Ok(());
        }
        _ => {}
    }
    let keys = keys()?;
    let open =
        || datong_store::open_with_keys(&cli.db, keys.clone()).context("opening the database");
    if let Command::Import(Import::Divisions {
        dir,
        scope,
        valid_from,
        effective,
    }) = &cli.command
    {
        // The nation's files take about as long to read as a new database takes to open
        // and migrate: both at once.
        let scope = parse_scope(scope)?;
        let (db, read) = std::thread::scope(|s| {
            let reading = s.spawn(|| read_divisions(dir, &scope));
            let db = open();
            (
                db,
                reading.join().expect("the reading thread does not panic"),
            )
        });
        return import_divisions(&db?, read?, *valid_from, *effective);
    }
    if let Command::Restore { file } = &cli.command {
        // Not migrated here: a backup from an older version is restored on its own schema,
        // then upgraded.
        let db = datong_store::Db::open_with_keys(&cli.db, keys.clone())
            .context("opening the database")?;
        return restore(&db, file);
    }
    let db = open()?;
    match cli.command {
        Command::Serve {
            addr,
            seed_divisions,
            seed_scope,
            demo,
            demo_scale,
            secure_cookies,
            map_tiles,
            job_interval,
            trusted_proxies,
        } => {
            if keys.data.is_none() {
                tracing::warn!(
                    "no data key: ID and phone numbers are stored in clear; set DATONG_DATA_KEY in production"
                );
            }
            if keys.audit.is_none() {
                tracing::warn!(
                    "no audit key: whoever can write the database can rewrite its audit log; set DATONG_AUDIT_KEY in production"
                );
            }
            if demo {
                serve_demo(&db, &demo_scale)?;
            }
            if let Some(dir) = seed_divisions {
                let empty = db
                    .get()?
                    .query_one("SELECT COUNT(*) FROM territory", &[])?
                    .i64(0)?
                    == 0;
                if empty {
                    let read = read_divisions(&dir, &parse_scope(&seed_scope)?)?;
                    import_divisions(&db, read, None, None)?;
                }
            }
            let app = datong_http::App::new(db, Arc::new(datong_http::SystemClock))
                .with_secure_cookies(secure_cookies)
                .with_map_tiles(map_tiles)
                .with_trusted_proxies(trusted_proxies);
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?;
                eprintln!("datong listening on http://{}", listener.local_addr()?);
                if job_interval > 0 {
                    datong_http::jobs::spawn_worker(
                        app.clone(),
                        std::time::Duration::from_secs(job_interval),
                    );
                }
                let service = datong_http::router(app, datong_web::routes())
                    .into_make_service_with_connect_info::<std::net::SocketAddr>();
                axum::serve(listener, service)
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
                Ok::<_, anyhow::Error>(())
            })?;
        }
        Command::Demo(args) => build_demo(&db, &args)?,
        Command::Import(Import::Divisions { .. }) => {
            unreachable!("imported above, while the database opened")
        }
        Command::Import(Import::Tasks { file, login }) => import_tasks(&db, &file, login)?,
        Command::Import(Import::Roster { file, under, login }) => {
            import_roster(&db, &file, &parse_scope(&under)?, login)?
        }
        Command::Import(Import::Duties { file, valid_from }) => {
            import_duties(&db, &file, valid_from)?
        }
        Command::Territory(Territory::Add {
            parent,
            name,
            serial,
            member_centre,
        }) => {
            let t = datong_store::territory::create(
                &mut *db.get()?,
                &datong_store::access::Caller::system(operator()),
                datong_store::territory::NewTerritory {
                    parent: parse_scope(&parent)?,
                    serial,
                    name: datong_domain::Name::parse(&name)
                        .map_err(|e| anyhow::anyhow!("name: {e}"))?,
                    member_centre,
                },
            )?;
            println!("{}", t.code);
        }
        Command::User(User::Add {
            login,
            role,
            scope,
            unmask,
            member,
            unit,
            department,
        }) => {
            let Some(role) = Role::parse(&role) else {
                bail!(
                    "unknown role {role}; one of: {}",
                    Role::ALL.map(Role::as_str).join(", ")
                );
            };
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            use datong_store::account::{Binding, NewAccount};
            let binding = match (member, unit, department) {
                (Some(m), _, _) => Binding::Member(m),
                (_, Some(u), _) => Binding::Unit(u),
                (_, _, Some(d)) => Binding::Department(d),
                _ => Binding::None,
            };
            let account = NewAccount {
                login: &login,
                password,
                role,
                scope: scope.as_deref().map(parse_scope).transpose()?,
                unmask,
                binding,
            };
            datong_store::account::add_user(&mut *db.get()?, &operator(), &account)?;
            eprintln!("account {login} added");
        }
        Command::User(User::Disable { login }) => set_disabled(&db, &login, true)?,
        Command::User(User::Enable { login }) => set_disabled(&db, &login, false)?,
        Command::Token(Token::Create { login, days }) => {
            println!(
                "{}",
                datong_store::account::create_token(&mut *db.get()?, &operator(), &login, days)?
            );
        }
        Command::Token(Token::Revoke { login }) => {
            let n = datong_store::account::revoke_tokens(&mut *db.get()?, &operator(), &login)?;
            eprintln!("{n} token(s) of {login} revoked");
        }
        Command::Open311Key(k) => {
            use datong_store::request::keys;
            let caller = datong_store::access::Caller::system(operator());
            let mut c = db.get()?;
            match k {
                Open311Key::Create { label } => {
                    println!("{}", keys::create(&mut c, &caller, &label)?)
                }
                Open311Key::List => {
                    for k in keys::list(&mut c, &caller)? {
                        let revoked = k
                            .revoked_at
                            .map(|r| format!("revoked {r}"))
                            .unwrap_or_default();
                        println!(
                            "{}\t{}\t{} {}\t{revoked}",
                            k.id, k.label, k.created_by, k.created_at
                        );
                    }
                }
                Open311Key::Revoke { id } => {
                    keys::revoke(&mut c, &caller, &id)?;
                    eprintln!("key {id} revoked");
                }
            }
        }
        Command::Audit(Audit::Verify { checkpoints }) => {
            let mut c = db.get()?;
            let mut v = datong_store::audit::verify(&mut c)?;
            if let Some(f) = checkpoints {
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("reading {}", f.display()))?;
                v.problems
                    .extend(datong_store::audit::verify_checkpoints(&mut c, &text)?);
            }
            for p in &v.problems {
                println!("{p}");
            }
            if !v.problems.is_empty() {
                bail!(
                    "audit log: {} problem(s) in {} rows",
                    v.problems.len(),
                    v.rows
                );
            }
            println!("audit log intact: {} rows", v.rows);
        }
        Command::Audit(Audit::Checkpoint { file }) => {
            use std::io::Write;
            let at = datong_store::audit::timestamp(chrono::Utc::now());
            let cp = datong_store::audit::checkpoint(&mut *db.get()?, &at)?;
            let mut out = std::fs::OpenOptions::new();
            out.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut out, 0o600);
            writeln!(
                out.open(&file)
                    .with_context(|| format!("writing {}", file.display()))?,
                "{}",
                serde_json::to_string(&cp)?
            )?;
            eprintln!(
                "checkpoint at row {} appended to {}",
                cp.seq,
                file.display()
            );
        }
        Command::NewDataKey | Command::NewAuditKey => {
            unreachable!("printed above, before any database opened")
        }
        Command::Backup { file } => backup(&db, &file)?,
        Command::Restore { .. } => unreachable!("restored above, before the schema was made"),
        Command::RollupRebuild => {
            let mut c = db.get()?;
            let n = c.tx(datong_store::rollup::rebuild)?;
            eprintln!("{n} counters rebuilt");
        }
        Command::Migrate => eprintln!("schema up to date"),
        Command::Bench(Bench::Rollup { nodes, runs }) => {
            let nodes = nodes
                .iter()
                .map(|n| parse_scope(n))
                .collect::<Result<Vec<_>>>()?;
            bench::rollup(&db, &nodes, runs.max(1))?;
        }
        Command::Bench(Bench::Duties { open }) => bench::duties(&db, open)?,
        Command::Bench(Bench::Requests { total }) => bench::requests(&db, total)?,
    }
    Ok(())
}
