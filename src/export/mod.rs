//! Renderers: each output format is one file, and each reads a
//! [`crate::result::RunResult`] only.

pub mod bundle;
pub mod causes;
pub mod chart;
pub mod events;
pub mod explain;
pub mod facts;
pub mod files;
pub mod html;
pub mod json;
pub mod markdown;
pub mod summary;
pub mod text;
pub mod words;

/// How to show simulated times: offsets, and calendar time when the
/// scenario gives a start.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    pub start_unix_s: Option<i64>,
}

impl Clock {
    pub fn show(&self, t_s: u64) -> String {
        let offset = crate::engine::time::format_offset(t_s);
        match self.start_unix_s {
            Some(start) => format!(
                "{offset}  {}",
                crate::engine::time::format_calendar(start + t_s as i64)
            ),
            None => offset,
        }
    }
}
