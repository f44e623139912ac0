//! CPU-bound work (image decoding and encoding, password hashing) off the async threads, at most
//! one job per CPU at a time in the process.
//!
//! One function instance serves many requests at once. Under a burst, unbounded `spawn_blocking`
//! would run hundreds of jobs side by side on the blocking pool: every job holds its decoded
//! pixels (or argon2's 19 MiB) at the same time, every job finishes late, and the async threads
//! that carry uploads and database calls get so little CPU that their deadlines pass (found by
//! `bench/load`: 1,000 concurrent generations, a third of them 504 "storage did not answer in
//! time"). Queued here instead, jobs finish in turn and the rest of the process keeps moving.

use std::sync::LazyLock;

use tokio::sync::Semaphore;
use tokio::task::JoinError;

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(slots()));

/// One slot per CPU the process may use.
pub fn slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `job` on the blocking pool once a slot is free; the slot is held until the job is done.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, JoinError> {
    // The semaphore is never closed, so acquiring cannot fail.
    let _slot = SLOTS.acquire().await.ok();
    tokio::task::spawn_blocking(job).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_of_jobs_runs_at_most_one_per_cpu_at_a_time_and_every_job_finishes() {
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..4 * super::slots() + 3)
            .map(|i| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(super::run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                }))
            })
            .collect();

        let mut done = Vec::new();
        for job in jobs {
            done.push(job.await.unwrap().unwrap());
        }

        assert_eq!(done, (0..4 * super::slots() + 3).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= super::slots(), "{} jobs ran at once", most.load(Ordering::SeqCst));
    }
}
