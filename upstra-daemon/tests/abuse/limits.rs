//! Rate limits under concurrency, string bounds before anything is stored, and the audit trail's paging.
