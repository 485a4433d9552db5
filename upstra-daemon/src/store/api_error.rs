//! How a store failure reaches a client: as an internal-error reference, never its text.
//!
//! The conversion is a `From` so a handler writes `store.call(...).await?`. The full error is
//! logged once here, under a fresh reference the operator quotes from the client's message;
//! the client never sees a path, an SQL error or a key problem.

use rand::RngCore;
use upstra_core::api::v1::ApiError;

use super::StoreError;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let mut bytes = [0u8; 4];
        rand::rng().fill_bytes(&mut bytes);
        let reference = hex::encode(bytes);
        tracing::error!(%reference, error = %e, "internal error");
        ApiError::Internal { reference }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_failure_reaches_the_client_as_a_reference_only() {
        let err = ApiError::from(StoreError::Corrupt("secret path /x".into()));
        match err {
            ApiError::Internal { reference } => {
                assert_eq!(reference.len(), 8);
                assert!(reference.chars().all(|c| c.is_ascii_hexdigit()));
            }
            other => panic!("expected an internal reference, got {other:?}"),
        }
    }
}
