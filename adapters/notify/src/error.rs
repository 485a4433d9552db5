use thiserror::Error;

/// Why a channel's settings cannot be used (found when the daemon loads its configuration).
#[derive(Debug, Error)]
pub enum ChannelError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// Why one delivery did not happen.
#[derive(Debug, Error)]
pub enum SendError {
    /// The server could not be reached or answered that it cannot take the message now
    /// (connection refused, timeout, SMTP 4xx, HTTP 5xx or 429): a later attempt may succeed.
    #[error("{reason}")]
    Temporary { reason: String },
    /// The server refused this message for good (SMTP 5xx, HTTP 4xx): retrying will not help.
    #[error("refused: {answer}")]
    Rejected { answer: String },
}

impl SendError {
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::Temporary { .. })
    }
}
