//! The right pane: everything known about the selected node, as label/value lines.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::shown;
use crate::console::state::State;
use crate::console::strings::Strings;
use crate::console::tree::{self, NodeId};
use crate::format;

/// Width of the label column.
const LABEL_WIDTH: usize = 13;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let block = Block::bordered().title(format!(" {} ", s.details_title));
    let lines = match &state.lab.selected {
        Some(id) if state.lab.loaded => details(state, id),
        _ => vec![Line::from(s.nothing_selected)],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn title<'a>(kind: &'a str, name: impl Into<std::borrow::Cow<'a, str>>, strong: Style) -> Line<'a> {
    Line::from(vec![
        Span::raw(kind),
        Span::raw(" "),
        Span::styled(name, strong),
    ])
}

fn field<'a>(label: &str, value: impl Into<String>, dim: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL_WIDTH$}"), dim),
        Span::raw(value.into()),
    ])
}

fn yes_no(s: &Strings, value: Option<bool>) -> String {
    match value {
        Some(true) => s.yes.to_owned(),
        Some(false) => s.no.to_owned(),
        None => format::NONE.to_owned(),
    }
}

fn or_none(value: Option<&str>) -> String {
    value
        .filter(|v| !v.is_empty())
        .unwrap_or(format::NONE)
        .to_owned()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        format::NONE.to_owned()
    } else {
        items.join(", ")
    }
}

fn details<'a>(state: &'a State, id: &'a NodeId) -> Vec<Line<'a>> {
    let s = state.strings();
    let (strong, dim) = (state.theme.strong(), state.theme.dim());
    let title = |kind: &'a str, name: &'a str| title(kind, name, strong);
    let field = |label: &str, value: String| field(label, value, dim);
    let inv = &state.lab.inventory;
    let children = tree::find(&state.lab.tree, id).map_or(0, |n| n.children.len());
    match id {
        NodeId::Room(name) => {
            // Counted from the lists, as the tree is, not from the room's own view.
            let ups: Vec<String> = inv
                .ups
                .values()
                .filter(|u| &u.room == name)
                .map(|u| u.name.clone())
                .collect();
            let servers = inv.servers.values().filter(|x| &x.room == name).count();
            vec![
                title(s.label_room, name),
                Line::default(),
                field(s.label_ups, list(&ups)),
                field(s.label_servers, servers.to_string()),
            ]
        }
        NodeId::Ups(name) => {
            let Some(u) = inv.ups.get(name) else {
                return vec![title(s.label_ups, name)];
            };
            let mut lines = vec![
                title(s.label_ups, name),
                Line::default(),
                field(s.label_status, or_none(u.status.as_deref())),
                field(s.label_charge, format::percent(u.charge_pct)),
                field(s.label_runtime, format::runtime(u.runtime_s)),
                field(s.label_load, format::percent(u.load_pct)),
                field(s.label_input, format::volts(u.input_voltage)),
                field(
                    s.label_reachability,
                    (s.reachability)(u.reachability).to_owned(),
                ),
                match &u.snmp {
                    Some(snmp) => field(s.label_snmp, snmp.to_string()),
                    None => field(s.label_nut, u.nut.clone()),
                },
                field(
                    s.label_updated,
                    u.updated_at
                        .map_or_else(|| format::NONE.to_owned(), format::timestamp),
                ),
            ];
            if let Some(reason) = &u.comms_lost_reason {
                lines.push(field(s.label_reason, reason.clone()));
            }
            lines
        }
        NodeId::Server(name) => {
            let Some(x) = inv.servers.get(name) else {
                return vec![title(s.label_server, name)];
            };
            let mut lines = vec![
                title(s.label_server, name),
                Line::default(),
                field(s.label_kind, (s.kind)(x.kind).to_owned()),
                field(s.label_power, (s.power)(x.power.as_str()).to_owned()),
                field(s.label_health, (s.health)(x.health).to_owned()),
                field(
                    s.label_feeds,
                    if x.feeds.is_empty() {
                        s.no_ups.to_owned()
                    } else {
                        list(&x.feeds)
                    },
                ),
                field(s.label_tier, x.tier.to_string()),
                field(s.label_depends_on, list(&x.depends_on)),
                field(s.label_vsphere_host, or_none(x.vsphere_host.as_deref())),
                field(s.label_bmc, or_none(x.bmc_url.as_deref())),
                field(s.label_watts, format::watts(x.watts)),
                field(s.label_maintenance, yes_no(s, x.in_maintenance)),
                field(s.label_vms, children.to_string()),
            ];
            // Said only when set, after its dependencies: most servers prefer no host.
            if !x.migrate_to.is_empty() {
                lines.insert(8, field(s.label_migrate_to, list(&x.migrate_to)));
            }
            lines
        }
        NodeId::Vm(vm_id) => {
            let Some(vm) = inv.vms.get(vm_id) else {
                return vec![title(s.label_vm, vm_id)];
            };
            vec![
                self::title(s.label_vm, shown(&vm.name), strong),
                Line::default(),
                field(s.label_id, vm.id.clone()),
                field(s.label_power, (s.power)(vm.power.as_str()).to_owned()),
                field(
                    s.label_host,
                    shown(&or_none(vm.host.as_deref())).into_owned(),
                ),
                field(s.label_server, or_none(vm.server.as_deref())),
                field(s.label_cpus, vm.cpus.to_string()),
                field(s.label_memory, format::mebibytes(vm.memory_mib)),
            ]
        }
        NodeId::Unplaced => vec![
            Line::from(s.unplaced_vms),
            Line::default(),
            Line::from((s.vm_count)(children)),
        ],
    }
}
