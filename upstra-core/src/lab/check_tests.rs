//! Every value of a lab file that names something outside it (a key, an address, a URL, a
//! certificate) is checked at `apply`, with its line, instead of failing at first use.

use super::*;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk";

fn lab(server_lines: &str) -> String {
    format!(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\n\
         [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\n{server_lines}"
    )
}

fn errors(text: &str) -> Vec<String> {
    match parse(text, &KnownNames::default()) {
        Ok(_) => panic!("expected errors in\n{text}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_real_host_key_is_accepted_and_loses_its_comment() {
    let doc = parse(
        &lab(&format!(
            "ssh = {{ address = \"h:22\", host_key = \"{KEY} root@esx\" }}\n"
        )),
        &KnownNames::default(),
    )
    .expect("valid");
    let server = doc.inventory.servers.values().next().expect("one server");
    assert_eq!(
        server.ssh.as_ref().and_then(|s| s.host_key.as_deref()),
        Some(KEY)
    );
}

#[test]
fn a_host_key_shaped_like_one_but_not_a_key_is_refused_at_its_line() {
    // Base64 of the right alphabet, a known algorithm: the old check let these through, and
    // `upstra ssh` failed on them much later.
    for bad in [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx0ZXN0LWhvc3Qta2V5Pg",
        "ssh-ed25519 AAAAAAAAAAAAAAAAAAAA",
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk",
        "ssh-unknown AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk",
    ] {
        let e = errors(&lab(&format!(
            "ssh = {{ address = \"h:22\", host_key = \"{bad}\" }}\n"
        )));
        assert_eq!(e.len(), 1, "{bad}: {e:?}");
        assert!(
            e[0].starts_with("11: server `s`: host_key is not a valid OpenSSH public key"),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn addresses_that_do_not_parse_are_refused_at_their_line() {
    let text = "[[room]]\nname = \"r\"\n\
        [[ups]]\nname = \"ok\"\nroom = \"r\"\nnut = \"ok@h\"\n\
        [[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@10.0.0.300\"\n\
        [[ups]]\nname = \"v\"\nroom = \"r\"\nnut = \"v@ups$1\"\n\
        [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"ok\"]\n\
        bmc = { url = \"https://ilo_%01/redfish/v1/Systems/1\", user = \"a\" }\n\
        [[server]]\nname = \"t\"\nroom = \"r\"\nfeeds = [\"ok\"]\n\
        ssh = { address = \"[::1:22\" }\n\
        [[server]]\nname = \"w\"\nroom = \"r\"\nfeeds = [\"ok\"]\n\
        ssh = { address = \"esx..lab:22\" }\n";
    let e = errors(text);
    let lines: Vec<&str> = e
        .iter()
        .map(|m| m.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(lines, ["10", "14", "19", "24", "29"], "{e:#?}");
}

#[test]
fn good_addresses_of_every_form_are_accepted() {
    let text = "[[room]]\nname = \"r\"\n\
        [[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@[fd00::5]:3493\"\n\
        [[ups]]\nname = \"v\"\nroom = \"r\"\nnut = \"v@ups-1.lab.example\"\n\
        [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\n\
        bmc = { url = \"https://10.0.0.7:8443/redfish/v1/Systems/1\", user = \"a\" }\n\
        ssh = { address = \"[fd00::7]:22\" }\n\
        [[server]]\nname = \"t\"\nroom = \"r\"\nfeeds = [\"v\"]\n\
        bmc = { url = \"https://ilo-t.lab.example/redfish/v1/Systems/1\", user = \"a\" }\n\
        ssh = { address = \"esx_t.lab:2222\" }\n";
    parse(text, &KnownNames::default()).expect("valid");
}

#[test]
fn empty_file_references_are_refused() {
    let e = errors(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\n\
         user = \"nut\"\npassword_file = \"\"\n\
         [vcenter]\nurl = \"https://vc/sdk\"\nuser = \"u\"\nca_file = \" \"\n",
    );
    let lines: Vec<&str> = e
        .iter()
        .map(|m| m.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(lines, ["8", "12"], "{e:#?}");
}

#[test]
fn a_server_without_feeds_is_on_no_managed_ups() {
    let doc = parse(
        "[[room]]\nname = \"r\"\n[[server]]\nname = \"switch\"\nroom = \"r\"\nkind = \"network\"\n",
        &KnownNames::default(),
    )
    .expect("feeds may be left out");
    let server = doc.inventory.servers.values().next().expect("one server");
    assert!(server.feeds.is_empty());
}

#[test]
fn an_empty_feeds_list_or_feeds_required_without_feeds_is_refused() {
    let e = errors("[[room]]\nname = \"r\"\n[[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = []\n");
    assert_eq!(
        e,
        [
            "6: server `s`: feeds must name at least one UPS; leave feeds out for a server on no UPS that Upstra manages"
        ]
    );
    let e = errors(
        "[[room]]\nname = \"r\"\n[[server]]\nname = \"s\"\nroom = \"r\"\nfeeds_required = 1\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("6: server `s`: feeds_required"), "{e:?}");
}
