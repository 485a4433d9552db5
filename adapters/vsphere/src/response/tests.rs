//! Parsing recorded vcsim answers (`tests/fixtures/`, session keys scrubbed).

use super::*;
use crate::session::ServiceContent;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn service_content_names_the_managers_and_the_api_version() {
    let sc = ServiceContent::parse(&fixture("service_content.xml")).expect("parses");
    assert_eq!(sc.root_folder, MoRef::new("Folder", "group-d1"));
    assert_eq!(sc.property_collector.value, "propertyCollector");
    assert_eq!(sc.view_manager.value, "ViewManager");
    assert_eq!(sc.session_manager.value, "SessionManager");
    assert_eq!(sc.about.api_version, "6.5");
    assert_eq!(sc.about.api_type, "VirtualCenter");
    assert!(sc.about.full_name.contains("govmomi simulator"));
}

#[test]
fn a_wrong_password_is_an_auth_failure() {
    let err = empty("Login", &fixture("fault_invalid_login.xml")).expect_err("a fault");
    assert!(matches!(err, VsphereError::AuthFailed { .. }), "{err:?}");
}

#[test]
fn an_expired_session_is_recognised_for_a_re_login() {
    let err = empty("PowerOnVM_Task", &fixture("fault_not_authenticated.xml")).expect_err("fault");
    assert!(err.is_not_authenticated(), "{err:?}");
}

#[test]
fn a_missing_method_is_unsupported_and_names_the_method() {
    let err = empty("ShutdownHost_Task", &fixture("fault_method_not_found.xml")).expect_err("f");
    assert_eq!(
        err,
        VsphereError::Unsupported {
            what: "ShutdownHost_Task".into()
        }
    );
    assert!(err.is_unsupported());
}

#[test]
fn an_unknown_object_is_not_found_and_names_it() {
    let err = returned_moref(
        "PowerOnVM_Task",
        &fixture("fault_managed_object_not_found.xml"),
    )
    .expect_err("fault");
    assert_eq!(
        err,
        VsphereError::NotFound {
            what: "VirtualMachine:vm-99999".into()
        }
    );
}

#[test]
fn other_faults_keep_their_type_and_details() {
    let err = empty("ShutdownGuest", &fixture("fault_invalid_power_state.xml")).expect_err("f");
    let fault = err.fault().expect("a fault");
    assert_eq!(fault.name, "InvalidPowerState");
    assert_eq!(fault.detail("existingState"), Some("poweredOff"));
    assert_eq!(
        err.to_string(),
        "ShutdownGuest refused: InvalidPowerState (requestedState=poweredOn, existingState=poweredOff)"
    );
}

#[test]
fn task_and_view_morefs_come_from_returnval() {
    let task = returned_moref("PowerOffVM_Task", &fixture("power_off_task.xml")).expect("task");
    assert_eq!(task.kind, "Task");
    assert!(task.value.starts_with("task-"));
    let view =
        returned_moref("CreateContainerView", &fixture("create_container_view.xml")).expect("view");
    assert_eq!(view.kind, "ContainerView");
    empty("DestroyView", &fixture("destroy_view.xml")).expect("empty answer");
    empty("ShutdownGuest", &fixture("shutdown_guest.xml")).expect("empty answer");
}

#[test]
fn task_states_and_a_task_error_with_its_fault() {
    for (file, state) in [
        ("task_success.xml", "success"),
        ("task_running.xml", "running"),
        ("task_error.xml", "error"),
    ] {
        let page = retrieve_result("RetrievePropertiesEx", &fixture(file)).expect(file);
        assert_eq!(
            page.objects[0].prop("info.state").map(|v| v.text.as_str()),
            Some(state)
        );
    }
    let page = retrieve_result("RetrievePropertiesEx", &fixture("task_error.xml")).expect("page");
    let fault = localized_fault(page.objects[0].prop("info.error").expect("info.error"));
    assert_eq!(fault.name, "InvalidPowerState");
    // vcsim's message is a Go type name; it is not shown.
    assert_eq!(
        fault.to_string(),
        "InvalidPowerState (requestedState=poweredOff, existingState=poweredOff)"
    );
}

#[test]
fn one_read_returns_every_object_with_its_properties() {
    let page = retrieve_result("RetrievePropertiesEx", &fixture("retrieve_inventory.xml"))
        .expect("parses");
    assert_eq!(page.token, None);
    assert_eq!(page.objects.len(), 10);
    let vm = page
        .objects
        .iter()
        .find(|o| o.prop("name").is_some_and(|v| v.text == "DC0_H0_VM0"))
        .expect("DC0_H0_VM0");
    assert_eq!(vm.obj.kind, "VirtualMachine");
    let host = vm
        .prop("runtime.host")
        .and_then(Value::as_moref)
        .expect("host");
    assert_eq!(host.kind, "HostSystem");
    assert_eq!(
        vm.prop("config.hardware.numCPU").map(|v| v.text.as_str()),
        Some("1")
    );
    let session =
        retrieve_result("RetrievePropertiesEx", &fixture("current_session.xml")).expect("session");
    let user = session.objects[0]
        .prop("currentSession")
        .and_then(|v| v.child_text("userName"));
    assert_eq!(user, Some("user"));
}

#[test]
fn pages_carry_a_token_until_the_last() {
    let first =
        retrieve_result("RetrievePropertiesEx", &fixture("retrieve_page1.xml")).expect("page 1");
    assert_eq!(first.token.as_deref(), Some("upstra-page-2"));
    assert_eq!(first.objects.len(), 5);
    let second = retrieve_result(
        "ContinueRetrievePropertiesEx",
        &fixture("retrieve_page2.xml"),
    )
    .expect("page 2");
    assert_eq!(second.token, None);
    assert_eq!(second.objects.len(), 5);
}

#[test]
fn no_matching_objects_is_an_empty_page() {
    let text = concat!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        r#"<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"/></soapenv:Body>"#,
        "</soapenv:Envelope>"
    );
    let page = retrieve_result("RetrievePropertiesEx", text).expect("parses");
    assert_eq!(page, RetrieveResult::default());
}

#[test]
fn escaped_names_are_read_back_as_written() {
    let text = concat!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        r#"<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>"#,
        r#"<obj type="VirtualMachine">vm-7</obj><propSet><name>name</name>"#,
        "<val>db &lt;prod&gt; &amp; &quot;old&quot; </val></propSet>",
        "</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"
    );
    let page = retrieve_result("RetrievePropertiesEx", text).expect("parses");
    assert_eq!(
        page.objects[0].prop("name").map(|v| v.text.as_str()),
        Some(r#"db <prod> & "old" "#)
    );
}

#[test]
fn garbage_and_html_are_malformed_not_panics() {
    for text in ["", "not xml", "<html><body>502 Bad Gateway</body></html>"] {
        let err = retrieve_result("RetrievePropertiesEx", text).expect_err(text);
        assert!(
            matches!(err, VsphereError::Malformed { .. }),
            "{text}: {err:?}"
        );
    }
}

#[test]
fn a_deeply_nested_answer_is_malformed_not_a_stack_overflow() {
    // Far below what the transport admits (MAX_ANSWER_BYTES), far above any real answer.
    let depth = 500_000;
    let text = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><RetrievePropertiesExResponse><returnval>{}{}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#,
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    // Answers are parsed on a runtime worker thread, whose stack is tokio's default 2 MiB.
    let parsed = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || retrieve_result("RetrievePropertiesEx", &text).map(|_| ()))
        .expect("thread")
        .join()
        .expect("no panic");
    assert!(
        matches!(&parsed, Err(VsphereError::Malformed { detail, .. }) if detail.contains("deeper")),
        "{parsed:?}"
    );
}

mod pulled;
