//! Full reports for the shipped criteria sets, on the what-if examples in `scoring/examples/`,
//! locked down as snapshots in `tests/snapshots/`. A change to the engine, the criteria files or
//! the examples shows up here as a reviewable diff.

use scoring::score;

use crate::support::{example, shipped};

#[test]
fn dong_nai_2025_report_for_a_typical_commune() {
    let set = shipped("dong-nai-2025");
    let input = example("dong-nai-commune.json");

    let report = score(&set, &input).unwrap();

    insta::assert_json_snapshot!("dong_nai_2025", report);
}

#[test]
fn bac_giang_2023_report_for_a_typical_commune() {
    let set = shipped("bac-giang-2023");
    let input = example("bac-giang-commune.json");

    let report = score(&set, &input).unwrap();

    insta::assert_json_snapshot!("bac_giang_2023", report);
}
