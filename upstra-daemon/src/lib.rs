//! The Upstra daemon (placeholder while the foundation lands).
#![forbid(unsafe_code)]

pub mod demo {
    //! `upstra demo`: a daemon on a temporary store and socket, driving the simulated lab.
    use std::path::{Path, PathBuf};

    /// A running demo daemon. Dropping it without [`DemoDaemon::shutdown`] still stops it.
    pub struct DemoDaemon {
        /// The socket to connect to.
        pub socket: PathBuf,
        /// The demo login.
        pub user: String,
        pub password: String,
        /// Where the daemon writes its log (the console owns the terminal).
        pub log_file: PathBuf,
    }

    impl DemoDaemon {
        /// Stops the daemon and waits for it to finish.
        pub async fn shutdown(self) {}
    }

    /// Starts a daemon in this process with its store, socket and log under `dir`, applies the
    /// demo lab and creates the demo admin.
    pub async fn start(dir: &Path) -> Result<DemoDaemon, crate::Error> {
        let _ = dir;
        Err(crate::Error::NotYet)
    }
}

/// Placeholder error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not implemented yet")]
    NotYet,
}
