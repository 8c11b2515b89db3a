//! What the chart shows, as data: one picture per server (connections,
//! control plane, key access), identical pictures grouped into one lane,
//! the worst lanes kept when a fleet has too many and the rest summed up;
//! entity lanes; and the markers for steps, refusals and alerts.

use std::collections::HashMap;

use crate::export::facts;
use crate::result::{Outcome, RunResult, ServerReport};

/// Server lanes drawn one by one; past this, the worst are kept and the
/// rest become one summary lane.
pub const MAX_SERVER_LANES: usize = 10;
/// Entity lanes drawn; past this, the ones usable throughout go first.
pub const MAX_ENTITY_LANES: usize = 20;

/// What clients met (upper band of a server lane).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conn {
    Absent,
    Available,
    Denying,
    /// Key access is back; the server waits to revalidate (R22).
    Recovering,
    DataLost,
}

/// What the control plane showed (lower band).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ctl {
    Absent,
    Available,
    Inaccessible,
}

/// Thin line under a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strip {
    /// R10 false during a window.
    KeyLost,
    /// R10 false, and no key check saw it (R21).
    UnseenLoss,
    GeoUnusable,
    TlsRefused,
}

/// Half-open intervals `[from, until)` with a state, sorted, disjoint.
pub type Spans<S> = Vec<(u64, u64, S)>;

/// Everything one server lane shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Picture {
    pub conn: Spans<Conn>,
    pub ctl: Spans<Ctl>,
    pub strips: Spans<Strip>,
    /// Each window's denial `[from, until)`, for duration labels.
    pub windows: Vec<(u64, u64)>,
    pub data_lost_at_s: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerLane {
    pub label: String,
    pub members: u64,
    pub picture: Picture,
}

/// The servers that did not get a lane of their own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rest {
    pub members: u64,
    /// Every member's denial and control-plane Inaccessible intervals.
    pub denying: Vec<(u64, u64)>,
    pub inaccessible: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EntityLane {
    pub kind: String,
    pub label: String,
    /// `(from, until, usable, state)`.
    pub spans: Vec<(u64, u64, bool, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Row {
    Event,
    Runbook,
    Refused,
    Alert,
}

impl Row {
    pub fn title(self) -> &'static str {
        match self {
            Row::Event => "scripted events",
            Row::Runbook => "runbook steps",
            Row::Refused => "refused actions",
            Row::Alert => "alerts",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at_s: u64,
    /// An alert's notification time.
    pub until_s: Option<u64>,
    pub row: Row,
    /// The line in the numbered list under the chart.
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lanes {
    pub servers: Vec<ServerLane>,
    pub rest: Option<Rest>,
    pub entities: Vec<EntityLane>,
    /// In time order; their number is their index plus one.
    pub markers: Vec<Marker>,
    /// What was left out or grouped, said on the chart.
    pub notes: Vec<String>,
}

/// Paints `[a, b)` with `s` over whatever was there.
fn paint<S: Copy>(spans: &mut Spans<S>, a: u64, b: u64, s: S) {
    if a >= b {
        return;
    }
    let mut out = Vec::with_capacity(spans.len() + 2);
    for &(x, y, v) in spans.iter() {
        if y <= a || x >= b {
            out.push((x, y, v));
            continue;
        }
        if x < a {
            out.push((x, a, v));
        }
        if y > b {
            out.push((b, y, v));
        }
    }
    out.push((a, b, s));
    out.sort_by_key(|&(x, _, _)| x);
    *spans = out;
}

pub fn picture(r: &RunResult, s: &ServerReport) -> Picture {
    let h = r.horizon_s;
    let live_from = s.created_at_s.unwrap_or(h).min(h);
    let live_to = s.deleted_at_s.unwrap_or(h).min(h);
    let mut conn = vec![(0, h, Conn::Absent)];
    let mut ctl = vec![(0, h, Ctl::Absent)];
    paint(&mut conn, live_from, live_to, Conn::Available);
    paint(&mut ctl, live_from, live_to, Ctl::Available);
    let mut strips = Vec::new();
    let mut windows = Vec::new();
    for w in &s.windows {
        let end = facts::window_end(w, h).min(live_to);
        paint(&mut conn, w.denied_from_s, end, Conn::Denying);
        for (a, b) in facts::recovering(r, &s.name, w) {
            paint(
                &mut conn,
                a.max(w.denied_from_s),
                b.min(end),
                Conn::Recovering,
            );
        }
        if let Some(a) = w.inaccessible_from_s {
            paint(
                &mut ctl,
                a,
                w.inaccessible_until_s.unwrap_or(h).min(live_to),
                Ctl::Inaccessible,
            );
        }
        for (a, b) in facts::without_access(r, &s.name, w) {
            strips.push((a, b, Strip::KeyLost));
        }
        windows.push((w.denied_from_s, end));
    }
    if let Some(t) = s.data_lost_at_s {
        paint(&mut conn, t, live_to, Conn::DataLost);
    }
    for u in &s.unseen_losses {
        strips.push((u.from_s, u.until_s.unwrap_or(h), Strip::UnseenLoss));
    }
    for g in &s.geo_backup_unusable {
        strips.push((g.from_s, g.until_s.unwrap_or(h), Strip::GeoUnusable));
    }
    for x in &s.tls_incidents {
        strips.push((x.from_s, x.until_s.unwrap_or(h), Strip::TlsRefused));
    }
    strips.sort_by_key(|&(a, b, s)| (a, b, s as u8));
    Picture {
        conn,
        ctl,
        strips,
        windows,
        data_lost_at_s: s.data_lost_at_s,
    }
}

/// How bad a picture is, for picking the worst lanes of a fleet: data
/// lost first, then time spent denying, then time without key access.
fn severity(p: &Picture) -> (bool, u64, u64) {
    let denying: u64 = p
        .conn
        .iter()
        .filter(|(_, _, c)| matches!(c, Conn::Denying | Conn::Recovering | Conn::DataLost))
        .map(|(a, b, _)| b - a)
        .sum();
    let lost: u64 = p.strips.iter().map(|(a, b, _)| b - a).sum();
    (p.data_lost_at_s.is_some(), denying, lost)
}

pub fn build(r: &RunResult) -> Lanes {
    let mut lanes = Lanes::default();
    server_lanes(r, &mut lanes);
    entity_lanes(r, &mut lanes);
    lanes.markers = markers(r);
    lanes
}

fn server_lanes(r: &RunResult, lanes: &mut Lanes) {
    // Group identical pictures, in declaration order of their first member.
    let mut groups: Vec<(Picture, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Picture, usize> = HashMap::new();
    for (i, s) in r.servers.iter().enumerate() {
        let p = picture(r, s);
        match index.get(&p) {
            Some(&g) => groups[g].1.push(i),
            None => {
                index.insert(p.clone(), groups.len());
                groups.push((p, vec![i]));
            }
        }
    }
    if r.servers.is_empty() {
        lanes.notes.push("No server existed during the run.".into());
    }
    let grouped = groups.len() < r.servers.len();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    let mut kept = groups.len();
    if groups.len() > MAX_SERVER_LANES {
        // Worst first; ties keep declaration order (a stable sort).
        order.sort_by_key(|&g| std::cmp::Reverse(severity(&groups[g].0)));
        kept = MAX_SERVER_LANES - 1;
    }
    for &g in &order[..kept] {
        let (p, members) = &groups[g];
        let first = &r.servers[members[0]].name;
        let label = if members.len() > 1 {
            format!("{first} +{} alike", members.len() - 1)
        } else {
            first.to_string()
        };
        lanes.servers.push(ServerLane {
            label,
            members: members.len() as u64,
            picture: p.clone(),
        });
    }
    if kept < groups.len() {
        let mut rest = Rest::default();
        for &g in &order[kept..] {
            let (p, members) = &groups[g];
            let n = members.len();
            rest.members += n as u64;
            for _ in 0..n {
                rest.denying.extend(
                    p.conn
                        .iter()
                        .filter(|s| {
                            matches!(s.2, Conn::Denying | Conn::Recovering | Conn::DataLost)
                        })
                        .map(|s| (s.0, s.1)),
                );
                rest.inaccessible.extend(
                    p.ctl
                        .iter()
                        .filter(|s| s.2 == Ctl::Inaccessible)
                        .map(|s| (s.0, s.1)),
                );
            }
        }
        let shown: u64 = lanes.servers.iter().map(|l| l.members).sum();
        lanes.notes.push(format!(
            "{} servers: the {} worst lanes are shown ({} servers, ranked by data loss, then time spent denying); the last lane sums up the other {}, shaded by the share of them denying (upper band) and shown Inaccessible (lower band).",
            r.servers.len(),
            kept,
            shown,
            rest.members
        ));
        lanes.rest = Some(rest);
    } else if grouped {
        lanes.notes.push(format!(
            "{} servers in {} lanes: servers with identical lanes share one (\"+N alike\").",
            r.servers.len(),
            groups.len()
        ));
    }
}

fn entity_lanes(r: &RunResult, lanes: &mut Lanes) {
    const KINDS: [&str; 4] = ["vault", "key_version", "identity", "grant"];
    let rank = |k: &str| KINDS.iter().position(|x| *x == k).unwrap_or(KINDS.len());
    let mut all: Vec<EntityLane> = r
        .entities
        .iter()
        .map(|e| EntityLane {
            kind: e.kind.clone(),
            label: e.name.clone(),
            spans: e
                .intervals
                .iter()
                .map(|i| {
                    let until = i.until_s.unwrap_or(r.horizon_s).min(r.horizon_s);
                    (i.from_s, until, i.usable, i.state.clone())
                })
                .filter(|(a, b, _, _)| a < b)
                .collect(),
        })
        .collect();
    all.sort_by_key(|e| rank(&e.kind));
    if all.len() > MAX_ENTITY_LANES {
        let before = all.len();
        all.retain(|e| e.spans.iter().any(|s| !s.2));
        if all.len() < before {
            lanes.notes.push(format!(
                "{} vaults, key versions, identities and grants that stayed usable throughout are not drawn.",
                before - all.len()
            ));
        }
        if all.len() > MAX_ENTITY_LANES {
            lanes.notes.push(format!(
                "{} more entities that were unusable at some time are not drawn (see summary.json).",
                all.len() - MAX_ENTITY_LANES
            ));
            all.truncate(MAX_ENTITY_LANES);
        }
    }
    lanes.entities = all;
}

fn markers(r: &RunResult) -> Vec<Marker> {
    let t = crate::export::words::Times::of(r);
    let mut out = Vec::new();
    for (s, e) in r.steps.iter().zip(facts::step_entries(r)) {
        if s.result == Outcome::Refused {
            continue;
        }
        let row = if s.runbook.is_some() {
            Row::Runbook
        } else {
            Row::Event
        };
        let on = e
            .filter(|e| !e.entity.is_empty())
            .map_or(String::new(), |e| format!(" {}", e.entity));
        let name = facts::given_name(s).map_or(String::new(), |n| format!(" \"{n}\""));
        let result = if s.result == Outcome::NoChange {
            " (no change)"
        } else {
            ""
        };
        let who = match &s.runbook {
            Some(rb) => format!("runbook \"{rb}\""),
            None => facts::actor(s, e).to_string(),
        };
        out.push(Marker {
            at_s: s.at_s,
            until_s: None,
            row,
            text: format!(
                "{}  {}{on}{name} by {who}{result}",
                t.clock().show(s.at_s),
                s.action
            ),
        });
    }
    for x in &r.refused {
        let name = x.step.as_deref().map_or(String::new(), |n| {
            if n.starts_with("event ") {
                String::new()
            } else {
                format!(" \"{n}\"")
            }
        });
        out.push(Marker {
            at_s: x.at_s,
            until_s: None,
            row: Row::Refused,
            text: format!(
                "{}  {}{name} by {} refused: {}",
                t.clock().show(x.at_s),
                x.action,
                x.by,
                x.reason
            ),
        });
    }
    for a in &r.alerts {
        out.push(Marker {
            at_s: a.fired_at_s,
            until_s: Some(a.notified_at_s),
            row: Row::Alert,
            text: format!(
                "{}  alert \"{}\" fired; notified {}",
                t.clock().show(a.fired_at_s),
                a.name,
                t.clock().show(a.notified_at_s)
            ),
        });
    }
    out.sort_by_key(|m| (m.at_s, m.row));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painting_an_interval_overwrites_only_that_interval() {
        let mut s = vec![(0, 100, 'a')];
        paint(&mut s, 10, 20, 'b');
        paint(&mut s, 15, 30, 'c');
        assert_eq!(
            s,
            vec![(0, 10, 'a'), (10, 15, 'b'), (15, 30, 'c'), (30, 100, 'a')]
        );
    }
}
