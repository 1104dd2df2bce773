//! The pure engine alone: one commune's report (every leaf, the citizen criterion, both SHA-256
//! hashes) from the shipped criteria set and the example input, as `hailong score` computes it.
//!
//! ```sh
//! cargo bench -p scoring --bench engine
//! ```

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

fn one_commune(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions");
    let definitions = survey_definitions::load_dir(&dir).expect("shipped surveys");
    let sets = survey_definitions::load_criteria_dir(&dir, &definitions).expect("shipped sets");
    let set = sets
        .iter()
        .filter(|set| set.id.starts_with("dong-nai"))
        .max_by_key(|set| (set.id.clone(), set.version))
        .expect("a Đồng Nai criteria set");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dong-nai-commune.json");
    let mut input: scoring::ScoringInput =
        serde_json::from_str(&std::fs::read_to_string(example).expect("example input"))
            .expect("example input parses");
    // The example was written for an earlier set: keep the leaves this one has, as a commune's
    // data would be.
    input.imported.clear();
    input.self_assessed.retain(|id, _| set.leaf(id).is_some());
    input.appraised.retain(|id, _| set.leaf(id).is_some());
    scoring::score(set, &input).expect("the example scores");

    c.bench_function(
        &format!(
            "score one commune ({}, {} leaves)",
            set.id,
            set.leaves().len()
        ),
        |b| b.iter(|| scoring::score(set, black_box(&input)).expect("scores")),
    );
}

criterion_group!(benches, one_commune);
criterion_main!(benches);
