//! NUT (Network UPS Tools) client: reads UPS status from upsd; implements UpsMonitor.
#![forbid(unsafe_code)]
