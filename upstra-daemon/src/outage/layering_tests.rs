//! The orchestrator does not depend on the RPC server: it is driven by messages
//! (`OrchestratorInbox`) and answers in wire types, so the server can change its transport,
//! guard or handlers without touching the code that sheds a lab. A `use` of the server module
//! from here is refused by this test rather than found in a review.

use std::path::{Path, PathBuf};

/// Every Rust file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the outage sources are readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_orchestrator_does_not_import_the_rpc_server() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/outage");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(
        files.len() > 10,
        "found the orchestrator's files: {files:?}"
    );
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("layering_tests.rs"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).expect("a readable source");
            text.contains("crate::server") || text.contains("super::super::server")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "the outage orchestrator imports the RPC server in {offenders:?}: move what both need \
         out of `server` (as the store's error conversion is in `store/api_error.rs`)"
    );
}
