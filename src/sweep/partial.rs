//! Sharded sweeps: `--shard K/N` runs the K-th of N equal slices of the
//! run indices and writes a part; merging all N parts gives exactly the
//! tally, and so the summary, of the sweep run in one piece.
//!
//! A part is a JSON document holding the sweep's [`Header`], which shard it
//! is, the run indices it covers and its [`Tally`] (exact counts, no
//! samples). Parts merge only when their headers are equal (same scenario
//! text, seed, run count and runbook) and together they hold every shard
//! exactly once.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{Header, Tally};

/// The `format` field of a part, so that another JSON file is not taken for
/// one.
pub const PART_FORMAT: &str = "keyloss-sweep-part";
/// Bumped whenever a part's layout changes.
pub const PART_VERSION: u32 = 1;

/// `K/N`: the K-th (from 1) of N slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` with `1 <= K <= N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("a shard is K/N with 1 <= K <= N, like 2/8, not {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The run indices of this shard among `runs`:
    /// `[floor((K-1)·runs/N), floor(K·runs/N))`. The N slices are disjoint,
    /// cover every index, and differ in size by at most one.
    pub fn range(&self, runs: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(runs) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// The part's file name inside `--out`.
    pub fn file_name(&self) -> String {
        format!("part-{}-of-{}.json", self.index, self.count)
    }
}

/// One shard's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    pub version: u32,
    /// The scenario file as named on the command line, for replay hints.
    pub origin: String,
    pub header: Header,
    pub shard: Shard,
    pub first_run: u64,
    pub end_run: u64,
    pub tally: Tally,
}

impl Part {
    pub fn new(origin: &str, header: Header, shard: Shard, tally: Tally) -> Part {
        let range = shard.range(header.runs);
        Part {
            format: PART_FORMAT.to_string(),
            version: PART_VERSION,
            origin: origin.to_string(),
            header,
            shard,
            first_run: range.start,
            end_run: range.end,
            tally,
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string(self).expect("a part always serialises");
        out.push('\n');
        out
    }

    /// Reads a part, checking that it is one and that it is whole.
    pub fn from_json(text: &str, name: &str) -> Result<Part, String> {
        let part: Part = serde_json::from_str(text)
            .map_err(|e| format!("{name}: not a keyloss sweep part ({e})"))?;
        if part.format != PART_FORMAT || part.version != PART_VERSION {
            return Err(format!(
                "{name}: a part of format {:?} version {}, but this keyloss reads {PART_FORMAT:?} version {PART_VERSION}",
                part.format, part.version
            ));
        }
        let range = part.shard.range(part.header.runs);
        if part.shard.index == 0
            || part.shard.index > part.shard.count
            || (part.first_run, part.end_run) != (range.start, range.end)
            || part.tally.runs != range.end - range.start
        {
            return Err(format!(
                "{name}: shard {}/{} should hold runs {}..{} but holds {} runs",
                part.shard.index, part.shard.count, range.start, range.end, part.tally.runs
            ));
        }
        Ok(part)
    }
}

/// Merges the parts of one sweep into its header, origin and tally.
pub fn merge(parts: Vec<(String, Part)>) -> Result<(String, Header, Tally), String> {
    let Some((first_name, first)) = parts.first() else {
        return Err("no parts to merge".into());
    };
    let count = first.shard.count;
    let mut seen: Vec<Option<&str>> = vec![None; count as usize];
    for (name, p) in &parts {
        if p.header != first.header || p.shard.count != count {
            return Err(format!(
                "{name} and {first_name} come from different sweeps (scenario, its text, seed, runs, runbook or shard count differ)"
            ));
        }
        let slot = &mut seen[(p.shard.index - 1) as usize];
        if let Some(other) = slot {
            return Err(format!(
                "{name} and {other} are both shard {}/{count}",
                p.shard.index
            ));
        }
        *slot = Some(name.as_str());
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s): {}", missing.join(", ")));
    }
    let mut ordered: Vec<&Part> = parts.iter().map(|(_, p)| p).collect();
    ordered.sort_by_key(|p| p.shard.index);
    let mut tally = ordered[0].tally.clone();
    for p in &ordered[1..] {
        tally.merge(&p.tally);
    }
    Ok((first.origin.clone(), first.header.clone(), tally))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_run_once() {
        for runs in [0u64, 1, 7, 10, 1000, 1001] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.range(runs);
                    assert_eq!(r.start, next);
                    assert!(r.end - r.start <= runs / count + 1);
                    next = r.end;
                }
                assert_eq!(next, runs);
            }
        }
    }

    #[test]
    fn shard_text_is_checked() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert!(Shard::parse("0/8").is_err());
        assert!(Shard::parse("9/8").is_err());
        assert!(Shard::parse("2").is_err());
        assert!(Shard::parse("a/b").is_err());
    }
}
