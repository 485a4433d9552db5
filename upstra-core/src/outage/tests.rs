//! Table and property tests of the outage decisions.

mod fixture;
mod planner;
mod properties;
mod restoring;
mod triggers;
mod verifying;
