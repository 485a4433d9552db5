//! `upstra apply -f lab.toml [--dry-run] [--json]`.
//!
//! The lab file is checked here first, against the names the store already knows, so that
//! mistakes come back as `FILE:LINE: reason` without a round trip; the daemon validates the
//! declaration again anyway. Password files are read here (the daemon may not be able to see
//! the operator's files) and sent inside the spec, never on a command line.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use upstra_core::api::v1::{ApiError, ApplyReport, ChangeKind, EntityKind, LabSpec, SessionToken};
use upstra_core::bounds;
use upstra_core::diff::is_noop;
use upstra_core::lab::{self, KnownNames};
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::{out, out_json, shown, signed_in};
use crate::cli::ApplyArgs;
use crate::client::{CallError, Connector, timeouts};
use crate::error::CliError;

/// `upstra apply`: check, read the password files, apply, report.
pub async fn run(socket: &Path, args: &ApplyArgs) -> Result<(), CliError> {
    let file = args.file.display().to_string();
    let text = read_lab_text(&args.file).map_err(CliError::Failed)?;
    let (conn, token) = signed_in(socket).await?;
    let known = known_names(&conn, &token).await?;
    let base = base_dir(&args.file);
    let spec = match lab_spec(&text, &file, base, &known) {
        Ok(spec) => spec,
        Err(problems) => {
            for p in &problems {
                eprintln!("{}", shown(p));
            }
            return Err(nothing_applied(&file, problems.len()));
        }
    };
    let dry_run = args.dry_run;
    let applied = conn
        .call(timeouts::APPLY, |c, ctx| async move {
            c.apply(ctx, token, spec, dry_run).await
        })
        .await;
    let report = match applied {
        Ok(report) => report,
        Err(CallError::Api(ApiError::Invalid { problems })) => {
            for p in &problems {
                eprintln!("{}: {}", shown(&file), shown(p));
            }
            return Err(CliError::Failed(format!(
                "the daemon refused {file} ({}); nothing was applied",
                count(problems.len(), "problem")
            )));
        }
        Err(e) => return Err(e.into()),
    };
    for w in &report.warnings {
        eprintln!("warning: {}", shown(w));
    }
    if args.json {
        out_json(&report)
    } else {
        out(&report_text(&report, &file))
    }
}

/// Reads the lab file at `path` and its password files, as `upstra apply` does, and returns
/// the declaration to send, or every problem as `FILE:LINE: reason`. The console's setup
/// wizard loads lab files through this too.
pub fn read_lab(path: &Path, known: &KnownNames) -> Result<LabSpec, Vec<String>> {
    let file = path.display().to_string();
    let text = read_lab_text(path).map_err(|e| vec![e])?;
    lab_spec(&text, &file, base_dir(path), known)
}

/// The text of the lab file at `path`, refused past [`bounds::LAB_FILE_BYTES`]: reading stops
/// there, so a huge file (or a device that never ends) costs nothing more.
fn read_lab_text(path: &Path) -> Result<String, String> {
    let file = path.display().to_string();
    let cannot = |e: &io::Error| format!("cannot read {file}: {}", io_reason(e));
    let mut text = String::new();
    fs::File::open(path)
        .map_err(|e| cannot(&e))?
        .take(bounds::LAB_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| cannot(&e))?;
    let len = text.len() as u64;
    if len > bounds::LAB_FILE_BYTES {
        return Err(format!(
            "{file} is over {} bytes, the most a lab file may be; split it or remove what is not \
             needed",
            bounds::LAB_FILE_BYTES
        ));
    }
    Ok(text)
}

/// Password files are named relative to the lab file.
fn base_dir(file: &Path) -> &Path {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Parses `text` (the content of `file`) and reads its password files from `base`.
fn lab_spec(
    text: &str,
    file: &str,
    base: &Path,
    known: &KnownNames,
) -> Result<LabSpec, Vec<String>> {
    let mut doc = lab::parse(text, known).map_err(|errors| {
        errors
            .iter()
            .map(|e| located(file, e.line, &e.message))
            .collect::<Vec<_>>()
    })?;
    let mut problems = Vec::new();
    for secret in doc.secret_files.clone() {
        match read_secret(&base.join(&secret.path)) {
            Ok(value) => doc.fill_secret(&secret.slot, value),
            Err(reason) => problems.push(located(
                file,
                secret.line,
                &format!("cannot read password file {}: {reason}", secret.path),
            )),
        }
    }
    if problems.is_empty() {
        Ok(LabSpec::from(&doc.inventory))
    } else {
        Err(problems)
    }
}

/// The names already in the store, which the file may use without declaring them.
pub(crate) async fn known_names(
    conn: &Connector,
    token: &SessionToken,
) -> Result<KnownNames, CliError> {
    let t = token.clone();
    let rooms = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_rooms(ctx, t).await
        })
        .await?;
    let t = token.clone();
    let ups = conn
        .call(
            timeouts::CALL,
            |c, ctx| async move { c.list_ups(ctx, t).await },
        )
        .await?;
    let t = token.clone();
    let servers = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_servers(ctx, t).await
        })
        .await?;
    Ok(KnownNames {
        rooms: rooms
            .into_iter()
            .filter_map(|r| r.name.parse().ok())
            .collect(),
        ups: ups
            .into_iter()
            .filter_map(|u| u.name.parse().ok())
            .collect(),
        servers: servers
            .into_iter()
            .filter_map(|s| s.name.parse().ok())
            .collect(),
    })
}

/// `FILE:LINE: message`, or `FILE: message` for problems about the whole file.
fn located(file: &str, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{file}: {message}")
    } else {
        format!("{file}:{line}: {message}")
    }
}

fn nothing_applied(file: &str, problems: usize) -> CliError {
    CliError::Failed(format!(
        "{file} has {}; nothing was applied",
        count(problems, "problem")
    ))
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An I/O error in a few words, without the OS error number.
fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// A password file's content, minus one trailing newline. Empty files are refused: an empty
/// password is almost always a mistake, and the peer would refuse it later, less clearly.
pub(crate) fn read_secret(path: &Path) -> Result<Secret, String> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|e| io_reason(&e))?);
    let text = std::str::from_utf8(&bytes).map_err(|_| "it is not UTF-8 text".to_owned())?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.is_empty() {
        return Err("it is empty".into());
    }
    Ok(Secret::new(text))
}

/// The report for people: one line per declared object, then a summary.
pub fn report_text(report: &ApplyReport, file: &str) -> String {
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut text = String::new();
    for c in &report.changes {
        // There is one vCenter; its "name" is the word itself.
        let what = match c.entity {
            EntityKind::Vcenter => c.entity.as_str().to_owned(),
            _ => format!("{} {}", c.entity.as_str(), c.name),
        };
        let line = match &c.kind {
            ChangeKind::Create => {
                created += 1;
                format!("create {what}")
            }
            ChangeKind::Update { fields } => {
                updated += 1;
                format!("update {what} ({})", fields.join(", "))
            }
            ChangeKind::Unchanged => {
                unchanged += 1;
                format!("unchanged {what}")
            }
            // A newer daemon's kind of change: named, not counted.
            ChangeKind::Unknown => format!("change {what}"),
        };
        text.push_str(&line);
        text.push('\n');
    }
    let summary = if is_noop(&report.changes) {
        format!("nothing to change: the store already matches {file}")
    } else if report.dry_run {
        format!(
            "dry run: {created} to create, {updated} to update, {unchanged} unchanged; \
             nothing was changed"
        )
    } else {
        format!("{created} created, {updated} updated, {unchanged} unchanged")
    };
    text.push_str(&summary);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use upstra_core::api::v1::Change;

    use super::*;

    #[test]
    fn a_lab_file_over_its_bound_is_refused_without_reading_all_of_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lab.toml");
        let over = usize::try_from(bounds::LAB_FILE_BYTES).expect("fits") + 1;
        fs::write(&path, "#".repeat(over)).expect("written");
        let e = read_lab_text(&path).expect_err("too big");
        assert!(e.ends_with("is over 4194304 bytes, the most a lab file may be; split it or remove what is not needed"), "{e}");
        fs::write(&path, "# small\n").expect("written");
        assert_eq!(read_lab_text(&path).as_deref(), Ok("# small\n"));
    }

    fn change(entity: EntityKind, name: &str, kind: ChangeKind) -> Change {
        Change {
            entity,
            name: name.into(),
            kind,
        }
    }

    fn report(dry_run: bool) -> ApplyReport {
        ApplyReport {
            dry_run,
            changes: vec![
                change(EntityKind::Room, "lab-a", ChangeKind::Create),
                change(EntityKind::Ups, "ups-a1", ChangeKind::Unchanged),
                change(
                    EntityKind::Server,
                    "esx-01",
                    ChangeKind::Update {
                        fields: vec!["tier".into(), "bmc".into()],
                    },
                ),
            ],
            warnings: vec![],
        }
    }

    #[test]
    fn the_report_has_a_line_per_object_and_a_summary() {
        assert_eq!(
            report_text(&report(false), "lab.toml"),
            "create room lab-a\nunchanged ups ups-a1\nupdate server esx-01 (tier, bmc)\n\
             1 created, 1 updated, 1 unchanged\n"
        );
    }

    #[test]
    fn a_dry_run_says_nothing_was_changed() {
        let text = report_text(&report(true), "lab.toml");
        assert!(
            text.ends_with("dry run: 1 to create, 1 to update, 1 unchanged; nothing was changed\n")
        );
    }

    #[test]
    fn a_second_apply_says_nothing_to_change() {
        let noop = ApplyReport {
            dry_run: false,
            changes: vec![change(EntityKind::Room, "lab-a", ChangeKind::Unchanged)],
            warnings: vec![],
        };
        assert_eq!(
            report_text(&noop, "lab.toml"),
            "unchanged room lab-a\nnothing to change: the store already matches lab.toml\n"
        );
    }

    /// A newer daemon's kind of object or change is still a line, and never "nothing to
    /// change".
    #[test]
    fn a_newer_daemons_change_is_shown_and_not_counted() {
        let newer = ApplyReport {
            dry_run: false,
            changes: vec![change(EntityKind::Unknown, "pdu-1", ChangeKind::Unknown)],
            warnings: vec![],
        };
        assert_eq!(
            report_text(&newer, "lab.toml"),
            "change unknown pdu-1\n0 created, 0 updated, 0 unchanged\n"
        );
    }

    #[test]
    fn password_files_lose_one_newline_and_must_not_be_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, body: &[u8]| {
            let p = dir.path().join(name);
            fs::write(&p, body).expect("write");
            p
        };
        let ok = read_secret(&write("ok", b"pw\n\n")).expect("readable");
        assert_eq!(ok.expose(), "pw\n");
        assert_eq!(
            read_secret(&write("crlf", b"pw\r\n")).map(|s| s.expose().to_owned()),
            Ok("pw".into())
        );
        assert_eq!(
            read_secret(&write("empty", b"\n")).map(|_| ()),
            Err("it is empty".into())
        );
        assert_eq!(
            read_secret(&dir.path().join("missing")).map(|_| ()),
            Err("no such file".into())
        );
    }
}
