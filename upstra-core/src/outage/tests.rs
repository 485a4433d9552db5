//! Table and property tests of the outage decisions.

mod booting;
mod feeds;
mod fixture;
mod last_out;
mod learning;
mod planner;
mod preferred;
mod properties;
mod restoring;
mod stagger;
mod triggers;
mod unmanaged;
mod verifying;
