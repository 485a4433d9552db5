//! Resolve, then authorize: every request that names a target, checked on what it resolves to.
