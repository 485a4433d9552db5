//! What the pull reader refuses or resolves that a document parser did for it: no tree is
//! built, so each of these is checked as the answer streams by.

use super::*;

fn page(objects: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{objects}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
    )
}

const VM: &str = r#"<objects><obj type="VirtualMachine">vm-7</obj><propSet><name>name</name><val>a&#x20;b&#65;<![CDATA[<c>]]></val></propSet></objects>"#;

fn refused(text: &str) -> String {
    match retrieve_result("RetrievePropertiesEx", text) {
        Err(VsphereError::Malformed { detail, .. }) => detail,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn character_references_and_cdata_are_text() {
    let page = retrieve_result("RetrievePropertiesEx", &page(VM)).expect("parses");
    assert_eq!(
        page.objects[0].prop("name").map(|v| v.text.as_str()),
        Some("a bA<c>")
    );
}

#[test]
fn a_broken_tail_is_refused_though_the_objects_came_first() {
    let mut seen = 0;
    let text = page(VM).replace("</soapenv:Envelope>", "</soapenv:Envelop>");
    let err = retrieve_objects("RetrievePropertiesEx", &text, &mut |_| {
        seen += 1;
        Ok(())
    })
    .expect_err("refused");
    assert_eq!(seen, 1, "the object was handed on as it was read");
    assert!(matches!(err, VsphereError::Malformed { .. }), "{err:?}");
    for tail in ["<more/>", "text", "</extra>"] {
        let detail = refused(&format!("{}{tail}", page(VM)));
        assert!(detail.starts_with("not XML"), "{tail}: {detail}");
    }
    let detail = refused(&page(VM).replace("</soapenv:Envelope>", ""));
    assert!(detail.contains("ends"), "{detail}");
}

#[test]
fn a_dtd_and_unknown_entities_are_refused() {
    let dtd = format!(
        r#"<!DOCTYPE x [<!ENTITY big "{}">]>{}"#,
        "x".repeat(10),
        page(VM).replace(">vm-7<", ">&big;<")
    );
    assert!(refused(&dtd).contains("document type"));
    let detail = refused(&page(VM).replace(">vm-7<", ">&nbsp;<"));
    assert!(detail.contains("unknown entity"), "{detail}");
}

#[test]
fn an_undeclared_prefix_is_refused() {
    let detail = refused(
        &page(VM)
            .replace("<objects>", "<x:objects>")
            .replace("</objects>", "</x:objects>"),
    );
    assert!(detail.contains("prefix"), "{detail}");
}

#[test]
fn a_fault_in_a_broken_answer_is_refused_as_broken() {
    let text = concat!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        "<soapenv:Body><soapenv:Fault><faultstring>no</faultstring></soapenv:Fault>",
        "</soapenv:Body>"
    );
    let err = empty("Logout", text).expect_err("refused");
    assert!(matches!(err, VsphereError::Malformed { .. }), "{err:?}");
}
