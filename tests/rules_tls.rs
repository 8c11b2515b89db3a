//! R40: TLS. Clients outside the server's range are refused and reported
//! as TLS incidents, apart from key-loss windows (and from resource
//! health, R23).
//!
//! Client traffic is Poisson (one attempt a minute on average), so the
//! exact attempt times are draws: the tests bound them instead.

mod common;

use common::{refusals, srv, step_runs, Scenario};
use keyloss::result::{RunResult, TlsIncident};

/// A service-managed server `s` with a client speaking `tls`.
fn service_managed(kind: &str, tls: &str, extra: &str) -> Scenario {
    Scenario::standard().horizon("2h").servers(&format!(
        r#"Server(name: "s", kind: {kind}, region: "westeurope", workload: Workload(every: "1m", tls: "{tls}"){extra})"#
    ))
}

fn incidents(r: &RunResult) -> &[TlsIncident] {
    &srv(r, "s").tls_incidents
}

#[test]
fn flexible_minimum_tls_1_3_refuses_a_tls_1_2_client() {
    let r = service_managed(
        "Flexible",
        "1.2",
        r#", ssl_min_protocol_version: "TLSv1.3""#,
    )
    .expect(r#"TlsRefused(server: "s")"#)
    .run();
    let inc = incidents(&r);
    assert_eq!(inc.len(), 1, "{inc:?}");
    assert_eq!(inc[0].client_tls, "1.2");
    assert_eq!(inc[0].until_s, None);
    assert!(inc[0].attempts >= 1);
    assert!(srv(&r, "s").windows.is_empty());
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
}

#[test]
fn flexible_accepts_tls_1_2_and_1_3_and_refuses_older_clients_and_none() {
    for tls in ["1.2", "1.3"] {
        let r = service_managed("Flexible", tls, "").run();
        assert!(
            incidents(&r).is_empty(),
            "client {tls}: {:?}",
            incidents(&r)
        );
    }
    for tls in ["1.0", "1.1", "none"] {
        let r = service_managed("Flexible", tls, "").run();
        assert_eq!(incidents(&r).len(), 1, "client {tls}");
        assert_eq!(incidents(&r)[0].client_tls, tls);
    }
}

#[test]
fn maximum_tls_1_2_refuses_a_tls_1_3_client() {
    let r = service_managed(
        "Flexible",
        "1.3",
        r#", ssl_max_protocol_version: "TLSv1.2""#,
    )
    .run();
    assert_eq!(incidents(&r).len(), 1);
    assert_eq!(incidents(&r)[0].client_tls, "1.3");
}

#[test]
fn raising_the_minimum_starts_an_incident_and_lowering_it_ends_one() {
    // TLS 1.3 required 3900–7200 for a TLS 1.2 client.
    let r = service_managed("Flexible", "1.2", "")
        .horizon("3h")
        .events(
            r#"
            (at: "1h5m", do: SetServerParameter(server: "s", name: "ssl_min_protocol_version", value: "TLSv1.3")),
            (at: "2h", do: SetServerParameter(server: "s", name: "ssl_min_protocol_version", value: "TLSv1.2")),
            "#,
        )
        .run();
    let inc = incidents(&r);
    assert_eq!(inc.len(), 1, "{inc:?}");
    let until = inc[0].until_s.expect("the incident ends");
    assert!(
        3900 <= inc[0].from_s && inc[0].from_s <= until && until <= 7200,
        "{inc:?}"
    );
    assert!(inc[0].attempts >= 1);
}

#[test]
fn single_server_speaks_tls_1_2_only() {
    assert!(incidents(&service_managed("Single", "1.2", "").run()).is_empty());
    let r = service_managed("Single", "1.3", "").run();
    assert_eq!(incidents(&r).len(), 1);
    assert_eq!(incidents(&r)[0].client_tls, "1.3");
    let r = service_managed("Single", "1.2", r#", ssl_min_protocol_version: "TLSv1.3""#).run();
    assert_eq!(refusals(&r), ["0 InvalidParameterValue"]);
    assert!(r.server("s").is_none());
    let r = service_managed("Single", "1.2", "")
        .events(r#"(at: "1h", name: "raise", do: SetServerParameter(server: "s", name: "ssl_min_protocol_version", value: "TLSv1.3"))"#)
        .run();
    assert_eq!(
        step_runs(&r, "raise"),
        ["3600 Refused(InvalidParameterValue)"]
    );
}

#[test]
fn ssl_enforcement_off_lets_a_client_without_tls_into_a_single_server() {
    let enforced = service_managed("Single", "none", "").run();
    assert_eq!(incidents(&enforced).len(), 1);
    let off = service_managed("Single", "none", ", ssl_enforcement: false").run();
    assert!(incidents(&off).is_empty(), "{:?}", incidents(&off));
    let switched = service_managed("Single", "none", "")
        .events(r#"(at: "1h", name: "off", do: SetServerParameter(server: "s", name: "ssl_enforcement", value: "off"))"#)
        .run();
    assert_eq!(step_runs(&switched, "off"), ["3600 Ok"]);
    let inc = incidents(&switched);
    assert_eq!(inc.len(), 1);
    assert!(inc[0].until_s.is_some_and(|u| u <= 3600), "{inc:?}");
}

#[test]
fn flexible_cannot_switch_tls_off() {
    let r = service_managed("Flexible", "1.2", "")
        .events(r#"(at: "1h", name: "off", do: SetServerParameter(server: "s", name: "ssl_enforcement", value: "off"))"#)
        .run();
    assert_eq!(
        step_runs(&r, "off"),
        ["3600 Refused(InvalidParameterValue)"]
    );
    let r = service_managed("Flexible", "1.2", ", ssl_enforcement: false").run();
    assert_eq!(refusals(&r), ["0 InvalidParameterValue"]);
    assert!(r.server("s").is_none());
}

#[test]
fn a_server_declared_with_an_invalid_tls_version_is_refused_not_unreadable() {
    // R40: invalid values are refused R35-style; R8: a refused world
    // server does not exist, and the run goes on.
    for extra in [
        r#", ssl_min_protocol_version: "TLSv1.1""#,
        r#", ssl_max_protocol_version: "TLSv1.0""#,
        r#", ssl_min_protocol_version: "tls-1.2""#,
    ] {
        let r = service_managed("Flexible", "1.2", extra).run();
        assert_eq!(refusals(&r), ["0 InvalidParameterValue"], "{extra}");
        assert!(r.server("s").is_none());
    }
}

#[test]
fn invalid_tls_values_are_refused() {
    let r = service_managed("Flexible", "1.2", "")
        .events(
            r#"
            (at: "1h", name: "1.1", do: SetServerParameter(server: "s", name: "ssl_min_protocol_version", value: "TLSv1.1")),
            (at: "1h", name: "max below min", do: SetServerParameter(server: "s", name: "ssl_max_protocol_version", value: "TLSv1.2")),
            (at: "1h", name: "min above max", do: SetServerParameter(server: "s", name: "ssl_min_protocol_version", value: "TLSv1.3")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "1.1"),
        ["3600 Refused(InvalidParameterValue)"]
    );
    // Max 1.2 is valid on its own; then a minimum of 1.3 is above it.
    assert_eq!(step_runs(&r, "max below min"), ["3600 Ok"]);
    assert_eq!(
        step_runs(&r, "min above max"),
        ["3600 Refused(InvalidParameterValue)"]
    );
}

#[test]
fn tls_refusals_do_not_show_in_resource_health() {
    // R23: every attempt is refused for TLS, none for the key loss.
    let r = Scenario::standard()
        .servers(r#"Server(name: "s", region: "westeurope", ssl_min_protocol_version: "TLSv1.3", workload: Workload(every: "1m", tls: "1.2"), encryption: CustomerManaged(key: "kv/k/1", identity: "id"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "2h", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    let s = srv(&r, "s");
    assert_eq!(s.windows.len(), 1);
    assert_eq!(s.windows[0].health_from_s, None);
    assert_eq!(s.tls_incidents.len(), 1);
}
