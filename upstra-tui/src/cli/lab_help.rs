//! The lab file's documentation, shown by `upstra apply --help` (and so in the manual page):
//! every section and key the parser (`upstra_core::lab`) reads, and an example that the
//! parser accepts (a test holds it to that).

/// A lab file using every section, as `apply --help` shows it.
pub const LAB_FILE_EXAMPLE: &str = r#"
[[room]]
name = "lab-a"
power_on_stagger = "10s"

[[ups]]
name = "ups-a1"
room = "lab-a"
nut = "ups1@10.0.0.5:3493"
user = "monuser"
password_file = "secrets/ups-a1"
policy = { grace = "2m", runtime_margin = "5m", comms_lost = "act after 5m" }

[vcenter]
url = "https://vcenter.lab.example/sdk"
user = "administrator@vsphere.local"
password_file = "secrets/vcenter"
tls_fingerprint = "sha256:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

[[server]]
name = "esx-01"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a1"]
tier = 2
vsphere_host = "esx-01.lab.example"
bmc = { url = "https://10.0.1.11/redfish/v1/Systems/1", user = "admin", password_file = "secrets/ilo-esx-01" }
ssh = { address = "10.0.0.11:22", user = "root", host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk" }

[[server]]
name = "nas-01"
room = "lab-a"
kind = "storage"
feeds = ["ups-a1"]
tier = 3

[[server]]
name = "core-switch"
room = "lab-a"
kind = "network"

[plan]
migrations_per_host = 2
guest_shutdown_timeout = "3m"

[[vm]]
name = "vcenter-vm"
priority = 100
migrate = false
"#;

/// The lab file's reference, after the example.
const LAB_FILE_KEYS: &str = r#"Sections and keys (durations are "90s", "2m", "1h 30m" or a number of seconds):
  [[room]]     name; power_on_stagger (time between two power-ons there during a restore)
  [[ups]]      name, room, nut = "upsname@host[:port]" (port 3493 by default);
               user and password_file for an upsd that wants a login;
               policy = { grace, act_on_low_battery, runtime_margin, comms_lost ("alarm" or
               "act after 5m"), restore_after, restore_min_charge, auto_restore,
               ups_off ("never" or "return"), ups_off_margin, output_return }
  [vcenter]    url (https://host/sdk), user, password_file, and either tls_fingerprint
               ("sha256:AB:CD:..." from `upstra trust vcenter`) or ca_file
  [[server]]   name, room, kind (hypervisor, storage, network, other), feeds (the UPS
               feeding its power supplies), feeds_required (how many must carry power; 1),
               tier (lower tiers go down first and come back last; 1), depends_on (servers
               it needs running), vsphere_host (its name in vCenter), migrate_to (hypervisors
               its VMs go to first when it is shed, in order, when they can take them; else
               the usual choice), this_host (the machine the daemon runs on: shut down
               last), bmc = { url, user, password_file, tls_fingerprint or ca_file },
               ssh = { address = "host:port", user, host_key (the line of the server's
               ssh_host_ed25519_key.pub) }
               A server without feeds is on no UPS that Upstra manages (a switch on a wall
               socket, a box on another site's power): it is never shed nor restored. As a
               hypervisor it takes no migrated VM, since whether its own power holds is
               unknown, unless [plan] says migrate_to_hosts_without_ups = true.
  [plan]       migrations_per_host, live_migrate, guest_shutdown_timeout,
               server_off_timeout, force_off, server_on_timeout, memory_headroom (percent),
               vcpus_per_thread, migrate_to_hosts_without_ups (false), and
               [plan.estimates] with a duration per step kind
               (migrate_vm, stop_vm, enter_maintenance, shutdown_server, power_on_server,
               wait_connected, exit_maintenance, start_vm, ups_off, shutdown_this_host)
  [[vm]]       name (as in vCenter), priority (-1000 to 1000; higher moves first, stops
               last), migrate (false: shut it down rather than move it)

Password files hold the secret on their first line; relative paths are relative to the lab
file. Every value is checked before anything is sent: host keys, fingerprints, URLs and
addresses that do not parse, unknown keys and names, as FILE:LINE: reason, and nothing is
applied. Applying is idempotent and never removes what the file does not name.
`upstra export` prints the current declaration in this format."#;

/// `apply --help`'s text after the options.
pub fn apply_long_help() -> String {
    format!(
        "The lab file (TOML), for example:\n{}\n{LAB_FILE_KEYS}",
        LAB_FILE_EXAMPLE.trim_end()
    )
}
