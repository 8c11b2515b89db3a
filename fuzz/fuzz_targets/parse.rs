//! Any bytes through the scenario parser and resolver, the diagnostic
//! renderer, the lint, and (for small plans, under a small event budget)
//! one run with a timeline and one without. Nothing may panic, every
//! diagnostic must render, and the two runs must agree but for the
//! timeline.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run parse -- -max_total_time=600 -dict=fuzz/parse.dict

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = keyloss::scenario::locate::Tree::parse(text);
    match keyloss::scenario::parse_str(text, "fuzz.ron") {
        Err(d) => {
            let rendered = d.render(false);
            assert!(rendered.starts_with("error: fuzz.ron"), "{rendered}");
        }
        Ok(mut plan) => {
            assert!(tree.is_some(), "ron accepts it, the position reader must too");
            let _ = keyloss::lint::lint_text(text, "fuzz.ron").expect("a checked file lints");
            if plan.servers.len() <= 50 {
                plan.timing.event_budget = plan.timing.event_budget.min(20_000);
                let full = keyloss::model::run(&plan, &Default::default());
                // A run without a timeline reports the same, timeline aside.
                let quiet = keyloss::model::run(
                    &plan,
                    &keyloss::model::RunOptions {
                        detailed: false,
                        ..Default::default()
                    },
                );
                if let (Ok(mut full), Ok(quiet)) = (full, quiet) {
                    full.timeline.clear();
                    full.entities.clear();
                    assert_eq!(
                        keyloss::export::json::render(&full),
                        keyloss::export::json::render(&quiet)
                    );
                }
            }
        }
    }
});
