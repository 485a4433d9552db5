use super::*;

fn events(m: &Metrics) -> String {
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &m.registry).expect("encodes");
    out
}

#[test]
fn calls_are_counted_by_method_and_outcome_and_refused_logins_counted_apart() {
    let m = Metrics::default();
    m.rpc("list_servers", None, Duration::from_micros(200));
    m.rpc(
        "login",
        Some(&ApiError::BadCredentials),
        Duration::from_millis(90),
    );
    m.rpc(
        "login",
        Some(&ApiError::RateLimited { retry_after_s: 3 }),
        Duration::from_millis(1),
    );
    let text = events(&m);
    assert!(
        text.contains("upstra_rpc_calls_total{method=\"list_servers\",outcome=\"ok\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("upstra_rpc_calls_total{method=\"login\",outcome=\"bad_credentials\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("upstra_failed_logins_total 1\n"), "{text}");
    assert!(
        text.contains(
            "upstra_rpc_duration_seconds_bucket{le=\"0.0005\",method=\"list_servers\",outcome=\"ok\"} 1\n"
        ) || text.contains(
            "upstra_rpc_duration_seconds_bucket{method=\"list_servers\",outcome=\"ok\",le=\"0.0005\"} 1\n"
        ),
        "{text}"
    );
}

#[test]
fn bmc_reads_share_one_histogram_but_each_bmc_has_its_up() {
    let m = Metrics::default();
    for (name, ok) in [("esx-01", true), ("esx-02", false)] {
        m.peer_read(PeerKind::Bmc, name, ok, Duration::from_millis(30));
    }
    m.peer_read(PeerKind::Ups, "ups-a", true, Duration::from_millis(2));
    let text = events(&m);
    assert!(
        text.contains("upstra_peer_read_duration_seconds_count{kind=\"bmc\",peer=\"\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("upstra_peer_read_duration_seconds_count{kind=\"ups\",peer=\"ups-a\"} 1\n"),
        "{text}"
    );
    assert_eq!(lock(&m.peer_up).len(), 3);
}

/// A name is text from a lab file or a peer: a quote, a backslash or a newline in it must stay
/// inside its label value, or it would forge series in what Prometheus reads.
#[test]
fn a_hostile_name_stays_inside_its_label_value() {
    let m = Metrics::default();
    let hostile = "ups\"} 1\nupstra_forged 1\n\\\u{1b}[2J";
    m.peer_read(PeerKind::Ups, hostile, true, Duration::from_millis(2));
    let text = events(&m);
    assert!(!text.contains("\nupstra_forged"), "{text}");
    let count_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("upstra_peer_read_duration_seconds_count{"))
        .collect();
    assert_eq!(count_lines.len(), 1, "{text}");
    assert!(
        count_lines[0].contains(r#"peer="ups\"} 1\nupstra_forged 1\n\\"#),
        "{text}"
    );
}

#[test]
fn snmp_traps_are_counted_by_outcome_and_exist_at_zero_once_announced() {
    let m = Metrics::default();
    assert_eq!(m.snmp_traps("rate_limited", 0), 0);
    assert_eq!(m.snmp_traps("read", 1), 0);
    assert_eq!(m.snmp_traps("read", 1), 1);
    let text = events(&m);
    assert!(
        text.contains("upstra_snmp_traps_total{outcome=\"read\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("upstra_snmp_traps_total{outcome=\"rate_limited\"} 0\n"),
        "{text}"
    );
}
