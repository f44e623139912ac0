//! `RedisServer`: a private `redis-server` this process starts on a Unix socket, one per process,
//! with many databases so that each stand-in (each test's stack) gets one of its own; or one of a
//! stand-in's own ([`RedisServer::private`]), which an outage may kill and restart.
//!
//! Started like the PostgreSQL cluster: from a thread that lives as long as the server, which is
//! told to stop if this process dies (`PR_SET_PDEATHSIG`), and stopped at exit. No persistence
//! (`--save ""`, no AOF) and no TCP port (`--port 0`): nothing outlives the process, nothing races.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// Databases per server: stand-ins take the next one, wrapping around (and flushing) after this many.
pub const DATABASES: u32 = 1024;

pub struct RedisServer {
    dir: PathBuf,
    binary: PathBuf,
    process: Mutex<Process>,
}

struct Process {
    pid: i32,
    /// Signalled when the server process has exited.
    exited: mpsc::Receiver<()>,
}

static SHARED: OnceLock<Result<Option<RedisServer>, String>> = OnceLock::new();

impl RedisServer {
    /// The process's server, started on first use; `Ok(None)` when `redis-server` is not installed.
    pub fn shared() -> Result<Option<&'static RedisServer>, String> {
        let started = SHARED.get_or_init(|| {
            let Some(binary) = binary() else { return Ok(None) };
            let server = Self::start(binary).map_err(|e| format!("redis-server did not start: {e}"))?;
            // SAFETY: registers a plain function to run at process exit.
            unsafe { libc::atexit(stop_shared) };
            Ok(Some(server))
        });
        started.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    /// The running shared server, without starting one.
    pub fn running() -> Option<&'static RedisServer> {
        SHARED.get().and_then(|started| started.as_ref().ok()).and_then(Option::as_ref)
    }

    /// A server of its own (one database), stopped when dropped; `Ok(None)` when none is installed.
    pub fn private() -> std::io::Result<Option<RedisServer>> {
        binary().map(Self::start).transpose()
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    fn start(binary: PathBuf) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("studio-redis-").tempdir()?.keep();
        let process = Self::launch(&binary, &dir)?;
        let server = Self { dir, binary, process: Mutex::new(process) };
        server.wait_ready(Duration::from_secs(10))?;
        Ok(server)
    }

    /// Starts the process on the server's socket (a killed server's is replaced).
    fn launch(binary: &PathBuf, dir: &std::path::Path) -> std::io::Result<Process> {
        let log = File::options().create(true).append(true).open(dir.join("redis.log"))?;
        let mut command = Command::new(binary);
        command
            .args(["--port", "0", "--unixsocket"])
            .arg(dir.join("redis.sock"))
            .args(["--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--databases", &DATABASES.to_string(), "--maxclients", "4096"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let (pid, exited) = spawn(command)?;
        Ok(Process { pid, exited })
    }

    /// Kills the process as a crash would (SIGKILL: no shutdown, every connection reset) and
    /// waits until it is gone. Its data goes with it: nothing is persisted.
    pub fn kill(&self) {
        self.signal(libc::SIGKILL);
    }

    /// Starts the server again on the same socket after [`kill`](Self::kill).
    pub fn restart(&self) -> std::io::Result<()> {
        let process = Self::launch(&self.binary, &self.dir)?;
        *self.process.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = process;
        self.wait_ready(Duration::from_secs(10))
    }

    fn signal(&self, signal: libc::c_int) {
        let process = self.process.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: kill(2) on the pid of the server this process started; no memory is involved.
        unsafe { libc::kill(process.pid, signal) };
        let _ = process.exited.recv_timeout(Duration::from_secs(5));
    }

    fn wait_ready(&self, limit: Duration) -> std::io::Result<()> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.process.lock().is_ok_and(|process| process.exited.try_recv().is_ok()) {
                return Err(std::io::Error::other(format!("it exited; its log:\n{}", self.log())));
            }
            if std::os::unix::net::UnixStream::connect(self.socket()).is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(5));
        }
        Err(std::io::Error::other(format!("not ready after {limit:?}; its log:\n{}", self.log())))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    pub fn stop(&self) {
        self.signal(libc::SIGTERM);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Spawns from a thread that waits for the server: the parent-death signal fires when the
/// spawning *thread* ends, so that thread lives exactly as long as the server.
fn spawn(mut command: Command) -> std::io::Result<(i32, mpsc::Receiver<()>)> {
    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    thread::Builder::new().name("redis-server".into()).spawn(move || match command.spawn() {
        Ok(mut child) => {
            let _ = started_tx.send(i32::try_from(child.id()).map_err(std::io::Error::other));
            let _ = child.wait();
            let _ = exited_tx.send(());
        }
        Err(err) => {
            let _ = started_tx.send(Err(err));
        }
    })?;
    let pid = started_rx.recv().map_err(|_| std::io::Error::other("the starter thread ended"))??;
    Ok((pid, exited_rx))
}

extern "C" fn stop_shared() {
    if let Some(server) = RedisServer::running() {
        server.stop();
    }
}

/// `redis-server` from PATH (Debian installs it in /usr/bin).
fn binary() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

impl Drop for RedisServer {
    /// Only private servers are dropped; the shared one lives in a static and stops at exit.
    fn drop(&mut self) {
        self.stop();
    }
}
