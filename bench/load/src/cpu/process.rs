//! One api/ binary as its own process, served the way `vercel_runtime` serves locally
//! (`VERCEL_DEV_PORT`, the `/_vercel/ping` probe), and what the kernel says it has used.

use std::path::Path;
use std::time::Duration;

use studio_local::testing::spawn_function;
use tokio::process::Child;

pub struct Function {
    pub child: Child,
    pub url: String,
    pid: u32,
}

impl Function {
    /// Starts `binary` with `env` (the function's environment) on a free port; waits until it answers.
    pub async fn start(binary: &Path, env: &[(String, String)]) -> Result<Self, String> {
        let (child, port) = spawn_function(binary, env).map_err(|e| {
            format!("start {}: {e} (build it: cargo build --release -p studio-api --bins)", binary.display())
        })?;
        let pid = child.id().ok_or(format!("{} exited at once", binary.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if reqwest::get(format!("{url}/_vercel/ping")).await.is_ok() {
                return Ok(Self { child, url, pid });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(format!("{} did not listen on port {port}", binary.display()))
    }

    /// User + system CPU time of every thread of the process so far, in milliseconds.
    pub fn cpu_ms(&self) -> Result<f64, String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).map_err(|e| format!("/proc: {e}"))?;
        let ticks = cpu_ticks(&stat).ok_or(format!("unreadable /proc/{}/stat", self.pid))?;
        // SAFETY: sysconf reads a constant of the system.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
        Ok(ticks as f64 * 1000.0 / per_second as f64)
    }

    /// Peak resident memory (VmHWM), in MB; 0 if unreadable.
    pub fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        kb.map_or(0.0, |kb: f64| kb / 1024.0)
    }
}

/// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line; the command name in parentheses
/// may itself hold spaces and parentheses, so fields are counted after its last `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::cpu_ticks;

    #[test]
    fn cpu_ticks_are_utime_plus_stime_counted_after_the_command_name() {
        let stat = "4242 (gal lery) (x) S 1 4242 4242 0 -1 4194560 1057 0 0 0 371 29 0 0 20 0 5 0 123 0 0";
        assert_eq!(cpu_ticks(stat), Some(400));
        assert_eq!(cpu_ticks("garbage"), None);
    }
}
