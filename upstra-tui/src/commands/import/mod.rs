//! `upstra import upstra-v1`: reads the predecessor's migration plan and, when given, its
//! database, decrypts its passwords with its key when given, maps them with
//! [`upstra_core::import::map`], and writes a lab file and its password files for review. It
//! never talks to the daemon: applying is the operator's next, separate step.

mod crypto;
mod pgpass;
mod plan_yaml;
mod postgres;
mod secrets;

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use upstra_core::import::{self, Imported, Source};

use super::{out, shown};
use crate::cli::UpstraV1Args;
use crate::error::CliError;

/// The lab file's name in the output directory.
const LAB_FILE: &str = "lab.toml";

/// `upstra import upstra-v1`.
pub async fn upstra_v1(args: &UpstraV1Args) -> Result<(), CliError> {
    let lab_path = args.out.join(LAB_FILE);
    // Before the slow work (the key, the database): a refusal should come at once.
    if !args.force && lab_path.exists() {
        return Err(exists(&lab_path));
    }
    let key_file = args.encryption_key_file.clone();
    // scrypt takes a moment and 16 MiB: off the async workers.
    let mut passwords =
        tokio::task::spawn_blocking(move || secrets::Passwords::with_key_file(key_file.as_deref()))
            .await
            .map_err(|e| CliError::Failed(format!("the key derivation stopped: {e}")))??;
    let plan = plan_yaml::read(&args.plan, &mut passwords)?;
    let database = match &args.postgres {
        Some(url) => {
            Some(postgres::read(url, args.postgres_password_file.as_deref(), &mut passwords).await?)
        }
        None => None,
    };
    passwords.check_key()?;
    let imported = import::map(&Source {
        plan: Some(plan),
        database,
    });
    write(&args.out, &imported, args.force)?;
    out(&summary(&args.out, &lab_path, &imported))
}

fn exists(path: &Path) -> CliError {
    CliError::Failed(format!(
        "{} already exists: review or move it, or add --force to replace it; nothing was written",
        path.display()
    ))
}

/// Creates `dir` (0700) and writes every file in it (0600), refusing to replace any unless
/// `force`: the password files first, the lab file last, so a lab file never names a file
/// that was not written.
fn write(dir: &Path, imported: &Imported, force: bool) -> Result<(), CliError> {
    let cannot = |path: &Path, e: io::Error| {
        CliError::Failed(format!("cannot write {}: {e}", path.display()))
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| cannot(dir, e))?;
    let lab = dir.join(LAB_FILE);
    let files: Vec<(PathBuf, &[u8])> = imported
        .password_files
        .iter()
        .map(|f| (dir.join(&f.file), f.value.expose().as_bytes()))
        .chain(std::iter::once((lab, imported.lab.as_bytes())))
        .collect();
    if !force && let Some((path, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(exists(path));
    }
    for (path, bytes) in &files {
        // A replaced file is removed first, so that the new one is created afresh with mode
        // 0600: never written through a symbolic link left in DIR, nor under an old file's mode.
        if force {
            match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(cannot(path, e)),
                _ => {}
            }
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| cannot(path, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| cannot(path, e))?;
    }
    Ok(())
}

/// What was written, what was not and why, and the next command.
fn summary(dir: &Path, lab: &Path, imported: &Imported) -> String {
    let c = imported.counts;
    let mut declared = vec![
        count(c.rooms, "room", "rooms"),
        count(c.ups, "UPS", "UPS"),
        count(c.servers, "server", "servers"),
    ];
    if c.vcenter > 0 {
        declared.push("the vCenter".into());
    }
    declared.push(count(c.vms, "VM priority", "VM priorities"));
    let mut text = format!("wrote {}: {}\n", lab.display(), declared.join(", "));
    for f in &imported.password_files {
        let plain = if f.plain_text {
            ": not encrypted in the source, taken as written"
        } else {
            ""
        };
        text.push_str(&format!(
            "wrote {} ({}){plain}\n",
            dir.join(&f.file).display(),
            f.what
        ));
    }
    for p in &imported.placeholders {
        text.push_str(&format!(
            "placeholder: {} ({}) not written: {}\n",
            p.file,
            p.what,
            shown(&p.reason)
        ));
    }
    for r in &imported.renamed {
        text.push_str(&format!(
            "renamed: {} \"{}\" is {}{}\n",
            r.kind,
            shown(&r.from),
            r.to,
            if r.collided {
                " (the name was taken)"
            } else {
                ""
            }
        ));
    }
    if !imported.unmapped.is_empty() {
        text.push_str(&format!(
            "{} with no equivalent in a lab file: listed at the top of {}\n",
            count(imported.unmapped.len(), "record", "records"),
            lab.display()
        ));
    }
    text.push_str(&format!(
        "nothing was applied; review the file, then run:\n  upstra apply -f {} --dry-run\n",
        lab.display()
    ));
    text
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use upstra_core::import::{Counts, PasswordFile};
    use upstra_core::secret::Secret;

    use super::*;

    fn imported() -> Imported {
        Imported {
            lab: "# lab\n".into(),
            password_files: vec![PasswordFile {
                file: "vcenter.password".into(),
                what: "the vCenter".into(),
                value: Secret::new("pw"),
                plain_text: false,
            }],
            placeholders: Vec::new(),
            renamed: Vec::new(),
            unmapped: Vec::new(),
            readings: Vec::new(),
            counts: Counts::default(),
        }
    }

    #[test]
    fn files_are_private_and_never_written_through_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("out");
        write(&out, &imported(), false).expect("written");
        let mode = |p: &Path| fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("vcenter.password")), 0o600);
        assert!(
            write(&out, &imported(), false).is_err(),
            "no overwrite without --force"
        );

        let victim = dir.path().join("victim");
        fs::write(&victim, "keep me").expect("victim");
        fs::remove_file(out.join("lab.toml")).expect("removed");
        std::os::unix::fs::symlink(&victim, out.join("lab.toml")).expect("link");
        write(&out, &imported(), true).expect("forced");
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "keep me");
        assert_eq!(
            fs::read_to_string(out.join("lab.toml")).expect("lab"),
            "# lab\n"
        );
        assert_eq!(mode(&out.join("lab.toml")), 0o600);
    }
}
