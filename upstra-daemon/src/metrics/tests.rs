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
