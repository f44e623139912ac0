//! `Cluster`: a private PostgreSQL server this process creates, starts and stops.
//!
//! PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user
//! (or `nobody`), owning its data directory. The server is started from a thread that lives as long
//! as it does and is told to shut down fast if this process dies (`PR_SET_PDEATHSIG`), so neither a
//! crashed test binary nor a killed dev server leaves a server behind.

use std::ffi::CString;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The bootstrap superuser, as on a hosted project (`postgres` is not a superuser there).
pub const ADMIN_ROLE: &str = "supabase_admin";

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "no PostgreSQL binaries found (looked for {0} on PATH and in /usr/lib/postgresql/*/bin); install postgresql-15"
    )]
    NoBinaries(&'static str),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("PostgreSQL did not become ready within {secs} s; its log ends with:\n{log}")]
    NotReady { secs: u64, log: String },
    #[error("the server user (uid {uid}) cannot reach {dir}: {blocker} is closed to it. {fix}")]
    Unreachable { uid: u32, dir: String, blocker: String, fix: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {}", detail(.0))]
    Sql(#[from] tokio_postgres::Error),
    #[error("migration {file} failed: {}", detail(.source))]
    Migration { file: String, source: tokio_postgres::Error },
}

/// The server's message and SQLSTATE, which the driver's own text ("db error") leaves out.
fn detail(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

/// Where and how to run the server.
pub struct ClusterOptions {
    /// Holds `data/` (the cluster) and `postgres.log`; created when missing.
    pub dir: PathBuf,
    pub port: u16,
    /// Trades crash safety for speed (no fsync): right for throwaway test clusters only.
    pub ephemeral: bool,
}

pub struct Cluster {
    dir: PathBuf,
    port: u16,
    pid: i32,
    /// Signalled when the server process has exited.
    exited: Mutex<mpsc::Receiver<()>>,
}

impl Cluster {
    /// Creates the cluster if `dir` has none, then starts it and waits until it accepts connections.
    pub fn start(options: &ClusterOptions) -> Result<Self, PgError> {
        let data = options.dir.join("data");
        let owner = server_user();
        // SAFETY: geteuid has no preconditions.
        if owner.is_none() && unsafe { libc::geteuid() } == 0 {
            return Err(PgError::Command {
                what: "starting PostgreSQL as root".into(),
                detail: "PostgreSQL refuses to run as root, and this system has neither a `postgres` nor a `nobody` \
                         user to run it as: create one (useradd --system --user-group postgres), then run again"
                    .into(),
            });
        }
        fs::create_dir_all(&options.dir)?;
        if let Some((uid, gid)) = owner {
            chown(&options.dir, uid, gid)?;
            super::place::check_reachable(&options.dir, uid, gid)?;
        }
        if !data.join("PG_VERSION").exists() {
            init_cluster(&data, owner, options.ephemeral)?;
        }
        remove_stale_pid(&data);
        let (pid, exited) = spawn_server(options, owner)?;
        let cluster = Self { dir: options.dir.clone(), port: options.port, pid, exited: Mutex::new(exited) };
        cluster.wait_ready(Duration::from_secs(60))?;
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string for `database` as the bootstrap superuser, `supabase_admin` (trust
    /// authentication on loopback).
    pub fn url(&self, database: &str) -> String {
        self.url_as(ADMIN_ROLE, database)
    }

    /// A connection string for `database` as `role` (e.g. `postgres`, `authenticator`).
    pub fn url_as(&self, role: &str, database: &str) -> String {
        format!("postgres://{role}@127.0.0.1:{}/{database}", self.port)
    }

    /// Fast shutdown: open transactions are rolled back, then the server exits.
    pub fn stop(&self) {
        // SAFETY: kill(2) on the pid of the server this process started; no memory is involved.
        unsafe { libc::kill(self.pid, libc::SIGINT) };
        if let Ok(exited) = self.exited.lock() {
            let _ = exited.recv_timeout(Duration::from_secs(30));
        }
    }

    fn wait_ready(&self, limit: Duration) -> Result<(), PgError> {
        let started = Instant::now();
        let pid_file = self.dir.join("data").join("postmaster.pid");
        while started.elapsed() < limit {
            if self.exited.lock().is_ok_and(|exited| exited.try_recv().is_ok()) {
                return Err(PgError::NotReady { secs: 0, log: self.log_tail() });
            }
            // Line 8 of postmaster.pid becomes "ready" once the server accepts connections.
            let status = fs::read_to_string(&pid_file).unwrap_or_default();
            if status.lines().nth(7).is_some_and(|l| l.trim() == "ready") {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Err(PgError::NotReady { secs: limit.as_secs(), log: self.log_tail() })
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn init_cluster(data: &Path, owner: Option<(u32, u32)>, ephemeral: bool) -> Result<(), PgError> {
    let mut initdb = Command::new(binary("initdb")?);
    initdb.arg("-D").arg(data).args(["-U", ADMIN_ROLE, "--auth=trust", "--encoding=UTF8"]);
    // C.UTF-8: byte-order collation, but Unicode-aware lower()/ILIKE for Indonesian and others.
    initdb.args(["--locale=C.UTF-8"]);
    if ephemeral {
        initdb.arg("--no-sync");
    }
    run_as(&mut initdb, owner, data.parent().unwrap_or(data));
    let output = initdb.stdin(Stdio::null()).output()?;
    if !output.status.success() {
        return Err(PgError::Command {
            what: "initdb".into(),
            detail: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(())
}

/// A server killed without a shutdown leaves its pid file; PostgreSQL refuses to start while the
/// pid in it is alive, and a reused pid could belong to anything, so a dead one is removed.
fn remove_stale_pid(data: &Path) {
    let pid_file = data.join("postmaster.pid");
    let pid =
        fs::read_to_string(&pid_file).ok().and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
    // SAFETY: kill with signal 0 only checks whether the process exists.
    if pid.is_some_and(|pid| unsafe { libc::kill(pid, 0) } != 0) {
        let _ = fs::remove_file(pid_file);
    }
}

fn spawn_server(options: &ClusterOptions, owner: Option<(u32, u32)>) -> Result<(i32, mpsc::Receiver<()>), PgError> {
    let log = File::create(options.dir.join("postgres.log"))?;
    let mut server = Command::new(binary("postgres")?);
    server
        .arg("-D")
        .arg(options.dir.join("data"))
        .args(["-p", &options.port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", options.dir.display()))
        .args(["-c", "max_connections=300"]);
    if options.ephemeral {
        server.args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
    }
    server.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    run_as(&mut server, owner, &options.dir);
    // Its own process group keeps a terminal's Ctrl-C away from it: the owner stops it in order.
    server.process_group(0);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        server.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    // The parent-death signal fires when the spawning *thread* ends, so the spawning thread lives
    // exactly as long as the server.
    thread::Builder::new().name("postgres".into()).spawn(move || match server.spawn() {
        Ok(mut child) => {
            let _ = started_tx.send(Ok(child.id() as i32));
            let _ = child.wait();
            let _ = exited_tx.send(());
        }
        Err(err) => {
            let _ = started_tx.send(Err(err));
        }
    })?;
    let pid = started_rx.recv().map_err(|_| PgError::Command {
        what: "starting postgres".into(),
        detail: "the starter thread ended".into(),
    })??;
    Ok((pid, exited_rx))
}

/// Runs `command` as the server's user when this process is root, from a directory that user can
/// enter (PostgreSQL's programs fail when they cannot return to their working directory, e.g. a
/// checkout in root's 0700 home).
fn run_as(command: &mut Command, owner: Option<(u32, u32)>, cwd: &Path) {
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid).current_dir(cwd);
    }
}

/// `(uid, gid)` of the user the server runs as when this process is root: `postgres` if the
/// system has one, else `nobody`. `None` when not root (the server runs as the current user).
pub(super) fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    ["postgres", "nobody"].into_iter().find_map(user_ids)
}

fn user_ids(name: &str) -> Option<(u32, u32)> {
    let name = CString::new(name).ok()?;
    // SAFETY: getpwnam returns null or a pointer to a static record, read at once.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        return None;
    }
    // SAFETY: non-null, checked above.
    Some(unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<(), PgError> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    Ok(())
}

/// A PostgreSQL program: from PATH, else the newest Debian install under /usr/lib/postgresql.
fn binary(name: &'static str) -> Result<PathBuf, PgError> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    if let Some(found) = on_path {
        return Ok(found);
    }
    let mut versions: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name))).collect())
        .unwrap_or_default();
    versions.retain(|p| p.is_file());
    versions.sort();
    versions.pop().ok_or(PgError::NoBinaries(name))
}
