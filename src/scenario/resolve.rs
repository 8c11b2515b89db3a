//! RON text → [`Plan`]: parse, check every value the service could never
//! hold, resolve every name (against the world and every name an action
//! creates), and apply the defaults. Every problem is a located
//! [`Diagnostic`], placed by the value's field path in the file
//! (`world.vaults[1].retention_days`), so the underline is on the bad value
//! itself.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use ron::extensions::Extensions;

use super::diagnostic::Diagnostic;
use super::format::*;
use super::locate::{underline, Tree};
use super::syntax::ron_error;
use super::{limits, Names, Plan, Runbook, Timing, WorldServer};
use crate::engine::random::Dist;
use crate::engine::time::{format_duration, parse_calendar};
use crate::result::Text;

/// Reads and checks a scenario file. A file above the size limit is refused
/// before it is read.
pub fn load_file(path: &Path) -> Result<Plan, Diagnostic> {
    let shown = path.display().to_string();
    let text = read_text(path)?;
    parse_str(&text, &shown)
}

/// Reads a scenario file's text: at most [`limits::MAX_FILE_BYTES`], UTF-8.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::whole_file(&shown, format!("cannot read the file: {e}")))?;
    if meta.len() > limits::MAX_FILE_BYTES {
        return Err(too_large(&shown, meta.len()));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::whole_file(&shown, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        Diagnostic::whole_file(
            &shown,
            format!(
                "the file is not UTF-8 text (bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn too_large(origin: &str, bytes: u64) -> Diagnostic {
    Diagnostic::whole_file(
        origin,
        format!(
            "the file is {bytes} bytes; scenario files are limited to {} bytes (16 MiB)",
            limits::MAX_FILE_BYTES
        ),
    )
    .with_help("split the scenario, or describe many servers with one Fleet(…)")
}

/// Parses scenario text into the file's types, without the checks.
pub fn parse_file(text: &str, origin: &str) -> Result<ScenarioFile, Diagnostic> {
    if text.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(too_large(origin, text.len() as u64));
    }
    let options = ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
    options
        .from_str(text)
        .map_err(|e| ron_error(text, origin, &e))
}

/// Parses and checks scenario text; `origin` names it in messages.
pub fn parse_str(text: &str, origin: &str) -> Result<Plan, Diagnostic> {
    let file = parse_file(text, origin)?;
    Checker::new(text, origin).check(file)
}

/// Checks a scenario built or changed in code (e.g. with recovery actions
/// added); `source` is only used to locate problems.
pub fn plan_from_file(file: ScenarioFile, source: &str, origin: &str) -> Result<Plan, Diagnostic> {
    Checker::new(source, origin).check(file)
}

/// Where each action of a file is written, with the action: scripted
/// events (`events[3].do`), then the runbook's steps (`runbook[0].do`), then
/// each named runbook's (`runbooks[1][1][0].do`).
pub fn actions_with_paths(file: &ScenarioFile) -> Vec<(String, &Action)> {
    let mut out: Vec<(String, &Action)> = file
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("events[{i}].do"), &e.action))
        .collect();
    for (prefix, _, steps) in step_lists(file) {
        for (i, s) in steps.iter().enumerate() {
            out.push((format!("{prefix}[{i}].do"), &s.action));
        }
    }
    out
}

/// Each runbook's step list with the path of that list in the file and the
/// runbook's name (`runbook:` is the runbook "default").
pub fn step_lists(file: &ScenarioFile) -> Vec<(String, &str, &Vec<StepSpec>)> {
    let mut out = Vec::new();
    if let Some(steps) = &file.runbook {
        out.push(("runbook".to_string(), "default", steps));
    }
    for (r, (name, steps)) in file.runbooks.iter().enumerate() {
        out.push((format!("runbooks[{r}][1]"), name.as_str(), steps));
    }
    out
}

/// The path of the n-th server declaration's spec (a fleet's template).
pub fn server_decl_path(index: usize, decl: &ServerDecl) -> String {
    match decl {
        ServerDecl::Server(_) => format!("world.servers[{index}]"),
        ServerDecl::Fleet { .. } => format!("world.servers[{index}].server"),
    }
}

struct Checker<'t> {
    text: &'t str,
    origin: &'t str,
    /// Read only when a problem needs placing.
    tree: OnceCell<Option<Tree>>,
}

type Check<T = ()> = Result<T, Diagnostic>;

/// Every (vault, key) name pair the file can ever hold.
#[derive(Default)]
struct KeyNames(BTreeSet<(String, String)>);

impl<'t> Checker<'t> {
    fn new(text: &'t str, origin: &'t str) -> Self {
        Checker {
            text,
            origin,
            tree: OnceCell::new(),
        }
    }

    /// A located error at the value written at `path` (or, when the value
    /// is not written, at the entry that should hold it).
    fn err(&self, path: &str, message: String) -> Diagnostic {
        let tree = self.tree.get_or_init(|| Tree::parse(self.text));
        match tree {
            Some(t) => {
                let (node, _) = t.lookup(path);
                let r = underline(self.text, node.unwrap_some());
                Diagnostic::at(self.origin, self.text, r.start, r.end - r.start, message)
            }
            None => Diagnostic::at(self.origin, self.text, 0, 0, message),
        }
    }

    /// A name declared twice: underlined where it repeats, and where it
    /// was first declared.
    fn duplicate(&self, second: &str, first: &str, message: String) -> Diagnostic {
        let d = self.err(second, message).with_label("declared again here");
        match self.tree.get().and_then(|t| t.as_ref()) {
            Some(t) => {
                let r = underline(self.text, t.lookup(first).0.unwrap_some());
                d.with_also(r.start, r.end - r.start, "first declared here")
            }
            None => d,
        }
    }

    fn unknown<S: AsRef<str>>(
        &self,
        kind: &str,
        path: &str,
        name: &str,
        known: &[S],
    ) -> Diagnostic {
        let mut message = format!("unknown {kind} {name:?}");
        let mut d = match nearest(name, known) {
            Some(s) => {
                message.push_str(&format!("; did you mean {s:?}?"));
                self.err(path, message)
            }
            None => {
                let d = self.err(path, message);
                if known.is_empty() {
                    d.with_help(format!("the scenario declares no {kind}"))
                } else {
                    d.with_help(format!("declared: {}", quoted_list(known)))
                }
            }
        };
        d = d.with_label(format!("unknown {}", kind.trim_end_matches(':')));
        d
    }

    fn check(&self, file: ScenarioFile) -> Check<Plan> {
        if file.name.trim().is_empty() {
            return Err(self.err("name", "the scenario needs a name".into()));
        }
        let horizon = file.horizon.0;
        if horizon == 0 || horizon > limits::MAX_HORIZON_S {
            return Err(self
                .err(
                    "horizon",
                    format!(
                        "the horizon must be between 1s and 10 years (3650d), not {}{}",
                        format_duration(horizon),
                        about_years(horizon)
                    ),
                )
                .with_label("out of range"));
        }
        let start_unix_s = match &file.start {
            None => None,
            Some(s) => Some(parse_calendar(s).map_err(|e| self.err("start", e.to_string()))?),
        };
        let timing = self.timing(&file.timing)?;
        if file.events.len() > limits::MAX_EVENTS {
            return Err(self.err(
                "events",
                format!(
                    "{} scripted events; the limit is {}",
                    file.events.len(),
                    limits::MAX_EVENTS
                ),
            ));
        }
        let actions = actions_with_paths(&file);
        let (vaults, keys) = self.vault_names(&file, &actions)?;
        let servers = self.server_names(&file, &actions)?;
        let identities = self.identity_names(&file, &actions)?;
        self.entity_count(&file, &vaults, &keys, &identities)?;
        let world_servers = self.world_servers(&file, &servers);
        let runbooks = self.runbooks(&file)?;
        let ctx = Ctx {
            vaults: &vaults,
            keys: &keys,
            servers: &servers,
            identities: &identities,
        };
        self.world_refs(&file, &ctx)?;
        for (i, ev) in file.events.iter().enumerate() {
            self.action(&format!("events[{i}].do"), &ev.action, &ctx)?;
        }
        let alert_names = self.alerts(&file, &ctx)?;
        for (path, name, steps) in step_lists(&file) {
            self.steps(&path, name, steps, &alert_names, &ctx)?;
        }
        self.expectations(&file, &runbooks, &alert_names, &ctx)?;
        Ok(Plan {
            origin: self.origin.to_string(),
            source: self.text.to_string(),
            timing,
            start_unix_s,
            vaults,
            identities,
            servers,
            world_servers,
            runbooks,
            file,
        })
    }

    fn timing(&self, t: &TimingSpec) -> Check<Timing> {
        let mut out = Timing::default();
        if let Some(every) = t.key_check_every {
            if every.0 == 0 {
                return Err(self.err(
                    "timing.key_check_every",
                    "key_check_every must be at least 1s".into(),
                ));
            }
            out.key_check_every_s = every.0;
        }
        let dist = |field: &str, d: &Option<DistSpec>, slot: &mut Dist| -> Check {
            if let Some(d) = d {
                *slot = self.dist(field, d)?;
            }
            Ok(())
        };
        if let Some(d) = &t.key_check_phase {
            out.key_check_phase = Some(self.dist("key_check_phase", d)?);
        }
        dist(
            "inaccessible_after",
            &t.inaccessible_after,
            &mut out.inaccessible_after,
        )?;
        dist("recover_after", &t.recover_after, &mut out.recover_after)?;
        dist(
            "identity_revalidate_after",
            &t.identity_revalidate_after,
            &mut out.identity_revalidate_after,
        )?;
        dist("rewrap_after", &t.rewrap_after, &mut out.rewrap_after)?;
        dist(
            "activity_log_delay",
            &t.activity_log_delay,
            &mut out.activity_log_delay,
        )?;
        dist("alert_delay", &t.alert_delay, &mut out.alert_delay)?;
        if let Some(r) = t.identity_recoverable {
            out.identity_recoverable = r;
        }
        if let Some(w) = t.identity_recovery_window {
            out.identity_recovery_window_s = w.0;
        }
        if let Some(b) = t.event_budget {
            if b == 0 || b > limits::MAX_EVENT_BUDGET {
                return Err(self.err(
                    "timing.event_budget",
                    format!("event_budget is 1 to {}, not {b}", limits::MAX_EVENT_BUDGET),
                ));
            }
            out.event_budget = b;
        }
        Ok(out)
    }

    fn dist(&self, field: &str, d: &DistSpec) -> Check<Dist> {
        let path = format!("timing.{field}");
        match *d {
            DistSpec::Fixed(a) => Ok(Dist::Fixed(a.0)),
            DistSpec::Uniform(a, b) if a <= b => Ok(Dist::Uniform(a.0, b.0)),
            DistSpec::Uniform(a, b) => Err(self
                .err(
                    &path,
                    format!(
                        "Uniform({:?}, {:?}): the low end is above the high end",
                        format_duration(a.0),
                        format_duration(b.0)
                    ),
                )
                .with_help("write Uniform(low, high) with low ≤ high")),
            DistSpec::Triangular(a, m, b) if a <= m && m <= b => {
                Ok(Dist::Triangular(a.0, m.0, b.0))
            }
            DistSpec::Triangular(a, m, b) => Err(self.err(
                &path,
                format!(
                    "Triangular({:?}, {:?}, {:?}) needs min ≤ mode ≤ max",
                    format_duration(a.0),
                    format_duration(m.0),
                    format_duration(b.0)
                ),
            )),
        }
    }

    /// A vault's own values; `path` is where the vault is written.
    fn vault_spec(&self, path: &str, v: &VaultSpec, keys: &mut KeyNames) -> Check {
        if !(7..=90).contains(&v.retention_days) {
            return Err(self
                .err(
                    &format!("{path}.retention_days"),
                    format!("retention_days is 7 to 90 (R4), not {}", v.retention_days),
                )
                .with_label("out of range")
                .with_help("90 days is the recommended retention"));
        }
        let mut seen = BTreeSet::new();
        for (j, k) in v.keys.iter().enumerate() {
            let kp = format!("{path}.keys[{j}]");
            if !seen.insert(k.name.clone()) {
                let first = v.keys.iter().position(|x| x.name == k.name).unwrap_or(j);
                return Err(self.duplicate(
                    &format!("{kp}.name"),
                    &format!("{path}.keys[{first}].name"),
                    format!("vault {:?} declares key {:?} twice", v.name, k.name),
                ));
            }
            key_size_ok(k.size).map_err(|m| self.size_error(&format!("{kp}.size"), m))?;
            if k.versions == 0 || k.versions > limits::MAX_KEY_VERSIONS {
                return Err(self.err(
                    &format!("{kp}.versions"),
                    format!(
                        "a key has 1 to {} versions, not {}",
                        limits::MAX_KEY_VERSIONS,
                        k.versions
                    ),
                ));
            }
            if k.rotation.is_some_and(|r| r.every.0 == 0) {
                return Err(self.err(
                    &format!("{kp}.rotation.every"),
                    "a rotation policy rotates every 1s or more".into(),
                ));
            }
            keys.0.insert((v.name.clone(), k.name.clone()));
        }
        Ok(())
    }

    fn size_error(&self, path: &str, message: String) -> Diagnostic {
        self.err(path, message)
            .with_label("not a key size")
            .with_help(
                "4096 bits is recommended; 1024 is accepted in a file but refused by the service",
            )
    }

    fn vault_names(
        &self,
        file: &ScenarioFile,
        actions: &[(String, &Action)],
    ) -> Check<(Names, KeyNames)> {
        let mut names = Names::default();
        let mut keys = KeyNames::default();
        for (i, v) in file.world.vaults.iter().enumerate() {
            let path = format!("world.vaults[{i}]");
            if let Some(first) = names.get(&v.name) {
                return Err(self.duplicate(
                    &format!("{path}.name"),
                    &format!("world.vaults[{first}].name"),
                    format!("two vaults are named {:?}", v.name),
                ));
            }
            names.add(&v.name);
            self.vault_spec(&path, v, &mut keys)?;
        }
        for (path, a) in actions {
            match a {
                Action::CreateVault(NewVault::Vault(v)) => {
                    names.add(&v.name);
                    self.vault_spec(path, v, &mut keys)?;
                }
                Action::CreateKey {
                    vault, key, size, ..
                } => {
                    if let Some(s) = size {
                        key_size_ok(*s).map_err(|m| self.size_error(&format!("{path}.size"), m))?;
                    }
                    keys.0.insert((vault.clone(), key.clone()));
                }
                Action::RestoreKeyBackup { vault, key, .. } => {
                    keys.0.insert((vault.clone(), key.clone()));
                }
                _ => {}
            }
        }
        Ok((names, keys))
    }

    fn server_names(&self, file: &ScenarioFile, actions: &[(String, &Action)]) -> Check<Names> {
        let mut names = Names::default();
        let mut total: u64 = 0;
        for (i, decl) in file.world.servers.iter().enumerate() {
            let path = format!("world.servers[{i}]");
            match decl {
                ServerDecl::Server(s) => {
                    if s.name.is_empty() {
                        return Err(self.err(&path, "a server needs a name".into()));
                    }
                    if names.get(&s.name).is_some() {
                        let first = file
                            .world
                            .servers
                            .iter()
                            .position(|d| matches!(d, ServerDecl::Server(x) if x.name == s.name))
                            .unwrap_or(i);
                        return Err(self.duplicate(
                            &format!("{path}.name"),
                            &format!("world.servers[{first}].name"),
                            format!("two servers are named {:?}", s.name),
                        ));
                    }
                    if total + 1 > limits::MAX_SERVERS {
                        return Err(self.err(&path, servers_limit(total + 1)));
                    }
                    names.add(&s.name);
                    total += 1;
                }
                ServerDecl::Fleet { prefix, count, .. } => {
                    if *count == 0 || total.saturating_add(*count) > limits::MAX_SERVERS {
                        return Err(self
                            .err(
                                &format!("{path}.count"),
                                format!(
                                    "a fleet has 1 to {} servers, and a scenario at most {} in all; this fleet has {count}",
                                    limits::MAX_SERVERS,
                                    limits::MAX_SERVERS
                                ),
                            )
                            .with_label("out of range"));
                    }
                    let width = count.to_string().len();
                    // A million names are made on every core, in order.
                    let members: Vec<Text> = (1..=*count)
                        .into_par_iter()
                        .map_init(String::new, |name, i| {
                            fleet_member_name(name, prefix, i, width);
                            Text::from(name.as_str())
                        })
                        .collect();
                    if let Err(name) = names.add_fleet(prefix, width, members) {
                        return Err(self.err(
                            &format!("{path}.prefix"),
                            format!("fleet member {name:?} clashes with another server"),
                        ));
                    }
                    total += count;
                }
            }
        }
        for (path, a) in actions {
            match a {
                Action::CreateServer(NewServer::Server(s)) => {
                    if s.name.is_empty() {
                        return Err(self.err(path, "a created server needs a name".into()));
                    }
                    names.add(&s.name);
                }
                Action::RestoreServer { into, .. }
                | Action::CreateReplica { into, .. }
                | Action::GeoRestore { into, .. } => {
                    names.add(into);
                }
                _ => {}
            }
            if names.len() as u64 > limits::MAX_SERVERS {
                return Err(self.err(path, servers_limit(names.len() as u64)));
            }
        }
        Ok(names)
    }

    fn identity_names(&self, file: &ScenarioFile, actions: &[(String, &Action)]) -> Check<Names> {
        let mut names = Names::default();
        for (i, ident) in file.world.identities.iter().enumerate() {
            if let Some(first) = names.get(&ident.name) {
                return Err(self.duplicate(
                    &format!("world.identities[{i}].name"),
                    &format!("world.identities[{first}].name"),
                    format!("two identities are named {:?}", ident.name),
                ));
            }
            names.add(&ident.name);
        }
        for (_, a) in actions {
            if let Action::CreateIdentity { identity, .. } = a {
                names.add(identity);
            }
        }
        Ok(names)
    }

    /// The entity limit: vaults, keys, identities, grants and alerts together.
    fn entity_count(
        &self,
        file: &ScenarioFile,
        vaults: &Names,
        keys: &KeyNames,
        identities: &Names,
    ) -> Check {
        let count = vaults.len()
            + keys.0.len()
            + identities.len()
            + file.world.grants.len()
            + file.alerts.len();
        if count > limits::MAX_ENTITIES {
            return Err(self.err(
                "world",
                format!(
                    "{count} vaults, keys, identities, grants and alerts; the limit is {}",
                    limits::MAX_ENTITIES
                ),
            ));
        }
        Ok(())
    }

    fn world_servers(&self, file: &ScenarioFile, servers: &Names) -> Vec<WorldServer> {
        let mut out = Vec::new();
        for (decl, d) in file.world.servers.iter().enumerate() {
            match d {
                ServerDecl::Server(s) => out.push(WorldServer {
                    id: servers.get(&s.name).expect("named"),
                    decl: decl as u32,
                }),
                ServerDecl::Fleet { prefix, count, .. } => {
                    // Members were named in order, each one new (a clash is
                    // an error), so their ids follow the first one's.
                    let width = count.to_string().len();
                    let mut name = String::new();
                    fleet_member_name(&mut name, prefix, 1, width);
                    let first = servers.get(&name).expect("named");
                    for i in 0..*count as u32 {
                        out.push(WorldServer {
                            id: first + i,
                            decl: decl as u32,
                        });
                    }
                }
            }
        }
        out
    }

    fn runbooks(&self, file: &ScenarioFile) -> Check<Vec<Runbook>> {
        let mut out = Vec::new();
        if let Some(steps) = &file.runbook {
            out.push(Runbook {
                name: "default".into(),
                steps: steps.clone(),
            });
        }
        for (r, (name, steps)) in file.runbooks.iter().enumerate() {
            if out.iter().any(|rb: &Runbook| rb.name == *name) {
                return Err(self
                    .err(
                        &format!("runbooks[{r}][0]"),
                        format!("two runbooks are named {name:?}"),
                    )
                    .with_label("second runbook of that name"));
            }
            out.push(Runbook {
                name: name.clone(),
                steps: steps.clone(),
            });
        }
        let total: usize = out.iter().map(|r| r.steps.len()).sum();
        if total > limits::MAX_STEPS {
            let path = if file.runbook.is_some() {
                "runbook"
            } else {
                "runbooks"
            };
            return Err(self.err(
                path,
                format!("{total} runbook steps; the limit is {}", limits::MAX_STEPS),
            ));
        }
        Ok(out)
    }

    fn world_refs(&self, file: &ScenarioFile, ctx: &Ctx) -> Check {
        for (i, g) in file.world.grants.iter().enumerate() {
            let path = format!("world.grants[{i}]");
            let (identity, vault, key) = match g {
                GrantSpec::Role {
                    identity,
                    vault,
                    key,
                    ..
                } => (identity, vault, key.as_ref()),
                GrantSpec::AccessPolicy {
                    identity, vault, ..
                } => (identity, vault, None),
            };
            self.identity_ref(&format!("{path}.identity"), identity, ctx)?;
            self.vault_ref(&format!("{path}.vault"), vault, ctx)?;
            if let Some(k) = key {
                self.key_name_ref(&path, vault, k, ctx)?;
            }
        }
        for (i, decl) in file.world.servers.iter().enumerate() {
            let spec = match decl {
                ServerDecl::Server(s) => s,
                ServerDecl::Fleet { server, .. } => server,
            };
            self.server_spec(&server_decl_path(i, decl), spec, ctx)?;
        }
        Ok(())
    }

    fn server_spec(&self, path: &str, s: &ServerSpec, ctx: &Ctx) -> Check {
        // A TLS version other than 1.2 or 1.3 is not a file error: the
        // creation is refused `InvalidParameterValue` (R40, R35 style), as
        // `SetServerParameter` with it is, and `keyloss lint` says so.
        self.encryption(&format!("{path}.encryption"), &s.encryption, s.kind, ctx)
    }

    fn encryption(&self, path: &str, e: &EncryptionSpec, kind: ServerKind, ctx: &Ctx) -> Check {
        let EncryptionSpec::CustomerManaged {
            key,
            identity,
            geo_backup,
        } = e
        else {
            return Ok(());
        };
        self.key_ref(&format!("{path}.key"), key, ctx)?;
        match identity {
            Some(i) => self.identity_ref(&format!("{path}.identity"), i, ctx)?,
            None if kind == ServerKind::Flexible => {
                return Err(self
                    .err(
                        path,
                        "a Flexible server's CustomerManaged encryption needs an identity".into(),
                    )
                    .with_help("add identity: \"<user-assigned identity name>\""));
            }
            None => {}
        }
        if let Some(g) = geo_backup {
            self.key_ref(&format!("{path}.geo_backup.key"), &g.key, ctx)?;
            self.identity_ref(&format!("{path}.geo_backup.identity"), &g.identity, ctx)?;
        }
        Ok(())
    }

    fn vault_ref(&self, path: &str, name: &str, ctx: &Ctx) -> Check {
        if ctx.vaults.get(name).is_none() {
            return Err(self.unknown("vault", path, name, &ctx.vaults.list));
        }
        Ok(())
    }

    /// `vault:` and `key:` of the entry at `path`.
    fn key_name_ref(&self, path: &str, vault: &str, key: &str, ctx: &Ctx) -> Check {
        self.vault_ref(&format!("{path}.vault"), vault, ctx)?;
        if !ctx.keys.0.contains(&(vault.to_string(), key.to_string())) {
            let known = ctx.keys.in_vault(vault);
            return Err(self.unknown(
                &format!("key in vault {vault:?}:"),
                &format!("{path}.key"),
                key,
                &known,
            ));
        }
        Ok(())
    }

    fn key_ref(&self, path: &str, r: &KeyRef, ctx: &Ctx) -> Check {
        let text = r.to_string();
        if ctx.vaults.get(&r.vault).is_none() {
            let mut message = format!(
                "key reference {text:?} names an unknown vault {:?}",
                r.vault
            );
            let help = match nearest(&r.vault, &ctx.vaults.list) {
                Some(s) => {
                    message.push_str(&format!("; did you mean vault {s:?}?"));
                    None
                }
                None => Some("declare the vault in world.vaults, or create it with CreateVault"),
            };
            let d = self.err(path, message).with_label("unknown vault");
            return Err(match help {
                Some(h) => d.with_help(h),
                None => d,
            });
        }
        if !ctx.keys.0.contains(&(r.vault.clone(), r.key.clone())) {
            let known = ctx.keys.in_vault(&r.vault);
            let mut message = format!(
                "key reference {text:?}: vault {:?} has no key {:?}",
                r.vault, r.key
            );
            if let Some(s) = nearest(&r.key, &known) {
                let suggestion = KeyRef {
                    key: s,
                    ..r.clone()
                };
                message.push_str(&format!("; did you mean \"{suggestion}\"?"));
            }
            let d = self.err(path, message).with_label("unknown key");
            return Err(if known.is_empty() {
                d.with_help(format!("vault {:?} declares no key", r.vault))
            } else {
                d.with_help(format!("its keys: {}", quoted_list(&known)))
            });
        }
        Ok(())
    }

    fn identity_ref(&self, path: &str, name: &str, ctx: &Ctx) -> Check {
        // A Single server's system identity is named after the server (R39).
        if ctx.identities.get(name).is_none() && ctx.servers.get(name).is_none() {
            return Err(self.unknown("identity", path, name, &ctx.identities.list));
        }
        Ok(())
    }

    fn server_ref(&self, path: &str, name: &str, ctx: &Ctx) -> Check {
        if ctx.servers.get(name).is_none() {
            return Err(self.unknown(
                "server",
                path,
                name,
                &ctx.servers.list[..ctx.servers.len().min(1000)],
            ));
        }
        Ok(())
    }

    /// The names an action refers to; `p` is where the action is written.
    fn action(&self, p: &str, a: &Action, ctx: &Ctx) -> Check {
        let at = |field: &str| format!("{p}.{field}");
        match a {
            Action::CreateKey { vault, .. } => self.vault_ref(&at("vault"), vault, ctx),
            Action::RotateKey { vault, key }
            | Action::DisableKey { vault, key, .. }
            | Action::EnableKey { vault, key, .. }
            | Action::SetKeyExpiry { vault, key, .. }
            | Action::DeleteKey { vault, key }
            | Action::RecoverKey { vault, key }
            | Action::PurgeKey { vault, key }
            | Action::BackupKey { vault, key } => self.key_name_ref(p, vault, key, ctx),
            Action::RestoreKeyBackup {
                vault, from_vault, ..
            } => {
                self.vault_ref(&at("vault"), vault, ctx)?;
                from_vault
                    .as_ref()
                    .map_or(Ok(()), |v| self.vault_ref(&at("from_vault"), v, ctx))
            }
            Action::CreateVault(_) | Action::CreateIdentity { .. } => Ok(()),
            Action::DeleteVault { vault }
            | Action::RecoverVault { vault }
            | Action::PurgeVault { vault }
            | Action::SetFirewall { vault, .. }
            | Action::SetPermissionModel { vault, .. }
            | Action::SetDeleteLock { vault, .. }
            | Action::MoveVault { vault, .. } => self.vault_ref(&at("vault"), vault, ctx),
            Action::DeleteIdentity { identity } | Action::RecoverIdentity { identity } => {
                self.identity_ref(&at("identity"), identity, ctx)
            }
            Action::AssignRole {
                identity,
                vault,
                key,
                ..
            }
            | Action::RemoveRole {
                identity,
                vault,
                key,
                ..
            } => {
                self.identity_ref(&at("identity"), identity, ctx)?;
                match key {
                    Some(k) => self.key_name_ref(p, vault, k, ctx),
                    None => self.vault_ref(&at("vault"), vault, ctx),
                }
            }
            Action::SetAccessPolicy {
                identity, vault, ..
            }
            | Action::RemoveAccessPolicy { identity, vault } => {
                self.identity_ref(&at("identity"), identity, ctx)?;
                self.vault_ref(&at("vault"), vault, ctx)
            }
            Action::CreateServer(NewServer::Server(s)) => self.server_spec(p, s, ctx),
            Action::UpdateServerKey { server, key } => {
                self.server_ref(&at("server"), server, ctx)?;
                self.key_ref(&at("key"), key, ctx)
            }
            Action::UpdateServerIdentity { server, identity } => {
                self.server_ref(&at("server"), server, ctx)?;
                self.identity_ref(&at("identity"), identity, ctx)
            }
            Action::SetEncryption { server, encryption } => {
                self.server_ref(&at("server"), server, ctx)?;
                self.encryption(&at("encryption"), encryption, ServerKind::Single, ctx)
            }
            Action::DetachIdentity { server }
            | Action::Revalidate { server }
            | Action::SetServerNetwork { server, .. }
            | Action::DeleteServer { server }
            | Action::SetWorkload { server, .. } => self.server_ref(&at("server"), server, ctx),
            Action::SetServerParameter { server, name, .. } => {
                self.server_ref(&at("server"), server, ctx)?;
                const KNOWN: [&str; 3] = [
                    "ssl_min_protocol_version",
                    "ssl_max_protocol_version",
                    "ssl_enforcement",
                ];
                if !KNOWN.contains(&name.as_str()) {
                    let known: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
                    return Err(self.unknown("server parameter", &at("name"), name, &known));
                }
                Ok(())
            }
            Action::RestoreServer {
                from, encryption, ..
            } => {
                self.server_ref(&at("from"), from, ctx)?;
                encryption.as_ref().map_or(Ok(()), |e| {
                    self.encryption(&at("encryption"), e, ServerKind::Single, ctx)
                })
            }
            Action::CreateReplica {
                from,
                key,
                identity,
                ..
            } => {
                self.server_ref(&at("from"), from, ctx)?;
                if let Some(k) = key {
                    self.key_ref(&at("key"), k, ctx)?;
                }
                identity
                    .as_ref()
                    .map_or(Ok(()), |i| self.identity_ref(&at("identity"), i, ctx))
            }
            Action::GeoRestore { from, .. } => self.server_ref(&at("from"), from, ctx),
        }
    }

    fn alerts(&self, file: &ScenarioFile, ctx: &Ctx) -> Check<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for (i, a) in file.alerts.iter().enumerate() {
            let path = format!("alerts[{i}]");
            if let Some(first) = names.iter().position(|n| *n == a.name) {
                return Err(self.duplicate(
                    &format!("{path}.name"),
                    &format!("alerts[{first}].name"),
                    format!("two alerts are named {:?}", a.name),
                ));
            }
            names.push(a.name.clone());
            let on = format!("{path}.on");
            match &a.on {
                AlertOn::ResourceHealth { server } | AlertOn::KeyAccessFailure { server } => {
                    self.server_ref(&format!("{on}.server"), server, ctx)?
                }
                AlertOn::NearExpiry { vault, key, .. } => {
                    self.key_name_ref(&on, vault, key, ctx)?
                }
            }
        }
        Ok(names)
    }

    fn steps(
        &self,
        path: &str,
        runbook: &str,
        steps: &[StepSpec],
        alerts: &[String],
        ctx: &Ctx,
    ) -> Check {
        let mut names: Vec<String> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            if let Some(first) = names.iter().position(|n| *n == s.name) {
                return Err(self.duplicate(
                    &format!("{path}[{i}].name"),
                    &format!("{path}[{first}].name"),
                    format!("runbook {runbook:?} has two steps named {:?}", s.name),
                ));
            }
            names.push(s.name.clone());
        }
        for (i, s) in steps.iter().enumerate() {
            let on = format!("{path}[{i}].on[0]");
            match &s.on {
                Trigger::At(_) => {}
                Trigger::Alert(a) if !alerts.contains(a) => {
                    return Err(self.unknown("alert", &on, a, alerts))
                }
                Trigger::After(step) if !names.contains(step) => {
                    return Err(self.unknown(
                        &format!("step of runbook {runbook:?}:"),
                        &on,
                        step,
                        &names,
                    ))
                }
                _ => {}
            }
            self.action(&format!("{path}[{i}].do"), &s.action, ctx)?;
        }
        Ok(())
    }

    fn expectations(
        &self,
        file: &ScenarioFile,
        runbooks: &[Runbook],
        alerts: &[String],
        ctx: &Ctx,
    ) -> Check {
        let mut steps: Vec<String> = file.events.iter().filter_map(|e| e.name.clone()).collect();
        steps.extend(
            runbooks
                .iter()
                .flat_map(|r| r.steps.iter().map(|s| s.name.clone())),
        );
        for (i, e) in file.expect.iter().enumerate() {
            let at = |field: &str| format!("expect[{i}].{field}");
            match e {
                ExpectSpec::Inaccessible { server, .. }
                | ExpectSpec::NeverInaccessible { server }
                | ExpectSpec::AvailableAt { server, .. }
                | ExpectSpec::InaccessibleAt { server, .. }
                | ExpectSpec::UnseenLoss { server }
                | ExpectSpec::DataLost { server }
                | ExpectSpec::TlsRefused { server } => {
                    self.server_ref(&at("server"), server, ctx)?
                }
                ExpectSpec::OutageQuantile { server, q, .. } => {
                    self.server_ref(&at("server"), server, ctx)?;
                    if !(*q > 0.0 && *q <= 1.0) {
                        return Err(
                            self.err(&at("q"), format!("a quantile q is in (0, 1], not {q}"))
                        );
                    }
                }
                ExpectSpec::OutageProbability { server, at_most } => {
                    self.server_ref(&at("server"), server, ctx)?;
                    if !(0.0..=1.0).contains(at_most) {
                        return Err(self.err(
                            &at("at_most"),
                            format!("a probability is in [0, 1], not {at_most}"),
                        ));
                    }
                }
                ExpectSpec::StepRefused { step } | ExpectSpec::StepSucceeded { step } => {
                    if !steps.contains(step) {
                        return Err(self.unknown("step", &at("step"), step, &steps).with_help(
                            "name a scripted event with name: \"…\", or a runbook step",
                        ));
                    }
                }
                ExpectSpec::AlertFired { alert, .. } => {
                    if !alerts.contains(alert) {
                        return Err(self.unknown("alert", &at("alert"), alert, alerts));
                    }
                }
                ExpectSpec::NoDataLoss => {}
            }
        }
        Ok(())
    }
}

struct Ctx<'a> {
    vaults: &'a Names,
    keys: &'a KeyNames,
    servers: &'a Names,
    identities: &'a Names,
}

impl KeyNames {
    fn in_vault(&self, vault: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(v, _)| v == vault)
            .map(|(_, k)| k.clone())
            .collect()
    }
}

fn key_size_ok(size: u32) -> Result<(), String> {
    if matches!(size, 1024 | 2048 | 3072 | 4096) {
        Ok(())
    } else {
        Err(format!(
            "a key size is 1024, 2048, 3072 or 4096 bits, not {size}"
        ))
    }
}

fn servers_limit(count: u64) -> String {
    format!(
        "{count} servers; a scenario holds at most {} (fleets included)",
        limits::MAX_SERVERS
    )
}

/// " (about 500 years)" for horizons of a year or more.
fn about_years(seconds: u64) -> String {
    const YEAR_S: u64 = 365 * 86_400;
    if seconds >= YEAR_S {
        format!(" (about {} years)", (seconds + YEAR_S / 2) / YEAR_S)
    } else {
        String::new()
    }
}

fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 10;
    let mut out: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("{:?}", n.as_ref()))
        .collect();
    if names.len() > SHOWN {
        out.push(format!("… ({} in all)", names.len()));
    }
    out.join(", ")
}

/// Writes the name of fleet member `i` into `out`: the prefix, then `i`
/// zero-padded to `width` digits (`format!("{prefix}{i:0width$}")`, without
/// the formatting machinery or an allocation per member: fleets have up to
/// a million).
fn fleet_member_name(out: &mut String, prefix: &str, i: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut n = i;
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.clear();
    out.push_str(prefix);
    for _ in digits.len() - start..width {
        out.push('0');
    }
    out.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

/// The known name closest to `name` (edit distance at most a third of its
/// length, and at least 2), for "did you mean" hints.
pub fn nearest<S: AsRef<str>>(name: &str, known: &[S]) -> Option<String> {
    let mut best: BTreeMap<usize, &str> = BTreeMap::new();
    for k in known {
        let k = k.as_ref();
        best.entry(edit_distance(name, k)).or_insert(k);
    }
    let (&d, &k) = best.iter().next()?;
    (d > 0 && d <= (name.chars().count() / 3).max(2)).then(|| k.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::fleet_member_name;

    #[test]
    fn fleet_member_names_are_zero_padded_like_format() {
        let mut out = String::from("left over");
        for (prefix, i, width) in [
            ("pg-", 1, 7),
            ("pg-", 1_000_000, 7),
            ("", 42, 2),
            ("x", 0, 1),
            ("é-", 123, 5),
            ("a", u64::MAX, 3),
        ] {
            fleet_member_name(&mut out, prefix, i, width);
            assert_eq!(out, format!("{prefix}{i:0width$}"));
        }
    }
}
