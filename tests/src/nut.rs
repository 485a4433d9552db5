//! The harness's dummy-ups UPS: rewriting a `.dev` file to flip a UPS's status, restored on
//! drop. Shared by the NUT adapter's tests, the daemon's and the detection-latency benchmark.
#![allow(clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A dummy-ups `.dev` file; restored to what it held at `open` when dropped.
pub struct DevFile {
    path: PathBuf,
    original: String,
}

impl DevFile {
    pub fn open(nut_dir: &Path, ups: &str) -> Self {
        let path = nut_dir.join(format!("{ups}.dev"));
        let original = fs::read_to_string(&path).expect("the .dev file");
        Self { path, original }
    }

    /// Rewrites the file with these `var: value` lines replaced.
    pub fn set(&self, changes: &[(&str, &str)]) {
        let text: String = self
            .original
            .lines()
            .map(|line| {
                let var = line.split(':').next().unwrap_or_default();
                match changes.iter().find(|(v, _)| *v == var) {
                    Some((v, value)) => format!("{v}: {value}\n"),
                    None => format!("{line}\n"),
                }
            })
            .collect();
        self.write(&text);
    }

    /// Temp file + mtime bump + rename: dummy-ups notices a change only when the mtime, in
    /// whole seconds, differs from the one it last read.
    fn write(&self, text: &str) {
        let tmp = self.path.with_extension("dev.upstra-test");
        fs::write(&tmp, text).expect("write temp .dev");
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).expect("chmod");
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
        let old = secs(
            fs::metadata(&self.path)
                .and_then(|m| m.modified())
                .expect("mtime"),
        );
        let stamp = secs(SystemTime::now()).max(old + 1);
        let file = fs::File::options()
            .write(true)
            .open(&tmp)
            .expect("open temp");
        file.set_modified(UNIX_EPOCH + Duration::from_secs(stamp))
            .expect("set mtime");
        fs::rename(&tmp, &self.path).expect("rename .dev");
    }
}

impl Drop for DevFile {
    fn drop(&mut self) {
        self.write(&self.original.clone());
    }
}
