//! Names in a lab file may hold no control or bidirectional character: each one is refused at
//! its line, naming the field and the character, escaped.

use super::*;

const ESC: &str = "\\u001b";

fn lab_with(vsphere_host: &str, vm: &str, user: &str, room: &str) -> String {
    format!(
        "[[room]]\nname = \"{room}\"\n\
         [[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\nuser = \"{user}\"\n\
         [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\nvsphere_host = \"{vsphere_host}\"\n\
         bmc = {{ url = \"https://h/redfish/v1/Systems/1\", user = \"{user}\" }}\n\
         ssh = {{ address = \"h:22\", user = \"{user}\" }}\n\
         [[vm]]\nname = \"{vm}\"\n"
    )
}

fn refused(text: &str) -> Vec<String> {
    match parse(text, &KnownNames::default()) {
        Ok(_) => panic!("expected errors for {text}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn ordinary_unicode_names_are_accepted() {
    let text = lab_with("esx-01.lab", "Zoë 東京", "opérateur", "r");
    parse(&text, &KnownNames::default()).expect("accents and CJK are names");
}

#[test]
fn a_vsphere_host_with_escapes_is_refused_at_its_line() {
    let text = lab_with(&format!("esx{ESC}]0;pwned\\u0007"), "vm", "op", "r");
    let e = refused(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "12: server `s`: vsphere_host `esx\\e]0;pwned\\a` holds `\\e` at character 4"
        ),
        "{e:?}"
    );
}

#[test]
fn every_free_form_name_is_checked() {
    let text = lab_with("h\\u202e", "vm\\r\\nforged", "op\\u0007", "r");
    let e = refused(&text);
    let lines: Vec<&str> = e.iter().filter_map(|m| m.split(':').next()).collect();
    // ups user (7), vsphere_host (12), bmc user (13), ssh user (14), vm name (16).
    assert_eq!(lines, vec!["7", "12", "13", "14", "16"], "{e:?}");
    for message in &e {
        assert!(!message.contains(is_hostile_any), "{message:?}");
    }
}

#[test]
fn an_id_with_escapes_is_refused_without_echoing_them() {
    let text = lab_with("h", "vm", "op", &format!("r{ESC}[2J"));
    let e = refused(&text);
    assert!(e[0].starts_with("2: `r\\e[2J` contains"), "{e:?}");
    for message in &e {
        assert!(!message.contains(is_hostile_any), "{message:?}");
    }
}

fn is_hostile_any(c: char) -> bool {
    crate::text::is_hostile(c)
}
