//! keyloss: a deterministic discrete-event simulator of key-loss incidents
//! for Azure Database for PostgreSQL servers encrypted with a
//! customer-managed key.
//!
//! The data flows one way: a scenario file is parsed and resolved into a
//! [`scenario::Plan`]; [`model::run`] plays it on the [`engine`]'s clock and
//! returns a [`result::RunResult`]; the [`export`] renderers read that
//! result and nothing else.
//!
//! ```
//! let text = r#"Scenario(name: "tiny", horizon: "1d", world: World())"#;
//! let plan = keyloss::scenario::parse_str(text, "tiny.ron").unwrap();
//! let result = keyloss::model::run(&plan, &Default::default()).unwrap();
//! assert!(result.servers.is_empty());
//! ```

pub mod engine;
pub mod export;
pub mod lint;
pub mod model;
pub mod rehearsal;
pub mod result;
pub mod scenario;
pub mod sweep;
