//! RON text → [`Plan`]: parse, check every value the service could never
//! hold, resolve every name (against the world and every name an action
//! creates), and apply the defaults. Every problem is a located
//! [`Diagnostic`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ron::extensions::Extensions;

use super::diagnostic::{offset_of, Diagnostic};
use super::format::*;
use super::locate::Locator;
use super::{limits, Names, Plan, Runbook, Timing, WorldServer};
use crate::engine::random::Dist;
use crate::engine::time::{format_duration, parse_calendar};

/// Reads and checks a scenario file.
pub fn load_file(path: &Path) -> Result<Plan, Diagnostic> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::whole_file(&shown, format!("cannot read the file: {e}")))?;
    if meta.len() > limits::MAX_FILE_BYTES {
        return Err(Diagnostic::whole_file(
            &shown,
            format!(
                "the file is {} bytes; scenario files are limited to {} bytes (16 MiB)",
                meta.len(),
                limits::MAX_FILE_BYTES
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::whole_file(&shown, format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::whole_file(
            &shown,
            format!(
                "the file is not UTF-8 text (bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    parse_str(&text, &shown)
}

/// Parses and checks scenario text; `origin` names it in messages.
pub fn parse_str(text: &str, origin: &str) -> Result<Plan, Diagnostic> {
    if text.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(Diagnostic::whole_file(
            origin,
            "the scenario is larger than 16 MiB",
        ));
    }
    let options = ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
    let file: ScenarioFile = options.from_str(text).map_err(|e| {
        let start = offset_of(text, e.span.start.line, e.span.start.col);
        let end = offset_of(text, e.span.end.line, e.span.end.col).max(start + 1);
        let message = e.code.to_string();
        let help = help_for(&message);
        let d = Diagnostic::at(origin, text, start, end - start, message);
        match help {
            Some(h) => d.with_help(h),
            None => d,
        }
    })?;
    Checker::new(text, origin).check(file)
}

fn help_for(message: &str) -> Option<String> {
    if message.contains("duration") {
        return Some("write durations as \"90s\", \"10m\", \"2h\", \"7d\" or \"1h30m\"".into());
    }
    if message.contains("Unexpected missing field") || message.contains("missing field") {
        return Some(
            "see the scenario format in the README for the fields each entity takes".into(),
        );
    }
    None
}

struct Checker<'t> {
    text: &'t str,
    origin: &'t str,
    loc: Locator<'t>,
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
            loc: Locator::new(text),
        }
    }

    /// A located error at the n-th `field: "value"`.
    fn err_at(&self, field: &str, value: &str, nth: usize, message: String) -> Diagnostic {
        match self.loc.find(field, value, nth) {
            Some((at, len)) => Diagnostic::at(self.origin, self.text, at, len, message),
            None => self.err_word(field, message),
        }
    }

    /// A located error at the first place a word is written.
    fn err_word(&self, word: &str, message: String) -> Diagnostic {
        match self.loc.word(word) {
            Some((at, len)) => Diagnostic::at(self.origin, self.text, at, len, message),
            None => Diagnostic::at(self.origin, self.text, 0, 0, message),
        }
    }

    fn unknown(&self, kind: &str, field: &str, name: &str, known: &[String]) -> Diagnostic {
        let mut d = self.err_at(field, name, 0, format!("unknown {kind} {name:?}"));
        if let Some(s) = nearest(name, known) {
            d = d.with_help(format!("did you mean {s:?}?"));
        } else if known.is_empty() {
            d = d.with_help(format!("the scenario declares no {kind}"));
        }
        d
    }

    fn check(&self, file: ScenarioFile) -> Check<Plan> {
        if file.name.trim().is_empty() {
            return Err(self.err_word("name", "the scenario needs a name".into()));
        }
        let horizon = file.horizon.0;
        if horizon == 0 || horizon > limits::MAX_HORIZON_S {
            return Err(self.err_word(
                "horizon",
                format!(
                    "the horizon must be between 1s and 10 years (3650d), not {}",
                    format_duration(horizon)
                ),
            ));
        }
        let start_unix_s = match &file.start {
            None => None,
            Some(s) => {
                Some(parse_calendar(s).map_err(|e| self.err_at("start", s, 0, e.to_string()))?)
            }
        };
        let timing = self.timing(&file.timing)?;
        if file.events.len() > limits::MAX_EVENTS {
            return Err(self.err_word(
                "events",
                format!(
                    "{} scripted events; the limit is {}",
                    file.events.len(),
                    limits::MAX_EVENTS
                ),
            ));
        }
        let (vaults, keys) = self.vault_names(&file)?;
        let servers = self.server_names(&file)?;
        let identities = self.identity_names(&file)?;
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
            self.action(&ev.action, &ctx)?;
            if ev.at.0 >= horizon {
                let _ = i; // Events at or after the horizon never happen; not an error.
            }
        }
        let alert_names = self.alerts(&file, &ctx)?;
        for rb in &runbooks {
            self.steps(rb, &alert_names, &ctx)?;
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
                return Err(self.err_word(
                    "key_check_every",
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
            if b == 0 {
                return Err(self.err_word("event_budget", "event_budget must be at least 1".into()));
            }
            out.event_budget = b;
        }
        Ok(out)
    }

    fn dist(&self, field: &str, d: &DistSpec) -> Check<Dist> {
        match *d {
            DistSpec::Fixed(a) => Ok(Dist::Fixed(a.0)),
            DistSpec::Uniform(a, b) if a <= b => Ok(Dist::Uniform(a.0, b.0)),
            DistSpec::Uniform(a, b) => Err(self.err_word(
                field,
                format!(
                    "Uniform({:?}, {:?}): the low end is above the high end",
                    format_duration(a.0),
                    format_duration(b.0)
                ),
            )),
            DistSpec::Triangular(a, m, b) if a <= m && m <= b => {
                Ok(Dist::Triangular(a.0, m.0, b.0))
            }
            DistSpec::Triangular(..) => Err(self.err_word(
                field,
                "Triangular(min, mode, max) needs min ≤ mode ≤ max".into(),
            )),
        }
    }

    fn vault_spec(&self, v: &VaultSpec, keys: &mut KeyNames) -> Check {
        if !(7..=90).contains(&v.retention_days) {
            return Err(self.err_word(
                "retention_days",
                format!("retention_days is 7 to 90 (R4), not {}", v.retention_days),
            ));
        }
        let mut seen = BTreeSet::new();
        for k in &v.keys {
            if !seen.insert(k.name.clone()) {
                return Err(self.err_at(
                    "name",
                    &k.name,
                    1,
                    format!("vault {} declares key {:?} twice", v.name, k.name),
                ));
            }
            key_size_ok(k.size).map_err(|m| self.err_word("size", m))?;
            if k.versions == 0 || k.versions > 10_000 {
                return Err(self.err_word(
                    "versions",
                    format!("a key has 1 to 10000 versions, not {}", k.versions),
                ));
            }
            if k.rotation.is_some_and(|r| r.every.0 == 0) {
                return Err(
                    self.err_word("every", "a rotation policy rotates every 1s or more".into())
                );
            }
            keys.0.insert((v.name.clone(), k.name.clone()));
        }
        Ok(())
    }

    fn vault_names(&self, file: &ScenarioFile) -> Check<(Names, KeyNames)> {
        let mut names = Names::default();
        let mut keys = KeyNames::default();
        for v in &file.world.vaults {
            if names.get(&v.name).is_some() {
                return Err(self.err_at(
                    "name",
                    &v.name,
                    1,
                    format!("two vaults are named {:?}", v.name),
                ));
            }
            names.add(&v.name);
            self.vault_spec(v, &mut keys)?;
        }
        for a in all_actions(file) {
            match a {
                Action::CreateVault(NewVault::Vault(v)) => {
                    names.add(&v.name);
                    self.vault_spec(v, &mut keys)?;
                }
                Action::CreateKey {
                    vault, key, size, ..
                } => {
                    if let Some(s) = size {
                        key_size_ok(*s).map_err(|m| self.err_word("size", m))?;
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

    fn server_names(&self, file: &ScenarioFile) -> Check<Names> {
        let mut names = Names::default();
        let mut total: u64 = 0;
        for decl in &file.world.servers {
            match decl {
                ServerDecl::Server(s) => {
                    if s.name.is_empty() {
                        return Err(self.err_word("Server", "a server needs a name".into()));
                    }
                    if names.get(&s.name).is_some() {
                        return Err(self.err_at(
                            "name",
                            &s.name,
                            1,
                            format!("two servers are named {:?}", s.name),
                        ));
                    }
                    names.add(&s.name);
                    total += 1;
                }
                ServerDecl::Fleet { prefix, count, .. } => {
                    if *count == 0 || total + count > limits::MAX_SERVERS {
                        return Err(self.err_word(
                            "count",
                            format!("a scenario holds 1 to {} servers (fleets included); this fleet has {count}", limits::MAX_SERVERS),
                        ));
                    }
                    let width = count.to_string().len();
                    let mut name = String::new();
                    for i in 1..=*count {
                        fleet_member_name(&mut name, prefix, i, width);
                        if names.get(&name).is_some() {
                            return Err(self.err_at(
                                "prefix",
                                prefix,
                                0,
                                format!("fleet member {name:?} clashes with another server"),
                            ));
                        }
                        names.add(&name);
                    }
                    total += count;
                }
            }
        }
        for a in all_actions(file) {
            match a {
                Action::CreateServer(NewServer::Server(s)) => {
                    if s.name.is_empty() {
                        return Err(
                            self.err_word("CreateServer", "a created server needs a name".into())
                        );
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
        }
        Ok(names)
    }

    fn identity_names(&self, file: &ScenarioFile) -> Check<Names> {
        let mut names = Names::default();
        for i in &file.world.identities {
            if names.get(&i.name).is_some() {
                return Err(self.err_at(
                    "name",
                    &i.name,
                    1,
                    format!("two identities are named {:?}", i.name),
                ));
            }
            names.add(&i.name);
        }
        for a in all_actions(file) {
            if let Action::CreateIdentity { identity, .. } = a {
                names.add(identity);
            }
        }
        Ok(names)
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
                    let width = count.to_string().len();
                    let mut name = String::new();
                    for i in 1..=*count {
                        fleet_member_name(&mut name, prefix, i, width);
                        let id = servers.get(&name).expect("named");
                        out.push(WorldServer {
                            id,
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
        for (name, steps) in &file.runbooks {
            if out.iter().any(|r: &Runbook| r.name == *name) {
                return Err(self.err_at("", name, 1, format!("two runbooks are named {name:?}")));
            }
            out.push(Runbook {
                name: name.clone(),
                steps: steps.clone(),
            });
        }
        let total: usize = out.iter().map(|r| r.steps.len()).sum();
        if total > limits::MAX_STEPS {
            return Err(self.err_word(
                "runbook",
                format!("{total} runbook steps; the limit is {}", limits::MAX_STEPS),
            ));
        }
        Ok(out)
    }

    fn world_refs(&self, file: &ScenarioFile, ctx: &Ctx) -> Check {
        for g in &file.world.grants {
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
            self.identity_ref(identity, ctx)?;
            self.vault_ref(vault, ctx)?;
            if let Some(k) = key {
                self.key_name_ref(vault, k, ctx)?;
            }
        }
        for decl in &file.world.servers {
            let spec = match decl {
                ServerDecl::Server(s) => s,
                ServerDecl::Fleet { server, .. } => server,
            };
            self.server_spec(spec, ctx)?;
        }
        Ok(())
    }

    fn server_spec(&self, s: &ServerSpec, ctx: &Ctx) -> Check {
        for (field, v) in [
            ("ssl_min_protocol_version", &s.ssl_min_protocol_version),
            ("ssl_max_protocol_version", &s.ssl_max_protocol_version),
        ] {
            if let Some(v) = v {
                if v != "TLSv1.2" && v != "TLSv1.3" {
                    return Err(self.err_at(
                        field,
                        v,
                        0,
                        format!("{field} is \"TLSv1.2\" or \"TLSv1.3\", not {v:?}"),
                    ));
                }
            }
        }
        self.encryption(&s.encryption, s.kind, ctx)
    }

    fn encryption(&self, e: &EncryptionSpec, kind: ServerKind, ctx: &Ctx) -> Check {
        let EncryptionSpec::CustomerManaged {
            key,
            identity,
            geo_backup,
        } = e
        else {
            return Ok(());
        };
        self.key_ref(key, ctx)?;
        match identity {
            Some(i) => self.identity_ref(i, ctx)?,
            None if kind == ServerKind::Flexible => {
                return Err(self
                    .err_at(
                        "key",
                        &key.to_string(),
                        0,
                        "a Flexible server's CustomerManaged encryption needs an identity".into(),
                    )
                    .with_help("add identity: \"<user-assigned identity name>\""));
            }
            None => {}
        }
        if let Some(g) = geo_backup {
            self.key_ref(&g.key, ctx)?;
            self.identity_ref(&g.identity, ctx)?;
        }
        Ok(())
    }

    fn vault_ref(&self, name: &str, ctx: &Ctx) -> Check {
        if ctx.vaults.get(name).is_none() {
            return Err(self.unknown("vault", "vault", name, &ctx.vaults.list));
        }
        Ok(())
    }

    fn key_name_ref(&self, vault: &str, key: &str, ctx: &Ctx) -> Check {
        self.vault_ref(vault, ctx)?;
        if !ctx.keys.0.contains(&(vault.to_string(), key.to_string())) {
            let known: Vec<String> = ctx
                .keys
                .0
                .iter()
                .filter(|(v, _)| v == vault)
                .map(|(_, k)| k.clone())
                .collect();
            return Err(self.unknown(&format!("key in vault {vault:?}:"), "key", key, &known));
        }
        Ok(())
    }

    fn key_ref(&self, r: &KeyRef, ctx: &Ctx) -> Check {
        let text = r.to_string();
        if ctx.vaults.get(&r.vault).is_none() {
            return Err(self
                .err_at(
                    "key",
                    &text,
                    0,
                    format!(
                        "key reference {text:?} names an unknown vault {:?}",
                        r.vault
                    ),
                )
                .with_help(
                    nearest(&r.vault, &ctx.vaults.list)
                        .map_or("declare the vault in world.vaults".into(), |s| {
                            format!("did you mean vault {s:?}?")
                        }),
                ));
        }
        if !ctx.keys.0.contains(&(r.vault.clone(), r.key.clone())) {
            let known: Vec<String> = ctx
                .keys
                .0
                .iter()
                .filter(|(v, _)| *v == r.vault)
                .map(|(_, k)| k.clone())
                .collect();
            let mut d = self.err_at(
                "key",
                &text,
                0,
                format!(
                    "key reference {text:?}: vault {:?} has no key {:?}",
                    r.vault, r.key
                ),
            );
            if let Some(s) = nearest(&r.key, &known) {
                d = d.with_help(format!("did you mean \"{}/{s}\"?", r.vault));
            }
            return Err(d);
        }
        Ok(())
    }

    fn identity_ref(&self, name: &str, ctx: &Ctx) -> Check {
        // A Single server's system identity is named after the server (R39).
        if ctx.identities.get(name).is_none() && ctx.servers.get(name).is_none() {
            return Err(self.unknown("identity", "identity", name, &ctx.identities.list));
        }
        Ok(())
    }

    fn server_ref(&self, field: &str, name: &str, ctx: &Ctx) -> Check {
        if ctx.servers.get(name).is_none() {
            return Err(self.unknown(
                "server",
                field,
                name,
                &ctx.servers.list[..ctx.servers.len().min(1000)],
            ));
        }
        Ok(())
    }

    fn action(&self, a: &Action, ctx: &Ctx) -> Check {
        match a {
            Action::CreateKey { vault, .. } => self.vault_ref(vault, ctx),
            Action::RotateKey { vault, key }
            | Action::DisableKey { vault, key, .. }
            | Action::EnableKey { vault, key, .. }
            | Action::SetKeyExpiry { vault, key, .. }
            | Action::DeleteKey { vault, key }
            | Action::RecoverKey { vault, key }
            | Action::PurgeKey { vault, key }
            | Action::BackupKey { vault, key } => self.key_name_ref(vault, key, ctx),
            Action::RestoreKeyBackup {
                vault, from_vault, ..
            } => {
                self.vault_ref(vault, ctx)?;
                from_vault
                    .as_ref()
                    .map_or(Ok(()), |v| self.vault_ref(v, ctx))
            }
            Action::CreateVault(_) | Action::CreateIdentity { .. } => Ok(()),
            Action::DeleteVault { vault }
            | Action::RecoverVault { vault }
            | Action::PurgeVault { vault }
            | Action::SetFirewall { vault, .. }
            | Action::SetPermissionModel { vault, .. }
            | Action::SetDeleteLock { vault, .. }
            | Action::MoveVault { vault, .. } => self.vault_ref(vault, ctx),
            Action::DeleteIdentity { identity } | Action::RecoverIdentity { identity } => {
                self.identity_ref(identity, ctx)
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
                self.identity_ref(identity, ctx)?;
                match key {
                    Some(k) => self.key_name_ref(vault, k, ctx),
                    None => self.vault_ref(vault, ctx),
                }
            }
            Action::SetAccessPolicy {
                identity, vault, ..
            }
            | Action::RemoveAccessPolicy { identity, vault } => {
                self.identity_ref(identity, ctx)?;
                self.vault_ref(vault, ctx)
            }
            Action::CreateServer(NewServer::Server(s)) => self.server_spec(s, ctx),
            Action::UpdateServerKey { server, key } => {
                self.server_ref("server", server, ctx)?;
                self.key_ref(key, ctx)
            }
            Action::UpdateServerIdentity { server, identity } => {
                self.server_ref("server", server, ctx)?;
                self.identity_ref(identity, ctx)
            }
            Action::SetEncryption { server, encryption } => {
                self.server_ref("server", server, ctx)?;
                self.encryption(encryption, ServerKind::Single, ctx)
            }
            Action::DetachIdentity { server }
            | Action::Revalidate { server }
            | Action::SetServerNetwork { server, .. }
            | Action::DeleteServer { server }
            | Action::SetWorkload { server, .. } => self.server_ref("server", server, ctx),
            Action::SetServerParameter { server, name, .. } => {
                self.server_ref("server", server, ctx)?;
                const KNOWN: [&str; 3] = [
                    "ssl_min_protocol_version",
                    "ssl_max_protocol_version",
                    "ssl_enforcement",
                ];
                if !KNOWN.contains(&name.as_str()) {
                    let known: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
                    return Err(self.unknown("server parameter", "name", name, &known));
                }
                Ok(())
            }
            Action::RestoreServer {
                from, encryption, ..
            } => {
                self.server_ref("from", from, ctx)?;
                encryption
                    .as_ref()
                    .map_or(Ok(()), |e| self.encryption(e, ServerKind::Single, ctx))
            }
            Action::CreateReplica {
                from,
                key,
                identity,
                ..
            } => {
                self.server_ref("from", from, ctx)?;
                if let Some(k) = key {
                    self.key_ref(k, ctx)?;
                }
                identity
                    .as_ref()
                    .map_or(Ok(()), |i| self.identity_ref(i, ctx))
            }
            Action::GeoRestore { from, .. } => self.server_ref("from", from, ctx),
        }
    }

    fn alerts(&self, file: &ScenarioFile, ctx: &Ctx) -> Check<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for a in &file.alerts {
            if names.contains(&a.name) {
                return Err(self.err_at(
                    "name",
                    &a.name,
                    1,
                    format!("two alerts are named {:?}", a.name),
                ));
            }
            names.push(a.name.clone());
            match &a.on {
                AlertOn::ResourceHealth { server } | AlertOn::KeyAccessFailure { server } => {
                    self.server_ref("server", server, ctx)?
                }
                AlertOn::NearExpiry { vault, key, .. } => self.key_name_ref(vault, key, ctx)?,
            }
        }
        Ok(names)
    }

    fn steps(&self, rb: &Runbook, alerts: &[String], ctx: &Ctx) -> Check {
        let mut names: Vec<String> = Vec::new();
        for s in &rb.steps {
            if names.contains(&s.name) {
                return Err(self.err_at(
                    "name",
                    &s.name,
                    1,
                    format!("runbook {:?} has two steps named {:?}", rb.name, s.name),
                ));
            }
            names.push(s.name.clone());
        }
        for s in &rb.steps {
            match &s.on {
                Trigger::At(_) => {}
                Trigger::Alert(a) if !alerts.contains(a) => {
                    return Err(self.unknown("alert", "", a, alerts))
                }
                Trigger::After(step) if !names.contains(step) => {
                    return Err(self.unknown(
                        &format!("step of runbook {:?}:", rb.name),
                        "",
                        step,
                        &names,
                    ))
                }
                _ => {}
            }
            self.action(&s.action, ctx)?;
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
        for e in &file.expect {
            match e {
                ExpectSpec::Inaccessible { server, .. }
                | ExpectSpec::NeverInaccessible { server }
                | ExpectSpec::AvailableAt { server, .. }
                | ExpectSpec::InaccessibleAt { server, .. }
                | ExpectSpec::UnseenLoss { server }
                | ExpectSpec::DataLost { server }
                | ExpectSpec::TlsRefused { server } => self.server_ref("server", server, ctx)?,
                ExpectSpec::OutageQuantile { server, q, .. } => {
                    self.server_ref("server", server, ctx)?;
                    if !(*q > 0.0 && *q <= 1.0) {
                        return Err(
                            self.err_word("q", format!("a quantile q is in (0, 1], not {q}"))
                        );
                    }
                }
                ExpectSpec::OutageProbability { server, at_most } => {
                    self.server_ref("server", server, ctx)?;
                    if !(0.0..=1.0).contains(at_most) {
                        return Err(self.err_word(
                            "OutageProbability",
                            format!("a probability is in [0, 1], not {at_most}"),
                        ));
                    }
                }
                ExpectSpec::StepRefused { step } | ExpectSpec::StepSucceeded { step } => {
                    if !steps.contains(step) {
                        return Err(self.unknown("step", "step", step, &steps).with_help(
                            "name a scripted event with name: \"…\", or a runbook step",
                        ));
                    }
                }
                ExpectSpec::AlertFired { alert, .. } => {
                    if !alerts.contains(alert) {
                        return Err(self.unknown("alert", "alert", alert, alerts));
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

fn key_size_ok(size: u32) -> Result<(), String> {
    if matches!(size, 1024 | 2048 | 3072 | 4096) {
        Ok(())
    } else {
        Err(format!(
            "a key size is 1024, 2048, 3072 or 4096 bits, not {size}"
        ))
    }
}

/// Every action of the file: scripted events, then every runbook's steps.
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

fn all_actions(file: &ScenarioFile) -> impl Iterator<Item = &Action> {
    file.events
        .iter()
        .map(|e| &e.action)
        .chain(file.runbook.iter().flatten().map(|s| &s.action))
        .chain(
            file.runbooks
                .iter()
                .flat_map(|(_, steps)| steps.iter().map(|s| &s.action)),
        )
}

/// The known name closest to `name` (edit distance at most a third of its
/// length), for "did you mean" hints.
pub fn nearest(name: &str, known: &[String]) -> Option<String> {
    let mut best: BTreeMap<usize, &String> = BTreeMap::new();
    for k in known {
        best.entry(edit_distance(name, k)).or_insert(k);
    }
    let (&d, &k) = best.iter().next()?;
    (d > 0 && d <= (name.chars().count() / 3).max(2)).then(|| k.clone())
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
