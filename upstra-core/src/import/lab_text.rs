//! The lab file's text, from the built objects: a comment block first (sources, readings,
//! placeholders, renames, what has no equivalent), then rooms, UPS, the vCenter, servers and
//! VM priorities in the order `config/demo-lab.toml` uses.

use std::fmt::Write as _;

use super::map::{Builder, LServer};
use super::render::{bullet, comment, quoted, toml_str};

pub(super) fn write(b: &Builder) -> String {
    let mut out = String::new();
    header(&mut out, b);
    for r in &b.rooms {
        out.push_str("\n[[room]]\n");
        if let Some(note) = &r.note {
            comment(&mut out, "", note);
        }
        line(&mut out, "name", &toml_str(&r.name));
    }
    for u in &b.ups {
        out.push_str("\n[[ups]]\n");
        for note in &u.notes {
            comment(&mut out, "", note);
        }
        line(&mut out, "name", &toml_str(&u.name));
        line(&mut out, "room", &toml_str(&u.room));
        line(&mut out, "nut", &toml_str(&u.nut));
        let mut policy = Vec::new();
        if let Some(g) = u.grace_s {
            policy.push(format!("grace = {g}"));
        }
        if let Some(r) = u.restore_after_s {
            policy.push(format!("restore_after = {r}"));
        }
        if !policy.is_empty() {
            line(&mut out, "policy", &format!("{{ {} }}", policy.join(", ")));
        }
    }
    if let Some(vc) = &b.vcenter {
        out.push_str("\n[vcenter]\n");
        for note in &vc.notes {
            comment(&mut out, "", note);
        }
        line(&mut out, "url", &toml_str(&vc.url));
        line(&mut out, "user", &toml_str(&vc.user));
        match &vc.password_file {
            Some(f) => line(&mut out, "password_file", &toml_str(f)),
            None => placeholder_line(&mut out, b, "vcenter.password", "password_file"),
        }
    }
    for s in &b.servers {
        server(&mut out, b, s);
    }
    if !b.vms.is_empty() {
        out.push('\n');
        comment(
            &mut out,
            "",
            "VM priorities, by the VM's name in vCenter: higher moves first, stops last and \
             starts first.",
        );
    }
    for vm in &b.vms {
        out.push_str("\n[[vm]]\n");
        comment(&mut out, "", &format!("From {}.", vm.note));
        line(&mut out, "name", &toml_str(&vm.name));
        line(&mut out, "priority", &vm.priority.to_string());
    }
    out
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

/// A commented-out `key = "file"` line naming the placeholder's reason.
fn placeholder_line(out: &mut String, b: &Builder, file: &str, key: &str) {
    let reason = b
        .placeholders
        .iter()
        .find(|p| p.file == file)
        .map_or("no password", |p| p.reason.as_str());
    comment(
        out,
        "",
        &format!(
            "PLACEHOLDER ({}): {key} = {}",
            quoted(reason),
            toml_str(file)
        ),
    );
}

fn server(out: &mut String, b: &Builder, s: &LServer) {
    let mut body = String::new();
    for note in &s.notes {
        comment(&mut body, "", note);
    }
    line(&mut body, "name", &toml_str(&s.name));
    line(&mut body, "room", &toml_str(&s.room));
    line(&mut body, "kind", &toml_str(s.kind));
    if !s.feeds.is_empty() {
        let feeds: Vec<String> = s.feeds.iter().map(|f| toml_str(f)).collect();
        line(&mut body, "feeds", &format!("[{}]", feeds.join(", ")));
    }
    line(&mut body, "tier", &s.tier.to_string());
    if let Some(h) = &s.vsphere_host {
        line(&mut body, "vsphere_host", &toml_str(h));
    }
    if !s.migrate_to.is_empty() {
        let targets: Vec<String> = s.migrate_to.iter().map(|t| toml_str(t)).collect();
        line(
            &mut body,
            "migrate_to",
            &format!("[{}]", targets.join(", ")),
        );
    }
    for (target, why) in &s.held_migrate_to {
        comment(
            &mut body,
            "",
            &format!("REVIEW: {why}; uncomment the next line once it can take them."),
        );
        let _ = writeln!(body, "# migrate_to = [{}]", toml_str(target));
    }
    if let Some(bmc) = &s.bmc {
        let mut fields = vec![
            format!("url = {}", toml_str(&bmc.url)),
            format!("user = {}", toml_str(&bmc.user)),
        ];
        match &bmc.password_file {
            Some(f) => fields.push(format!("password_file = {}", toml_str(f))),
            None => placeholder_line(
                &mut body,
                b,
                &format!("bmc-{}.password", s.name),
                "password_file (in bmc)",
            ),
        }
        comment(
            &mut body,
            "",
            "Its iLO certificate is not pinned: check it with `upstra trust` before relying on it.",
        );
        line(&mut body, "bmc", &format!("{{ {} }}", fields.join(", ")));
    }
    out.push('\n');
    out.push_str("[[server]]\n");
    out.push_str(&body);
}

fn header(out: &mut String, b: &Builder) {
    comment(
        out,
        "",
        "Imported from the predecessor (upstra-v1) by `upstra import upstra-v1`, for review: \
         nothing has been applied. Check it, then run `upstra apply -f lab.toml --dry-run`.",
    );
    if b.sources.is_empty() {
        comment(out, "", "Sources: none.");
    } else {
        comment(out, "", &format!("Sources: {}.", b.sources.join("; ")));
    }
    section(
        out,
        "Readings taken where the source allows two:",
        &b.readings,
    );
    let placeholders: Vec<String> = b
        .placeholders
        .iter()
        .map(|p| format!("{} for {}: {}", p.file, p.what, quoted(&p.reason)))
        .collect();
    section(
        out,
        "Placeholders to fill (password files not written):",
        &placeholders,
    );
    let renamed: Vec<String> = [
        &b.room_names.renamed,
        &b.ups_names.renamed,
        &b.server_names.renamed,
    ]
    .into_iter()
    .flatten()
    .map(|r| {
        let why = if r.collided {
            " (the name was taken)"
        } else {
            ""
        };
        format!("{} {} is named {}{why}", r.kind, quoted(&r.from), r.to)
    })
    .collect();
    section(out, "Renamed to valid lab names:", &renamed);
    section(
        out,
        "No equivalent in a lab file (each with the record it came from):",
        &b.unmapped,
    );
}

fn section(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str("#\n");
    comment(out, "", title);
    for item in items {
        bullet(out, item);
    }
}
