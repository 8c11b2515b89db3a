//! Runbook rehearsal: what to do (advise) and how well a runbook does it.

pub mod advise;
pub mod chart;
pub mod rehearse;
