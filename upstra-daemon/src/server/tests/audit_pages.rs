//! Finding 6: the audit trail is read in pages that always fit the frame, however many records
//! and however large their details.

use upstra_core::api::v1::*;

use super::Harness;
use crate::server::handlers::audit::PAGE_BYTES;
use crate::store::AuditEntry;

/// Records in the trail: the finding's scale.
const RECORDS: u64 = 100_000;
/// Every this many records carries a large detail (an `apply` of a big lab), so pages are
/// bounded by bytes as well as by count.
const LARGE_EVERY: u64 = 97;
/// The frame a reply must fit (the transport's maximum).
const FRAME: usize = 8 * 1024 * 1024;
/// Pages read with one session: under the expensive-read limit of a session.
const PAGES_PER_SESSION: usize = 50;

#[tokio::test]
async fn a_hundred_thousand_records_are_read_back_in_pages_that_fit_the_frame() {
    let h = Harness::new().await;
    h.user("ada", "admin", "all").await;
    let large = "x".repeat(200 * 1024);
    let started = std::time::Instant::now();
    h.shared
        .store
        .call(move |db| {
            for i in 0..RECORDS {
                let detail = if i % LARGE_EVERY == 0 {
                    serde_json::json!({ "i": i, "changes": large })
                } else {
                    serde_json::json!({ "i": i })
                };
                db.audit(&AuditEntry::new("bulk", "ok").actor("ada").detail(&detail))?;
            }
            Ok(())
        })
        .await
        .expect("records written");
    println!("wrote {RECORDS} audit records in {:?}", started.elapsed());

    let query = |before| AuditQuery {
        action: Some("bulk".into()),
        before,
        ..AuditQuery::default()
    };
    let (mut before, mut seen, mut pages, mut largest) = (None, Vec::new(), 0, 0);
    let mut token = h.session("ada", SessionScope::Full).await;
    loop {
        if pages > 0 && pages % PAGES_PER_SESSION == 0 {
            token = h.session("ada", SessionScope::Full).await;
        }
        let reply = h
            .call(UpstraRequest::AuditList {
                token: token.clone(),
                query: query(before),
            })
            .await;
        let bytes = serde_json::to_vec(&reply).expect("JSON").len();
        largest = largest.max(bytes);
        assert!(
            bytes < FRAME,
            "a page of {bytes} bytes does not fit the frame"
        );
        let UpstraResponse::AuditList(Ok(page)) = reply else {
            panic!("{reply:?}")
        };
        pages += 1;
        assert!(!page.records.is_empty());
        assert!(page.records.windows(2).all(|w| w[0].seq < w[1].seq));
        seen.extend(page.records.iter().rev().map(|r| r.seq));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    println!("read {RECORDS} records in {pages} pages; the largest reply is {largest} bytes");
    assert!(largest <= PAGE_BYTES + 256 * 1024, "{largest} bytes");
    assert_eq!(seen.len() as u64, RECORDS, "every record once");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeat"
    );
}
