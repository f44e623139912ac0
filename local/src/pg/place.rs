//! Where a cluster's files live. Under root the server runs as the `postgres` system user, which
//! cannot enter a checkout in a private home (mode 0700, e.g. root's): such a cluster lives in a
//! directory of its own under /var/tmp, one per checkout, that the server user owns.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::PgError;
use super::cluster::server_user;

/// The cluster directory of the checkout at `checkout`: `.studio/db` inside it when the server
/// runs as this user, else `studio-local-<hash of the checkout's path>/pg` under /var/tmp (kept
/// across reboots, unlike /tmp) or the system's temporary directory.
pub fn cluster_dir(checkout: &Path) -> PathBuf {
    if server_user().is_none() {
        return checkout.join(".studio").join("db");
    }
    let var_tmp = Path::new("/var/tmp");
    let base = if var_tmp.is_dir() { var_tmp.to_path_buf() } else { std::env::temp_dir() };
    base.join(format!("studio-local-{:016x}", fnv1a(checkout.as_os_str().as_encoded_bytes()))).join("pg")
}

/// A stable hash of the checkout's path (the standard library's hasher may change between
/// releases, which would move the cluster).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Fails, naming the directory in the way and what to do, when user `uid` (group `gid`) cannot
/// pass through every directory above `dir`.
pub(super) fn check_reachable(dir: &Path, uid: u32, gid: u32) -> Result<(), PgError> {
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(ancestor) else { continue };
        let mode = meta.mode();
        let search = if meta.uid() == uid {
            mode & 0o100
        } else if meta.gid() == gid {
            mode & 0o010
        } else {
            mode & 0o001
        };
        if search == 0 {
            let blocker = ancestor.display().to_string();
            return Err(PgError::Unreachable {
                uid,
                dir: dir.display().to_string(),
                fix: format!(
                    "Keep the cluster elsewhere (unset STUDIO_DB_DIR to use the default under /var/tmp, or point it \
                     at a directory outside {blocker}), or let the server user through: chmod o+x {blocker}"
                ),
                blocker,
            });
        }
    }
    Ok(())
}
