//! The entry point of the `daemon_config` fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`, which the fuzzer sets: the config file's text through the same parsing as
//! `load`, without reading a file.

use std::path::Path;

use super::{Config, apply_file, redact_url};

/// Parses `text` as a config file over the defaults; when it is valid, checks that what
/// `upstrad check-config` prints reads back as the same configuration (the Redis password
/// aside, which it never shows).
pub fn config_file(text: &str) {
    let path = Path::new("upstrad.toml");
    let mut config = Config::default();
    if let Err(e) = apply_file(&mut config, path, text) {
        let _ = e.to_string();
        return;
    }
    let shown = config.to_toml("the key file");
    let mut again = Config::default();
    if let Err(e) = apply_file(&mut again, path, &shown) {
        panic!("check-config output does not read back: {e}\n{shown}");
    }
    config.bus.redis = config.bus.redis.as_deref().map(redact_url);
    assert_eq!(
        again, config,
        "check-config output reads back differently:\n{shown}"
    );
}
