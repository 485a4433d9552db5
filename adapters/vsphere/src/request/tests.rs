//! The templates produce well-formed XML in WSDL order, with every value escaped.

use roxmltree::Document;

use super::*;

/// The method element inside the envelope.
fn method_of(envelope_text: &str) -> (String, Vec<(String, String)>) {
    let doc = Document::parse(envelope_text).expect("well-formed XML");
    let body = doc.root_element().first_element_child().expect("Body");
    let method = body.first_element_child().expect("method");
    let children = method
        .descendants()
        .filter(|n| n.is_element() && n.children().all(|c| c.is_text()))
        .map(|n| {
            (
                n.tag_name().name().to_owned(),
                n.text().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (method.tag_name().name().to_owned(), children)
}

#[test]
fn escapes_the_five_special_characters() {
    assert_eq!(escape("plain"), "plain");
    assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    assert_eq!(
        escape(r#"<a & 'b' "c">"#),
        "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
    );
}

#[test]
fn a_password_with_markup_round_trips() {
    let sm = MoRef::new("SessionManager", "SessionManager");
    let password = r#"p<a&s>s"'</password><evil/>"#;
    let (method, fields) = method_of(&envelope(&login(&sm, "ad<min>", password)));
    assert_eq!(method, "Login");
    assert!(fields.contains(&("password".into(), password.into())));
    assert!(fields.contains(&("userName".into(), "ad<min>".into())));
}

#[test]
fn morefs_are_escaped_in_text_and_attribute() {
    let odd = MoRef::new(r#"Virtual"Machine"#, "vm-<1>&");
    let doc_text = envelope(&on_object("PowerOnVM_Task", &odd));
    let doc = Document::parse(&doc_text).expect("well-formed");
    let this = doc
        .descendants()
        .find(|n| n.has_tag_name(("urn:vim25", "_this")))
        .expect("_this");
    assert_eq!(this.attribute("type"), Some(r#"Virtual"Machine"#));
    assert_eq!(this.text(), Some("vm-<1>&"));
}

#[test]
fn relocation_names_the_pool_before_the_host() {
    let vm = MoRef::new("VirtualMachine", "vm-57");
    let host = MoRef::new("HostSystem", "host-34");
    let pool = MoRef::new("ResourcePool", "resgroup-26");
    let with_pool = relocate_vm(&vm, &host, Some(&pool));
    let (method, fields) = method_of(&envelope(&with_pool));
    assert_eq!(method, "RelocateVM_Task");
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["_this", "pool", "host"]);
    let (_, fields) = method_of(&envelope(&relocate_vm(&vm, &host, None)));
    assert_eq!(fields.len(), 2);
}

#[test]
fn the_inventory_read_traverses_the_container_view() {
    let pc = MoRef::new("PropertyCollector", "propertyCollector");
    let view = MoRef::new("ContainerView", "session[x]view-1");
    let props = [PropertySpec {
        kind: "VirtualMachine",
        paths: &["name", "runtime.powerState"],
    }];
    let text = envelope(&retrieve_properties(
        &pc,
        &props,
        Objects::View(&view),
        Some(50),
    ));
    let doc = Document::parse(&text).expect("well-formed");
    let select = doc
        .descendants()
        .find(|n| n.has_tag_name(("urn:vim25", "selectSet")))
        .expect("selectSet");
    let xsi = "http://www.w3.org/2001/XMLSchema-instance";
    assert_eq!(select.attribute((xsi, "type")), Some("TraversalSpec"));
    let (_, fields) = method_of(&text);
    for expected in [
        ("type", "VirtualMachine"),
        ("pathSet", "runtime.powerState"),
        ("obj", "session[x]view-1"),
        ("skip", "true"),
        ("path", "view"),
        ("maxObjects", "50"),
    ] {
        assert!(
            fields.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {fields:?}"
        );
    }
}

#[test]
fn paging_and_host_calls_are_well_formed() {
    let pc = MoRef::new("PropertyCollector", "propertyCollector");
    let host = MoRef::new("HostSystem", "host-21");
    let vm_mgr = MoRef::new("ViewManager", "ViewManager");
    let root = MoRef::new("Folder", "group-d1");
    for (body, method) in [
        (
            continue_retrieve(&pc, "tok&1"),
            "ContinueRetrievePropertiesEx",
        ),
        (cancel_retrieve(&pc, "tok"), "CancelRetrievePropertiesEx"),
        (maintenance(&host, true, 0), "EnterMaintenanceMode_Task"),
        (maintenance(&host, false, 0), "ExitMaintenanceMode_Task"),
        (shutdown_host(&host, false), "ShutdownHost_Task"),
        (
            create_container_view(&vm_mgr, &root, &["HostSystem"]),
            "CreateContainerView",
        ),
        (destroy_view(&root), "DestroyView"),
        (logout(&vm_mgr), "Logout"),
        (retrieve_service_content(), "RetrieveServiceContent"),
    ] {
        let (name, fields) = method_of(&envelope(&body));
        assert_eq!(name, method);
        assert_eq!(
            fields.first().map(|f| f.0.as_str()),
            Some("_this"),
            "{method}"
        );
    }
    let (_, fields) = method_of(&envelope(&continue_retrieve(&pc, "tok&1")));
    assert!(fields.contains(&("token".into(), "tok&1".into())));
}
